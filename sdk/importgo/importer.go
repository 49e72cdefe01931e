package importgo

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/componentyaml"
)

// importerCall renders dsl.Importer for an importer task.
func (pe *pipeEmit) importerCall(t *taskInfo, skip map[string]bool) (string, error) {
	g := pe.g
	ci := t.comp
	xpath := "deploymentSpec.executors." + ci.execLabel + ".importer"
	imp, _ := ci.exec["importer"].(map[string]any)
	if err := g.knownKeys(imp, xpath, "artifactUri", "typeSchema", "metadata", "reimport", "downloadToWorkspace"); err != nil {
		return "", err
	}
	if len(ci.c.Outputs) != 1 || ci.c.Outputs[0].Name != "artifact" || !ci.c.Outputs[0].Type.IsArtifact() {
		return "", g.errf(ci.path+".outputDefinitions", "", "an importer component has exactly one output, the artifact \"artifact\"")
	}
	at := ci.c.Outputs[0].Type.Artifact
	ins, _ := t.spec["inputs"].(map[string]any)
	params, _ := ins["parameters"].(map[string]any)
	uriSpec, ok := params["uri"].(map[string]any)
	if !ok {
		return "", g.errf(t.path+".inputs.parameters", "", "the importer task sets no uri")
	}
	skip["parameters.uri"] = true
	v, err := pe.inputValue(t.dag, uriSpec, t.path+".inputs.parameters.uri", ir.Type{Param: ir.ParamString})
	if err != nil {
		return "", err
	}
	uri, err := pe.coerce(v, ir.Type{Param: ir.ParamString}, t.path+".inputs.parameters.uri")
	if err != nil {
		return "", err
	}
	args := []string{"b", uri}
	if md, ok := imp["metadata"].(map[string]any); ok {
		if strings.Contains(anyLiteral(md), "{{$") {
			return "", g.unsupported(xpath+".metadata", "importer metadata built from run-time values")
		}
		args = append(args, "dsl.ImportMetadata("+anyLiteral(md)+")")
	}
	if r, _ := imp["reimport"].(bool); r {
		args = append(args, "dsl.Reimport()")
	}
	if d, _ := imp["downloadToWorkspace"].(bool); d {
		args = append(args, "dsl.DownloadToWorkspace()")
	}
	return fmt.Sprintf("dsl.Importer[%s](%s)", g.kindExpr(*at), strings.Join(args, ", ")), nil
}

// platform renders the sdk/kubernetes calls of a task's executor config
// ($T stands for the task variable).
func (pe *pipeEmit) platform(t *taskInfo) ([]string, error) {
	if t.comp.execLabel == "" || pe.g.platExecs == nil {
		return nil, nil
	}
	cfg, ok := pe.g.platExecs[t.comp.execLabel]
	if !ok {
		return nil, nil
	}
	pe.g.usedPlat[t.comp.execLabel] = true
	_ = cfg
	return nil, pe.g.unsupported("platforms.kubernetes.deploymentSpec.executors."+t.comp.execLabel, "Kubernetes executor options")
}

var embeddedRE = regexp.MustCompile(`\{\{\$(\.(inputs|outputs)\.(parameters|artifacts)\['[^']*'\](\.(path|uri|metadata|output_file))?|\.[a-z_]+)?\}\}`)

// importV1 imports a KFP v1 component.yaml as one container component.
func (g *gen) importV1(data []byte) (*Result, error) {
	c, err := componentyaml.LoadIR(g.file, data)
	if err != nil {
		return nil, err
	}
	ctr, ok := c.Impl.(*ir.Container)
	if !ok {
		return nil, g.errf("implementation", "", "a v1 component must have implementation.container")
	}
	ci := &compInfo{key: "comp-" + dslK8sName(c.Name), name: c.Name, kind: kindContainer, c: c, path: "", usedBy: 1, execLabel: "exec-" + dslK8sName(c.Name)}
	g.infos = map[string]*compInfo{ci.key: ci}
	g.compOrder = []string{ci.key}
	g.goNames(ci)
	if len(ctr.Env) > 0 {
		return nil, g.unsupported("implementation.container.env", "a component's own env (the Go DSL sets env on tasks: SetEnv)")
	}
	pkg := g.opts.Package
	if pkg == "" {
		pkg = packageName(c.Name)
	}
	src, err := g.componentsFile(pkg)
	if err != nil {
		return nil, err
	}
	return &Result{Files: []File{{Name: "components.go", Source: src}}}, nil
}
