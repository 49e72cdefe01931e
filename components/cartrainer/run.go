package cartrainer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kfpgo/kfpgo/components/distributedtrain/contract"
)

// Options configure one replica of the example trainer.
type Options struct {
	// Source reads the splits. Required.
	Source Source
	// TFConfig is the raw TF_CONFIG value. Optional: empty means a single
	// worker (what the training-operator gives a one-replica job).
	TFConfig string
	// ModelDir receives model.json on the writing replica. Required there.
	ModelDir string
	// MetricsFile receives the metrics JSON on the writing replica
	// (contract.Metrics). Required there.
	MetricsFile string
	// Classes are the label values in output order. Optional: defaults to
	// [DefaultClasses].
	Classes []string
	// Hyperparameters of the optimizer; zero fields take their defaults.
	Hyperparameters Hyperparameters
	// Timeout bounds the wait for the other workers and each all-reduce
	// step. Optional: defaults to 2 minutes.
	Timeout time.Duration
	// Logger receives progress. Optional: defaults to discarding.
	Logger *slog.Logger
}

// Result is what one replica did.
type Result struct {
	// Role is the TF_CONFIG task ("worker/1"); Rank and WorldSize its place
	// in the training group.
	Role            string
	Rank, WorldSize int
	Stats           TrainStats
	Validation      Evaluation
	// Model is the trained model (identical on every training replica).
	Model *Model
	// Wrote reports whether this replica wrote the model and metrics.
	Wrote bool
}

// Run trains on the train split, evaluates on the validation split, and on
// the writing replica (chief, else worker 0) writes ModelDir/model.json and
// then MetricsFile with the scalars accuracy, loss (validation mean
// cross-entropy), train_loss, validation_rows and train_rows, plus the
// validation confusion matrix. A "ps" replica is rejected (this example
// trains without parameter servers); an "evaluator" replica returns at once
// without training. Errors say which step failed.
func Run(ctx context.Context, o Options) (Result, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Source == nil {
		return Result{}, errors.New("cartrainer: no data source configured")
	}
	cfg, err := contract.ParseTFConfig(o.TFConfig)
	if err != nil {
		return Result{}, err
	}
	res := Result{Role: fmt.Sprintf("%s/%d", cfg.Task.Type, cfg.Task.Index), Rank: cfg.Rank(), WorldSize: cfg.WorldSize()}
	switch cfg.Task.Type {
	case contract.TypePS:
		return res, errors.New("cartrainer: task type \"ps\" is not supported: this trainer is synchronous data-parallel; set the PS replica count to 0")
	case contract.TypeEvaluator:
		log.Info("evaluator replica: nothing to do, the writing worker evaluates on the validation split")
		return res, nil
	case contract.TypeChief, contract.TypeWorker:
	default:
		return res, fmt.Errorf("cartrainer: unknown TF_CONFIG task type %q (want chief, worker, ps or evaluator)", cfg.Task.Type)
	}
	if res.Rank == 0 && (o.ModelDir == "" || o.MetricsFile == "") {
		return res, fmt.Errorf("cartrainer: the writing replica needs %s and %s", contract.EnvModelDir, contract.EnvMetricsFile)
	}
	classes := o.Classes
	if len(classes) == 0 {
		classes = DefaultClasses
	}

	train, err := o.Source.Split(ctx, SplitTrain)
	if err != nil {
		return res, err
	}
	val, err := o.Source.Split(ctx, SplitValidation)
	if err != nil {
		return res, err
	}
	log.Info("data loaded", "train_rows", len(train), "validation_rows", len(val), "rank", res.Rank, "world_size", res.WorldSize)

	var red Reducer = SingleWorker{}
	if res.WorldSize > 1 {
		tcp, err := DialTCPReducer(ctx, cfg.Peers(), res.Rank, o.Timeout)
		if err != nil {
			return res, err
		}
		defer tcp.Close()
		red = tcp
	}
	m, stats, err := Train(ctx, train, classes, o.Hyperparameters, Shard{Rank: res.Rank, Size: res.WorldSize}, red, log)
	if err != nil {
		return res, err
	}
	res.Model, res.Stats = m, stats
	ev, err := Evaluate(m, val)
	if err != nil {
		return res, err
	}
	res.Validation = ev
	log.Info("trained", "steps", stats.Steps, "train_loss", stats.FinalLoss, "validation_accuracy", ev.Accuracy, "validation_loss", ev.Loss)
	if res.Rank != 0 {
		return res, nil
	}
	if err := m.Save(o.ModelDir); err != nil {
		return res, err
	}
	cm := ev.ConfusionMatrix
	metrics := contract.Metrics{
		Metrics: map[string]float64{
			"accuracy":        ev.Accuracy,
			"loss":            ev.Loss,
			"train_loss":      stats.FinalLoss,
			"validation_rows": float64(ev.Rows),
			"train_rows":      float64(stats.TrainRows),
		},
		ConfusionMatrix: &cm,
	}
	if err := contract.WriteMetrics(o.MetricsFile, metrics); err != nil {
		return res, err
	}
	res.Wrote = true
	return res, nil
}
