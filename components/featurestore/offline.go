package featurestore

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
)

// Reserved columns of every offline store table, after the dataset columns.
const (
	// ColumnEntityKey is "entity_key TEXT NOT NULL": the entity's key, from
	// chosen columns or a stable hash of the row (see preparedata).
	ColumnEntityKey = "entity_key"
	// ColumnEventTimestamp is "event_timestamp TIMESTAMPTZ NOT NULL": the
	// Feast event time of the row.
	ColumnEventTimestamp = "event_timestamp"
	// ColumnSplit is "split TEXT NOT NULL", one of [SplitTrain],
	// [SplitValidation], [SplitTest].
	ColumnSplit = "split"
)

// Values of the split column.
const (
	SplitTrain      = "train"
	SplitValidation = "validation"
	SplitTest       = "test"
)

// Type is the PostgreSQL type of a dataset column in the offline store. Its
// value is the SQL type name used in CREATE TABLE.
type Type string

// The column types of the offline store contract, with the Go value each is
// read as: BIGINT int64, DOUBLE PRECISION float64, TEXT string, BOOLEAN
// bool, TIMESTAMPTZ time.Time (UTC).
const (
	TypeInt64     Type = "BIGINT"
	TypeFloat64   Type = "DOUBLE PRECISION"
	TypeString    Type = "TEXT"
	TypeBool      Type = "BOOLEAN"
	TypeTimestamp Type = "TIMESTAMPTZ"
)

// ParseType accepts a contract type by SQL name (case-insensitive, also
// "int8", "bigint", "float8", "double", "text", "bool", "timestamptz") or by
// short name ("int64", "float64", "string", "bool", "timestamp").
//
// Errors: an unknown name, listing the accepted ones.
func ParseType(s string) (Type, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "bigint", "int8", "int64", "int", "integer":
		return TypeInt64, nil
	case "double precision", "float8", "float64", "double", "float", "number":
		return TypeFloat64, nil
	case "text", "string":
		return TypeString, nil
	case "boolean", "bool":
		return TypeBool, nil
	case "timestamptz", "timestamp", "datetime", "time":
		return TypeTimestamp, nil
	}
	return "", fmt.Errorf("unknown column type %q: use one of int64, float64, string, bool, timestamp", s)
}

// ColumnName converts a dataset column name to its offline store column:
// lower snake_case, where a lower-case letter or digit followed by an upper-
// case one starts a new word ("EventTime" → "event_time"), runs of other
// characters become one "_", leading and trailing "_" are trimmed, and a
// leading digit gets a "_" prefix. Examples: "Miles_per_Gallon" →
// "miles_per_gallon", "Weight_in_lbs" → "weight_in_lbs", "Year" → "year".
//
// Errors: the name has no letter or digit.
func ColumnName(s string) (string, error) {
	var b strings.Builder
	rs := []rune(s)
	sep := false
	for i, r := range rs {
		switch {
		case unicode.IsUpper(r):
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
				(unicode.IsUpper(rs[i-1]) && i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
				sep = true
			}
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsLower(r) || unicode.IsDigit(r):
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(r)
		default:
			sep = true
		}
	}
	out := b.String()
	if out == "" {
		return "", fmt.Errorf("column name %q has no letter or digit", s)
	}
	if unicode.IsDigit(rune(out[0])) {
		out = "_" + out
	}
	return out, nil
}

// ParseTableName splits "table" or "schema.table" into a pgx.Identifier,
// whose Sanitize method quotes each part. The parts are taken verbatim
// (case and all), as PostgreSQL does for quoted identifiers.
//
// Errors: an empty part or more than two parts.
func ParseTableName(s string) (pgx.Identifier, error) {
	parts := strings.Split(s, ".")
	if len(parts) > 2 {
		return nil, fmt.Errorf("table %q is not a [schema.]table name: it has %d dots", s, len(parts)-1)
	}
	for _, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("table %q is not a [schema.]table name: empty part", s)
		}
	}
	return pgx.Identifier(parts), nil
}

// Column is one dataset column of an offline store table.
type Column struct {
	// Name is the column name in lower snake_case (see [ColumnName]).
	Name string `json:"name"`
	// Type is its SQL type.
	Type Type `json:"type"`
	// Nullable is false for columns declared NOT NULL.
	Nullable bool `json:"nullable"`
}

// CreateTableSQL returns the CREATE TABLE statement of the offline store
// contract for table: the dataset columns in order, then entity_key,
// event_timestamp and split (all NOT NULL). Identifiers are quoted.
//
// Errors: a column name that is not lower snake_case, is duplicated, or
// collides with a reserved column.
func CreateTableSQL(table pgx.Identifier, cols []Column) (string, error) {
	seen := map[string]bool{ColumnEntityKey: true, ColumnEventTimestamp: true, ColumnSplit: true}
	var b strings.Builder
	b.WriteString("CREATE TABLE " + table.Sanitize() + " (")
	for _, c := range cols {
		if n, err := ColumnName(c.Name); err != nil || n != c.Name {
			return "", fmt.Errorf("column %q is not lower snake_case (want %q)", c.Name, n)
		}
		if seen[c.Name] {
			return "", fmt.Errorf("column %q appears twice or collides with the reserved columns entity_key, event_timestamp, split: rename or drop it", c.Name)
		}
		seen[c.Name] = true
		if _, err := ParseType(string(c.Type)); err != nil {
			return "", fmt.Errorf("column %q: %w", c.Name, err)
		}
		b.WriteString(pgx.Identifier{c.Name}.Sanitize() + " " + string(c.Type))
		if !c.Nullable {
			b.WriteString(" NOT NULL")
		}
		b.WriteString(", ")
	}
	b.WriteString(`"entity_key" TEXT NOT NULL, "event_timestamp" TIMESTAMPTZ NOT NULL, "split" TEXT NOT NULL)`)
	return b.String(), nil
}

// Querier is the part of *pgx.Conn, *pgxpool.Pool and pgx.Tx the readers use.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// TableColumns returns the dataset columns of an offline store table in
// column order, without entity_key, event_timestamp and split. Columns of
// types outside the contract are reported with their PostgreSQL type name.
//
// Errors: the query fails, or the table does not exist.
func TableColumns(ctx context.Context, q Querier, table string) ([]Column, error) {
	id, err := ParseTableName(table)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull
FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`, id.Sanitize())
	if err != nil {
		return nil, fmt.Errorf("offline store: columns of table %s: %w", table, err)
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Column, error) {
		var c Column
		var t string
		err := r.Scan(&c.Name, &t, &c.Nullable)
		switch t {
		case "bigint":
			c.Type = TypeInt64
		case "double precision":
			c.Type = TypeFloat64
		case "text":
			c.Type = TypeString
		case "boolean":
			c.Type = TypeBool
		case "timestamp with time zone":
			c.Type = TypeTimestamp
		default:
			c.Type = Type(t)
		}
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("offline store: columns of table %s: %w", table, err)
	}
	out := cols[:0]
	for _, c := range cols {
		if c.Name != ColumnEntityKey && c.Name != ColumnEventTimestamp && c.Name != ColumnSplit {
			out = append(out, c)
		}
	}
	return out, nil
}

// Row is one row of a split as streamed by [ReadSplit].
type Row struct {
	// EntityKey is the entity_key column.
	EntityKey string
	// EventTimestamp is the event_timestamp column, in UTC.
	EventTimestamp time.Time
	// Values holds the requested columns in request order: int64, float64,
	// string, bool, time.Time (UTC), or nil for NULL.
	Values []any
}

// ReadSplit streams the rows of one split (SplitTrain, SplitValidation,
// SplitTest) of an offline store table, ordered by entity_key then
// event_timestamp, with the given dataset columns (lower snake_case names;
// nil means none). pgx reads the result off the connection as rows are
// consumed, so the split is never held in memory as a whole. The Row passed to the loop
// body is reused: copy Values to keep them.
//
// Errors (yielded once, then the sequence stops): a bad table name, an
// unknown column or table, or a failed read.
//
//	for row, err := range featurestore.ReadSplit(ctx, pool, "features.cars", featurestore.SplitTrain, []string{"horsepower", "origin"}) {
//		if err != nil { return err }
//		...
//	}
func ReadSplit(ctx context.Context, q Querier, table, split string, columns []string) iter.Seq2[*Row, error] {
	return func(yield func(*Row, error) bool) {
		id, err := ParseTableName(table)
		if err != nil {
			yield(nil, err)
			return
		}
		sel := []string{`"entity_key"`, `"event_timestamp"`}
		for _, c := range columns {
			sel = append(sel, pgx.Identifier{c}.Sanitize())
		}
		sql := "SELECT " + strings.Join(sel, ", ") + " FROM " + id.Sanitize() +
			` WHERE "split" = $1 ORDER BY "entity_key", "event_timestamp"`
		rows, err := q.Query(ctx, sql, split)
		if err != nil {
			yield(nil, fmt.Errorf("offline store: read split %q of %s: %w", split, table, err))
			return
		}
		defer rows.Close()
		row := &Row{Values: make([]any, len(columns))}
		dst := make([]any, 0, len(columns)+2)
		dst = append(dst, &row.EntityKey, &row.EventTimestamp)
		for i := range row.Values {
			dst = append(dst, &row.Values[i])
		}
		for rows.Next() {
			if err := rows.Scan(dst...); err != nil {
				yield(nil, fmt.Errorf("offline store: read split %q of %s: %w", split, table, err))
				return
			}
			row.EventTimestamp = row.EventTimestamp.UTC()
			for i, v := range row.Values {
				if t, ok := v.(time.Time); ok {
					row.Values[i] = t.UTC()
				}
			}
			if !yield(row, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, fmt.Errorf("offline store: read split %q of %s: %w", split, table, err))
		}
	}
}
