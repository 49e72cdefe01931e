package client_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/client"
)

const plantedToken = "tok-PLANTED-7f3a9c"

// TestClientRedactsEchoedAuthorization: a server (or a proxy in front of
// it) that echoes the Authorization header in a 401/403 body never gets the
// bearer token printed, in the error or the debug log, and long bodies are
// clipped.
func TestClientRedactsEchoedAuthorization(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		for _, body := range []string{
			"<html><body>denied: %s</body></html>",
			`{"code": 16, "message": "bad credentials %s"}`,
			`{"error_message": "no", "error_details": "header was %s"}`,
		} {
			t.Run(fmt.Sprintf("%d %s", status, body[:8]), func(t *testing.T) {
				var hits atomic.Int32
				ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					w.WriteHeader(status)
					fmt.Fprintf(w, body, r.Header.Get("Authorization")+" token="+plantedToken+" "+strings.Repeat("x", 2000))
				}))
				defer ts.Close()
				var logs bytes.Buffer
				c, err := client.New(client.Options{Endpoint: ts.URL, Token: plantedToken, RetryBackoff: time.Millisecond,
					Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
				require.NoError(t, err)
				_, err = c.GetRun(context.Background(), "r1")
				require.Error(t, err)
				assert.NotContains(t, err.Error(), plantedToken)
				assert.NotContains(t, logs.String(), plantedToken)
				assert.Contains(t, err.Error(), fmt.Sprintf("%d", status))
				assert.Less(t, len(err.Error()), 1200, "the body is clipped")
				assert.Equal(t, int32(1), hits.Load(), "authentication failures are not retried")
			})
		}
	}
}

// TestClientAuthFailureNotRetried: a 5xx that carries gRPC code 16
// (Unauthenticated) or 7 (PermissionDenied) is an authentication failure
// too, and is not retried; a plain 500 is.
func TestClientAuthFailureNotRetried(t *testing.T) {
	for _, tc := range []struct {
		body string
		want int32
	}{
		{`{"code": 16, "message": "Unauthenticated: token expired"}`, 1},
		{`{"code": 7, "message": "PermissionDenied: no access to namespace"}`, 1},
		{`{"code": 13, "message": "internal"}`, 3},
	} {
		var hits atomic.Int32
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, tc.body)
		}))
		c, err := client.New(client.Options{Endpoint: ts.URL, Token: plantedToken, Retries: 2, RetryBackoff: time.Millisecond})
		require.NoError(t, err)
		_, err = c.GetRun(context.Background(), "r1")
		require.Error(t, err)
		assert.Equal(t, tc.want, hits.Load(), tc.body)
		ts.Close()
	}
}

// TestClientAnswerTooLarge: an answer over the read limit is reported as
// such, not as a JSON syntax error of the cut body.
func TestClientAnswerTooLarge(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"run_id": "r1", "display_name": "`)
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for range 65 {
			w.Write(chunk)
		}
		fmt.Fprint(w, `"}`)
	}))
	defer ts.Close()
	c, err := client.New(client.Options{Endpoint: ts.URL, RetryBackoff: time.Millisecond})
	require.NoError(t, err)
	_, err = c.GetRun(context.Background(), "r1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "answer too large")
	assert.NotContains(t, err.Error(), "unexpected end of JSON input")
}

// TestClientEndpointNotParsed: an endpoint URL that does not parse loses
// its password in the message.
func TestClientEndpointNotParsed(t *testing.T) {
	for _, ep := range []string{"http://bob:hunter2@host:notaport/", "https://bob:hunter2@[::1/pipeline", "http://bob:hun%zzter2@host/"} {
		_, err := client.New(client.Options{Endpoint: ep})
		require.Error(t, err, ep)
		assert.NotContains(t, err.Error(), "hunter2")
		assert.NotContains(t, err.Error(), "hun%zzter2")
	}
}

// TestUserSuppliedNamesClipped: a huge parameter name or value is echoed
// in the message at most a few hundred bytes.
func TestUserSuppliedNamesClipped(t *testing.T) {
	huge := strings.Repeat("n", 100000)
	_, err := client.SplitParams([]string{huge})
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 400, err.Error()[:100])
	_, err = client.SplitParams([]string{huge + "=1", huge + "=2"})
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 400)
	pkg, err := client.ParsePackage([]byte(trainYAML))
	require.NoError(t, err)
	in, err := client.RootInputs(pkg.SpecObject())
	require.NoError(t, err)
	for _, name := range []string{"epochs", "learning_rate", "shuffle", "layers"} {
		_, err = client.ParseParameterValues(in, map[string]string{name: "x" + huge})
		require.Error(t, err, name)
		assert.Less(t, len(err.Error()), 600, "%s: %.200s", name, err.Error())
	}
}
