package kfpfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kfpgo/kfpgo/sdk/client"
	"github.com/kfpgo/kfpgo/sdk/schedule"
)

// gRPC codes used in error bodies (google.golang.org/grpc/codes).
const (
	codeInvalidArgument    = 3
	codeNotFound           = 5
	codeAlreadyExists      = 6
	codeFailedPrecondition = 9
	codeUnauthenticated    = 16
)

// Options configure a Server.
type Options struct {
	// Token, when set, is the bearer token every request must carry.
	Token string
	// RunStates are the states a run moves through, one per GET, after
	// PENDING. Optional: defaults to RUNNING, SUCCEEDED.
	RunStates []client.RuntimeState
	// DefaultPageSize is used when a list asks for none. Optional: defaults to 20.
	DefaultPageSize int
}

// Call is one request the server received.
type Call struct {
	// Method and Path ("DELETE", "/apis/v2beta1/recurringruns/rr-2").
	Method, Path string
	// Query is the raw query string.
	Query string
	// Status is the HTTP status answered.
	Status int
}

// Server is a fake KFP API server. Create it with New; Close it when done.
type Server struct {
	// URL is the base URL to give the client as its endpoint.
	URL string

	srv  *httptest.Server
	opts Options

	mu          sync.Mutex
	seq         int
	now         time.Time
	calls       []Call
	pipelines   []*client.Pipeline
	versions    []*client.PipelineVersion
	experiments []*client.Experiment
	runs        []*runRec
	recurring   []*client.RecurringRun
}

type runRec struct {
	run   *client.Run
	steps []client.RuntimeState
}

// New starts a fake server with a "Default" experiment, as KFP has.
func New(opts Options) *Server {
	if len(opts.RunStates) == 0 {
		opts.RunStates = []client.RuntimeState{client.StateRunning, client.StateSucceeded}
	}
	if opts.DefaultPageSize == 0 {
		opts.DefaultPageSize = 20
	}
	s := &Server{opts: opts, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.experiments = append(s.experiments, &client.Experiment{ExperimentID: s.id("exp"), DisplayName: "Default", StorageState: client.StorageAvailable, CreatedAt: s.tick()})
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Calls returns the requests received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the calls with this method whose path starts with prefix.
func (s *Server) CallsTo(method, prefix string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method && strings.HasPrefix(c.Path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// RecurringRuns returns copies of the stored recurring runs.
func (s *Server) RecurringRuns() []client.RecurringRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]client.RecurringRun, 0, len(s.recurring))
	for _, r := range s.recurring {
		out = append(out, *r)
	}
	return out
}

// SetRunState forces the state of a run (e.g. FAILED to test retry).
func (s *Server) SetRunState(runID string, st client.RuntimeState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.runs {
		if r.run.RunID == runID {
			r.run.State, r.steps = st, nil
			return nil
		}
	}
	return fmt.Errorf("no run %s", runID)
}

func (s *Server) id(kind string) string {
	s.seq++
	return fmt.Sprintf("%s-%04d", kind, s.seq)
}

func (s *Server) tick() *time.Time {
	s.now = s.now.Add(time.Second)
	t := s.now
	return &t
}

// apiError is an error answer.
type apiError struct {
	status, code int
	msg          string
}

func (e *apiError) Error() string { return e.msg }

func errf(status, code int, format string, a ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, a...)}
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(c int) { r.status = c; r.ResponseWriter.WriteHeader(c) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: 200}
	defer func() {
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: rec.status})
		s.mu.Unlock()
	}()
	upload := strings.HasPrefix(r.URL.Path, client.APIPrefix+"/pipelines/upload")
	if s.opts.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.Token {
		s.fail(rec, upload, errf(http.StatusUnauthorized, codeUnauthenticated, "Unauthenticated: the request has no valid bearer token in the authorization header"))
		return
	}
	s.mu.Lock()
	out, err := s.route(r)
	var body []byte
	if err == nil && out != nil {
		body, err = json.Marshal(out)
	}
	s.mu.Unlock()
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = errf(http.StatusInternalServerError, 13, "%v", err)
		}
		s.fail(rec, upload, ae)
		return
	}
	rec.Header().Set("Content-Type", "application/json")
	if body == nil {
		body = []byte("{}")
	}
	_, _ = rec.Write(body)
}

func (s *Server) fail(w http.ResponseWriter, upload bool, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	if upload { // the upload handler writes the v1beta1 Error message
		_ = json.NewEncoder(w).Encode(map[string]string{"error_message": e.msg, "error_details": e.msg})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"code": e.code, "message": e.msg, "details": []any{}})
}

// decode reads a JSON body strictly, as the gateway does.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errf(http.StatusBadRequest, codeInvalidArgument, "proto: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

func (s *Server) route(r *http.Request) (any, error) {
	p, ok := strings.CutPrefix(r.URL.Path, client.APIPrefix+"/")
	if !ok {
		return nil, errf(http.StatusNotFound, codeNotFound, "Not Found")
	}
	seg := strings.Split(p, "/")
	verb := ""
	if last := seg[len(seg)-1]; strings.Contains(last, ":") {
		i := strings.LastIndexByte(last, ':')
		seg[len(seg)-1], verb = last[:i], last[i+1:]
	}
	m, q := r.Method, r.URL.Query()
	switch {
	case seg[0] == "pipelines" && len(seg) == 2 && seg[1] == "upload" && m == http.MethodPost:
		return s.uploadPipeline(r)
	case seg[0] == "pipelines" && len(seg) == 2 && seg[1] == "upload_version" && m == http.MethodPost:
		return s.uploadVersion(r)
	case seg[0] == "pipelines" && len(seg) == 1 && m == http.MethodGet:
		return s.listPipelines(q)
	case seg[0] == "pipelines" && len(seg) == 2 && m == http.MethodGet:
		return s.pipeline(seg[1])
	case seg[0] == "pipelines" && len(seg) == 2 && m == http.MethodDelete:
		return nil, s.deletePipeline(seg[1], q.Get("cascade") == "true")
	case seg[0] == "pipelines" && len(seg) == 3 && seg[2] == "versions" && m == http.MethodGet:
		return s.listVersions(seg[1], q)
	case seg[0] == "pipelines" && len(seg) == 4 && seg[2] == "versions" && m == http.MethodGet:
		return s.version(seg[1], seg[3])
	case seg[0] == "pipelines" && len(seg) == 4 && seg[2] == "versions" && m == http.MethodDelete:
		return nil, s.deleteVersion(seg[1], seg[3])
	case seg[0] == "experiments" && len(seg) == 1 && m == http.MethodPost:
		return s.createExperiment(r)
	case seg[0] == "experiments" && len(seg) == 1 && m == http.MethodGet:
		return s.listExperiments(q)
	case seg[0] == "experiments" && len(seg) == 2 && m == http.MethodGet && verb == "":
		return s.experiment(seg[1])
	case seg[0] == "experiments" && len(seg) == 2 && m == http.MethodPost && verb == "archive":
		e, err := s.experiment(seg[1])
		if err == nil {
			e.StorageState = client.StorageArchived
		}
		return nil, err
	case seg[0] == "runs" && len(seg) == 1 && m == http.MethodPost:
		return s.createRun(r)
	case seg[0] == "runs" && len(seg) == 1 && m == http.MethodGet:
		return s.listRuns(q)
	case seg[0] == "runs" && len(seg) == 2 && m == http.MethodGet && verb == "":
		return s.getRun(seg[1])
	case seg[0] == "runs" && len(seg) == 2 && m == http.MethodPost && verb == "terminate":
		return nil, s.terminateRun(seg[1])
	case seg[0] == "runs" && len(seg) == 2 && m == http.MethodPost && verb == "retry":
		return nil, s.retryRun(seg[1])
	case seg[0] == "recurringruns" && len(seg) == 1 && m == http.MethodPost:
		return s.createRecurringRun(r)
	case seg[0] == "recurringruns" && len(seg) == 1 && m == http.MethodGet:
		return s.listRecurringRuns(q)
	case seg[0] == "recurringruns" && len(seg) == 2 && m == http.MethodGet && verb == "":
		return s.recurringRun(seg[1])
	case seg[0] == "recurringruns" && len(seg) == 2 && m == http.MethodPost && (verb == "enable" || verb == "disable"):
		rr, err := s.recurringRun(seg[1])
		if err == nil {
			rr.Mode, rr.Status = client.ModeEnable, client.StatusEnabled
			if verb == "disable" {
				rr.Mode, rr.Status = client.ModeDisable, client.StatusDisabled
			}
			rr.UpdatedAt = s.tick()
		}
		return nil, err
	case seg[0] == "recurringruns" && len(seg) == 2 && m == http.MethodDelete:
		return nil, s.deleteRecurringRun(seg[1], q.Get("propagation_policy"))
	}
	return nil, errf(http.StatusNotFound, codeNotFound, "Not Found: %s %s", r.Method, r.URL.Path)
}

// ---- pipelines

func (s *Server) uploadPipeline(r *http.Request) (any, error) {
	content, filename, err := formFile(r)
	if err != nil {
		return nil, err
	}
	pkg, err := client.ParsePackage(content)
	if err != nil {
		return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Failed to read a pipeline spec file: %v", err)
	}
	q := r.URL.Query()
	name := firstNonEmpty(q.Get("name"), q.Get("display_name"), strings.TrimSuffix(filename, path.Ext(filename)))
	ns := q.Get("namespace")
	for _, p := range s.pipelines {
		if p.Name == name && p.Namespace == ns {
			return nil, errf(http.StatusConflict, codeAlreadyExists, "Failed to create a pipeline and a pipeline version: pipeline with name %q already exists in namespace %q", name, ns)
		}
	}
	p := &client.Pipeline{PipelineID: s.id("pipeline"), Name: name, DisplayName: firstNonEmpty(q.Get("display_name"), name), Description: q.Get("description"), Namespace: ns, CreatedAt: s.tick()}
	s.pipelines = append(s.pipelines, p)
	s.versions = append(s.versions, &client.PipelineVersion{PipelineID: p.PipelineID, PipelineVersionID: s.id("version"), Name: name, DisplayName: p.DisplayName, Description: p.Description, CreatedAt: p.CreatedAt, PipelineSpec: pkg.SpecObject()})
	return p, nil
}

func (s *Server) uploadVersion(r *http.Request) (any, error) {
	content, filename, err := formFile(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	pid := q.Get("pipelineid")
	if pid == "" {
		return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Failed to create a pipeline version: pipeline ID is empty (query parameter pipelineid)")
	}
	if _, err := s.pipeline(pid); err != nil {
		return nil, err
	}
	pkg, err := client.ParsePackage(content)
	if err != nil {
		return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Failed to read a pipeline spec file: %v", err)
	}
	name := firstNonEmpty(q.Get("name"), q.Get("display_name"), strings.TrimSuffix(filename, path.Ext(filename)))
	for _, v := range s.versions {
		if v.PipelineID == pid && v.Name == name {
			return nil, errf(http.StatusConflict, codeAlreadyExists, "Failed to create a pipeline version: pipeline version with name %q already exists in pipeline %s", name, pid)
		}
	}
	v := &client.PipelineVersion{PipelineID: pid, PipelineVersionID: s.id("version"), Name: name, DisplayName: firstNonEmpty(q.Get("display_name"), name),
		Description: q.Get("description"), CodeSourceURL: q.Get("code_source_url"), CreatedAt: s.tick(), PipelineSpec: pkg.SpecObject()}
	s.versions = append(s.versions, v)
	return v, nil
}

func formFile(r *http.Request) ([]byte, string, error) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return nil, "", errf(http.StatusBadRequest, codeInvalidArgument, "Failed to read pipeline from file: %v", err)
	}
	f, h, err := r.FormFile("uploadfile")
	if err != nil {
		return nil, "", errf(http.StatusBadRequest, codeInvalidArgument, "Failed to read pipeline from file")
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, "", errf(http.StatusBadRequest, codeInvalidArgument, "Failed to read pipeline from file")
	}
	return buf.Bytes(), h.Filename, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func (s *Server) pipeline(id string) (*client.Pipeline, error) {
	for _, p := range s.pipelines {
		if p.PipelineID == id {
			return p, nil
		}
	}
	return nil, errf(http.StatusNotFound, codeNotFound, "Failed to get pipeline: ResourceNotFoundError: Pipeline %s not found", id)
}

func (s *Server) listPipelines(q map[string][]string) (any, error) {
	items, next, total, err := list(s, q, s.pipelines, func(p *client.Pipeline, key string) (string, bool) {
		switch key {
		case "name":
			return p.Name, true
		case "display_name":
			return p.DisplayName, true
		case "namespace":
			return p.Namespace, true
		}
		return "", false
	}, func(p *client.Pipeline) bool { return ns(q) == "" || p.Namespace == ns(q) })
	if err != nil {
		return nil, err
	}
	return &client.ListPipelinesResponse{Pipelines: deref(items), NextPageToken: next, TotalSize: total}, nil
}

func (s *Server) deletePipeline(id string, cascade bool) error {
	if _, err := s.pipeline(id); err != nil {
		return err
	}
	var keep []*client.PipelineVersion
	for _, v := range s.versions {
		if v.PipelineID == id {
			if !cascade {
				return errf(http.StatusBadRequest, codeFailedPrecondition, "Failed to delete pipeline %s: it has pipeline versions; delete them first or set cascade=true", id)
			}
			continue
		}
		keep = append(keep, v)
	}
	s.versions = keep
	s.pipelines = remove(s.pipelines, func(p *client.Pipeline) bool { return p.PipelineID == id })
	return nil
}

func (s *Server) version(pid, vid string) (*client.PipelineVersion, error) {
	for _, v := range s.versions {
		if v.PipelineVersionID == vid && (pid == "" || v.PipelineID == pid) {
			return v, nil
		}
	}
	return nil, errf(http.StatusNotFound, codeNotFound, "Failed to get pipeline version: ResourceNotFoundError: PipelineVersion %s not found", vid)
}

func (s *Server) listVersions(pid string, q map[string][]string) (any, error) {
	if _, err := s.pipeline(pid); err != nil {
		return nil, err
	}
	vs := s.versions
	if get(q, "sort_by") == "created_at desc" {
		vs = append([]*client.PipelineVersion(nil), vs...)
		sort.SliceStable(vs, func(i, j int) bool { return vs[i].CreatedAt.After(*vs[j].CreatedAt) })
	}
	items, next, total, err := list(s, q, vs, func(v *client.PipelineVersion, key string) (string, bool) {
		switch key {
		case "name":
			return v.Name, true
		case "display_name":
			return v.DisplayName, true
		}
		return "", false
	}, func(v *client.PipelineVersion) bool { return v.PipelineID == pid })
	if err != nil {
		return nil, err
	}
	return &client.ListPipelineVersionsResponse{PipelineVersions: deref(items), NextPageToken: next, TotalSize: total}, nil
}

func (s *Server) deleteVersion(pid, vid string) error {
	if _, err := s.version(pid, vid); err != nil {
		return err
	}
	s.versions = remove(s.versions, func(v *client.PipelineVersion) bool { return v.PipelineVersionID == vid })
	return nil
}

// ---- experiments

func (s *Server) createExperiment(r *http.Request) (any, error) {
	var e client.Experiment
	if err := decode(r, &e); err != nil {
		return nil, err
	}
	if e.DisplayName == "" {
		return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: Experiment name is empty. Please specify a valid experiment name")
	}
	for _, x := range s.experiments {
		if x.DisplayName == e.DisplayName && x.Namespace == e.Namespace {
			return nil, errf(http.StatusConflict, codeAlreadyExists, "Failed to create a new experiment: AlreadyExistsError: experiment with name %q already exists in namespace %q", e.DisplayName, e.Namespace)
		}
	}
	e.ExperimentID, e.CreatedAt, e.StorageState = s.id("exp"), s.tick(), client.StorageAvailable
	s.experiments = append(s.experiments, &e)
	return &e, nil
}

func (s *Server) experiment(id string) (*client.Experiment, error) {
	for _, e := range s.experiments {
		if e.ExperimentID == id {
			return e, nil
		}
	}
	return nil, errf(http.StatusNotFound, codeNotFound, "Failed to get experiment: ResourceNotFoundError: Experiment %s not found", id)
}

func (s *Server) listExperiments(q map[string][]string) (any, error) {
	items, next, total, err := list(s, q, s.experiments, func(e *client.Experiment, key string) (string, bool) {
		switch key {
		case "name", "display_name":
			return e.DisplayName, true
		case "storage_state":
			return e.StorageState, true
		}
		return "", false
	}, func(e *client.Experiment) bool { return ns(q) == "" || e.Namespace == ns(q) })
	if err != nil {
		return nil, err
	}
	return &client.ListExperimentsResponse{Experiments: deref(items), NextPageToken: next, TotalSize: total}, nil
}

// ---- runs

// resolveSource checks a run's pipeline source and returns its spec object.
func (s *Server) resolveSource(kind string, spec map[string]any, ref *client.PipelineVersionReference) (map[string]any, error) {
	switch {
	case spec != nil && ref != nil:
		return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: %s has both pipeline_spec and pipeline_version_reference", kind)
	case spec != nil:
		return spec, nil
	case ref != nil:
		v, err := s.version("", ref.PipelineVersionID)
		if err != nil {
			return nil, err
		}
		if ref.PipelineID != "" && v.PipelineID != ref.PipelineID {
			return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: pipeline version %s does not belong to pipeline %s", ref.PipelineVersionID, ref.PipelineID)
		}
		return v.PipelineSpec, nil
	}
	return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: %s has no pipeline: set pipeline_version_reference or pipeline_spec", kind)
}

func (s *Server) checkExperiment(id *string) error {
	if *id == "" {
		*id = s.experiments[0].ExperimentID // "Default"
		return nil
	}
	_, err := s.experiment(*id)
	return err
}

func (s *Server) createRun(r *http.Request) (any, error) {
	var run client.Run
	if err := decode(r, &run); err != nil {
		return nil, err
	}
	if run.DisplayName == "" {
		return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: Run name is empty. Please specify a valid name")
	}
	if err := s.checkExperiment(&run.ExperimentID); err != nil {
		return nil, err
	}
	spec, err := s.resolveSource("run", run.PipelineSpec, run.PipelineVersionReference)
	if err != nil {
		return nil, err
	}
	if err := checkParams(spec, run.RuntimeConfig); err != nil {
		return nil, err
	}
	run.RunID, run.CreatedAt, run.State, run.StorageState = s.id("run"), s.tick(), client.StatePending, client.StorageAvailable
	run.StateHistory = []client.RuntimeStatus{{UpdateTime: run.CreatedAt, State: client.StatePending}}
	s.runs = append(s.runs, &runRec{run: &run, steps: append([]client.RuntimeState(nil), s.opts.RunStates...)})
	return &run, nil
}

func (s *Server) findRun(id string) (*runRec, error) {
	for _, r := range s.runs {
		if r.run.RunID == id {
			return r, nil
		}
	}
	return nil, errf(http.StatusNotFound, codeNotFound, "Failed to get a run: ResourceNotFoundError: Run %s not found", id)
}

func (s *Server) getRun(id string) (any, error) {
	r, err := s.findRun(id)
	if err != nil {
		return nil, err
	}
	if len(r.steps) > 0 && !r.run.State.Terminal() {
		r.run.State, r.steps = r.steps[0], r.steps[1:]
		t := s.tick()
		r.run.StateHistory = append(r.run.StateHistory, client.RuntimeStatus{UpdateTime: t, State: r.run.State})
		if r.run.State.Terminal() {
			r.run.FinishedAt = t
		}
	}
	return r.run, nil
}

func (s *Server) terminateRun(id string) error {
	r, err := s.findRun(id)
	if err != nil {
		return err
	}
	if !r.run.State.Terminal() {
		r.run.State, r.steps, r.run.FinishedAt = client.StateCanceled, nil, s.tick()
	}
	return nil
}

func (s *Server) retryRun(id string) error {
	r, err := s.findRun(id)
	if err != nil {
		return err
	}
	if r.run.State != client.StateFailed && r.run.State != client.StateCanceled {
		return errf(http.StatusBadRequest, codeFailedPrecondition, "Failed to retry a run: run %s is %s; only failed or canceled runs can be retried", id, r.run.State)
	}
	r.run.State, r.steps, r.run.FinishedAt = client.StateRunning, []client.RuntimeState{client.StateSucceeded}, nil
	return nil
}

func (s *Server) listRuns(q map[string][]string) (any, error) {
	recs := make([]*client.Run, 0, len(s.runs))
	for _, r := range s.runs {
		recs = append(recs, r.run)
	}
	exp := get(q, "experiment_id")
	items, next, total, err := list(s, q, recs, func(r *client.Run, key string) (string, bool) {
		switch key {
		case "name", "display_name":
			return r.DisplayName, true
		case "state":
			return string(r.State), true
		case "recurring_run_id":
			return r.RecurringRunID, true
		}
		return "", false
	}, func(r *client.Run) bool { return exp == "" || r.ExperimentID == exp })
	if err != nil {
		return nil, err
	}
	return &client.ListRunsResponse{Runs: deref(items), NextPageToken: next, TotalSize: total}, nil
}

// ---- recurring runs

func (s *Server) createRecurringRun(r *http.Request) (any, error) {
	var rr client.RecurringRun
	if err := decode(r, &rr); err != nil {
		return nil, err
	}
	if rr.DisplayName == "" {
		return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: Recurring run's name cannot be empty")
	}
	if rr.MaxConcurrency > 10 || rr.MaxConcurrency < 1 {
		return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: Max concurrency of a recurring run must be at least 1 and at most 10. Received %v", int64(rr.MaxConcurrency))
	}
	if rr.Trigger == nil || (rr.Trigger.CronSchedule == nil) == (rr.Trigger.PeriodicSchedule == nil) {
		return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: a recurring run needs exactly one of trigger.cron_schedule and trigger.periodic_schedule")
	}
	if c := rr.Trigger.CronSchedule; c != nil {
		if _, err := schedule.ParseKFPCron(c.Cron); err != nil {
			return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: Schedule cron is not a supported format(https://godoc.org/github.com/robfig/cron). Error: %v", err)
		}
	}
	if p := rr.Trigger.PeriodicSchedule; p != nil && p.IntervalSecond < 1 {
		return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: Found invalid period schedule interval %d. Set at interval to least 1 second", int64(p.IntervalSecond))
	}
	switch rr.Mode {
	case client.ModeEnable:
		rr.Status = client.StatusEnabled
	case "", "MODE_UNSPECIFIED", client.ModeDisable:
		rr.Mode, rr.Status = client.ModeDisable, client.StatusDisabled
	default:
		return nil, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: Recurring run's mode is invalid: %s", rr.Mode)
	}
	if err := s.checkExperiment(&rr.ExperimentID); err != nil {
		return nil, err
	}
	spec, err := s.resolveSource("recurring run", rr.PipelineSpec, rr.PipelineVersionReference)
	if err != nil {
		return nil, err
	}
	if err := checkParams(spec, rr.RuntimeConfig); err != nil {
		return nil, err
	}
	rr.RecurringRunID, rr.CreatedAt = s.id("recurringrun"), s.tick()
	rr.UpdatedAt = rr.CreatedAt
	s.recurring = append(s.recurring, &rr)
	return &rr, nil
}

func (s *Server) recurringRun(id string) (*client.RecurringRun, error) {
	for _, rr := range s.recurring {
		if rr.RecurringRunID == id {
			return rr, nil
		}
	}
	return nil, errf(http.StatusNotFound, codeNotFound, "Failed to get a recurring run: ResourceNotFoundError: RecurringRun %s not found", id)
}

func (s *Server) deleteRecurringRun(id, policy string) error {
	switch policy {
	case "", string(client.PropagationUnspecified), string(client.PropagationForeground), string(client.PropagationBackground), string(client.PropagationOrphan):
	default:
		return errf(http.StatusBadRequest, codeInvalidArgument, "invalid value for enum field propagation_policy: %q", policy)
	}
	if _, err := s.recurringRun(id); err != nil {
		return err
	}
	s.recurring = remove(s.recurring, func(rr *client.RecurringRun) bool { return rr.RecurringRunID == id })
	return nil
}

func (s *Server) listRecurringRuns(q map[string][]string) (any, error) {
	exp := get(q, "experiment_id")
	items, next, total, err := list(s, q, s.recurring, func(rr *client.RecurringRun, key string) (string, bool) {
		switch key {
		case "name", "display_name":
			return rr.DisplayName, true
		}
		return "", false
	}, func(rr *client.RecurringRun) bool { return exp == "" || rr.ExperimentID == exp })
	if err != nil {
		return nil, err
	}
	return &client.ListRecurringRunsResponse{RecurringRuns: deref(items), NextPageToken: next, TotalSize: total}, nil
}

// ---- parameters

// checkParams checks runtime parameters against the spec's root
// inputDefinitions by JSON type: NUMBER_INTEGER wants an integral number,
// NUMBER_DOUBLE a number, STRING a string, BOOLEAN a bool, LIST an array,
// STRUCT an object; unknown names and missing required inputs are refused.
func checkParams(spec map[string]any, rc *client.RuntimeConfig) error {
	if inner, ok := spec["pipeline_spec"].(map[string]any); ok {
		spec = inner
	}
	root, _ := spec["root"].(map[string]any)
	defs, _ := root["inputDefinitions"].(map[string]any)
	params, _ := defs["parameters"].(map[string]any)
	var given map[string]any
	if rc != nil {
		given = rc.Parameters
	}
	for name, v := range given {
		d, ok := params[name].(map[string]any)
		if !ok {
			return errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: parameter %q is not an input of the pipeline", name)
		}
		t, _ := d["parameterType"].(string)
		okType := false
		switch x := v.(type) {
		case float64:
			okType = t == "NUMBER_DOUBLE" || (t == "NUMBER_INTEGER" && x == math.Trunc(x))
		case string:
			okType = t == "STRING"
		case bool:
			okType = t == "BOOLEAN"
		case []any:
			okType = t == "LIST"
		case map[string]any:
			okType = t == "STRUCT"
		}
		if !okType {
			return errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: parameter %q has type %s but got %s", name, t, jsonKind(v))
		}
	}
	for name, raw := range params {
		d, _ := raw.(map[string]any)
		_, hasDefault := d["defaultValue"]
		opt, _ := d["isOptional"].(bool)
		if _, ok := given[name]; !ok && !hasDefault && !opt {
			return errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: required parameter %q is missing", name)
		}
	}
	return nil
}

func jsonKind(v any) string {
	b, _ := json.Marshal(v)
	return fmt.Sprintf("%T %s", v, b)
}

// ---- lists

func ns(q map[string][]string) string { return get(q, "namespace") }

func get(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// list filters and paginates items; page tokens are base64 offsets.
func list[E any](s *Server, q map[string][]string, items []*E, field func(*E, string) (string, bool), keep func(*E) bool) ([]*E, string, int, error) {
	var preds []client.Predicate
	if f := get(q, "filter"); f != "" {
		var filter client.Filter
		dec := json.NewDecoder(strings.NewReader(f))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&filter); err != nil {
			return nil, "", 0, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: failed to parse valid filter from %q: %v", f, err)
		}
		preds = filter.Predicates
		for _, p := range preds {
			if _, ok := field(new(E), p.Key); !ok {
				return nil, "", 0, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: filter key %q is not supported", p.Key)
			}
		}
	}
	var sel []*E
	for _, it := range items {
		if !keep(it) {
			continue
		}
		match := true
		for _, p := range preds {
			v, _ := field(it, p.Key)
			switch p.Operation {
			case "EQUALS":
				match = match && v == p.StringValue
			case "NOT_EQUALS":
				match = match && v != p.StringValue
			case "IS_SUBSTRING":
				match = match && strings.Contains(v, p.StringValue)
			default:
				return nil, "", 0, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: filter operation %q is not supported by the fake", p.Operation)
			}
		}
		if match {
			sel = append(sel, it)
		}
	}
	size := s.opts.DefaultPageSize
	if v := get(q, "page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, "", 0, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: page_size %q", v)
		}
		if n > 0 {
			size = n
		}
	}
	start := 0
	if tok := get(q, "page_token"); tok != "" {
		b, err := base64.StdEncoding.DecodeString(tok)
		if err == nil {
			start, err = strconv.Atoi(string(b))
		}
		if err != nil || start < 0 || start > len(sel) {
			return nil, "", 0, errf(http.StatusBadRequest, codeInvalidArgument, "Invalid input error: Invalid page token")
		}
	}
	end := min(start+size, len(sel))
	next := ""
	if end < len(sel) {
		next = base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return sel[start:end], next, len(sel), nil
}

func deref[T any](ps []*T) []T {
	out := make([]T, 0, len(ps))
	for _, p := range ps {
		out = append(out, *p)
	}
	return out
}

func remove[T any](s []T, drop func(T) bool) []T {
	var out []T
	for _, x := range s {
		if !drop(x) {
			out = append(out, x)
		}
	}
	return out
}
