package importgo

import (
	"bytes"
	"fmt"
	"go/format"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/componentyaml"
)

// Options controls Import.
type Options struct {
	// Package is the Go package name of the generated files. Optional:
	// defaults to the pipeline (or component) name made a Go identifier
	// ("my-pipeline" → "mypipeline", "func" → "funcpipeline"). When set, it
	// must pass CheckPackageName.
	Package string
}

// Result is what Import writes.
type Result struct {
	// Files are the generated files, sorted by name.
	Files []File
	// Pipeline is the Go name of the variable holding the imported
	// pipeline ("" for a component file), e.g. "MyPipeline".
	Pipeline string
}

// File is one generated Go source file.
type File struct {
	// Name is the file name, e.g. "components.go" or "my_pipeline.go".
	Name string
	// Source is the gofmt'ed Go source.
	Source []byte
}

// Error is a problem found while importing: the YAML file, the YAML path of
// the node the DSL cannot express or that is malformed (e.g.
// "root.dag.tasks.train.retryPolicy.foo"), what is wrong and how to go on.
// It is a *componentyaml.Error, so errors.As matches both the loader's and
// the importer's errors with one type.
type Error = componentyaml.Error

// ImportFile reads path and imports it (see Import).
func ImportFile(path string, opts Options) (*Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error(), Hint: "give the path of a compiled pipeline or component YAML"}
	}
	return Import(filepath.Base(path), data, opts)
}

// Import turns a compiled KFP pipeline (PipelineSpec, with its PlatformSpec
// if present), a KFP v2 component YAML or a KFP v1 component.yaml into Go
// DSL source: one file per pipeline (the compiled one and each nested
// pipeline) plus components.go with every container component, in the
// package named by opts. The output is gofmt'ed and the same bytes for the
// same input. file names the source in errors and in the generated header.
//
// Anything the YAML holds that the DSL cannot express is an *Error naming
// the YAML path: nothing is dropped silently.
func Import(file string, data []byte, opts Options) (*Result, error) {
	if opts.Package != "" {
		if err := CheckPackageName(opts.Package); err != nil {
			return nil, err
		}
	}
	docs, err := componentyaml.Documents(file, data)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, &Error{File: file, Msg: "the file holds no YAML document", Hint: "give a pipeline YAML written by kfp.compiler or kfpgo, or a component.yaml"}
	}
	g := &gen{file: file, opts: opts, pkgIDs: newScope(), kinds: map[ir.ArtifactType]string{}}
	if _, ok := docs[0]["implementation"]; ok {
		return g.importV1(data)
	}
	if len(docs) > 2 {
		return nil, g.errf("document 3", "remove the extra documents", "a compiled pipeline has at most two documents (PipelineSpec, PlatformSpec)")
	}
	g.doc = docs[0]
	if len(docs) == 2 {
		g.platformDoc = docs[1]
	}
	return g.importPipeline()
}

type gen struct {
	file        string
	opts        Options
	doc         map[string]any
	platformDoc map[string]any
	platExecs   map[string]any
	usedPlat    map[string]bool

	pkgIDs *scope
	kinds  map[ir.ArtifactType]string
	// kindOrder lists custom artifact kinds in the order they were named.
	kindOrder []ir.ArtifactType

	comps     map[string]any
	execs     map[string]any
	infos     map[string]*compInfo
	compOrder []string
	pipes     []*compInfo
	imports   map[string]bool
	usesK8s   bool
	// workspace is the dsl.PipelineWorkspace option of the compiled
	// pipeline, "" without one.
	workspace string
}

func (g *gen) errf(path, hint, format string, args ...any) *Error {
	return &Error{File: g.file, Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// unsupported is the error for a YAML node the DSL cannot express.
func (g *gen) unsupported(path, what string) *Error {
	return g.errf(path, "the Go DSL has no equivalent; write this part by hand or remove it from the YAML", "%s cannot be expressed in the Go DSL", what)
}

// compInfo is one component of the compiled pipeline.
type compInfo struct {
	key  string // "comp-train"
	name string // the DSL name ("train")
	kind compKind
	spec map[string]any
	path string
	c    *ir.Component

	goName  string
	in, out *structInfo

	execLabel string
	exec      map[string]any
	container map[string]any
	python    string // the Python function name, for lightweight Python components
	tasks     []string
	usedBy    int
	emitted   bool
}

type compKind int

const (
	kindContainer compKind = iota
	kindImporter
	kindPipeline
	kindGroup
)

type structInfo struct {
	typeName string
	fields   []*fieldInfo
	byName   map[string]*fieldInfo
}

type fieldInfo struct {
	// elem is the Go element type of a LIST parameter whose items a loop
	// reads as another type than string ("map[string]any"), "" for []any.
	elem   string
	goName string
	kfp    string
	t      ir.Type
	in     *ir.Input
	desc   string
}

var groupKeyRE = regexp.MustCompile(`^comp-(condition-branches|condition|for-loop|exit-handler)-([0-9]+)$`)

func (g *gen) importPipeline() (*Result, error) {
	if err := g.knownKeys(g.doc, "", "components", "deploymentSpec", "pipelineInfo", "root", "schemaVersion", "sdkVersion", "defaultPipelineRoot"); err != nil {
		return nil, err
	}
	if v, _ := g.doc["schemaVersion"].(string); v != "" && v != "2.1.0" && v != "2.0.0" {
		return nil, g.errf("schemaVersion", "import a pipeline compiled by KFP 2.x (schemaVersion 2.1.0)", "schema version %q is not supported", v)
	}
	info, _ := g.doc["pipelineInfo"].(map[string]any)
	if info == nil {
		return nil, g.errf("pipelineInfo", "add pipelineInfo: {name: my-pipeline}", "is missing")
	}
	if err := g.knownKeys(info, "pipelineInfo", "name", "displayName", "description"); err != nil {
		return nil, err
	}
	pname, _ := info["name"].(string)
	if pname == "" {
		return nil, g.errf("pipelineInfo.name", "add pipelineInfo.name", "is missing")
	}
	root, _ := g.doc["root"].(map[string]any)
	if root == nil {
		return nil, g.errf("root", "add the root component (inputDefinitions, outputDefinitions, dag)", "is missing")
	}
	g.comps, _ = g.doc["components"].(map[string]any)
	ds, _ := g.doc["deploymentSpec"].(map[string]any)
	if ds != nil {
		if err := g.knownKeys(ds, "deploymentSpec", "executors"); err != nil {
			return nil, err
		}
	}
	g.execs, _ = ds["executors"].(map[string]any)
	if err := g.readPlatform(); err != nil {
		return nil, err
	}
	g.infos = map[string]*compInfo{}
	for _, key := range sortedKeys(g.comps) {
		if err := g.readComponent(key); err != nil {
			return nil, err
		}
	}
	rootInfo := &compInfo{key: "", name: pname, kind: kindPipeline, spec: root, path: "root"}
	if err := g.readInterface(rootInfo); err != nil {
		return nil, err
	}
	if err := g.knownKeys(root, "root", "dag", "inputDefinitions", "outputDefinitions"); err != nil {
		return nil, err
	}
	if root["dag"] == nil {
		return nil, g.errf("root.dag", "add the pipeline's DAG", "is missing")
	}
	// Names: count uses, then pick DSL names and Go names in a fixed order.
	g.collectTasks(root, "root")
	for _, key := range sortedKeys(g.comps) {
		if ci := g.infos[key]; ci.kind == kindGroup || ci.kind == kindPipeline {
			g.collectTasks(ci.spec, ci.path)
		}
	}
	for _, key := range g.compOrder {
		g.nameComponent(g.infos[key])
	}
	for _, key := range g.compOrder {
		ci := g.infos[key]
		if ci.kind == kindGroup || ci.kind == kindImporter {
			continue
		}
		g.goNames(ci)
	}
	g.goNames(rootInfo)
	if err := g.typeLoopLists(rootInfo); err != nil {
		return nil, err
	}
	for _, key := range g.compOrder {
		if ci := g.infos[key]; ci.kind == kindPipeline {
			g.pipes = append(g.pipes, ci)
		}
	}
	g.pipes = append(g.pipes, rootInfo)

	var files []File
	pkg := g.opts.Package
	if pkg == "" {
		pkg = packageName(pname, "pipeline")
	}
	// Pipelines first: they decide which components are used.
	pipeSrc := map[*compInfo][]byte{}
	for _, p := range g.pipes {
		src, err := g.pipelineFile(p, pkg, p == rootInfo, info)
		if err != nil {
			return nil, err
		}
		pipeSrc[p] = src
	}
	for exec := range g.platExecs {
		if !g.usedPlat[exec] {
			return nil, g.errf("platforms.kubernetes.deploymentSpec.executors."+exec, "remove it or name an executor of the pipeline", "Kubernetes options for executor %q, which no task uses", exec)
		}
	}
	compSrc, err := g.componentsFile(pkg)
	if err != nil {
		return nil, err
	}
	if compSrc != nil {
		files = append(files, File{Name: "components.go", Source: compSrc})
	}
	fileIDs := newScope("components")
	for _, p := range g.pipes {
		files = append(files, File{Name: fileIDs.claim(pipelineFileBase(p.name)) + ".go", Source: pipeSrc[p]})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return &Result{Files: files, Pipeline: rootInfo.goName}, nil
}

// readPlatform reads the PlatformSpec's Kubernetes executor configs.
func (g *gen) readPlatform() error {
	g.usedPlat = map[string]bool{}
	if g.platformDoc == nil {
		return nil
	}
	if err := g.knownKeys(g.platformDoc, "", "platforms"); err != nil {
		return err
	}
	ps, _ := g.platformDoc["platforms"].(map[string]any)
	if err := g.knownKeys(ps, "platforms", "kubernetes"); err != nil {
		return err
	}
	k, _ := ps["kubernetes"].(map[string]any)
	if err := g.knownKeys(k, "platforms.kubernetes", "deploymentSpec", "pipelineConfig"); err != nil {
		return err
	}
	if pc, ok := k["pipelineConfig"].(map[string]any); ok {
		if err := g.readWorkspace(pc); err != nil {
			return err
		}
	}
	dsp, _ := k["deploymentSpec"].(map[string]any)
	if err := g.knownKeys(dsp, "platforms.kubernetes.deploymentSpec", "executors"); err != nil {
		return err
	}
	g.platExecs, _ = dsp["executors"].(map[string]any)
	return nil
}

// readWorkspace reads platforms.kubernetes.pipelineConfig, which the DSL
// writes from dsl.PipelineWorkspace, into g.workspace (the option's Go
// expression).
func (g *gen) readWorkspace(pc map[string]any) error {
	const path = "platforms.kubernetes.pipelineConfig"
	if err := g.knownKeys(pc, path, "workspace"); err != nil {
		return err
	}
	ws, ok := pc["workspace"].(map[string]any)
	if !ok {
		return g.errf(path+".workspace", "give the workspace its size, e.g. workspace: {size: 10Gi}", "is not a mapping")
	}
	if err := g.knownKeys(ws, path+".workspace", "size", "kubernetes"); err != nil {
		return err
	}
	size, ok := ws["size"].(string)
	if !ok {
		return g.errf(path+".workspace.size", `write a Kubernetes quantity such as "10Gi"`, "is missing or not a string")
	}
	fields := []string{"Size: " + strconv.Quote(size)}
	if kw, ok := ws["kubernetes"].(map[string]any); ok {
		if err := g.knownKeys(kw, path+".workspace.kubernetes", "pvcSpecPatch"); err != nil {
			return err
		}
		if patch, ok := kw["pvcSpecPatch"].(map[string]any); ok {
			fields = append(fields, "PVCSpecPatch: "+anyLiteral(patch))
		} else if kw["pvcSpecPatch"] != nil {
			return g.errf(path+".workspace.kubernetes.pvcSpecPatch", "write the patch as a mapping of PersistentVolumeClaim spec fields", "is not a mapping")
		}
	}
	g.workspace = "dsl.PipelineWorkspace(dsl.WorkspaceConfig{" + strings.Join(fields, ", ") + "})"
	return nil
}

// readComponent classifies and reads components[key].
func (g *gen) readComponent(key string) error {
	path := "components." + key
	spec, ok := g.comps[key].(map[string]any)
	if !ok {
		return g.errf(path, "write the component as a mapping", "is not a mapping")
	}
	ci := &compInfo{key: key, spec: spec, path: path}
	g.infos[key] = ci
	g.compOrder = append(g.compOrder, key)
	if spec["dag"] != nil {
		if err := g.knownKeys(spec, path, "dag", "inputDefinitions", "outputDefinitions"); err != nil {
			return err
		}
		if groupKeyRE.MatchString(key) {
			ci.kind = kindGroup
			return nil
		}
		ci.kind = kindPipeline
		return g.readInterface(ci)
	}
	if err := g.knownKeys(spec, path, "executorLabel", "inputDefinitions", "outputDefinitions"); err != nil {
		return err
	}
	label, _ := spec["executorLabel"].(string)
	if label == "" {
		return g.errf(path, "give the component an executorLabel or a dag", "has neither executorLabel nor dag")
	}
	ci.execLabel = label
	xpath := "deploymentSpec.executors." + label
	x, ok := g.execs[label].(map[string]any)
	if !ok {
		return g.errf(xpath, "add the executor the component's executorLabel names", "is missing (named by %s.executorLabel)", path)
	}
	ci.exec = x
	if err := g.readInterface(ci); err != nil {
		return err
	}
	if imp, ok := x["importer"].(map[string]any); ok {
		ci.kind = kindImporter
		if err := g.knownKeys(x, xpath, "importer"); err != nil {
			return err
		}
		_ = imp
		return nil
	}
	ctr, ok := x["container"].(map[string]any)
	if !ok {
		return g.errf(xpath, "give the executor a container or an importer", "is neither a container nor an importer executor")
	}
	if err := g.knownKeys(x, xpath, "container"); err != nil {
		return err
	}
	cpath := xpath + ".container"
	if err := g.knownKeys(ctr, cpath, "image", "command", "args", "env", "resources"); err != nil {
		return err
	}
	ci.container = ctr
	impl, err := componentyaml.Container(g.file, ctr, cpath, ci.c)
	if err != nil {
		return err
	}
	ci.c.Impl = impl
	cmd := fmt.Sprint(ctr["command"])
	if strings.Contains(cmd, "kfp.dsl.executor_main") || strings.Contains(cmd, "kfp.components.executor_main") {
		ci.python = "python"
		if args, ok := ctr["args"].([]any); ok {
			for i := 0; i+1 < len(args); i++ {
				if args[i] == "--function_to_execute" {
					ci.python, _ = args[i+1].(string)
				}
			}
		}
	}
	return nil
}

func (g *gen) readInterface(ci *compInfo) error {
	ins, outs, err := componentyaml.Interface(g.file, ci.spec, ci.path)
	if err != nil {
		return err
	}
	for _, side := range []string{"inputDefinitions", "outputDefinitions"} {
		defs, _ := ci.spec[side].(map[string]any)
		if err := g.knownKeys(defs, ci.path+"."+side, "parameters", "artifacts"); err != nil {
			return err
		}
		for _, kind := range []string{"parameters", "artifacts"} {
			items, _ := defs[kind].(map[string]any)
			for _, n := range sortedKeys(items) {
				d, _ := items[n].(map[string]any)
				known := []string{"parameterType", "defaultValue", "isOptional", "description"}
				if kind == "artifacts" {
					known = []string{"artifactType", "isArtifactList", "isOptional", "description"}
				}
				p := ci.path + "." + side + "." + kind + "." + n
				if err := g.knownKeys(d, p, known...); err != nil {
					return err
				}
				if at, ok := d["artifactType"].(map[string]any); ok {
					if err := g.knownKeys(at, p+".artifactType", "schemaTitle", "schemaVersion"); err != nil {
						return err
					}
				}
			}
		}
	}
	ci.c = &ir.Component{Name: ci.name, Inputs: ins, Outputs: outs}
	return nil
}

// collectTasks records which tasks use which component.
func (g *gen) collectTasks(spec map[string]any, path string) {
	dag, _ := spec["dag"].(map[string]any)
	tasks, _ := dag["tasks"].(map[string]any)
	for _, name := range sortedKeys(tasks) {
		ts, _ := tasks[name].(map[string]any)
		ref, _ := ts["componentRef"].(map[string]any)
		key, _ := ref["name"].(string)
		if ci := g.infos[key]; ci != nil {
			ci.tasks = append(ci.tasks, name)
			ci.usedBy++
		}
	}
}

var suffixRE = regexp.MustCompile(`^(.*)-([0-9]+)$`)

// nameComponent picks the DSL name of a component so that the compiler
// derives the same task names and component key: the key without "comp-",
// or, for KFP's deduplicated keys ("comp-print-op-2" beside
// "comp-print-op"), the shared base name.
func (g *gen) nameComponent(ci *compInfo) {
	base := strings.TrimPrefix(ci.key, "comp-")
	fits := func(b string) bool {
		for _, t := range ci.tasks {
			if t != b && !(strings.HasPrefix(t, b+"-") && isDigits(t[len(b)+1:])) {
				return false
			}
		}
		return true
	}
	if m := suffixRE.FindStringSubmatch(base); m != nil && g.infos["comp-"+m[1]] != nil && fits(m[1]) {
		base = m[1]
	} else if !fits(base) && len(ci.tasks) > 0 {
		// Tasks named after a different base: name the component after its
		// first task, whose name KFP derived from the component's.
		t := ci.tasks[0]
		if m := suffixRE.FindStringSubmatch(t); m != nil && fits(m[1]) {
			base = m[1]
		} else if fits(t) {
			base = t
		}
	}
	ci.name = base
	if ci.c != nil {
		ci.c.Name = base
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// goNames assigns the Go identifiers of a component or pipeline and of its
// In/Out structs and fields.
func (g *gen) goNames(ci *compInfo) {
	base := exportedName(ci.name)
	if ci.kind == kindPipeline && !strings.HasSuffix(base, "Pipeline") {
		base += "Pipeline"
	}
	ci.goName = g.pkgIDs.claim(base)
	ci.in = g.structOf(ci.goName+"In", ci.c.Inputs, nil)
	ci.out = g.structOf(ci.goName+"Out", nil, ci.c.Outputs)
}

func (g *gen) structOf(typeName string, ins []*ir.Input, outs []*ir.Output) *structInfo {
	s := &structInfo{byName: map[string]*fieldInfo{}}
	ids := newScope()
	for _, in := range ins {
		f := &fieldInfo{goName: ids.claim(exportedName(in.Name)), kfp: in.Name, t: in.Type, in: in, desc: in.Description}
		s.fields = append(s.fields, f)
		s.byName[in.Name] = f
	}
	for _, o := range outs {
		f := &fieldInfo{goName: ids.claim(exportedName(o.Name)), kfp: o.Name, t: o.Type, desc: o.Description}
		s.fields = append(s.fields, f)
		s.byName[o.Name] = f
	}
	if len(s.fields) > 0 {
		s.typeName = g.pkgIDs.claim(typeName)
	}
	return s
}

// fieldType is the Go handle type of a struct field.
func (g *gen) fieldType(f *fieldInfo) string {
	if f.elem != "" && !f.t.IsArtifact() && f.t.Param == ir.ParamList {
		return "dsl.Param[[]" + f.elem + "]"
	}
	return g.goType(f.t)
}

// loopElems maps the IR types a loop item can have besides STRING to
// the Go element type of the list it iterates over.
var loopElems = map[ir.ParamType]string{ir.ParamStruct: "map[string]any", ir.ParamInt: "int", ir.ParamDouble: "float64", ir.ParamBool: "bool"}

// typeLoopLists finds the loops over a parameter whose items the IR types
// as something other than STRING (KFP derives it from the Python list's
// element type, List[dict] → STRUCT) and gives the pipeline input or task
// output the loop iterates over the Go element type that the DSL derives
// the same item type from (dsl.Param[[]map[string]any]).
func (g *gen) typeLoopLists(root *compInfo) error {
	// parent maps a group component to the DAG owner and the task that
	// runs it.
	type use struct {
		owner *compInfo
		task  map[string]any
	}
	parent := map[string]use{}
	owners := []*compInfo{root}
	for _, key := range g.compOrder {
		if ci := g.infos[key]; ci.kind == kindGroup || ci.kind == kindPipeline {
			owners = append(owners, ci)
		}
	}
	for _, o := range owners {
		dag, _ := o.spec["dag"].(map[string]any)
		tasks, _ := dag["tasks"].(map[string]any)
		for _, name := range sortedKeys(tasks) {
			ts, _ := tasks[name].(map[string]any)
			ref, _ := ts["componentRef"].(map[string]any)
			key, _ := ref["name"].(string)
			if ci := g.infos[key]; ci != nil && ci.kind == kindGroup {
				parent[key] = use{o, ts}
			}
		}
	}
	// source finds the field a parameter input spec of a task in owner's
	// DAG reads, nil when it is not a plain pipeline input or task output.
	var source func(owner *compInfo, spec map[string]any, depth int) *fieldInfo
	source = func(owner *compInfo, spec map[string]any, depth int) *fieldInfo {
		if spec == nil || spec["parameterExpressionSelector"] != nil || depth > 100 {
			return nil
		}
		if name, ok := spec["componentInputParameter"].(string); ok {
			if owner.kind != kindGroup {
				return owner.in.byName[name]
			}
			u, ok := parent[owner.key]
			if !ok {
				return nil
			}
			ins, _ := u.task["inputs"].(map[string]any)
			params, _ := ins["parameters"].(map[string]any)
			sub, _ := params[name].(map[string]any)
			return source(u.owner, sub, depth+1)
		}
		if x, ok := spec["taskOutputParameter"].(map[string]any); ok {
			prod, _ := x["producerTask"].(string)
			key, _ := x["outputParameterKey"].(string)
			dag, _ := owner.spec["dag"].(map[string]any)
			tasks, _ := dag["tasks"].(map[string]any)
			ts, _ := tasks[prod].(map[string]any)
			ref, _ := ts["componentRef"].(map[string]any)
			cname, _ := ref["name"].(string)
			if ci := g.infos[cname]; ci != nil && ci.out != nil && (ci.kind == kindContainer || ci.kind == kindPipeline) {
				return ci.out.byName[key]
			}
		}
		return nil
	}
	for _, o := range owners {
		dag, _ := o.spec["dag"].(map[string]any)
		tasks, _ := dag["tasks"].(map[string]any)
		for _, name := range sortedKeys(tasks) {
			ts, _ := tasks[name].(map[string]any)
			pi, _ := ts["parameterIterator"].(map[string]any)
			items, _ := pi["items"].(map[string]any)
			listName, _ := items["inputParameter"].(string)
			if listName == "" {
				continue
			}
			ref, _ := ts["componentRef"].(map[string]any)
			key, _ := ref["name"].(string)
			ci := g.infos[key]
			if ci == nil {
				continue
			}
			itemName, _ := pi["itemInput"].(string)
			def := inputDef(ci, "parameters", itemName)
			if def == nil {
				continue
			}
			elem, ok := loopElems[typeOfDef(def, "parameters").Param]
			if !ok {
				continue
			}
			ins, _ := ts["inputs"].(map[string]any)
			params, _ := ins["parameters"].(map[string]any)
			spec, _ := params[listName].(map[string]any)
			f := source(o, spec, 0)
			if f == nil || f.t.IsArtifact() || f.t.Param != ir.ParamList {
				continue
			}
			if f.elem != "" && f.elem != elem {
				return g.errf(o.path+".dag.tasks."+name+".parameterIterator", "", "loops read the items of %q as %s here and as %s elsewhere; a Go list has one element type", f.kfp, elem, f.elem)
			}
			f.elem = elem
		}
	}
	return nil
}

// typeExpr is the Go type of a struct (struct{} when empty).
func (s *structInfo) typeExpr() string {
	if s.typeName == "" {
		return "struct{}"
	}
	return s.typeName
}

// goType is the handle type of an IR type.
func (g *gen) goType(t ir.Type) string {
	if t.IsArtifact() {
		if t.List {
			return "dsl.Artifacts[" + g.kindExpr(*t.Artifact) + "]"
		}
		return "dsl.Artifact[" + g.kindExpr(*t.Artifact) + "]"
	}
	if t.Param == ir.ParamTaskFinalStatus {
		return "dsl.PipelineTaskFinalStatus"
	}
	return "dsl.Param[" + paramGoType(t.Param) + "]"
}

func paramGoType(p ir.ParamType) string {
	switch p {
	case ir.ParamString:
		return "string"
	case ir.ParamInt:
		return "int"
	case ir.ParamDouble:
		return "float64"
	case ir.ParamBool:
		return "bool"
	case ir.ParamList:
		return "[]any"
	case ir.ParamStruct:
		return "map[string]any"
	}
	return "string"
}

var systemKinds = map[string]string{
	"system.Artifact": "dsl.Generic", "system.Dataset": "dsl.Dataset", "system.Model": "dsl.Model",
	"system.Metrics": "dsl.Metrics", "system.ClassificationMetrics": "dsl.ClassificationMetrics",
	"system.SlicedClassificationMetrics": "dsl.SlicedClassificationMetrics", "system.HTML": "dsl.HTML",
	"system.Markdown": "dsl.Markdown",
}

// kindExpr is the Go artifact kind of an artifact type: a dsl system kind,
// or a custom kind type declared in components.go.
func (g *gen) kindExpr(at ir.ArtifactType) string {
	if k, ok := systemKinds[at.SchemaTitle]; ok && at.SchemaVersion == "0.0.1" {
		return k
	}
	if n, ok := g.kinds[at]; ok {
		return n
	}
	title := at.SchemaTitle
	if i := strings.LastIndex(title, "."); i >= 0 {
		title = title[i+1:]
	}
	n := g.pkgIDs.claim(exportedName(title) + "Kind")
	g.kinds[at] = n
	g.kindOrder = append(g.kindOrder, at)
	return n
}

func (g *gen) knownKeys(m map[string]any, path string, known ...string) error {
	for _, k := range sortedKeys(m) {
		ok := false
		for _, kk := range known {
			if k == kk {
				ok = true
				break
			}
		}
		if !ok {
			p := k
			if path != "" {
				p = path + "." + k
			}
			return g.errf(p, "the importer knows "+strings.Join(known, ", ")+" here; write this part by hand or remove it from the YAML", "unknown or unsupported key %q", k)
		}
	}
	return nil
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// packageName makes a Go package name of a pipeline or component name s:
// its ASCII letters and digits, lower-cased, without leading digits
// ("My-Pipeline" → "mypipeline"). kind ("pipeline" or "component") is the
// name when nothing is left, and is appended to a keyword or "main".
func packageName(s, kind string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' && b.Len() > 0 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return kind
	}
	// A keyword cannot name a package, and package main cannot be
	// imported (kfpgo compile needs to): "func" → "funcpipeline".
	if n := b.String(); token.IsKeyword(n) || n == "main" {
		b.WriteString(kind)
	}
	return b.String()
}

// CheckPackageName returns an error when name cannot be the package name
// of imported files: it must be a Go identifier other than a keyword, "_"
// and "main" (a main package cannot be imported, so kfpgo compile could
// not compile it). The error suggests a name made from name.
func CheckPackageName(name string) error {
	why := ""
	switch {
	case token.IsKeyword(name): // before IsIdentifier, which is false for keywords
		why = "is a Go keyword"
	case !token.IsIdentifier(name) || name == "_":
		why = "is not a Go identifier (letters, digits and _, not starting with a digit)"
	case name == "main":
		why = "makes a main package, which kfpgo compile cannot import"
	default:
		return nil
	}
	return fmt.Errorf("package name %q %s: pass a lower-case Go name such as %q", name, why, packageName(name, "pipeline"))
}

// pipelineFileBase is the file name, without .go, of pipeline name's file:
// its snake_case name, always ending in "pipeline" so that no name ends in
// _test or a GOOS/GOARCH suffix; it starts with a letter or digit, never
// with the _ or . that make the go command ignore a file.
func pipelineFileBase(name string) string {
	base := snake(name)
	if !strings.HasSuffix(base, "pipeline") {
		base += "_pipeline"
	}
	return base
}

func snake(s string) string {
	ws := words(s)
	for i, w := range ws {
		ws[i] = strings.ToLower(w)
	}
	if len(ws) == 0 {
		return "pipeline"
	}
	return strings.Join(ws, "_")
}

// goString writes s as a Go string literal: a raw string for multi-line
// text that a raw string can hold (Python sources stay readable), else a
// quoted one.
func goString(s string) string {
	if strings.Contains(s, "\n") && !strings.Contains(s, "`") && !strings.Contains(s, "\r") && len(s) > 40 {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// gofmt formats src, returning an error naming the generated file on a
// bug of the generator.
func gofmt(name string, src []byte) ([]byte, error) {
	out, err := format.Source(src)
	if err != nil {
		return nil, fmt.Errorf("importgo: generated %s does not parse (a bug of the importer): %v\n%s", name, err, numbered(src))
	}
	return out, nil
}

func numbered(src []byte) string {
	var b bytes.Buffer
	for i, l := range bytes.Split(src, []byte("\n")) {
		fmt.Fprintf(&b, "%4d %s\n", i+1, l)
	}
	return b.String()
}

// docComment writes text as a // comment block.
func docComment(w *bytes.Buffer, text string) {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			w.WriteString("//\n")
			continue
		}
		w.WriteString("// " + l + "\n")
	}
}
