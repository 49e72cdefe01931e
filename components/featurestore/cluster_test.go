package featurestore_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/testenv"
)

// onlineClient connects to the test server (typ "redis") or cluster (typ
// "redis_cluster") and empties it.
func onlineClient(t *testing.T, typ string) redis.UniversalClient {
	t.Helper()
	ctx := context.Background()
	url := rd.URL
	if typ == fs.RedisTypeCluster {
		url = cl.URL
	}
	c, err := fs.ConnectOnlineStore(ctx, fs.RedisConfig{URL: url, Type: typ})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	flushAll(t, c)
	return c
}

func flushAll(t *testing.T, c redis.UniversalClient) {
	ctx := context.Background()
	if cc, ok := c.(*redis.ClusterClient); ok {
		require.NoError(t, cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return n.FlushAll(ctx).Err() }))
		return
	}
	require.NoError(t, c.FlushAll(ctx).Err())
}

func TestKeySlotMatchesRedis(t *testing.T) {
	ctx := context.Background()
	node := redis.NewClient(&redis.Options{Addr: cl.Addrs[0]})
	defer node.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"", "a", "{}", "{}x", "x{}y", "{a}b", "b{a}", "{a", "a}", "{{a}}", "x{a}{b}"}
	for range 300 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = "{}ab\\x00\\xff"[rng.IntN(8)]
		}
		keys = append(keys, string(b))
	}
	for _, ek := range []string{"3f2a", "{route}", "SFO|LAX"} {
		k, err := fs.RedisKey("kfpgo", []string{"entity_key"}, []any{ek})
		require.NoError(t, err)
		keys = append(keys, string(k))
	}
	for _, k := range keys {
		want, err := node.ClusterKeySlot(ctx, k).Result()
		require.NoError(t, err)
		assert.Equal(t, uint16(want), fs.KeySlot(k), "key %q", k)
	}
}

// TestClusterWriteSpreadsOverMasters writes 5000 entities to the cluster in
// one call: every master gets a share, every entity reads back, and a
// second write with an older time is skipped for each of them.
func TestClusterWriteSpreadsOverMasters(t *testing.T) {
	ctx := context.Background()
	c := onlineClient(t, fs.RedisTypeCluster)
	s := &fs.OnlineStore{Client: c, Project: "p"}
	view := fs.FeatureView{Name: "v", JoinKeys: []string{"entity_key"}, Features: []string{"x", "name"}}
	t1 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var rows []fs.EntityRow
	var keys [][]any
	for i := range 5000 {
		rows = append(rows, fs.EntityRow{JoinValues: []any{fmt.Sprintf("e%d", i)}, EventTimestamp: t1, Values: []any{int64(i), fmt.Sprint("n", i)}})
		keys = append(keys, []any{fmt.Sprintf("e%d", i)})
	}
	cc := c.(*redis.ClusterClient)
	require.NoError(t, cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return n.ConfigResetStat(ctx).Err() }))
	res, err := s.Write(ctx, view, rows, 0)
	require.NoError(t, err)
	assert.Equal(t, fs.WriteResult{Written: 5000}, res)
	var sizes []int64
	calls := 0
	require.NoError(t, cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		sz, err := n.DBSize(ctx).Result()
		if err != nil {
			return err
		}
		sizes = append(sizes, sz)
		calls += scriptCalls(t, n)
		return nil
	}))
	require.Len(t, sizes, 3)
	for _, sz := range sizes {
		assert.InDelta(t, 5000/3, sz, 300, "keys per master %v", sizes)
	}
	// Calls carry up to 128 entities of one master each (about 1900
	// entities per master: 15 calls each), not one call per hash slot
	// (5000 keys span over 4000 slots).
	assert.LessOrEqual(t, calls, 3*15, "script calls for 5000 entities on 3 masters")
	got, err := s.Get(ctx, view, keys)
	require.NoError(t, err)
	for i, r := range got {
		require.True(t, r.Found, "entity %d", i)
		require.Equal(t, []any{int64(i), fmt.Sprint("n", i)}, r.Values)
	}
	for i := range rows {
		rows[i].EventTimestamp = t1.Add(-time.Second)
		rows[i].Values[0] = int64(-1)
	}
	res, err = s.Write(ctx, view, rows, 0)
	require.NoError(t, err)
	assert.Equal(t, fs.WriteResult{Stale: 5000}, res)
}

// scriptCalls is the number of EVALSHA calls node ran without error since
// its statistics were reset (INFO commandstats: calls - failed_calls).
func scriptCalls(t *testing.T, n *redis.Client) int {
	info, err := n.Info(context.Background(), "commandstats").Result()
	require.NoError(t, err)
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "cmdstat_evalsha:calls="); ok {
			var calls, usec, failed, rejected int
			var perCall float64
			_, err := fmt.Sscanf(v, "%d,usec=%d,usec_per_call=%f,rejected_calls=%d,failed_calls=%d", &calls, &usec, &perCall, &rejected, &failed)
			require.NoError(t, err, "cmdstat_evalsha:calls=%s", v)
			return calls - failed
		}
	}
	return 0
}

// TestClusterWriteAfterSlotMoved moves an empty hash slot to another
// master after the client read the slot map, then writes entities of
// that slot together with entities of its former master: the former
// master refuses the call carrying them all (the moved key is not local
// any more), the entities go again one slot per call, and every entity is
// written once, where the cluster now serves it.
func TestClusterWriteAfterSlotMoved(t *testing.T) {
	ctx := context.Background()
	c := onlineClient(t, fs.RedisTypeCluster)
	cc := c.(*redis.ClusterClient)
	s := &fs.OnlineStore{Client: c, Project: "p", Retry: fs.Retry{Attempts: 3, Backoff: 10 * time.Millisecond}}
	view := fs.FeatureView{Name: "v", JoinKeys: []string{"entity_key"}, Features: []string{"x"}}
	t1 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	row := func(i int) fs.EntityRow {
		return fs.EntityRow{JoinValues: []any{fmt.Sprintf("e%d", i)}, EventTimestamp: t1, Values: []any{int64(i)}}
	}
	key := func(i int) string {
		k, err := fs.RedisKey("p", view.JoinKeys, []any{fmt.Sprintf("e%d", i)})
		require.NoError(t, err)
		return string(k)
	}
	// The client reads the slot map now.
	_, err := s.Write(ctx, view, []fs.EntityRow{row(-1)}, 0)
	require.NoError(t, err)

	ids := map[string]string{} // address -> node ID
	for _, a := range cl.Addrs {
		n := redis.NewClient(&redis.Options{Addr: a})
		id, err := n.ClusterMyID(ctx).Result()
		n.Close()
		require.NoError(t, err)
		ids[a] = id
	}
	owner, err := cc.MasterForKey(ctx, key(0))
	require.NoError(t, err)
	slot := fs.KeySlot(key(0))
	var target string
	for _, a := range cl.Addrs {
		if a != owner.Options().Addr {
			target = a
			break
		}
	}
	setSlot := func(to string) {
		for _, a := range cl.Addrs {
			n := redis.NewClient(&redis.Options{Addr: a})
			err := n.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", ids[to]).Err()
			n.Close()
			require.NoError(t, err, "CLUSTER SETSLOT %d NODE %s on %s", slot, to, a)
		}
	}
	setSlot(target)
	t.Cleanup(func() {
		flushAll(t, c)
		setSlot(owner.Options().Addr)
	})

	// e0 (the moved slot) last, after entities its former master serves.
	var rows []fs.EntityRow
	for i := 1; len(rows) < 50; i++ {
		if m, err := cc.MasterForKey(ctx, key(i)); err == nil && m == owner && fs.KeySlot(key(i)) != slot {
			rows = append(rows, row(i))
		}
	}
	rows = append(rows, row(0))
	res, err := s.Write(ctx, view, rows, 0)
	require.NoError(t, err)
	assert.Equal(t, len(rows), res.Written+res.Stale, "every entity written or found written: %+v", res)

	moved := redis.NewClient(&redis.Options{Addr: target})
	defer moved.Close()
	n, err := moved.Exists(ctx, key(0)).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n, "the moved slot's entity is on its new master")
	keys := make([][]any, len(rows))
	for i, r := range rows {
		keys[i] = r.JoinValues
	}
	got, err := s.Get(ctx, view, keys)
	require.NoError(t, err)
	for i, r := range got {
		require.True(t, r.Found, "entity %v", keys[i])
		assert.Equal(t, rows[i].Values, r.Values)
	}
}

// TestClusterWriteAcrossNodeRestart restarts a master between two writes
// and while a third is retried: the writes after the restart succeed
// (script cache reloaded, calls to the node sent again) and nothing is
// lost from the restarted node.
func TestClusterWriteAcrossNodeRestart(t *testing.T) {
	ctx := context.Background()
	c := onlineClient(t, fs.RedisTypeCluster)
	s := &fs.OnlineStore{Client: c, Project: "p", Retry: fs.Retry{Attempts: 12, Backoff: 100 * time.Millisecond}}
	view := fs.FeatureView{Name: "v", JoinKeys: []string{"entity_key"}, Features: []string{"x"}}
	t1 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	batch := func(from, to int) ([]fs.EntityRow, [][]any) {
		var rows []fs.EntityRow
		var keys [][]any
		for i := from; i < to; i++ {
			rows = append(rows, fs.EntityRow{JoinValues: []any{fmt.Sprintf("e%d", i)}, EventTimestamp: t1, Values: []any{int64(i)}})
			keys = append(keys, []any{fmt.Sprintf("e%d", i)})
		}
		return rows, keys
	}
	rows, _ := batch(0, 1000)
	_, err := s.Write(ctx, view, rows, 0)
	require.NoError(t, err)
	require.NoError(t, cl.RestartNode(ctx, 2))
	rows, _ = batch(1000, 2000)
	res, err := s.Write(ctx, view, rows, 0)
	require.NoError(t, err, "a write after a node restart (empty script cache)")
	assert.Equal(t, 1000, res.Written)

	// The node goes down while the write is being retried; it is back
	// before the retries run out.
	cl.Nodes[1].Halt()
	back := make(chan error, 1)
	go func() {
		time.Sleep(time.Second)
		back <- cl.Nodes[1].Restart(ctx)
	}()
	rows, _ = batch(2000, 3000)
	res, err = s.Write(ctx, view, rows, 0)
	require.NoError(t, <-back)
	require.NoError(t, err, "a write while a node restarts")
	assert.Equal(t, 1000, res.Written+res.Stale)
	_, keys := batch(0, 3000)
	got, err := s.Get(ctx, view, keys)
	require.NoError(t, err)
	for i, r := range got {
		require.True(t, r.Found, "entity %d", i)
		require.Equal(t, []any{int64(i)}, r.Values)
	}
}

// TestRedisConnectionForms connects with each of Feast's connection
// string forms and go-redis's URL forms, standalone and cluster, and reads
// back one written entity through each.
func TestRedisConnectionForms(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, url, typ string
	}{
		{"standalone URL", rd.URL, ""},
		{"standalone Feast connection string", strings.TrimPrefix(strings.TrimSuffix(rd.URL, "/0"), "redis://") + ",db=0", fs.RedisTypeStandalone},
		{"cluster URL", cl.URL, fs.RedisTypeCluster},
		{"cluster Feast connection string", cl.ConnectionString + ",skip_full_coverage_check=true", fs.RedisTypeCluster},
		{"cluster Feast connection string, one node", cl.Addrs[1], fs.RedisTypeCluster},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := fs.ConnectOnlineStore(ctx, fs.RedisConfig{URL: tt.url, Type: tt.typ})
			require.NoError(t, err)
			defer c.Close()
			_, isCluster := c.(*redis.ClusterClient)
			assert.Equal(t, tt.typ == fs.RedisTypeCluster, isCluster)
			s := &fs.OnlineStore{Client: c, Project: "forms"}
			view := fs.FeatureView{Name: "v", JoinKeys: []string{"entity_key"}, Features: []string{"x"}}
			now := time.Now().UTC()
			_, err = s.Write(ctx, view, []fs.EntityRow{{JoinValues: []any{tt.name}, EventTimestamp: now, Values: []any{tt.name}}}, time.Minute)
			require.NoError(t, err)
			got, err := s.Get(ctx, view, [][]any{{tt.name}})
			require.NoError(t, err)
			assert.Equal(t, []any{tt.name}, got[0].Values)
		})
	}
	t.Setenv(fs.EnvRedisType, fs.RedisTypeCluster)
	c, err := fs.ConnectOnlineStore(ctx, fs.RedisConfig{URL: cl.ConnectionString})
	require.NoError(t, err)
	_, isCluster := c.(*redis.ClusterClient)
	assert.True(t, isCluster, "$%s selects the cluster client", fs.EnvRedisType)
	c.Close()

	for _, bad := range []struct{ url, typ, want string }{
		{"127.0.0.1:1,password=hunter2,frobnicate=1", "", `option "frobnicate" is not supported`},
		{"password=hunter2", fs.RedisTypeCluster, "has no host:port node"},
		{"not a node,password=hunter2", "", "item 1 is not host:port"},
		{cl.ConnectionString + ",db=2,password=hunter2", fs.RedisTypeCluster, "only database 0"},
		{rd.URL, "sentinel", `Redis type "sentinel" is not one of`},
	} {
		_, err := fs.ConnectOnlineStore(ctx, fs.RedisConfig{URL: bad.url, Type: bad.typ})
		require.Error(t, err, bad.url)
		assert.Contains(t, err.Error(), bad.want)
		assert.NotContains(t, err.Error(), "hunter2")
	}
}

// connections is the server's total_connections_received.
func connections(t *testing.T, addr, password string) int {
	c := redis.NewClient(&redis.Options{Addr: addr, Password: password})
	defer c.Close()
	info, err := c.Info(context.Background(), "stats").Result()
	require.NoError(t, err)
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "total_connections_received:"); ok {
			n, err := strconv.Atoi(v)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatal("no total_connections_received in INFO stats")
	return 0
}

// TestRedisAuthFailureNotRetried: a refused password ends the connection
// attempts at once (one connection reaches the server, not one per
// attempt), says so, and never prints the password; the password from
// $KFPGO_REDIS_PASSWORD is the one used.
func TestRedisAuthFailureNotRetried(t *testing.T) {
	ctx := context.Background()
	sec, err := testenv.StartRedis(ctx, testenv.RedisOptions{Args: []string{"--requirepass", "right-pw"}})
	require.NoError(t, err)
	defer sec.Stop()
	hostport := strings.TrimPrefix(sec.Addr, "redis://")
	for _, tt := range []struct{ name, url, env string }{
		{"URL password", "redis://:hunter2@" + hostport + "/0", ""},
		{"connection string password", hostport + ",password=hunter2", ""},
		{"password from the environment", "redis://" + hostport + "/0", "hunter2"},
		{"no password", "redis://" + hostport + "/0", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(fs.EnvRedisPassword, tt.env)
			before := connections(t, sec.Addr, "right-pw")
			_, err := fs.ConnectOnlineStore(ctx, fs.RedisConfig{URL: tt.url, Retry: fs.Retry{Attempts: 4, Backoff: 10 * time.Millisecond}})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "not retried")
			assert.NotContains(t, err.Error(), "gave up")
			assert.NotContains(t, err.Error(), "hunter2")
			// One connection for the attempt, one for this count.
			assert.Equal(t, before+2, connections(t, sec.Addr, "right-pw"), "connections made by the refused attempt(s)")
		})
	}
	t.Setenv(fs.EnvRedisPassword, "right-pw")
	c, err := fs.ConnectOnlineStore(ctx, fs.RedisConfig{URL: "redis://:wrong@" + hostport + "/0"})
	require.NoError(t, err, "$%s overrides the URL's password", fs.EnvRedisPassword)
	c.Close()
}

const logChildEnv = "KFPGO_FEATURESTORE_OUTAGE_CHILD"

// redisOutageChild connects to the Redis at $KFPGO_FEATURESTORE_OUTAGE_CHILD,
// waits for a line on stdin (the server is stopped meanwhile), then reads
// through the dead connection pool several times, printing each error.
func redisOutageChild() int {
	ctx := context.Background()
	c, err := fs.ConnectOnlineStore(ctx, fs.RedisConfig{URL: os.Getenv(logChildEnv)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		return 2
	}
	s := &fs.OnlineStore{Client: c, Project: "p"}
	view := fs.FeatureView{Name: "v", JoinKeys: []string{"k"}, Features: []string{"x"}}
	// Fill the pool with idle connections.
	done := make(chan struct{})
	for range 8 {
		go func() { _, _ = s.Get(ctx, view, [][]any{{"a"}}); done <- struct{}{} }()
	}
	for range 8 {
		<-done
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	for range 10 {
		_, err := s.Get(ctx, view, [][]any{{"a"}})
		fmt.Fprintln(os.Stderr, "get:", err != nil)
	}
	c.Close()
	return 0
}

// TestRedisClientLogsStayOffStderr: during an outage the Redis client
// library's own log lines ("redis: …pool…") do not reach stderr; the
// component's errors are the user's only messages.
func TestRedisClientLogsStayOffStderr(t *testing.T) {
	ctx := context.Background()
	srv, err := testenv.StartRedis(ctx, testenv.RedisOptions{})
	require.NoError(t, err)
	defer srv.Stop()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), logChildEnv+"="+srv.URL)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "child: %s", stderr.String())
	require.Equal(t, "ready\n", line)
	srv.Halt()
	_, err = in.Write([]byte("go\n"))
	require.NoError(t, err)
	require.NoError(t, cmd.Wait(), stderr.String())
	got := stderr.String()
	assert.Equal(t, 10, strings.Count(got, "get: true"), got)
	for _, l := range strings.Split(strings.TrimSpace(got), "\n") {
		assert.True(t, strings.HasPrefix(l, "get: "), "a line on stderr that is not the caller's: %q", l)
	}
}
