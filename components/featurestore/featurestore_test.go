package featurestore_test

import (
	"context"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/testenv"
)

var (
	pg *testenv.Postgres
	rd *testenv.Redis
	cl *testenv.RedisCluster
)

func TestMain(m *testing.M) {
	if os.Getenv(logChildEnv) != "" {
		os.Exit(redisOutageChild())
	}
	os.Exit(testenv.RunTestsCluster(m, &pg, &rd, &cl))
}

// The goldens below were computed with an independent implementation of
// Feast's serialize_entity_key (v3), _redis_key, _mmh3 and the protobuf
// encodings of feast.types.Value and google.protobuf.Timestamp.
func TestRedisKeyGolden(t *testing.T) {
	tests := []struct {
		name    string
		project string
		keys    []string
		values  []any
		want    string
	}{
		{"one string key", "kfpgo", []string{"entity_key"}, []any{"3f2a"},
			"01000000020000000a000000656e746974795f6b65790200000004000000336632616b6670676f"},
		{"two keys sorted by name", "flights", []string{"origin", "destination"}, []any{"SFO", "LAX"},
			"02000000020000000b00000064657374696e6174696f6e02000000060000006f726967696e02000000030000004c4158020000000300000053464f666c6967687473"},
		{"int64 key", "feature_repo", []string{"driver_id"}, []any{int64(1001)},
			"0100000002000000090000006472697665725f69640400000008000000e903000000000000666561747572655f7265706f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fs.RedisKey(tt.project, tt.keys, tt.values)
			require.NoError(t, err)
			assert.Equal(t, tt.want, hex.EncodeToString(got))
		})
	}
	_, err := fs.RedisKey("p", []string{"k"}, []any{1.5})
	assert.ErrorContains(t, err, "not a Feast entity type")
}

func TestFeatureFieldGolden(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"cars", "horsepower"}:               "76060888",
		{"driver_hourly_stats", "conv_rate"}: "6160e3da",
		{"routes", "mean_delay"}:             "b5336a04",
	} {
		assert.Equal(t, want, hex.EncodeToString([]byte(fs.FeatureField(in[0], in[1]))), in)
	}
	assert.Equal(t, "_ts:cars", fs.TimestampField("cars"))
}

func TestValueGolden(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{130.0, "290000000000406040"},
		{int64(8), "2008"},
		{int64(-3), "20fdffffffffffffffff01"},
		{"USA", "1203555341"},
		{true, "3801"},
		{nil, ""},
	}
	for _, tt := range tests {
		b, err := fs.EncodeValue(tt.in)
		require.NoError(t, err)
		assert.Equal(t, tt.want, hex.EncodeToString(b), "%T %v", tt.in, tt.in)
		back, err := fs.DecodeValue(b)
		require.NoError(t, err)
		assert.Equal(t, tt.in, back)
	}
	_, err := fs.EncodeValue(struct{}{})
	assert.ErrorContains(t, err, "unsupported Go type")
	_, err = fs.DecodeValue([]byte{0x5a, 0x00}) // field 11 (bytes_list_val)
	assert.ErrorContains(t, err, "field 11")
}

func TestTimestampGolden(t *testing.T) {
	ts := time.Date(2021, 4, 12, 10, 59, 42, 123456789, time.UTC)
	b := fs.EncodeTimestamp(ts)
	assert.Equal(t, "089ed0d0830610959aef3a", hex.EncodeToString(b))
	back, err := fs.DecodeTimestamp(b)
	require.NoError(t, err)
	assert.True(t, ts.Equal(back))
	assert.Empty(t, fs.EncodeTimestamp(time.Unix(0, 0)), "proto3 omits zero fields")
}

func TestColumnName(t *testing.T) {
	for in, want := range map[string]string{
		"Miles_per_Gallon": "miles_per_gallon", "Weight_in_lbs": "weight_in_lbs", "Year": "year",
		"EventTime": "event_time", "HTTPServer": "http_server", "delay (min)": "delay_min",
		"2nd": "_2nd", "already_snake": "already_snake",
	} {
		got, err := fs.ColumnName(in)
		require.NoError(t, err)
		assert.Equal(t, want, got, in)
	}
	_, err := fs.ColumnName("--")
	assert.Error(t, err)
}

func TestRedact(t *testing.T) {
	assert.Equal(t, "postgres://u:xxxxx@h:5432/db", fs.Redact("postgres://u:s3cret@h:5432/db"))
	assert.Equal(t, "host=h password=xxxxx dbname=d", fs.Redact("host=h password=s3cret dbname=d"))
	assert.Equal(t, "redis://:xxxxx@h:6379/0", fs.Redact("redis://:s3cret@h:6379/0"))
}

func redisClient(t *testing.T) *redis.Client {
	c, err := fs.ConnectRedis(context.Background(), fs.RedisConfig{URL: rd.URL})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestOnlineWriteGet(t *testing.T) {
	for _, typ := range []string{fs.RedisTypeStandalone, fs.RedisTypeCluster} {
		t.Run(typ, func(t *testing.T) { testOnlineWriteGet(t, onlineClient(t, typ)) })
	}
}

func testOnlineWriteGet(t *testing.T, c redis.UniversalClient) {
	ctx := context.Background()
	s := &fs.OnlineStore{Client: c, Project: "kfpgo"}
	view := fs.FeatureView{Name: "cars", JoinKeys: []string{"entity_key"}, Features: []string{"horsepower", "origin", "cylinders"}}
	t1 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	t0 := t1.Add(-time.Hour)
	t2 := t1.Add(time.Nanosecond)

	res, err := s.Write(ctx, view, []fs.EntityRow{
		{JoinValues: []any{"a"}, EventTimestamp: t1, Values: []any{130.0, "USA", int64(8)}},
		{JoinValues: []any{"b"}, EventTimestamp: t1, Values: []any{nil, "Japan", int64(4)}},
	}, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, fs.WriteResult{Written: 2}, res)

	// Older and equal times are skipped; a nanosecond later wins.
	res, err = s.Write(ctx, view, []fs.EntityRow{
		{JoinValues: []any{"a"}, EventTimestamp: t0, Values: []any{1.0, "old", int64(1)}},
		{JoinValues: []any{"b"}, EventTimestamp: t1, Values: []any{2.0, "same", int64(2)}},
		{JoinValues: []any{"b"}, EventTimestamp: t2, Values: []any{95.0, "Japan", int64(4)}},
	}, 0)
	require.NoError(t, err)
	assert.Equal(t, fs.WriteResult{Written: 1, Stale: 2}, res)

	rows, err := s.Get(ctx, view, [][]any{{"a"}, {"b"}, {"missing"}})
	require.NoError(t, err)
	require.Len(t, rows, 3)
	assert.Equal(t, fs.FeatureRow{Found: true, EventTimestamp: t1, Values: []any{130.0, "USA", int64(8)}}, rows[0])
	assert.Equal(t, fs.FeatureRow{Found: true, EventTimestamp: t2, Values: []any{95.0, "Japan", int64(4)}}, rows[1])
	assert.Equal(t, fs.FeatureRow{Values: []any{nil, nil, nil}}, rows[2])

	key, err := fs.RedisKey("kfpgo", []string{"entity_key"}, []any{"a"})
	require.NoError(t, err)
	ttl := c.TTL(ctx, string(key)).Val()
	assert.True(t, ttl > 59*time.Minute && ttl <= time.Hour, "TTL %v", ttl)
	fields := c.HKeys(ctx, string(key)).Val()
	assert.ElementsMatch(t, []string{"_ts:cars", fs.FeatureField("cars", "horsepower"), fs.FeatureField("cars", "origin"), fs.FeatureField("cars", "cylinders")}, fields)
}

func TestOnlineWriteOrderingPreEpochAndLargeTimes(t *testing.T) {
	ctx := context.Background()
	c := redisClient(t)
	s := &fs.OnlineStore{Client: c, Project: "p"}
	view := fs.FeatureView{Name: "v", JoinKeys: []string{"k"}, Features: []string{"x"}}
	times := []time.Time{
		time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(2038, 1, 19, 3, 14, 8, 0, time.UTC), // past int32 seconds
		time.Date(2200, 1, 1, 0, 0, 0, 5, time.UTC),
	}
	for i, ts := range times {
		res, err := s.Write(ctx, view, []fs.EntityRow{{JoinValues: []any{"e"}, EventTimestamp: ts, Values: []any{int64(i)}}}, 0)
		require.NoError(t, err)
		assert.Equal(t, 1, res.Written, "time %v is later than the stored one", ts)
		for _, older := range times[:i] {
			res, err := s.Write(ctx, view, []fs.EntityRow{{JoinValues: []any{"e"}, EventTimestamp: older, Values: []any{int64(-1)}}}, 0)
			require.NoError(t, err)
			assert.Equal(t, 1, res.Stale, "time %v is older than %v", older, ts)
		}
	}
	rows, err := s.Get(ctx, view, [][]any{{"e"}})
	require.NoError(t, err)
	assert.Equal(t, []any{int64(3)}, rows[0].Values)
}

func TestRedisDown(t *testing.T) {
	_, err := fs.ConnectRedis(context.Background(), fs.RedisConfig{URL: "redis://:hunter2@127.0.0.1:1/0", Retry: fs.Retry{Attempts: 2, Backoff: time.Millisecond}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gave up after 2 attempts")
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestPostgresDown(t *testing.T) {
	_, err := fs.ConnectPostgres(context.Background(), "postgres://u:hunter2@127.0.0.1:1/db", fs.Retry{Attempts: 2, Backoff: time.Millisecond})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "gave up after 2 attempts")
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestOfflineTableReadSplit(t *testing.T) {
	ctx := context.Background()
	dsn, err := pg.CreateDatabase(ctx, "offline")
	require.NoError(t, err)
	pool, err := fs.ConnectPostgres(ctx, dsn, fs.Retry{})
	require.NoError(t, err)
	defer pool.Close()
	_, err = pool.Exec(ctx, `CREATE SCHEMA "Features"`)
	require.NoError(t, err)
	id, err := fs.ParseTableName("Features.cars")
	require.NoError(t, err)
	ddl, err := fs.CreateTableSQL(id, []fs.Column{
		{Name: "horsepower", Type: fs.TypeFloat64, Nullable: true},
		{Name: "origin", Type: fs.TypeString},
		{Name: "year", Type: fs.TypeTimestamp},
	})
	require.NoError(t, err)
	_, err = pool.Exec(ctx, ddl)
	require.NoError(t, err)
	y := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = pool.CopyFrom(ctx, id, []string{"horsepower", "origin", "year", "entity_key", "event_timestamp", "split"}, pgx.CopyFromRows([][]any{
		{130.0, "USA", y, "b", y, "train"},
		{nil, "Japan", y, "a", y, "train"},
		{95.0, "Europe", y, "c", y, "test"},
	}))
	require.NoError(t, err)

	cols, err := fs.TableColumns(ctx, pool, "Features.cars")
	require.NoError(t, err)
	assert.Equal(t, []fs.Column{{"horsepower", fs.TypeFloat64, true}, {"origin", fs.TypeString, false}, {"year", fs.TypeTimestamp, false}}, cols)

	var got [][]any
	for row, err := range fs.ReadSplit(ctx, pool, "Features.cars", fs.SplitTrain, []string{"horsepower", "origin", "year"}) {
		require.NoError(t, err)
		got = append(got, append([]any{row.EntityKey}, row.Values...))
	}
	assert.Equal(t, [][]any{{"a", nil, "Japan", y}, {"b", 130.0, "USA", y}}, got)

	for _, err := range fs.ReadSplit(ctx, pool, "Features.cars", fs.SplitTrain, []string{"nope"}) {
		assert.ErrorContains(t, err, "nope")
	}
	_, err = fs.CreateTableSQL(id, []fs.Column{{Name: "split", Type: fs.TypeString}})
	assert.ErrorContains(t, err, "reserved")
}
