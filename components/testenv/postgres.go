package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresOptions configures [StartPostgres]. The zero value is ready to use.
type PostgresOptions struct {
	// Settings are extra server settings passed as "-c name=value", e.g.
	// {"max_connections": "200"}. Optional: defaults to none. fsync,
	// synchronous_commit and full_page_writes are always off.
	Settings map[string]string
	// StartTimeout bounds initdb plus the wait for the server to accept
	// connections. Optional: defaults to 60s.
	StartTimeout time.Duration
}

// Postgres is a running throw-away PostgreSQL server. Its methods are safe
// for concurrent use.
type Postgres struct {
	// DSN is the connection URL of the superuser "postgres" to database
	// "postgres" over TCP, e.g.
	// "postgres://postgres@127.0.0.1:41234/postgres?sslmode=disable".
	// Authentication is trust: there is no password.
	DSN string
	// Port is the loopback TCP port.
	Port int
	// Dir is the temporary directory holding the cluster (Dir/data), the
	// unix socket and the server log (Dir/postgres.log).
	Dir string

	bin  string
	who  *runAs
	opts PostgresOptions

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// StartPostgres creates a new cluster in a temporary directory and starts
// a server on a free loopback port, returning once it accepts connections.
//
// Errors: a wrapped [ErrBinaryNotFound] when initdb or postgres is missing;
// otherwise an error carrying the end of the initdb or server log. Nothing is
// left behind on error.
func StartPostgres(ctx context.Context, opts PostgresOptions) (*Postgres, error) {
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	const glob = "/usr/lib/postgresql/*/bin"
	initdb, err := lookBin("initdb", glob)
	if err != nil {
		return nil, fmt.Errorf("start PostgreSQL: initdb not on PATH nor in %s: install postgresql: apt-get install -y postgresql: %w", glob, err)
	}
	// postgres lives next to initdb (PATH may hold only a symlink to initdb).
	bin := filepath.Join(filepath.Dir(resolve(initdb)), "postgres")
	if _, err := os.Stat(bin); err != nil {
		if bin, err = lookBin("postgres", glob); err != nil {
			return nil, fmt.Errorf("start PostgreSQL: postgres server binary not found beside %s nor in %s: install postgresql: apt-get install -y postgresql: %w", initdb, glob, err)
		}
	}
	who, err := serverUser()
	if err != nil {
		return nil, fmt.Errorf("start PostgreSQL: %w", err)
	}
	dir, err := os.MkdirTemp("", "kfpgo-pg-")
	if err != nil {
		return nil, fmt.Errorf("start PostgreSQL: create temporary directory: %w", err)
	}
	if who != nil {
		if err := os.Chown(dir, int(who.uid), int(who.gid)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("start PostgreSQL: give %s to user postgres: %w", dir, err)
		}
	}
	p := &Postgres{Dir: dir, bin: bin, who: who, opts: opts}
	logPath := filepath.Join(dir, "initdb.log")
	if err := p.run(ctx, logPath, initdb, "-D", filepath.Join(dir, "data"), "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start PostgreSQL: initdb in %s failed: %w\n%s", dir, err, tail(logPath, 2000))
	}
	if p.Port, err = freePort(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start PostgreSQL: %w", err)
	}
	p.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.Port)
	if err := p.start(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return p, nil
}

func resolve(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	return path
}

// run runs a one-shot command as the server user with output to logPath.
func (p *Postgres) run(ctx context.Context, logPath, bin string, args ...string) error {
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := command(p.who, bin, args...)
	cmd.Dir = p.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-done
		return ctx.Err()
	}
}

// start launches the server on p.Port and waits until it accepts connections.
func (p *Postgres) start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return nil
	}
	logPath := filepath.Join(p.Dir, "postgres.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("start PostgreSQL: open server log: %w", err)
	}
	defer logf.Close()
	args := []string{"-D", filepath.Join(p.Dir, "data"), "-p", fmt.Sprint(p.Port),
		"-h", "127.0.0.1", "-k", p.Dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"}
	keys := make([]string, 0, len(p.opts.Settings))
	for k := range p.opts.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+p.opts.Settings[k])
	}
	cmd := command(p.who, p.bin, args...)
	cmd.Dir = p.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start PostgreSQL: run %s: %w", p.bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	for {
		select {
		case <-done:
			return fmt.Errorf("start PostgreSQL: server exited during start-up: %s", tail(logPath, 2000))
		case <-ctx.Done():
			stopProcess(cmd, done, syscall.SIGKILL, time.Second)
			return fmt.Errorf("start PostgreSQL: not accepting connections on port %d: %w\n%s", p.Port, ctx.Err(), tail(logPath, 2000))
		case <-time.After(50 * time.Millisecond):
		}
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, p.DSN)
		cancel()
		if err == nil {
			_ = conn.Close(ctx)
			p.cmd, p.done = cmd, done
			return nil
		}
	}
}

// Halt shuts the server down (fast shutdown: open sessions are ended) and
// keeps its data, so that [Postgres.Restart] can bring it back. Connections
// to [Postgres.DSN] fail with "connection refused" meanwhile. Halting a
// halted server does nothing.
func (p *Postgres) Halt() {
	p.mu.Lock()
	defer p.mu.Unlock()
	stopProcess(p.cmd, p.done, syscall.SIGINT, 30*time.Second)
	p.cmd, p.done = nil, nil
}

// Restart starts a halted server again on the same port with the same
// data. Restarting a running server does nothing.
//
// Errors: the server did not accept connections before ctx ended (or 60s),
// with the end of the server log.
func (p *Postgres) Restart(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.opts.StartTimeout)
	defer cancel()
	return p.start(ctx)
}

// Stop shuts the server down and removes its temporary directory. The
// handle is unusable afterwards. Stop is idempotent.
func (p *Postgres) Stop() {
	p.Halt()
	if p.Dir != "" {
		_ = os.RemoveAll(p.Dir)
	}
}

// CreateDatabase creates a new database named name (quoted as an SQL
// identifier, so any string works) and returns its DSN, so tests can
// isolate their tables from each other.
//
// Errors: the server is down, or the database already exists.
func (p *Postgres) CreateDatabase(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, p.DSN)
	if err != nil {
		return "", fmt.Errorf("create database %q: connect: %w", name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %q: %w", name, err)
	}
	cfg, err := pgx.ParseConfig(p.DSN)
	if err != nil {
		return "", errors.Join(fmt.Errorf("create database %q", name), err)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", cfg.Port, urlPathEscape(name)), nil
}
