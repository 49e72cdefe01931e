package conformance

import (
	"context"
	"os"
	"time"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// kfp-ir/critical/pipeline_with_retry.yaml
type addIn struct {
	A dsl.Param[float64] `kfp:"a"`
	B dsl.Param[float64] `kfp:"b"`
}
type addPipelineIn struct {
	A dsl.Param[float64] `kfp:"a" default:"1.0"`
	B dsl.Param[float64] `kfp:"b" default:"7.0"`
}
type floatOutput struct {
	Output dsl.Param[float64] `kfp:"Output"`
}

var add_ = goFuncDo("add", func(_ context.Context, in addIn) (out floatOutput, _ error) {
	out.Output.Set(in.A.Value() + in.B.Value())
	return out, nil
})

var retryPipeline = dsl.NewPipeline("test-pipeline", func(b *dsl.Builder, in addPipelineIn) none {
	add_.Task(b, addIn{A: in.A, B: in.B}).SetRetry(3)
	return none{}
})

// kfp-ir/log_streaming_compiled.yaml
type messageIn struct {
	Message dsl.Param[string] `kfp:"message"`
}
type messageDefaultIn struct {
	Message dsl.Param[string] `kfp:"message" default:"Hello world"`
}

var printMessage = goFunc[messageIn, none]("print_message")

var logStreaming = dsl.NewPipeline("log-streaming-pipeline", func(b *dsl.Builder, in messageDefaultIn) none {
	printMessage.Task(b, messageIn{Message: in.Message}).SetCaching(false)
	return none{}
}, dsl.Description("Pipeline that prints a hello message in a loop to test log streaming in Dashboard"))

// kfp-ir/pipeline_with_utils.yaml
type msgIn struct {
	Msg dsl.Param[string] `kfp:"msg"`
}
type msgDefaultIn struct {
	Msg dsl.Param[string] `kfp:"msg" default:"Hello, World!"`
}

var echoMsg = goFunc[msgIn, none]("echo")

var withUtils = dsl.NewPipeline("pipeline-with-utils", func(b *dsl.Builder, in msgDefaultIn) none {
	echoMsg.Task(b, msgIn{Msg: in.Msg})
	return none{}
}, dsl.Description("A simple hello world pipeline"))

// kfp-ir/take_nap_compiled.yaml
type napIn struct {
	NaptimeSecs dsl.Param[int] `kfp:"naptime_secs"`
}
type napPipelineIn struct {
	NaptimeSecs dsl.Param[int] `kfp:"naptime_secs" default:"900"`
}

var takeNap = goFuncDo("take_nap", func(ctx context.Context, in napIn) (out stringOutput, _ error) {
	select {
	case <-time.After(time.Duration(in.NaptimeSecs.Value()) * time.Second):
	case <-ctx.Done():
		return out, ctx.Err()
	}
	out.Output.Set("I'm awake now. Did I snore?")
	return out, nil
})
var wakeUp = goFunc[messageIn, none]("wake_up")

var takeNapPipeline = dsl.NewPipeline("take-nap-pipeline", func(b *dsl.Builder, in napPipelineIn) none {
	nap := takeNap.Task(b, napIn{NaptimeSecs: in.NaptimeSecs}).SetCaching(false)
	wakeUp.Task(b, messageIn{Message: nap.Out.Output}).SetCaching(false)
	return none{}
}, dsl.Description("Pipeline that sleeps for 15 mins (900 secs)"))

// kfp-ir/preprocess.yaml
type preprocessIn struct {
	InputDictParameter dsl.Param[map[string]any] `kfp:"input_dict_parameter"`
	InputListParameter dsl.Param[[]any]          `kfp:"input_list_parameter"`
	Message            dsl.Param[string]         `kfp:"message"`
}
type preprocessOut struct {
	OutputDatasetOne        dsl.Artifact[dsl.Dataset] `kfp:"output_dataset_one"`
	OutputDatasetTwoPath    dsl.Artifact[dsl.Dataset] `kfp:"output_dataset_two_path"`
	OutputBoolParameterPath dsl.Param[bool]           `kfp:"output_bool_parameter_path"`
	OutputDictParameterPath dsl.Param[map[string]any] `kfp:"output_dict_parameter_path"`
	OutputListParameterPath dsl.Param[[]any]          `kfp:"output_list_parameter_path"`
	OutputParameterPath     dsl.Param[string]         `kfp:"output_parameter_path"`
}

// preprocess writes message to both dataset outputs and returns it, true,
// and its dict and list inputs as the output parameters.
var preprocess = goFuncDo("preprocess", func(ctx context.Context, in preprocessIn) (preprocessOut, error) {
	out := dsl.Outputs[preprocessOut](ctx)
	msg := []byte(in.Message.Value())
	if err := os.WriteFile(out.OutputDatasetOne.Path(), msg, 0o644); err != nil {
		return *out, err
	}
	if err := os.WriteFile(out.OutputDatasetTwoPath.Path(), msg, 0o644); err != nil {
		return *out, err
	}
	out.OutputParameterPath.Set(in.Message.Value())
	out.OutputBoolParameterPath.Set(true)
	out.OutputDictParameterPath.Set(in.InputDictParameter.Value())
	out.OutputListParameterPath.Set(in.InputListParameter.Value())
	return *out, nil
})

var preprocessPipeline = dsl.NewPipeline("preprocess", func(b *dsl.Builder, in preprocessIn) preprocessOut {
	return preprocess.Task(b, in).Out
})

func init() {
	add("kfp-ir/critical/pipeline_with_retry.yaml", retryPipeline)
	add("kfp-ir/log_streaming_compiled.yaml", logStreaming)
	add("kfp-ir/pipeline_with_utils.yaml", withUtils)
	add("kfp-ir/take_nap_compiled.yaml", takeNapPipeline)
	add("kfp-ir/preprocess.yaml", preprocessPipeline)
}

// kfp-ir/take_nap_pipeline_root_compiled.yaml
var takeNapRoot = dsl.NewPipeline("take-nap-pipeline", func(b *dsl.Builder, in napPipelineIn) none {
	nap := takeNap.Task(b, napIn{NaptimeSecs: in.NaptimeSecs}).SetCaching(false)
	wakeUp.Task(b, messageIn{Message: nap.Out.Output}).SetCaching(false)
	return none{}
}, dsl.Description("Pipeline that sleeps for 15 mins (900 secs)"), dsl.DefaultPipelineRoot("s3://change/me"))

// kfp-ir/critical/pipeline_with_placeholders.yaml
type placeholdersIn struct {
	JobID           dsl.Param[string] `kfp:"job_id"`
	JobName         dsl.Param[string] `kfp:"job_name"`
	JobResourceName dsl.Param[string] `kfp:"job_resource_name"`
	TaskID          dsl.Param[string] `kfp:"task_id"`
	TaskName        dsl.Param[string] `kfp:"task_name"`
}

var printAllPlaceholders = goFunc[placeholdersIn, none]("print_all_placeholders")

var withPlaceholders = dsl.NewPipeline("pipeline-with-placeholders", func(b *dsl.Builder, _ none) none {
	printAllPlaceholders.Task(b, placeholdersIn{
		JobID: dsl.PipelineJobUUID(), JobName: dsl.PipelineJobName(), JobResourceName: dsl.PipelineJobResourceName(),
		TaskID: dsl.PipelineTaskUUID(), TaskName: dsl.PipelineTaskName(),
	}).SetCaching(false)
	return none{}
})

// kfp-ir/pipeline_with_metadata_fields.yaml
type strToDatasetIn struct {
	String dsl.Param[string] `kfp:"string" description:"The string."`
}
type strToDatasetOut struct {
	Dataset dsl.Artifact[dsl.Dataset] `kfp:"dataset" description:"The dataset."`
}
type concatenatorIn struct {
	InDataset dsl.Artifact[dsl.Dataset] `kfp:"in_dataset" description:"Dataset to which to concatenate string."`
	String    dsl.Param[string]         `kfp:"string" description:"String to concatenate to in_artifact."`
}
type concatenatorOut struct {
	Output dsl.Artifact[dsl.Dataset] `kfp:"Output" description:"The final concatenated dataset."`
}

// strToDataset writes its string input to its dataset output.
var strToDataset = goFuncDo("str_to_dataset", func(ctx context.Context, in strToDatasetIn) (strToDatasetOut, error) {
	out := dsl.Outputs[strToDatasetOut](ctx)
	return *out, os.WriteFile(out.Dataset.Path(), []byte(in.String.Value()), 0o644)
})

var datasetConcatenator = dsl.NewPipeline("dataset-concatenator", func(b *dsl.Builder, in concatenatorIn) concatenatorOut {
	s := strToDataset.Task(b, strToDatasetIn{String: in.String})
	j := datasetJoiner.Task(b, joinerIn{DatasetA: s.Out.Dataset, DatasetB: in.InDataset})
	return concatenatorOut{Output: j.Out.OutDataset}
}, dsl.Description("A pipeline that joins string to in_dataset."))

// kfp-ir/essential/embedded_artifact.yaml
var readEmbeddedDir = goFunc[none, none]("read_embedded_artifact_dir")
var readEmbeddedFile = goFunc[none, none]("read_embedded_artifact_file")

var embeddedArtifact = dsl.NewPipeline("nb-simple", func(b *dsl.Builder, _ none) none {
	readEmbeddedDir.Task(b, none{}).SetCaching(false)
	readEmbeddedFile.Task(b, none{}).SetCaching(false)
	return none{}
})

func init() {
	add("kfp-ir/take_nap_pipeline_root_compiled.yaml", takeNapRoot)
	add("kfp-ir/critical/pipeline_with_placeholders.yaml", withPlaceholders)
	add("kfp-ir/pipeline_with_metadata_fields.yaml", datasetConcatenator)
	add("kfp-ir/essential/embedded_artifact.yaml", embeddedArtifact)
}
