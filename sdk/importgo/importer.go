package importgo

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

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
	g := pe.g
	if t.comp.execLabel == "" || g.platExecs == nil {
		return nil, nil
	}
	raw, ok := g.platExecs[t.comp.execLabel]
	if !ok {
		return nil, nil
	}
	g.usedPlat[t.comp.execLabel] = true
	path := "platforms.kubernetes.deploymentSpec.executors." + t.comp.execLabel
	cfg, ok := raw.(map[string]any)
	if !ok {
		return nil, g.errf(path, "write the executor config as a mapping", "is not a mapping")
	}
	if err := g.knownKeys(cfg, path, "secretAsEnv", "secretAsVolume", "configMapAsEnv", "configMapAsVolume", "pvcMount",
		"fieldPathAsEnv", "tolerations", "nodeSelector", "podMetadata", "imagePullSecret", "emptyDirMounts",
		"activeDeadlineSeconds", "genericEphemeralVolume", "imagePullPolicy"); err != nil {
		return nil, err
	}
	pe.usesK8s = true
	var out []string
	call := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	list := func(key string) ([]map[string]any, error) {
		l, _ := cfg[key].([]any)
		var ms []map[string]any
		for i, x := range l {
			m, ok := x.(map[string]any)
			if !ok {
				return nil, g.errf(fmt.Sprintf("%s.%s[%d]", path, key, i), "write a mapping", "is not a mapping")
			}
			ms = append(ms, m)
		}
		return ms, nil
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	// name resolves a …NameParameter (with its legacy literal twin).
	name := func(m map[string]any, p, param, literal string) (string, error) {
		spec, ok := m[param].(map[string]any)
		if !ok {
			if s, ok := m[literal].(string); ok {
				return "dsl.Lit(" + strconv.Quote(s) + ")", nil
			}
			return "", g.errf(p, "", "names no %s", literal)
		}
		v, err := pe.inputValue(t.dag, spec, p+"."+param, ir.Type{Param: ir.ParamString})
		if err != nil {
			return "", err
		}
		return pe.coerce(v, ir.Type{Param: ir.ParamString}, p+"."+param)
	}
	optional := func(m map[string]any) string {
		if o, _ := m["optional"].(bool); o {
			return ", kubernetes.Optional()"
		}
		return ""
	}
	for _, kind := range []struct{ key, fn, param, literal, envKey string }{
		{"secretAsEnv", "UseSecretAsEnv", "secretNameParameter", "secretName", "secretKey"},
		{"configMapAsEnv", "UseConfigMapAsEnv", "configMapNameParameter", "configMapName", "configMapKey"},
	} {
		ms, err := list(kind.key)
		if err != nil {
			return nil, err
		}
		for i, m := range ms {
			p := fmt.Sprintf("%s.%s[%d]", path, kind.key, i)
			if err := g.knownKeys(m, p, "keyToEnv", kind.param, kind.literal, "optional"); err != nil {
				return nil, err
			}
			n, err := name(m, p, kind.param, kind.literal)
			if err != nil {
				return nil, err
			}
			var kv []string
			l, _ := m["keyToEnv"].([]any)
			for _, x := range l {
				e, _ := x.(map[string]any)
				if err := g.knownKeys(e, p+".keyToEnv", kind.envKey, "envVar"); err != nil {
					return nil, err
				}
				kv = append(kv, fmt.Sprintf("{Key: %q, EnvVar: %q}", str(e, kind.envKey), str(e, "envVar")))
			}
			call("kubernetes.%s($T, %s, []kubernetes.KeyToEnv{%s}%s)", kind.fn, n, strings.Join(kv, ", "), optional(m))
		}
	}
	for _, kind := range []struct{ key, fn, param, literal string }{
		{"secretAsVolume", "UseSecretAsVolume", "secretNameParameter", "secretName"},
		{"configMapAsVolume", "UseConfigMapAsVolume", "configMapNameParameter", "configMapName"},
	} {
		ms, err := list(kind.key)
		if err != nil {
			return nil, err
		}
		for i, m := range ms {
			p := fmt.Sprintf("%s.%s[%d]", path, kind.key, i)
			if err := g.knownKeys(m, p, "mountPath", kind.param, kind.literal, "optional"); err != nil {
				return nil, err
			}
			n, err := name(m, p, kind.param, kind.literal)
			if err != nil {
				return nil, err
			}
			call("kubernetes.%s($T, %s, %q%s)", kind.fn, n, str(m, "mountPath"), optional(m))
		}
	}
	ms, err := list("pvcMount")
	if err != nil {
		return nil, err
	}
	for i, m := range ms {
		p := fmt.Sprintf("%s.pvcMount[%d]", path, i)
		if err := g.knownKeys(m, p, "mountPath", "pvcNameParameter", "constant", "componentInputParameter", "taskOutputParameter", "subPath"); err != nil {
			return nil, err
		}
		n, err := name(m, p, "pvcNameParameter", "constant")
		if err != nil {
			return nil, err
		}
		sub := ""
		if s := str(m, "subPath"); s != "" {
			sub = ", kubernetes.SubPath(" + strconv.Quote(s) + ")"
		}
		call("kubernetes.MountPVC($T, %s, %q%s)", n, str(m, "mountPath"), sub)
	}
	if ms, err = list("fieldPathAsEnv"); err != nil {
		return nil, err
	}
	for i, m := range ms {
		if err := g.knownKeys(m, fmt.Sprintf("%s.fieldPathAsEnv[%d]", path, i), "name", "fieldPath"); err != nil {
			return nil, err
		}
		call("kubernetes.UseFieldPathAsEnv($T, %q, %q)", str(m, "name"), str(m, "fieldPath"))
	}
	if ms, err = list("tolerations"); err != nil {
		return nil, err
	}
	for i, m := range ms {
		p := fmt.Sprintf("%s.tolerations[%d]", path, i)
		if err := g.knownKeys(m, p, "key", "operator", "value", "effect", "tolerationSeconds"); err != nil {
			return nil, err
		}
		var fields []string
		for _, f := range []struct{ k, g string }{{"key", "Key"}, {"operator", "Operator"}, {"value", "Value"}, {"effect", "Effect"}} {
			if s := str(m, f.k); s != "" {
				fields = append(fields, fmt.Sprintf("%s: %q", f.g, s))
			}
		}
		if v, ok := m["tolerationSeconds"]; ok {
			var n int64
			switch x := v.(type) {
			case float64:
				n = int64(x)
			case string:
				var err error
				if n, err = strconv.ParseInt(x, 10, 64); err != nil {
					return nil, g.errf(p+".tolerationSeconds", "write a whole number of seconds", "%v", err)
				}
			}
			fields = append(fields, fmt.Sprintf("TolerationSeconds: new(int64(%d))", n))
		}
		call("kubernetes.AddToleration($T, kubernetes.Toleration{%s})", strings.Join(fields, ", "))
	}
	if ns, ok := cfg["nodeSelector"].(map[string]any); ok {
		p := path + ".nodeSelector"
		if err := g.knownKeys(ns, p, "labels"); err != nil {
			return nil, err
		}
		labels, _ := ns["labels"].(map[string]any)
		for _, k := range sortedKeys(labels) {
			v, _ := labels[k].(string)
			call("kubernetes.AddNodeSelector($T, %q, %q)", k, v)
		}
	}
	if pm, ok := cfg["podMetadata"].(map[string]any); ok {
		p := path + ".podMetadata"
		if err := g.knownKeys(pm, p, "labels", "annotations"); err != nil {
			return nil, err
		}
		for _, kind := range []struct{ key, fn string }{{"labels", "AddPodLabel"}, {"annotations", "AddPodAnnotation"}} {
			m, _ := pm[kind.key].(map[string]any)
			for _, k := range sortedKeys(m) {
				v, _ := m[k].(string)
				call("kubernetes.%s($T, %q, %q)", kind.fn, k, v)
			}
		}
	}
	if ms, err = list("imagePullSecret"); err != nil {
		return nil, err
	}
	var pulls []string
	for i, m := range ms {
		p := fmt.Sprintf("%s.imagePullSecret[%d]", path, i)
		if err := g.knownKeys(m, p, "secretName", "secretNameParameter"); err != nil {
			return nil, err
		}
		n, err := name(m, p, "secretNameParameter", "secretName")
		if err != nil {
			return nil, err
		}
		pulls = append(pulls, n)
	}
	if len(pulls) > 0 {
		call("kubernetes.SetImagePullSecrets($T, %s)", strings.Join(pulls, ", "))
	}
	if s := str(cfg, "imagePullPolicy"); s != "" {
		call("kubernetes.SetImagePullPolicy($T, %q)", s)
	}
	if ms, err = list("emptyDirMounts"); err != nil {
		return nil, err
	}
	for i, m := range ms {
		p := fmt.Sprintf("%s.emptyDirMounts[%d]", path, i)
		if err := g.knownKeys(m, p, "volumeName", "mountPath", "medium", "sizeLimit"); err != nil {
			return nil, err
		}
		var fields []string
		for _, f := range []struct{ k, g string }{{"volumeName", "VolumeName"}, {"mountPath", "MountPath"}, {"medium", "Medium"}, {"sizeLimit", "SizeLimit"}} {
			if s := str(m, f.k); s != "" {
				fields = append(fields, fmt.Sprintf("%s: %q", f.g, s))
			}
		}
		call("kubernetes.EmptyDirMount($T, kubernetes.EmptyDir{%s})", strings.Join(fields, ", "))
	}
	if ms, err = list("genericEphemeralVolume"); err != nil {
		return nil, err
	}
	for i, m := range ms {
		p := fmt.Sprintf("%s.genericEphemeralVolume[%d]", path, i)
		if err := g.knownKeys(m, p, "volumeName", "mountPath", "accessModes", "size", "storageClassName", "defaultStorageClass", "metadata"); err != nil {
			return nil, err
		}
		fields := []string{fmt.Sprintf("VolumeName: %q", str(m, "volumeName")), fmt.Sprintf("MountPath: %q", str(m, "mountPath"))}
		if l, ok := m["accessModes"].([]any); ok {
			var ams []string
			for _, x := range l {
				s, _ := x.(string)
				ams = append(ams, strconv.Quote(s))
			}
			fields = append(fields, "AccessModes: []string{"+strings.Join(ams, ", ")+"}")
		}
		fields = append(fields, fmt.Sprintf("Size: %q", str(m, "size")))
		if s := str(m, "storageClassName"); s != "" {
			fields = append(fields, fmt.Sprintf("StorageClassName: %q", s))
		}
		if md, ok := m["metadata"].(map[string]any); ok {
			if err := g.knownKeys(md, p+".metadata", "labels", "annotations"); err != nil {
				return nil, err
			}
			for _, kind := range []struct{ key, g string }{{"labels", "Labels"}, {"annotations", "Annotations"}} {
				mm, _ := md[kind.key].(map[string]any)
				if len(mm) == 0 {
					continue
				}
				var kv []string
				for _, k := range sortedKeys(mm) {
					v, _ := mm[k].(string)
					kv = append(kv, fmt.Sprintf("%q: %q", k, v))
				}
				fields = append(fields, kind.g+": map[string]string{"+strings.Join(kv, ", ")+"}")
			}
		}
		call("kubernetes.AddEphemeralVolume($T, kubernetes.EphemeralVolume{%s})", strings.Join(fields, ", "))
	}
	if v, ok := cfg["activeDeadlineSeconds"]; ok {
		var n int64
		switch x := v.(type) {
		case float64:
			n = int64(x)
		case string:
			n, _ = strconv.ParseInt(x, 10, 64)
		}
		pe.usesTime = true
		call("kubernetes.SetTimeout($T, %s)", goDuration(time.Duration(n)*time.Second))
	}
	return out, nil
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
