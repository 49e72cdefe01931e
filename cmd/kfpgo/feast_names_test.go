package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
)

// loadFeaturesPy is run by python3 on a generated features.py: it parses
// the file, refuses a variable that is a keyword (soft keywords too), an
// imported name or a builtin, or that is assigned twice, then runs the file
// against stand-ins for the feast modules (Feast itself is not installable
// here) and prints, as JSON, every FeatureView built: its name, its
// entities' names and join keys, its features, its ttl in seconds and its
// source's name and timestamp field.
const loadFeaturesPy = `
import ast, builtins, json, keyword, sys, types, datetime
path = sys.argv[1]
src = open(path).read()
tree = ast.parse(src, path)
imported = set()
for n in ast.walk(tree):
    if isinstance(n, (ast.Import, ast.ImportFrom)):
        imported |= {a.asname or a.name.split(".")[0] for a in n.names}
assigned = [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets]
soft = set(getattr(keyword, "softkwlist", [])) | {"match", "case", "_", "type"}
bad = [a for a in assigned if keyword.iskeyword(a) or a in soft or a in imported or hasattr(builtins, a)]
if bad:
    sys.exit("variables shadow keywords, imports or builtins: %r" % bad)
if len(assigned) != len(set(assigned)):
    sys.exit("a variable is assigned twice: %r" % assigned)

class Obj:
    def __init__(self, *args, **kw):
        if args:
            raise TypeError("positional arguments: %r" % (args,))
        self.kw = kw
def stand_in(name):
    return type(name, (Obj,), {})
mods = {}
for name in ["feast", "feast.types", "feast.infra", "feast.infra.offline_stores",
             "feast.infra.offline_stores.contrib",
             "feast.infra.offline_stores.contrib.postgres_offline_store",
             "feast.infra.offline_stores.contrib.postgres_offline_store.postgres_source"]:
    mods[name] = sys.modules[name] = types.ModuleType(name)
feast = mods["feast"]
feast.Entity, feast.FeatureView, feast.Field = stand_in("Entity"), stand_in("FeatureView"), stand_in("Field")
feast.ValueType = types.SimpleNamespace(STRING="STRING", INT64="INT64", INT32="INT32")
for t in ["Int64", "Int32", "Float64", "Float32", "String", "Bool", "Bytes", "UnixTimestamp"]:
    setattr(mods["feast.types"], t, t)
src_mod = mods["feast.infra.offline_stores.contrib.postgres_offline_store.postgres_source"]
src_mod.PostgreSQLSource = stand_in("PostgreSQLSource")
ns = {"__name__": "features"}
exec(compile(src, path, "exec"), ns)
views = []
for v in ns.values():
    if not isinstance(v, feast.FeatureView):
        continue
    k = v.kw
    assert all(isinstance(e, feast.Entity) for e in k["entities"]), k["entities"]
    assert all(isinstance(f, feast.Field) for f in k["schema"]), k["schema"]
    assert isinstance(k["source"], src_mod.PostgreSQLSource), k["source"]
    assert isinstance(k["ttl"], datetime.timedelta), k["ttl"]
    views.append({
        "name": k["name"],
        "entities": [e.kw["name"] for e in k["entities"]],
        "join_keys": [j for e in k["entities"] for j in e.kw["join_keys"]],
        "features": [f.kw["name"] for f in k["schema"]],
        "dtypes": [f.kw["dtype"] for f in k["schema"]],
        "ttl_seconds": k["ttl"].total_seconds(),
        "source": k["source"].kw["name"],
        "timestamp_field": k["source"].kw["timestamp_field"],
    })
print(json.dumps(views))
`

// pyView is one FeatureView loadFeaturesPy reports.
type pyView struct {
	Name           string   `json:"name"`
	Entities       []string `json:"entities"`
	JoinKeys       []string `json:"join_keys"`
	Features       []string `json:"features"`
	DTypes         []string `json:"dtypes"`
	TTLSeconds     float64  `json:"ttl_seconds"`
	Source         string   `json:"source"`
	TimestampField string   `json:"timestamp_field"`
}

// loadFeatures runs features.py at path through python3 (loadFeaturesPy)
// and returns the feature views it builds. python3 is required: it is on
// the CI image (Debian) and on developer machines; its absence fails the
// test rather than skipping the check.
func loadFeatures(t *testing.T, path string) []pyView {
	t.Helper()
	py, err := exec.LookPath("python3")
	require.NoError(t, err, "python3 is needed to check the generated features.py: install it (apt-get install python3-minimal)")
	out, err := exec.Command(py, "-c", loadFeaturesPy, path).CombinedOutput()
	src, _ := os.ReadFile(path)
	require.NoError(t, err, "python3 refused %s:\n%s\n--- features.py:\n%s", path, out, src)
	var views []pyView
	require.NoError(t, json.Unmarshal(out, &views), "%s", out)
	return views
}

// TestFeastRepoPythonNames writes the repository of a table whose column
// and view names are Python keywords, names features.py imports, a builtin,
// and names that differ only in characters a Python identifier cannot hold:
// Python parses and runs the file, no variable shadows what the file uses,
// and Feast gets the real names.
func TestFeastRepoPythonNames(t *testing.T) {
	pg := postgresWithTable(t, `CREATE TABLE odd ("timedelta" text, "Field" text, "class" bigint, "print" integer,
		"a-b" bigint, "a_b" double precision, "Entity" text, "match" boolean, ts timestamptz)`)
	t.Setenv("ODD_DSN", pg.DSN)

	for _, view := range []string{"class", "Field", "timedelta", "view-1"} {
		dir := t.TempDir()
		_, _, err := kfpgo(t, "feast", "repo", "--postgres-dsn-env", "ODD_DSN", "--table", "odd", "--view", view,
			"--entities", "timedelta,Field,class,print", "--features", "a-b,a_b,Entity,match", "--event-timestamp", "ts",
			"--ttl", "1h", "--redis-url", "127.0.0.1:6379", "-o", dir)
		require.NoError(t, err)
		views := loadFeatures(t, filepath.Join(dir, "features.py"))
		require.Len(t, views, 1)
		assert.Equal(t, pyView{
			Name: view, Entities: []string{"timedelta", "Field", "class", "print"},
			JoinKeys: []string{"timedelta", "Field", "class", "print"},
			Features: []string{"a-b", "a_b", "Entity", "match"}, DTypes: []string{"Int64", "Float64", "String", "Bool"},
			TTLSeconds: 3600, Source: view + "_source", TimestampField: "ts",
		}, views[0])
	}
}

// TestFeastRepoRefusals: settings Feast cannot serve, or that do not match
// what materialize-features writes, are refused with a message naming the
// setting, before anything is written; existing files are kept unless
// --force.
func TestFeastRepoRefusals(t *testing.T) {
	pg := postgresWithTable(t, `CREATE TABLE flights (origin text, date timestamptz, note text, delay bigint, distance double precision)`)
	t.Setenv("FLIGHTS_DSN", pg.DSN)
	t.Setenv(fs.EnvRedisURL, "")
	base := []string{"feast", "repo", "--postgres-dsn-env", "FLIGHTS_DSN", "--table", "flights", "--entities", "origin",
		"--event-timestamp", "date", "--redis-url", "127.0.0.1:6379"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative ttl", []string{"--features", "delay", "--ttl", "-5s"}, `feature view ttl -5s is negative`},
		{"negative key ttl", []string{"--features", "delay", "--key-ttl", "-1h"}, `key ttl -1h0m0s is negative`},
		{"duplicate feature", []string{"--features", "delay,distance,delay"}, `feature column "delay" is listed twice`},
		{"entity as feature", []string{"--features", "delay,origin"}, `column "origin" is both an entity and a feature`},
		{"text event timestamp", []string{"--features", "delay", "--event-timestamp", "note"}, `event timestamp column "note" of flights is text, not a timestamp`},
		{"missing event timestamp", []string{"--features", "delay", "--event-timestamp", "when"}, `event timestamp column "when" does not exist in flights`},
		{"bad view name", []string{"--features", "delay", "--view", "bad view!"}, `feature view name "bad view!": use only letters, digits, underscores and dashes`},
		{"view name with colon", []string{"--features", "delay", "--view", "a:b"}, `feature view name "a:b"`},
		{"bad project", []string{"--features", "delay", "--project", "my-project"}, `project "my-project": use only letters, digits and underscores`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "repo")
			_, _, err := kfpgo(t, append(append(append([]string{}, base...), tt.args...), "-o", dir)...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "feast repo: "), "%v", err)
			assert.Equal(t, 1, strings.Count(err.Error(), "feast repo"), "one prefix: %v", err)
			assert.NotContains(t, err.Error(), "materialize:")
			assert.NoDirExists(t, dir)
		})
	}

	// No Redis URL: the message names the flag.
	dir := filepath.Join(t.TempDir(), "repo")
	_, _, err := kfpgo(t, "feast", "repo", "--postgres-dsn-env", "FLIGHTS_DSN", "--table", "flights", "--entities", "origin",
		"--event-timestamp", "date", "--features", "delay", "-o", dir)
	require.Error(t, err)
	assert.Equal(t, "feast repo: no Redis URL: pass --redis-url (the materialize-features run's) or set $"+fs.EnvRedisURL, err.Error())
	assert.NoDirExists(t, dir)

	// Files written by the verb say so; existing files are kept without --force.
	good := append(append([]string{}, base...), "--features", "delay,distance", "-o", dir)
	_, _, err = kfpgo(t, good...)
	require.NoError(t, err)
	for _, name := range []string{"feature_store.yaml", "features.py"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(b), "# Generated by kfpgo feast repo:"), "%s: %s", name, b)
	}
	views := loadFeatures(t, filepath.Join(dir, "features.py"))
	require.Len(t, views, 1)
	assert.Equal(t, []string{"delay", "distance"}, views[0].Features)
	for i, name := range []string{"feature_store.yaml", "features.py"} {
		other := []string{"features.py", "feature_store.yaml"}[i]
		require.NoError(t, os.RemoveAll(filepath.Join(dir, other)))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("# mine\n"), 0o644))
		_, _, err = kfpgo(t, good...)
		require.Error(t, err)
		assert.Equal(t, "feast repo: "+filepath.Join(dir, name)+" already exists; pass --force to overwrite it or -o to write elsewhere", err.Error())
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, "# mine\n", string(b), "kept")
		assert.NoFileExists(t, filepath.Join(dir, other), "nothing written")
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "features.py"), []byte("# mine\n"), 0o644))
	_, _, err = kfpgo(t, append(good, "--force")...)
	require.NoError(t, err)
	require.Len(t, loadFeatures(t, filepath.Join(dir, "features.py")), 1)
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, ents, 2, "no temporary files left: %v", ents)
}
