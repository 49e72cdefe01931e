package cartrainer

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Split names as written by prepare-data into the offline store's split column.
const (
	SplitTrain      = "train"
	SplitValidation = "validation"
	SplitTest       = "test"
)

// FeatureNames are the model inputs, in order: the numeric columns of the
// cars dataset (vega-datasets cars.json) in prepare-data's lower snake_case.
// year is the model year as a number (1970, 1971, ...).
var FeatureNames = []string{
	"miles_per_gallon", "cylinders", "displacement", "horsepower",
	"weight_in_lbs", "acceleration", "year",
}

// DefaultClasses are the Origin values of cars.json, sorted: the classes the
// example predicts unless [Options.Classes] says otherwise.
var DefaultClasses = []string{"Europe", "Japan", "USA"}

// Record is one example: the features in [FeatureNames] order (NaN where
// the store holds NULL) and the label (Origin).
type Record struct {
	EntityKey string
	Features  []float64
	Origin    string
}

// Source reads one split of the offline store. Implementations return the
// records in a deterministic order (every data-parallel worker must see the
// same order) and an error that names the store and the split.
type Source interface {
	Split(ctx context.Context, split string) ([]Record, error)
}

// MemorySource is a [Source] over records held in memory, keyed by split.
// A split absent from the map has no records.
type MemorySource map[string][]Record

// Split returns a copy of the records of split.
func (m MemorySource) Split(_ context.Context, split string) ([]Record, error) {
	return append([]Record(nil), m[split]...), nil
}

// Querier is the part of *pgx.Conn (and *pgxpool.Pool) that [PostgresSource] uses.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// PostgresSource reads splits from the prepare-data offline store table:
// one column per feature in [FeatureNames] (any numeric type; year may be
// TIMESTAMPTZ, DATE, text such as "1970-01-01", or an integer year), plus
// origin, entity_key TEXT and split TEXT. Rows come ordered by entity_key.
type PostgresSource struct {
	// DB runs the queries.
	DB Querier
	// Table is the table name, optionally schema-qualified ("features.cars").
	// Each part is quoted as an SQL identifier.
	Table string
}

// Split implements [Source]. Timestamps are rendered in UTC so that a
// TIMESTAMPTZ year does not move to the previous year in a western session
// time zone.
func (p PostgresSource) Split(ctx context.Context, split string) ([]Record, error) {
	if p.DB == nil {
		return nil, fmt.Errorf("postgres source: no database connection")
	}
	parts := strings.Split(p.Table, ".")
	for _, s := range parts {
		if s == "" || len(parts) > 2 {
			return nil, fmt.Errorf("postgres source: table %q is not a [schema.]table name", p.Table)
		}
	}
	table := pgx.Identifier(parts).Sanitize()
	cols := make([]string, 0, len(FeatureNames))
	for _, f := range FeatureNames {
		if f == "year" {
			continue
		}
		cols = append(cols, pgx.Identifier{f}.Sanitize()+"::float8")
	}
	// year: timestamptz/date → UTC text; text and integers → text as is.
	q := fmt.Sprintf(`SELECT entity_key, %s,
  CASE WHEN pg_typeof(year)::text = 'timestamp with time zone'
       THEN to_char((year::text::timestamptz) AT TIME ZONE 'UTC', 'YYYY')
       ELSE year::text END,
  origin::text
FROM %s WHERE split = $1 ORDER BY entity_key`, strings.Join(cols, ", "), table)
	rows, err := p.DB.Query(ctx, q, split)
	if err != nil {
		return nil, fmt.Errorf("postgres source: read split %q of %s: %w", split, p.Table, err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var key string
		var num [6]*float64
		var year, origin *string
		dst := []any{&key}
		for i := range num {
			dst = append(dst, &num[i])
		}
		dst = append(dst, &year, &origin)
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("postgres source: scan split %q of %s: %w", split, p.Table, err)
		}
		r := Record{EntityKey: key, Features: make([]float64, len(FeatureNames))}
		for i, v := range num {
			r.Features[i] = math.NaN()
			if v != nil {
				r.Features[i] = *v
			}
		}
		r.Features[6] = parseYear(year)
		if origin != nil {
			r.Origin = *origin
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres source: read split %q of %s: %w", split, p.Table, err)
	}
	return out, nil
}

// parseYear takes the leading 4-digit year of "1970", "1970-01-01" or
// "1970-01-01 00:00:00+00"; NaN when absent or unparsable.
func parseYear(s *string) float64 {
	if s == nil || len(*s) < 4 {
		return math.NaN()
	}
	y, err := strconv.Atoi((*s)[:4])
	if err != nil {
		return math.NaN()
	}
	return float64(y)
}
