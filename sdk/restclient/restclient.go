// Package restclient holds the HTTP plumbing shared by kfpgo's REST clients
// (the KFP API client in sdk/client and the MLflow client in
// components/mlflow): an *http.Client with an extra CA bundle or
// certificate checks turned off, and the retry wait — exponential backoff
// with ±20% jitter, overridden by a Retry-After header in seconds
// (RFC 9110 §10.2.3) — slept in a context-aware way.
//
// Each client keeps its own error bodies, retry rules and messages; only
// the mechanics live here.
package restclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"time"
)

// TLS configures NewHTTPClient.
type TLS struct {
	// CAFile is a PEM bundle trusted in addition to the system roots.
	// Optional.
	CAFile string
	// InsecureSkipVerify turns certificate checks off. Optional.
	InsecureSkipVerify bool
	// Timeout bounds each request (http.Client.Timeout). Optional: 0 means
	// none.
	Timeout time.Duration
}

// NewHTTPClient returns a client on a clone of http.DefaultTransport with
// the CA bundle added to the system roots and/or verification disabled.
//
// Errors: the CA file cannot be read (wrapping the os error), or it holds
// no PEM certificate.
func NewHTTPClient(o TLS) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if o.CAFile != "" || o.InsecureSkipVerify {
		cfg := &tls.Config{InsecureSkipVerify: o.InsecureSkipVerify} //nolint:gosec // explicit user choice
		if o.CAFile != "" {
			pem, err := os.ReadFile(o.CAFile)
			if err != nil {
				return nil, fmt.Errorf("reading the CA bundle: %w", err)
			}
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("CA bundle %s holds no PEM certificate", o.CAFile)
			}
			cfg.RootCAs = pool
		}
		tr.TLSClientConfig = cfg
	}
	return &http.Client{Transport: tr, Timeout: o.Timeout}, nil
}

// RetryAfter returns the wait a response's Retry-After header asks for when
// it is a number of seconds, else 0.
func RetryAfter(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// Backoff is the wait before retry number attempt+1: first doubled attempt
// times, capped at max, then scaled by a random factor in [0.8, 1.2).
func Backoff(first time.Duration, attempt int, max time.Duration) time.Duration {
	wait := first << attempt
	if wait > max || wait <= 0 {
		wait = max
	}
	return time.Duration(float64(wait) * (0.8 + 0.4*rand.Float64()))
}

// Sleep waits d or until ctx ends, returning ctx.Err() in that case.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// MaxAnswerBytes is the largest answer body the REST clients read (64 MiB):
// KFP's largest answers (a run with its full run details, a pipeline
// version holding a 32 MiB pipeline spec) fit well below it.
const MaxAnswerBytes = 64 << 20

// TooLargeError is an answer body longer than the read limit.
type TooLargeError struct {
	// Limit is the read limit in bytes.
	Limit int64
}

// Error says "answer too large: over <n> MiB".
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("answer too large: over %d MiB, the client's read limit (a page of a list answer too large can be made smaller with a smaller page size)", e.Limit>>20)
}

// ReadBody reads all of r, up to limit bytes. A body longer than limit is
// a *TooLargeError, not a silently cut body (which would fail later as
// "unexpected end of JSON input"); other errors are r's read errors.
func ReadBody(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return data, err
	}
	if int64(len(data)) > limit {
		return data[:limit], &TooLargeError{Limit: limit}
	}
	return data, nil
}
