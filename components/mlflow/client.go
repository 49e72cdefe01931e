package mlflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
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

// APIPrefix is the path prefix of MLflow's REST API on a tracking server
// (docs: https://mlflow.org/docs/latest/rest-api.html).
const APIPrefix = "/api/2.0/mlflow"

// Environment variables MLflow's own client reads
// (mlflow/environment_variables.py); OptionsFromEnv reads the same names.
const (
	EnvTrackingURI      = "MLFLOW_TRACKING_URI"
	EnvTrackingToken    = "MLFLOW_TRACKING_TOKEN"
	EnvTrackingUsername = "MLFLOW_TRACKING_USERNAME"
	EnvTrackingPassword = "MLFLOW_TRACKING_PASSWORD"
	EnvInsecureTLS      = "MLFLOW_TRACKING_INSECURE_TLS"
	EnvServerCertPath   = "MLFLOW_TRACKING_SERVER_CERT_PATH"
	EnvMaxRetries       = "MLFLOW_HTTP_REQUEST_MAX_RETRIES"
	EnvRequestTimeout   = "MLFLOW_HTTP_REQUEST_TIMEOUT"
	EnvRunID            = "MLFLOW_RUN_ID"
	EnvExperimentName   = "MLFLOW_EXPERIMENT_NAME"
	EnvExperimentID     = "MLFLOW_EXPERIMENT_ID"
)

// Options configure a Client.
type Options struct {
	// TrackingURI is the server's base URL, e.g. "http://mlflow.mlflow:5000"
	// or "https://mlflow.example.com/prefix". Required. User info in the URL
	// ("https://user:pass@host") is taken as Username/Password and removed
	// from the URL.
	TrackingURI string
	// Token is sent as "Authorization: Bearer <token>" (MLFLOW_TRACKING_TOKEN).
	// Optional. Never logged and removed from error texts.
	Token string
	// Username and Password are sent as HTTP basic auth
	// (MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD). Optional. As in
	// MLflow's client (mlflow/utils/rest_utils.py), basic auth wins when both
	// it and Token are set. The password is never logged.
	Username, Password string
	// CAFile is a PEM bundle trusted in addition to the system roots
	// (MLFLOW_TRACKING_SERVER_CERT_PATH). Optional.
	CAFile string
	// InsecureSkipVerify turns TLS certificate checks off
	// (MLFLOW_TRACKING_INSECURE_TLS=true). Optional: defaults to false. MLflow
	// refuses it together with CAFile, and so does New.
	InsecureSkipVerify bool
	// Timeout bounds each HTTP request. Optional: defaults to 120s, MLflow's
	// MLFLOW_HTTP_REQUEST_TIMEOUT default. An artifact upload gets one more
	// second per 256 KiB of its size.
	Timeout time.Duration
	// Retries is the number of retries after an answer that can succeed
	// when sent again (429 and any 5xx) or a transport error. A 4xx answer,
	// 408 included, is returned at once: MLflow refuses the same request
	// the same way every time. Requests that create a run or a model
	// version are retried only on 429 and 503 and on connection failures,
	// where the server did not act; an artifact upload (a PUT that
	// overwrites) is retried like a read. Optional: defaults to 5; set -1
	// for none.
	Retries int
	// RetryBackoff is the first wait between retries, doubled each time up to
	// 30s, with ±20% jitter; a Retry-After header in seconds wins.
	// Optional: defaults to 500ms.
	RetryBackoff time.Duration
	// HTTPClient replaces the client built from CAFile, InsecureSkipVerify
	// and Timeout. Optional.
	HTTPClient *http.Client
	// Logger receives one debug line per request (method, path, status,
	// attempt; never headers or bodies). Optional: defaults to slog.Default().
	Logger *slog.Logger
	// UserAgent is sent as User-Agent. Optional: defaults to "kfpgo".
	UserAgent string
}

// OptionsFromEnv returns Options read from the MLFLOW_* variables MLflow's
// client reads: MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN,
// MLFLOW_TRACKING_USERNAME, MLFLOW_TRACKING_PASSWORD,
// MLFLOW_TRACKING_INSECURE_TLS ("true"/"1"), MLFLOW_TRACKING_SERVER_CERT_PATH,
// MLFLOW_HTTP_REQUEST_MAX_RETRIES and MLFLOW_HTTP_REQUEST_TIMEOUT (seconds).
// Unparsable numbers are ignored (defaults apply).
func OptionsFromEnv() Options {
	o := Options{
		TrackingURI: os.Getenv(EnvTrackingURI),
		Token:       os.Getenv(EnvTrackingToken),
		Username:    os.Getenv(EnvTrackingUsername),
		Password:    os.Getenv(EnvTrackingPassword),
		CAFile:      os.Getenv(EnvServerCertPath),
	}
	switch strings.ToLower(os.Getenv(EnvInsecureTLS)) {
	case "true", "1", "yes":
		o.InsecureSkipVerify = true
	}
	if n, err := strconv.Atoi(os.Getenv(EnvMaxRetries)); err == nil {
		o.Retries = n
		if n == 0 {
			o.Retries = -1
		}
	}
	if n, err := strconv.Atoi(os.Getenv(EnvRequestTimeout)); err == nil && n > 0 {
		o.Timeout = time.Duration(n) * time.Second
	}
	return o
}

// Client talks to an MLflow tracking server's REST API. It is safe for
// concurrent use.
type Client struct {
	base *url.URL
	opts Options
	hc   *http.Client
	log  *slog.Logger
}

// New returns a client for the server at opts.TrackingURI. It fails when the
// URI is not http(s), when the CA file cannot be read or holds no
// certificate, or when both CAFile and InsecureSkipVerify are set.
func New(opts Options) (*Client, error) {
	if opts.TrackingURI == "" {
		return nil, fmt.Errorf("MLflow tracking URI is not set: set %s (e.g. http://mlflow.mlflow:5000) or use a file: URI for a local store", EnvTrackingURI)
	}
	u, err := url.Parse(opts.TrackingURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("MLflow tracking URI %q is not an http(s) URL: use e.g. https://mlflow.example.com", redactURL(opts.TrackingURI))
	}
	if u.User != nil {
		if opts.Username == "" {
			opts.Username = u.User.Username()
		}
		if p, ok := u.User.Password(); ok && opts.Password == "" {
			opts.Password = p
		}
		u.User = nil
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	opts.TrackingURI = u.String()
	if opts.CAFile != "" && opts.InsecureSkipVerify {
		return nil, fmt.Errorf("%s and %s are both set: trust the server's CA with the first, or skip verification with the second, not both", EnvServerCertPath, EnvInsecureTLS)
	}
	if opts.Timeout == 0 {
		opts.Timeout = 120 * time.Second
	}
	if opts.Retries == 0 {
		opts.Retries = 5
	} else if opts.Retries < 0 {
		opts.Retries = 0
	}
	if opts.RetryBackoff == 0 {
		opts.RetryBackoff = 500 * time.Millisecond
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "kfpgo"
	}
	hc := opts.HTTPClient
	if hc == nil {
		var err error
		if hc, err = restclient.NewHTTPClient(restclient.TLS{CAFile: opts.CAFile, InsecureSkipVerify: opts.InsecureSkipVerify, Timeout: opts.Timeout}); err != nil {
			return nil, fmt.Errorf("MLflow server (%s): %w", EnvServerCertPath, err)
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Client{base: u, opts: opts, hc: hc, log: log}, nil
}

// TrackingURI returns the server's base URL without credentials.
func (c *Client) TrackingURI() string { return c.base.String() }

// MLflow error codes (mlflow/protos/databricks.proto ErrorCode) that the
// server sends in error bodies, with the HTTP status MLflow maps each to
// (mlflow/exceptions.py ERROR_CODE_TO_HTTP_STATUS).
const (
	ErrInvalidParameterValue  = "INVALID_PARAMETER_VALUE" // 400
	ErrResourceAlreadyExists  = "RESOURCE_ALREADY_EXISTS" // 400
	ErrResourceDoesNotExist   = "RESOURCE_DOES_NOT_EXIST" // 404
	ErrInvalidState           = "INVALID_STATE"           // 400
	ErrUnauthenticated        = "UNAUTHENTICATED"         // 401
	ErrPermissionDenied       = "PERMISSION_DENIED"       // 403
	ErrInternalError          = "INTERNAL_ERROR"          // 500
	ErrTemporarilyUnavailable = "TEMPORARILY_UNAVAILABLE" // 503
)

// Error is a failed MLflow call: a non-2xx answer of the REST API, or a
// refusal of the local file store with the error code MLflow's FileStore
// raises in the same case. Match with errors.As or IsErrorCode.
type Error struct {
	// Method and Path locate the call: "POST" and
	// "/api/2.0/mlflow/model-versions/create" for the REST API; "file" and
	// the directory for the file store.
	Method, Path string
	// StatusCode is the HTTP status; 0 for the file store.
	StatusCode int
	// ErrorCode is MLflow's error_code ("RESOURCE_ALREADY_EXISTS"…); empty
	// when the body had none (a proxy's or the auth plugin's plain-text
	// answer).
	ErrorCode string
	// Message is the server's message, with any credential removed.
	Message string
}

// Error formats the error as
// "MLflow <method> <path>: <status>: <error_code>: <message>", followed by
// how to fix it for 401 and 403.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "MLflow %s %s: ", e.Method, e.Path)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "%d %s: ", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.ErrorCode != "" {
		b.WriteString(e.ErrorCode + ": ")
	}
	msg := e.Message
	if msg == "" {
		msg = "(empty body)"
	}
	b.WriteString(msg)
	switch {
	case e.StatusCode == http.StatusUnauthorized || e.ErrorCode == ErrUnauthenticated:
		b.WriteString(" (the server rejected the credentials: set " + EnvTrackingToken + " to a valid token, or " + EnvTrackingUsername + "/" + EnvTrackingPassword + " for basic auth)")
	case e.StatusCode == http.StatusForbidden || e.ErrorCode == ErrPermissionDenied:
		b.WriteString(" (the user lacks permission: grant it EDIT on the experiment and MANAGE or EDIT on the registered model, or use another user's credentials)")
	}
	return b.String()
}

// IsErrorCode reports whether err is an *Error with MLflow error code code.
func IsErrorCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.ErrorCode == code
}

// IsNotFound reports whether err says the resource does not exist
// (RESOURCE_DOES_NOT_EXIST, or a bare 404).
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.ErrorCode == ErrResourceDoesNotExist || (e.ErrorCode == "" && e.StatusCode == http.StatusNotFound))
}

// IsAlreadyExists reports whether err is RESOURCE_ALREADY_EXISTS.
func IsAlreadyExists(err error) bool { return IsErrorCode(err, ErrResourceAlreadyExists) }

// UnreachableError says the tracking server could not be reached at all
// (DNS, refused connection, TLS handshake, timeout) after the retries.
type UnreachableError struct {
	// URL is the tracking URI, without credentials.
	URL string
	// Err is the last transport error.
	Err error
}

// Error says which server could not be reached and what to check.
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the MLflow tracking server at %s: %v (check %s and that the server runs and is reachable from here, e.g. `curl %s/health`)", e.URL, e.Err, EnvTrackingURI, e.URL)
}

// Unwrap returns the transport error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// redactURL removes user info from a URL string by pattern (sdk/redact),
// so a URL that does not parse loses its password too.
func redactURL(s string) string { return redact.String(s) }

// redact removes the client's credentials, and anything shaped like one,
// from s.
func (c *Client) redact(s string) string {
	return redact.String(s, c.opts.Token, c.opts.Password)
}

// parseError reads MLflow's error body {"error_code": …, "message": …}, or
// keeps a non-JSON body as the message.
func (c *Client) parseError(method, path string, status int, body []byte) *Error {
	e := &Error{Method: method, Path: path, StatusCode: status}
	var b struct {
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
	}
	if json.Unmarshal(body, &b) == nil && (b.ErrorCode != "" || b.Message != "") {
		e.ErrorCode, e.Message = b.ErrorCode, b.Message
	} else {
		e.Message = string(body)
	}
	e.Message = redact.Echo(e.Message, c.opts.Token, c.opts.Password)
	return e
}

type request struct {
	method string
	// prefix is the API root the path is below: APIPrefix when empty,
	// or ArtifactsPrefix.
	prefix string
	path   string // below prefix, e.g. "/runs/create"
	query  url.Values
	body   any
	// upload, when set, opens the raw request body (sent as
	// application/octet-stream with Content-Length size) afresh for each
	// attempt, so that a file streams from disk and is never buffered.
	upload func() (io.ReadCloser, error)
	size   int64
	// download, when set, receives the raw 2xx answer body instead of JSON
	// decoding; a broken transfer is not retried (bytes were written).
	download io.Writer
	// create marks a call that must not run twice: retried only where the
	// server surely did not act.
	create bool
}

// retryable says whether an answer with this status can succeed when sent
// again: 429 and the 5xx statuses. A 4xx refusal is final (MLflow answers
// a bad request the same way every time), so it is never retried. Requests
// that create an entity are retried only on 429 and 503, where the server
// did not act.
func retryable(r request, status int) bool {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		return true
	}
	if r.create {
		return false
	}
	return status >= 500 && status <= 599
}

// transferClient returns the HTTP client for an artifact upload or
// download of size bytes: the request timeout grows by one second per
// 256 KiB (a floor of 256 KiB/s), so that a large model is not cut off by
// the timeout meant for JSON calls. Downloads of unknown size get no
// client timeout and rely on the context.
func (c *Client) transferClient(size int64) *http.Client {
	hc := *c.hc
	if hc.Timeout > 0 {
		if size > 0 {
			hc.Timeout += time.Duration(size/(256<<10)+1) * time.Second
		} else {
			hc.Timeout = 0
		}
	}
	return &hc
}

// didNotConnect reports whether a transport error happened before the
// request reached the server.
func didNotConnect(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// do sends r, retrying as Options say, and decodes a 2xx JSON body into out
// (when out is non-nil).
func (c *Client) do(ctx context.Context, r request, out any) error {
	prefix := r.prefix
	if prefix == "" {
		prefix = APIPrefix
	}
	u := *c.base
	u.Path = c.base.Path + prefix + r.path
	u.RawPath = ""
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	apiPath := prefix + r.path
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("encoding the MLflow %s %s request: %w", r.method, apiPath, err)
		}
	}
	var lastErr error
	reached := false
	for attempt := 0; ; attempt++ {
		var body io.Reader
		if payload != nil {
			body = bytes.NewReader(payload)
		}
		var upload io.ReadCloser
		if r.upload != nil {
			f, oerr := r.upload()
			if oerr != nil {
				return fmt.Errorf("MLflow %s %s: opening the upload: %w", r.method, apiPath, oerr)
			}
			upload, body = f, f
		}
		req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
		if err != nil {
			if upload != nil {
				upload.Close()
			}
			return fmt.Errorf("MLflow %s %s: %w", r.method, apiPath, err)
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if upload != nil {
			req.ContentLength = r.size
			if r.size == 0 {
				req.Body, req.GetBody = http.NoBody, nil
				upload.Close()
			}
			req.Header.Set("Content-Type", "application/octet-stream")
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.opts.UserAgent)
		switch {
		case c.opts.Username != "" && c.opts.Password != "":
			req.SetBasicAuth(c.opts.Username, c.opts.Password)
		case c.opts.Token != "":
			req.Header.Set("Authorization", "Bearer "+c.opts.Token)
		}
		hc := c.hc
		if r.upload != nil || r.download != nil {
			hc = c.transferClient(r.size)
		}
		resp, err := hc.Do(req)
		var wait time.Duration
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("MLflow %s %s: %w", r.method, apiPath, ctx.Err())
			}
			msg := c.redact(err.Error())
			lastErr = &UnreachableError{URL: c.base.String(), Err: errors.New(msg)}
			if reached {
				lastErr = fmt.Errorf("MLflow %s %s: %s", r.method, apiPath, msg)
			}
			c.log.DebugContext(ctx, "mlflow api", "method", r.method, "path", apiPath, "attempt", attempt+1, "error", msg)
			if r.create && !didNotConnect(err) {
				return fmt.Errorf("MLflow %s %s: %s (not retried: the server may have acted)", r.method, apiPath, msg)
			}
		} else if r.download != nil && resp.StatusCode/100 == 2 {
			_, cerr := io.Copy(r.download, resp.Body)
			resp.Body.Close()
			c.log.DebugContext(ctx, "mlflow api", "method", r.method, "path", apiPath, "status", resp.StatusCode, "attempt", attempt+1)
			if cerr != nil {
				return fmt.Errorf("MLflow %s %s: reading the answer: %s", r.method, apiPath, c.redact(cerr.Error()))
			}
			return nil
		} else {
			reached = true
			data, rerr := restclient.ReadBody(resp.Body, restclient.MaxAnswerBytes)
			resp.Body.Close()
			c.log.DebugContext(ctx, "mlflow api", "method", r.method, "path", apiPath, "status", resp.StatusCode, "attempt", attempt+1)
			var tooLarge *restclient.TooLargeError
			switch {
			case errors.As(rerr, &tooLarge):
				return fmt.Errorf("MLflow %s %s: %d %s: %w", r.method, apiPath, resp.StatusCode, http.StatusText(resp.StatusCode), rerr)
			case rerr != nil:
				lastErr = fmt.Errorf("MLflow %s %s: reading the answer: %s", r.method, apiPath, c.redact(rerr.Error()))
			case resp.StatusCode/100 == 2:
				if out == nil || len(bytes.TrimSpace(data)) == 0 {
					return nil
				}
				if err := json.Unmarshal(data, out); err != nil {
					return fmt.Errorf("MLflow %s %s: decoding the answer: %w", r.method, apiPath, err)
				}
				return nil
			default:
				apiErr := c.parseError(r.method, apiPath, resp.StatusCode, data)
				if !retryable(r, resp.StatusCode) {
					return apiErr
				}
				lastErr = apiErr
				wait = restclient.RetryAfter(resp)
			}
		}
		if attempt >= c.opts.Retries {
			if attempt > 0 {
				return fmt.Errorf("giving up after %d attempts: %w", attempt+1, lastErr)
			}
			return lastErr
		}
		if wait == 0 {
			wait = restclient.Backoff(c.opts.RetryBackoff, attempt, 30*time.Second)
		}
		c.log.InfoContext(ctx, "mlflow api: retrying", "method", r.method, "path", apiPath, "attempt", attempt+1, "wait", wait.String(), "error", lastErr.Error())
		if err := restclient.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("MLflow %s %s: %w (last error: %v)", r.method, apiPath, err, lastErr)
		}
	}
}
