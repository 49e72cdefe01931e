// Command comp hosts the Go-function components used by the executor's
// end-to-end tests.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kfpgo/kfpgo/sdk/artifacts"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/kfpgo/kfpgo/sdk/executor"
)

// TrainIn covers every kind of input the executor binds.
type TrainIn struct {
	Label    dsl.Param[string]          `kfp:"label"`
	Epochs   dsl.Param[int]             `kfp:"epochs"`
	Rate     dsl.Param[float64]         `kfp:"learning_rate"`
	Verbose  dsl.Param[bool]            `kfp:"verbose"`
	Tags     dsl.Param[[]string]        `kfp:"tags"`
	Config   dsl.Param[map[string]any]  `kfp:"config"`
	Seed     dsl.Param[int]             `kfp:"seed" default:"7"`
	Note     dsl.Param[string]          `kfp:"note,optional"`
	Features dsl.Artifact[dsl.Dataset]  `kfp:"features"`
	Shards   dsl.Artifacts[dsl.Dataset] `kfp:"shards"`
	Extra    dsl.Artifact[dsl.Dataset]  `kfp:"extra,optional"`
}

// TrainOut covers every kind of output.
type TrainOut struct {
	Model    dsl.Artifact[dsl.Model]                 `kfp:"model"`
	Metrics  dsl.Artifact[dsl.Metrics]               `kfp:"metrics"`
	Classes  dsl.Artifact[dsl.ClassificationMetrics] `kfp:"classes"`
	Report   dsl.Artifact[dsl.Markdown]              `kfp:"report"`
	Accuracy dsl.Param[float64]                      `kfp:"accuracy"`
	Summary  dsl.Param[string]                       `kfp:"summary"`
	Counts   dsl.Param[[]int]                        `kfp:"counts"`
}

var train = dsl.NewComponent("train", func(ctx context.Context, in TrainIn) (TrainOut, error) {
	out := dsl.Outputs[TrainOut](ctx)
	data, err := os.ReadFile(in.Features.Path())
	if err != nil {
		return TrainOut{}, err
	}
	var shards []string
	for _, s := range in.Shards.Items() {
		shards = append(shards, s.URI)
	}
	model := fmt.Sprintf("label=%s epochs=%d rate=%g verbose=%t tags=%s config=%v seed=%d note=%q rows=%v extra=%t shards=%s data=%s",
		in.Label.Value(), in.Epochs.Value(), in.Rate.Value(), in.Verbose.Value(), strings.Join(in.Tags.Value(), "+"),
		in.Config.Value()["depth"], in.Seed.Value(), in.Note.Value(), in.Features.Metadata()["rows"], in.Extra.IsSet(),
		strings.Join(shards, ","), strings.TrimSpace(string(data)))
	if err := os.WriteFile(out.Model.Path(), []byte(model), 0o644); err != nil {
		return TrainOut{}, err
	}
	out.Model.SetMetadata("framework", "go")
	if err := artifacts.LogMetric(out.Metrics, "accuracy", 0.875); err != nil {
		return TrainOut{}, err
	}
	cm, err := artifacts.ConfusionMatrix([]string{"car", "truck"}, []string{"car", "car", "truck"}, []string{"car", "truck", "truck"})
	if err != nil {
		return TrainOut{}, err
	}
	roc, err := artifacts.ROCCurve([]float64{0, 0.5}, []float64{0.5, 1}, []float64{0.9, 0.1})
	if err != nil {
		return TrainOut{}, err
	}
	if err := artifacts.LogClassificationMetrics(out.Classes, artifacts.ClassificationMetrics{Categories: []string{"car", "truck"}, Matrix: cm, ROC: roc}); err != nil {
		return TrainOut{}, err
	}
	if err := artifacts.WriteMarkdown(out.Report, "# Report\n"); err != nil {
		return TrainOut{}, err
	}
	out.Accuracy.Set(0.875)
	out.Summary.Set("trained " + in.Label.Value())
	out.Counts.Set([]int{1, 2, 3})
	return *out, nil
}, dsl.Image("ko://github.com/kfpgo/kfpgo/sdk/executor/testdata/comp"))

type none struct{}

type failIn struct {
	Mode dsl.Param[string] `kfp:"mode"`
}

var fail = dsl.NewComponent("fail", func(ctx context.Context, in failIn) (none, error) {
	switch in.Mode.Value() {
	case "permanent":
		return none{}, fmt.Errorf("table %q: %w", "x", dsl.Permanent(errors.New("no such table")))
	case "panic":
		var m map[string]int
		m["x"] = 1 // nil map write: a real runtime panic
	case "wait":
		// Block until the executor's context is cancelled (SIGTERM).
		fmt.Println("waiting")
		<-ctx.Done()
		return none{}, fmt.Errorf("cancelled: %w", ctx.Err())
	case "ignore":
		// Notice the cancellation, then carry on until stdin closes, as a
		// function that does not watch its context would.
		fmt.Println("waiting")
		<-ctx.Done()
		fmt.Println("ignoring")
		_, _ = io.Copy(io.Discard, os.Stdin)
		return none{}, nil
	}
	return none{}, errors.New("bad input data\nsecond line")
}, dsl.Image("ko://github.com/kfpgo/kfpgo/sdk/executor/testdata/comp"))

type exitIn struct {
	Status dsl.PipelineTaskFinalStatus `kfp:"status"`
}

type exitOut struct {
	State dsl.Param[string] `kfp:"state"`
}

var exitTask = dsl.NewComponent("exit-report", func(ctx context.Context, in exitIn) (exitOut, error) {
	var out exitOut
	out.State.Set(in.Status.State + "/" + in.Status.PipelineTaskName + "/" + in.Status.Error.Message)
	return out, nil
}, dsl.Image("ko://github.com/kfpgo/kfpgo/sdk/executor/testdata/comp"))

// partialOut has outputs the "partial" component leaves unwritten.
type partialOut struct {
	Model   dsl.Artifact[dsl.Model]                       `kfp:"model"`
	Data    dsl.Artifact[dsl.Dataset]                     `kfp:"data"`
	Report  dsl.Artifact[dsl.Markdown]                    `kfp:"report"`
	Metrics dsl.Artifact[dsl.Metrics]                     `kfp:"metrics"`
	Sliced  dsl.Artifact[dsl.SlicedClassificationMetrics] `kfp:"sliced"`
}

var partial = dsl.NewComponent("partial", func(ctx context.Context, _ none) (partialOut, error) {
	out := dsl.Outputs[partialOut](ctx)
	// Data is a folder, Report a file; Model and the metrics get nothing.
	if err := os.MkdirAll(out.Data.Path(), 0o755); err != nil {
		return partialOut{}, err
	}
	if err := os.WriteFile(out.Report.Path(), []byte("# r\n"), 0o644); err != nil {
		return partialOut{}, err
	}
	return *out, nil
}, dsl.Image("ko://github.com/kfpgo/kfpgo/sdk/executor/testdata/comp"))

func main() { executor.Main(train, fail, exitTask, partial) }
