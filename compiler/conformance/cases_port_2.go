package conformance

import (
	"context"
	"os"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Ports of artifact goldens (batch 2).

type datasetOutput struct {
	Output dsl.Artifact[dsl.Dataset] `kfp:"Output"`
}

// kfp-ir/artifacts_simple.yaml
type asNumIn struct {
	Num dsl.Param[int] `kfp:"num"`
}
type asOutDataset struct {
	OutDataset dsl.Artifact[dsl.Dataset] `kfp:"out_dataset"`
}
type asInDatasets struct {
	InDatasets dsl.Artifacts[dsl.Dataset] `kfp:"in_datasets"`
}
type asListOut struct {
	Output dsl.Artifacts[dsl.Dataset] `kfp:"Output"`
}

const asAddScript = "\nimport argparse\nimport json\nimport os\n\ndef main(in_datasets, out_dataset_uri):\n    in_dicts = json.loads(in_datasets)\n    uris = [d['uri'] for d in in_dicts]\n    total = 0\n    for uri in uris:\n        with open(uri.replace('gs://', '/gcs/')) as f:\n            total += int(f.read())\n\n    outpath = out_dataset_uri.replace('gs://', '/gcs/')\n    os.makedirs(os.path.dirname(outpath), exist_ok=True)\n    with open(outpath, 'w') as f:\n        f.write(str(total))\n\nparser = argparse.ArgumentParser()\nparser.add_argument('in_datasets')\nparser.add_argument('out_dataset_uri')\nargs = parser.parse_args()\n\nmain(args.in_datasets, args.out_dataset_uri)\n"

var (
	asDouble = goFuncDo("double", func(ctx context.Context, in asNumIn) (asOutDataset, error) {
		out := dsl.Outputs[asOutDataset](ctx)
		return *out, os.WriteFile(out.OutDataset.Path(), []byte(strconv.Itoa(2*in.Num.Value())), 0o644)
	})
	asAdd = goFuncDo("add", func(ctx context.Context, in asInDatasets) (asOutDataset, error) {
		out := dsl.Outputs[asOutDataset](ctx)
		sum := 0
		for _, a := range in.InDatasets.Items() {
			b, err := os.ReadFile(a.Path)
			if err != nil {
				return *out, err
			}
			n, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				return *out, err
			}
			sum += n
		}
		return *out, os.WriteFile(out.OutDataset.Path(), []byte(strconv.Itoa(sum)), 0o644)
	})
	asAddContainer = dsl.NewContainerComponent("add-container", func(in asInDatasets, out asOutDataset) dsl.Container {
		return dsl.Container{Image: ubiPython, Command: []any{"python", "-c"}, Args: []any{asAddScript, in.InDatasets, dsl.URIOf(out.OutDataset)}}
	})
	asMath = dsl.NewPipeline("math-pipeline", func(b *dsl.Builder, _ none) asListOut {
		var t *dsl.Task[asOutDataset]
		dsl.ParallelForItems(b, []int{1, 2, 3}, func(b *dsl.Builder, x dsl.Param[int]) {
			t = asDouble.Task(b, asNumIn{Num: x})
		})
		asAdd.Task(b, asInDatasets{InDatasets: dsl.CollectedArtifacts(t.Out.OutDataset)})
		asAddContainer.Task(b, asInDatasets{InDatasets: dsl.CollectedArtifacts(t.Out.OutDataset)})
		return asListOut{Output: dsl.CollectedArtifacts(t.Out.OutDataset)}
	})
)

// kfp-ir/critical/artifact_cache.yaml and kfp-ir/critical/artifact_crust.yaml
// (the same pipeline, with caching on and off).
type acDatasetOut struct {
	Dataset dsl.Artifact[dsl.Dataset] `kfp:"dataset"`
}
type acInputIn struct {
	Input dsl.Artifact[dsl.Dataset] `kfp:"input"`
}

var (
	acCoreComp  = goFunc[none, acDatasetOut]("core-comp")
	acCrustComp = goFunc[acInputIn, none]("crust-comp")
)

func artifactCrust(name string, caching bool) dsl.PipelineDef {
	core := dsl.NewPipeline("core", func(b *dsl.Builder, _ none) datasetOutput {
		t := acCoreComp.Task(b, none{})
		if !caching {
			t.SetCaching(false)
		}
		return datasetOutput{Output: t.Out.Dataset}
	})
	mantle := dsl.NewPipeline("mantle", func(b *dsl.Builder, _ none) datasetOutput {
		t := core.Task(b, none{})
		if !caching {
			t.SetCaching(false)
		}
		return t.Out
	})
	return dsl.NewPipeline(name, func(b *dsl.Builder, _ none) none {
		m := mantle.Task(b, none{})
		t := acCrustComp.Task(b, acInputIn{Input: m.Out.Output})
		if !caching {
			m.SetCaching(false)
			t.SetCaching(false)
		}
		return none{}
	})
}

// kfp-ir/component_with_task_final_status_GH-12033.yaml: a component with a
// PipelineTaskFinalStatus input compiled as a pipeline.
type gh12033In struct {
	Status dsl.PipelineTaskFinalStatus `kfp:"status"`
}

var (
	gh12033ExitComp = goFunc[gh12033In, none]("exit-comp")
	gh12033         = dsl.NewPipeline("exit-comp", func(b *dsl.Builder, in gh12033In) none {
		gh12033ExitComp.Task(b, in)
		return none{}
	})
)

func init() {
	add("kfp-ir/artifacts_simple.yaml", asMath)
	add("kfp-ir/critical/artifact_cache.yaml", artifactCrust("artifact-cache-pipeline", true))
	add("kfp-ir/critical/artifact_crust.yaml", artifactCrust("artifact-pipeline", false))
	add("kfp-ir/component_with_task_final_status_GH-12033.yaml", gh12033)
}
