package materialize

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
)

// FeatureView is the feature view to materialize, in Feast's terms.
type FeatureView struct {
	// Name is the feature view name used in the Redis layout. Required:
	// ASCII letters, digits, underscores and dashes.
	Name string `json:"name"`
	// Source is the offline store table, "table" or "schema.table". Required.
	Source string `json:"source"`
	// Entities are the entity (join key) columns. Optional: defaults to
	// {"entity_key"}. Values must be text, bigint or integer columns
	// (Feast's entity types).
	Entities []string `json:"entities,omitempty"`
	// Features are the feature columns. Required: each listed once, none
	// of them an entity or the event timestamp column.
	Features []string `json:"features"`
	// EventTimestamp is the event time column, of type timestamptz (or
	// timestamp). Optional: defaults to "event_timestamp".
	EventTimestamp string `json:"event_timestamp,omitempty"`
	// TTL is Feast's feature view ttl: with no start and no watermark, an
	// incremental run starts at end - TTL. Optional: defaults to 0 (from the
	// beginning). Must not be negative.
	TTL time.Duration `json:"ttl,omitempty"`
}

// Config is everything materialize-features needs. Field names follow the
// component's KFP input names (json tags).
type Config struct {
	// View is the feature view. Required.
	View FeatureView `json:"feature_view"`
	// Project is the Feast project, the suffix of every Redis key.
	// Optional: defaults to "kfpgo".
	Project string `json:"project,omitempty"`
	// Start and End bound the event-time window [Start, End). A zero Start
	// means incremental: from this shard's watermark, else End - View.TTL,
	// else the beginning. A zero End means the run's start time.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// WatermarkTable keeps, per (project, feature view, shard), the end of
	// the last completed window. Optional: defaults to
	// "kfpgo_materialize_watermarks" (created if missing).
	WatermarkTable string `json:"watermark_table,omitempty"`
	// KeyTTL sets EXPIRE on every written entity hash (Feast's redis
	// key_ttl_seconds). Optional: defaults to 0 (no expiry).
	KeyTTL time.Duration `json:"key_ttl,omitempty"`
	// ShardIndex and ShardCount select the entities of this task: those
	// whose hashtextextended(entity columns joined with '|', 0) modulo
	// ShardCount is ShardIndex (PostgreSQL's hash, so each ParallelFor
	// task of a fan-out reads only its share). Optional: defaults to 0 of 1.
	ShardIndex int `json:"shard_index"`
	ShardCount int `json:"shard_count,omitempty"`
	// BatchSize is the number of entities per pipelined Redis round trip.
	// Optional: defaults to 2048.
	BatchSize int `json:"batch_size,omitempty"`
	// DSN is the PostgreSQL offline store DSN. Optional: defaults to
	// $KFPGO_POSTGRES_DSN, then libpq's PG* variables.
	DSN string `json:"-"`
	// Redis holds the online store connection settings: one server or a
	// Redis Cluster (Redis.Type "redis_cluster", or $KFPGO_REDIS_TYPE).
	// Redis.Retry also bounds how often a batch is sent again after a
	// transient error (default there: 8 attempts, about 18s of backoff).
	Redis fs.RedisConfig `json:"redis,omitzero"`
	// Retry bounds the PostgreSQL connection attempts (Redis has its own
	// in Redis.Retry).
	Retry fs.Retry `json:"retry,omitzero"`
	// Progress receives progress lines (rows, rate). Optional: defaults to
	// none; the component binary passes os.Stderr.
	Progress io.Writer `json:"-"`
	// Logger receives a summary. Optional: defaults to slog.Default().
	Logger *slog.Logger `json:"-"`
	// FeatureRepoDir, when set, receives the Feast feature repository
	// (feature_store.yaml, features.py) that serves what the run writes;
	// see featurestore.FeastRepo. Optional: defaults to none.
	FeatureRepoDir string `json:"-"`
	// AfterBatch, when set, is called after each batch Redis acknowledged,
	// with the number of batches acknowledged so far (1, 2, …). Calls are
	// serialized; the writers wait while it runs. Optional: defaults to
	// none. Tests use it to crash or disturb a run at a chosen point.
	AfterBatch func(acked int) `json:"-"`
}

func (c Config) withDefaults(now time.Time) Config {
	if c.Project == "" {
		c.Project = "kfpgo"
	}
	if len(c.View.Entities) == 0 {
		c.View.Entities = []string{fs.ColumnEntityKey}
	}
	if c.View.EventTimestamp == "" {
		c.View.EventTimestamp = fs.ColumnEventTimestamp
	}
	if c.WatermarkTable == "" {
		c.WatermarkTable = "kfpgo_materialize_watermarks"
	}
	if c.ShardCount <= 0 {
		c.ShardCount = 1
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 2048
	}
	if c.End.IsZero() {
		c.End = now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// validate reports settings no run can use, before anything is read or
// written. Errors carry no package prefix: Run adds "materialize: ",
// FeastRepoOf "feast repo: ".
func (c Config) validate() error {
	v := c.View
	if v.Name == "" || v.Source == "" || len(v.Features) == 0 {
		return fmt.Errorf("feature view needs a name, a source table and features (got name %q, source %q, %d features)", v.Name, v.Source, len(v.Features))
	}
	if !fs.ValidFeastProjectName(c.Project) {
		return fmt.Errorf("project %q: use only letters, digits and underscores (Feast's project name rule)", c.Project)
	}
	if !fs.ValidFeastViewName(v.Name) {
		return fmt.Errorf("feature view name %q: use only letters, digits, underscores and dashes (the name is part of every Redis field and Feast object name)", v.Name)
	}
	if _, err := fs.ParseTableName(v.Source); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	if _, err := fs.ParseTableName(c.WatermarkTable); err != nil {
		return fmt.Errorf("watermark table: %w", err)
	}
	if v.TTL < 0 {
		return fmt.Errorf("feature view ttl %s is negative: use 0 (values never age out) or a positive duration", v.TTL)
	}
	if c.KeyTTL < 0 {
		return fmt.Errorf("key ttl %s is negative: use 0 (keys never expire) or a positive duration", c.KeyTTL)
	}
	seen := map[string]string{}
	for _, col := range []struct {
		what  string
		names []string
	}{{"entity", v.Entities}, {"feature", v.Features}} {
		for _, n := range col.names {
			if n == "" {
				return fmt.Errorf("an empty %s column name: name each column of the table", col.what)
			}
			switch seen[n] {
			case "":
			case col.what:
				return fmt.Errorf("%s column %q is listed twice: list each column once", col.what, n)
			default:
				return fmt.Errorf("column %q is both an entity and a feature: an entity (join key) column cannot also be a feature; drop it from the features", n)
			}
			seen[n] = col.what
		}
	}
	if what, ok := seen[v.EventTimestamp]; ok {
		return fmt.Errorf("event timestamp column %q is also listed as %s column: name a separate timestamp column", v.EventTimestamp, map[string]string{"entity": "an entity", "feature": "a feature"}[what])
	}
	if c.ShardIndex < 0 || c.ShardIndex >= c.ShardCount {
		return fmt.Errorf("shard_index %d is outside [0, shard_count %d)", c.ShardIndex, c.ShardCount)
	}
	if !c.Start.IsZero() && !c.Start.Before(c.End) {
		return fmt.Errorf("window start %s is not before end %s", c.Start.Format(time.RFC3339), c.End.Format(time.RFC3339))
	}
	return nil
}
