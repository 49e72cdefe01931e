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
	// Args are extra redis-server arguments, e.g. {"--maxmemory", "1gb"};
	// they come last, so they override the defaults (later settings win in
	// redis-server's command line). Optional: defaults to none. Persistence
	// is off unless Args turn it on (as [StartRedisCluster] does).
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

	bin  string
	args []string
	opts RedisOptions

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
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("start Redis: %w", err)
	}
	return startRedisOn(ctx, port, opts)
}

func startRedisOn(ctx context.Context, port int, opts RedisOptions) (*Redis, error) {
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 30 * time.Second
	}
	bin, err := lookBin("redis-server", "")
	if err != nil {
		return nil, fmt.Errorf("start Redis: redis-server not on PATH: install redis-server: apt-get install -y redis-server: %w", err)
	}
	dir, err := os.MkdirTemp("", "kfpgo-redis-")
	if err != nil {
		return nil, fmt.Errorf("start Redis: create temporary directory: %w", err)
	}
	logPath := filepath.Join(dir, "redis.log")
	args := append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1",
		"--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no",
		"--logfile", logPath, "--protected-mode", "no"}, opts.Args...)
	r := &Redis{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, bin: bin, args: args, opts: opts}
	r.URL = "redis://" + r.Addr + "/0"
	if err := r.start(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return r, nil
}

// start runs the server and waits until it answers PING.
func (r *Redis) start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.StartTimeout)
	defer cancel()
	logPath := filepath.Join(r.Dir, "redis.log")
	cmd := command(nil, r.bin, r.args...)
	cmd.Dir = r.Dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start Redis: run %s: %w", r.bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	client := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1, DialTimeout: time.Second})
	defer client.Close()
	for {
		select {
		case <-done:
			return fmt.Errorf("start Redis: server exited during start-up: %s", tail(logPath, 2000))
		case <-ctx.Done():
			stopProcess(cmd, done, syscall.SIGKILL, time.Second)
			return fmt.Errorf("start Redis: no answer to PING on %s: %w\n%s", r.Addr, ctx.Err(), tail(logPath, 2000))
		case <-time.After(20 * time.Millisecond):
		}
		// LOADING (data being read back after a restart) is not an answer
		// yet; NOAUTH from a server with requirepass is.
		if err := client.Ping(ctx).Err(); err == nil || redis.IsAuthError(err) {
			r.cmd, r.done = cmd, done
			return nil
		}
	}
}

// Halt shuts the server down (SIGTERM: a server with persistence on writes
// it out first) and keeps its directory, so that [Redis.Restart] brings it
// back on the same port. Halting a halted server does nothing.
func (r *Redis) Halt() {
	r.mu.Lock()
	defer r.mu.Unlock()
	stopProcess(r.cmd, r.done, syscall.SIGTERM, 10*time.Second)
	r.cmd, r.done = nil, nil
}

// Restart starts a halted server again on the same port, directory and
// arguments. Restarting a running server does nothing.
//
// Errors: the server did not answer PING within RedisOptions.StartTimeout,
// with the end of its log.
func (r *Redis) Restart(ctx context.Context) error { return r.start(ctx) }

// Stop shuts the server down (SIGTERM, then SIGKILL after 10s) and removes
// its temporary directory. Stop is idempotent.
func (r *Redis) Stop() {
	r.Halt()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Dir != "" {
		_ = os.RemoveAll(r.Dir)
	}
}

func urlPathEscape(s string) string { return url.PathEscape(s) }
