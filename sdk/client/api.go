package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// API is the KFP API v2beta1 as kfpgo uses it. *Client implements it over
// HTTP; package kfpfake serves the same API in memory for tests.
//
// Every method returns an *APIError for a non-2xx answer of the server.
type API interface {
	// UploadPipeline creates a pipeline and its first version from a compiled
	// pipeline file (POST /pipelines/upload, multipart form file "uploadfile").
	UploadPipeline(ctx context.Context, req UploadPipelineRequest) (*Pipeline, error)
	// UploadPipelineVersion adds a version to a pipeline
	// (POST /pipelines/upload_version?pipelineid=…).
	UploadPipelineVersion(ctx context.Context, req UploadPipelineVersionRequest) (*PipelineVersion, error)
	// GetPipeline reads a pipeline by ID.
	GetPipeline(ctx context.Context, pipelineID string) (*Pipeline, error)
	// ListPipelines reads one page of pipelines.
	ListPipelines(ctx context.Context, opts ListOptions) (*ListPipelinesResponse, error)
	// DeletePipeline deletes a pipeline; with cascade its versions too
	// (without it, the server refuses a pipeline that has versions).
	DeletePipeline(ctx context.Context, pipelineID string, cascade bool) error
	// GetPipelineVersion reads a version, with its pipeline_spec.
	GetPipelineVersion(ctx context.Context, pipelineID, versionID string) (*PipelineVersion, error)
	// ListPipelineVersions reads one page of a pipeline's versions.
	ListPipelineVersions(ctx context.Context, pipelineID string, opts ListOptions) (*ListPipelineVersionsResponse, error)
	// DeletePipelineVersion deletes one version.
	DeletePipelineVersion(ctx context.Context, pipelineID, versionID string) error

	// CreateExperiment creates an experiment (namespace defaults to the client's).
	CreateExperiment(ctx context.Context, e *Experiment) (*Experiment, error)
	// GetExperiment reads an experiment by ID.
	GetExperiment(ctx context.Context, experimentID string) (*Experiment, error)
	// ListExperiments reads one page of experiments.
	ListExperiments(ctx context.Context, opts ListOptions) (*ListExperimentsResponse, error)
	// ArchiveExperiment archives an experiment (POST /experiments/{id}:archive).
	ArchiveExperiment(ctx context.Context, experimentID string) error

	// CreateRun starts a run. Use BuildRun to fill it from a pipeline source
	// and typed parameters.
	CreateRun(ctx context.Context, run *Run) (*Run, error)
	// GetRun reads a run.
	GetRun(ctx context.Context, runID string) (*Run, error)
	// ListRuns reads one page of runs (ListOptions.ExperimentID narrows it).
	ListRuns(ctx context.Context, opts ListOptions) (*ListRunsResponse, error)
	// TerminateRun cancels a run (POST /runs/{id}:terminate).
	TerminateRun(ctx context.Context, runID string) error
	// RetryRun re-runs the failed tasks of a run (POST /runs/{id}:retry).
	RetryRun(ctx context.Context, runID string) error

	// CreateRecurringRun creates a recurring run.
	CreateRecurringRun(ctx context.Context, rr *RecurringRun) (*RecurringRun, error)
	// GetRecurringRun reads a recurring run.
	GetRecurringRun(ctx context.Context, recurringRunID string) (*RecurringRun, error)
	// ListRecurringRuns reads one page of recurring runs.
	ListRecurringRuns(ctx context.Context, opts ListOptions) (*ListRecurringRunsResponse, error)
	// EnableRecurringRun resumes scheduling (POST /recurringruns/{id}:enable).
	EnableRecurringRun(ctx context.Context, recurringRunID string) error
	// DisableRecurringRun pauses scheduling (POST /recurringruns/{id}:disable).
	DisableRecurringRun(ctx context.Context, recurringRunID string) error
	// DeleteRecurringRun deletes a recurring run; policy ORPHAN keeps its
	// running runs, "" leaves the choice to the server.
	DeleteRecurringRun(ctx context.Context, recurringRunID string, policy DeletePropagationPolicy) error
}

// UploadPipelineRequest is a pipeline upload. Content is the compiled
// pipeline YAML (PipelineSpec document, optionally followed by a
// PlatformSpec document), at most 32 MB.
type UploadPipelineRequest struct {
	// Name is the pipeline's unique name. Optional: defaults to the file name.
	Name string
	// DisplayName is shown in the UI. Optional: defaults to Name.
	DisplayName string
	// Description is optional.
	Description string
	// FileName is the uploaded file's name. Optional: defaults to "pipeline.yaml".
	FileName string
	// Content is the compiled pipeline. Required.
	Content []byte
	// Namespace is optional: defaults to the client's namespace.
	Namespace string
}

// UploadPipelineVersionRequest is a pipeline version upload.
type UploadPipelineVersionRequest struct {
	// PipelineID is the pipeline the version belongs to. Required.
	PipelineID string
	// Name is the version's name, unique within the pipeline (e.g. a commit). Required.
	Name string
	// DisplayName is optional: defaults to Name.
	DisplayName string
	// Description is optional.
	Description string
	// CodeSourceURL links the version to its source (e.g. the commit URL). Optional.
	CodeSourceURL string
	// FileName is optional: defaults to "pipeline.yaml".
	FileName string
	// Content is the compiled pipeline. Required.
	Content []byte
}

// UploadPipeline implements API.
func (c *Client) UploadPipeline(ctx context.Context, req UploadPipelineRequest) (*Pipeline, error) {
	if len(req.Content) == 0 {
		return nil, fmt.Errorf("uploading pipeline %q: the pipeline file is empty", req.Name)
	}
	q := url.Values{}
	setIf(q, "name", req.Name)
	setIf(q, "display_name", req.DisplayName)
	setIf(q, "description", req.Description)
	ns := req.Namespace
	if ns == "" {
		ns = c.namespace
	}
	setIf(q, "namespace", ns)
	body, ct, err := multipartFile("uploadfile", defaultName(req.FileName), req.Content)
	if err != nil {
		return nil, fmt.Errorf("uploading pipeline %q: %w", req.Name, err)
	}
	var p Pipeline
	if err := c.do(ctx, request{method: http.MethodPost, path: "/pipelines/upload", query: q, body: body, contentType: ct, create: true}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// UploadPipelineVersion implements API.
func (c *Client) UploadPipelineVersion(ctx context.Context, req UploadPipelineVersionRequest) (*PipelineVersion, error) {
	if req.PipelineID == "" {
		return nil, fmt.Errorf("uploading pipeline version %q: the pipeline ID is empty", req.Name)
	}
	if len(req.Content) == 0 {
		return nil, fmt.Errorf("uploading pipeline version %q: the pipeline file is empty", req.Name)
	}
	q := url.Values{}
	q.Set("pipelineid", req.PipelineID)
	setIf(q, "name", req.Name)
	setIf(q, "display_name", req.DisplayName)
	setIf(q, "description", req.Description)
	setIf(q, "code_source_url", req.CodeSourceURL)
	body, ct, err := multipartFile("uploadfile", defaultName(req.FileName), req.Content)
	if err != nil {
		return nil, fmt.Errorf("uploading pipeline version %q: %w", req.Name, err)
	}
	var v PipelineVersion
	if err := c.do(ctx, request{method: http.MethodPost, path: "/pipelines/upload_version", query: q, body: body, contentType: ct, create: true}, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func defaultName(s string) string {
	if s == "" {
		return "pipeline.yaml"
	}
	return s
}

// GetPipeline implements API.
func (c *Client) GetPipeline(ctx context.Context, id string) (*Pipeline, error) {
	var p Pipeline
	return &p, c.getJSON(ctx, "/pipelines/"+escape(id), nil, &p)
}

// ListPipelines implements API.
func (c *Client) ListPipelines(ctx context.Context, o ListOptions) (*ListPipelinesResponse, error) {
	q, err := c.listQuery(o, true)
	if err != nil {
		return nil, err
	}
	var r ListPipelinesResponse
	return &r, c.getJSON(ctx, "/pipelines", q, &r)
}

// DeletePipeline implements API.
func (c *Client) DeletePipeline(ctx context.Context, id string, cascade bool) error {
	var q url.Values
	if cascade {
		q = url.Values{"cascade": {"true"}}
	}
	return c.do(ctx, request{method: http.MethodDelete, path: "/pipelines/" + escape(id), query: q}, nil)
}

// GetPipelineVersion implements API.
func (c *Client) GetPipelineVersion(ctx context.Context, pipelineID, versionID string) (*PipelineVersion, error) {
	var v PipelineVersion
	return &v, c.getJSON(ctx, "/pipelines/"+escape(pipelineID)+"/versions/"+escape(versionID), nil, &v)
}

// ListPipelineVersions implements API.
func (c *Client) ListPipelineVersions(ctx context.Context, pipelineID string, o ListOptions) (*ListPipelineVersionsResponse, error) {
	q, err := c.listQuery(o, false)
	if err != nil {
		return nil, err
	}
	var r ListPipelineVersionsResponse
	return &r, c.getJSON(ctx, "/pipelines/"+escape(pipelineID)+"/versions", q, &r)
}

// DeletePipelineVersion implements API.
func (c *Client) DeletePipelineVersion(ctx context.Context, pipelineID, versionID string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/pipelines/" + escape(pipelineID) + "/versions/" + escape(versionID)}, nil)
}

// CreateExperiment implements API.
func (c *Client) CreateExperiment(ctx context.Context, e *Experiment) (*Experiment, error) {
	in := *e
	if in.Namespace == "" {
		in.Namespace = c.namespace
	}
	var out Experiment
	return &out, c.sendJSON(ctx, http.MethodPost, "/experiments", nil, &in, &out, true)
}

// GetExperiment implements API.
func (c *Client) GetExperiment(ctx context.Context, id string) (*Experiment, error) {
	var e Experiment
	return &e, c.getJSON(ctx, "/experiments/"+escape(id), nil, &e)
}

// ListExperiments implements API.
func (c *Client) ListExperiments(ctx context.Context, o ListOptions) (*ListExperimentsResponse, error) {
	q, err := c.listQuery(o, true)
	if err != nil {
		return nil, err
	}
	var r ListExperimentsResponse
	return &r, c.getJSON(ctx, "/experiments", q, &r)
}

// ArchiveExperiment implements API.
func (c *Client) ArchiveExperiment(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodPost, path: "/experiments/" + escape(id) + ":archive"}, nil)
}

// CreateRun implements API.
func (c *Client) CreateRun(ctx context.Context, run *Run) (*Run, error) {
	var out Run
	return &out, c.sendJSON(ctx, http.MethodPost, "/runs", nil, run, &out, true)
}

// GetRun implements API.
func (c *Client) GetRun(ctx context.Context, id string) (*Run, error) {
	var r Run
	return &r, c.getJSON(ctx, "/runs/"+escape(id), nil, &r)
}

// ListRuns implements API.
func (c *Client) ListRuns(ctx context.Context, o ListOptions) (*ListRunsResponse, error) {
	q, err := c.listQuery(o, o.ExperimentID == "")
	if err != nil {
		return nil, err
	}
	var r ListRunsResponse
	return &r, c.getJSON(ctx, "/runs", q, &r)
}

// TerminateRun implements API.
func (c *Client) TerminateRun(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodPost, path: "/runs/" + escape(id) + ":terminate"}, nil)
}

// RetryRun implements API.
func (c *Client) RetryRun(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodPost, path: "/runs/" + escape(id) + ":retry"}, nil)
}

// CreateRecurringRun implements API.
func (c *Client) CreateRecurringRun(ctx context.Context, rr *RecurringRun) (*RecurringRun, error) {
	var out RecurringRun
	return &out, c.sendJSON(ctx, http.MethodPost, "/recurringruns", nil, rr, &out, true)
}

// GetRecurringRun implements API.
func (c *Client) GetRecurringRun(ctx context.Context, id string) (*RecurringRun, error) {
	var r RecurringRun
	return &r, c.getJSON(ctx, "/recurringruns/"+escape(id), nil, &r)
}

// ListRecurringRuns implements API.
func (c *Client) ListRecurringRuns(ctx context.Context, o ListOptions) (*ListRecurringRunsResponse, error) {
	q, err := c.listQuery(o, o.ExperimentID == "")
	if err != nil {
		return nil, err
	}
	var r ListRecurringRunsResponse
	return &r, c.getJSON(ctx, "/recurringruns", q, &r)
}

// EnableRecurringRun implements API.
func (c *Client) EnableRecurringRun(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodPost, path: "/recurringruns/" + escape(id) + ":enable"}, nil)
}

// DisableRecurringRun implements API.
func (c *Client) DisableRecurringRun(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodPost, path: "/recurringruns/" + escape(id) + ":disable"}, nil)
}

// DeleteRecurringRun implements API.
func (c *Client) DeleteRecurringRun(ctx context.Context, id string, policy DeletePropagationPolicy) error {
	var q url.Values
	if policy != "" && policy != PropagationUnspecified {
		q = url.Values{"propagation_policy": {string(policy)}}
	}
	return c.do(ctx, request{method: http.MethodDelete, path: "/recurringruns/" + escape(id), query: q}, nil)
}
