package client_test

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/client"
)

func TestTLSOptions(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"pipelines":[{"pipeline_id":"p1","name":"a"}]}`))
	}))
	defer ts.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600))
	ctx := context.Background()

	for _, tt := range []struct {
		name    string
		opts    client.Options
		wantErr string
	}{
		{name: "untrusted", opts: client.Options{Retries: -1}, wantErr: "certificate"},
		{name: "custom CA", opts: client.Options{CAFile: ca}},
		{name: "insecure", opts: client.Options{InsecureSkipVerify: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Endpoint = ts.URL
			c, err := client.New(tt.opts)
			require.NoError(t, err)
			r, err := c.ListPipelines(ctx, client.ListOptions{})
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "p1", r.Pipelines[0].PipelineID)
		})
	}
	_, err := client.New(client.Options{Endpoint: ts.URL, CAFile: filepath.Join(t.TempDir(), "missing.pem")})
	assert.ErrorContains(t, err, "reading the CA bundle")
}

func TestDialErrorsAreRetriedEvenForCreates(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there any more
	c, err := client.New(client.Options{Endpoint: url, Retries: 2, RetryBackoff: time.Millisecond})
	require.NoError(t, err)
	_, err = c.CreateExperiment(context.Background(), &client.Experiment{DisplayName: "x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "KFP API POST /apis/v2beta1/experiments")
	assert.Contains(t, err.Error(), "connection refused")
}
