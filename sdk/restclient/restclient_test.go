package restclient

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBackoffDoublesCapsAndJitters(t *testing.T) {
	for attempt, base := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond} {
		w := Backoff(100*time.Millisecond, attempt, time.Second)
		assert.GreaterOrEqual(t, w, base*8/10)
		assert.Less(t, w, base*12/10)
	}
	w := Backoff(100*time.Millisecond, 10, time.Second)
	assert.GreaterOrEqual(t, w, 800*time.Millisecond)
	assert.Less(t, w, 1200*time.Millisecond)
	w = Backoff(time.Second, 70, 5*time.Second) // shift overflow
	assert.Less(t, w, 6*time.Second)
}

func TestRetryAfter(t *testing.T) {
	r := &http.Response{Header: http.Header{}}
	assert.Zero(t, RetryAfter(r))
	r.Header.Set("Retry-After", "3")
	assert.Equal(t, 3*time.Second, RetryAfter(r))
	r.Header.Set("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")
	assert.Zero(t, RetryAfter(r))
	assert.Zero(t, RetryAfter(nil))
}

func TestSleepStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, Sleep(ctx, time.Hour), context.Canceled)
	assert.NoError(t, Sleep(context.Background(), time.Millisecond))
}

func TestNewHTTPClientCAErrors(t *testing.T) {
	_, err := NewHTTPClient(TLS{CAFile: filepath.Join(t.TempDir(), "missing.pem")})
	assert.ErrorContains(t, err, "reading the CA bundle")
	bad := filepath.Join(t.TempDir(), "bad.pem")
	require.NoError(t, os.WriteFile(bad, []byte("not a certificate"), 0o600))
	_, err = NewHTTPClient(TLS{CAFile: bad})
	assert.ErrorContains(t, err, "holds no PEM certificate")
	c, err := NewHTTPClient(TLS{InsecureSkipVerify: true, Timeout: time.Second})
	require.NoError(t, err)
	assert.Equal(t, time.Second, c.Timeout)
	assert.True(t, c.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify)
}
