// Package featurestore holds the contracts shared by the components that
// write and read features: the PostgreSQL offline store table written by
// prepare-data, and Feast's Redis online store layout written by
// materialize-features and read by trainers and feature servers.
//
// # Offline store table
//
// prepare-data creates one table (a configurable, optionally schema-
// qualified name such as "features.cars") with:
//
//   - one column per kept dataset column, named by [ColumnName] (lower
//     snake_case: Miles_per_Gallon → miles_per_gallon) and typed BIGINT,
//     DOUBLE PRECISION, TEXT, BOOLEAN or TIMESTAMPTZ ([Type]);
//   - entity_key TEXT NOT NULL, the entity's key;
//   - event_timestamp TIMESTAMPTZ NOT NULL, the Feast event time;
//   - split TEXT NOT NULL, one of 'train', 'validation', 'test'.
//
// [CreateTableSQL] writes that DDL; [TableColumns] and [ReadSplit] read it
// back (ReadSplit streams one split ordered by entity_key).
//
// # Online store layout (Feast's Redis online store)
//
// The layout is Feast's, from feast-dev/feast
// sdk/python/feast/infra/online_stores/redis.py and helpers.py,
// sdk/python/feast/infra/key_encoding_utils.py and the protos in
// protos/feast/types/{Value,EntityKey}.proto; Feast's Go feature server
// (go/internal/feast/onlinestore/redisonlinestore.go) reads the same:
//
//   - one Redis hash per entity; its key is the entity key serialization
//     version 3 ([SerializeEntityKey]: uint32 LE key count, then per join
//     key in sorted order uint32 LE type STRING=2, uint32 LE length, UTF-8
//     name, then per value uint32 LE value type, uint32 LE length, bytes)
//     followed by the project name ([RedisKey]);
//   - per feature, field = 4-byte little-endian murmur3_32 (seed 0) of
//     "<feature_view>:<feature>" ([FeatureField]), value = a serialized
//     feast.types.Value ([EncodeValue]; written with protowire since Feast's
//     Go module is not published);
//   - field "_ts:<feature_view>" = serialized google.protobuf.Timestamp of
//     the row's event time ([EncodeTimestamp]);
//   - optional EXPIRE per hash (Feast's key_ttl_seconds).
//
// [OnlineStore.Write] never replaces a newer event time with an older one
// (a Lua script compares _ts atomically per entity); [OnlineStore.Get]
// reads feature rows back. Both work on one Redis server and on a Redis
// Cluster: on a cluster each script call carries entities one master
// serves (or, after a refusal, of one hash slot, [KeySlot]), and calls
// failing while a node restarts are sent again. The tests pin golden keys
// and values computed from Feast's algorithms.
//
// # Connections
//
// [ConnectPostgres] and [ConnectOnlineStore] take settings from config or
// the environment ([EnvPostgresDSN], [EnvRedisURL], [EnvRedisType],
// [EnvRedisPassword]), retry with bounded backoff ([Retry]) except after an
// authentication failure, and never put passwords in errors ([Redact]).
// Redis locations are URLs or Feast's connection strings, standalone
// ("redis") or cluster ("redis_cluster"), with TLS ([RedisConfig]). [Progress] prints rows, rate and ETA of long work to stderr.
package featurestore
