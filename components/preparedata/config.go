package preparedata

import (
	"fmt"
	"io"
	"log/slog"
	"math"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
)

// Config is everything prepare-data needs. Field names follow the
// component's KFP input names (json tags).
type Config struct {
	// Source is the dataset URI: a plain path or file://, http:// or
	// https://, or s3://bucket/key (see S3). Required.
	Source string `json:"source"`
	// Format is csv, json (an array of objects), ndjson (one object per
	// line) or parquet; a ".gz" suffix on the URI means gzip. Optional:
	// defaults to the URI's extension (.csv, .json, .ndjson/.jsonl,
	// .parquet, each optionally followed by .gz); a .json file whose first
	// character is not '[' is read as NDJSON.
	Format string `json:"format,omitempty"`
	// DSN is the PostgreSQL offline store DSN. Optional: defaults to
	// $KFPGO_POSTGRES_DSN, then libpq's PG* variables.
	DSN string `json:"-"`
	// Table is the offline store table, "table" or "schema.table" (each part
	// quoted verbatim; a missing schema is created). Required.
	Table string `json:"table"`
	// Columns gives types and rules for source columns by source name. With
	// InferSchema false only these columns are kept (in this order); with
	// InferSchema true the others are kept too, with inferred types.
	// Optional: defaults to none.
	Columns []ColumnSpec `json:"columns,omitempty"`
	// InferSchema infers the types of columns not listed in Columns from the
	// first InferRows rows. Optional: defaults to false when Columns is set,
	// true otherwise (see [Config.withDefaults]).
	InferSchema *bool `json:"infer_schema,omitempty"`
	// InferRows is how many leading rows type inference looks at. Optional:
	// defaults to 1000.
	InferRows int `json:"infer_rows,omitempty"`
	// Drop lists source columns not to load. Optional: defaults to none.
	Drop []string `json:"drop,omitempty"`
	// Required lists source columns that must be non-null: a row where one
	// is null or missing is dropped with reason "missing:<column>".
	// Optional: defaults to none (ColumnSpec.Required adds to it).
	Required []string `json:"required,omitempty"`
	// EntityKeyColumns are the source columns whose values, joined with "|",
	// form entity_key. Optional: defaults to none, and then entity_key is a
	// stable hash of the row: the first 16 bytes, hex, of the SHA-256 of the
	// row's loaded values (identical rows share a key).
	EntityKeyColumns []string `json:"entity_key_columns,omitempty"`
	// EventTimestampColumn is the source column giving event_timestamp
	// (typed timestamp; rows where it is null are dropped with reason
	// "missing:<column>"). Optional: defaults to the ingestion time, one
	// value for the whole run, truncated to microseconds.
	EventTimestampColumn string `json:"event_timestamp_column,omitempty"`
	// Split holds the train/validation/test ratios. Optional: defaults to
	// 0.8/0.1/0.1.
	Split SplitRatios `json:"split,omitzero"`
	// SplitSalt is mixed into the split hash; change it to draw a different
	// deterministic split. Optional: defaults to "".
	SplitSalt string `json:"split_salt,omitempty"`
	// MaxBadRows fails the run once more rows than this are dropped.
	// Optional: defaults to 0 (any bad row fails); negative means no limit.
	MaxBadRows int `json:"max_bad_rows"`
	// S3 configures s3:// sources. Optional.
	S3 S3Config `json:"s3,omitzero"`
	// Retry bounds the PostgreSQL connection attempts.
	Retry fs.Retry `json:"retry,omitzero"`
	// Progress receives progress lines (rows, rate). Optional: defaults to
	// none; the component binary passes os.Stderr.
	Progress io.Writer `json:"-"`
	// Logger receives warnings (bad rows with their row numbers, the first
	// 20 of them) and a summary. Optional: defaults to slog.Default().
	Logger *slog.Logger `json:"-"`
}

// ColumnSpec gives the type and validation rules of one source column.
type ColumnSpec struct {
	// Name is the source column name (e.g. "Miles_per_Gallon"); the table
	// column is its [fs.ColumnName].
	Name string `json:"name"`
	// Type is int64, float64, string, bool or timestamp (see
	// [fs.ParseType]). Optional when InferSchema is true.
	Type string `json:"type,omitempty"`
	// Required drops rows where the column is null or missing.
	Required bool `json:"required,omitempty"`
	// Min and Max bound numeric values (inclusive): a value outside drops
	// the row with reason "out_of_range:<column>". Optional.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
}

// SplitRatios are the shares of train, validation and test; they must be
// non-negative and sum to 1 (within 1e-9).
type SplitRatios struct {
	Train      float64 `json:"train"`
	Validation float64 `json:"validation"`
	Test       float64 `json:"test"`
}

// S3Config configures reading s3:// URIs with minio-go.
type S3Config struct {
	// Endpoint is host[:port] of the S3 API. Optional: defaults to
	// $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, then s3.amazonaws.com.
	Endpoint string `json:"endpoint,omitempty"`
	// Region. Optional: defaults to $AWS_REGION.
	Region string `json:"region,omitempty"`
	// Insecure uses plain HTTP (e.g. a local MinIO). Optional: defaults to
	// false, or true when the endpoint URL starts with http://.
	Insecure bool `json:"insecure,omitempty"`
	// Credentials come from the environment (AWS_ACCESS_KEY_ID /
	// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, MINIO_ROOT_USER /
	// MINIO_ROOT_PASSWORD, ~/.aws/credentials, then instance metadata).
}

// CarsConfig returns the configuration of the reference pipeline for
// vega-datasets cars.json (406 cars, predicting Origin from the numeric
// columns): all nine columns are kept with their natural types (Year is
// a date string, loaded as TIMESTAMPTZ); Origin, the label, and Name are
// required; the entity key is the row hash, because names repeat (e.g.
// "ford pinto" appears 6 times); event_timestamp is the ingestion time.
//
// What it drops and why: rows without Origin or Name (none in cars.json).
// It keeps the 8 rows lacking Miles_per_Gallon and the 6 lacking Horsepower
// as NULLs, because the example trainer replaces missing inputs with the
// training mean; set Required to {"Miles_per_Gallon"} to drop those 8
// instead (the original Auto MPG task predicts MPG). MaxBadRows is 20
// (5% of the rows).
func CarsConfig(source, table string) Config {
	f := false
	return Config{
		Source: source,
		Table:  table,
		Columns: []ColumnSpec{
			{Name: "Name", Type: "string", Required: true},
			{Name: "Miles_per_Gallon", Type: "float64", Min: ptr(0)},
			{Name: "Cylinders", Type: "int64", Min: ptr(1), Max: ptr(16)},
			{Name: "Displacement", Type: "float64", Min: ptr(0)},
			{Name: "Horsepower", Type: "float64", Min: ptr(0)},
			{Name: "Weight_in_lbs", Type: "float64", Min: ptr(0)},
			{Name: "Acceleration", Type: "float64", Min: ptr(0)},
			{Name: "Year", Type: "timestamp"},
			{Name: "Origin", Type: "string", Required: true},
		},
		InferSchema: &f,
		MaxBadRows:  20,
	}
}

func ptr(f float64) *float64 { return &f }

func (c Config) withDefaults() Config {
	if c.InferSchema == nil {
		b := len(c.Columns) == 0
		c.InferSchema = &b
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.InferRows <= 0 {
		c.InferRows = 1000
	}
	if c.Split == (SplitRatios{}) {
		c.Split = SplitRatios{Train: 0.8, Validation: 0.1, Test: 0.1}
	}
	return c
}

func (c Config) validate() error {
	if c.Source == "" {
		return fmt.Errorf("prepare-data: source is empty: give a dataset URI (path, file://, http(s)://, s3://)")
	}
	if c.Table == "" {
		return fmt.Errorf("prepare-data: table is empty: give the offline store table, e.g. features.cars")
	}
	if _, err := fs.ParseTableName(c.Table); err != nil {
		return fmt.Errorf("prepare-data: %w", err)
	}
	s := c.Split
	if s.Train < 0 || s.Validation < 0 || s.Test < 0 || math.Abs(s.Train+s.Validation+s.Test-1) > 1e-9 {
		return fmt.Errorf("prepare-data: split ratios %v/%v/%v must be non-negative and sum to 1", s.Train, s.Validation, s.Test)
	}
	for _, cs := range c.Columns {
		if cs.Type == "" && !*c.InferSchema {
			return fmt.Errorf("prepare-data: column %q has no type and infer_schema is false: give its type", cs.Name)
		}
		if cs.Type != "" {
			if _, err := fs.ParseType(cs.Type); err != nil {
				return fmt.Errorf("prepare-data: column %q: %w", cs.Name, err)
			}
		}
	}
	return nil
}
