package cartrainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/kfpgo/kfpgo/components/distributedtrain/contract"
)

// ModelFormat identifies the model file's layout (field "format").
const ModelFormat = "kfpgo.softmax-regression.v1"

// ModelFileName is the model's file name inside the model directory.
const ModelFileName = "model.json"

// Model is a multinomial logistic (softmax) regression over standardized
// features, serialized as model.json:
//
//	p(class k | x) = softmax_k(Weights[k] · z + Bias[k]),  z_j = (x_j - Mean[j]) / Scale[j]
//
// Weights is len(ClassNames) × len(FeatureNames). Mean and Scale are the
// training split's per-feature mean and standard deviation (Scale 1 for a
// constant feature); a missing input value (NaN) is replaced by Mean.
type Model struct {
	Format       string      `json:"format"`
	FeatureNames []string    `json:"feature_names"`
	ClassNames   []string    `json:"class_names"`
	Mean         []float64   `json:"mean"`
	Scale        []float64   `json:"scale"`
	Weights      [][]float64 `json:"weights"`
	Bias         []float64   `json:"bias"`
	// Hyperparameters used to train, for lineage.
	Hyperparameters Hyperparameters `json:"hyperparameters"`
}

// Standardizer maps raw features to z-scores with training statistics.
type Standardizer struct {
	Mean, Scale []float64
}

// FitStandardizer computes per-feature mean and population standard
// deviation over rows, ignoring NaN (missing) values. A feature with no
// values or zero spread gets Scale 1. It fails when rows is empty.
func FitStandardizer(rows [][]float64, nFeatures int) (Standardizer, error) {
	if len(rows) == 0 {
		return Standardizer{}, errors.New("standardize: the training split has no rows")
	}
	s := Standardizer{Mean: make([]float64, nFeatures), Scale: make([]float64, nFeatures)}
	col := make([]float64, 0, len(rows))
	for j := range nFeatures {
		col = col[:0]
		for _, r := range rows {
			if !math.IsNaN(r[j]) {
				col = append(col, r[j])
			}
		}
		s.Scale[j] = 1
		if len(col) == 0 {
			continue
		}
		m, v := stat.PopMeanVariance(col, nil)
		s.Mean[j] = m
		if sd := math.Sqrt(v); sd > 0 {
			s.Scale[j] = sd
		}
	}
	return s, nil
}

// Matrix returns the standardized rows as an n × features matrix.
func (s Standardizer) Matrix(rows [][]float64) *mat.Dense {
	d := len(s.Mean)
	x := mat.NewDense(max(1, len(rows)), d, nil)
	for i, r := range rows {
		for j := range d {
			v := r[j]
			if math.IsNaN(v) {
				v = s.Mean[j]
			}
			x.Set(i, j, (v-s.Mean[j])/s.Scale[j])
		}
	}
	if len(rows) == 0 {
		return &mat.Dense{}
	}
	return x
}

// Probabilities returns the class probabilities for raw feature vectors
// (rows × classes).
func (m *Model) Probabilities(rows [][]float64) (*mat.Dense, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	for i, r := range rows {
		if len(r) != len(m.FeatureNames) {
			return nil, fmt.Errorf("predict: row %d has %d features, model expects %d (%v)", i, len(r), len(m.FeatureNames), m.FeatureNames)
		}
	}
	if len(rows) == 0 {
		return &mat.Dense{}, nil
	}
	x := Standardizer{Mean: m.Mean, Scale: m.Scale}.Matrix(rows)
	return softmaxRows(x, m.weightMatrix(), m.Bias), nil
}

func (m *Model) weightMatrix() *mat.Dense {
	k, d := len(m.ClassNames), len(m.FeatureNames)
	w := mat.NewDense(k, d, nil)
	for i := range k {
		w.SetRow(i, m.Weights[i])
	}
	return w
}

func (m *Model) validate() error {
	k, d := len(m.ClassNames), len(m.FeatureNames)
	if k < 2 || d == 0 {
		return fmt.Errorf("model: needs at least 2 classes and 1 feature, has %d and %d", k, d)
	}
	if len(m.Mean) != d || len(m.Scale) != d || len(m.Bias) != k || len(m.Weights) != k {
		return fmt.Errorf("model: inconsistent shapes (mean %d, scale %d, bias %d, weights %d for %d classes × %d features)",
			len(m.Mean), len(m.Scale), len(m.Bias), len(m.Weights), k, d)
	}
	for i, r := range m.Weights {
		if len(r) != d {
			return fmt.Errorf("model: weights row %d has %d entries, want %d", i, len(r), d)
		}
	}
	return nil
}

// softmaxRows returns softmax(x·wᵀ + b) row by row, computed stably with
// log-sum-exp.
func softmaxRows(x, w *mat.Dense, b []float64) *mat.Dense {
	n, _ := x.Dims()
	k, _ := w.Dims()
	z := mat.NewDense(n, k, nil)
	z.Mul(x, w.T())
	for i := range n {
		row := z.RawRowView(i)
		floats.Add(row, b)
		lse := floats.LogSumExp(row)
		for j := range row {
			row[j] = math.Exp(row[j] - lse)
		}
	}
	return z
}

// Save writes model.json into dir (created if missing) atomically.
func (m *Model) Save(dir string) error {
	if err := m.validate(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	return contract.WriteFileAtomic(filepath.Join(dir, ModelFileName), append(b, '\n'))
}

// LoadModel reads dir/model.json and checks its format and shapes.
func LoadModel(dir string) (*Model, error) {
	path := filepath.Join(dir, ModelFileName)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	if m.Format != ModelFormat {
		return nil, fmt.Errorf("load model %s: format %q, want %q", path, m.Format, ModelFormat)
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	return &m, nil
}
