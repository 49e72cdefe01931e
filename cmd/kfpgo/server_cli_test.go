package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/client"
	"github.com/kfpgo/kfpgo/sdk/client/kfpfake"
)

const cliPipelineYAML = `pipelineInfo:
  name: car-training
root:
  inputDefinitions:
    parameters:
      dataset_uri:
        parameterType: STRING
        defaultValue: s3://cars/latest
      epochs:
        parameterType: NUMBER_INTEGER
        defaultValue: 10
schemaVersion: 2.1.0
`

// kfpgo runs the command tree with args and returns stdout, stderr and the error.
func kfpgo(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func TestServerVerbsEndToEnd(t *testing.T) {
	for _, k := range []string{client.EnvEndpoint, client.EnvToken, client.EnvTokenFile, client.EnvNamespace} {
		t.Setenv(k, "")
	}
	srv := kfpfake.New(kfpfake.Options{Token: "t0ken"})
	defer srv.Close()
	t.Setenv(client.EnvToken, "t0ken")
	conn := []string{"--endpoint", srv.URL}
	file := filepath.Join(t.TempDir(), "cartrain.yaml")
	require.NoError(t, os.WriteFile(file, []byte(cliPipelineYAML), 0o644))

	// First CI run: the pipeline does not exist yet.
	out, stderr, err := kfpgo(t, append([]string{"pipeline", "create-version", file, "--pipeline", "car-training", "--name", "abc1234", "--create-pipeline"}, conn...)...)
	require.NoError(t, err, stderr)
	assert.Contains(t, stderr, "created pipeline car-training")
	assert.Regexp(t, `(?m)^VERSION ID\s+NAME\s+PIPELINE ID\s+CREATED AT$`, out)
	assert.Contains(t, out, "abc1234")

	// Re-running the same commit is fine with --exists-ok, an error without.
	_, _, err = kfpgo(t, append([]string{"pipeline", "create-version", file, "--pipeline", "car-training", "--name", "abc1234"}, conn...)...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already exists")
	_, stderr, err = kfpgo(t, append([]string{"pipeline", "create-version", file, "--pipeline", "car-training", "--name", "abc1234", "--exists-ok"}, conn...)...)
	require.NoError(t, err)
	assert.Contains(t, stderr, "already exists")

	out, _, err = kfpgo(t, append([]string{"pipeline", "list", "-o", "json"}, conn...)...)
	require.NoError(t, err)
	var ps []client.Pipeline
	require.NoError(t, json.Unmarshal([]byte(out), &ps))
	require.Len(t, ps, 1)
	assert.Equal(t, "car-training", ps[0].Name)

	// run create --wait: typed parameter, experiment created on the fly.
	out, stderr, err = kfpgo(t, append([]string{"run", "create", "--name", "train abc1234", "--experiment", "retraining", "--pipeline", "car-training",
		"--version", "abc1234", "--param", "epochs=20", "--wait", "--poll-interval", "1ms", "-o", "yaml"}, conn...)...)
	require.NoError(t, err, stderr)
	assert.Contains(t, stderr, "SUCCEEDED")
	assert.Contains(t, out, "state: SUCCEEDED")
	assert.Contains(t, out, "epochs: 20")

	// A string for an int parameter is refused before anything is sent.
	_, _, err = kfpgo(t, append([]string{"run", "create", "--name", "bad", "--pipeline", "car-training", "--param", "epochs=twenty"}, conn...)...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `parameter "epochs": is NUMBER_INTEGER but "twenty" is not an integer`)

	out, _, err = kfpgo(t, append([]string{"run", "list", "--experiment", "retraining"}, conn...)...)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	assert.Regexp(t, `^RUN ID\s+NAME\s+STATE`, lines[0])
	runID := strings.Fields(lines[1])[0]
	out, _, err = kfpgo(t, append([]string{"run", "get", runID, "-o", "json"}, conn...)...)
	require.NoError(t, err)
	assert.Contains(t, out, `"state": "SUCCEEDED"`)
	_, _, err = kfpgo(t, append([]string{"run", "wait", runID, "--poll-interval", "1ms"}, conn...)...)
	require.NoError(t, err)

	apply := func(cron string) (string, string, error) {
		return kfpgo(t, append([]string{"recurring-run", "apply", "--name", "car-training-nightly", "--experiment", "retraining",
			"--pipeline", "car-training", "--version", "abc1234", "--cron", cron, "--param", "epochs=20"}, conn...)...)
	}
	_, stderr, err = apply("0 0 2 * * *")
	require.NoError(t, err, stderr)
	assert.Contains(t, stderr, `"car-training-nightly" created`)
	_, stderr, err = apply("0 0 2 * * *")
	require.NoError(t, err)
	assert.Contains(t, stderr, "unchanged")
	out, stderr, err = apply("0 30 3 * * *")
	require.NoError(t, err)
	assert.Contains(t, stderr, "replaced")
	assert.Contains(t, stderr, "with ORPHAN")
	assert.Contains(t, out, "cron 0 30 3 * * *")
	require.Len(t, srv.CallsTo(http.MethodPost, "/apis/v2beta1/recurringruns"), 2)
	deletes := srv.CallsTo(http.MethodDelete, "/apis/v2beta1/recurringruns")
	require.Len(t, deletes, 1)
	assert.Equal(t, "propagation_policy=ORPHAN", deletes[0].Query)

	// A 5-field cron is refused with the corrected form.
	_, _, err = apply("0 2 * * *")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `write "0 0 2 * * *"`)
	for _, mc := range []string{"0", "11"} {
		_, _, err = kfpgo(t, append([]string{"recurring-run", "create", "--name", "x", "--experiment", "retraining", "--pipeline", "car-training",
			"--cron", "@daily", "--max-concurrency", mc}, conn...)...)
		require.Error(t, err, mc)
		assert.Contains(t, err.Error(), "between 1 and 10")
	}

	out, _, err = kfpgo(t, append([]string{"recurring-run", "list", "--experiment", "retraining"}, conn...)...)
	require.NoError(t, err)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2)
	rrID := strings.Fields(lines[1])[0]
	assert.Contains(t, lines[1], "ENABLED")
	out, _, err = kfpgo(t, append([]string{"recurring-run", "disable", rrID}, conn...)...)
	require.NoError(t, err)
	assert.Equal(t, "recurring run "+rrID+" disabled\n", out)
	out, _, err = kfpgo(t, append([]string{"recurring-run", "get", rrID, "-o", "json"}, conn...)...)
	require.NoError(t, err)
	assert.Contains(t, out, `"status": "DISABLED"`)
	_, _, err = kfpgo(t, append([]string{"recurring-run", "enable", rrID}, conn...)...)
	require.NoError(t, err)
	_, _, err = kfpgo(t, append([]string{"recurring-run", "delete", rrID, "--propagation-policy", "orphan"}, conn...)...)
	require.NoError(t, err)
	assert.Equal(t, "propagation_policy=ORPHAN", srv.CallsTo(http.MethodDelete, "/apis/v2beta1/recurringruns")[1].Query)

	out, _, err = kfpgo(t, append([]string{"experiment", "list"}, conn...)...)
	require.NoError(t, err)
	assert.Contains(t, out, "retraining")
	assert.Contains(t, out, "Default")

	// Unknown pipeline and bad token are surfaced clearly.
	_, _, err = kfpgo(t, append([]string{"run", "create", "--name", "x", "--pipeline", "nope"}, conn...)...)
	require.Error(t, err)
	assert.Equal(t, `pipeline "nope" not found`, err.Error())
	_, _, err = kfpgo(t, "pipeline", "list", "--endpoint", srv.URL, "--token", "wrong")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "401 Unauthorized: Unauthenticated")
	assert.NotContains(t, err.Error(), "wrong")

	_, _, err = kfpgo(t, append([]string{"pipeline", "delete", ps[0].PipelineID, "--cascade"}, conn...)...)
	require.NoError(t, err)
}

func TestServerVerbsNeedAnEndpoint(t *testing.T) {
	t.Setenv(client.EnvEndpoint, "")
	_, _, err := kfpgo(t, "experiment", "list")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--endpoint")
	_, _, err = kfpgo(t, "experiment", "list", "--endpoint", "http://x", "-o", "xml")
	assert.ErrorContains(t, err, `--output "xml"`)
}
