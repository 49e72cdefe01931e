package testenv

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisOptions configures [StartRedis]. The zero value is ready to use.
type RedisOptions struct {
	// Args are extra redis-server arguments, e.g. {"--maxmemory", "1gb"}.
	// Optional: defaults to none. Persistence is always off.
	Args []string
	// StartTimeout bounds the wait for the server to answer PING.
	// Optional: defaults to 30s.
	StartTimeout time.Duration
}

// Redis is a running throw-away redis-server without persistence.
type Redis struct {
	// URL is the connection URL for database 0 without password, e.g.
	// "redis://127.0.0.1:41235/0"; parse it with redis.ParseURL.
	URL string
	// Addr is "127.0.0.1:<port>".
	Addr string
	// Dir is the temporary working directory holding the log (Dir/redis.log).
	Dir string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// StartRedis starts redis-server on a free loopback port in a temporary
// directory and returns once it answers PING.
//
// Errors: a wrapped [ErrBinaryNotFound] when redis-server is not on PATH;
// otherwise an error carrying the end of the server log. Nothing is left
// behind on error.
func StartRedis(ctx context.Context, opts RedisOptions) (*Redis, error) {
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	bin, err := lookBin("redis-server", "")
	if err != nil {
		return nil, fmt.Errorf("start Redis: redis-server not on PATH: install redis-server: apt-get install -y redis-server: %w", err)
	}
	dir, err := os.MkdirTemp("", "kfpgo-redis-")
	if err != nil {
		return nil, fmt.Errorf("start Redis: create temporary directory: %w", err)
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start Redis: %w", err)
	}
	logPath := filepath.Join(dir, "redis.log")
	args := append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1",
		"--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no",
		"--logfile", logPath, "--protected-mode", "no"}, opts.Args...)
	cmd := command(nil, bin, args...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start Redis: run %s: %w", bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	r := &Redis{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, cmd: cmd, done: done}
	r.URL = "redis://" + r.Addr + "/0"
	client := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1, DialTimeout: time.Second})
	defer client.Close()
	for {
		select {
		case <-done:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("start Redis: server exited during start-up: %s", tail(logPath, 2000))
		case <-ctx.Done():
			msg := tail(logPath, 2000)
			r.Stop()
			return nil, fmt.Errorf("start Redis: no answer to PING on %s: %w\n%s", r.Addr, ctx.Err(), msg)
		case <-time.After(20 * time.Millisecond):
		}
		if client.Ping(ctx).Err() == nil {
			return r, nil
		}
	}
}

// Stop shuts the server down (SIGTERM, then SIGKILL after 10s) and removes
// its temporary directory. Stop is idempotent.
func (r *Redis) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	stopProcess(r.cmd, r.done, syscall.SIGTERM, 10*time.Second)
	r.cmd = nil
	if r.Dir != "" {
		_ = os.RemoveAll(r.Dir)
	}
}

func urlPathEscape(s string) string { return url.PathEscape(s) }
