//go:build bench

package materialize_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/materialize"
	"github.com/kfpgo/kfpgo/components/preparedata"
	"github.com/kfpgo/kfpgo/components/testenv"
)

// loadFlights loads flights-3m.parquet into a fresh database (entity_key =
// route "origin|destination", event_timestamp = date) and returns its DSN.
func loadFlights(b *testing.B, name string) string {
	ctx := context.Background()
	dsn, err := pg.CreateDatabase(ctx, name)
	require.NoError(b, err)
	_, err = preparedata.Run(ctx, preparedata.Config{
		Source: testenv.FlightsParquet(b), Table: "flights", DSN: dsn, Logger: quiet(),
		EntityKeyColumns: []string{"origin", "destination"}, EventTimestampColumn: "date", MaxBadRows: -1,
	})
	require.NoError(b, err)
	return dsn
}

// runMeasured runs materialize in a child process and returns its wall
// time and peak RSS in bytes (getrusage ru_maxrss of the child).
func runMeasured(b *testing.B, cfg materialize.Config, dsn string) (time.Duration, int64) {
	raw, err := json.Marshal(cfg)
	require.NoError(b, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw), "KFPGO_POSTGRES_DSN="+dsn)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	el := time.Since(t0)
	require.NoError(b, err, "%s", out)
	return el, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
}

// rawHSETLoop writes the keys and fields currently in Redis again with a
// plain pipelined HSET per key (no script, no staleness check), batches
// of batch keys, through the same kind of client (on a cluster go-redis
// sends each pipeline's commands to their masters in parallel): the limit
// materialization is measured against.
func rawHSETLoop(b *testing.B, rc redis.UniversalClient, batch int) (time.Duration, int) {
	ctx := context.Background()
	var keys []string
	scan := func(ctx context.Context, c *redis.Client) error {
		it := c.Scan(ctx, 0, "*", 10000).Iterator()
		var ks []string
		for it.Next(ctx) {
			ks = append(ks, it.Val())
		}
		keysMu.Lock()
		keys = append(keys, ks...)
		keysMu.Unlock()
		return it.Err()
	}
	if cc, ok := rc.(*redis.ClusterClient); ok {
		require.NoError(b, cc.ForEachMaster(ctx, scan))
	} else {
		require.NoError(b, scan(ctx, rc.(*redis.Client)))
	}
	hashes := make([]map[string]string, len(keys))
	for i := 0; i < len(keys); i += batch {
		pipe := rc.Pipeline()
		cmds := make([]*redis.MapStringStringCmd, 0, batch)
		for _, k := range keys[i:min(i+batch, len(keys))] {
			cmds = append(cmds, pipe.HGetAll(ctx, k))
		}
		_, err := pipe.Exec(ctx)
		require.NoError(b, err)
		for j, c := range cmds {
			hashes[i+j] = c.Val()
		}
	}
	flush(b, rc)
	t0 := time.Now()
	for i := 0; i < len(keys); i += batch {
		pipe := rc.Pipeline()
		for j := i; j < min(i+batch, len(keys)); j++ {
			args := make([]any, 0, 2*len(hashes[j]))
			for f, v := range hashes[j] {
				args = append(args, f, v)
			}
			pipe.HSet(ctx, keys[j], args...)
		}
		_, err := pipe.Exec(ctx)
		require.NoError(b, err)
	}
	return time.Since(t0), len(keys)
}

var keysMu sync.Mutex

func flush(b *testing.B, rc redis.UniversalClient) {
	ctx := context.Background()
	if cc, ok := rc.(*redis.ClusterClient); ok {
		require.NoError(b, cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return n.FlushAll(ctx).Err() }))
		return
	}
	require.NoError(b, rc.FlushDB(ctx).Err())
}

// benchMaterialize measures materialize (a child process) into the
// standalone server and into the Redis Cluster, each beside the raw HSET
// loop of the same keys through the same kind of client, in the same run.
func benchMaterialize(b *testing.B, dsn string, view materialize.FeatureView) {
	for _, target := range []struct{ name, url, typ string }{
		{"standalone", fmt.Sprintf("redis://%s/15", rd.Addr), fs.RedisTypeStandalone},
		{"cluster", cl.URL, fs.RedisTypeCluster},
	} {
		b.Run(target.name, func(b *testing.B) {
			ctx := context.Background()
			// Generous timeouts: the read-back of millions of hashes on a
			// busy machine is not what is measured.
			sep := "?"
			if strings.Contains(target.url, "?") {
				sep = "&"
			}
			rc, err := fs.ConnectOnlineStore(ctx, fs.RedisConfig{URL: target.url + sep + "read_timeout=120s&write_timeout=120s", Type: target.typ})
			require.NoError(b, err)
			defer rc.Close()
			cfg := materialize.Config{View: view, Redis: fs.RedisConfig{URL: target.url, Type: target.typ},
				Start: time.Unix(0, 0), End: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)}
			var ours, limit time.Duration
			var rss int64
			var n int
			for b.Loop() {
				flush(b, rc)
				ours, rss = runMeasured(b, cfg, dsn)
				b.StopTimer()
				limit, n = rawHSETLoop(b, rc, 2048)
				b.StartTimer()
			}
			b.ReportMetric(float64(n), "entities")
			b.ReportMetric(float64(n)/ours.Seconds(), "entities/s")
			b.ReportMetric(float64(n)/limit.Seconds(), "raw_hset_keys/s")
			b.ReportMetric(100*limit.Seconds()/ours.Seconds(), "pct_of_raw_hset")
			b.ReportMetric(float64(rss)/(1<<20), "peak_rss_MB")
		})
	}
}

// BenchmarkMaterializeFlightsRoutes materializes the latest per-route
// features (delay, distance) of the 3M flights, entity = route, in a child
// process, and compares with a raw pipelined HSET loop over the same keys
// and fields. With few routes the PostgreSQL scan of 3M rows dominates.
func BenchmarkMaterializeFlightsRoutes(b *testing.B) {
	dsn := loadFlights(b, "bench_routes")
	benchMaterialize(b, dsn, materialize.FeatureView{Name: "route_delays", Source: "flights",
		Entities: []string{"origin", "destination"}, Features: []string{"delay", "distance"}, EventTimestamp: "date"})
}

// BenchmarkMaterializeFlightsRows materializes one entity per flight row
// (3M entities, keyed by the row's ordinal) to measure the Redis write path
// at scale against the raw HSET limit, and the peak RSS of a 3M-entity run,
// on the standalone server and on the 3-master Redis Cluster.
func BenchmarkMaterializeFlightsRows(b *testing.B) {
	dsn := loadFlights(b, "bench_rows")
	conn, err := fs.ConnectPostgresConn(context.Background(), dsn, fs.Retry{})
	require.NoError(b, err)
	_, err = conn.Exec(context.Background(), `CREATE TABLE flight_rows AS SELECT row_number() OVER () AS flight_id, * FROM flights`)
	require.NoError(b, err)
	conn.Close(context.Background())
	benchMaterialize(b, dsn, materialize.FeatureView{Name: "flights", Source: "flight_rows",
		Entities: []string{"flight_id"}, Features: []string{"delay", "distance", "origin", "destination"}, EventTimestamp: "date"})
}
