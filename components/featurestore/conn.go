package featurestore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/kfpgo/kfpgo/sdk/redact"
)

// Environment variables read when a connection setting is left empty.
const (
	// EnvPostgresDSN holds the offline store DSN (URL or key=value form).
	// When it is empty too, pgx falls back to libpq's PGHOST, PGPORT,
	// PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE… variables.
	EnvPostgresDSN = "KFPGO_POSTGRES_DSN"
	// EnvRedisURL holds the online store URL: redis://[user:password@]host:port/db,
	// or rediss:// for TLS.
	EnvRedisURL = "KFPGO_REDIS_URL"
	// EnvRedisPassword, when set, overrides the URL's password (so the URL
	// can live in a ConfigMap and the password in a Secret).
	EnvRedisPassword = "KFPGO_REDIS_PASSWORD"
)

// Retry bounds connection attempts: Attempts tries with an exponential
// backoff starting at Backoff and capped at 5s between tries.
type Retry struct {
	// Attempts is the number of connection attempts. Optional: defaults to 5.
	Attempts int `json:"attempts,omitempty"`
	// Backoff is the first wait between attempts. Optional: defaults to 250ms.
	Backoff time.Duration `json:"backoff,omitempty"`
}

func (r Retry) do(ctx context.Context, what string, f func(context.Context) error) error {
	if r.Attempts <= 0 {
		r.Attempts = 5
	}
	if r.Backoff <= 0 {
		r.Backoff = 250 * time.Millisecond
	}
	wait := r.Backoff
	var err error
	for i := 0; i < r.Attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), err)
			case <-time.After(wait):
			}
			wait = min(wait*2, 5*time.Second)
		}
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = f(actx)
		cancel()
		if err == nil {
			return nil
		}
		if pgAuthFailed(err) {
			return fmt.Errorf("%s: %w (not retried: the server refused the credentials; check the user and password)", what, err)
		}
	}
	return fmt.Errorf("%s: gave up after %d attempts: %w", what, r.Attempts, err)
}

// pgAuthFailed reports whether err is PostgreSQL refusing the credentials:
// SQLSTATE 28P01 invalid_password or 28000
// invalid_authorization_specification (no pg_hba.conf entry, role may not
// log in). The same credentials would be refused again, so they are not
// retried.
func pgAuthFailed(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "28P01" || pe.Code == "28000")
}

// Redact returns a DSN or URL with its password replaced by "xxxxx", for
// logs and errors: "postgres://u:secret@h/db" → "postgres://u:xxxxx@h/db",
// "host=h password=secret" → "host=h password=xxxxx". It matches patterns
// (sdk/redact) and never parses, so a DSN that does not parse loses its
// password too.
func Redact(dsn string) string { return redact.String(dsn) }

// redactErr returns err with its text redacted: the patterns of
// sdk/redact, the given secrets and the passwords found in the given
// connection strings. It never returns an error that prints %!w(<nil>).
func redactErr(err error, secrets []string, conn ...string) error {
	for _, c := range conn {
		secrets = append(secrets, redact.Passwords(c)...)
	}
	return redact.Error(err, secrets...)
}

// quoteUnlessIn returns ` "<redacted s>"` for a message about s, or ""
// when err's text already shows s (url.Parse errors quote the URL), so
// that the setting is printed once.
func quoteUnlessIn(s string, err error) string {
	if strings.Contains(err.Error(), s) {
		return ""
	}
	return fmt.Sprintf(" %q", Redact(s))
}

// parseDSNError explains a DSN pgx cannot parse. pgconn's error already
// quotes the DSN (with its password masked); its text is redacted again
// here by pattern, since the masking relies on parsing.
func parseDSNError(err error, dsn string) error {
	return fmt.Errorf("offline store: parse PostgreSQL DSN: %w (the form is postgres://user@host:port/db with the password after the user as user:password@, %%-escaped, or \"host=… port=… user=… dbname=…\" with the password in $PGPASSWORD)", redactErr(err, nil, dsn))
}

// ConnectPostgres opens a pgx pool to dsn (or $KFPGO_POSTGRES_DSN, or the
// libpq PG* variables when both are empty) and pings it, retrying as r says.
//
// Errors: a malformed DSN, or the server unreachable after all attempts;
// the DSN in the message has its password redacted.
func ConnectPostgres(ctx context.Context, dsn string, r Retry) (*pgxpool.Pool, error) {
	if dsn == "" {
		dsn = os.Getenv(EnvPostgresDSN)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, parseDSNError(err, dsn)
	}
	password := cfg.ConnConfig.Password
	where := fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	var pool *pgxpool.Pool
	err = r.do(ctx, "offline store: connect to PostgreSQL at "+where, func(ctx context.Context) error {
		p, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return err
		}
		if err := p.Ping(ctx); err != nil {
			p.Close()
			return err
		}
		pool = p
		return nil
	})
	if err != nil {
		return nil, redactErr(fmt.Errorf("%w (check the DSN, that the server is up, and its pg_hba.conf)", err), []string{password}, dsn)
	}
	return pool, nil
}

// ConnectPostgresConn is [ConnectPostgres] for a single connection.
func ConnectPostgresConn(ctx context.Context, dsn string, r Retry) (*pgx.Conn, error) {
	if dsn == "" {
		dsn = os.Getenv(EnvPostgresDSN)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, parseDSNError(err, dsn)
	}
	where := fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
	var conn *pgx.Conn
	err = r.do(ctx, "offline store: connect to PostgreSQL at "+where, func(ctx context.Context) error {
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			conn = c
		}
		return err
	})
	if err != nil {
		return nil, redactErr(fmt.Errorf("%w (check the DSN, that the server is up, and its pg_hba.conf)", err), []string{cfg.Password}, dsn)
	}
	return conn, nil
}

// RedisConfig holds online store connection settings.
type RedisConfig struct {
	// URL is redis://[user:password@]host:port/db or rediss:// (TLS).
	// Optional: defaults to $KFPGO_REDIS_URL.
	URL string `json:"url,omitempty"`
	// Password overrides the URL's password. Optional: defaults to
	// $KFPGO_REDIS_PASSWORD, then the URL's.
	Password string `json:"-"`
	// TLS forces TLS even for a redis:// URL. Optional: defaults to false.
	TLS bool `json:"tls,omitempty"`
	// Retry bounds the connection attempts.
	Retry Retry `json:"retry,omitzero"`
}

// ConnectRedis opens a client for c and pings the server, retrying as
// c.Retry says.
//
// Errors: a malformed URL, or the server unreachable or refusing the
// password after all attempts; secrets never appear in the message.
func ConnectRedis(ctx context.Context, c RedisConfig) (*redis.Client, error) {
	if c.URL == "" {
		c.URL = os.Getenv(EnvRedisURL)
	}
	if c.URL == "" {
		return nil, fmt.Errorf("online store: no Redis URL: set it in the config or $%s", EnvRedisURL)
	}
	if c.Password == "" {
		c.Password = os.Getenv(EnvRedisPassword)
	}
	opt, err := redis.ParseURL(c.URL)
	if err != nil {
		return nil, fmt.Errorf("online store: parse Redis URL%s: %w (the form is redis://host:port/db, or rediss:// for TLS, with user:password@ before the host, %%-escaped, or the password in $%s)", quoteUnlessIn(c.URL, err), redactErr(err, []string{c.Password}, c.URL), EnvRedisPassword)
	}
	if c.Password != "" {
		opt.Password = c.Password
	}
	if c.TLS && opt.TLSConfig == nil {
		opt.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: hostOnly(opt.Addr)}
	}
	opt.MaxRetries = 0
	opt.DialerRetries = 1 // Retry below bounds the attempts
	client := redis.NewClient(opt)
	err = c.Retry.do(ctx, "online store: connect to Redis at "+Redact(c.URL), func(ctx context.Context) error {
		return client.Ping(ctx).Err()
	})
	if err != nil {
		client.Close()
		return nil, redactErr(fmt.Errorf("%w (check the URL, password and that the server is up)", err), []string{opt.Password, c.Password}, c.URL)
	}
	client.Options().MaxRetries = 3
	return client, nil
}

func hostOnly(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[:i]
		}
	}
	return addr
}
