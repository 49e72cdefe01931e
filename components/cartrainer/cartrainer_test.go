package cartrainer

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/kfpgo/kfpgo/components/distributedtrain/contract"
)

// carsRow is one object of testdata/cars.json (vega-datasets).
type carsRow struct {
	Name           string
	MilesPerGallon *float64 `json:"Miles_per_Gallon"`
	Cylinders      *float64
	Displacement   *float64
	Horsepower     *float64
	WeightInLbs    *float64 `json:"Weight_in_lbs"`
	Acceleration   *float64
	Year           string
	Origin         string
}

// testSplit assigns row i of cars.json to a split the way a deterministic
// splitter would: every 5th row validation, every 10th (offset 1) test.
func testSplit(i int) string {
	switch {
	case i%5 == 0:
		return SplitValidation
	case i%10 == 1:
		return SplitTest
	}
	return SplitTrain
}

func loadCars(t testing.TB) MemorySource {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cars.json"))
	require.NoError(t, err)
	var rows []carsRow
	require.NoError(t, json.Unmarshal(b, &rows))
	require.Len(t, rows, 406)
	src := MemorySource{}
	for i, r := range rows {
		year := math.NaN()
		fmt.Sscanf(r.Year, "%4f", &year)
		f := []float64{val(r.MilesPerGallon), val(r.Cylinders), val(r.Displacement), val(r.Horsepower), val(r.WeightInLbs), val(r.Acceleration), year}
		s := testSplit(i)
		src[s] = append(src[s], Record{EntityKey: fmt.Sprintf("car-%04d", i), Features: f, Origin: r.Origin})
	}
	return src
}

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func TestTrainCarsLearnsOrigin(t *testing.T) {
	src := loadCars(t)
	m, stats, err := Train(context.Background(), src[SplitTrain], DefaultClasses, Hyperparameters{Seed: 7}, Shard{0, 1}, nil, nil)
	require.NoError(t, err)
	ev, err := Evaluate(m, src[SplitValidation])
	require.NoError(t, err)
	t.Logf("cars: %d train rows, %d steps, train loss %.4f, validation accuracy %.4f, loss %.4f, confusion %v",
		stats.TrainRows, stats.Steps, stats.FinalLoss, ev.Accuracy, ev.Loss, ev.ConfusionMatrix.Matrix)
	assert.Equal(t, 283, stats.TrainRows)
	assert.Equal(t, 300*9, stats.Steps) // ceil(283/32) = 9 steps per epoch
	// A linear model separates USA well and Europe/Japan less so; it must
	// clearly beat predicting the majority class.
	majority := 0
	for _, r := range src[SplitValidation] {
		if r.Origin == "USA" {
			majority++
		}
	}
	baseline := float64(majority) / float64(len(src[SplitValidation]))
	t.Logf("majority-class baseline accuracy %.4f", baseline)
	assert.Greater(t, ev.Accuracy, baseline+0.1)
	assert.Less(t, ev.Loss, 0.6)
	var total int64
	for _, r := range ev.ConfusionMatrix.Matrix {
		for _, v := range r {
			total += v
		}
	}
	assert.Equal(t, int64(len(src[SplitValidation])), total)
	// The standardization statistics come from the training split only.
	raw, _ := features(src[SplitTrain])
	std, err := FitStandardizer(raw, len(FeatureNames))
	require.NoError(t, err)
	assert.Equal(t, std.Mean, m.Mean)
	assert.Equal(t, std.Scale, m.Scale)
}

func TestTrainIsDeterministic(t *testing.T) {
	src := loadCars(t)
	h := Hyperparameters{Epochs: 20, Seed: 3}
	a, _, err := Train(context.Background(), src[SplitTrain], DefaultClasses, h, Shard{0, 1}, nil, nil)
	require.NoError(t, err)
	b, _, err := Train(context.Background(), src[SplitTrain], DefaultClasses, h, Shard{0, 1}, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, a.Weights, b.Weights)
	assert.Equal(t, a.Bias, b.Bias)
	h.Seed = 4
	c, _, err := Train(context.Background(), src[SplitTrain], DefaultClasses, h, Shard{0, 1}, nil, nil)
	require.NoError(t, err)
	assert.NotEqual(t, a.Weights, c.Weights)
}

// TestGradientMatchesFiniteDifferences checks the analytic cross-entropy
// gradient against central differences of the loss.
func TestGradientMatchesFiniteDifferences(t *testing.T) {
	src := loadCars(t)
	raw, _ := features(src[SplitTrain][:40])
	std, _ := FitStandardizer(raw, len(FeatureNames))
	x := std.Matrix(raw)
	y, err := labels(src[SplitTrain][:40], DefaultClasses, SplitTrain)
	require.NoError(t, err)
	k, d := 3, len(FeatureNames)
	w := mat.NewDense(k, d, nil)
	for i := range k * d {
		w.RawMatrix().Data[i] = math.Sin(float64(i)) / 2
	}
	b := []float64{0.1, -0.2, 0.05}
	rows := make([]int, len(y))
	for i := range rows {
		rows[i] = i
	}
	buf := make([]float64, k*d+k)
	gradientSum(x, y, rows, w, b, buf)
	loss := func() float64 { return crossEntropy(softmaxRows(x, w, b), y) * float64(len(y)) }
	const eps = 1e-6
	for i := range k * d {
		orig := w.RawMatrix().Data[i]
		w.RawMatrix().Data[i] = orig + eps
		up := loss()
		w.RawMatrix().Data[i] = orig - eps
		down := loss()
		w.RawMatrix().Data[i] = orig
		assert.InDelta(t, (up-down)/(2*eps), buf[i], 1e-5, "weight %d", i)
	}
	for c := range k {
		orig := b[c]
		b[c] = orig + eps
		up := loss()
		b[c] = orig - eps
		down := loss()
		b[c] = orig
		assert.InDelta(t, (up-down)/(2*eps), buf[k*d+c], 1e-5, "bias %d", c)
	}
}

func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

// trainParallel trains with size workers over loopback TCP and returns each
// worker's model.
func trainParallel(t *testing.T, train []Record, h Hyperparameters, size int) []*Model {
	t.Helper()
	peers := freeAddrs(t, size)
	models := make([]*Model, size)
	errs := make([]error, size)
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for r := range size {
		wg.Go(func() {
			red, err := DialTCPReducer(ctx, peers, r, 30*time.Second)
			if err != nil {
				errs[r] = err
				return
			}
			defer red.Close()
			models[r], _, errs[r] = Train(ctx, train, DefaultClasses, h, Shard{Rank: r, Size: size}, red, nil)
		})
	}
	wg.Wait()
	for r, err := range errs {
		require.NoError(t, err, "worker %d", r)
	}
	return models
}

func maxAbsDiff(a, b *Model) float64 {
	var m float64
	for c := range a.Weights {
		for j := range a.Weights[c] {
			m = math.Max(m, math.Abs(a.Weights[c][j]-b.Weights[c][j]))
		}
		m = math.Max(m, math.Abs(a.Bias[c]-b.Bias[c]))
	}
	return m
}

// TestTwoWorkersEqualOneWorker is the data-parallel equivalence test: with
// the same global batch, 2 (and 3) workers reducing gradients over TCP give
// the weights of 1 worker to within 1e-9.
func TestTwoWorkersEqualOneWorker(t *testing.T) {
	src := loadCars(t)
	h := Hyperparameters{Epochs: 100, BatchSize: 32, Seed: 11}
	one, _, err := Train(context.Background(), src[SplitTrain], DefaultClasses, h, Shard{0, 1}, nil, nil)
	require.NoError(t, err)
	for _, size := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d workers", size), func(t *testing.T) {
			models := trainParallel(t, src[SplitTrain], h, size)
			for r, m := range models {
				// Every worker holds bit-identical weights: they apply the same reduced gradient.
				assert.Equal(t, models[0].Weights, m.Weights, "worker %d", r)
			}
			diff := maxAbsDiff(one, models[0])
			t.Logf("%d workers vs 1 worker: max |Δweight| = %.3g after %d epochs", size, diff, h.Epochs)
			assert.Less(t, diff, 1e-9)
		})
	}
}

func TestRunWritesModelAndMetrics(t *testing.T) {
	src := loadCars(t)
	dir := t.TempDir()
	o := Options{
		Source:          src,
		ModelDir:        filepath.Join(dir, "model"),
		MetricsFile:     filepath.Join(dir, "out", "metrics.json"),
		Hyperparameters: Hyperparameters{Epochs: 50, Seed: 1},
	}
	res, err := Run(context.Background(), o)
	require.NoError(t, err)
	assert.True(t, res.Wrote)
	assert.Equal(t, "worker/0", res.Role)
	assert.Equal(t, 1, res.WorldSize)

	m, err := LoadModel(o.ModelDir)
	require.NoError(t, err)
	assert.Equal(t, res.Model.Weights, m.Weights)
	assert.Equal(t, FeatureNames, m.FeatureNames)
	assert.Equal(t, DefaultClasses, m.ClassNames)
	assert.Equal(t, 50, m.Hyperparameters.Epochs)

	got, err := contract.ReadMetrics(o.MetricsFile)
	require.NoError(t, err)
	assert.InDelta(t, res.Validation.Accuracy, got.Metrics["accuracy"], 0)
	assert.InDelta(t, res.Validation.Loss, got.Metrics["loss"], 0)
	assert.Equal(t, float64(len(src[SplitValidation])), got.Metrics["validation_rows"])
	require.NotNil(t, got.ConfusionMatrix)
	assert.Equal(t, DefaultClasses, got.ConfusionMatrix.Classes)
	assert.Equal(t, res.Validation.ConfusionMatrix.Matrix, got.ConfusionMatrix.Matrix)

	// A model reloaded from disk predicts what the trained one predicts.
	raw, _ := features(src[SplitValidation])
	p1, err := res.Model.Probabilities(raw)
	require.NoError(t, err)
	p2, err := m.Probabilities(raw)
	require.NoError(t, err)
	assert.True(t, mat.Equal(p1, p2))
}

func TestRunTwoReplicasThroughTFConfig(t *testing.T) {
	src := loadCars(t)
	peers := freeAddrs(t, 2)
	dir := t.TempDir()
	results := make([]Result, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		cfg, err := contract.TFConfig{
			Cluster:     map[string][]string{"chief": peers[:1], "worker": peers[1:]},
			Task:        contract.TaskSpec{Type: []string{"chief", "worker"}[i], Index: 0},
			Environment: "cloud",
		}.Marshal()
		require.NoError(t, err)
		wg.Go(func() {
			results[i], errs[i] = Run(context.Background(), Options{
				Source: src, TFConfig: cfg,
				ModelDir: filepath.Join(dir, "model"), MetricsFile: filepath.Join(dir, "metrics.json"),
				Hyperparameters: Hyperparameters{Epochs: 10}, Timeout: 30 * time.Second,
			})
		})
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	assert.True(t, results[0].Wrote, "the chief writes")
	assert.False(t, results[1].Wrote, "worker 0 does not write when there is a chief")
	assert.Equal(t, 1, results[1].Rank)
	assert.Equal(t, results[0].Model.Weights, results[1].Model.Weights)
	assert.FileExists(t, filepath.Join(dir, "model", ModelFileName))
}

func TestRunErrors(t *testing.T) {
	src := loadCars(t)
	dir := t.TempDir()
	base := Options{Source: src, ModelDir: dir, MetricsFile: filepath.Join(dir, "m.json"), Hyperparameters: Hyperparameters{Epochs: 1}}
	cases := []struct {
		name string
		edit func(o *Options)
		want string
	}{
		{"no source", func(o *Options) { o.Source = nil }, "no data source"},
		{"bad TF_CONFIG", func(o *Options) { o.TFConfig = "{" }, "parse TF_CONFIG"},
		{"task without address", func(o *Options) { o.TFConfig = `{"cluster":{"worker":["a:1"]},"task":{"type":"worker","index":3}}` }, "has no address"},
		{"ps replica", func(o *Options) {
			o.TFConfig = `{"cluster":{"worker":["a:1"],"ps":["b:1"]},"task":{"type":"ps","index":0}}`
		}, "\"ps\" is not supported"},
		{"unknown class", func(o *Options) { o.Classes = []string{"USA", "Japan"} }, "origin \"Europe\", not one of the classes"},
		{"writer without outputs", func(o *Options) { o.ModelDir = "" }, "KFPGO_MODEL_DIR"},
		{"bad hyperparameters", func(o *Options) { o.Hyperparameters.LearningRate = -1 }, "learning rate"},
		{"empty train split", func(o *Options) { o.Source = MemorySource{} }, "training split has no rows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := base
			c.edit(&o)
			_, err := Run(context.Background(), o)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	t.Run("evaluator does nothing", func(t *testing.T) {
		o := base
		o.TFConfig = `{"cluster":{"worker":["a:1"],"evaluator":["b:1"]},"task":{"type":"evaluator","index":0}}`
		res, err := Run(context.Background(), o)
		require.NoError(t, err)
		assert.False(t, res.Wrote)
	})
}

func TestTCPReducerFailures(t *testing.T) {
	t.Run("peer never comes", func(t *testing.T) {
		peers := freeAddrs(t, 2)
		_, err := DialTCPReducer(context.Background(), peers, 0, 300*time.Millisecond)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "waited on "+peers[0])
	})
	t.Run("rank 0 unreachable", func(t *testing.T) {
		peers := freeAddrs(t, 2)
		_, err := DialTCPReducer(context.Background(), peers, 1, 300*time.Millisecond)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cannot reach rank 0 at "+peers[0])
	})
	t.Run("length mismatch", func(t *testing.T) {
		peers := freeAddrs(t, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for r := range 2 {
			wg.Go(func() {
				red, err := DialTCPReducer(context.Background(), peers, r, 5*time.Second)
				if err != nil {
					errs[r] = err
					return
				}
				defer red.Close()
				errs[r] = red.AllReduceSum(context.Background(), make([]float64, 3+r))
			})
		}
		wg.Wait()
		require.Error(t, errs[0])
		assert.Contains(t, errs[0].Error(), "protocol mismatch")
		require.Error(t, errs[1])
	})
	t.Run("sums in rank order", func(t *testing.T) {
		peers := freeAddrs(t, 3)
		bufs := [][]float64{{1, 2}, {10, 20}, {100, 200}}
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for r := range 3 {
			wg.Go(func() {
				red, err := DialTCPReducer(context.Background(), peers, r, 5*time.Second)
				if err != nil {
					errs[r] = err
					return
				}
				defer red.Close()
				for range 2 {
					if errs[r] = red.AllReduceSum(context.Background(), bufs[r]); errs[r] != nil {
						return
					}
				}
			})
		}
		wg.Wait()
		for r := range 3 {
			require.NoError(t, errs[r])
			assert.Equal(t, []float64{333, 666}, bufs[r], "rank %d after two reductions", r)
		}
	})
}
