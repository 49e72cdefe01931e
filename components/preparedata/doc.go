// Package preparedata is the logic of the prepare-data standard component:
// it reads a dataset from a URI, validates and cleans it, assigns entity
// keys, event timestamps and a deterministic train/validation/test split,
// and bulk-loads it into the PostgreSQL offline store with COPY.
//
// # Sources and formats
//
// Config.Source is a path, file://, http(s)://, or s3:// URI (S3-compatible,
// read with minio-go; endpoint configurable, e.g. MinIO). Formats are CSV
// (header row; empty fields are NULL), a JSON array of objects, NDJSON, and
// Parquet (flat schemas, read with parquet-go); any of them may be gzip
// compressed (".gz", or detected by the gzip magic number). Parquet from a
// stream or gzip is staged in a temporary file, since Parquet needs random
// access.
//
// # Schema
//
// Columns are typed int64, float64, string, bool or timestamp (the offline
// store contract of package featurestore). Types come from Config.Columns,
// from the Parquet schema, or are inferred from the first InferRows rows
// (CSV text is tried as integer, float, bool, timestamp; JSON strings as
// timestamps). Each table column is named by featurestore.ColumnName.
//
// # Bad rows
//
// A row is dropped, with its 1-based row number logged (first 20) and
// counted by reason, when it is malformed, has the wrong field count, lacks
// a required value ("missing:<column>"), has a value of the wrong type
// ("bad_type:<column>") or out of range ("out_of_range:<column>"). More than
// Config.MaxBadRows dropped rows fail the run ([ErrTooManyBadRows]).
//
// # Keys, time and splits
//
// entity_key joins Config.EntityKeyColumns with "|", or is a stable hash of
// the row's values when the data has no natural key (cars.json, whose names
// repeat). event_timestamp is a column or the ingestion time. The split is
// a pure function of the entity key ([SplitOf]), so re-runs give the same
// split and an entity never straddles two splits.
//
// # Atomicity
//
// The table is built as a staging table and swapped in (DROP old, RENAME
// new) in the one transaction that also created and filled it: a failure,
// or a kill of the process, leaves the previous table untouched and no
// staging table behind.
package preparedata
