// Package materialize is the logic of the materialize-features standard
// component: it copies the latest feature values per entity from the
// PostgreSQL offline store to the Redis online store, in Feast's Redis
// layout (package featurestore), so Feast's own feature servers can serve
// them.
//
// # Semantics
//
// For a feature view (source table, entity columns, feature columns, event
// timestamp column) and a window [start, end), Run reads the latest row per
// entity whose event time is in the window (Feast's materialize semantics)
// with one streaming DISTINCT ON query (ties on the event time go to the
// row with the greatest feature values, so every run picks the same row),
// and writes one Redis hash per
// entity in pipelined batches. A Lua script compares the stored
// _ts:<feature_view> with the row's event time and never replaces a newer
// value with an older (or equal) one, so re-runs and overlapping windows
// are idempotent.
//
// # Incremental runs and resumption
//
// With no start, the window begins at this shard's watermark, kept in a
// PostgreSQL table (Config.WatermarkTable), or end - TTL, or the beginning
// of time. The watermark advances to end only after every batch is
// acknowledged by Redis: a run killed at any point is resumed by running it
// again, and Redis then ends exactly as after an uninterrupted run.
//
// # Sharding
//
// ShardIndex/ShardCount split the entities by PostgreSQL's
// hashtextextended of the entity values, so a pipeline can fan out over a
// ParallelFor of shard indexes; each shard has its own watermark.
//
// # Connections
//
// PostgreSQL and Redis settings come from the Config or the environment
// (KFPGO_POSTGRES_DSN or libpq's PG* variables; KFPGO_REDIS_URL,
// KFPGO_REDIS_PASSWORD, KFPGO_REDIS_TYPE for a Redis Cluster), with bounded
// retries and passwords redacted from every message. Progress (rows, rate)
// goes to Config.Progress.
//
// # Serving with Feast
//
// Each run describes the Feast feature repository that serves what it
// writes (Result.FeatureRepo, written to Config.FeatureRepoDir; the
// component's feature_repo output artifact): see featurestore.FeastRepo.
package materialize
