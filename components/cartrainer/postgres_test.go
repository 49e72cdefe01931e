package cartrainer

import (
	"context"
	"math"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/components/testenv"
)

var pg *testenv.Postgres

func TestMain(m *testing.M) {
	os.Exit(testenv.RunTests(m, &pg, nil))
}

// TestPostgresSource reads both year encodings prepare-data may write (text
// and TIMESTAMPTZ, the latter in a session time zone west of UTC), NULL
// features, and a schema-qualified table.
func TestPostgresSource(t *testing.T) {
	ctx := context.Background()
	dsn, err := pg.CreateDatabase(ctx, "source_test")
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `SET TIME ZONE 'America/New_York';
CREATE SCHEMA "Store";
CREATE TABLE "Store".cars_text (entity_key TEXT, event_timestamp TIMESTAMPTZ, split TEXT, name TEXT,
  miles_per_gallon DOUBLE PRECISION, cylinders INTEGER, displacement NUMERIC, horsepower DOUBLE PRECISION,
  weight_in_lbs BIGINT, acceleration REAL, year TEXT, origin TEXT);
INSERT INTO "Store".cars_text VALUES
  ('k2', now(), 'train', 'b', 15, 8, 350, NULL, 3693, 11.5, '1971-01-01', 'USA'),
  ('k1', now(), 'train', 'a', 18, 8, 307, 130, 3504, 12, '1970-01-01', 'USA'),
  ('k3', now(), 'validation', 'c', 30, 4, 97, 88, 2130, 14.5, '1972-01-01', 'Japan');
CREATE TABLE "Store".cars_ts AS SELECT entity_key, event_timestamp, split, name, miles_per_gallon, cylinders,
  displacement, horsepower, weight_in_lbs, acceleration, (year || ' 00:00:00+00')::timestamptz AS year, origin
  FROM "Store".cars_text`)
	require.NoError(t, err)

	for _, table := range []string{"Store.cars_text", "Store.cars_ts"} {
		t.Run(table, func(t *testing.T) {
			src := PostgresSource{DB: conn, Table: table}
			train, err := src.Split(ctx, SplitTrain)
			require.NoError(t, err)
			require.Len(t, train, 2)
			assert.Equal(t, Record{EntityKey: "k1", Features: []float64{18, 8, 307, 130, 3504, 12, 1970}, Origin: "USA"}, train[0])
			assert.Equal(t, "k2", train[1].EntityKey)
			assert.True(t, math.IsNaN(train[1].Features[3]), "NULL horsepower reads as NaN")
			assert.Equal(t, 1971.0, train[1].Features[6])
			val, err := src.Split(ctx, SplitValidation)
			require.NoError(t, err)
			require.Len(t, val, 1)
			assert.Equal(t, "Japan", val[0].Origin)
			test, err := src.Split(ctx, SplitTest)
			require.NoError(t, err)
			assert.Empty(t, test)
		})
	}
	for _, bad := range []struct{ table, want string }{
		{"a.b.c", "is not a [schema.]table name"},
		{"Store.", "is not a [schema.]table name"},
		{"missing_table", `read split "train" of missing_table`},
	} {
		_, err := PostgresSource{DB: conn, Table: bad.table}.Split(ctx, SplitTrain)
		require.Error(t, err, bad.table)
		assert.Contains(t, err.Error(), bad.want)
	}
}
