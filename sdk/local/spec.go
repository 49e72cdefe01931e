package local

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kfpgo/kfpgo/sdk/upload"

	"github.com/kfpgo/kfpgo/sdk/kfpyaml"
)

// Pipeline is a parsed compiled pipeline: the PipelineSpec, its executors
// decoded from deploymentSpec, and the warnings about what cannot apply
// locally.
type Pipeline struct {
	// Spec is the PipelineSpec document.
	Spec *pipelinespec.PipelineSpec
	// Executors maps an executor label (exec-…) to its decoded spec. Fields
	// newer than the pinned pipelinespec module (resourceCpuLimit and the
	// like) are dropped: they do not change what runs on one machine.
	Executors map[string]*pipelinespec.PipelineDeploymentConfig_ExecutorSpec
	// Warnings lists, per executor, the kubernetes PlatformSpec options that
	// a local run ignores (secrets, volumes, node selectors…), sorted.
	Warnings []string
}

// ParseError reports a compiled pipeline that cannot be read; Error() says
// where and how to fix it.
type ParseError struct {
	// Source names the input (a file path, or "<input>").
	Source string
	// Msg is what is wrong and how to fix it.
	Msg string
	// Err is the underlying decoder error, if any.
	Err error
}

func (e *ParseError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Source, e.Msg, oneLine(e.Err.Error()))
	}
	return fmt.Sprintf("%s: %s", e.Source, e.Msg)
}

func (e *ParseError) Unwrap() error { return e.Err }

// LoadFile reads and parses a compiled pipeline YAML file; see Parse.
func LoadFile(path string) (*Pipeline, error) {
	b, err := upload.ReadFile(path)
	if err != nil {
		return nil, &ParseError{Source: path, Msg: "cannot read the compiled pipeline: check the path", Err: err}
	}
	return Parse(path, b)
}

var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// Parse decodes a compiled pipeline: a YAML stream whose first document is a
// PipelineSpec and whose optional second document is a kubernetes
// PlatformSpec. YAML is read as the KFP API server reads it (YAML 1.2
// scalars, package kfpyaml), converted to JSON and decoded
// with protojson. The read is strict, as `kfpgo import` is: every key of
// the PipelineSpec, and of each deploymentSpec executor (an ExecutorSpec),
// must be a field of the proto (by JSON or proto name) or one of the fields
// that KFP SDKs newer than the pinned pipelinespec module write, where they
// write them (resourceCpuLimit and the like, dropped on decoding), and
// every enum value must be one the proto names. It returns a *ParseError
// for invalid YAML, a document that is not a PipelineSpec, an unknown key
// (naming its path, e.g. components.comp-a.executorLable, and the closest
// known field), an unknown enum value (listing the valid ones), an
// executor that cannot be decoded, or a DAG that a run
// could never finish: a cycle through dependentTasks and task output
// producers, or a reference to a task the DAG lacks.
func Parse(source string, data []byte) (*Pipeline, error) {
	if source == "" {
		source = "<input>"
	}
	if err := upload.Check(source, data); err != nil {
		return nil, err
	}
	var docs [][]byte
	for _, d := range docSep.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(d)) != "" {
			docs = append(docs, []byte(d))
		}
	}
	if len(docs) == 0 {
		return nil, &ParseError{Source: source, Msg: "empty file: compile the pipeline to KFP IR YAML first (kfpgo compile)"}
	}
	js, err := kfpyaml.ToJSON(docs[0])
	if err != nil {
		return nil, &ParseError{Source: source, Msg: "invalid YAML: fix the syntax or recompile the pipeline", Err: err}
	}
	if !bytes.HasPrefix(bytes.TrimSpace(js), []byte("{")) {
		return nil, &ParseError{Source: source, Msg: "not a KFP pipeline: the first YAML document must be a PipelineSpec mapping (components, deploymentSpec, root…)"}
	}
	if msg := checkFields(js); msg != "" {
		return nil, &ParseError{Source: source, Msg: msg}
	}
	// The keys are checked: discarding unknown fields now drops only the
	// newer fields that checkFields accepts.
	spec := &pipelinespec.PipelineSpec{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(js, spec); err != nil {
		return nil, &ParseError{Source: source, Msg: "not a valid KFP PipelineSpec: recompile the pipeline", Err: err}
	}
	if spec.GetRoot().GetDag() == nil {
		return nil, &ParseError{Source: source, Msg: "the PipelineSpec has no root DAG: recompile the pipeline (a component YAML alone cannot run)"}
	}
	if spec.GetPipelineInfo().GetName() == "" {
		return nil, &ParseError{Source: source, Msg: "the PipelineSpec has no pipelineInfo.name: recompile the pipeline"}
	}
	p := &Pipeline{Spec: spec, Executors: map[string]*pipelinespec.PipelineDeploymentConfig_ExecutorSpec{}}
	if ds := spec.GetDeploymentSpec(); ds != nil {
		if execs := ds.GetFields()["executors"].GetStructValue(); execs != nil {
			for label, v := range execs.GetFields() {
				b, err := protojson.Marshal(v)
				if err != nil {
					return nil, &ParseError{Source: source, Msg: fmt.Sprintf("executor %s cannot be encoded", label), Err: err}
				}
				es := &pipelinespec.PipelineDeploymentConfig_ExecutorSpec{}
				if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, es); err != nil {
					return nil, &ParseError{Source: source, Msg: fmt.Sprintf("executor %s is not a valid ExecutorSpec: recompile the pipeline", label), Err: err}
				}
				p.Executors[label] = es
			}
		}
	}
	dags := map[string]*pipelinespec.ComponentSpec{"root": spec.GetRoot()}
	for name, c := range spec.GetComponents() {
		if c.GetDag() != nil {
			dags[name] = c
		}
	}
	for _, name := range sortedKeys(dags) {
		tasks := dags[name].GetDag().GetTasks()
		for _, tn := range sortedKeys(tasks) {
			ref := tasks[tn].GetComponentRef().GetName()
			if spec.GetComponents()[ref] == nil {
				return nil, &ParseError{Source: source, Msg: fmt.Sprintf("task %s of %s refers to component %q, which components lacks: recompile the pipeline", tn, name, ref)}
			}
		}
	}
	for _, name := range sortedKeys(dags) {
		at := "root.dag"
		if name != "root" {
			at = "components." + name + ".dag"
		}
		if msg := checkDAG(at, dags[name].GetDag()); msg != "" {
			return nil, &ParseError{Source: source, Msg: msg}
		}
	}
	for name, c := range spec.GetComponents() {
		if l := c.GetExecutorLabel(); l != "" && p.Executors[l] == nil {
			return nil, &ParseError{Source: source, Msg: fmt.Sprintf("component %s names executor %s, which deploymentSpec.executors lacks: recompile the pipeline", name, l)}
		}
	}
	if len(docs) > 1 {
		w, err := platformWarnings(docs[1])
		if err != nil {
			return nil, &ParseError{Source: source, Msg: "the second YAML document is not a kubernetes PlatformSpec: recompile the pipeline", Err: err}
		}
		p.Warnings = w
	}
	return p, nil
}

// platformWarnings lists the kubernetes options of each executor, which a
// local run cannot apply.
func platformWarnings(doc []byte) ([]string, error) {
	js, err := kfpyaml.ToJSON(doc)
	if err != nil {
		return nil, err
	}
	var ps struct {
		Platforms map[string]struct {
			DeploymentSpec struct {
				Executors map[string]map[string]json.RawMessage `json:"executors"`
			} `json:"deploymentSpec"`
		} `json:"platforms"`
	}
	if err := json.Unmarshal(js, &ps); err != nil {
		return nil, err
	}
	if len(ps.Platforms) == 0 {
		return nil, errors.New("no platforms key")
	}
	var out []string
	for platform, p := range ps.Platforms {
		for label, opts := range p.DeploymentSpec.Executors {
			keys := make([]string, 0, len(opts))
			for k := range opts {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			out = append(out, fmt.Sprintf("%s: %s options %s do not apply to a local run and are ignored", label, platform, strings.Join(keys, ", ")))
		}
	}
	sort.Strings(out)
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
