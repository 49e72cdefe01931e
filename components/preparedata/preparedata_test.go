package preparedata_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/preparedata"
	"github.com/kfpgo/kfpgo/components/testenv"
)

const (
	carsPath   = "../../testdata/datasets/cars.json"
	carsSHA256 = "f686a53678b21f4231e2f6a5ba7ce5761d9d39204fccdea1caa29fb8c460e319"
	childEnv   = "KFPGO_PREPAREDATA_CHILD_CONFIG"
)

var pg *testenv.Postgres

func TestMain(m *testing.M) {
	if cfg := os.Getenv(childEnv); cfg != "" {
		os.Exit(runChild(cfg))
	}
	os.Exit(testenv.RunTests(m, &pg, nil))
}

// runChild runs prepare-data from a JSON config in the environment, for the
// kill test.
func runChild(raw string) int {
	var cfg preparedata.Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cfg.DSN = os.Getenv("KFPGO_POSTGRES_DSN")
	cfg.Progress = os.Stderr
	if _, err := preparedata.Run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

var dbSeq atomic.Int64

// newDB returns the DSN of a fresh database.
func newDB(t *testing.T) string {
	t.Helper()
	dsn, err := pg.CreateDatabase(context.Background(), fmt.Sprintf("prep%d", dbSeq.Add(1)))
	require.NoError(t, err)
	return dsn
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func count(t *testing.T, c *pgx.Conn, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, c.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func TestCars(t *testing.T) {
	ctx := context.Background()
	dsn := newDB(t)
	cfg := preparedata.CarsConfig(carsPath, "features.cars")
	cfg.DSN, cfg.Logger = dsn, quiet()
	res, err := preparedata.Run(ctx, cfg)
	require.NoError(t, err)

	m := res.Metrics
	assert.Equal(t, int64(406), m.RowsRead)
	assert.Equal(t, int64(406), m.RowsLoaded)
	assert.Equal(t, int64(0), m.RowsDropped)
	d := res.Dataset
	assert.Equal(t, carsSHA256, d.SourceSHA256)
	assert.Equal(t, "json", d.Format)
	assert.Equal(t, int64(406), d.RowsPerSplit["train"]+d.RowsPerSplit["validation"]+d.RowsPerSplit["test"])
	assert.InDelta(t, 0.8*406, float64(d.RowsPerSplit["train"]), 30)
	assert.Equal(t, []fs.Column{
		{Name: "name", Type: fs.TypeString}, {Name: "miles_per_gallon", Type: fs.TypeFloat64, Nullable: true},
		{Name: "cylinders", Type: fs.TypeInt64, Nullable: true}, {Name: "displacement", Type: fs.TypeFloat64, Nullable: true},
		{Name: "horsepower", Type: fs.TypeFloat64, Nullable: true}, {Name: "weight_in_lbs", Type: fs.TypeFloat64, Nullable: true},
		{Name: "acceleration", Type: fs.TypeFloat64, Nullable: true}, {Name: "year", Type: fs.TypeTimestamp, Nullable: true},
		{Name: "origin", Type: fs.TypeString},
	}, d.Schema)
	assert.Equal(t, "Miles_per_Gallon", d.SourceColumns["miles_per_gallon"])

	c := connect(t, dsn)
	cols, err := fs.TableColumns(ctx, c, "features.cars")
	require.NoError(t, err)
	assert.Equal(t, d.Schema, cols)
	assert.Equal(t, int64(8), count(t, c, `SELECT count(*) FROM features.cars WHERE miles_per_gallon IS NULL`))
	assert.Equal(t, int64(6), count(t, c, `SELECT count(*) FROM features.cars WHERE horsepower IS NULL`))
	assert.Equal(t, int64(406), count(t, c, `SELECT count(DISTINCT entity_key) FROM features.cars`), "all cars rows differ, so do their keys")
	assert.Equal(t, int64(0), count(t, c, `SELECT count(*) FROM features.cars WHERE year <> date_trunc('year', year)`))
	for split, n := range d.RowsPerSplit {
		assert.Equal(t, n, count(t, c, `SELECT count(*) FROM features.cars WHERE split = $1`, split), split)
	}

	// A second run (into another table) gives the same keys and splits.
	snapshot := func(table string) map[string]string {
		out := map[string]string{}
		for _, split := range []string{fs.SplitTrain, fs.SplitValidation, fs.SplitTest} {
			for row, err := range fs.ReadSplit(ctx, c, table, split, nil) {
				require.NoError(t, err)
				out[row.EntityKey] = split
			}
		}
		return out
	}
	cfg.Table = "public.cars_again"
	_, err = preparedata.Run(ctx, cfg)
	require.NoError(t, err)
	first := snapshot("features.cars")
	assert.Len(t, first, 406)
	assert.Equal(t, first, snapshot("public.cars_again"))
}

func TestCarsRequiredTargetDropsAndCounts(t *testing.T) {
	cfg := preparedata.CarsConfig(carsPath, "cars_mpg")
	cfg.DSN, cfg.Logger = newDB(t), quiet()
	cfg.Required = []string{"Miles_per_Gallon", "Horsepower"}
	res, err := preparedata.Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, int64(406), res.Metrics.RowsRead)
	assert.Equal(t, int64(392), res.Metrics.RowsLoaded)
	assert.Equal(t, map[string]int64{"missing:Miles_per_Gallon": 8, "missing:Horsepower": 6}, res.Metrics.DroppedByReason)
}

func TestInferredSchemaAndFormats(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	raw, err := os.ReadFile(carsPath)
	require.NoError(t, err)
	var cars []map[string]any
	require.NoError(t, json.Unmarshal(raw, &cars))

	// NDJSON, gzipped NDJSON, CSV and gzipped CSV of the same rows.
	var nd, csv bytes.Buffer
	csv.WriteString("Name,Miles_per_Gallon,Cylinders,Year,Origin\n")
	for _, c := range cars {
		b, _ := json.Marshal(c)
		nd.Write(append(b, '\n'))
		mpg := ""
		if c["Miles_per_Gallon"] != nil {
			mpg = fmt.Sprint(c["Miles_per_Gallon"])
		}
		fmt.Fprintf(&csv, "%q,%s,%v,%v,%v\n", c["Name"], mpg, c["Cylinders"], c["Year"], c["Origin"])
	}
	write := func(name string, b []byte, gz bool) string {
		p := filepath.Join(dir, name)
		if gz {
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			w.Write(b)
			w.Close()
			b = z.Bytes()
		}
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	write("cars.json", raw, false)

	dsn := newDB(t)
	for _, tc := range []struct {
		name, source, format string
		cols                 int
	}{
		{"ndjson", write("cars.ndjson", nd.Bytes(), false), "ndjson", 9},
		{"ndjson.gz", "file://" + write("cars.ndjson.gz", nd.Bytes(), true), "ndjson", 9},
		{"csv", write("cars.csv", csv.Bytes(), false), "csv", 5},
		{"csv.gz", write("cars.csv.gz", csv.Bytes(), true), "csv", 5},
		{"http json", srv.URL + "/cars.json", "json", 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := preparedata.Run(ctx, preparedata.Config{Source: tc.source, Table: "t", DSN: dsn, Logger: quiet()})
			require.NoError(t, err)
			assert.Equal(t, tc.format, res.Dataset.Format)
			assert.Equal(t, int64(406), res.Metrics.RowsLoaded)
			require.Len(t, res.Dataset.Schema, tc.cols)
			types := map[string]fs.Type{}
			for _, c := range res.Dataset.Schema {
				types[c.Name] = c.Type
			}
			assert.Equal(t, fs.TypeString, types["name"])
			assert.Equal(t, fs.TypeFloat64, types["miles_per_gallon"])
			assert.Equal(t, fs.TypeInt64, types["cylinders"])
			assert.Equal(t, fs.TypeTimestamp, types["year"])
		})
	}
}

func TestParquet(t *testing.T) {
	// The first 1,000 rows of the real flights data (testdata/README.md).
	path := filepath.Join("testdata", "flights-1k.parquet")
	dsn := newDB(t)
	// Only the schema and the first rows are needed: a bad-row limit stops
	// the run early while proving the Parquet types.
	res, err := preparedata.Run(context.Background(), preparedata.Config{
		Source: path, Table: "flights", DSN: dsn, Logger: quiet(),
		Columns:    []preparedata.ColumnSpec{{Name: "delay", Max: ptr(-1000)}},
		MaxBadRows: 10, InferSchema: boolPtr(true),
	})
	require.ErrorIs(t, err, preparedata.ErrTooManyBadRows)
	assert.Equal(t, []fs.Column{
		{Name: "date", Type: fs.TypeTimestamp, Nullable: true}, {Name: "delay", Type: fs.TypeInt64, Nullable: true},
		{Name: "distance", Type: fs.TypeInt64, Nullable: true}, {Name: "origin", Type: fs.TypeString, Nullable: true},
		{Name: "destination", Type: fs.TypeString, Nullable: true},
	}, res.Dataset.Schema)
	assert.Equal(t, int64(11), res.Metrics.DroppedByReason["out_of_range:delay"])
}

func ptr(f float64) *float64 { return &f }
func boolPtr(b bool) *bool   { return &b }

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	dsn := newDB(t)
	// A previous good table, which no failure may touch.
	good := preparedata.CarsConfig(carsPath, "cars")
	good.DSN, good.Logger = dsn, quiet()
	_, err := preparedata.Run(ctx, good)
	require.NoError(t, err)
	c := connect(t, dsn)

	dir := t.TempDir()
	badCSV := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(badCSV, []byte("Name,Origin,Cylinders\na,USA,4\nb,USA,four\nc,USA\nd,USA,x\n"), 0o644))
	notGz := filepath.Join(dir, "x.csv.gz")
	require.NoError(t, os.WriteFile(notGz, []byte("a,b\n1,2\n"), 0o644))
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()

	tests := []struct {
		name string
		edit func(*preparedata.Config)
		want string
	}{
		{"missing file", func(c *preparedata.Config) { c.Source = filepath.Join(dir, "nope.json") }, "no such file"},
		{"http 404", func(c *preparedata.Config) { c.Source = srv.URL + "/cars.json" }, "HTTP status 404"},
		{"unknown scheme", func(c *preparedata.Config) { c.Source = "ftp://h/cars.json" }, `scheme "ftp" is not supported`},
		{"unknown extension", func(c *preparedata.Config) { c.Source = filepath.Join(dir, "x.txt") }, "cannot tell the format"},
		{"json read as parquet", func(c *preparedata.Config) { c.Format = "parquet" }, "not a readable Parquet file"},
		{"json read as csv", func(c *preparedata.Config) { c.Format = "csv" }, "source has: ["},
		{"csv read as json", func(c *preparedata.Config) { c.Source, c.Format = badCSV, "json" }, "read "},
		{"not gzip", func(c *preparedata.Config) { c.Source = notGz }, "not gzip"},
		{"column absent", func(c *preparedata.Config) {
			c.Columns = append(c.Columns, preparedata.ColumnSpec{Name: "Price", Type: "float64"})
		}, `column "Price" is not a source column`},
		{"bad types over the limit", func(c *preparedata.Config) {
			*c = preparedata.Config{Source: badCSV, Table: "cars", Logger: quiet(), MaxBadRows: 2,
				Columns: []preparedata.ColumnSpec{{Name: "Name", Type: "string"}, {Name: "Origin", Type: "string"}, {Name: "Cylinders", Type: "int64"}}}
		}, "3 rows dropped, more than max_bad_rows 2"},
		{"range violation", func(c *preparedata.Config) { c.Columns[2].Max = ptr(4); c.MaxBadRows = 0 }, "out_of_range:Cylinders"},
		{"bad split", func(c *preparedata.Config) { c.Split = preparedata.SplitRatios{Train: 0.5} }, "sum to 1"},
		{"postgres down", func(c *preparedata.Config) {
			c.DSN = "postgres://postgres:hunter2@127.0.0.1:1/x?sslmode=disable"
			c.Retry = fs.Retry{Attempts: 2, Backoff: time.Millisecond}
		}, "gave up after 2 attempts"},
	}
	for _, tt := range tests {
		if tt.want == "" {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			cfg := preparedata.CarsConfig(carsPath, "cars")
			cfg.DSN, cfg.Logger = dsn, quiet()
			tt.edit(&cfg)
			if cfg.DSN == "" {
				cfg.DSN = dsn
			}
			_, err := preparedata.Run(ctx, cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "hunter2")
			assert.Equal(t, int64(406), count(t, c, `SELECT count(*) FROM cars`), "previous table intact")
			assert.Equal(t, int64(0), count(t, c, `SELECT count(*) FROM pg_class WHERE relname LIKE '%staging%'`), "no staging table left")
		})
	}
	errTooMany := func() error {
		cfg := preparedata.Config{Source: badCSV, Table: "cars", DSN: dsn, Logger: quiet(),
			Columns: []preparedata.ColumnSpec{{Name: "Name", Type: "string"}, {Name: "Cylinders", Type: "int64"}}}
		_, err := preparedata.Run(ctx, cfg)
		return err
	}()
	assert.ErrorIs(t, errTooMany, preparedata.ErrTooManyBadRows)
}

func TestPostgresHalted(t *testing.T) {
	cfg := preparedata.CarsConfig(carsPath, "cars")
	cfg.DSN, cfg.Logger = newDB(t), quiet()
	cfg.Retry = fs.Retry{Attempts: 2, Backoff: 10 * time.Millisecond}
	pg.Halt()
	_, err := preparedata.Run(context.Background(), cfg)
	require.NoError(t, pg.Restart(context.Background()))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connect to PostgreSQL at postgres://postgres@127.0.0.1")
	_, err = preparedata.Run(context.Background(), cfg)
	require.NoError(t, err, "works again once the server is back")
}

// TestKilledMidLoad kills prepare-data (a child process) during COPY and
// checks the previous table is intact and nothing partial is left.
func TestKilledMidLoad(t *testing.T) {
	ctx := context.Background()
	dsn := newDB(t)
	good := preparedata.CarsConfig(carsPath, "features.cars")
	good.DSN, good.Logger = dsn, quiet()
	_, err := preparedata.Run(ctx, good)
	require.NoError(t, err)

	// A CSV big enough to take a while to load.
	big := filepath.Join(t.TempDir(), "big.csv")
	f, err := os.Create(big)
	require.NoError(t, err)
	w := bufio.NewWriter(f)
	w.WriteString("Name,Miles_per_Gallon,Cylinders,Displacement,Horsepower,Weight_in_lbs,Acceleration,Year,Origin\n")
	for i := 0; i < 1_000_000; i++ {
		fmt.Fprintf(w, "car %d,%d.5,4,100,90,2000,15,1975-01-01,USA\n", i, i%40)
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())

	cfg := preparedata.CarsConfig(big, "features.cars")
	cfg.Format = "csv"
	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw), "KFPGO_POSTGRES_DSN="+dsn)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stderr)
	loading := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), "prepare-data: load features.cars") {
			loading = true
			break
		}
	}
	require.True(t, loading, "child printed progress before finishing")
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	go io.Copy(io.Discard, stderr)

	c := connect(t, dsn)
	// The server ends the dead client's session (and its transaction).
	require.Eventually(t, func() bool {
		return count(t, c, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`) == 0
	}, 30*time.Second, 50*time.Millisecond)
	assert.Equal(t, int64(406), count(t, c, `SELECT count(*) FROM features.cars`))
	assert.Equal(t, int64(0), count(t, c, `SELECT count(*) FROM pg_class WHERE relname LIKE '%staging%'`))
}

func TestSplitOf(t *testing.T) {
	r := preparedata.SplitRatios{Train: 0.6, Validation: 0.2, Test: 0.2}
	got := map[string]int{}
	for i := 0; i < 10000; i++ {
		k := fmt.Sprint("key-", i)
		s := preparedata.SplitOf("", k, r)
		assert.Equal(t, s, preparedata.SplitOf("", k, r))
		got[s]++
	}
	assert.InDelta(t, 6000, got["train"], 300)
	assert.InDelta(t, 2000, got["validation"], 200)
	assert.InDelta(t, 2000, got["test"], 200)
	assert.Equal(t, "train", preparedata.SplitOf("", "x", preparedata.SplitRatios{Train: 1}))
}
