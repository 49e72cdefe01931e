package cartrainer

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/kfpgo/kfpgo/components/distributedtrain/contract"
)

// Hyperparameters of mini-batch gradient descent on the mean cross-entropy
// plus L2/2·‖W‖² (the bias is not regularized).
type Hyperparameters struct {
	// Epochs is the number of passes over the training split. Optional: defaults to 300.
	Epochs int `json:"epochs"`
	// BatchSize is the global batch size: examples per step summed over all
	// workers. Optional: defaults to 32.
	BatchSize int `json:"batch_size"`
	// LearningRate is the step size. Optional: defaults to 0.1.
	LearningRate float64 `json:"learning_rate"`
	// L2 is the weight decay coefficient. Optional: defaults to 0.001.
	L2 float64 `json:"l2"`
	// Seed drives the per-epoch shuffle (math/rand/v2 PCG seeded with
	// (Seed, epoch)), so runs are reproducible. Optional: defaults to 0.
	Seed uint64 `json:"seed"`
}

func (h Hyperparameters) withDefaults() (Hyperparameters, error) {
	if h.Epochs == 0 {
		h.Epochs = 300
	}
	if h.BatchSize == 0 {
		h.BatchSize = 32
	}
	if h.LearningRate == 0 {
		h.LearningRate = 0.1
	}
	if h.L2 == 0 {
		h.L2 = 0.001
	}
	switch {
	case h.Epochs < 0:
		return h, fmt.Errorf("hyperparameters: epochs %d must be positive", h.Epochs)
	case h.BatchSize < 0:
		return h, fmt.Errorf("hyperparameters: batch size %d must be positive", h.BatchSize)
	case !(h.LearningRate > 0) || math.IsInf(h.LearningRate, 0):
		return h, fmt.Errorf("hyperparameters: learning rate %v must be a positive number", h.LearningRate)
	case h.L2 < 0 || math.IsNaN(h.L2) || math.IsInf(h.L2, 0):
		return h, fmt.Errorf("hyperparameters: l2 %v must be a non-negative number", h.L2)
	}
	return h, nil
}

// Reducer sums a vector across the data-parallel workers: after
// AllReduceSum returns, buf holds the element-wise sum of every worker's buf,
// identical on every worker. Every worker calls it the same number of times
// with the same length.
type Reducer interface {
	AllReduceSum(ctx context.Context, buf []float64) error
}

// SingleWorker is the [Reducer] of a one-worker job: the sum is buf itself.
type SingleWorker struct{}

// AllReduceSum leaves buf as it is.
func (SingleWorker) AllReduceSum(context.Context, []float64) error { return nil }

// Shard tells which part of each global batch a worker computes.
type Shard struct {
	// Rank is this worker's 0-based index; Size the number of workers.
	Rank, Size int
}

// TrainStats summarizes a training run.
type TrainStats struct {
	Steps int
	// FinalLoss is the mean cross-entropy (without the L2 term) over the
	// training split after the last step.
	FinalLoss float64
	// TrainRows is the number of training examples.
	TrainRows int
}

// dataset is a split turned into a standardized matrix and class indices.
type dataset struct {
	x *mat.Dense
	y []int
}

func labels(recs []Record, classes []string, split string) ([]int, error) {
	y := make([]int, len(recs))
	for i, r := range recs {
		k := slices.Index(classes, r.Origin)
		if k < 0 {
			return nil, fmt.Errorf("%s split: row %q has origin %q, not one of the classes %v; set the classes to match the data",
				split, r.EntityKey, r.Origin, classes)
		}
		y[i] = k
	}
	return y, nil
}

func features(recs []Record) ([][]float64, error) {
	out := make([][]float64, len(recs))
	for i, r := range recs {
		if len(r.Features) != len(FeatureNames) {
			return nil, fmt.Errorf("row %q has %d features, want %d (%v)", r.EntityKey, len(r.Features), len(FeatureNames), FeatureNames)
		}
		out[i] = r.Features
	}
	return out, nil
}

// Train fits a [Model] on the training records with synchronous
// data-parallel mini-batch gradient descent.
//
// Every worker holds the whole training split in the same order. At each
// epoch all workers shuffle the indices with the same seeded generator and
// cut the permutation into global batches of h.BatchSize examples (the last
// one may be smaller). Worker r of s takes positions r, r+s, r+2s, ... of
// each batch, sums the cross-entropy gradient over them, and the reducer
// adds those sums across workers; each worker then divides by the global
// batch length and applies the same update, so the weights stay identical
// on every worker and equal (up to floating-point summation order) to what
// one worker computes with the same global batch.
func Train(ctx context.Context, train []Record, classes []string, h Hyperparameters, shard Shard, red Reducer, log *slog.Logger) (*Model, TrainStats, error) {
	h, err := h.withDefaults()
	if err != nil {
		return nil, TrainStats{}, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if shard.Size < 1 || shard.Rank < 0 || shard.Rank >= shard.Size {
		return nil, TrainStats{}, fmt.Errorf("train: worker rank %d of %d is out of range", shard.Rank, shard.Size)
	}
	if len(classes) < 2 {
		return nil, TrainStats{}, fmt.Errorf("train: need at least 2 classes, got %v", classes)
	}
	if red == nil {
		red = SingleWorker{}
	}
	raw, err := features(train)
	if err != nil {
		return nil, TrainStats{}, fmt.Errorf("train split: %w", err)
	}
	std, err := FitStandardizer(raw, len(FeatureNames))
	if err != nil {
		return nil, TrainStats{}, err
	}
	y, err := labels(train, classes, SplitTrain)
	if err != nil {
		return nil, TrainStats{}, err
	}
	x := std.Matrix(raw)
	n, d := len(train), len(FeatureNames)
	k := len(classes)

	w := mat.NewDense(k, d, nil)
	b := make([]float64, k)
	// buf packs the local gradient sums: k×d weights, then k biases.
	buf := make([]float64, k*d+k)
	steps := 0
	for epoch := range h.Epochs {
		if err := ctx.Err(); err != nil {
			return nil, TrainStats{}, fmt.Errorf("train: cancelled at epoch %d: %w", epoch, err)
		}
		perm := rand.New(rand.NewPCG(h.Seed, uint64(epoch))).Perm(n)
		for start := 0; start < n; start += h.BatchSize {
			batch := perm[start:min(start+h.BatchSize, n)]
			var mine []int
			for i := shard.Rank; i < len(batch); i += shard.Size {
				mine = append(mine, batch[i])
			}
			clear(buf)
			gradientSum(x, y, mine, w, b, buf)
			if err := red.AllReduceSum(ctx, buf); err != nil {
				return nil, TrainStats{}, fmt.Errorf("train: epoch %d step %d: all-reduce: %w", epoch, steps, err)
			}
			inv := 1 / float64(len(batch))
			wr := w.RawMatrix()
			for c := range k {
				for j := range d {
					g := buf[c*d+j]*inv + h.L2*wr.Data[c*wr.Stride+j]
					wr.Data[c*wr.Stride+j] -= h.LearningRate * g
				}
				b[c] -= h.LearningRate * buf[k*d+c] * inv
			}
			steps++
		}
		if epoch%50 == 0 || epoch == h.Epochs-1 {
			log.Debug("epoch done", "epoch", epoch, "train_loss", crossEntropy(softmaxRows(x, w, b), y))
		}
	}
	m := &Model{
		Format:          ModelFormat,
		FeatureNames:    slices.Clone(FeatureNames),
		ClassNames:      slices.Clone(classes),
		Mean:            std.Mean,
		Scale:           std.Scale,
		Weights:         make([][]float64, k),
		Bias:            b,
		Hyperparameters: h,
	}
	for c := range k {
		m.Weights[c] = slices.Clone(w.RawRowView(c))
	}
	return m, TrainStats{Steps: steps, FinalLoss: crossEntropy(softmaxRows(x, w, b), y), TrainRows: n}, nil
}

// gradientSum adds Σ_{i∈rows} (p_i − onehot(y_i)) ⊗ x_i to buf[:k*d] and
// Σ (p_i − onehot(y_i)) to buf[k*d:].
func gradientSum(x *mat.Dense, y []int, rows []int, w *mat.Dense, b []float64, buf []float64) {
	if len(rows) == 0 {
		return
	}
	k, d := w.Dims()
	xs := mat.NewDense(len(rows), d, nil)
	for i, r := range rows {
		xs.SetRow(i, x.RawRowView(r))
	}
	p := softmaxRows(xs, w, b) // residuals after subtracting the one-hot labels
	for i, r := range rows {
		p.Set(i, y[r], p.At(i, y[r])-1)
	}
	g := mat.NewDense(k, d, buf[:k*d])
	g.Mul(p.T(), xs)
	for i := range rows {
		for c := range k {
			buf[k*d+c] += p.At(i, c)
		}
	}
}

// crossEntropy is the mean −log p(true class); probabilities are floored at
// 1e-300 to stay finite.
func crossEntropy(p *mat.Dense, y []int) float64 {
	if len(y) == 0 {
		return 0
	}
	var s float64
	for i, c := range y {
		s -= math.Log(math.Max(p.At(i, c), 1e-300))
	}
	return s / float64(len(y))
}

// Evaluation holds a model's quality on one split.
type Evaluation struct {
	Rows     int
	Accuracy float64
	// Loss is the mean cross-entropy.
	Loss            float64
	ConfusionMatrix contract.ConfusionMatrix
}

// Evaluate scores m on recs. It fails on a label outside m.ClassNames or a
// malformed row; an empty split gives zero rows and zero metrics.
func Evaluate(m *Model, recs []Record) (Evaluation, error) {
	y, err := labels(recs, m.ClassNames, "evaluation")
	if err != nil {
		return Evaluation{}, err
	}
	raw, err := features(recs)
	if err != nil {
		return Evaluation{}, fmt.Errorf("evaluation: %w", err)
	}
	k := len(m.ClassNames)
	cm := contract.ConfusionMatrix{Classes: slices.Clone(m.ClassNames), Matrix: make([][]int64, k)}
	for i := range cm.Matrix {
		cm.Matrix[i] = make([]int64, k)
	}
	ev := Evaluation{Rows: len(recs), ConfusionMatrix: cm}
	if len(recs) == 0 {
		return ev, nil
	}
	p, err := m.Probabilities(raw)
	if err != nil {
		return Evaluation{}, err
	}
	correct := 0
	for i, c := range y {
		pred := 0
		for j := 1; j < k; j++ {
			if p.At(i, j) > p.At(i, pred) {
				pred = j
			}
		}
		cm.Matrix[c][pred]++
		if pred == c {
			correct++
		}
	}
	ev.Accuracy = float64(correct) / float64(len(y))
	ev.Loss = crossEntropy(p, y)
	return ev, nil
}
