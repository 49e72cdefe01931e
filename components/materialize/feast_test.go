package materialize_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/materialize"
	"github.com/kfpgo/kfpgo/components/preparedata"
)

// The Go type DecodeValue returns for each feast.types name, the types
// Feast's online read expects in the Value of a feature of that dtype.
var dtypeGo = map[string]func(any) bool{
	"Int64":         func(v any) bool { _, ok := v.(int64); return ok },
	"Int32":         func(v any) bool { _, ok := v.(int32); return ok },
	"Float64":       func(v any) bool { _, ok := v.(float64); return ok },
	"Float32":       func(v any) bool { _, ok := v.(float32); return ok },
	"String":        func(v any) bool { _, ok := v.(string); return ok },
	"Bool":          func(v any) bool { _, ok := v.(bool); return ok },
	"Bytes":         func(v any) bool { _, ok := v.([]byte); return ok },
	"UnixTimestamp": func(v any) bool { _, ok := v.(fs.UnixTimestamp); return ok },
}

// TestFeastRepoMatchesRedis materializes cars into the Redis Cluster with a
// feature repository folder, then reads the generated feature_store.yaml
// and features.py as Feast would and checks every field against the
// bytes in Redis: the project is the key suffix, the key is entity key
// serialization version 3 of the declared join key and type, each
// declared feature's field (murmur3 of "<view>:<name>") holds a Value of
// the declared dtype, the online store names the cluster's nodes, the
// offline source reads the same table, and no password is written.
func TestFeastRepoMatchesRedis(t *testing.T) {
	ctx := context.Background()
	e := clusterEnv(t)
	pcfg := preparedata.CarsConfig("../../testdata/datasets/cars.json", "features.cars")
	pcfg.DSN, pcfg.Logger = e.dsn, quiet()
	_, err := preparedata.Run(ctx, pcfg)
	require.NoError(t, err)
	dir := t.TempDir()
	cfg := e.clusterConfig(carsView)
	cfg.DSN = strings.Replace(e.dsn, "postgres@", "postgres:hunter2@", 1) // trust auth ignores it
	cfg.Redis.URL += ",password=sesame"                                   // no requirepass: accepted
	cfg.View.TTL = 48 * time.Hour
	cfg.Start = time.Unix(0, 0)
	cfg.FeatureRepoDir = dir
	cfg.KeyTTL = 72 * time.Hour
	_, err = materialize.Run(ctx, cfg)
	require.NoError(t, err)

	ymlRaw, err := os.ReadFile(filepath.Join(dir, "feature_store.yaml"))
	require.NoError(t, err)
	py, err := os.ReadFile(filepath.Join(dir, "features.py"))
	require.NoError(t, err)
	t.Logf("feature_store.yaml:\n%s\nfeatures.py:\n%s", ymlRaw, py)
	assert.NotContains(t, string(ymlRaw)+string(py), "hunter2")
	assert.NotContains(t, string(ymlRaw)+string(py), "sesame")
	assert.Contains(t, string(ymlRaw), "password: \"${KFPGO_POSTGRES_PASSWORD}\"")
	var fsy struct {
		Project     string `yaml:"project"`
		Provider    string `yaml:"provider"`
		OnlineStore struct {
			Type             string `yaml:"type"`
			RedisType        string `yaml:"redis_type"`
			ConnectionString string `yaml:"connection_string"`
			KeyTTLSeconds    int64  `yaml:"key_ttl_seconds"`
		} `yaml:"online_store"`
		OfflineStore struct {
			Type     string `yaml:"type"`
			Host     string `yaml:"host"`
			Port     int    `yaml:"port"`
			Database string `yaml:"database"`
			User     string `yaml:"user"`
		} `yaml:"offline_store"`
		EntityKeySerializationVersion int `yaml:"entity_key_serialization_version"`
	}
	require.NoError(t, yaml.Unmarshal(ymlRaw, &fsy))
	assert.Equal(t, "local", fsy.Provider)
	assert.Equal(t, "redis", fsy.OnlineStore.Type)
	assert.Equal(t, "redis_cluster", fsy.OnlineStore.RedisType)
	assert.ElementsMatch(t, append(cl.Addrs, "password=${KFPGO_REDIS_PASSWORD}"), strings.Split(fsy.OnlineStore.ConnectionString, ","))
	assert.Equal(t, int64(72*3600), fsy.OnlineStore.KeyTTLSeconds)
	require.Equal(t, 3, fsy.EntityKeySerializationVersion)
	pgc, err := pgx.ParseConfig(e.dsn)
	require.NoError(t, err)
	assert.Equal(t, "postgres", fsy.OfflineStore.Type)
	assert.Equal(t, pgc.Host, fsy.OfflineStore.Host)
	assert.Equal(t, int(pgc.Port), fsy.OfflineStore.Port)
	assert.Equal(t, pgc.Database, fsy.OfflineStore.Database)
	assert.Equal(t, pgc.User, fsy.OfflineStore.User)

	// features.py as Feast reads it.
	ent := regexp.MustCompile(`(?m)^(\w+) = Entity\(name="([^"]+)", join_keys=\["([^"]+)"\], value_type=ValueType\.(\w+)\)$`).FindAllStringSubmatch(string(py), -1)
	require.Len(t, ent, 1, "%s", py)
	assert.Equal(t, []string{"entity_key", "entity_key", "STRING"}, ent[0][2:])
	src := regexp.MustCompile(`query="SELECT \* FROM \\"features\\"\.\\"cars\\"",\n    timestamp_field="event_timestamp"`).FindString(string(py))
	assert.NotEmpty(t, src, "the source reads the offline table: %s", py)
	fv := regexp.MustCompile(`FeatureView\(\n    name="(\w+)",\n    entities=\[(\w+)\],\n    ttl=timedelta\(seconds=(\d+)\)`).FindStringSubmatch(string(py))
	require.NotNil(t, fv, "%s", py)
	assert.Equal(t, []string{"cars", ent[0][1], "172800"}, fv[1:])
	fields := regexp.MustCompile(`Field\(name="(\w+)", dtype=(\w+)\)`).FindAllStringSubmatch(string(py), -1)
	require.Len(t, fields, len(carsView.Features))

	// Every entity of the table: key from the declared join key, fields
	// from the declared names, values of the declared dtypes.
	var keys []string
	rows, err := e.conn.Query(ctx, `SELECT DISTINCT entity_key FROM features.cars ORDER BY 1`)
	require.NoError(t, err)
	keys, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Len(t, keys, 406)
	nonNull := map[string]int{}
	for _, k := range keys {
		key, err := fs.RedisKey(fsy.Project, []string{ent[0][3]}, []any{k})
		require.NoError(t, err)
		h, err := e.redis.HGetAll(ctx, string(key)).Result()
		require.NoError(t, err)
		require.NotEmpty(t, h, "entity %q under the key the repo declares", k)
		assert.Len(t, h, len(fields)+1, "fields of %q: the declared features and _ts:%s", k, fv[1])
		_, ok := h["_ts:"+fv[1]]
		assert.True(t, ok)
		for _, f := range fields {
			raw, ok := h[fs.FeatureField(fv[1], f[1])]
			require.True(t, ok, "entity %q has field %s:%s", k, fv[1], f[1])
			v, err := fs.DecodeValue([]byte(raw))
			require.NoError(t, err)
			if v == nil {
				continue // a NULL in the offline table
			}
			nonNull[f[1]]++
			assert.True(t, dtypeGo[f[2]](v), "feature %s declared %s holds %T", f[1], f[2], v)
		}
	}
	for _, f := range fields {
		assert.Positive(t, nonNull[f[1]], "feature %s has values", f[1])
	}
}
