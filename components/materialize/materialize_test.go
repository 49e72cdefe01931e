package materialize_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/materialize"
	"github.com/kfpgo/kfpgo/components/preparedata"
	"github.com/kfpgo/kfpgo/components/testenv"
)

const childEnv = "KFPGO_MATERIALIZE_CHILD_CONFIG"

var (
	pg *testenv.Postgres
	rd *testenv.Redis
)

func TestMain(m *testing.M) {
	if cfg := os.Getenv(childEnv); cfg != "" {
		os.Exit(runChild(cfg))
	}
	os.Exit(testenv.RunTests(m, &pg, &rd))
}

func runChild(raw string) int {
	var cfg materialize.Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg.Logger = quiet()
	if _, err := materialize.Run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var seq atomic.Int64

// env is a fresh database and Redis database for one test.
type env struct {
	dsn   string
	conn  *pgx.Conn
	redis *redis.Client
	url   string
}

func newEnv(t *testing.T) env {
	t.Helper()
	ctx := context.Background()
	n := seq.Add(1)
	dsn, err := pg.CreateDatabase(ctx, fmt.Sprintf("mat%d", n))
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	url := fmt.Sprintf("redis://%s/%d", rd.Addr, n%16)
	rc, err := fs.ConnectRedis(ctx, fs.RedisConfig{URL: url})
	require.NoError(t, err)
	require.NoError(t, rc.FlushDB(ctx).Err())
	t.Cleanup(func() { rc.Close() })
	return env{dsn: dsn, conn: conn, redis: rc, url: url}
}

func (e env) config(view materialize.FeatureView) materialize.Config {
	return materialize.Config{View: view, DSN: e.dsn, Redis: fs.RedisConfig{URL: e.url}, Logger: quiet()}
}

// snapshot hashes every key, field and value of the Redis database, and
// counts keys.
func snapshot(t *testing.T, rc *redis.Client) (string, int) {
	t.Helper()
	ctx := context.Background()
	keys, err := rc.Keys(ctx, "*").Result()
	require.NoError(t, err)
	sort.Strings(keys)
	h := sha256.New()
	pipe := rc.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.HGetAll(ctx, k)
	}
	if len(keys) > 0 {
		_, err = pipe.Exec(ctx)
		require.NoError(t, err)
	}
	for i, k := range keys {
		m := cmds[i].Val()
		fields := make([]string, 0, len(m))
		for f := range m {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		fmt.Fprintf(h, "%q\n", k)
		for _, f := range fields {
			fmt.Fprintf(h, "  %q=%q\n", f, m[f])
		}
	}
	return hex.EncodeToString(h.Sum(nil)), len(keys)
}

var carsView = materialize.FeatureView{
	Name:     "cars",
	Source:   "features.cars",
	Features: []string{"miles_per_gallon", "cylinders", "horsepower", "origin", "year"},
}

func TestCarsEndToEnd(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	pcfg := preparedata.CarsConfig("../../testdata/datasets/cars.json", "features.cars")
	pcfg.DSN, pcfg.Logger = e.dsn, quiet()
	_, err := preparedata.Run(ctx, pcfg)
	require.NoError(t, err)

	cfg := e.config(carsView)
	cfg.KeyTTL = time.Hour
	res, err := materialize.Run(ctx, cfg)
	require.NoError(t, err)
	assert.Equal(t, int64(406), res.Metrics.RowsScanned)
	assert.Equal(t, int64(406), res.Metrics.EntitiesWritten)
	assert.Equal(t, int64(0), res.Metrics.StaleSkipped)
	_, n := snapshot(t, e.redis)
	assert.Equal(t, 406, n)

	// What Get returns is what the offline store holds.
	store := &fs.OnlineStore{Client: e.redis, Project: "kfpgo"}
	view := fs.FeatureView{Name: "cars", JoinKeys: []string{"entity_key"}, Features: carsView.Features}
	checked := 0
	for row, err := range fs.ReadSplit(ctx, e.conn, "features.cars", fs.SplitTest, carsView.Features) {
		require.NoError(t, err)
		got, err := store.Get(ctx, view, [][]any{{row.EntityKey}})
		require.NoError(t, err)
		require.True(t, got[0].Found)
		assert.True(t, row.EventTimestamp.Equal(got[0].EventTimestamp))
		want := append([]any(nil), row.Values...)
		want[4] = fs.UnixTimestamp(row.Values[4].(time.Time).Unix()) // year: Feast UNIX_TIMESTAMP seconds
		assert.Equal(t, want, got[0].Values)
		checked++
	}
	assert.Greater(t, checked, 20)
	key, err := fs.RedisKey("kfpgo", []string{"entity_key"}, []any{"x"})
	require.NoError(t, err)
	_ = key
	keys := e.redis.Keys(ctx, "*").Val()
	ttl := e.redis.TTL(ctx, keys[0]).Val()
	assert.True(t, ttl > 59*time.Minute, "key TTL %v", ttl)

	// Re-running the same window writes nothing new.
	res, err = materialize.Run(ctx, e.config(carsView))
	require.NoError(t, err)
	assert.Equal(t, int64(0), res.Metrics.EntitiesWritten+res.Metrics.RowsScanned, "watermark reached: nothing to scan")
	cfg = e.config(carsView)
	cfg.Start = time.Unix(0, 0)
	res, err = materialize.Run(ctx, cfg)
	require.NoError(t, err)
	assert.Equal(t, int64(406), res.Metrics.StaleSkipped, "explicit window: every entity is already current")
}

// makeEvents creates table events: entities e0..e(n-1), each with rows at
// hours 1..3 of 2024-01-01 whose value is entity*10 + hour.
func makeEvents(t *testing.T, c *pgx.Conn, n int) {
	t.Helper()
	_, err := c.Exec(context.Background(), fmt.Sprintf(`
CREATE TABLE events AS
SELECT 'e' || i AS entity_key, timestamptz '2024-01-01 00:00:00+00' + h * interval '1 hour' AS event_timestamp,
       (i * 10 + h)::bigint AS value, (i %% 7)::float8 / 3 AS ratio, 'name ' || i AS label
FROM generate_series(0, %d) i, generate_series(1, 3) h`, n-1))
	require.NoError(t, err)
}

var eventsView = materialize.FeatureView{Name: "ev", Source: "events", Features: []string{"value", "ratio", "label"}}

func at(h int) time.Time { return time.Date(2024, 1, 1, h, 0, 0, 0, time.UTC) }

func TestWindowsWatermarkAndShards(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	makeEvents(t, e.conn, 1000)
	store := &fs.OnlineStore{Client: e.redis, Project: "kfpgo"}
	view := fs.FeatureView{Name: "ev", JoinKeys: []string{"entity_key"}, Features: eventsView.Features}
	valueOf := func(ent string) any {
		rows, err := store.Get(ctx, view, [][]any{{ent}})
		require.NoError(t, err)
		return rows[0].Values[0]
	}

	// Incremental up to 02:30: the latest row is hour 2.
	cfg := e.config(eventsView)
	cfg.End = at(2).Add(30 * time.Minute)
	res, err := materialize.Run(ctx, cfg)
	require.NoError(t, err)
	assert.Equal(t, int64(1000), res.Metrics.EntitiesWritten)
	assert.Equal(t, int64(52), valueOf("e5"))
	pool, err := fs.ConnectPostgres(ctx, e.dsn, fs.Retry{})
	require.NoError(t, err)
	defer pool.Close()
	wm, ok, err := materialize.Watermark(ctx, pool, cfg)
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, wm.Equal(cfg.End))

	// Next increment starts at the watermark: only hour 3 rows.
	cfg.End = at(4)
	res, err = materialize.Run(ctx, cfg)
	require.NoError(t, err)
	assert.True(t, res.Start.Equal(at(2).Add(30*time.Minute)))
	assert.Equal(t, int64(1000), res.Metrics.RowsScanned)
	assert.Equal(t, int64(53), valueOf("e5"))

	// An older explicit window never overwrites newer values.
	cfg.Start, cfg.End = at(0), at(2)
	res, err = materialize.Run(ctx, cfg)
	require.NoError(t, err)
	assert.Equal(t, int64(1000), res.Metrics.StaleSkipped)
	assert.Equal(t, int64(53), valueOf("e5"))
	whole, n := snapshot(t, e.redis)
	assert.Equal(t, 1000, n)

	// Three shards together write exactly the same hashes, each entity once.
	require.NoError(t, e.redis.FlushDB(ctx).Err())
	var written int64
	for i := 0; i < 3; i++ {
		c := e.config(eventsView)
		c.Start, c.End, c.ShardIndex, c.ShardCount = at(0), at(4), i, 3
		res, err := materialize.Run(ctx, c)
		require.NoError(t, err)
		assert.InDelta(t, 333, res.Metrics.EntitiesWritten, 80, "shard %d", i)
		written += res.Metrics.EntitiesWritten
	}
	assert.Equal(t, int64(1000), written)
	sharded, _ := snapshot(t, e.redis)
	assert.Equal(t, whole, sharded)
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	makeEvents(t, e.conn, 10)
	_, err := e.conn.Exec(ctx, `CREATE TABLE odd AS SELECT 'k'::text AS entity_key, now() AS event_timestamp, point(1,2) AS p, 1.5::float8 AS f`)
	require.NoError(t, err)
	fast := fs.Retry{Attempts: 2, Backoff: time.Millisecond}
	tests := []struct {
		name string
		edit func(*materialize.Config)
		want string
	}{
		{"no features", func(c *materialize.Config) { c.View.Features = nil }, "needs a name, a source table and features"},
		{"bad shard", func(c *materialize.Config) { c.ShardIndex, c.ShardCount = 3, 3 }, "outside [0, shard_count 3)"},
		{"unknown table", func(c *materialize.Config) { c.View.Source = "nope" }, `relation "nope" does not exist`},
		{"unknown column", func(c *materialize.Config) { c.View.Features = []string{"nope"} }, `column "nope" does not exist`},
		{"float entity", func(c *materialize.Config) {
			c.View.Source, c.View.Entities, c.View.Features = "odd", []string{"f"}, []string{"entity_key"}
		}, "Feast entity keys must be text, bigint or integer"},
		{"unsupported feature type", func(c *materialize.Config) { c.View.Source, c.View.Features = "odd", []string{"p"} }, `point`},
		{"postgres down", func(c *materialize.Config) {
			c.DSN, c.Retry = "postgres://postgres:hunter2@127.0.0.1:1/x?sslmode=disable", fast
		}, "gave up after 2 attempts"},
		{"redis down", func(c *materialize.Config) {
			c.Redis = fs.RedisConfig{URL: "redis://:hunter2@127.0.0.1:1/0", Retry: fast}
		}, "connect to Redis at redis://:xxxxx@127.0.0.1:1/0: gave up after 2 attempts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := e.config(eventsView)
			tt.edit(&cfg)
			_, err := materialize.Run(ctx, cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "hunter2")
			_, n := snapshot(t, e.redis)
			assert.Equal(t, 0, n, "nothing written")
		})
	}
}

// TestKilledAndResumed SIGKILLs materialization (a child process) at
// random points at least ten times, then runs it to the end: Redis must
// end identical to an uninterrupted run.
func TestKilledAndResumed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	makeEvents(t, e.conn, 150_000)
	cfg := e.config(eventsView)
	cfg.Start, cfg.End, cfg.BatchSize = at(0), at(4), 512

	began := time.Now()
	_, err := materialize.Run(ctx, cfg)
	require.NoError(t, err)
	clean := time.Since(began)
	want, n := snapshot(t, e.redis)
	require.Equal(t, 150_000, n)
	require.NoError(t, e.redis.FlushDB(ctx).Err())

	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(7, 7))
	kills, partial := 0, 0
	for attempt := 0; kills < 10 && attempt < 40; attempt++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+string(raw), "KFPGO_POSTGRES_DSN="+e.dsn)
		require.NoError(t, cmd.Start())
		time.Sleep(time.Duration(rng.Float64() * float64(clean+300*time.Millisecond)))
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				kills++
			}
		}
		if _, n := snapshot(t, e.redis); n > 0 && n < 150_000 {
			partial++
		}
	}
	require.GreaterOrEqual(t, kills, 10, "runs killed before they finished")
	assert.Greater(t, partial, 0, "at least one kill left a partly written store")

	_, err = materialize.Run(ctx, cfg)
	require.NoError(t, err)
	got, n := snapshot(t, e.redis)
	assert.Equal(t, 150_000, n)
	assert.Equal(t, want, got, "Redis after kills and a resumed run equals an uninterrupted run")
}
