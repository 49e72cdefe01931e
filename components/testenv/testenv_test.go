package testenv_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/components/testenv"
)

func TestPostgresLifecycle(t *testing.T) {
	ctx := context.Background()
	pg, err := testenv.StartPostgres(ctx, testenv.PostgresOptions{})
	require.NoError(t, err)
	defer pg.Stop()

	conn, err := pgx.Connect(ctx, pg.DSN)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "CREATE TABLE t (x int); INSERT INTO t VALUES (42)")
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))

	dsn, err := pg.CreateDatabase(ctx, "Other DB")
	require.NoError(t, err)
	other, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	var name string
	require.NoError(t, other.QueryRow(ctx, "SELECT current_database()").Scan(&name))
	assert.Equal(t, "Other DB", name)
	require.NoError(t, other.Close(ctx))

	pg.Halt()
	_, err = pgx.Connect(ctx, pg.DSN)
	require.Error(t, err, "connect while halted")

	require.NoError(t, pg.Restart(ctx))
	conn, err = pgx.Connect(ctx, pg.DSN)
	require.NoError(t, err)
	var x int
	require.NoError(t, conn.QueryRow(ctx, "SELECT x FROM t").Scan(&x))
	assert.Equal(t, 42, x, "data survives Halt/Restart")
	require.NoError(t, conn.Close(ctx))
}

func TestRedis(t *testing.T) {
	ctx := context.Background()
	rd, err := testenv.StartRedis(ctx, testenv.RedisOptions{})
	require.NoError(t, err)
	opt, err := redis.ParseURL(rd.URL)
	require.NoError(t, err)
	c := redis.NewClient(opt)
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	assert.Equal(t, "v", c.Get(ctx, "k").Val())
	require.NoError(t, c.Close())
	rd.Stop()
	rd.Stop()
	c = redis.NewClient(opt)
	defer c.Close()
	assert.Error(t, c.Ping(ctx).Err(), "server is gone after Stop")
}

func TestRedisCluster(t *testing.T) {
	ctx := context.Background()
	c, err := testenv.StartRedisCluster(ctx, testenv.RedisClusterOptions{})
	require.NoError(t, err, "a Redis Cluster must start from redis-server and redis-cli (apt-get install -y redis-server redis-tools)")
	defer c.Stop()
	require.Len(t, c.Addrs, 3)
	opt, err := redis.ParseClusterURL(c.URL)
	require.NoError(t, err)
	cc := redis.NewClusterClient(opt)
	defer cc.Close()
	for i := range 100 {
		require.NoError(t, cc.Set(ctx, fmt.Sprintf("k%d", i), i, 0).Err())
	}
	masters := 0
	require.NoError(t, cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		n, err := m.DBSize(ctx).Result()
		assert.Positive(t, n, "every master holds some of the keys")
		masters++
		return err
	}))
	assert.Equal(t, 3, masters)

	require.NoError(t, c.RestartNode(ctx, 1))
	for i := range 100 {
		v, err := cc.Get(ctx, fmt.Sprintf("k%d", i)).Int()
		require.NoError(t, err, "key k%d after a node restart", i)
		assert.Equal(t, i, v)
	}
}
