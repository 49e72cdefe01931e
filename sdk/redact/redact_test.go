package redact_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/redact"
)

func TestString(t *testing.T) {
	tests := []struct {
		name, in, want string
		secrets        []string
	}{
		{name: "url that parses", in: `dial postgres://u:hunter2@127.0.0.1:5432/db`, want: `dial postgres://u:xxxxx@127.0.0.1:5432/db`},
		{name: "bad port", in: `parse "postgres://u:hunter2@127.0.0.1:notaport/db": invalid port`, want: `parse "postgres://u:xxxxx@127.0.0.1:notaport/db": invalid port`},
		{name: "bad escape", in: `postgres://u:hun%zzter2@h/db`, want: `postgres://u:xxxxx@h/db`},
		{name: "unclosed ipv6", in: `postgres://u:hunter2@[::1/db`, want: `postgres://u:xxxxx@[::1/db`},
		{name: "at and slash in password", in: `redis://:p@ss/w0rd@h:6379/0 refused`, want: `redis://:xxxxx@h:6379/0 refused`},
		{name: "user kept", in: `http://bob:hunter2@host:notaport/`, want: `http://bob:xxxxx@host:notaport/`},
		{name: "libpq key=value", in: `host=h password='a b\'c' user=u`, want: `host=h password=xxxxx user=u`},
		{name: "pgconn backquoted DSN keeps its closing backquote", in: "cannot parse `host=h port=abc password=hunter2`: invalid port", want: "cannot parse `host=h port=abc password=xxxxx`: invalid port"},
		{name: "backquote inside a backquoted password", in: "cannot parse `host=h password=hun`ter2`: invalid port", want: "cannot parse `host=h password=xxxxx`: invalid port"},
		{name: "backquote ending a bare password", in: "host=h password=hunter2`", want: "host=h password=xxxxx"},
		{name: "backquoted password not followed by the span's end", in: "cannot parse `password=hun`ter2 host=h`", want: "cannot parse `password=xxxxx host=h`"},
		{name: "query parameter", in: `https://h/x?token=abc123&page_token=n`, want: `https://h/x?token=xxxxx&page_token=n`},
		{name: "json", in: `{"password": "s3cr\"et", "name": "x"}`, want: `{"password": "xxxxx", "name": "x"}`},
		{name: "bearer", in: `echo: Bearer eyJhbGciOi.J9.x-y_z`, want: `echo: Bearer xxxxx`},
		{name: "authorization header", in: `Authorization: Basic dTpodW50ZXIy`, want: `Authorization: Basic xxxxx`},
		{name: "header map", in: `map[Authorization:[Bearer tok123]]`, want: `map[Authorization:[Bearer xxxxx]]`},
		{name: "prose untouched", in: `the Authorization header was refused; check the token file`, want: `the Authorization header was refused; check the token file`},
		{name: "known secret anywhere", in: `user "tok-9f8e" denied (tok-9f8e)`, secrets: []string{"tok-9f8e"}, want: `user "xxxxx" denied (xxxxx)`},
		{name: "known secret escaped", in: `pass%2Fw%40rd and "pa\"ss"`, secrets: []string{"pass/w@rd", `pa"ss`}, want: `xxxxx and "xxxxx"`},
		{name: "short secret kept", in: `ab cd`, secrets: []string{"ab"}, want: `ab cd`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, redact.String(tt.in, tt.secrets...))
		})
	}
}

// TestStringDoesNotParse: every URL the standard library refuses still
// loses its password.
func TestStringDoesNotParse(t *testing.T) {
	for _, u := range []string{
		"postgres://u:hunter2@127.0.0.1:notaport/db",
		"postgres://u:hunter2%@127.0.0.1/db",
		"postgres://u:hunter2@[::1/db",
		"rediss://default:hunter2@h:-1",
		"http://bob:hunter2@host:notaport/",
		"postgres://u:hunter2@h\x7f/db",
	} {
		_, perr := url.Parse(u)
		require.Error(t, perr, u)
		for _, text := range []string{u, perr.Error(), fmt.Sprintf("%q", u)} {
			assert.NotContains(t, redact.String(text), "hunter2", text)
		}
	}
}

func TestError(t *testing.T) {
	base := errors.New("connect postgres://u:hunter2@h/db: refused by hunter2")
	err := redact.Error(fmt.Errorf("wrapped: %w", base), "hunter2")
	assert.Equal(t, "wrapped: connect postgres://u:xxxxx@h/db: refused by xxxxx", err.Error())
	assert.ErrorIs(t, err, base)
	assert.Nil(t, redact.Error(nil))
	// An error whose Unwrap is nil prints without %!w.
	assert.Equal(t, "outer: x", fmt.Errorf("outer: %w", redact.Error(errors.New("x"))).Error())
}

func TestClip(t *testing.T) {
	assert.Equal(t, "abc", redact.Clip("abc", 3))
	assert.Equal(t, "ab… (2 more bytes)", redact.Clip("abcd", 2))
	assert.Equal(t, "a… (4 more bytes)", redact.Clip("aéé", 2)) // never splits a rune
	long := strings.Repeat("x", 10000)
	assert.LessOrEqual(t, len(redact.Echo(long)), redact.EchoLimit+32)
	assert.Equal(t, "a b", redact.Echo("a\n\t b"))
}

func TestSecretsFromEnv(t *testing.T) {
	got := redact.SecretsFromEnv([]string{
		"KFPGO_POSTGRES_DSN=postgres://u:pgpass@h:notaport/db",
		"KFPGO_REDIS_PASSWORD=redispass",
		"KF_PIPELINES_TOKEN=kfptoken",
		"KF_PIPELINES_SA_TOKEN_PATH=/var/run/token",
		"MLFLOW_TRACKING_URI=http://bob:mlpass@host/",
		"PGPASSWORD=libpqpass",
		"HOME=/root",
		"PWD=/work",
		"OTHER=host=h password=kvpass",
	})
	assert.ElementsMatch(t, []string{"pgpass", "redispass", "kfptoken", "mlpass", "libpqpass", "kvpass"}, got)
}

func TestWriter(t *testing.T) {
	var out bytes.Buffer
	w := redact.NewWriter(&out, "sekrit")
	fmt.Fprint(w, "line one sek")
	fmt.Fprint(w, "rit\nline two postgres://u:p4ss@h/ ")
	assert.Equal(t, "line one xxxxx\n", out.String())
	require.NoError(t, w.Flush())
	assert.Equal(t, "line one xxxxx\nline two postgres://u:xxxxx@h/ ", out.String())
}

func TestStringBasic(t *testing.T) {
	assert.Equal(t, "echo Basic xxxxx here", redact.String("echo Basic dXNyOnB3LTE= here"))
	assert.Equal(t, "use Basic authentication", redact.String("use Basic authentication"))
}
