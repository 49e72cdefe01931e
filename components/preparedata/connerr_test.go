package preparedata_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/preparedata"
	"github.com/kfpgo/kfpgo/sdk/executor"
)

// runComponent runs the prepare-data component as its binary does
// (executor.Run with a launcher's ExecutorInput), loading cars.json, and
// returns its exit status and stderr.
func runComponent(t *testing.T) (int, string) {
	t.Helper()
	dir := t.TempDir()
	abs, err := filepath.Abs(carsPath)
	require.NoError(t, err)
	ei := fmt.Sprintf(`{
  "inputs": {"parameterValues": {"source_uri": %q, "table": "cars"}},
  "outputs": {
    "artifacts": {
      "dataset": {"artifacts": [{"name": "dataset", "type": {"schemaTitle": "system.Dataset"}, "uri": %q}]},
      "metrics": {"artifacts": [{"name": "metrics", "type": {"schemaTitle": "system.Metrics"}, "uri": %q}]}
    },
    "parameters": {"rows_loaded": {"outputFile": %q}},
    "outputFile": %q
  }
}`, abs, filepath.Join(dir, "dataset"), filepath.Join(dir, "metrics"), filepath.Join(dir, "rows_loaded"), filepath.Join(dir, "output.json"))
	var stdout, stderr bytes.Buffer
	code := executor.Run(context.Background(), []string{"--executor_input", ei}, &stdout, &stderr, preparedata.Component)
	return code, stderr.String()
}

// TestConnectionErrorsForPeople: what the prepare-data binary prints when
// the offline store DSN is malformed, unset or points at nothing.
func TestConnectionErrorsForPeople(t *testing.T) {
	t.Run("key/value DSN that does not parse", func(t *testing.T) {
		t.Setenv(fs.EnvPostgresDSN, "host=127.0.0.1 port=abc user=u password=hunter2")
		code, stderr := runComponent(t)
		assert.Equal(t, executor.ExitPermanent, code, "a retry reads the same DSN: not retried\n%s", stderr)
		assert.Contains(t, stderr, "cannot parse `host=127.0.0.1 port=abc user=u password=xxxxx`: invalid port")
		assert.NotContains(t, stderr, "hunter2")
	})
	t.Run("unset", func(t *testing.T) {
		t.Setenv(fs.EnvPostgresDSN, "")
		t.Setenv("PGHOST", t.TempDir()) // a socket folder holding no server
		code, stderr := runComponent(t)
		assert.Equal(t, executor.ExitError, code, stderr)
		assert.Contains(t, stderr, "$KFPGO_POSTGRES_DSN is not set")
		assert.Contains(t, stderr, "set KFPGO_POSTGRES_DSN=postgres://USER@HOST:5432/DB")
	})
	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close()) // nothing listens there now
		t.Setenv(fs.EnvPostgresDSN, "postgres://u:hunter2@"+addr+"/db")
		code, stderr := runComponent(t)
		assert.Equal(t, executor.ExitError, code, "a server may come up: retried\n%s", stderr)
		assert.Equal(t, 1, strings.Count(stderr, "connection refused"), "the dial error once, not once per pgconn attempt:\n%s", stderr)
		assert.NotContains(t, stderr, "hunter2")
		assert.NotContains(t, stderr, "is not set")
	})
}
