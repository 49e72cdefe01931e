//go:build bench

package preparedata_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/components/preparedata"
	"github.com/kfpgo/kfpgo/components/testenv"
)

// FlightsConfig is the benchmark's prepare-data config for
// flights-3m.parquet: entity = route (origin|destination), event time =
// the flight's date.
func flightsConfig(path, dsn string) preparedata.Config {
	return preparedata.Config{
		Source: path, Table: "flights", DSN: dsn, Logger: quiet(),
		EntityKeyColumns: []string{"origin", "destination"}, EventTimestampColumn: "date",
		MaxBadRows: -1,
	}
}

// BenchmarkIngestFlights loads flights-3m.parquet with prepare-data, then
// loads the very same rows (exported as CSV) with `psql \copy` into an
// empty table of the same schema, and reports both rates and their ratio
// (target: prepare-data ≥ 70% of \copy).
func BenchmarkIngestFlights(b *testing.B) {
	ctx := context.Background()
	path := testenv.FlightsParquet(b)
	psql, err := exec.LookPath("psql")
	require.NoError(b, err, "psql is needed for the \\copy baseline: apt-get install -y postgresql-client")
	dsn, err := pg.CreateDatabase(ctx, "bench_ingest")
	require.NoError(b, err)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(b, err)
	defer conn.Close(ctx)
	csv := filepath.Join(b.TempDir(), "flights.csv")

	var ours, theirs float64
	for b.Loop() {
		t0 := time.Now()
		res, err := preparedata.Run(ctx, flightsConfig(path, dsn))
		require.NoError(b, err)
		el := time.Since(t0)
		require.Equal(b, int64(3_000_000), res.Metrics.RowsLoaded)
		ours = float64(res.Metrics.RowsLoaded) / el.Seconds()

		b.StopTimer()
		out, err := exec.Command(psql, dsn, "-v", "ON_ERROR_STOP=1", "-c", `\copy flights TO '`+csv+`' CSV`).CombinedOutput()
		require.NoError(b, err, "%s", out)
		_, err = conn.Exec(ctx, `DROP TABLE IF EXISTS flights_copy; CREATE TABLE flights_copy (LIKE flights)`)
		require.NoError(b, err)
		b.StartTimer()

		t0 = time.Now()
		out, err = exec.Command(psql, dsn, "-v", "ON_ERROR_STOP=1", "-c", `\copy flights_copy FROM '`+csv+`' CSV`).CombinedOutput()
		require.NoError(b, err, "%s", out)
		theirs = 3_000_000 / time.Since(t0).Seconds()
	}
	b.ReportMetric(ours, "rows/s")
	b.ReportMetric(theirs, "psql_copy_rows/s")
	b.ReportMetric(100*ours/theirs, "pct_of_copy")
	_ = os.Remove(csv)
}
