// Package dsl is kfpgo's typed Go DSL for Kubeflow Pipelines.
//
// # Components
//
// A component's interface is two structs of handles: In for its inputs and
// Out for its outputs. Field tags give KFP names, defaults and optionality:
//
//	type TrainIn struct {
//		Features dsl.Artifact[dsl.Dataset] `kfp:"features"`
//		Epochs   dsl.Param[int]            `kfp:"epochs" default:"10"`
//		Note     dsl.Param[string]         `kfp:"note,optional"`
//	}
//	type TrainOut struct {
//		Model    dsl.Artifact[dsl.Model] `kfp:"model"`
//		Accuracy dsl.Param[float64]      `kfp:"accuracy"`
//	}
//
// Param[T] carries a KFP parameter (T is string, int, float64, bool, a slice
// or a map: STRING, NUMBER_INTEGER, NUMBER_DOUBLE, BOOLEAN, LIST, STRUCT);
// Artifact[K] an artifact of kind K (Dataset, Model, Metrics, … or your own
// Kind); Artifacts[K] a list of artifacts. Wiring a Model into a Dataset
// input, or an int into a string input, does not compile.
//
// A container component builds its command line from the same handles:
//
//	var Train = dsl.NewContainerComponent("train", func(in TrainIn, out TrainOut) dsl.Container {
//		return dsl.Container{
//			Image:   "ghcr.io/acme/train:1.0",
//			Command: []any{"train", "--data", in.Features, "--epochs", in.Epochs,
//				"--model", out.Model, "--accuracy-file", out.Accuracy},
//		}
//	})
//
// An input artifact handle stands for its local path, an input parameter
// for its value, an output parameter for the file to write it to; URIOf,
// MetadataOf, Concat, IfPresent, ExecutorInput and the Pipeline… functions
// give KFP's other placeholders.
//
// A Go-function component runs Go code in its container (see sdk/executor):
//
//	var Train = dsl.NewComponent("train", func(ctx context.Context, in TrainIn) (TrainOut, error) {
//		…
//	}, dsl.Image("ko://example.com/acme/cmd/train"))
//
// Its function returns dsl.Permanent(err) for a failure that no retry can
// fix (bad input): the local runner then fails the task at once instead of
// following SetRetry.
//
// # Pipelines
//
// A pipeline is a function over a Builder and its typed inputs, returning
// its outputs:
//
//	var Car = dsl.NewPipeline("car-training", func(b *dsl.Builder, in CarIn) CarOut {
//		prep := Prepare.Task(b, PrepareIn{Source: in.DatasetURI})
//		tr := Train.Task(b, TrainIn{Features: prep.Out.Dataset, Epochs: dsl.Lit(20)}).
//			SetCPULimit("2").SetMemoryLimit("4Gi").SetRetry(3)
//		return CarOut{Model: tr.Out.Model}
//	})
//
// Task settings chain: After, SetCaching, SetCacheKey, SetRetry, SetCPULimit,
// SetMemoryRequest, SetAcceleratorType, SetEnv, SetDisplayName, SetImage,
// IgnoreUpstreamFailure, and the …From variants that take a parameter.
// A pipeline is also a component: Car.Task(b, …) nests it in another.
//
// # Values built from run-time values
//
// Format builds a string argument with run-time values in literal text (a
// Python f-string over pipeline channels); Compose builds a list or struct
// argument with run-time values at any depth (a Python list or dict
// holding channels):
//
//	msg := dsl.Format("trained ", tr.Out.Accuracy, " on ", in.DatasetURI)
//	pools := dsl.Compose[[]any]([]any{map[string]any{
//		"machine_spec":  map[string]any{"machine_type": pick.Out.MachineType},
//		"replica_count": 2,
//	}})
//
// # Errors
//
// Misuse never panics: each DSL call records the caller's file:line, and
// `kfpgo compile` (or compiler.Compile) reports every problem with its
// position and a hint, like a Go compiler. Use ir.MarkHelper in your own
// wrappers so positions point at their callers.
package dsl
