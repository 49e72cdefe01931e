package materialize

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/kfpgo/kfpgo/sdk/artifacts"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Image is the ko reference of the materialize-features component binary.
const Image = "ko://github.com/kfpgo/kfpgo/cmd/materialize-features"

// In is the input of the materialize-features component. Connections come
// from $KFPGO_POSTGRES_DSN and $KFPGO_REDIS_URL (secrets on a cluster).
type In struct {
	// Dataset is prepare-data's output; its "table" metadata is the feature
	// view's source.
	Dataset dsl.Artifact[dsl.Dataset] `kfp:"dataset"`
	// FeatureView is the feature view name (part of every Redis field).
	FeatureView dsl.Param[string] `kfp:"feature_view"`
	// Features are the feature columns (lower snake_case table columns).
	Features dsl.Param[[]string] `kfp:"features"`
	// Project is Feast's project name, the suffix of every entity key.
	Project dsl.Param[string] `kfp:"project" default:"kfpgo"`
	// Start and End bound the event-time window [start, end) as RFC 3339
	// times; "" means since the watermark and until now.
	Start dsl.Param[string] `kfp:"start" default:""`
	End   dsl.Param[string] `kfp:"end" default:""`
	// KeyTTLSeconds expires each entity hash (0: never).
	KeyTTLSeconds dsl.Param[int] `kfp:"key_ttl_seconds" default:"0"`
	// ShardIndex and ShardCount split the entities by hash of the key, for
	// a ParallelFor fan-out.
	ShardIndex dsl.Param[int] `kfp:"shard_index" default:"0"`
	ShardCount dsl.Param[int] `kfp:"shard_count" default:"1"`
}

// Out is the output of the materialize-features component.
type Out struct {
	// Metrics holds rows_scanned, entities_written, stale_writes_skipped,
	// seconds and rows_per_second.
	Metrics dsl.Artifact[dsl.Metrics] `kfp:"metrics"`
	// EntitiesWritten is the number of entity hashes written to Redis.
	EntitiesWritten dsl.Param[int] `kfp:"entities_written"`
	// FeatureRepo is a folder holding the Feast feature repository
	// (feature_store.yaml, features.py) that serves what was written:
	// `feast apply && feast serve` in it.
	FeatureRepo dsl.Artifact[dsl.Generic] `kfp:"feature_repo"`
}

// Component materializes the latest features per entity from the offline
// store into the Redis online store (Feast's layout). It writes to Redis,
// so it is side-effecting; re-runs are idempotent.
var Component = dsl.NewComponent("materialize-features", run, dsl.Image(Image), dsl.SideEffects(),
	dsl.Description("Materializes the latest feature values per entity in a time window from the PostgreSQL offline store into the Redis online store, in Feast's Redis layout."))

func run(ctx context.Context, in In) (Out, error) {
	out := dsl.Outputs[Out](ctx)
	table, _ := in.Dataset.Metadata()["table"].(string)
	if table == "" {
		return *out, fmt.Errorf("materialize-features: dataset artifact %s has no \"table\" metadata: wire prepare-data's dataset output", in.Dataset.URI())
	}
	cfg := Config{
		View:           FeatureView{Name: in.FeatureView.Value(), Source: table, Features: in.Features.Value()},
		Project:        in.Project.Value(),
		KeyTTL:         time.Duration(in.KeyTTLSeconds.Value()) * time.Second,
		ShardIndex:     in.ShardIndex.Value(),
		ShardCount:     in.ShardCount.Value(),
		Progress:       os.Stderr,
		FeatureRepoDir: out.FeatureRepo.Path(),
		Logger:         slog.Default(),
	}
	for _, t := range []struct {
		name string
		v    string
		dst  *time.Time
	}{{"start", in.Start.Value(), &cfg.Start}, {"end", in.End.Value(), &cfg.End}} {
		if t.v == "" {
			continue
		}
		ts, err := time.Parse(time.RFC3339, t.v)
		if err != nil {
			return *out, fmt.Errorf("materialize-features: input %s %q is not an RFC 3339 time (e.g. 2024-05-01T00:00:00Z)", t.name, t.v)
		}
		*t.dst = ts
	}
	res, err := Run(ctx, cfg)
	if err != nil {
		return *out, err
	}
	m := res.Metrics
	for k, v := range map[string]float64{"rows_scanned": float64(m.RowsScanned), "entities_written": float64(m.EntitiesWritten),
		"stale_writes_skipped": float64(m.StaleSkipped), "seconds": m.Seconds, "rows_per_second": m.RowsPerSecond} {
		if err := artifacts.LogMetric(out.Metrics, k, v); err != nil {
			return *out, err
		}
	}
	out.EntitiesWritten.Set(int(m.EntitiesWritten))
	return *out, nil
}
