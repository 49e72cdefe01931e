package materialize_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/materialize"
)

// clusterEnv is a fresh database and the emptied test Redis Cluster.
func clusterEnv(t *testing.T) env {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	rc, err := fs.ConnectOnlineStore(ctx, fs.RedisConfig{URL: cl.URL, Type: fs.RedisTypeCluster})
	require.NoError(t, err)
	t.Cleanup(func() { rc.Close() })
	require.NoError(t, rc.(*redis.ClusterClient).ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		return n.FlushAll(ctx).Err()
	}))
	e.redis, e.url = rc, cl.URL
	return e
}

func (e env) clusterConfig(view materialize.FeatureView) materialize.Config {
	c := e.config(view)
	c.Redis = fs.RedisConfig{URL: cl.ConnectionString, Type: fs.RedisTypeCluster}
	return c
}

// TestClusterSameAsStandalone materializes the same window into the
// standalone server and into the Redis Cluster, restarting a cluster node
// after the 20th acknowledged batch: every key, field and value is the
// same in both, and every master holds a share.
func TestClusterSameAsStandalone(t *testing.T) {
	ctx := context.Background()
	single := newEnv(t)
	makeEvents(t, single.conn, 30_000)
	cfg := single.config(eventsView)
	cfg.Start, cfg.End, cfg.BatchSize = at(0), at(4), 512
	_, err := materialize.Run(ctx, cfg)
	require.NoError(t, err)
	want, n := snapshot(t, single.redis)
	require.Equal(t, 30_000, n)

	e := clusterEnv(t)
	e.dsn = single.dsn
	ccfg := e.clusterConfig(eventsView)
	ccfg.Start, ccfg.End, ccfg.BatchSize = at(0), at(4), 512
	restarted := make(chan error, 1)
	ccfg.AfterBatch = func(acked int) {
		if acked == 20 {
			// Down now, back in a moment: the next batches meet a dead node.
			cl.Nodes[1].Halt()
			go func() { restarted <- cl.RestartNode(ctx, 1) }()
		}
	}
	res, err := materialize.Run(ctx, ccfg)
	require.NoError(t, <-restarted)
	require.NoError(t, err, "materialization survives a node restart")
	assert.Equal(t, int64(30_000), res.Metrics.RowsScanned)
	assert.Equal(t, int64(30_000), res.Metrics.EntitiesWritten+res.Metrics.StaleSkipped)
	got, n := snapshot(t, e.redis)
	assert.Equal(t, 30_000, n)
	assert.Equal(t, want, got, "cluster content equals standalone content")
	require.NoError(t, e.redis.(*redis.ClusterClient).ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		sz, err := m.DBSize(ctx).Result()
		assert.Greater(t, sz, int64(30_000/3-1000), "keys on master %s", m.Options().Addr)
		return err
	}))

	// Reads through OnlineStore.Get on the cluster.
	store := &fs.OnlineStore{Client: e.redis, Project: "kfpgo"}
	view := fs.FeatureView{Name: "ev", JoinKeys: []string{"entity_key"}, Features: eventsView.Features}
	rows, err := store.Get(ctx, view, [][]any{{"e5"}, {"e29999"}, {"nope"}})
	require.NoError(t, err)
	assert.Equal(t, int64(53), rows[0].Values[0])
	assert.Equal(t, int64(299993), rows[1].Values[0])
	assert.False(t, rows[2].Found)
}

// TestClusterKilledAndResumed is TestKilledAndResumed on the Redis Cluster.
func TestClusterKilledAndResumed(t *testing.T) {
	ctx := context.Background()
	e := clusterEnv(t)
	makeEvents(t, e.conn, 40_000)
	cfg := e.clusterConfig(eventsView)
	cfg.Start, cfg.End, cfg.BatchSize = at(0), at(4), 128
	_, err := materialize.Run(ctx, cfg)
	require.NoError(t, err)
	want, n := snapshot(t, e.redis)
	require.Equal(t, 40_000, n)
	require.NoError(t, e.redis.(*redis.ClusterClient).ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		return m.FlushAll(ctx).Err()
	}))
	got := killAndResume(t, e, cfg, 40_000)
	assert.Equal(t, want, got, "Redis Cluster after kills and a resumed run equals an uninterrupted run")
}
