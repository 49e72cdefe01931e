package conformance

import "github.com/kfpgo/kfpgo/sdk/dsl"

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

var (
	paBuildModelCar     = goFunc[none, paModelOut]("build-model-car")
	paGetModelFilesList = goFunc[paInputModelIn, stringOutput]("get-model-files-list")
	paModelCar          = dsl.NewPipeline("pipeline-with-modelcar-model", func(b *dsl.Builder, in paModelURIIn) none {
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
