package preparedata

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/kfpgo/kfpgo/sdk/redact"
)

// Result is what a run produced: the Dataset artifact's metadata and the
// run's Metrics.
type Result struct {
	Dataset Dataset `json:"dataset"`
	Metrics Metrics `json:"metrics"`
}

// Dataset describes the loaded offline store table (the metadata of the
// component's Dataset output artifact).
type Dataset struct {
	// Table is the table as configured, e.g. "features.cars".
	Table string `json:"table"`
	// Schema lists the dataset columns in table order (entity_key,
	// event_timestamp and split follow them in every table).
	Schema []fs.Column `json:"schema"`
	// SourceColumns maps each table column to its source column name.
	SourceColumns map[string]string `json:"source_columns"`
	// RowsPerSplit counts loaded rows by split: keys "train", "validation",
	// "test" (always present).
	RowsPerSplit map[string]int64 `json:"rows_per_split"`
	// SourceURI is the dataset URI with any password redacted.
	SourceURI string `json:"source_uri"`
	// SourceSHA256 is the hex SHA-256 of the bytes at the URI (before
	// decompression).
	SourceSHA256 string `json:"source_sha256"`
	// Format is the format read (csv, json, ndjson, parquet).
	Format string `json:"format"`
	// EntityKeyColumns are the natural key columns, empty for a row hash.
	EntityKeyColumns []string `json:"entity_key_columns"`
	// EventTimestampColumn is the source of event_timestamp, empty for the
	// ingestion time.
	EventTimestampColumn string `json:"event_timestamp_column"`
	// IngestionTime is the run's ingestion time (UTC).
	IngestionTime time.Time `json:"ingestion_time"`
}

// Metrics are the run's counters (the component's Metrics output).
type Metrics struct {
	// RowsRead counts source rows (excluding a CSV header).
	RowsRead int64 `json:"rows_read"`
	// RowsLoaded counts rows written to the table.
	RowsLoaded int64 `json:"rows_loaded"`
	// RowsDropped counts rows not loaded; DroppedByReason splits it by
	// reason: "malformed", "wrong_field_count", "missing:<column>",
	// "bad_type:<column>", "out_of_range:<column>".
	RowsDropped     int64            `json:"rows_dropped"`
	DroppedByReason map[string]int64 `json:"dropped_by_reason"`
	// Seconds is the wall time of the run.
	Seconds float64 `json:"seconds"`
}

// ErrTooManyBadRows is wrapped by [Run]'s error when more rows than
// Config.MaxBadRows were dropped; match it with errors.Is.
var ErrTooManyBadRows = errors.New("too many bad rows")

// plan is the resolved schema of a run.
type plan struct {
	src      []int // source column index per kept column
	cols     []fs.Column
	specs    []ColumnSpec
	required []int // source indexes
	keyIdx   []int
	tsIdx    int
}

// Run reads cfg.Source, validates and cleans its rows, assigns entity keys,
// event timestamps and splits, and replaces cfg.Table with the result in
// one PostgreSQL transaction (CREATE TABLE of a staging table, COPY, DROP
// of the old table, RENAME): a failure or a kill at any point leaves the
// previous table as it was and no staging table behind.
//
// Errors: a bad config; an unreadable URI or wrong format; a schema
// violation (a configured column missing from the source, a name clash);
// more bad rows than MaxBadRows (wrapping [ErrTooManyBadRows]); PostgreSQL
// unreachable after the retries, or a failed load. Messages name the
// source and table; passwords are redacted. The Result is filled as far as
// the run got.
func Run(ctx context.Context, cfg Config) (Result, error) {
	start := time.Now()
	cfg = cfg.withDefaults()
	res := Result{
		Dataset: Dataset{Table: cfg.Table, SourceURI: fs.Redact(cfg.Source), EntityKeyColumns: cfg.EntityKeyColumns,
			EventTimestampColumn: cfg.EventTimestampColumn, SourceColumns: map[string]string{},
			RowsPerSplit: map[string]int64{fs.SplitTrain: 0, fs.SplitValidation: 0, fs.SplitTest: 0}},
		Metrics: Metrics{DroppedByReason: map[string]int64{}},
	}
	defer func() { res.Metrics.Seconds = time.Since(start).Seconds() }()
	if err := cfg.validate(); err != nil {
		return res, dsl.Permanent(err)
	}
	src, err := openSource(ctx, cfg)
	if err != nil {
		return res, fmt.Errorf("prepare-data: %w", err)
	}
	defer src.Close()
	res.Dataset.Format = src.format

	var rr rowReader
	total := int64(0)
	switch src.format {
	case FormatCSV:
		rr, err = newCSVReader(src.stream)
	case FormatJSON, FormatNDJSON:
		array := src.format == FormatJSON
		if b, _ := peekNonSpace(src); array && b != '[' {
			array = false // a .json file holding NDJSON
		}
		rr, err = newJSONReader(src.stream, array, cfg.InferRows)
	case FormatParquet:
		var pr *parquetReader
		pr, err = newParquetReader(src)
		if pr != nil {
			rr, total = pr, pr.total
		}
	}
	if err != nil {
		return res, fmt.Errorf("prepare-data: read %s as %s: %w", res.Dataset.SourceURI, src.format, err)
	}

	// Sample the first rows for inference.
	var sample []record
	for len(sample) < cfg.InferRows {
		r, err := rr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, fmt.Errorf("prepare-data: read %s: %w", res.Dataset.SourceURI, err)
		}
		sample = append(sample, r)
	}
	p, err := makePlan(cfg, rr, sample)
	if err != nil {
		return res, fmt.Errorf("prepare-data: schema of %s: %w", res.Dataset.SourceURI, err)
	}
	res.Dataset.Schema = p.cols
	for i, c := range p.cols {
		res.Dataset.SourceColumns[c.Name] = rr.columns()[p.src[i]]
	}

	table, _ := fs.ParseTableName(cfg.Table)
	staging := stagingName(table)
	ddl, err := fs.CreateTableSQL(staging, p.cols)
	if err != nil {
		return res, fmt.Errorf("prepare-data: table %s: %w", cfg.Table, err)
	}
	conn, err := fs.ConnectPostgresConn(ctx, cfg.DSN, cfg.Retry)
	if err != nil {
		return res, fmt.Errorf("prepare-data: %w", err)
	}
	defer conn.Close(context.Background())

	ingest := time.Now().UTC().Truncate(time.Microsecond)
	res.Dataset.IngestionTime = ingest
	prog := &fs.Progress{W: cfg.Progress, What: "prepare-data: load " + cfg.Table, Total: total}
	rows := &rowSource{cfg: cfg, p: p, rr: rr, sample: sample, res: &res, ingest: ingest, prog: prog,
		ncols: len(p.cols), salt: cfg.SplitSalt}

	tx, err := conn.Begin(ctx)
	if err != nil {
		return res, fmt.Errorf("prepare-data: begin transaction: %w", err)
	}
	defer tx.Rollback(context.Background())
	if len(table) == 2 {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{table[0]}.Sanitize()); err != nil {
			return res, fmt.Errorf("prepare-data: create schema %q: %w", table[0], err)
		}
	}
	if _, err := tx.Exec(ctx, ddl); err != nil {
		return res, fmt.Errorf("prepare-data: create staging table %s: %w", staging.Sanitize(), err)
	}
	names := make([]string, 0, len(p.cols)+3)
	for _, c := range p.cols {
		names = append(names, c.Name)
	}
	names = append(names, fs.ColumnEntityKey, fs.ColumnEventTimestamp, fs.ColumnSplit)
	n, err := tx.CopyFrom(ctx, staging, names, rows)
	if rows.err != nil {
		return res, rows.err
	}
	if err != nil {
		return res, fmt.Errorf("prepare-data: COPY into %s: %w", cfg.Table, err)
	}
	res.Metrics.RowsLoaded = n
	if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+table.Sanitize()); err != nil {
		return res, fmt.Errorf("prepare-data: replace %s: %w", cfg.Table, err)
	}
	if _, err := tx.Exec(ctx, "ALTER TABLE "+staging.Sanitize()+" RENAME TO "+pgx.Identifier{table[len(table)-1]}.Sanitize()); err != nil {
		return res, fmt.Errorf("prepare-data: replace %s: %w", cfg.Table, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return res, fmt.Errorf("prepare-data: commit %s: %w", cfg.Table, err)
	}
	prog.Done()
	if res.Dataset.SourceSHA256, err = src.sha256(); err != nil {
		return res, fmt.Errorf("prepare-data: %w", err)
	}
	if j, ok := rr.(*jsonReader); ok && len(j.extra) > 0 {
		cfg.Logger.Warn("prepare-data: keys outside the sampled columns were ignored", "keys", sortedKeys(j.extra), "infer_rows", cfg.InferRows)
	}
	cfg.Logger.Info("prepare-data: loaded", "table", cfg.Table, "rows_read", res.Metrics.RowsRead,
		"rows_loaded", res.Metrics.RowsLoaded, "rows_dropped", res.Metrics.RowsDropped)
	return res, nil
}

func peekNonSpace(s *source) (byte, error) {
	for i := 1; i < 4096; i++ {
		b, err := s.stream.Peek(i)
		if err != nil {
			return 0, err
		}
		if c := b[i-1]; c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			return c, nil
		}
	}
	return 0, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// stagingName is "<table>_kfpgo_staging" in the table's schema, cut to
// PostgreSQL's 63-byte identifier limit.
func stagingName(t pgx.Identifier) pgx.Identifier {
	base := t[len(t)-1]
	const suffix = "_kfpgo_staging"
	if len(base)+len(suffix) > 63 {
		base = base[:63-len(suffix)]
	}
	out := append(pgx.Identifier(nil), t...)
	out[len(out)-1] = base + suffix
	return out
}

func makePlan(cfg Config, rr rowReader, sample []record) (*plan, error) {
	srcCols := rr.columns()
	index := map[string]int{}
	for i, c := range srcCols {
		if _, dup := index[c]; dup {
			return nil, fmt.Errorf("source column %q appears twice", c)
		}
		index[c] = i
	}
	find := func(name, what string) (int, error) {
		i, ok := index[name]
		if !ok {
			return 0, fmt.Errorf("%s %q is not a source column (source has: %s)", what, name, strings.Join(srcCols, ", "))
		}
		return i, nil
	}
	specs := map[string]ColumnSpec{}
	for _, s := range cfg.Columns {
		if _, err := find(s.Name, "column"); err != nil {
			return nil, err
		}
		specs[s.Name] = s
	}
	drop := map[string]bool{}
	for _, d := range cfg.Drop {
		if _, err := find(d, "dropped column"); err != nil {
			return nil, err
		}
		drop[d] = true
	}
	var keep []string
	if *cfg.InferSchema {
		for _, c := range srcCols {
			if !drop[c] {
				keep = append(keep, c)
			}
		}
	} else {
		for _, s := range cfg.Columns {
			if !drop[s.Name] {
				keep = append(keep, s.Name)
			}
		}
	}
	if len(keep) == 0 {
		return nil, errors.New("no columns to load: check columns and drop")
	}
	declared := rr.types()
	p := &plan{tsIdx: -1}
	req := map[string]bool{}
	for _, r := range cfg.Required {
		req[r] = true
	}
	for _, name := range keep {
		i := index[name]
		spec := specs[name]
		spec.Name = name
		var t fs.Type
		switch {
		case spec.Type != "":
			t, _ = fs.ParseType(spec.Type)
		case declared != nil:
			t = declared[i]
		default:
			vals := make([]any, 0, len(sample))
			for _, r := range sample {
				if r.bad == "" {
					vals = append(vals, r.vals[i])
				}
			}
			var widened string
			t, widened = inferType(vals)
			if widened != "" {
				cfg.Logger.Warn(fmt.Sprintf("prepare-data: column %q: %s; pin its type with columns: [{\"name\": %q, \"type\": \"string\"}] (or int64, float64, bool, timestamp)", redact.Clip(name, redact.EchoLimit), widened, redact.Clip(name, redact.EchoLimit)),
					"column", redact.Clip(name, redact.EchoLimit), "inferred", string(t), "infer_rows", cfg.InferRows)
			}
		}
		col, err := fs.ColumnName(name)
		if err != nil {
			return nil, err
		}
		if spec.Required {
			req[name] = true
		}
		p.src = append(p.src, i)
		p.cols = append(p.cols, fs.Column{Name: col, Type: t, Nullable: !req[name]})
		p.specs = append(p.specs, spec)
	}
	for _, r := range sortedKeys(req) {
		i, err := find(r, "required column")
		if err != nil {
			return nil, err
		}
		p.required = append(p.required, i)
	}
	for _, k := range cfg.EntityKeyColumns {
		i, err := find(k, "entity key column")
		if err != nil {
			return nil, err
		}
		p.keyIdx = append(p.keyIdx, i)
	}
	if cfg.EventTimestampColumn != "" {
		i, err := find(cfg.EventTimestampColumn, "event timestamp column")
		if err != nil {
			return nil, err
		}
		p.tsIdx = i
	}
	return p, nil
}

// rowSource is the pgx.CopyFromSource over the cleaned rows.
type rowSource struct {
	cfg    Config
	p      *plan
	rr     rowReader
	sample []record
	res    *Result
	ingest time.Time
	prog   *fs.Progress
	ncols  int
	salt   string

	cur    []any
	err    error
	logged int
	hbuf   []byte
	pend   int64
}

func (s *rowSource) Next() bool {
	for {
		var r record
		if len(s.sample) > 0 {
			r, s.sample = s.sample[0], s.sample[1:]
		} else {
			var err error
			r, err = s.rr.next()
			if err == io.EOF {
				s.prog.Add(s.pend)
				s.pend = 0
				return false
			}
			if err != nil {
				s.err = fmt.Errorf("prepare-data: read %s: %w", s.res.Dataset.SourceURI, err)
				return false
			}
		}
		s.res.Metrics.RowsRead++
		if s.pend++; s.pend == 4096 {
			s.prog.Add(s.pend)
			s.pend = 0
		}
		row, reason := s.clean(r)
		if reason == "" {
			s.cur = row
			return true
		}
		if !s.drop(r.n, reason) {
			return false
		}
	}
}

// drop records a bad row; false when the limit is exceeded.
func (s *rowSource) drop(n int64, reason string) bool {
	m := &s.res.Metrics
	m.RowsDropped++
	m.DroppedByReason[reason]++
	if s.logged < 20 {
		s.logged++
		s.cfg.Logger.Warn("prepare-data: dropped row", "row", n, "reason", reason)
	}
	if s.cfg.MaxBadRows >= 0 && m.RowsDropped > int64(s.cfg.MaxBadRows) {
		s.err = fmt.Errorf("prepare-data: %w in %s: %d rows dropped, more than max_bad_rows %d (last: row %d, %s; by reason: %v): fix the data, the schema or raise max_bad_rows; %s was not changed",
			ErrTooManyBadRows, s.res.Dataset.SourceURI, m.RowsDropped, s.cfg.MaxBadRows, n, reason, m.DroppedByReason, s.cfg.Table)
		return false
	}
	return true
}

// clean converts and validates one record into table values, or returns
// the reason it is dropped.
func (s *rowSource) clean(r record) ([]any, string) {
	if r.bad != "" {
		return nil, r.bad
	}
	p := s.p
	src := s.rr.columns()
	for _, i := range p.required {
		if r.vals[i] == nil {
			return nil, "missing:" + src[i]
		}
	}
	out := make([]any, s.ncols+3)
	for k, i := range p.src {
		v, ok := convert(r.vals[i], p.cols[k].Type)
		if !ok {
			return nil, "bad_type:" + src[i]
		}
		if f, isNum := numeric(v); isNum {
			sp := p.specs[k]
			if math.IsNaN(f) || (sp.Min != nil && f < *sp.Min) || (sp.Max != nil && f > *sp.Max) {
				if sp.Min != nil || sp.Max != nil {
					return nil, "out_of_range:" + src[i]
				}
			}
		}
		out[k] = v
	}
	// entity_key
	var key string
	if len(p.keyIdx) > 0 {
		parts := make([]string, len(p.keyIdx))
		for j, i := range p.keyIdx {
			if r.vals[i] == nil {
				return nil, "missing:" + src[i]
			}
			t, _ := convert(r.vals[i], fs.TypeString)
			parts[j], _ = t.(string)
		}
		key = strings.Join(parts, "|")
	} else {
		key = s.rowHash(out[:s.ncols])
	}
	ts := s.ingest
	if p.tsIdx >= 0 {
		if r.vals[p.tsIdx] == nil {
			return nil, "missing:" + src[p.tsIdx]
		}
		v, ok := convert(r.vals[p.tsIdx], fs.TypeTimestamp)
		if !ok {
			return nil, "bad_type:" + src[p.tsIdx]
		}
		ts = v.(time.Time)
	}
	out[s.ncols], out[s.ncols+1], out[s.ncols+2] = key, ts, s.split(key)
	s.res.Dataset.RowsPerSplit[out[s.ncols+2].(string)]++
	return out, ""
}

// rowHash is the hex of the first 16 bytes of SHA-256 over the row's
// loaded values, each as a type byte then its canonical bytes.
func (s *rowSource) rowHash(vals []any) string {
	b := s.hbuf[:0]
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			b = append(b, 0)
		case int64:
			b = binary.BigEndian.AppendUint64(append(b, 1), uint64(x))
		case float64:
			b = binary.BigEndian.AppendUint64(append(b, 2), math.Float64bits(x))
		case string:
			b = binary.BigEndian.AppendUint32(append(b, 3), uint32(len(x)))
			b = append(b, x...)
		case bool:
			b = append(b, 4)
			if x {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		case time.Time:
			b = binary.BigEndian.AppendUint64(append(b, 5), uint64(x.UnixMicro()))
		}
	}
	s.hbuf = b
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// split assigns the split of key ([SplitOf]).
func (s *rowSource) split(key string) string {
	return SplitOf(s.salt, key, s.cfg.Split)
}

// SplitOf is the deterministic split of an entity key: the FNV-1a 64-bit
// hash of salt + "\x00" + key passed through murmur3's fmix64 finalizer,
// as a fraction u of 2^64, is train when
// u < r.Train, validation when u < r.Train+r.Validation, else test.
func SplitOf(salt, key string, r SplitRatios) string {
	h := fnv.New64a()
	h.Write([]byte(salt))
	h.Write([]byte{0})
	h.Write([]byte(key))
	x := h.Sum64()
	// murmur3's fmix64 finalizer spreads FNV's weak high bits.
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	u := float64(x) / math.Exp2(64)
	switch {
	case u < r.Train:
		return fs.SplitTrain
	case u < r.Train+r.Validation:
		return fs.SplitValidation
	}
	return fs.SplitTest
}

func (s *rowSource) Values() ([]any, error) { return s.cur, nil }
func (s *rowSource) Err() error             { return s.err }
