package secretcorpus_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/components/testenv"
)

// The planted secrets. The user name is not a secret (messages keep it).
const (
	plantedPassword = "pw-PLANTED-51c7"
	plantedToken    = "tok-PLANTED-93ae"
	plantedUserinfo = "pwui-PLANTED-d04b" // the password of every user:pass@
	user            = "alice"
	redisPassword   = "right-redis-pw"
)

// secrets are the strings no output line may hold: the planted values and
// the base64 of the basic-auth pairs built from them.
var secrets = []string{plantedPassword, plantedToken, plantedUserinfo,
	base64.StdEncoding.EncodeToString([]byte(user + ":" + plantedUserinfo)),
	base64.StdEncoding.EncodeToString([]byte(user + ":" + plantedPassword)),
}

var (
	pg  *testenv.Postgres
	rd  *testenv.Redis
	bin string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kfpgo-secretcorpus-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = dir
	build := exec.Command("go", "build", "-o", dir+string(os.PathSeparator),
		"github.com/kfpgo/kfpgo/cmd/kfpgo", "github.com/kfpgo/kfpgo/cmd/prepare-data",
		"github.com/kfpgo/kfpgo/cmd/materialize-features", "github.com/kfpgo/kfpgo/cmd/register-model",
		"github.com/kfpgo/kfpgo/cmd/cartrain-steps")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "secret corpus: building the binaries: %v\n%s", err, out)
		os.Exit(1)
	}
	code := testenv.RunTests(m, &pg, &rd)
	os.RemoveAll(dir)
	os.Exit(code)
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	return addr
}

// echoServer answers every request with status and a body that echoes the
// request's Authorization header, URL and a few credential-shaped fields,
// as a misconfigured proxy would.
func echoServer(t *testing.T, status int, tlsOn bool) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		user, pass, _ := r.BasicAuth()
		fmt.Fprintf(w, `{"code": 16, "message": "denied %s for %s (user %s, pass %s) %s", "error_code": "UNAUTHENTICATED", "error_message": "%s", "error_details": "%s"}`,
			r.Header.Get("Authorization"), r.URL.String(), user, pass, r.Header.Get("X-Amz-Security-Token"),
			r.Header.Get("Authorization"), r.Header.Get("Authorization"))
	})
	var s *httptest.Server
	if tlsOn {
		s = httptest.NewTLSServer(h)
	} else {
		s = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

type runCase struct {
	name string
	args []string
	env  []string
}

// run executes a binary with only the given environment (plus PATH and
// HOME) and returns its stdout and stderr.
func run(t *testing.T, c runCase) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, c.args[0]), c.args[1:]...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir()}, c.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "%s did not end", c.name)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return out.String(), code
}

// assertClean fails for every output line holding a planted secret.
func assertClean(t *testing.T, name, out string) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		for _, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("%s: line %d holds the planted secret %q:\n%s", name, i+1, s, line)
			}
		}
	}
}

// executorInput writes an ExecutorInput JSON for a component run and
// returns "@file".
func executorInput(t *testing.T, params map[string]string, artifacts string, outputs string) string {
	t.Helper()
	dir := t.TempDir()
	var p []string
	for k, v := range params {
		p = append(p, fmt.Sprintf("%q: %q", k, v))
	}
	js := fmt.Sprintf(`{"inputs": {"parameterValues": {%s}%s}, "outputs": {%s, "outputFile": %q}}`,
		strings.Join(p, ", "), artifacts, strings.ReplaceAll(outputs, "DIR", dir), filepath.Join(dir, "executor_output.json"))
	f := filepath.Join(dir, "input.json")
	require.NoError(t, os.WriteFile(f, []byte(js), 0o600))
	return "@" + f
}

// passwordAuth makes PostgreSQL ask role pwuser for its password (SCRAM)
// and Redis require redisPassword, so that wrong credentials are refused.
func passwordAuth(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg.DSN)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `DO $$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pwuser') THEN CREATE ROLE pwuser LOGIN PASSWORD 'rightpw'; END IF;
	END $$`)
	require.NoError(t, err)
	hba := filepath.Join(pg.Dir, "data", "pg_hba.conf")
	old, err := os.ReadFile(hba)
	require.NoError(t, err)
	if !strings.Contains(string(old), "pwuser") {
		require.NoError(t, os.WriteFile(hba, append([]byte("host all pwuser 127.0.0.1/32 scram-sha-256\n"), old...), 0o600))
	}
	_, err = conn.Exec(ctx, "SELECT pg_reload_conf()")
	require.NoError(t, err)
	wrong := fmt.Sprintf("postgres://pwuser:x@127.0.0.1:%d/postgres?sslmode=disable", pg.Port)
	require.Eventually(t, func() bool {
		c, err := pgx.Connect(ctx, wrong)
		if err == nil {
			c.Close(ctx)
		}
		return err != nil && strings.Contains(err.Error(), "28P01")
	}, 30*time.Second, 50*time.Millisecond)

	opt, err := redis.ParseURL(rd.URL)
	require.NoError(t, err)
	rc := redis.NewClient(opt)
	defer rc.Close()
	if err := rc.Ping(ctx).Err(); err == nil {
		require.NoError(t, rc.ConfigSet(ctx, "requirepass", redisPassword).Err())
	}
}

// TestPlantedSecretsNeverPrinted drives every failure path of every
// connection setting of the CLI and the components with planted secrets.
func TestPlantedSecretsNeverPrinted(t *testing.T) {
	passwordAuth(t)
	closed := closedPort(t)
	e401, e403, e500 := echoServer(t, 401, false), echoServer(t, 403, false), echoServer(t, 500, false)
	etls := echoServer(t, 200, true)
	hostOf := func(s *httptest.Server) string {
		return strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://")
	}
	ui := user + ":" + plantedUserinfo + "@"

	// Settings read by every binary whatever the case.
	common := []string{
		"PGPASSWORD=" + plantedPassword,
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY=" + plantedPassword,
		"AWS_SESSION_TOKEN=" + plantedToken,
		"KFPGO_REDIS_PASSWORD=" + plantedPassword,
		"MLFLOW_TRACKING_TOKEN=" + plantedToken,
		"KF_PIPELINES_TOKEN=" + plantedToken,
		"MLFLOW_HTTP_REQUEST_MAX_RETRIES=1",
	}
	var cases []runCase

	// PostgreSQL DSN (prepare-data, materialize-features, cartrain-steps).
	goodDSN := pg.DSN
	dsns := map[string]string{
		"dsn bad port":         "postgres://" + ui + "127.0.0.1:notaport/db",
		"dsn bad escape":       "postgres://" + user + ":" + plantedUserinfo + "%zz@127.0.0.1:5432/db",
		"dsn unclosed ipv6":    "postgres://" + ui + "[::1/db",
		"dsn key=value":        "host=127.0.0.1 port=notaport user=alice password=" + plantedUserinfo,
		"dsn refused":          "postgres://" + ui + closed + "/db?connect_timeout=2",
		"dsn wrong password":   fmt.Sprintf("postgres://pwuser:%s@127.0.0.1:%d/postgres?sslmode=disable", plantedUserinfo, pg.Port),
		"dsn TLS refused":      fmt.Sprintf("postgres://pwuser:%s@127.0.0.1:%d/postgres?sslmode=require", plantedUserinfo, pg.Port),
		"dsn password in PGPW": fmt.Sprintf("postgres://pwuser@127.0.0.1:%d/postgres?sslmode=disable", pg.Port),
	}
	csv := filepath.Join(t.TempDir(), "d.csv")
	require.NoError(t, os.WriteFile(csv, []byte("a,b\n1,2\n"), 0o644))
	pdOut := `"artifacts": {"dataset": {"artifacts": [{"uri": "DIR/dataset", "type": {"schemaTitle": "system.Dataset"}}]}, "metrics": {"artifacts": [{"uri": "DIR/metrics", "type": {"schemaTitle": "system.Metrics"}}]}}, "parameters": {"rows_loaded": {"outputFile": "DIR/rows_loaded"}}`
	mfIn := `, "artifacts": {"dataset": {"artifacts": [{"uri": "file:///tmp/none", "type": {"schemaTitle": "system.Dataset"}, "metadata": {"table": "public.corpus"}}]}}`
	mfOut := `"artifacts": {"metrics": {"artifacts": [{"uri": "DIR/metrics", "type": {"schemaTitle": "system.Metrics"}}]}}, "parameters": {"entities_written": {"outputFile": "DIR/entities_written"}}`
	for name, dsn := range dsns {
		env := append([]string{"KFPGO_POSTGRES_DSN=" + dsn, "KFPGO_REDIS_URL=redis://" + ui + rd.Addr + "/0"}, common...)
		cases = append(cases,
			runCase{"prepare-data " + name, []string{"prepare-data", "--executor_input", executorInput(t, map[string]string{"source_uri": csv, "table": "public.corpus"}, "", pdOut)}, env},
			runCase{"materialize-features " + name, []string{"materialize-features", "--executor_input", executorInput(t, map[string]string{"feature_view": "fv", "features": "[\"a\"]"}, mfIn, mfOut)}, env},
		)
	}

	// The dataset URI of prepare-data: http(s) with user info, S3 with keys.
	for name, src := range map[string]string{
		"source bad port":  "http://" + ui + "127.0.0.1:notaport/d.csv",
		"source refused":   "http://" + ui + closed + "/d.csv",
		"source 401":       "http://" + ui + hostOf(e401) + "/d.csv?token=" + plantedToken,
		"source 500":       "http://" + ui + hostOf(e500) + "/d.csv",
		"source TLS":       "https://" + ui + hostOf(etls) + "/d.csv",
		"source s3 403":    "s3://bucket/d.csv",
		"source bad escap": "http://" + user + ":" + plantedUserinfo + "%zz@127.0.0.1/d.csv",
	} {
		env := append([]string{"KFPGO_POSTGRES_DSN=" + goodDSN, "AWS_ENDPOINT_URL=http://" + ui + hostOf(e403), "AWS_REGION=us-east-1"}, common...)
		cases = append(cases, runCase{"prepare-data " + name, []string{"prepare-data", "--executor_input", executorInput(t, map[string]string{"source_uri": src, "table": "public.corpus"}, "", pdOut)}, env})
	}

	// The Redis URL of materialize-features (PostgreSQL reachable, table
	// created by the first successful prepare-data below).
	for name, u := range map[string]string{
		"redis bad port":        "redis://" + ui + "127.0.0.1:notaport/0",
		"redis bad escape":      "redis://" + user + ":" + plantedUserinfo + "%zz@" + rd.Addr + "/0",
		"redis unclosed ipv6":   "rediss://" + ui + "[::1/0",
		"redis refused":         "redis://" + ui + closed + "/0",
		"redis wrong password":  "redis://default:" + plantedUserinfo + "@" + rd.Addr + "/0",
		"redis password by env": "redis://" + rd.Addr + "/0",
		"redis TLS":             "rediss://default:" + plantedUserinfo + "@" + rd.Addr + "/0",
	} {
		env := append([]string{"KFPGO_POSTGRES_DSN=" + goodDSN, "KFPGO_REDIS_URL=" + u}, common...)
		cases = append(cases, runCase{"materialize-features " + name, []string{"materialize-features", "--executor_input", executorInput(t, map[string]string{"feature_view": "fv", "features": "[\"a\"]"}, mfIn, mfOut)}, env})
	}

	// The MLflow tracking URI, token and basic auth of register-model.
	model := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(model, "model.json"), []byte(`{}`), 0o644))
	rmIn := fmt.Sprintf(`, "artifacts": {"model": {"artifacts": [{"uri": "file://%s", "type": {"schemaTitle": "system.Model"}}]}}`, model)
	rmOut := `"parameters": {"version": {"outputFile": "DIR/version"}, "model_uri": {"outputFile": "DIR/model_uri"}}`
	for name, u := range map[string]string{
		"mlflow bad port":     "http://" + ui + "127.0.0.1:notaport/",
		"mlflow bad escape":   "http://" + user + ":" + plantedUserinfo + "%zz@127.0.0.1/",
		"mlflow unclosed v6":  "http://" + ui + "[::1/",
		"mlflow refused":      "http://" + ui + closed + "/",
		"mlflow 401":          "http://" + ui + hostOf(e401) + "/",
		"mlflow 403":          "http://" + ui + hostOf(e403) + "/",
		"mlflow 500":          "http://" + ui + hostOf(e500) + "/",
		"mlflow TLS":          "https://" + ui + hostOf(etls) + "/",
		"mlflow file remote":  "file://" + ui + "remotehost/mlruns",
		"mlflow token 401":    e401.URL,
		"mlflow basic by env": e403.URL,
	} {
		env := append([]string{"MLFLOW_TRACKING_URI=" + u}, common...)
		if strings.HasSuffix(name, "by env") {
			env = append(env, "MLFLOW_TRACKING_USERNAME="+user, "MLFLOW_TRACKING_PASSWORD="+plantedPassword)
		}
		cases = append(cases, runCase{"register-model " + name, []string{"register-model", "--executor_input", executorInput(t, map[string]string{"model_name": "cars"}, rmIn, rmOut)}, env})
	}

	// The KFP endpoint and token of the CLI (environment, flags, token file).
	tokFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokFile, []byte(plantedToken+"\n"), 0o600))
	for name, ep := range map[string]string{
		"kfp bad port":     "http://" + ui + "127.0.0.1:notaport/",
		"kfp bad escape":   "http://" + user + ":" + plantedUserinfo + "%zz@127.0.0.1/",
		"kfp unclosed v6":  "https://" + ui + "[::1/pipeline",
		"kfp refused":      "http://" + ui + closed,
		"kfp 401":          "http://" + ui + hostOf(e401),
		"kfp 403":          e403.URL,
		"kfp 500":          e500.URL,
		"kfp TLS":          "https://" + ui + hostOf(etls),
		"kfp token file":   e401.URL,
		"kfp token flag":   e403.URL,
		"kfp help default": "http://" + ui + hostOf(e401),
	} {
		env := append([]string{"KF_PIPELINES_ENDPOINT=" + ep}, common...)
		args := []string{"kfpgo", "pipeline", "list", "--retries", "0", "--request-timeout", "10s"}
		switch name {
		case "kfp token file":
			env = append([]string{"KF_PIPELINES_ENDPOINT=" + ep, "KF_PIPELINES_SA_TOKEN_PATH=" + tokFile}, "PGPASSWORD="+plantedPassword)
		case "kfp token flag":
			args = append(args, "--token", plantedToken)
		case "kfp help default":
			args = append(args, "--help")
		}
		cases = append(cases, runCase{name, args, env})
		if name == "kfp 500" || name == "kfp 401" {
			cases = append(cases, runCase{name + " run get", []string{"kfpgo", "run", "get", "run-" + plantedToken[:3], "--retries", "1", "-o", "json"}, env})
		}
	}

	// The first case loads a table, so that materialize-features reaches
	// Redis in the Redis cases.
	out, code := run(t, runCase{"prepare-data ok", []string{"prepare-data", "--executor_input", executorInput(t, map[string]string{"source_uri": csv, "table": "public.corpus"}, "", pdOut)},
		append([]string{"KFPGO_POSTGRES_DSN=" + goodDSN}, common...)})
	require.Equal(t, 0, code, out)
	assertClean(t, "prepare-data ok", out)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, code := run(t, c)
			assertClean(t, c.name, out)
			if !strings.HasSuffix(c.name, "help default") {
				require.NotEqual(t, 0, code, "%s should fail:\n%s", c.name, out)
			}
			t.Logf("%s (exit %d): %s", c.name, code, out)
		})
	}
}
