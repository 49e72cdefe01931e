package preparedata_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/preparedata"
)

// TestDataErrorsNameTheRow: a broken row is reported by its own number,
// whether or not it falls in the rows sampled for the columns, and a CSV
// field that is not UTF-8 names its row and column instead of failing the
// COPY as a whole.
func TestDataErrorsNameTheRow(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	dsn := newDB(t)
	for _, tc := range []struct {
		name, file, body, want string
	}{
		{"json truncated in row 2", "a.json", `[{"a": 1}, {"a": `, "JSON row 2: the data ends inside the row"},
		{"json truncated in row 3", "b.json", `[{"a": 1}, {"a": 2}, {"a": 3`, "JSON row 3: the data ends inside the row"},
		{"ndjson truncated in row 2", "c.ndjson", "{\"a\": 1}\n{\"a\": ", "JSON row 2: the data ends inside the row"},
		{"json syntax in row 2", "d.json", `[{"a": 1}, {"a" 2}]`, "JSON row 2 (near byte"},
		{"csv not utf-8", "e.csv", "name,n\nok,1\ncaf\xe9,2\n", "row 2, invalid_utf8:name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := preparedata.Run(ctx, preparedata.Config{Source: write(tc.file, tc.body), Table: "rows", DSN: dsn, Logger: quiet()})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "row 1: EOF")
		})
	}
	// With room for bad rows the valid ones load.
	res, err := preparedata.Run(ctx, preparedata.Config{Source: filepath.Join(dir, "e.csv"), Table: "rows", DSN: dsn, Logger: quiet(), MaxBadRows: 1})
	require.NoError(t, err)
	assert.Equal(t, int64(1), res.Metrics.RowsLoaded)
	assert.Equal(t, int64(1), res.Metrics.DroppedByReason["invalid_utf8:name"])
}

// TestInferenceWarnsOnWidening: a column widened to FLOAT64 by integers
// beyond int64, or to STRING by mixed values, is announced with the way to
// pin its type; a column that needs no widening is not.
func TestInferenceWarnsOnWidening(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := filepath.Join(dir, "w.csv")
	require.NoError(t, os.WriteFile(p, []byte("id,big,mixed,ok\n1,18446744073709551616,12,1.5\n2,5,n/a,2\n"), 0o644))
	var logs bytes.Buffer
	res, err := preparedata.Run(ctx, preparedata.Config{Source: p, Table: "widen", DSN: newDB(t),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	types := map[string]fs.Type{}
	for _, c := range res.Dataset.Schema {
		types[c.Name] = c.Type
	}
	assert.Equal(t, fs.TypeFloat64, types["big"])
	assert.Equal(t, fs.TypeString, types["mixed"])
	out := logs.String()
	assert.Contains(t, out, `column \"big\": integer 18446744073709551616 is beyond int64, so the column becomes DOUBLE PRECISION and such integers lose digits`)
	assert.Contains(t, out, `column \"mixed\": mixed values BIGINT (e.g. \"12\"), TEXT (e.g. \"n/a\") make it TEXT`)
	assert.Contains(t, out, `pin its type with columns: [{\"name\": \"big\", \"type\": \"string\"}]`)
	assert.NotContains(t, out, `column \"ok\"`)
	assert.NotContains(t, out, `column \"id\"`)
}
