package conformance

import "github.com/kfpgo/kfpgo/sdk/dsl"

// kfp-ir/container_with_placeholder_in_fstring.yaml
type fstringIn struct {
	Text1 dsl.Param[string] `kfp:"text1" default:"text!"`
}
type fstringOut struct {
	OutputArtifact dsl.Artifact[dsl.Generic] `kfp:"output_artifact"`
}

var containerWithFstring = dsl.NewContainerComponent("container-with-placeholder-in-fstring", func(in fstringIn, out fstringOut) dsl.Container {
	return dsl.Container{Image: ubiPython, Command: []any{"my_program", dsl.Join("prefix-", in.Text1), dsl.Join(dsl.URIOf(out.OutputArtifact), "/0")}}
})

var containerWithFstringPipeline = dsl.NewPipeline("container-with-placeholder-in-fstring", func(b *dsl.Builder, in fstringIn) fstringOut {
	return containerWithFstring.Task(b, in).Out
})

// kfp-ir/essential/pipeline_with_after.yaml
var printText = dsl.NewContainerComponent("Print Text", func(in textIn, _ none) dsl.Container {
	return dsl.Container{Image: "alpine", Command: []any{"sh", "-c", "set -e -x\necho \"$0\"\n", in.Text}}
})

type textIn struct {
	Text dsl.Param[string] `kfp:"text"`
}

var pipelineWithAfter = dsl.NewPipeline("pipeline-with-after", func(b *dsl.Builder, _ none) none {
	t1 := printText.Task(b, textIn{Text: dsl.Lit("1st task")})
	t2 := printText.Task(b, textIn{Text: dsl.Lit("2nd task")}).After(t1)
	printText.Task(b, textIn{Text: dsl.Lit("3rd task")}).After(t1, t2)
	return none{}
})

// kfp-ir/critical/producer_consumer_param_pipeline.yaml
type producerIn struct {
	InputText dsl.Param[string] `kfp:"input_text"`
}
type producerOut struct {
	OutputValue dsl.Param[string] `kfp:"output_value"`
}
type consumerIn struct {
	InputValue dsl.Param[string] `kfp:"input_value"`
}
type producerConsumerIn struct {
	Text dsl.Param[string] `kfp:"text" default:"Hello world"`
}

var producer = dsl.NewContainerComponent("producer", func(in producerIn, out producerOut) dsl.Container {
	return dsl.Container{Image: ubiPython, Command: []any{"sh", "-c", "set -e -x\nmkdir -p \"$(dirname \"$1\")\"\necho \"$0, this is an output parameter\" > \"$1\"\n", in.InputText, out.OutputValue}}
})

var consumer = dsl.NewContainerComponent("consumer", func(in consumerIn, _ none) dsl.Container {
	return dsl.Container{Image: ubiPython, Command: []any{"sh", "-c", "set -e -x\necho \"Read from an input parameter: \" && echo \"$0\"\n", in.InputValue}}
})

var producerConsumer = dsl.NewPipeline("producer-consumer-param-pipeline", func(b *dsl.Builder, in producerConsumerIn) none {
	p := producer.Task(b, producerIn{InputText: in.Text})
	consumer.Task(b, consumerIn{InputValue: p.Out.OutputValue})
	return none{}
})

// kfp-ir/long-running.yaml
var waitOp = dsl.NewContainerComponent("wait_op", func(none, none) dsl.Container {
	return dsl.Container{Image: "alpine:latest", Command: []any{"sh", "-c"}, Args: []any{"echo step-1 sleeping for 5m; sleep 300; echo done1"}}
})

var longRunning = dsl.NewPipeline("wait-awhile", func(b *dsl.Builder, _ none) none {
	t1 := waitOp.Task(b, none{})
	waitOp.Task(b, none{}).After(t1)
	return none{}
})

func init() {
	add("kfp-ir/container_with_placeholder_in_fstring.yaml", containerWithFstringPipeline)
	add("kfp-ir/essential/pipeline_with_after.yaml", pipelineWithAfter)
	add("kfp-ir/critical/producer_consumer_param_pipeline.yaml", producerConsumer)
	add("kfp-ir/long-running.yaml", longRunning)
}
