//go:build conformance

package conformance

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/pipelines/cartrain"
	"github.com/kfpgo/kfpgo/sdk/importgo"
)

// importCase is one YAML file put through the import round trip.
type importCase struct {
	name   string // golden path, e.g. kfp-ir/hello_world.yaml
	file   string // base name given to the importer
	data   []byte
	pkg    string
	res    *importgo.Result
	reason string // why it failed, "" while it passes
}

// TestImportRoundTrip imports every golden of kfp-ir and kfp-kubernetes
// (and the compiled cartrain pipeline) to Go with sdk/importgo, builds and
// vets all the generated packages in one temporary module (a replace
// directive points at this checkout), compiles each imported pipeline with
// one generated main, and compares the result with the original as data,
// with nothing exempt but sdkVersion: Python executors must come back with
// their exact image, command and args. Each pipeline that comes back
// unchanged is imported again from its compiled form, which must give the
// same Go source (a fixed point). KFPGO_IMPORT_ONLY, a regular expression
// over golden paths, narrows the run while debugging (the count still
// says out of how many goldens).
func TestImportRoundTrip(t *testing.T) {
	root := corpusDir(t)
	var all []string
	for _, corpus := range []string{"kfp-ir", "kfp-kubernetes"} {
		all = append(all, goldens(t, root, corpus)...)
	}
	var cases []*importCase
	only := regexp.MustCompile(os.Getenv("KFPGO_IMPORT_ONLY"))
	for i, g := range all {
		if !only.MatchString(g) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, g))
		require.NoError(t, err)
		cases = append(cases, &importCase{name: g, file: filepath.Base(g), data: data, pkg: fmt.Sprintf("p%03d", i)})
	}
	cr, err := compiler.Compile(cartrain.Pipeline, compiler.Options{})
	require.NoError(t, err)
	cart := &importCase{name: "pipelines/cartrain (compiled)", file: "cartrain.yaml", data: cr.YAML, pkg: "cartrain"}
	cases = append(cases, cart)

	compiled := importBuildCompile(t, cases)
	ok, fixed := 0, 0
	var notes []string
	for _, c := range cases {
		if c.reason == "" {
			c.reason = compareYAML(t, c.data, compiled[c.pkg])
		}
		if c.reason == "" {
			// Fixed point: importing the compiled form gives the same source.
			again, err := importgo.Import(c.file, compiled[c.pkg], importgo.Options{Package: c.pkg})
			switch {
			case err != nil:
				c.reason = "re-import: " + firstLine(err.Error())
			case !sameFiles(c.res.Files, again.Files):
				c.reason = "re-import of the compiled pipeline gives different Go source (not a fixed point)"
			default:
				fixed++
			}
		}
		if c == cart {
			if c.reason != "" {
				t.Errorf("cartrain: %s", c.reason)
			}
			continue
		}
		if c.reason != "" {
			notes = append(notes, fmt.Sprintf("  import round trip %s: %s", c.name, c.reason))
			continue
		}
		ok++
	}
	for _, n := range notes {
		fmt.Println(n)
	}
	t.Logf("fixed points: %d", fixed)
	fmt.Printf("import round trip: %d/%d goldens imported to Go and compiled back unchanged\n", ok, len(all))
}

// compareYAML compares a compiled stream with the original as data, only
// sdkVersion exempt; "" when equal.
func compareYAML(t *testing.T, want, got []byte) string {
	if got == nil {
		return "not compiled"
	}
	wd, err := splitDocs(want)
	require.NoError(t, err)
	gd, err := splitDocs(got)
	if err != nil {
		return "compiled YAML does not parse: " + err.Error()
	}
	if len(wd) != len(gd) {
		return fmt.Sprintf("document count: want %d, got %d", len(wd), len(gd))
	}
	for i := range wd {
		if d := diff(wd[i], gd[i], fmt.Sprintf("doc%d", i), nil); d != "" {
			return "differs at " + d
		}
	}
	return ""
}

func sameFiles(a, b []importgo.File) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !bytes.Equal(a[i].Source, b[i].Source) {
			return false
		}
	}
	return true
}

// importBuildCompile imports each case into its own package of one
// temporary module, builds and vets them with one go command (dropping the
// packages that fail and saying why), and compiles every imported pipeline
// with one generated main. It returns the compiled YAML by package.
func importBuildCompile(t *testing.T, cases []*importCase) map[string][]byte {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	dir := t.TempDir()
	gomod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	require.NoError(t, err)
	goVersion := regexp.MustCompile(`(?m)^go .*$`).Find(gomod)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(fmt.Sprintf(
		"module imported\n\n%s\n\nrequire github.com/kfpgo/kfpgo v0.0.0\n\nreplace github.com/kfpgo/kfpgo => %s\n", goVersion, repo)), 0o644))
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))
	for _, c := range cases {
		res, err := importgo.Import(c.file, c.data, importgo.Options{Package: c.pkg})
		if err != nil {
			c.reason = "import: " + firstLine(err.Error())
			continue
		}
		again, err := importgo.Import(c.file, c.data, importgo.Options{Package: c.pkg})
		require.NoError(t, err)
		if !sameFiles(res.Files, again.Files) {
			c.reason = "importing twice gives different bytes"
			continue
		}
		c.res = res
		require.NoError(t, os.MkdirAll(filepath.Join(dir, c.pkg), 0o755))
		for _, f := range res.Files {
			require.NoError(t, os.WriteFile(filepath.Join(dir, c.pkg, f.Name), f.Source, 0o644))
		}
	}
	out := filepath.Join(dir, "out")
	require.NoError(t, os.MkdirAll(out, 0o755))
	for attempt := 0; attempt < 5; attempt++ {
		var live []*importCase
		for _, c := range cases {
			if c.reason == "" {
				live = append(live, c)
			}
		}
		writeMain(t, dir, live)
		cmd := exec.Command("go", "vet", "./...")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		msg, err := cmd.CombinedOutput()
		if err == nil {
			cmd = exec.Command("go", "build", "-o", filepath.Join(dir, "compile-all"), ".")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
			if msg, err = cmd.CombinedOutput(); err == nil {
				break
			}
		}
		failed := failedPackages(string(msg))
		if len(failed) == 0 {
			t.Fatalf("building the imported packages failed:\n%s", msg)
		}
		t.Logf("attempt %d: %d packages fail to build or vet", attempt+1, len(failed))
		for _, c := range live {
			if why, bad := failed[c.pkg]; bad {
				c.reason = why
				require.NoError(t, os.RemoveAll(filepath.Join(dir, c.pkg)))
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "compile-all")); err != nil {
		t.Fatalf("the imported packages still fail to build after 5 attempts")
	}
	cmd := exec.Command(filepath.Join(dir, "compile-all"), out)
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", msg)
	compiled := map[string][]byte{}
	for _, c := range cases {
		if c.reason != "" {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(out, c.pkg+".err")); err == nil {
			c.reason = "compile: " + firstLine(string(b))
			continue
		}
		b, err := os.ReadFile(filepath.Join(out, c.pkg+".yaml"))
		require.NoError(t, err)
		compiled[c.pkg] = b
	}
	return compiled
}

var (
	vetLineRE  = regexp.MustCompile(`(?m)^(?:vet: )?\.?/?(p[0-9]{3}|cartrain)/([^:\s]+:[0-9]+:[0-9]+: .*)$`)
	mainLineRE = regexp.MustCompile(`(?m)^\./main\.go:[0-9]+:[0-9]+: .*\b(p[0-9]{3}|cartrain)\.(.*)$`)
)

// failedPackages maps each package named in go vet's output to its first
// message.
func failedPackages(out string) map[string]string {
	res := map[string]string{}
	for _, m := range vetLineRE.FindAllStringSubmatch(out, -1) {
		if _, seen := res[m[1]]; !seen {
			res[m[1]] = "go vet: " + m[2]
		}
	}
	for _, m := range mainLineRE.FindAllStringSubmatch(out, -1) {
		if _, seen := res[m[1]]; !seen {
			res[m[1]] = "build: " + m[2]
		}
	}
	return res
}

func writeMain(t *testing.T, dir string, cases []*importCase) {
	var b strings.Builder
	b.WriteString("// Command imported compiles every imported pipeline.\npackage main\n\nimport (\n\t\"os\"\n\t\"path/filepath\"\n\n\t\"github.com/kfpgo/kfpgo/compiler\"\n\t\"github.com/kfpgo/kfpgo/compiler/kfp\"\n")
	sort.Slice(cases, func(i, j int) bool { return cases[i].pkg < cases[j].pkg })
	for _, c := range cases {
		fmt.Fprintf(&b, "\t%q\n", "imported/"+c.pkg)
	}
	b.WriteString(")\n\nfunc main() {\n\tout := os.Args[1]\n\tfor name, p := range map[string]compiler.Builder{\n")
	for _, c := range cases {
		fmt.Fprintf(&b, "\t\t%q: %s.%s,\n", c.pkg, c.pkg, c.res.Pipeline)
	}
	b.WriteString("\t} {\n\t\tres, err := compiler.Compile(p, compiler.Options{Target: kfp.Version{Major: 2, Minor: 99}})\n" +
		"\t\tif err != nil {\n\t\t\t_ = os.WriteFile(filepath.Join(out, name+\".err\"), []byte(err.Error()), 0o644)\n\t\t\tcontinue\n\t\t}\n" +
		"\t\tif err := os.WriteFile(filepath.Join(out, name+\".yaml\"), res.YAML, 0o644); err != nil {\n\t\t\tpanic(err)\n\t\t}\n\t}\n}\n")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(b.String()), 0o644))
}
