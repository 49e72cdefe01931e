package materialize_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
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

// killAfterEnv makes the child SIGKILL itself once Redis acknowledged
// that many batches.
const killAfterEnv = "KFPGO_MATERIALIZE_CHILD_KILL_AFTER"

var (
	pg *testenv.Postgres
	rd *testenv.Redis
	cl *testenv.RedisCluster
)

func TestMain(m *testing.M) {
	if cfg := os.Getenv(childEnv); cfg != "" {
		os.Exit(runChild(cfg))
	}
	os.Exit(testenv.RunTestsCluster(m, &pg, &rd, &cl))
}

func runChild(raw string) int {
	var cfg materialize.Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg.Logger = quiet()
	if k, _ := strconv.Atoi(os.Getenv(killAfterEnv)); k > 0 {
		cfg.AfterBatch = func(acked int) {
			if acked == k {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // the signal is on its way
			}
		}
	}
	if _, err := materialize.Run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if f := os.Getenv(peakRSSEnv); f != "" {
		// The child's own high-water mark: getrusage's ru_maxrss of a child
		// started by os/exec also counts the parent's pages (Go starts
		// children with vfork semantics, and Linux records the old memory
		// map's peak at execve).
		kb, err := vmHWM()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if err := os.WriteFile(f, []byte(strconv.FormatInt(kb, 10)), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

// peakRSSEnv names a file the child writes its peak resident set size
// (kB, VmHWM) to after a successful run.
const peakRSSEnv = "KFPGO_MATERIALIZE_CHILD_PEAK_RSS_FILE"

// vmHWM returns this process's peak resident set size in kB, the VmHWM
// line of /proc/self/status (proc(5)).
func vmHWM() (int64, error) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM line in /proc/self/status")
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var seq atomic.Int64

// env is a fresh database and Redis database for one test.
type env struct {
	dsn   string
	conn  *pgx.Conn
	redis redis.UniversalClient
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
func snapshot(t *testing.T, rc redis.UniversalClient) (string, int) {
	t.Helper()
	ctx := context.Background()
	var keys []string
	var err error
	if cc, ok := rc.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		err = cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
			k, err := n.Keys(ctx, "*").Result()
			mu.Lock()
			keys = append(keys, k...)
			mu.Unlock()
			return err
		})
	} else {
		keys, err = rc.Keys(ctx, "*").Result()
	}
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
		{"negative ttl", func(c *materialize.Config) { c.View.TTL = -5 * time.Second }, "materialize: feature view ttl -5s is negative"},
		{"duplicate feature", func(c *materialize.Config) { c.View.Features = append(c.View.Features, c.View.Features[0]) }, "is listed twice"},
		{"entity as feature", func(c *materialize.Config) { c.View.Features = append(c.View.Features, "entity_key") }, `column "entity_key" is both an entity and a feature`},
		{"bad view name", func(c *materialize.Config) { c.View.Name = "bad view!" }, `feature view name "bad view!": use only letters, digits, underscores and dashes`},
		{"text event timestamp", func(c *materialize.Config) { c.View.Source, c.View.EventTimestamp = "odd", "entity_key" }, `event timestamp column "entity_key" is also listed as an entity column`},
		{"point event timestamp", func(c *materialize.Config) {
			c.View.Source, c.View.EventTimestamp, c.View.Features = "odd", "p", []string{"f"}
		}, `event timestamp column "p" of odd is point, not a timestamp`},
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
		}, "connect to Redis at redis://127.0.0.1:1/0: gave up after 2 attempts"},
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

// killPoints are the numbers of acknowledged batches after which
// TestKilledAndResumed's runs crash: early, middle and late in its 313
// batches (40,000 entities, 128 per batch).
var killPoints = []int{1, 2, 5, 17, 40, 80, 120, 160, 200, 250}

// killAndResume runs materialization in child processes that SIGKILL
// themselves after killPoints[i] acknowledged batches, checks after each
// that Redis holds at least what was acknowledged and not everything, then
// resumes with an uninterrupted run and returns the final snapshot.
func killAndResume(t *testing.T, e env, cfg materialize.Config, total int) string {
	t.Helper()
	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	for _, k := range killPoints {
		require.Less(t, k*cfg.BatchSize, total, "kill point %d is inside the run", k)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+string(raw), "KFPGO_POSTGRES_DSN="+e.dsn, fmt.Sprintf("%s=%d", killAfterEnv, k))
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "run killed after %d batches: %s", k, out)
		ws, ok := ee.Sys().(syscall.WaitStatus)
		require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "run to be killed after %d batches ended with %v: %s", k, err, out)
		_, n := snapshot(t, e.redis)
		assert.GreaterOrEqual(t, n, k*cfg.BatchSize, "killed after %d acknowledged batches: those entities are in Redis", k)
		assert.Less(t, n, total, "killed after %d batches: the store is partly written", k)
	}
	_, err = materialize.Run(context.Background(), cfg)
	require.NoError(t, err)
	got, n := snapshot(t, e.redis)
	assert.Equal(t, total, n)
	return got
}

// TestKilledAndResumed SIGKILLs materialization (a child process) at ten
// fixed points — after 1, 2, 5 … 250 of its 313 batches were acknowledged
// — then runs it to the end: Redis must end identical to an uninterrupted
// run.
func TestKilledAndResumed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	makeEvents(t, e.conn, 40_000)
	cfg := e.config(eventsView)
	cfg.Start, cfg.End, cfg.BatchSize = at(0), at(4), 128

	_, err := materialize.Run(ctx, cfg)
	require.NoError(t, err)
	want, n := snapshot(t, e.redis)
	require.Equal(t, 40_000, n)
	require.NoError(t, e.redis.FlushDB(ctx).Err())

	got := killAndResume(t, e, cfg, 40_000)
	assert.Equal(t, want, got, "Redis after kills and a resumed run equals an uninterrupted run")
}

// TestPostgresLostMidRun ends the server session of the offline store read
// after three acknowledged batches (the rows are 4 KiB wide, so most of the
// 40 MB result is still on the server then): the run fails saying a re-run
// resumes, the watermark stays, and the re-run ends with the same Redis
// content as an uninterrupted run.
func TestPostgresLostMidRun(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	_, err := e.conn.Exec(ctx, `CREATE TABLE wide AS
SELECT 'e' || i AS entity_key, timestamptz '2024-01-01 01:00:00+00' AS event_timestamp, repeat(md5(i::text), 128) AS blob
FROM generate_series(1, 10000) i`)
	require.NoError(t, err)
	view := materialize.FeatureView{Name: "wide", Source: "wide", Features: []string{"blob"}}
	cfg := e.config(view)
	cfg.End, cfg.BatchSize = at(4), 128
	clean := cfg
	clean.WatermarkTable = "clean_run_watermarks"
	_, err = materialize.Run(ctx, clean)
	require.NoError(t, err)
	want, _ := snapshot(t, e.redis)
	require.NoError(t, e.redis.FlushDB(ctx).Err())

	cut := cfg
	cut.AfterBatch = func(acked int) {
		if acked == 3 {
			_, err := e.conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'SELECT DISTINCT ON%'`)
			assert.NoError(t, err)
		}
	}
	_, err = materialize.Run(ctx, cut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "materialize: read wide: ")
	assert.Contains(t, err.Error(), "the watermark was not advanced; re-run to resume")
	pool, err := fs.ConnectPostgres(ctx, e.dsn, fs.Retry{})
	require.NoError(t, err)
	defer pool.Close()
	_, ok, err := materialize.Watermark(ctx, pool, cfg)
	require.NoError(t, err)
	assert.False(t, ok, "no watermark after a failed run")

	_, err = materialize.Run(ctx, cfg)
	require.NoError(t, err)
	got, n := snapshot(t, e.redis)
	assert.Equal(t, 10_000, n)
	assert.Equal(t, want, got)
}
