// Package redact removes credentials from text meant for people: error
// messages, log lines and echoed server answers. It is the one place that
// knows what a secret looks like; every kfpgo package that prints a
// connection setting, a server's answer or a wrapped library error passes
// it through here.
//
// Redaction works on patterns over the text, never on parsing it, so a URL
// that does not parse (a bad port, a bad %-escape, an unclosed IPv6 host)
// loses its password like one that does. [String] applies, in order:
//
//   - every known secret value given by the caller (and its URL-escaped and
//     Go-quoted spellings) is replaced by [Mask], when at least
//     [MinSecretLen] bytes long;
//   - the password of URL user info, scheme://user:password@, becomes
//     scheme://user:xxxxx@ (the user name is kept: it helps and is not a
//     secret);
//   - the value of a key=value or "key": "value" pair whose key names a
//     credential (password, passwd, pwd, sslpassword, secret, token,
//     access_token, refresh_token, id_token, api_key, apikey,
//     client_secret, aws_secret_access_key, aws_session_token,
//     x-amz-signature, x-amz-credential, x-amz-security-token) becomes xxxxx;
//   - the credentials after an HTTP authorization scheme, "Bearer …",
//     "Authorization: Basic …", and "Basic <b64>" where <b64> decodes to
//     user:password, become xxxxx.
//
// [Error] wraps an error so that its text is redacted while errors.Is and
// errors.As still see the original (a *pgconn.PgError's SQLSTATE, a
// *url.Error, a net.OpError). [Clip] bounds how much of a server's answer or
// a user-supplied name is echoed. [NewWriter] redacts a byte stream line by
// line (a component's stderr), and [SecretsFromEnv] collects the secret
// values a process was given in its environment.
package redact

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Mask replaces every redacted secret.
const Mask = "xxxxx"

// MinSecretLen is the shortest known secret value that String replaces
// wherever it occurs (3 bytes); shorter ones would mangle ordinary words.
// They are still removed where a pattern finds them (user info, key=value,
// authorization headers).
const MinSecretLen = 3

var (
	// scheme://user:password@ — the password runs to the last '@' before
	// white space or a quote, so a password holding an unescaped '@' or '/'
	// (a URL that does not parse) is covered too.
	userinfoRE = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.\-]*://[^\s/?#@:"'<>\x60]*):([^\s"'<>\x60]*)@`)
	// key=value and "key": "value" with a credential key.
	credKeys = `password|passwd|pwd|sslpassword|secret|token|access_token|refresh_token|id_token|api_key|apikey|api-key|client_secret|aws_secret_access_key|aws_session_token|x-amz-signature|x-amz-credential|x-amz-security-token`
	kvRE     = regexp.MustCompile(`(?i)\b(` + credKeys + `)(\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;,'"<>]+)`)
	jsonRE   = regexp.MustCompile(`(?i)("(?:` + credKeys + `)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
	// Authorization header values: "Bearer <token>", "Authorization: Basic <b64>".
	bearerRE = regexp.MustCompile(`(?i)\b(bearer)(\s+)[A-Za-z0-9\-._~+/]+=*`)
	// "Basic <base64 of user:password>", checked by decoding.
	basicRE = regexp.MustCompile(`\bBasic\s+[A-Za-z0-9+/]{4,}={0,2}`)
	authRE  = regexp.MustCompile(`(?i)\b(authorization["']?\s*[:=]\s*["'\[]?\s*(?:(?:basic|bearer|digest|token|negotiate)\s+)?)[^\s"',;}\]]+`)
)

// String returns s with the credentials it holds replaced by [Mask] (see the
// package documentation for the patterns), and every occurrence of each of
// the known secret values removed. Empty secrets are ignored.
func String(s string, secrets ...string) string {
	for _, sec := range spellings(secrets) {
		s = strings.ReplaceAll(s, sec, Mask)
	}
	s = userinfoRE.ReplaceAllString(s, "${1}:"+Mask+"@")
	s = replaceKV(s)
	s = jsonRE.ReplaceAllString(s, `${1}"`+Mask+`"`)
	s = authRE.ReplaceAllStringFunc(s, func(m string) string {
		loc := authRE.FindStringSubmatchIndex(m)
		return m[:loc[3]] + Mask
	})
	s = bearerRE.ReplaceAllString(s, "${1}${2}"+Mask)
	s = basicRE.ReplaceAllStringFunc(s, func(m string) string {
		i := strings.LastIndexAny(m, " \t")
		if b, err := base64.StdEncoding.DecodeString(m[i+1:]); err == nil && bytes.IndexByte(b, ':') > 0 {
			return m[:i+1] + Mask // base64 of user:password
		}
		return m
	})
	return s
}

// replaceKV masks the value of each credential key=value pair of s. A bare
// value runs to white space, so inside a backquoted span (pgconn quotes a
// DSN it cannot parse as `host=… password=…`: …) it would swallow the
// closing backquote and what follows it: when an odd number of backquotes
// precede the pair, the value's last backquote, and a ':' or '.' right
// after it, are kept after the mask. A backquote inside the password
// itself stays masked.
func replaceKV(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range kvRE.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(s[last:m[4]])
		b.WriteString(s[m[4]:m[5]]) // the separator
		b.WriteString(Mask)
		val := s[m[6]:m[7]]
		if strings.Count(s[:m[0]], "`")%2 == 1 {
			if i := strings.LastIndexByte(val, '`'); i >= 0 {
				if rest := val[i:]; rest == "`" || rest == "`:" || rest == "`." {
					b.WriteString(rest)
				}
			}
		}
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// spellings returns the secrets with their escaped forms, longest first so
// that a secret holding another is replaced whole.
func spellings(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		if len(s) < MinSecretLen {
			continue
		}
		q := strconv.Quote(s)
		out = append(out, s, url.QueryEscape(s), url.PathEscape(s), url.UserPassword("u", s).String()[2:], q[1:len(q)-1])
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

// Error returns err with its text redacted as String does, or nil for nil.
// The result wraps err: errors.Is and errors.As still find the original
// error and its chain (to read a SQLSTATE or an HTTP status); printing it
// prints only the redacted text. When nothing needs redacting it still
// wraps, so that an Unwrap that would return nil (pgconn's ParseConfigError
// without a cause) is never printed as %!w(<nil>).
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var r *redactedError
	if errors.As(err, &r) && len(secrets) == 0 && err == error(r) {
		return err
	}
	return &redactedError{msg: String(err.Error(), secrets...), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Clip returns s cut to at most n bytes (on a UTF-8 boundary) with
// "… (N more bytes)" appended when it was cut, for echoing a server's
// answer or a user-supplied name into a message.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "… (" + strconv.Itoa(len(s)-cut) + " more bytes)"
}

// EchoLimit is how many bytes of a server's error body or a user-supplied
// name kfpgo echoes into a message (512).
const EchoLimit = 512

// Echo is String followed by Clip to EchoLimit, with white space runs
// folded into single spaces: the form a server's error body takes in a
// one-line message.
func Echo(s string, secrets ...string) string {
	return Clip(strings.Join(strings.Fields(String(s, secrets...)), " "), EchoLimit)
}

// secretEnvRE matches environment variable names that hold a credential.
var secretEnvRE = regexp.MustCompile(`(?i)(password|passwd|pwd|token|secret|credential|_key$|^key$|dsn|_url$|_uri$|_endpoint$)`)

// SecretsFromEnv returns the secret values in environ ("NAME=value" pairs,
// as os.Environ returns): the values of variables whose names hold
// PASSWORD, PASSWD, PWD, TOKEN, SECRET, CREDENTIAL or end in _KEY, and the
// passwords found in any value by the user-info and key=value patterns (a
// DSN or URL in KFPGO_POSTGRES_DSN, KFPGO_REDIS_URL, MLFLOW_TRACKING_URI…).
// Variables named *_URL, *_URI, *_ENDPOINT and *DSN contribute only the
// passwords inside them, not their whole value; *_PATH and *_FILE (a token
// file's path) contribute only those too.
func SecretsFromEnv(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || val == "" || name == "PWD" || name == "OLDPWD" || strings.HasSuffix(name, "_PATH") || strings.HasSuffix(name, "_FILE") {
			continue
		}
		if m := secretEnvRE.FindString(name); m != "" {
			switch strings.ToLower(m) {
			case "dsn", "_url", "_uri", "_endpoint":
			default:
				out = append(out, val)
			}
		}
		out = append(out, Passwords(val)...)
	}
	return out
}

// Passwords returns the passwords the patterns of String find in s (URL
// user info and credential key=value pairs), unescaped when they are
// %-escaped, so that callers can remove them from texts that spell them
// differently.
func Passwords(s string) []string {
	var out []string
	for _, m := range userinfoRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[2])
		if u, err := url.PathUnescape(m[2]); err == nil && u != m[2] {
			out = append(out, u)
		}
	}
	for _, m := range kvRE.FindAllStringSubmatch(s, -1) {
		v := m[3]
		if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') {
			v = v[1 : len(v)-1]
		}
		out = append(out, v)
	}
	return out
}

// Writer redacts what is written through it line by line before passing it
// on; a partial last line is held until Flush. It is safe for concurrent
// use.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	secrets []string
	buf     []byte
}

// NewWriter returns a Writer over w that removes the given secrets and the
// String patterns from every line.
func NewWriter(w io.Writer, secrets ...string) *Writer {
	return &Writer{w: w, secrets: secrets}
}

// Write buffers p and writes every complete line, redacted. It reports
// len(p) written unless the underlying writer fails.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	i := bytes.LastIndexByte(w.buf, '\n')
	if i < 0 {
		if len(w.buf) < 64<<10 {
			return len(p), nil
		}
		i = len(w.buf) - 1 // a very long line: pass it on now
	}
	out := String(string(w.buf[:i+1]), w.secrets...)
	w.buf = append(w.buf[:0], w.buf[i+1:]...)
	if _, err := io.WriteString(w.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes the held partial line, redacted.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) == 0 {
		return nil
	}
	out := String(string(w.buf), w.secrets...)
	w.buf = w.buf[:0]
	_, err := io.WriteString(w.w, out)
	return err
}
