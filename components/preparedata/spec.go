package preparedata

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/kfpgo/kfpgo/sdk/artifacts"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Image is the ko reference of the prepare-data component binary.
const Image = "ko://github.com/kfpgo/kfpgo/cmd/prepare-data"

// In is the input of the prepare-data component. The PostgreSQL DSN comes
// from $KFPGO_POSTGRES_DSN (on a cluster, a secret; see sdk/kubernetes).
type In struct {
	// SourceURI is the dataset: a path, file://, http(s):// or s3:// URI.
	SourceURI dsl.Param[string] `kfp:"source_uri"`
	// Format is csv, json, ndjson or parquet ("" infers it from the URI).
	Format dsl.Param[string] `kfp:"format" default:""`
	// Table is the offline store table, "schema.table".
	Table dsl.Param[string] `kfp:"table"`
	// Columns are column rules as JSON objects: {"name", "type", "required",
	// "min", "max"} (ColumnSpec).
	Columns dsl.Param[[]map[string]any] `kfp:"columns" default:"[]"`
	// Required lists source columns that must be non-null.
	Required dsl.Param[[]string] `kfp:"required" default:"[]"`
	// Drop lists source columns not to load.
	Drop dsl.Param[[]string] `kfp:"drop" default:"[]"`
	// EntityKeyColumns form entity_key (empty: a stable hash of the row).
	EntityKeyColumns dsl.Param[[]string] `kfp:"entity_key_columns" default:"[]"`
	// EventTimestampColumn gives event_timestamp ("" for the ingestion time).
	EventTimestampColumn dsl.Param[string] `kfp:"event_timestamp_column" default:""`
	// Split is the train/validation/test ratios.
	Split dsl.Param[map[string]float64] `kfp:"split" default:"{\"train\": 0.8, \"validation\": 0.1, \"test\": 0.1}"`
	// MaxBadRows fails the task when more rows are dropped (-1: no limit).
	MaxBadRows dsl.Param[int] `kfp:"max_bad_rows" default:"0"`
	// S3Endpoint is host[:port] of an S3-compatible endpoint (e.g. MinIO).
	S3Endpoint dsl.Param[string] `kfp:"s3_endpoint" default:""`
}

// Out is the output of the prepare-data component.
type Out struct {
	// Dataset describes the loaded table; its metadata holds table, schema,
	// rows_per_split, source_uri and source_sha256 (the Dataset type).
	Dataset dsl.Artifact[dsl.Dataset] `kfp:"dataset"`
	// Metrics holds rows_read, rows_loaded, rows_dropped,
	// dropped.<reason> and seconds.
	Metrics dsl.Artifact[dsl.Metrics] `kfp:"metrics"`
	// RowsLoaded is the number of rows in the table.
	RowsLoaded dsl.Param[int] `kfp:"rows_loaded"`
}

// Component loads a dataset into the PostgreSQL offline store. It replaces
// a table, so it is side-effecting and its tasks do not cache by default.
var Component = dsl.NewComponent("prepare-data", run, dsl.Image(Image), dsl.SideEffects(),
	dsl.Description("Reads a dataset (CSV, JSON, NDJSON, Parquet; file, HTTP(S) or S3), validates it, assigns entity keys, event timestamps and a deterministic split, and loads it into a PostgreSQL offline store table atomically."))

func run(ctx context.Context, in In) (Out, error) {
	out := dsl.Outputs[Out](ctx)
	var cols []ColumnSpec
	if raw := in.Columns.Value(); len(raw) > 0 {
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &cols); err != nil {
			return *out, dsl.Permanent(fmt.Errorf("prepare-data: input columns: %w (each item is {\"name\", \"type\", \"required\", \"min\", \"max\"})", err))
		}
	}
	split := in.Split.Value()
	cfg := Config{
		Source:               in.SourceURI.Value(),
		Format:               in.Format.Value(),
		Table:                in.Table.Value(),
		Columns:              cols,
		Required:             in.Required.Value(),
		Drop:                 in.Drop.Value(),
		EntityKeyColumns:     in.EntityKeyColumns.Value(),
		EventTimestampColumn: in.EventTimestampColumn.Value(),
		Split:                SplitRatios{Train: split["train"], Validation: split["validation"], Test: split["test"]},
		MaxBadRows:           in.MaxBadRows.Value(),
		S3:                   S3Config{Endpoint: in.S3Endpoint.Value()},
		Progress:             os.Stderr,
		Logger:               slog.Default(),
	}
	res, err := Run(ctx, cfg)
	if err != nil {
		return *out, err
	}
	md, err := toMap(res.Dataset)
	if err != nil {
		return *out, err
	}
	for k, v := range md {
		out.Dataset.SetMetadata(k, v)
	}
	m := res.Metrics
	scalars := map[string]float64{"rows_read": float64(m.RowsRead), "rows_loaded": float64(m.RowsLoaded), "rows_dropped": float64(m.RowsDropped), "seconds": m.Seconds}
	for reason, n := range m.DroppedByReason {
		scalars["dropped."+reason] = float64(n)
	}
	for k, v := range scalars {
		if err := artifacts.LogMetric(out.Metrics, k, v); err != nil {
			return *out, err
		}
	}
	out.RowsLoaded.Set(int(m.RowsLoaded))
	return *out, nil
}

func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}
