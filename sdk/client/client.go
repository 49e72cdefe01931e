package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kfpgo/kfpgo/sdk/redact"
	"github.com/kfpgo/kfpgo/sdk/restclient"
)

// APIPrefix is the path prefix of KFP's REST API v2beta1.
const APIPrefix = "/apis/v2beta1"

// Environment variables read by OptionsFromEnv. KF_PIPELINES_ENDPOINT and
// KF_PIPELINES_SA_TOKEN_PATH are the names KFP's Python SDK reads.
const (
	EnvEndpoint  = "KF_PIPELINES_ENDPOINT"
	EnvToken     = "KF_PIPELINES_TOKEN"
	EnvTokenFile = "KF_PIPELINES_SA_TOKEN_PATH"
	EnvNamespace = "KF_PIPELINES_NAMESPACE"
)

// DefaultTokenFile is where KFP mounts a projected service-account token for
// pipeline pods (KFP SDK's KF_PIPELINES_SA_TOKEN_PATH default).
const DefaultTokenFile = "/var/run/secrets/kubeflow/pipelines/token"

// Options configure a Client.
type Options struct {
	// Endpoint is the base URL of the KFP API, e.g. "http://localhost:8888"
	// (a port-forward to ml-pipeline) or "https://kubeflow.example.com/pipeline".
	// Required.
	Endpoint string
	// Token is a bearer token sent as "Authorization: Bearer <token>".
	// Optional: defaults to none, or to TokenFile.
	Token string
	// TokenFile is a file holding the bearer token, re-read on every request
	// (kubelet rotates projected service-account tokens). Optional.
	TokenFile string
	// Namespace is the profile namespace of a multi-user install, sent on
	// uploads, experiment creation and lists. Optional: defaults to none
	// (single-user installs).
	Namespace string
	// CAFile is a PEM bundle trusted in addition to the system roots. Optional.
	CAFile string
	// InsecureSkipVerify turns TLS certificate checks off. Optional: defaults to false.
	InsecureSkipVerify bool
	// Timeout bounds each HTTP request. Optional: defaults to 60s.
	Timeout time.Duration
	// Retries is the number of retries after a 429, a 5xx or a transport
	// error. Optional: defaults to 4; set -1 for none.
	Retries int
	// RetryBackoff is the first wait between retries, doubled each time up to
	// 10s, with ±20% jitter; a Retry-After header wins. Optional: defaults to 250ms.
	RetryBackoff time.Duration
	// HTTPClient replaces the client built from CAFile/InsecureSkipVerify/Timeout. Optional.
	HTTPClient *http.Client
	// Logger receives one debug line per request (method, path, status,
	// attempt; never headers). Optional: defaults to slog.Default().
	Logger *slog.Logger
	// UserAgent is sent as User-Agent. Optional: defaults to "kfpgo".
	UserAgent string
}

// OptionsFromEnv returns Options with Endpoint, Token, TokenFile and
// Namespace read from KF_PIPELINES_ENDPOINT, KF_PIPELINES_TOKEN,
// KF_PIPELINES_SA_TOKEN_PATH and KF_PIPELINES_NAMESPACE.
func OptionsFromEnv() Options {
	return Options{
		Endpoint:  os.Getenv(EnvEndpoint),
		Token:     os.Getenv(EnvToken),
		TokenFile: os.Getenv(EnvTokenFile),
		Namespace: os.Getenv(EnvNamespace),
	}
}

// Client talks to a KFP API server. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	opts      Options
	hc        *http.Client
	log       *slog.Logger
	namespace string
}

var _ API = (*Client)(nil)

// New returns a client for the API at opts.Endpoint. It fails when the
// endpoint is not an http(s) URL or the CA file cannot be read.
func New(opts Options) (*Client, error) {
	if opts.Endpoint == "" {
		return nil, fmt.Errorf("KFP endpoint is not set: pass --endpoint or set %s (e.g. http://localhost:8888 after `kubectl port-forward svc/ml-pipeline 8888`)", EnvEndpoint)
	}
	ep := opts.Endpoint
	if !strings.Contains(ep, "://") {
		ep = "http://" + ep
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("KFP endpoint %q is not an http(s) URL: use e.g. https://kubeflow.example.com/pipeline", redact.Echo(opts.Endpoint, opts.Token))
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.Path = strings.TrimSuffix(u.Path, APIPrefix)
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.Retries == 0 {
		opts.Retries = 4
	} else if opts.Retries < 0 {
		opts.Retries = 0
	}
	if opts.RetryBackoff == 0 {
		opts.RetryBackoff = 250 * time.Millisecond
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "kfpgo"
	}
	hc := opts.HTTPClient
	if hc == nil {
		var err error
		if hc, err = restclient.NewHTTPClient(restclient.TLS{CAFile: opts.CAFile, InsecureSkipVerify: opts.InsecureSkipVerify, Timeout: opts.Timeout}); err != nil {
			return nil, err
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Client{base: u, opts: opts, hc: hc, log: log, namespace: opts.Namespace}, nil
}

// Namespace returns the namespace the client sends (Options.Namespace).
func (c *Client) Namespace() string { return c.namespace }

// APIError is a non-2xx answer of the API server.
type APIError struct {
	// Method and Path locate the request ("POST", "/apis/v2beta1/runs").
	Method, Path string
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the gRPC code of a google.rpc.Status body (5 NotFound,
	// 3 InvalidArgument, 16 Unauthenticated…); 0 when the body had none.
	Code int
	// Message is the server's message with credentials removed (the bearer
	// token, and anything shaped like a password or token: sdk/redact) and
	// clipped to redact.EchoLimit bytes: a proxy may echo the request's
	// Authorization header in its error page.
	Message string
	// Details holds google.rpc.Status details or the upload endpoint's
	// error_details, redacted and clipped like Message.
	Details string
}

// Error formats the error as "KFP API <method> <path>: <status>: <message>".
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "(empty body)"
	}
	return fmt.Sprintf("KFP API %s %s: %d %s: %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode), msg)
}

// IsNotFound reports whether err is an *APIError for a missing resource.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.StatusCode == http.StatusNotFound || e.Code == 5)
}

// parseErrorBody reads any of the API's error bodies.
func parseErrorBody(method, path string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: status}
	var st struct {
		Code         int               `json:"code"`
		Message      string            `json:"message"`
		Error        string            `json:"error"`
		Details      []json.RawMessage `json:"details"`
		ErrorMessage string            `json:"error_message"`
		ErrorDetails string            `json:"error_details"`
	}
	if json.Unmarshal(body, &st) == nil && (st.Message != "" || st.Error != "" || st.ErrorMessage != "" || st.Code != 0) {
		e.Code = st.Code
		switch {
		case st.Message != "":
			e.Message = st.Message
		case st.Error != "":
			e.Message = st.Error
		default:
			e.Message = st.ErrorMessage
		}
		e.Details = st.ErrorDetails
		if len(st.Details) > 0 {
			d, _ := json.Marshal(st.Details)
			e.Details = string(d)
		}
		return e
	}
	e.Message = strings.TrimSpace(string(body))
	return e
}

// request is one API call.
type request struct {
	method      string
	path        string // below APIPrefix, e.g. "/runs"
	query       url.Values
	body        []byte
	contentType string
	// create marks a non-idempotent call: retried only on 429 and 503.
	create bool
}

func (c *Client) token() (string, error) {
	if c.opts.Token != "" {
		return c.opts.Token, nil
	}
	if c.opts.TokenFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(c.opts.TokenFile)
	if err != nil {
		return "", fmt.Errorf("reading the bearer token file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// retryable reports whether an answer may be retried: 429 and 503 always,
// other 5xx for requests that create nothing. Authentication and
// permission failures never are, whatever the status: the HTTP 401 and 403
// of grpc-gateway, and a google.rpc.Status body with gRPC code 16
// (Unauthenticated) or 7 (PermissionDenied) that a proxy sent with another
// status; the same token would be refused again.
func retryable(r request, status int, e *APIError) bool {
	if status == http.StatusUnauthorized || status == http.StatusForbidden || e.Code == 16 || e.Code == 7 {
		return false
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		return true
	}
	return !r.create && status >= 500 && status != http.StatusNotImplemented
}

// do sends r, retrying as Options say, and decodes a 2xx JSON body into out
// (when out is non-nil).
func (c *Client) do(ctx context.Context, r request, out any) error {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + APIPrefix + r.path
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	}
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	tok, err := c.token()
	if err != nil {
		return err
	}
	apiPath := APIPrefix + r.path
	var lastErr error
	for attempt := 0; ; attempt++ {
		var body io.Reader
		if r.body != nil {
			body = bytes.NewReader(r.body)
		}
		req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
		if err != nil {
			return fmt.Errorf("KFP API %s %s: %w", r.method, apiPath, redact.Error(err, tok))
		}
		if r.body != nil {
			ct := r.contentType
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.opts.UserAgent)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := c.hc.Do(req)
		var wait time.Duration
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("KFP API %s %s: %w", r.method, apiPath, ctx.Err())
			}
			err = redact.Error(err, tok)
			lastErr = fmt.Errorf("KFP API %s %s: %w", r.method, apiPath, err)
			c.log.DebugContext(ctx, "kfp api", "method", r.method, "path", apiPath, "attempt", attempt+1, "error", err.Error())
			if r.create && !isDialError(err) {
				return lastErr // the server may have acted: do not create twice
			}
		} else {
			data, rerr := restclient.ReadBody(resp.Body, restclient.MaxAnswerBytes)
			resp.Body.Close()
			c.log.DebugContext(ctx, "kfp api", "method", r.method, "path", apiPath, "status", resp.StatusCode, "attempt", attempt+1)
			var tooLarge *restclient.TooLargeError
			if errors.As(rerr, &tooLarge) {
				return fmt.Errorf("KFP API %s %s: %d %s: %w", r.method, apiPath, resp.StatusCode, http.StatusText(resp.StatusCode), rerr)
			}
			if rerr != nil {
				lastErr = fmt.Errorf("KFP API %s %s: reading the answer: %w", r.method, apiPath, rerr)
			} else if resp.StatusCode/100 == 2 {
				if out == nil || len(bytes.TrimSpace(data)) == 0 {
					return nil
				}
				if err := json.Unmarshal(data, out); err != nil {
					return fmt.Errorf("KFP API %s %s: decoding the answer: %w", r.method, apiPath, err)
				}
				return nil
			} else {
				apiErr := parseErrorBody(r.method, apiPath, resp.StatusCode, data)
				apiErr.Message = redact.Echo(apiErr.Message, tok)
				apiErr.Details = redact.Echo(apiErr.Details, tok)
				if !retryable(r, resp.StatusCode, apiErr) {
					return apiErr
				}
				lastErr = apiErr
				wait = restclient.RetryAfter(resp)
			}
		}
		if attempt >= c.opts.Retries {
			return lastErr
		}
		if wait == 0 {
			wait = restclient.Backoff(c.opts.RetryBackoff, attempt, 10*time.Second)
		}
		if err := restclient.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("KFP API %s %s: %w (last error: %v)", r.method, apiPath, err, lastErr)
		}
	}
}

// isDialError reports whether the request never reached the server.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func (c *Client) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	return c.do(ctx, request{method: http.MethodGet, path: path, query: q}, out)
}

func (c *Client) sendJSON(ctx context.Context, method, path string, q url.Values, in, out any, create bool) error {
	var b []byte
	if in != nil {
		var err error
		if b, err = json.Marshal(in); err != nil {
			return fmt.Errorf("encoding the %s %s request: %w", method, APIPrefix+path, err)
		}
	}
	return c.do(ctx, request{method: method, path: path, query: q, body: b, create: create}, out)
}

// multipartFile builds a multipart/form-data body with one file field.
func multipartFile(field, filename string, content []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile(field, filename)
	if err != nil {
		return nil, "", err
	}
	if _, err := fw.Write(content); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// listQuery turns ListOptions into query parameters.
func (c *Client) listQuery(o ListOptions, withNamespace bool) (url.Values, error) {
	q := url.Values{}
	if o.PageToken != "" {
		q.Set("page_token", o.PageToken)
	}
	if o.PageSize > 0 {
		q.Set("page_size", strconv.Itoa(o.PageSize))
	}
	if o.SortBy != "" {
		q.Set("sort_by", o.SortBy)
	}
	if o.Filter != nil {
		b, err := json.Marshal(o.Filter)
		if err != nil {
			return nil, fmt.Errorf("encoding the list filter: %w", err)
		}
		q.Set("filter", string(b))
	}
	ns := o.Namespace
	if ns == "" {
		ns = c.namespace
	}
	if withNamespace && ns != "" {
		q.Set("namespace", ns)
	}
	if o.ExperimentID != "" {
		q.Set("experiment_id", o.ExperimentID)
	}
	return q, nil
}

// escape escapes one path segment.
func escape(s string) string { return url.PathEscape(s) }
