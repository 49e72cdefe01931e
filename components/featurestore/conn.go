package featurestore

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/kfpgo/kfpgo/sdk/dsl"
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

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 5
	}
	if r.Backoff <= 0 {
		r.Backoff = 250 * time.Millisecond
	}
	return r
}

func (r Retry) do(ctx context.Context, what string, f func(context.Context) error) error {
	r = r.withDefaults()
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
		if authFailure(err) {
			return fmt.Errorf("%s: %w (not retried: the server refused the credentials)", what, err)
		}
	}
	return fmt.Errorf("%s: gave up after %d attempts: %w", what, r.Attempts, err)
}

// authFailure reports an error no retry can fix: Redis WRONGPASS or
// NOAUTH, PostgreSQL SQLSTATE 28P01 (invalid_password) or 28000
// (invalid_authorization_specification).
func authFailure(err error) bool {
	if redis.IsAuthError(err) {
		return true
	}
	var pgErr interface{ SQLState() string }
	return errors.As(err, &pgErr) && (pgErr.SQLState() == "28P01" || pgErr.SQLState() == "28000")
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
// here by pattern, since the masking relies on parsing. It is a
// dsl.Permanent error: a retry would read the same DSN.
func parseDSNError(err error, dsn string) error {
	return dsl.Permanent(fmt.Errorf("offline store: parse PostgreSQL DSN: %w (the form is postgres://user@host:port/db with the password after the user as user:password@, %%-escaped, or \"host=… port=… user=… dbname=…\" with the password in $PGPASSWORD)", redactErr(err, nil, dsn)))
}

// unsetDSNHint adds to a connection failure, when neither the caller nor
// $KFPGO_POSTGRES_DSN gave a DSN (libpq's PG* variables and defaults then
// decided, by default a local socket), which variable to set and how.
func unsetDSNHint(dsn string, err error) error {
	if dsn != "" {
		return err
	}
	return fmt.Errorf("%w; $%s is not set, so the PG* variables and libpq defaults were used: set %s=postgres://USER@HOST:5432/DB (with the password in $PGPASSWORD, or from a Kubernetes secret with kubernetes.UseSecretAsEnv on a cluster)",
		err, EnvPostgresDSN, EnvPostgresDSN)
}

// ConnectPostgres opens a pgx pool to dsn (or $KFPGO_POSTGRES_DSN, or the
// libpq PG* variables when both are empty) and pings it, retrying as r says.
//
// Errors: a malformed DSN (a dsl.Permanent error), or the server
// unreachable after all attempts (naming $KFPGO_POSTGRES_DSN when no DSN
// was given); the DSN in the message has its password redacted.
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
		return nil, unsetDSNHint(dsn, redactErr(fmt.Errorf("%w (check the DSN, that the server is up, and its pg_hba.conf)", err), []string{password}, dsn))
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
		return nil, unsetDSNHint(dsn, redactErr(fmt.Errorf("%w (check the DSN, that the server is up, and its pg_hba.conf)", err), []string{cfg.Password}, dsn))
	}
	return conn, nil
}

// Redis deployment types, Feast's RedisOnlineStoreConfig.redis_type values.
const (
	// RedisTypeStandalone is one Redis server (Feast's "redis").
	RedisTypeStandalone = "redis"
	// RedisTypeCluster is a Redis Cluster (Feast's "redis_cluster").
	RedisTypeCluster = "redis_cluster"
)

// EnvRedisType holds the online store deployment type, "redis" or
// "redis_cluster", when RedisConfig.Type is empty.
const EnvRedisType = "KFPGO_REDIS_TYPE"

// RedisConfig holds online store connection settings.
type RedisConfig struct {
	// URL locates the server or cluster, in one of two forms:
	//
	//   - a URL: redis://[user:password@]host:port/db or rediss:// (TLS);
	//     for a cluster, redis://[user:password@]host:port?addr=host2:port&addr=host3:port
	//     (go-redis's ParseURL and ParseClusterURL, query options included);
	//   - Feast's connection_string: "host:port[,host:port…][,ssl=true][,password=…][,username=…][,db=N]"
	//     (sdk/python/feast/infra/online_stores/redis.py: items without "="
	//     are nodes, the others options; a standalone server uses the first node).
	//
	// Optional: defaults to $KFPGO_REDIS_URL.
	URL string `json:"url,omitempty"`
	// Type is "redis" (one server) or "redis_cluster", as Feast's
	// redis_type. Optional: defaults to $KFPGO_REDIS_TYPE, then "redis".
	Type string `json:"redis_type,omitempty"`
	// Password overrides the URL's password. Optional: defaults to
	// $KFPGO_REDIS_PASSWORD, then the URL's.
	Password string `json:"-"`
	// TLS forces TLS even for a redis:// URL or a connection string
	// without ssl=true. Optional: defaults to false.
	TLS bool `json:"tls,omitempty"`
	// CACertFile is a PEM file of the certificate authorities that sign
	// the servers' certificates, for servers a private CA signs (the
	// connection string's ssl_ca_certs option, redis-py's name, does the
	// same). Optional: defaults to the system's roots. Each node's
	// certificate must hold the host or IP address the client dials.
	CACertFile string `json:"ca_cert_file,omitempty"`
	// Retry bounds the connection attempts. Authentication failures
	// (WRONGPASS, NOAUTH) are not retried.
	Retry Retry `json:"retry,omitzero"`
}

// redisEndpoint is a parsed RedisConfig.
type redisEndpoint struct {
	cluster bool
	single  *redis.Options
	multi   *redis.ClusterOptions
	where   string // password-free description for messages
}

func (c RedisConfig) resolve() (RedisConfig, error) {
	if c.URL == "" {
		c.URL = os.Getenv(EnvRedisURL)
	}
	if c.URL == "" {
		return c, fmt.Errorf("online store: no Redis URL: set it in the config or $%s", EnvRedisURL)
	}
	if c.Type == "" {
		c.Type = os.Getenv(EnvRedisType)
	}
	if c.Type == "" {
		c.Type = RedisTypeStandalone
	}
	if c.Type != RedisTypeStandalone && c.Type != RedisTypeCluster {
		return c, fmt.Errorf("online store: Redis type %q is not one of %q, %q (Feast's redis_type; set it in the config or $%s)", c.Type, RedisTypeStandalone, RedisTypeCluster, EnvRedisType)
	}
	if c.Password == "" {
		c.Password = os.Getenv(EnvRedisPassword)
	}
	return c, nil
}

// parse turns c (resolved) into go-redis options. Error texts never hold
// the URL's password.
func (c RedisConfig) parse() (redisEndpoint, error) {
	e := redisEndpoint{cluster: c.Type == RedisTypeCluster}
	var (
		addrs      []string
		user, pass string
		db         int
		useTLS     = c.TLS
		caFile     = c.CACertFile
		err        error
	)
	if strings.Contains(c.URL, "://") {
		if e.cluster {
			e.multi, err = redis.ParseClusterURL(c.URL)
		} else {
			e.single, err = redis.ParseURL(c.URL)
		}
		if err != nil {
			return e, fmt.Errorf("online store: parse Redis URL%s: %w (the form is redis://host:port/db, or rediss:// for TLS, with user:password@ before the host, %%-escaped, or the password in $%s)", quoteUnlessIn(c.URL, err), redactErr(err, nil, c.URL), EnvRedisPassword)
		}
		if e.cluster {
			addrs, useTLS = e.multi.Addrs, useTLS || e.multi.TLSConfig != nil
		} else {
			addrs, useTLS = []string{e.single.Addr}, useTLS || e.single.TLSConfig != nil
		}
	} else {
		// Feast's connection_string.
		for i, item := range strings.Split(c.URL, ",") {
			item = strings.TrimSpace(item)
			k, v, isOpt := strings.Cut(item, "=")
			if !isOpt {
				if _, _, err := net.SplitHostPort(item); err != nil {
					return e, fmt.Errorf("online store: Redis connection string item %d is not host:port nor option=value (Feast's form: host:port[,host:port…][,ssl=true][,password=…])", i+1)
				}
				addrs = append(addrs, item)
				continue
			}
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "password":
				pass = v
			case "username":
				user = v
			case "ssl":
				useTLS = strings.EqualFold(v, "true") || v == "1"
			case "ssl_ca_certs":
				caFile = v
			case "db":
				if db, err = strconv.Atoi(v); err != nil || db < 0 {
					return e, fmt.Errorf("online store: Redis connection string: db=%q is not a database number", v)
				}
			case "decode_responses", "skip_full_coverage_check", "health_check_interval":
				// redis-py client options without a meaning here.
			default:
				return e, fmt.Errorf("online store: Redis connection string option %q is not supported: use ssl, ssl_ca_certs, password, username or db", k)
			}
		}
		if len(addrs) == 0 {
			return e, fmt.Errorf("online store: Redis connection string has no host:port node (Feast's form: host:port[,host:port…][,ssl=true][,password=…])")
		}
		if e.cluster {
			if db != 0 {
				return e, fmt.Errorf("online store: db=%d: a Redis Cluster has only database 0", db)
			}
			e.multi = &redis.ClusterOptions{Addrs: addrs, Username: user, Password: pass}
		} else {
			e.single = &redis.Options{Addr: addrs[0], Username: user, Password: pass, DB: db}
		}
	}
	var tlsCfg *tls.Config
	if useTLS {
		// No ServerName: each connection checks the certificate against
		// the host it dials (crypto/tls derives it from the address), so
		// every node of a cluster is verified under its own name.
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if caFile != "" {
		if !useTLS {
			return e, fmt.Errorf("online store: a CA file (%s) is set but TLS is off: add ssl=true to the connection string, use rediss://, or drop the CA file", caFile)
		}
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return e, fmt.Errorf("online store: read the CA file: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return e, fmt.Errorf("online store: CA file %s holds no PEM certificate", caFile)
		}
		tlsCfg.RootCAs = roots
		for _, o := range []*tls.Config{e.multiTLS(), e.singleTLS()} {
			if o != nil {
				o.RootCAs = roots
			}
		}
	}
	scheme := "redis"
	if useTLS {
		scheme = "rediss"
	}
	if e.cluster {
		if c.Password != "" {
			e.multi.Password = c.Password
		}
		if e.multi.TLSConfig == nil {
			e.multi.TLSConfig = tlsCfg
		}
		e.where = fmt.Sprintf("Redis Cluster %s://%s", scheme, strings.Join(addrs, ","))
	} else {
		if c.Password != "" {
			e.single.Password = c.Password
		}
		if e.single.TLSConfig == nil {
			e.single.TLSConfig = tlsCfg
		}
		e.where = fmt.Sprintf("Redis at %s://%s/%d", scheme, e.single.Addr, e.single.DB)
	}
	return e, nil
}

// singleTLS and multiTLS return the TLS settings go-redis parsed from a
// rediss:// URL, or nil.
func (e redisEndpoint) singleTLS() *tls.Config {
	if e.single == nil {
		return nil
	}
	return e.single.TLSConfig
}

func (e redisEndpoint) multiTLS() *tls.Config {
	if e.multi == nil {
		return nil
	}
	return e.multi.TLSConfig
}

func (e redisEndpoint) password() string {
	if e.cluster {
		return e.multi.Password
	}
	return e.single.Password
}

// ConnectOnlineStore opens a client for c — a *redis.Client for type
// "redis", a *redis.ClusterClient for "redis_cluster" — and pings the
// server (every cluster master), retrying as c.Retry says. Authentication
// failures (WRONGPASS, NOAUTH) end the attempts at once. The Redis client
// library's own log lines go to slog.Default() at debug level, not to
// stderr.
//
// Errors: a malformed URL or connection string, an unknown type, a refused
// password, or the server unreachable after all attempts; secrets never
// appear in the message.
func ConnectOnlineStore(ctx context.Context, c RedisConfig) (redis.UniversalClient, error) {
	routeRedisLogs()
	c, err := c.resolve()
	if err != nil {
		return nil, err
	}
	e, err := c.parse()
	if err != nil {
		return nil, err
	}
	var client redis.UniversalClient
	var ping func(context.Context) error
	if e.cluster {
		e.multi.MaxRetries = 0
		e.multi.MaxRedirects = 8
		e.multi.DialerRetries = 1
		cc := redis.NewClusterClient(e.multi)
		client = cc
		ping = func(ctx context.Context) error {
			return cc.ForEachShard(ctx, func(ctx context.Context, n *redis.Client) error { return n.Ping(ctx).Err() })
		}
	} else {
		e.single.MaxRetries = 0
		e.single.DialerRetries = 1 // Retry below bounds the attempts
		sc := redis.NewClient(e.single)
		client = sc
		ping = func(ctx context.Context) error { return sc.Ping(ctx).Err() }
	}
	err = c.Retry.do(ctx, "online store: connect to "+e.where, ping)
	if err != nil {
		client.Close()
		if redis.IsAuthError(err) {
			return nil, redactErr(fmt.Errorf("%w (check the password in $%s or the URL)", err, EnvRedisPassword), []string{e.password(), c.Password}, c.URL)
		}
		return nil, redactErr(fmt.Errorf("%w (check the URL, password and that the server is up)", err), []string{e.password(), c.Password}, c.URL)
	}
	if cc, ok := client.(*redis.ClusterClient); ok {
		cc.Options().MaxRetries = 3
	} else {
		client.(*redis.Client).Options().MaxRetries = 3
	}
	return client, nil
}

// ConnectRedis is [ConnectOnlineStore] for a standalone server, returning
// the concrete client.
//
// Errors: those of ConnectOnlineStore, and c naming a Redis Cluster.
func ConnectRedis(ctx context.Context, c RedisConfig) (*redis.Client, error) {
	if c.Type == RedisTypeCluster {
		return nil, fmt.Errorf("online store: ConnectRedis is for a standalone server: use ConnectOnlineStore for a Redis Cluster")
	}
	if c.Type == "" {
		c.Type = RedisTypeStandalone
	}
	u, err := ConnectOnlineStore(ctx, c)
	if err != nil {
		return nil, err
	}
	return u.(*redis.Client), nil
}

var redisLogs sync.Once

// routeRedisLogs sends go-redis's own log lines (pool and reconnection
// messages, many per outage) to slog at debug level, so a user's terminal
// shows the component's one error instead.
func routeRedisLogs() {
	redisLogs.Do(func() { redis.SetLogger(redisLogger{}) })
}

type redisLogger struct{}

func (redisLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.Default().DebugContext(ctx, "redis client: "+strings.TrimSpace(fmt.Sprintf(format, v...)))
}
