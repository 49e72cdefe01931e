package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/testenv"
)

// TestFeastRepoVerb writes the Feast repository of a table in a real
// PostgreSQL server: the files hold the view's typed features, the
// cluster nodes and the variables Feast reads the passwords from, never
// the passwords; a missing column or DSN says what to fix and writes
// nothing.
func TestFeastRepoVerb(t *testing.T) {
	pg := postgresWithTable(t, `CREATE TABLE flights (origin text, destination text, date timestamptz, delay bigint, distance double precision)`)

	// The server trusts every local connection: the password is never
	// checked, only carried.
	t.Setenv("FLIGHTS_DSN", strings.Replace(pg.DSN, "postgres@", "postgres:hunter2@", 1))
	dir := filepath.Join(t.TempDir(), "repo")
	stdout, _, err := kfpgo(t, "feast", "repo", "--postgres-dsn-env", "FLIGHTS_DSN", "--table", "flights",
		"--view", "route_delays", "--entities", "origin,destination", "--features", "delay,distance",
		"--event-timestamp", "date", "--project", "air", "--ttl", "48h",
		"--redis-url", "127.0.0.1:7001,127.0.0.1:7002,password=s3cret", "--redis-type", fs.RedisTypeCluster, "-o", dir)
	require.NoError(t, err)
	assert.Equal(t, "air/route_delays → "+filepath.Join(dir, "feature_store.yaml")+", "+filepath.Join(dir, "features.py")+"\n", stdout)
	yml, err := os.ReadFile(filepath.Join(dir, "feature_store.yaml"))
	require.NoError(t, err)
	py, err := os.ReadFile(filepath.Join(dir, "features.py"))
	require.NoError(t, err)
	for _, f := range [][]byte{yml, py} {
		assert.NotContains(t, string(f), "hunter2")
		assert.NotContains(t, string(f), "s3cret")
	}
	assert.Contains(t, string(yml), "project: air\n")
	assert.Contains(t, string(yml), "redis_cluster")
	assert.Contains(t, string(yml), "127.0.0.1:7001,127.0.0.1:7002")
	assert.Contains(t, string(yml), "${"+fs.EnvRedisPassword+"}")
	assert.Contains(t, string(yml), "${"+fs.EnvFeastPostgresPassword+"}")
	assert.Contains(t, string(yml), "entity_key_serialization_version: 3")
	assert.Contains(t, string(py), `Field(name="delay", dtype=Int64)`)
	assert.Contains(t, string(py), `Field(name="distance", dtype=Float64)`)
	assert.Contains(t, string(py), `name="route_delays"`)
	assert.Contains(t, string(py), "timedelta(seconds=172800)")

	// What the repository is made from (FeastRepo.Files) is tested in
	// package featurestore; here, the verb's refusals.
	bad := filepath.Join(t.TempDir(), "bad")
	_, _, err = kfpgo(t, "feast", "repo", "--postgres-dsn-env", "FLIGHTS_DSN", "--table", "flights",
		"--features", "delay,speed", "--entities", "origin", "--event-timestamp", "date", "--redis-url", "127.0.0.1:7001", "-o", bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `feature column "speed" does not exist in flights`)
	assert.NotContains(t, err.Error(), "hunter2")
	assert.NoDirExists(t, bad)

	t.Setenv("EMPTY_DSN", "")
	_, _, err = kfpgo(t, "feast", "repo", "--postgres-dsn-env", "EMPTY_DSN", "--table", "flights", "--features", "delay", "-o", bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "$EMPTY_DSN is empty")
	assert.NoDirExists(t, bad)
}

// postgresWithTable starts a PostgreSQL server for the test (stopped at its
// end) and runs ddl in it.
func postgresWithTable(t *testing.T, ddl string) *testenv.Postgres {
	t.Helper()
	ctx := context.Background()
	pg, err := testenv.StartPostgres(ctx, testenv.PostgresOptions{})
	require.NoError(t, err)
	t.Cleanup(pg.Stop)
	conn, err := pgx.Connect(ctx, pg.DSN)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, ddl)
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))
	return pg
}
