package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/components/cartrainer"
	"github.com/kfpgo/kfpgo/components/distributedtrain"
	"github.com/kfpgo/kfpgo/components/testenv"
)

// mainEnv makes the test binary behave as the cartrainer command, so the
// launcher's local mode can start it as its replicas.
const mainEnv = "KFPGO_CARTRAINER_TEST_MAIN"

var pg *testenv.Postgres

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) != "" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(testenv.RunTests(m, &pg, nil))
}

// loadCars writes testdata cars.json into schema.table with prepare-data's
// offline store layout (lower snake_case columns, year TIMESTAMPTZ,
// entity_key, event_timestamp, split) and returns the validation row count
// and its USA count.
func loadCars(t *testing.T, dsn, table string) (valRows, valUSA int) {
	t.Helper()
	ctx := context.Background()
	b, err := os.ReadFile(filepath.Join("..", "..", "components", "cartrainer", "testdata", "cars.json"))
	require.NoError(t, err)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal(b, &rows))
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE SCHEMA features;
CREATE TABLE features.cars (
  entity_key TEXT PRIMARY KEY, event_timestamp TIMESTAMPTZ NOT NULL,
  split TEXT NOT NULL CHECK (split IN ('train','validation','test')),
  name TEXT, miles_per_gallon DOUBLE PRECISION, cylinders BIGINT, displacement DOUBLE PRECISION,
  horsepower DOUBLE PRECISION, weight_in_lbs BIGINT, acceleration DOUBLE PRECISION,
  year TIMESTAMPTZ, origin TEXT)`)
	require.NoError(t, err)
	var data [][]any
	for i, r := range rows {
		split := "train"
		switch {
		case i%5 == 0:
			split = "validation"
		case i%10 == 1:
			split = "test"
		}
		if split == "validation" {
			valRows++
			if r["Origin"] == "USA" {
				valUSA++
			}
		}
		year, err := time.Parse("2006-01-02", r["Year"].(string))
		require.NoError(t, err)
		data = append(data, []any{
			fmt.Sprintf("car-%04d", i), year, split, r["Name"], r["Miles_per_Gallon"], toInt(r["Cylinders"]),
			r["Displacement"], r["Horsepower"], toInt(r["Weight_in_lbs"]), r["Acceleration"], year, r["Origin"],
		})
	}
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"features", "cars"}, []string{
		"entity_key", "event_timestamp", "split", "name", "miles_per_gallon", "cylinders", "displacement",
		"horsepower", "weight_in_lbs", "acceleration", "year", "origin"}, pgx.CopyFromRows(data))
	require.NoError(t, err)
	require.EqualValues(t, 406, n)
	return valRows, valUSA
}

func toInt(v any) any {
	if f, ok := v.(float64); ok {
		return int64(f)
	}
	return v
}

// TestLocalTwoWorkersFromPostgres is the end-to-end check of the
// distributed-train contract: the launcher's local mode starts this trainer
// as 2 TF_CONFIG workers reading the offline store in PostgreSQL, and the
// model equals the one a single worker trains with the same global batch.
func TestLocalTwoWorkersFromPostgres(t *testing.T) {
	ctx := context.Background()
	dsn, err := pg.CreateDatabase(ctx, "cars_e2e")
	require.NoError(t, err)
	valRows, valUSA := loadCars(t, dsn, "features.cars")

	train := func(workers int32) (distributedtrain.Result, *cartrainer.Model) {
		cfg := distributedtrain.Config{
			Mode: distributedtrain.ModeLocal, Name: fmt.Sprintf("cars-%dw", workers),
			Command:  []string{os.Args[0]},
			Args:     []string{"--table", "features.cars", "--epochs", "150", "--batch-size", "32", "--seed", "5"},
			Env:      map[string]string{mainEnv: "1", "DATABASE_URL": dsn},
			Replicas: distributedtrain.Replicas{Worker: workers}, WorkDir: t.TempDir(),
			LogOutput: t.Output(), Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
			Timeout: 5 * time.Minute,
		}
		res, err := distributedtrain.Run(ctx, cfg)
		require.NoError(t, err)
		m, err := cartrainer.LoadModel(res.ModelDir)
		require.NoError(t, err)
		return res, m
	}
	two, m2 := train(2)
	one, m1 := train(1)

	baseline := float64(valUSA) / float64(valRows)
	t.Logf("2 workers from PostgreSQL: validation accuracy %.4f (majority baseline %.4f), loss %.4f, confusion %v",
		two.Metrics["accuracy"], baseline, two.Metrics["loss"], two.ConfusionMatrix.Matrix)
	assert.Greater(t, two.Metrics["accuracy"], baseline+0.1)
	assert.Equal(t, float64(valRows), two.Metrics["validation_rows"])
	assert.Equal(t, []string{"Europe", "Japan", "USA"}, two.ConfusionMatrix.Classes)
	assert.Equal(t, "file://"+two.ModelDir, two.ModelURI)
	// year came out of TIMESTAMPTZ as the model year, not shifted by time zone.
	assert.InDelta(t, 1976, m2.Mean[6], 1.5)

	var diff float64
	for c := range m1.Weights {
		for j := range m1.Weights[c] {
			diff = math.Max(diff, math.Abs(m1.Weights[c][j]-m2.Weights[c][j]))
		}
		diff = math.Max(diff, math.Abs(m1.Bias[c]-m2.Bias[c]))
	}
	t.Logf("2 workers vs 1 worker (separate processes, TCP all-reduce): max |Δweight| = %.3g", diff)
	assert.Less(t, diff, 1e-9)
	assert.InDelta(t, one.Metrics["accuracy"], two.Metrics["accuracy"], 1e-12)
}

func TestFlagErrors(t *testing.T) {
	assert.Equal(t, 2, run([]string{}), "--table is required")
	assert.Equal(t, 2, run([]string{"--no-such-flag"}))
}

// TestConnectionErrors: what cartrainer prints for a connection string that
// does not parse, a server that refuses, and no connection string at all.
func TestConnectionErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	for _, tc := range []struct {
		name string
		env  []string
		code int
		want []string
	}{
		{"key/value DSN that does not parse", []string{envPostgresDSN + "=host=127.0.0.1 port=abc password=hunter2"}, 2,
			[]string{"from $KFPGO_POSTGRES_DSN does not parse: cannot parse `host=127.0.0.1 port=abc password=xxxxx`: invalid port"}},
		{"connection refused", []string{"DATABASE_URL=postgres://u:hunter2@" + refused + "/db"}, 1,
			[]string{"connect: connection refused (the connection string comes from $DATABASE_URL)"}},
		{"unset", []string{"PGHOST=" + t.TempDir()}, 1,
			[]string{"none of --dsn, $DATABASE_URL and $KFPGO_POSTGRES_DSN is set", "set KFPGO_POSTGRES_DSN=postgres://USER@HOST:5432/DB"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "--table", "features.cars")
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, envPostgresDSN+"=") && !strings.HasPrefix(kv, "PG") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(cmd.Env, append(tc.env, mainEnv+"=1")...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, stderr.String())
			assert.Equal(t, tc.code, ee.ExitCode(), stderr.String())
			for _, w := range tc.want {
				assert.Contains(t, stderr.String(), w)
			}
			assert.NotContains(t, stderr.String(), "hunter2")
			assert.LessOrEqual(t, strings.Count(stderr.String(), "dial error"), 1, "one line per distinct dial error:\n%s", stderr.String())
		})
	}
}
