package mlflow

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// GetExperimentByName calls GET experiments/get-by-name. A missing
// experiment is an *Error with RESOURCE_DOES_NOT_EXIST (IsNotFound).
func (c *Client) GetExperimentByName(ctx context.Context, name string) (*Experiment, error) {
	var out struct {
		Experiment Experiment `json:"experiment"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: "/experiments/get-by-name", query: url.Values{"experiment_name": {name}}}, &out)
	if err != nil {
		return nil, err
	}
	return &out.Experiment, nil
}

// CreateExperiment calls POST experiments/create and returns the new
// experiment's ID. artifactLocation may be empty (the server's default
// artifact root applies). An existing name is RESOURCE_ALREADY_EXISTS.
func (c *Client) CreateExperiment(ctx context.Context, name, artifactLocation string, tags []Tag) (string, error) {
	in := struct {
		Name             string `json:"name"`
		ArtifactLocation string `json:"artifact_location,omitempty"`
		Tags             []Tag  `json:"tags,omitempty"`
	}{name, artifactLocation, tags}
	var out struct {
		ExperimentID string `json:"experiment_id"`
	}
	if err := c.do(ctx, request{method: http.MethodPost, path: "/experiments/create", body: in}, &out); err != nil {
		return "", err
	}
	return out.ExperimentID, nil
}

// CreateRun calls POST runs/create.
func (c *Client) CreateRun(ctx context.Context, req CreateRunRequest) (*Run, error) {
	var out struct {
		Run Run `json:"run"`
	}
	if err := c.do(ctx, request{method: http.MethodPost, path: "/runs/create", body: req, create: true}, &out); err != nil {
		return nil, err
	}
	return &out.Run, nil
}

// GetRun calls GET runs/get. A missing run is RESOURCE_DOES_NOT_EXIST.
func (c *Client) GetRun(ctx context.Context, runID string) (*Run, error) {
	var out struct {
		Run Run `json:"run"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, path: "/runs/get", query: url.Values{"run_id": {runID}}}, &out); err != nil {
		return nil, err
	}
	return &out.Run, nil
}

// Log-batch limits of MLflow's REST API (mlflow/utils/validation.py
// MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH, MAX_ENTITIES_PER_BATCH).
const (
	MaxMetricsPerBatch    = 1000
	MaxParamsTagsPerBatch = 100
	MaxEntitiesPerBatch   = 1000
)

// LogBatch calls POST runs/log-batch, split into as many requests as
// MLflow's per-batch limits need. Params are immutable in MLflow: logging a
// different value for a logged key is INVALID_PARAMETER_VALUE; logging the
// same value again succeeds, so a retried batch is harmless for params and
// tags (a metric point is appended again).
func (c *Client) LogBatch(ctx context.Context, runID string, metrics []Metric, params []Param, tags []Tag) error {
	for _, b := range splitBatch(metrics, params, tags) {
		in := struct {
			RunID   string   `json:"run_id"`
			Metrics []Metric `json:"metrics,omitempty"`
			Params  []Param  `json:"params,omitempty"`
			Tags    []Tag    `json:"tags,omitempty"`
		}{runID, b.metrics, b.params, b.tags}
		if err := c.do(ctx, request{method: http.MethodPost, path: "/runs/log-batch", body: in}, nil); err != nil {
			return err
		}
	}
	return nil
}

type batch struct {
	metrics []Metric
	params  []Param
	tags    []Tag
}

// splitBatch cuts the entities into batches within MLflow's limits.
func splitBatch(metrics []Metric, params []Param, tags []Tag) []batch {
	var out []batch
	for len(metrics)+len(params)+len(tags) > 0 {
		var b batch
		np := min(len(params), MaxParamsTagsPerBatch)
		b.params, params = params[:np], params[np:]
		nt := min(len(tags), MaxParamsTagsPerBatch)
		b.tags, tags = tags[:nt], tags[nt:]
		nm := min(len(metrics), MaxMetricsPerBatch, MaxEntitiesPerBatch-np-nt)
		b.metrics, metrics = metrics[:nm], metrics[nm:]
		out = append(out, b)
	}
	return out
}

// UpdateRun calls POST runs/update with a status (RunFinished, RunFailed…)
// and an end time in milliseconds.
func (c *Client) UpdateRun(ctx context.Context, runID, status string, endTime int64) error {
	in := struct {
		RunID   string `json:"run_id"`
		Status  string `json:"status,omitempty"`
		EndTime int64  `json:"end_time,omitempty"`
	}{runID, status, endTime}
	return c.do(ctx, request{method: http.MethodPost, path: "/runs/update", body: in}, nil)
}

// CreateRegisteredModel calls POST registered-models/create. An existing
// name is RESOURCE_ALREADY_EXISTS (IsAlreadyExists).
func (c *Client) CreateRegisteredModel(ctx context.Context, name, description string, tags []Tag) (*RegisteredModel, error) {
	in := struct {
		Name        string `json:"name"`
		Tags        []Tag  `json:"tags,omitempty"`
		Description string `json:"description,omitempty"`
	}{name, tags, description}
	var out struct {
		RegisteredModel RegisteredModel `json:"registered_model"`
	}
	if err := c.do(ctx, request{method: http.MethodPost, path: "/registered-models/create", body: in}, &out); err != nil {
		return nil, err
	}
	return &out.RegisteredModel, nil
}

// GetRegisteredModel calls GET registered-models/get. A missing model is
// RESOURCE_DOES_NOT_EXIST.
func (c *Client) GetRegisteredModel(ctx context.Context, name string) (*RegisteredModel, error) {
	var out struct {
		RegisteredModel RegisteredModel `json:"registered_model"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, path: "/registered-models/get", query: url.Values{"name": {name}}}, &out); err != nil {
		return nil, err
	}
	return &out.RegisteredModel, nil
}

// CreateModelVersion calls POST model-versions/create. The new version may
// be PENDING_REGISTRATION: poll GetModelVersion until READY.
func (c *Client) CreateModelVersion(ctx context.Context, req CreateModelVersionRequest) (*ModelVersion, error) {
	var out struct {
		ModelVersion ModelVersion `json:"model_version"`
	}
	if err := c.do(ctx, request{method: http.MethodPost, path: "/model-versions/create", body: req, create: true}, &out); err != nil {
		return nil, err
	}
	return &out.ModelVersion, nil
}

// GetModelVersion calls GET model-versions/get. A missing version is
// RESOURCE_DOES_NOT_EXIST.
func (c *Client) GetModelVersion(ctx context.Context, name, version string) (*ModelVersion, error) {
	var out struct {
		ModelVersion ModelVersion `json:"model_version"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, path: "/model-versions/get", query: url.Values{"name": {name}, "version": {version}}}, &out); err != nil {
		return nil, err
	}
	return &out.ModelVersion, nil
}

// SearchModelVersions calls GET model-versions/search with an MLflow
// filter string (e.g. "name = 'cars' AND tags.`kfp.task` = 'train'"),
// maxResults per page (0: the server's default) and a page token from the
// previous page. It returns the page and the next page token ("" at the end).
func (c *Client) SearchModelVersions(ctx context.Context, filter string, maxResults int, pageToken string) ([]ModelVersion, string, error) {
	q := url.Values{}
	if filter != "" {
		q.Set("filter", filter)
	}
	if maxResults > 0 {
		q.Set("max_results", strconv.Itoa(maxResults))
	}
	if pageToken != "" {
		q.Set("page_token", pageToken)
	}
	var out struct {
		ModelVersions []ModelVersion `json:"model_versions"`
		NextPageToken string         `json:"next_page_token"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, path: "/model-versions/search", query: q}, &out); err != nil {
		return nil, "", err
	}
	return out.ModelVersions, out.NextPageToken, nil
}

// FindModelVersions returns every version of the registered model name
// carrying all the given tags, following the search pages. Names and values
// must not contain a single quote (MLflow's filter grammar has no escape).
func (c *Client) FindModelVersions(ctx context.Context, name string, tags map[string]string) ([]ModelVersion, error) {
	filter, err := VersionFilter(name, tags)
	if err != nil {
		return nil, err
	}
	return allPages(func(token string) ([]ModelVersion, string, error) {
		return c.SearchModelVersions(ctx, filter, 200, token)
	})
}

// allPages calls search with each page token MLflow answers, starting from
// "", until the answer has no next token (or repeats the one sent), and
// returns every page's items in order.
func allPages[T any](search func(token string) ([]T, string, error)) ([]T, error) {
	var all []T
	token := ""
	for {
		page, next, err := search(token)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" || next == token {
			return all, nil
		}
		token = next
	}
}

// VersionFilter builds the model-versions/search filter
// "name = '<name>' AND tags.`<key>` = '<value>' …" (keys sorted; MLflow's
// search syntax quotes keys with backticks and strings with single
// quotes).
func VersionFilter(name string, tags map[string]string) (string, error) {
	if strings.ContainsRune(name, '\'') {
		return "", fmt.Errorf("registered model name %q contains a single quote, which MLflow's search filter cannot express", name)
	}
	parts := []string{"name = '" + name + "'"}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := tags[k]
		if strings.ContainsAny(k, "`'") || strings.ContainsRune(v, '\'') {
			return "", fmt.Errorf("tag %q=%q contains a quote character, which MLflow's search filter cannot express", k, v)
		}
		parts = append(parts, "tags.`"+k+"` = '"+v+"'")
	}
	return strings.Join(parts, " AND "), nil
}

// SetRegisteredModelAlias calls POST registered-models/alias, pointing alias
// at version (moving it if it pointed elsewhere).
func (c *Client) SetRegisteredModelAlias(ctx context.Context, name, alias, version string) error {
	in := struct {
		Name    string `json:"name"`
		Alias   string `json:"alias"`
		Version string `json:"version"`
	}{name, alias, version}
	return c.do(ctx, request{method: http.MethodPost, path: "/registered-models/alias", body: in}, nil)
}

// SearchRuns calls POST runs/search over experimentIDs with an MLflow
// filter string (e.g. "tags.`kfp.task_name` = 'train'"), active runs only
// (run_view_type ACTIVE_ONLY, the server's default), maxResults per page
// (0: the server's default of 1000) and a page token from the previous page.
func (c *Client) SearchRuns(ctx context.Context, experimentIDs []string, filter string, maxResults int, pageToken string) ([]Run, string, error) {
	in := struct {
		ExperimentIDs []string `json:"experiment_ids"`
		Filter        string   `json:"filter,omitempty"`
		RunViewType   string   `json:"run_view_type"`
		MaxResults    int      `json:"max_results,omitempty"`
		PageToken     string   `json:"page_token,omitempty"`
	}{experimentIDs, filter, "ACTIVE_ONLY", maxResults, pageToken}
	var out struct {
		Runs          []Run  `json:"runs"`
		NextPageToken string `json:"next_page_token"`
	}
	if err := c.do(ctx, request{method: http.MethodPost, path: "/runs/search", body: in}, &out); err != nil {
		return nil, "", err
	}
	return out.Runs, out.NextPageToken, nil
}

// RunFilter builds the runs/search filter "tags.`<key>` = '<value>' AND …"
// (keys sorted). Keys and values must not contain quotes: MLflow's filter
// grammar has no escape for them.
func RunFilter(tags map[string]string) (string, error) {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := tags[k]
		if strings.ContainsAny(k, "`'") || strings.ContainsRune(v, '\'') {
			return "", fmt.Errorf("tag %q=%q contains a quote character, which MLflow's search filter cannot express", k, v)
		}
		parts = append(parts, "tags.`"+k+"` = '"+v+"'")
	}
	return strings.Join(parts, " AND "), nil
}

// FindRuns returns the active runs of experiment experimentID carrying all
// the given tags, following the search pages.
func (c *Client) FindRuns(ctx context.Context, experimentID string, tags map[string]string) ([]Run, error) {
	filter, err := RunFilter(tags)
	if err != nil {
		return nil, err
	}
	return allPages(func(token string) ([]Run, string, error) {
		return c.SearchRuns(ctx, []string{experimentID}, filter, 1000, token)
	})
}
