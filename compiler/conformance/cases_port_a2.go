package conformance

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Ports of request and model-car goldens (batch a2).

// kfp-ir/critical/pipeline_with_submit_request.yaml
type paURLIn struct {
	URL dsl.Param[string] `kfp:"url"`
}

var (
	paSubmitRequest       = goFunc[paURLIn, none]("submit-request")
	paSubmitRequestFlight = dsl.NewPipeline("pipeline-with-external-request", func(b *dsl.Builder, _ none) none {
		paSubmitRequest.Task(b, paURLIn{URL: dsl.Lit("httpbin.org/get")}).SetCaching(false)
		paSubmitRequest.Task(b, paURLIn{URL: dsl.Lit("ml-pipeline:8888/apis/v2beta1/healthz")}).SetCaching(false)
		return none{}
	}, dsl.Description("A pipeline that requests both in-cluster & external URLs."))
)

// kfp-ir/critical/modelcar.yaml: a model imported from an OCI model-car
// image (oci:// URI) next to a task that builds one.
type paModelOut struct {
	Model dsl.Artifact[dsl.Model] `kfp:"model"`
}
type paInputModelIn struct {
	InputModel dsl.Artifact[dsl.Model] `kfp:"input_model"`
}
type paModelURIIn struct {
	ModelURI dsl.Param[string] `kfp:"model_uri" default:"oci://registry.domain.local/modelcar:test"`
}

// paModelCarFiles are the files the model-car golden expects in its model,
// sorted.
var paModelCarFiles = []string{
	"added_tokens.json", "config.json", "generation_config.json", "merges.txt", "model.safetensors",
	"normalizer.json", "preprocessor_config.json", "special_tokens_map.json", "tokenizer.json",
	"tokenizer_config.json", "vocab.json",
}

var (
	paBuildModelCar = goFunc[none, paModelOut]("build-model-car")
	// paGetModelFilesList checks that the model folder holds the files of
	// the golden's model-car and returns the sorted, comma-separated names
	// of all its files.
	paGetModelFilesList = goFuncDo("get-model-files-list", func(_ context.Context, in paInputModelIn) (out stringOutput, _ error) {
		path := in.InputModel.Path()
		entries, err := os.ReadDir(path)
		if err != nil {
			return out, fmt.Errorf("the model does not exist at %s: %w", path, err)
		}
		have := map[string]bool{}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			have[e.Name()] = true
			names = append(names, e.Name())
		}
		var missing []string
		for _, f := range paModelCarFiles {
			if !have[f] {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			return out, fmt.Errorf("the model at %s does not have the expected files: %s", path, strings.Join(missing, ", "))
		}
		sort.Strings(names)
		out.Output.Set(strings.Join(names, ", "))
		return out, nil
	})
	paModelCar = dsl.NewPipeline("pipeline-with-modelcar-model", func(b *dsl.Builder, in paModelURIIn) none {
		paBuildModelCar.Task(b, none{}).SetCaching(false)
		imp := dsl.Importer[dsl.Model](b, in.ModelURI)
		paGetModelFilesList.Task(b, paInputModelIn{InputModel: imp.Out.Artifact}).SetCaching(false)
		return none{}
	})
)

func init() {
	add("kfp-ir/critical/pipeline_with_submit_request.yaml", paSubmitRequestFlight)
	add("kfp-ir/critical/modelcar.yaml", paModelCar)
}

// kfp-ir/pipeline_with_dynamic_importer_metadata.yaml: importer metadata
// holding pipeline inputs, a task output, an f-string and run-time keys;
// ordered entries number the importer's metadata inputs as KFP does.
type paMakeNameIn struct {
	Name dsl.Param[string] `kfp:"name"`
}
type paDynImporterIn struct {
	Name                     dsl.Param[string] `kfp:"name" default:"default-name"`
	IntInput                 dsl.Param[int]    `kfp:"int_input" default:"1"`
	PipelineInputArtifactURI dsl.Param[string] `kfp:"pipeline_input_artifact_uri" default:"gs://ml-pipeline-playground/shakespeare1.txt"`
	PipelineInputImageURI    dsl.Param[string] `kfp:"pipeline_input_image_uri" default:"us-docker.pkg.dev/vertex-ai/prediction/tf2-gpu.2-5:latest"`
}

const (
	paDefaultArtifactURI = "gs://ml-pipeline-playground/shakespeare1.txt"
	paDefaultImageURI    = "us-docker.pkg.dev/vertex-ai/prediction/tf2-gpu.2-5:latest"
)

var (
	paMakeName = goFuncDo("make-name", func(_ context.Context, in paMakeNameIn) (out stringOutput, _ error) {
		out.Output.Set(in.Name.Value())
		return out, nil
	})
	paDynImporterPipeline = dsl.NewPipeline("pipeline-with-importer", func(b *dsl.Builder, in paDynImporterIn) none {
		dsl.Importer[dsl.Dataset](b, in.PipelineInputArtifactURI, dsl.ImportOrderedMetadata(
			dsl.MetadataEntry{Key: "name", Value: []any{in.Name, "alias-name"}},
			dsl.MetadataEntry{Key: "containerSpec", Value: map[string]any{"imageUri": in.PipelineInputImageURI}},
		))
		made := paMakeName.Task(b, paMakeNameIn{Name: dsl.Lit("a-different-name")})
		dsl.Importer[dsl.Dataset](b, dsl.Lit(paDefaultArtifactURI), dsl.ImportOrderedMetadata(
			dsl.MetadataEntry{Key: "name", Value: dsl.Format("prefix-", made.Out.Output)},
			dsl.MetadataEntry{Key: "list-of-data", Value: []any{made.Out.Output, in.Name, in.IntInput}},
			dsl.MetadataEntry{Key: made.Out.Output, Value: made.Out.Output},
			dsl.MetadataEntry{Key: in.Name, Value: paDefaultImageURI},
			dsl.MetadataEntry{Key: "containerSpec", Value: map[string]any{"imageUri": paDefaultImageURI}},
		))
		return none{}
	})
)

func init() {
	add("kfp-ir/pipeline_with_dynamic_importer_metadata.yaml", paDynImporterPipeline)
}

// kfp-ir/critical/pipeline_with_artifact_upload_download.yaml
type paDownloadIn struct {
	DatasetRepo dsl.Param[string] `kfp:"dataset_repo"`
	DatasetName dsl.Param[string] `kfp:"dataset_name"`
}
type paDownloadPipelineIn struct {
	DatasetRepo dsl.Param[string] `kfp:"dataset_repo" default:"google/frames-benchmark"`
	DatasetName dsl.Param[string] `kfp:"dataset_name" default:""`
}
type paOutputDatasetOut struct {
	OutputDataset dsl.Artifact[dsl.Dataset] `kfp:"output_dataset"`
}
type paDatasetIn struct {
	Dataset dsl.Artifact[dsl.Dataset] `kfp:"dataset"`
}

var (
	paDownloadAndUpload = goFunc[paDownloadIn, paOutputDatasetOut]("download-dataset-and-upload-as-artifact")
	paPrintDatasetInfo  = goFunc[paDatasetIn, none]("print-dataset-info")
	paUploadDownload    = dsl.NewPipeline("pipeline-with-datasets", func(b *dsl.Builder, in paDownloadPipelineIn) none {
		dl := paDownloadAndUpload.Task(b, paDownloadIn{DatasetRepo: in.DatasetRepo, DatasetName: in.DatasetName})
		paPrintDatasetInfo.Task(b, paDatasetIn{Dataset: dl.Out.OutputDataset})
		return none{}
	}, dsl.Description("Download Hugging Face Data Set, upload it as an artifact and print its metadata"))
)

// kfp-ir/upload_download_compiled.yaml: a 20 MiB file passed between tasks
// and checked in the object store; compiled with caching off.
type paFileSizeIn struct {
	FileSizeBytes dsl.Param[int] `kfp:"file_size_bytes"`
}
type paOutgoingOut struct {
	Outgoingfile dsl.Artifact[dsl.Generic] `kfp:"outgoingfile"`
}
type paIncomingIn struct {
	Incomingfile dsl.Artifact[dsl.Generic] `kfp:"incomingfile"`
}
type paSaveOut struct {
	Saveartifact dsl.Artifact[dsl.Generic] `kfp:"saveartifact"`
}
type paTestUploadedIn struct {
	PreviousStep                  dsl.Artifact[dsl.Generic] `kfp:"previous_step"`
	FileSizeBytes                 dsl.Param[int]            `kfp:"file_size_bytes"`
	MlpipelineMinioArtifactSecret dsl.Param[string]         `kfp:"mlpipeline_minio_artifact_secret"`
	BucketName                    dsl.Param[string]         `kfp:"bucket_name"`
}
type paDataPassingIn struct {
	MlpipelineMinioArtifactSecret dsl.Param[string] `kfp:"mlpipeline_minio_artifact_secret"`
	BucketName                    dsl.Param[string] `kfp:"bucket_name"`
}

const paFileSize = 20 * 1024 * 1024

var (
	paSendFile             = goFunc[paFileSizeIn, paOutgoingOut]("send-file")
	paReceiveFile          = goFunc[paIncomingIn, paSaveOut]("receive-file")
	paTestUploadedArtifact = goFunc[paTestUploadedIn, none]("test-uploaded-artifact")
	paDataPassing          = dsl.NewPipeline("test-data-passing-pipeline-1", func(b *dsl.Builder, in paDataPassingIn) none {
		send := paSendFile.Task(b, paFileSizeIn{FileSizeBytes: dsl.Lit(paFileSize)})
		recv := paReceiveFile.Task(b, paIncomingIn{Incomingfile: send.Out.Outgoingfile})
		paTestUploadedArtifact.Task(b, paTestUploadedIn{PreviousStep: recv.Out.Saveartifact, FileSizeBytes: dsl.Lit(paFileSize),
			MlpipelineMinioArtifactSecret: in.MlpipelineMinioArtifactSecret, BucketName: in.BucketName})
		return none{}
	})
)

func init() {
	add("kfp-ir/critical/pipeline_with_artifact_upload_download.yaml", paUploadDownload)
	add("kfp-ir/upload_download_compiled.yaml", paDataPassing, compiler.Options{DisableCaching: true})
}
