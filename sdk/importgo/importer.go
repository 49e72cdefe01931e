package importgo

import (
	"fmt"
	"math"
	"regexp"
	"sort"
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
		if !strings.Contains(anyLiteral(md), "{{$") {
			args = append(args, "dsl.ImportMetadata("+anyLiteral(md)+")")
		} else {
			entries, _, err := pe.metadataEntries(t, md, xpath+".metadata", skip)
			if err != nil {
				return "", err
			}
			args = append(args, "dsl.ImportOrderedMetadata("+strings.Join(entries, ", ")+")")
		}
	}
	if r, _ := imp["reimport"].(bool); r {
		args = append(args, "dsl.Reimport()")
	}
	if d, _ := imp["downloadToWorkspace"].(bool); d {
		args = append(args, "dsl.DownloadToWorkspace()")
	}
	return fmt.Sprintf("dsl.Importer[%s](%s)", g.kindExpr(*at), strings.Join(args, ", ")), nil
}

// metadataPH matches the placeholder of an importer metadata input
// (metadata, metadata-2…, numbered by KFP in the order it met the values).
var metadataPH = regexp.MustCompile(`\{\{\$\.inputs\.parameters\['(metadata(?:-[0-9]+)?)'\]\}\}`)

// firstMetadata is the lowest metadata input number a value embeds
// (math.MaxInt when none).
func firstMetadata(v any) int {
	low := math.MaxInt
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			for _, m := range metadataPH.FindAllStringSubmatch(x, -1) {
				n := 1
				if i := strings.LastIndex(m[1], "-"); i >= 0 {
					n, _ = strconv.Atoi(m[1][i+1:])
				}
				low = min(low, n)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				walk(k)
				walk(e)
			}
		}
	}
	walk(v)
	return low
}

// metadataEntries renders importer metadata holding run-time values as
// dsl.MetadataEntry literals, ordered so that the DSL numbers the
// importer's metadata inputs as the YAML does (entries by the first input
// they embed, key before value; entries without any last, by key).
func (pe *pipeEmit) metadataEntries(t *taskInfo, md map[string]any, path string, skip map[string]bool) ([]string, int, error) {
	type entry struct {
		key   string
		first int
	}
	var es []entry
	low := math.MaxInt
	for _, k := range sortedKeys(md) {
		f := min(firstMetadata(k), firstMetadata(md[k]))
		if fk := firstMetadata(k); fk != math.MaxInt {
			f = fk
		}
		es = append(es, entry{k, f})
		low = min(low, f)
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].first < es[j].first })
	var out []string
	for _, e := range es {
		p := path + "." + e.key
		k, err := pe.metadataValue(t, e.key, p, skip)
		if err != nil {
			return nil, 0, err
		}
		v, err := pe.metadataValue(t, md[e.key], p, skip)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, "dsl.MetadataEntry{Key: "+k+", Value: "+v+"}")
	}
	return out, low, nil
}

// metadataValue renders one importer metadata value (see metadataEntries).
func (pe *pipeEmit) metadataValue(t *taskInfo, v any, path string, skip map[string]bool) (string, error) {
	switch x := v.(type) {
	case string:
		if !metadataPH.MatchString(x) {
			return strconv.Quote(x), nil
		}
		return pe.embeddedRE(t, x, path, skip, false, metadataPH)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			s, err := pe.metadataValue(t, e, fmt.Sprintf("%s[%d]", path, i), skip)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "[]any{" + strings.Join(parts, ", ") + "}", nil
	case map[string]any:
		if firstMetadata(x) == math.MaxInt {
			return anyLiteral(x), nil
		}
		entries, _, err := pe.metadataEntries(t, x, path, skip)
		if err != nil {
			return "", err
		}
		return "dsl.OrderedMetadata{" + strings.Join(entries, ", ") + "}", nil
	}
	return anyLiteral(v), nil
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
		"activeDeadlineSeconds", "genericEphemeralVolume", "imagePullPolicy", "nodeAffinity", "initContainers", "securityContext"); err != nil {
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
	// param resolves a TaskInputsSpec-shaped value (a constant, a pipeline
	// input or a task output) of type want.
	param := func(spec map[string]any, p string, want ir.Type) (string, error) {
		v, err := pe.inputValue(t.dag, spec, p, want)
		if err != nil {
			return "", err
		}
		return pe.coerce(v, want, p)
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
		if err := g.knownKeys(m, p, "key", "operator", "value", "effect", "tolerationSeconds", "tolerationJson"); err != nil {
			return nil, err
		}
		if spec, ok := m["tolerationJson"].(map[string]any); ok {
			if len(m) != 1 {
				return nil, g.errf(p, "write tolerationJson alone or the toleration's fields, not both", "mixes tolerationJson with toleration fields")
			}
			if _, isConst := spec["runtimeValue"]; isConst {
				return nil, g.unsupported(p+".tolerationJson.runtimeValue", "a constant tolerationJson (kubernetes.AddTolerationJSON expands a literal into toleration fields)")
			}
			v, err := pe.inputValue(t.dag, spec, p+".tolerationJson", ir.Type{Param: ir.ParamStruct})
			if err != nil {
				return nil, err
			}
			if v.t.Param != ir.ParamStruct && v.t.Param != ir.ParamList {
				return nil, g.errf(p+".tolerationJson", "", "a %s value gives tolerations; the Go DSL takes a STRUCT or LIST", v.t)
			}
			call("kubernetes.AddTolerationJSON($T, %s)", v.expr)
			continue
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
		if err := g.knownKeys(ns, p, "labels", "nodeSelectorJson"); err != nil {
			return nil, err
		}
		if spec, ok := ns["nodeSelectorJson"].(map[string]any); ok {
			e, err := param(spec, p+".nodeSelectorJson", ir.Type{Param: ir.ParamStruct})
			if err != nil {
				return nil, err
			}
			call("kubernetes.AddNodeSelectorJSON($T, %s)", e)
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
	if ms, err = list("nodeAffinity"); err != nil {
		return nil, err
	}
	for i, m := range ms {
		p := fmt.Sprintf("%s.nodeAffinity[%d]", path, i)
		if err := g.knownKeys(m, p, "matchExpressions", "matchFields", "weight", "nodeAffinityJson"); err != nil {
			return nil, err
		}
		if spec, ok := m["nodeAffinityJson"].(map[string]any); ok {
			if len(m) != 1 {
				return nil, g.errf(p, "write nodeAffinityJson alone or a term's fields, not both", "mixes nodeAffinityJson with term fields")
			}
			e, err := param(spec, p+".nodeAffinityJson", ir.Type{Param: ir.ParamStruct})
			if err != nil {
				return nil, err
			}
			call("kubernetes.AddNodeAffinityJSON($T, %s)", e)
			continue
		}
		var fields []string
		for _, f := range []struct{ k, g string }{{"matchExpressions", "MatchExpressions"}, {"matchFields", "MatchFields"}} {
			rs, _ := m[f.k].([]any)
			if len(rs) == 0 {
				continue
			}
			var items []string
			for j, x := range rs {
				r, _ := x.(map[string]any)
				rp := fmt.Sprintf("%s.%s[%d]", p, f.k, j)
				if err := g.knownKeys(r, rp, "key", "operator", "values"); err != nil {
					return nil, err
				}
				item := fmt.Sprintf("Key: %q, Operator: %q", str(r, "key"), str(r, "operator"))
				if vs, ok := r["values"].([]any); ok {
					l, err := stringList(vs)
					if err != nil {
						return nil, g.errf(rp+".values", "write a list of strings", "%v", err)
					}
					item += ", Values: " + l
				}
				items = append(items, "{"+item+"}")
			}
			fields = append(fields, f.g+": []kubernetes.Requirement{"+strings.Join(items, ", ")+"}")
		}
		if w, ok := m["weight"]; ok {
			n, err := wholeNumber(w)
			if err != nil {
				return nil, g.errf(p+".weight", "write a weight from 1 to 100", "%v", err)
			}
			fields = append(fields, fmt.Sprintf("Weight: %d", n))
		}
		call("kubernetes.AddNodeAffinity($T, kubernetes.NodeAffinityTerm{%s})", strings.Join(fields, ", "))
	}
	if ms, err = list("initContainers"); err != nil {
		return nil, err
	}
	for i, m := range ms {
		p := fmt.Sprintf("%s.initContainers[%d]", path, i)
		e, err := g.initContainer(m, p)
		if err != nil {
			return nil, err
		}
		call("kubernetes.AddInitContainer($T, %s)", e)
	}
	if sc, ok := cfg["securityContext"].(map[string]any); ok {
		p := path + ".securityContext"
		if err := g.knownKeys(sc, p, "runAsUser", "runAsGroup", "runAsNonRoot"); err != nil {
			return nil, err
		}
		var fields []string
		for _, f := range []struct{ k, g string }{{"runAsUser", "RunAsUser"}, {"runAsGroup", "RunAsGroup"}} {
			if v, ok := sc[f.k]; ok {
				n, err := wholeNumber(v)
				if err != nil {
					return nil, g.errf(p+"."+f.k, "write a whole number", "%v", err)
				}
				fields = append(fields, fmt.Sprintf("%s: new(int64(%d))", f.g, n))
			}
		}
		if v, ok := sc["runAsNonRoot"]; ok {
			bv, ok := v.(bool)
			if !ok {
				return nil, g.errf(p+".runAsNonRoot", "write true or false", "is not a boolean")
			}
			fields = append(fields, fmt.Sprintf("RunAsNonRoot: new(%t)", bv))
		}
		call("kubernetes.SetSecurityContext($T, kubernetes.SecurityContext{%s})", strings.Join(fields, ", "))
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

// initContainer renders a kubernetes.InitContainer literal.
func (g *gen) initContainer(m map[string]any, p string) (string, error) {
	if err := g.knownKeys(m, p, "name", "image", "command", "args", "env", "volumeMounts", "restartPolicy", "resources"); err != nil {
		return "", err
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	fields := []string{fmt.Sprintf("Name: %q", str("name")), fmt.Sprintf("Image: %q", str("image"))}
	for _, f := range []struct{ k, g string }{{"command", "Command"}, {"args", "Args"}} {
		if l, ok := m[f.k].([]any); ok {
			s, err := stringList(l)
			if err != nil {
				return "", g.errf(p+"."+f.k, "write a list of strings", "%v", err)
			}
			fields = append(fields, f.g+": "+s)
		}
	}
	pairs := func(k, a, b, field, ga, gb, typ string) error {
		l, _ := m[k].([]any)
		if len(l) == 0 {
			return nil
		}
		var items []string
		for j, x := range l {
			e, _ := x.(map[string]any)
			ep := fmt.Sprintf("%s.%s[%d]", p, k, j)
			if err := g.knownKeys(e, ep, a, b); err != nil {
				return err
			}
			av, _ := e[a].(string)
			bv, _ := e[b].(string)
			items = append(items, fmt.Sprintf("{%s: %q, %s: %q}", ga, av, gb, bv))
		}
		fields = append(fields, fmt.Sprintf("%s: []kubernetes.%s{%s}", field, typ, strings.Join(items, ", ")))
		return nil
	}
	if err := pairs("env", "name", "value", "Env", "Name", "Value", "EnvVar"); err != nil {
		return "", err
	}
	if err := pairs("volumeMounts", "volumeName", "mountPath", "VolumeMounts", "VolumeName", "MountPath", "VolumeMount"); err != nil {
		return "", err
	}
	if s := str("restartPolicy"); s != "" {
		fields = append(fields, fmt.Sprintf("RestartPolicy: %q", s))
	}
	if res, ok := m["resources"].(map[string]any); ok {
		if err := g.knownKeys(res, p+".resources", "requests", "limits"); err != nil {
			return "", err
		}
		for _, f := range []struct{ k, g string }{{"requests", "Requests"}, {"limits", "Limits"}} {
			q, _ := res[f.k].(map[string]any)
			if len(q) == 0 {
				continue
			}
			var kv []string
			for _, k := range sortedKeys(q) {
				v, ok := q[k].(string)
				if !ok {
					return "", g.errf(p+".resources."+f.k+"."+k, `write a quantity string such as "250m"`, "is not a string")
				}
				kv = append(kv, fmt.Sprintf("%q: %q", k, v))
			}
			fields = append(fields, f.g+": map[string]string{"+strings.Join(kv, ", ")+"}")
		}
	}
	return "kubernetes.InitContainer{" + strings.Join(fields, ", ") + "}", nil
}

// stringList renders a YAML list of strings as a Go []string literal.
func stringList(l []any) (string, error) {
	parts := make([]string, len(l))
	for i, x := range l {
		s, ok := x.(string)
		if !ok {
			return "", fmt.Errorf("item %d (%v) is not a string", i, x)
		}
		parts[i] = strconv.Quote(s)
	}
	return "[]string{" + strings.Join(parts, ", ") + "}", nil
}

// wholeNumber reads an integer written as a JSON number or, for int64
// fields in protojson, a string.
func wholeNumber(v any) (int64, error) {
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) {
			return 0, fmt.Errorf("%v is not a whole number", x)
		}
		return int64(x), nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("%v is not a number", v)
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
		pkg = packageName(c.Name, "component")
	}
	src, err := g.componentsFile(pkg)
	if err != nil {
		return nil, err
	}
	return &Result{Files: []File{{Name: "components.go", Source: src}}}, nil
}
