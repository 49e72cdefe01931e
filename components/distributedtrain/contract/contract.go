package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Environment variables the launcher sets on every replica, in the cluster
// (TFJob / TrainJob pod env) and in local mode (process env).
const (
	// EnvTFConfig is the TensorFlow cluster description. The Kubeflow
	// training-operator injects it into every TFJob replica that is part of a
	// distributed job (more than one replica in total) and leaves it unset for
	// a single-replica job; the launcher does the same in local mode and sets
	// it itself for a Trainer v2 TrainJob. Its JSON shape is [TFConfig].
	EnvTFConfig = "TF_CONFIG"
	// EnvModelDir is the directory the trainer writes its model into. The
	// trainer creates it if missing. Only the replica for which
	// [TFConfig.IsWriter] is true writes.
	EnvModelDir = "KFPGO_MODEL_DIR"
	// EnvMetricsFile is the path of the metrics JSON file (shape [Metrics])
	// the writing replica produces once training ends.
	EnvMetricsFile = "KFPGO_METRICS_FILE"
)

// Replica types as they appear in TF_CONFIG: the lower-cased TFJob replica
// types (training-operator pkg/controller.v1/tensorflow/tensorflow.go,
// genTFConfigJSONStr lower-cases kubeflowv1.ReplicaType).
const (
	TypeChief     = "chief"
	TypeWorker    = "worker"
	TypePS        = "ps"
	TypeEvaluator = "evaluator"
)

// TaskSpec names one replica: its type (see the Type constants) and its
// 0-based index within that type.
type TaskSpec struct {
	Type  string `json:"type"`
	Index int    `json:"index"`
}

// TFConfig is the value of TF_CONFIG, field for field the shape the Kubeflow
// training-operator (v1.9) marshals: {"cluster": {"chief": ["host:port"],
// "worker": ["host:port", ...], "ps": [...]}, "task": {"type": "worker",
// "index": 1}, "environment": "cloud"}. Cluster keys are replica types,
// values are "host:port" addresses in index order.
type TFConfig struct {
	Cluster     map[string][]string `json:"cluster"`
	Task        TaskSpec            `json:"task"`
	Environment string              `json:"environment"`
}

// ParseTFConfig decodes a TF_CONFIG value. An empty string means "not
// distributed" and yields a single-worker config (worker 0 of 1, no
// addresses). It returns an error when the JSON is malformed or the task
// does not name an address in the cluster.
func ParseTFConfig(s string) (TFConfig, error) {
	if strings.TrimSpace(s) == "" {
		return TFConfig{Cluster: map[string][]string{}, Task: TaskSpec{Type: TypeWorker}}, nil
	}
	var c TFConfig
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return TFConfig{}, fmt.Errorf("parse %s: %w (want {\"cluster\":{...},\"task\":{\"type\":...,\"index\":...}})", EnvTFConfig, err)
	}
	if c.Task.Type == "" {
		return TFConfig{}, fmt.Errorf("parse %s: task.type is empty", EnvTFConfig)
	}
	if addrs := c.Cluster[c.Task.Type]; c.Task.Index < 0 || c.Task.Index >= len(addrs) {
		return TFConfig{}, fmt.Errorf("parse %s: task %s/%d has no address in cluster[%q] (%d addresses)",
			EnvTFConfig, c.Task.Type, c.Task.Index, c.Task.Type, len(addrs))
	}
	return c, nil
}

// Peers returns the addresses of the replicas that train together, in rank
// order: the chief first (if any), then the workers. This is the order
// TensorFlow's MultiWorkerMirroredStrategy uses for its collective group.
func (c TFConfig) Peers() []string {
	out := append([]string(nil), c.Cluster[TypeChief]...)
	return append(out, c.Cluster[TypeWorker]...)
}

// Rank returns this replica's position in [TFConfig.Peers], or -1 for a
// replica that does not train (ps, evaluator). A config without cluster
// (single replica) has rank 0.
func (c TFConfig) Rank() int {
	switch c.Task.Type {
	case TypeChief:
		return c.Task.Index
	case TypeWorker:
		return len(c.Cluster[TypeChief]) + c.Task.Index
	}
	return -1
}

// WorldSize is the number of training replicas (chief + workers), at least 1.
func (c TFConfig) WorldSize() int {
	return max(1, len(c.Peers()))
}

// IsWriter reports whether this replica writes the model and the metrics:
// the chief when there is one, otherwise worker 0 (the training-operator's
// own "master role" rule, tfjob_controller.go IsMasterRole).
func (c TFConfig) IsWriter() bool {
	return c.Rank() == 0
}

// Marshal returns the JSON form injected as TF_CONFIG. Map keys come out
// sorted (encoding/json), so the bytes are deterministic.
func (c TFConfig) Marshal() (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("marshal %s: %w", EnvTFConfig, err)
	}
	return string(b), nil
}

// ConfusionMatrix counts validation examples: Matrix[i][j] is the number of
// examples of true class Classes[i] predicted as Classes[j].
type ConfusionMatrix struct {
	Classes []string  `json:"classes"`
	Matrix  [][]int64 `json:"matrix"`
}

// Validate checks the matrix is square and matches the class list.
func (m ConfusionMatrix) Validate() error {
	if len(m.Classes) == 0 {
		return errors.New("confusion matrix has no classes")
	}
	if len(m.Matrix) != len(m.Classes) {
		return fmt.Errorf("confusion matrix has %d rows for %d classes", len(m.Matrix), len(m.Classes))
	}
	for i, row := range m.Matrix {
		if len(row) != len(m.Classes) {
			return fmt.Errorf("confusion matrix row %d (%s) has %d entries for %d classes", i, m.Classes[i], len(row), len(m.Classes))
		}
	}
	return nil
}

// KFPMetadata returns the matrix in the metadata shape of KFP's
// system.ClassificationMetrics artifact, as the KFP SDK's
// ClassificationMetrics.log_confusion_matrix writes it and the KFP UI reads
// it: {"confusionMatrix": {"annotationSpecs": [{"displayName": c}, ...],
// "rows": [{"row": [n, ...]}, ...]}}.
func (m ConfusionMatrix) KFPMetadata() map[string]any {
	specs := make([]any, len(m.Classes))
	for i, c := range m.Classes {
		specs[i] = map[string]any{"displayName": c}
	}
	rows := make([]any, len(m.Matrix))
	for i, r := range m.Matrix {
		row := make([]any, len(r))
		for j, v := range r {
			row[j] = float64(v)
		}
		rows[i] = map[string]any{"row": row}
	}
	return map[string]any{"confusionMatrix": map[string]any{"annotationSpecs": specs, "rows": rows}}
}

// Metrics is the content of the metrics file (env KFPGO_METRICS_FILE):
//
//	{"metrics": {"accuracy": 0.83, "loss": 0.41},
//	 "confusion_matrix": {"classes": ["Europe", "Japan", "USA"],
//	                      "matrix": [[10, 2, 1], [1, 12, 0], [2, 1, 40]]}}
//
// Metrics holds finite scalars (KFP system.Metrics entries); ConfusionMatrix
// is optional (KFP system.ClassificationMetrics).
type Metrics struct {
	Metrics         map[string]float64 `json:"metrics"`
	ConfusionMatrix *ConfusionMatrix   `json:"confusion_matrix,omitempty"`
}

// Validate checks every scalar is finite and the confusion matrix, if any,
// is well formed.
func (m Metrics) Validate() error {
	for k, v := range m.Metrics {
		if k == "" {
			return errors.New("metrics: empty metric name")
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("metrics: %q is %v; metrics must be finite numbers", k, v)
		}
	}
	if m.ConfusionMatrix != nil {
		if err := m.ConfusionMatrix.Validate(); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	return nil
}

// ReadMetrics reads and validates a metrics file. Errors name the path.
func ReadMetrics(path string) (Metrics, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Metrics{}, fmt.Errorf("read metrics file: %w", err)
	}
	var m Metrics
	if err := json.Unmarshal(b, &m); err != nil {
		return Metrics{}, fmt.Errorf("read metrics file %s: %w", path, err)
	}
	if err := m.Validate(); err != nil {
		return Metrics{}, fmt.Errorf("metrics file %s: %w", path, err)
	}
	return m, nil
}

// WriteMetrics validates m and writes it to path atomically (temporary file
// in the same directory, then rename), creating the directory if needed, so
// a reader never sees a partial file.
func WriteMetrics(path string, m Metrics) error {
	if err := m.Validate(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode metrics: %w", err)
	}
	return WriteFileAtomic(path, append(b, '\n'))
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory and a rename, creating parent directories (mode 0o755).
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
