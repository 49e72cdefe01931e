package featurestore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// TestUnparseableSettingsRedacted: connection settings that do not parse
// never print their password, and the message holds no %!w(<nil>).
func TestUnparseableSettingsRedacted(t *testing.T) {
	ctx := context.Background()
	r := fs.Retry{Attempts: 1}
	for _, dsn := range []string{
		"postgres://u:hunter2@127.0.0.1:notaport/db",
		"postgres://u:hun%zzter2@127.0.0.1:5432/db",
		"postgres://u:hunter2@[::1/db",
		"host=127.0.0.1 port=notaport password=hunter2",
	} {
		_, err := fs.ConnectPostgres(ctx, dsn, r)
		require.Error(t, err, dsn)
		_, err2 := fs.ConnectPostgresConn(ctx, dsn, r)
		require.Error(t, err2, dsn)
		for _, e := range []error{err, err2} {
			assert.NotContains(t, e.Error(), "hunter2", dsn)
			assert.NotContains(t, e.Error(), "zzter2", dsn)
			assert.NotContains(t, e.Error(), "%!", dsn)
		}
	}
	for _, u := range []string{
		"redis://:hunter2@127.0.0.1:notaport/0",
		"redis://default:hun%zzter2@127.0.0.1:6379/0",
		"rediss://u:hunter2@[::1/0",
		"redis://u:hunter2@127.0.0.1:6379/notadb",
	} {
		_, err := fs.ConnectRedis(ctx, fs.RedisConfig{URL: u, Retry: r})
		require.Error(t, err, u)
		assert.NotContains(t, err.Error(), "hunter2", u)
		assert.NotContains(t, err.Error(), "zzter2", u)
		assert.LessOrEqual(t, strings.Count(err.Error(), "127.0.0.1:notaport"), 1, "the URL is printed once: %s", err)
	}
}

// TestPostgresAuthFailureNotRetried: PostgreSQL refusing a password
// (SQLSTATE 28P01) ends the connection attempts at once, where a refused
// connection is retried.
func TestPostgresAuthFailureNotRetried(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg.DSN)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `DO $$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pwuser') THEN CREATE ROLE pwuser LOGIN PASSWORD 'rightpw'; END IF;
	END $$`)
	require.NoError(t, err)
	// Password authentication for this one role, before initdb's trust lines.
	hba := filepath.Join(pg.Dir, "data", "pg_hba.conf")
	old, err := os.ReadFile(hba)
	require.NoError(t, err)
	if !strings.Contains(string(old), "pwuser") {
		require.NoError(t, os.WriteFile(hba, append([]byte("host all pwuser 127.0.0.1/32 scram-sha-256\n"), old...), 0o600))
	}
	var ok bool
	require.NoError(t, conn.QueryRow(ctx, "SELECT pg_reload_conf()").Scan(&ok))
	dsn := fmt.Sprintf("postgres://pwuser:wrong-pw-planted@127.0.0.1:%d/postgres?sslmode=disable", pg.Port)
	// The postmaster re-reads pg_hba.conf on SIGHUP, asynchronously: wait
	// until the wrong password is refused.
	require.Eventually(t, func() bool {
		c, err := pgx.Connect(ctx, dsn)
		if err == nil {
			c.Close(ctx)
		}
		return err != nil && strings.Contains(err.Error(), "28P01")
	}, 30*time.Second, 50*time.Millisecond)

	logPath := filepath.Join(pg.Dir, "postgres.log")
	refusals := func() int {
		b, err := os.ReadFile(logPath)
		require.NoError(t, err)
		return strings.Count(string(b), `password authentication failed for user "pwuser"`)
	}
	before := refusals()
	r := fs.Retry{Attempts: 3, Backoff: 10 * time.Millisecond}
	_, err = fs.ConnectPostgres(ctx, dsn, r)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "28P01")
	assert.Contains(t, err.Error(), "not retried")
	assert.NotContains(t, err.Error(), "wrong-pw-planted")
	_, err = fs.ConnectPostgresConn(ctx, dsn, r)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not retried")
	// One refusal per call in the server's log, not one per attempt (pgx
	// itself tries once more without TLS only when sslmode asks for it).
	assert.Eventually(t, func() bool { return refusals()-before >= 2 }, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, 2, refusals()-before, "each refused password is tried once")

	// The right password connects.
	good, err := fs.ConnectPostgres(ctx, strings.Replace(dsn, "wrong-pw-planted", "rightpw", 1), fs.Retry{Attempts: 1})
	require.NoError(t, err)
	good.Close()
}

// TestPostgresConnectErrorsForPeople: a DSN that does not parse is a
// permanent failure (the local runner does not retry it), for the pool and
// for a single connection; with no DSN anywhere the failure names the
// variable to set. No password appears.
func TestPostgresConnectErrorsForPeople(t *testing.T) {
	ctx := context.Background()
	one := fs.Retry{Attempts: 1}
	t.Run("malformed", func(t *testing.T) {
		dsn := "host=127.0.0.1 port=abc user=u password=hunter2"
		_, err := fs.ConnectPostgres(ctx, dsn, one)
		require.Error(t, err)
		assert.True(t, dsl.IsPermanent(err), "%v", err)
		assert.NotContains(t, err.Error(), "hunter2")
		_, err = fs.ConnectPostgresConn(ctx, dsn, one)
		require.Error(t, err)
		assert.True(t, dsl.IsPermanent(err), "%v", err)
	})
	t.Run("unset", func(t *testing.T) {
		t.Setenv(fs.EnvPostgresDSN, "")
		t.Setenv("PGHOST", t.TempDir()) // a socket folder holding no server
		for _, connect := range []func() error{
			func() error { _, err := fs.ConnectPostgres(ctx, "", one); return err },
			func() error { _, err := fs.ConnectPostgresConn(ctx, "", one); return err },
		} {
			err := connect()
			require.Error(t, err)
			assert.False(t, dsl.IsPermanent(err), "a server may come up: %v", err)
			assert.Contains(t, err.Error(), "$KFPGO_POSTGRES_DSN is not set")
			assert.Contains(t, err.Error(), "set KFPGO_POSTGRES_DSN=postgres://USER@HOST:5432/DB")
		}
	})
}
