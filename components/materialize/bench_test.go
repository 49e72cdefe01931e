//go:build bench

package materialize_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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
// time and peak RSS in bytes (the child's VmHWM, which it writes to a file
// at the end of a successful run).
func runMeasured(b *testing.B, cfg materialize.Config, dsn string) (time.Duration, int64) {
	raw, err := json.Marshal(cfg)
	require.NoError(b, err)
	peak := filepath.Join(b.TempDir(), "peak-rss-kb")
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw), "KFPGO_POSTGRES_DSN="+dsn, peakRSSEnv+"="+peak)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	el := time.Since(t0)
	require.NoError(b, err, "%s", out)
	kb, err := os.ReadFile(peak)
	require.NoError(b, err)
	n, err := strconv.ParseInt(string(kb), 10, 64)
	require.NoError(b, err)
	return el, n * 1024
}

// hashes holds every key's fields and values in one arena: record i is
// the strings parts[ends[i-1]:ends[i]] (key, then field, value pairs),
// each string data[off[j]:off[j+1]]. Three million Feast hashes take
// about 0.4 GB this way instead of several GB as maps.
type hashes struct {
	data []byte
	off  []uint32
	ends []int
}

func (h *hashes) add(key string, m map[string]string) {
	if h.off == nil {
		h.off = []uint32{0}
	}
	put := func(s string) {
		h.data = append(h.data, s...)
		h.off = append(h.off, uint32(len(h.data)))
	}
	put(key)
	for f, v := range m {
		put(f)
		put(v)
	}
	h.ends = append(h.ends, len(h.off)-1)
}

func (h *hashes) part(j int) string { return string(h.data[h.off[j]:h.off[j+1]]) }

// record returns key i and its field, value pairs.
func (h *hashes) record(i int, args []any) (string, []any) {
	from := 0
	if i > 0 {
		from = h.ends[i-1]
	}
	for j := from + 1; j < h.ends[i]; j++ {
		args = append(args, h.part(j))
	}
	return h.part(from), args
}

// serverCPU returns the CPU seconds (used_cpu_user + used_cpu_sys of INFO
// cpu) the Redis server, or every master of the cluster, has used: the
// server's cost per key, which the machine's other load barely changes.
func serverCPU(b *testing.B, rc redis.UniversalClient) float64 {
	ctx := context.Background()
	var mu sync.Mutex
	var total float64
	read := func(ctx context.Context, c *redis.Client) error {
		info, err := c.Info(ctx, "cpu").Result()
		if err != nil {
			return err
		}
		for _, l := range strings.Split(info, "\n") {
			k, v, _ := strings.Cut(strings.TrimSpace(l), ":")
			if k == "used_cpu_user" || k == "used_cpu_sys" {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return fmt.Errorf("INFO cpu %s: %w", k, err)
				}
				mu.Lock()
				total += f
				mu.Unlock()
			}
		}
		return nil
	}
	if cc, ok := rc.(*redis.ClusterClient); ok {
		require.NoError(b, cc.ForEachMaster(ctx, read))
	} else {
		require.NoError(b, read(ctx, rc.(*redis.Client)))
	}
	return total
}

// rawHSETLoop writes the keys and fields currently in Redis again with a
// plain pipelined HSET per key (no script, no staleness check), batches
// of batch keys, through the same kind of client (on a cluster go-redis
// sends each pipeline's commands to their masters in parallel): the limit
// materialization is measured against. It returns the loop's time, the
// number of keys and [serverCPU] when the loop started.
func rawHSETLoop(b *testing.B, rc redis.UniversalClient, batch int) (time.Duration, int, float64) {
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
	var h hashes
	for i := 0; i < len(keys); i += batch {
		pipe := rc.Pipeline()
		cmds := make([]*redis.MapStringStringCmd, 0, batch)
		for _, k := range keys[i:min(i+batch, len(keys))] {
			cmds = append(cmds, pipe.HGetAll(ctx, k))
		}
		_, err := pipe.Exec(ctx)
		require.NoError(b, err)
		for j, c := range cmds {
			h.add(keys[i+j], c.Val())
		}
	}
	n := len(keys)
	keys = nil
	flush(b, rc)
	cpu0 := serverCPU(b, rc)
	t0 := time.Now()
	var args []any
	for i := 0; i < n; i += batch {
		pipe := rc.Pipeline()
		for j := i; j < min(i+batch, n); j++ {
			var k string
			k, args = h.record(j, args[:0])
			pipe.HSet(ctx, k, args...)
		}
		_, err := pipe.Exec(ctx)
		require.NoError(b, err)
	}
	return time.Since(t0), n, cpu0
}

var keysMu sync.Mutex

// loadAverage returns the 1-minute load average (the first field of
// /proc/loadavg, proc(5)): other work on the machine during the run.
func loadAverage(b *testing.B) float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	require.NoError(b, err)
	f, err := strconv.ParseFloat(strings.Fields(string(raw))[0], 64)
	require.NoError(b, err)
	return f
}

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
// Metrics: entities/s and raw_hset_keys/s (wall time), pct_of_raw_hset
// (their ratio), peak_rss_MB (the child's VmHWM), redis_cpu_us/key and
// raw_hset_redis_cpu_us/key (server CPU per key, summed over the masters),
// loadavg_1m (the machine's other load when the run ended), and
// bench_process_peak_rss_MB (this process: the dataset load and the raw
// loop's copy of every hash, which getrusage would also charge to the
// child).
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
			var oursCPU, limitCPU float64
			for b.Loop() {
				flush(b, rc)
				c0 := serverCPU(b, rc)
				ours, rss = runMeasured(b, cfg, dsn)
				oursCPU = serverCPU(b, rc) - c0
				b.StopTimer()
				var c1 float64
				limit, n, c1 = rawHSETLoop(b, rc, 2048)
				limitCPU = serverCPU(b, rc) - c1
				b.StartTimer()
			}
			b.ReportMetric(float64(n), "entities")
			b.ReportMetric(float64(n)/ours.Seconds(), "entities/s")
			b.ReportMetric(float64(n)/limit.Seconds(), "raw_hset_keys/s")
			b.ReportMetric(100*limit.Seconds()/ours.Seconds(), "pct_of_raw_hset")
			b.ReportMetric(float64(rss)/(1<<20), "peak_rss_MB")
			b.ReportMetric(oursCPU*1e6/float64(n), "redis_cpu_us/key")
			b.ReportMetric(limitCPU*1e6/float64(n), "raw_hset_redis_cpu_us/key")
			b.ReportMetric(loadAverage(b), "loadavg_1m")
			own, err := vmHWM()
			require.NoError(b, err)
			b.ReportMetric(float64(own)/(1<<10), "bench_process_peak_rss_MB")
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
