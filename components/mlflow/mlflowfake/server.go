package mlflowfake

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kfpgo/kfpgo/components/mlflow"
)

// UnauthenticatedMessage is the plain-text body MLflow's basic-auth app
// (mlflow/server/auth) answers with 401.
const UnauthenticatedMessage = "You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate."

// Request is one request the server received (credentials are not kept).
type Request struct {
	// Method and Path ("/api/2.0/mlflow/runs/create").
	Method, Path string
	// Query is the raw query string; Body the raw JSON body.
	Query, Body string
}

type version struct {
	mv      mlflow.ModelVersion
	pending int
}

type model struct {
	rm       mlflow.RegisteredModel
	versions []*version
	aliases  map[string]string
}

type run struct {
	info    mlflow.RunInfo
	params  map[string]string
	tags    map[string]string
	metrics []mlflow.Metric
}

// Server is an in-memory MLflow tracking server. Create it with New; set
// the exported fields before the first request.
type Server struct {
	*httptest.Server

	// Token, when set, is the only accepted bearer token.
	Token string
	// Username and Password, when set, are the only accepted basic-auth
	// credentials. With both Token and Username set, either is accepted.
	Username, Password string
	// PendingPolls is how many model-versions/get (and search) answers show
	// a new version as PENDING_REGISTRATION before it turns READY.
	// New sets 2.
	PendingPolls int
	// FailRegistration makes new versions end in FAILED_REGISTRATION with
	// a status_message instead of READY.
	FailRegistration bool
	// ArtifactRoot is the server's default artifact root; experiments get
	// "<root><id>" (or "<root>/<id>") as artifact location and runs
	// "<location>/<run_id>/artifacts". New sets "mlflow-artifacts:/", what
	// `mlflow server` reports when it proxies artifacts (its default).
	// Set e.g. "s3://bucket/mlruns" to act as a server started with
	// --default-artifact-root s3://… --no-serve-artifacts.
	ArtifactRoot string
	// NoServeArtifacts makes the mlflow-artifacts endpoints answer 503 with
	// MLflow's plain-text hint, as `mlflow server --no-serve-artifacts`.
	NoServeArtifacts bool

	mu          sync.Mutex
	experiments map[string]*mlflow.Experiment
	nextExp     int
	runs        map[string]*run
	models      map[string]*model
	requests    []Request
	failures    map[string][]int
	clock       int64
	artifacts   map[string][]byte
}

// New starts a server on a loopback port with the Default experiment "0".
// Close it when done.
func New() *Server {
	s := &Server{
		PendingPolls: 2,
		experiments:  map[string]*mlflow.Experiment{},
		nextExp:      1,
		runs:         map[string]*run{},
		models:       map[string]*model{},
		failures:     map[string][]int{},
		clock:        time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(),
		ArtifactRoot: "mlflow-artifacts:/",
		artifacts:    map[string][]byte{},
	}
	s.experiments["0"] = &mlflow.Experiment{ExperimentID: "0", Name: "Default", LifecycleStage: "active", CreationTime: s.clock, LastUpdateTime: s.clock}
	mux := http.NewServeMux()
	p := mlflow.APIPrefix
	mux.HandleFunc("GET "+p+"/experiments/get-by-name", s.getExperimentByName)
	mux.HandleFunc("POST "+p+"/experiments/create", s.createExperiment)
	mux.HandleFunc("POST "+p+"/runs/create", s.createRun)
	mux.HandleFunc("GET "+p+"/runs/get", s.getRun)
	mux.HandleFunc("POST "+p+"/runs/log-batch", s.logBatch)
	mux.HandleFunc("POST "+p+"/runs/update", s.updateRun)
	mux.HandleFunc("POST "+p+"/registered-models/create", s.createRegisteredModel)
	mux.HandleFunc("GET "+p+"/registered-models/get", s.getRegisteredModel)
	mux.HandleFunc("POST "+p+"/model-versions/create", s.createModelVersion)
	mux.HandleFunc("GET "+p+"/model-versions/get", s.getModelVersion)
	mux.HandleFunc("GET "+p+"/model-versions/search", s.searchModelVersions)
	mux.HandleFunc("POST "+p+"/registered-models/alias", s.setAlias)
	mux.HandleFunc("POST "+p+"/runs/search", s.searchRuns)
	a := mlflow.ArtifactsPrefix
	mux.HandleFunc("PUT "+a+"/{path...}", s.uploadArtifact)
	mux.HandleFunc("GET "+a+"/{path...}", s.downloadArtifact)
	mux.HandleFunc("GET "+a, s.listArtifacts)
	s.Server = httptest.NewServer(s.wrap(mux))
	return s
}

// FailNext makes the next n requests to path (e.g. "/model-versions/create",
// below /api/2.0/mlflow, or a full path such as
// "/api/2.0/mlflow-artifacts/artifacts/0/<run>/artifacts/model/MLmodel")
// answer status with an INTERNAL_ERROR (5xx), REQUEST_LIMIT_EXCEEDED (429)
// or INVALID_PARAMETER_VALUE (other 4xx) body. Failures queue up per path.
func (s *Server) FailNext(path string, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !strings.HasPrefix(path, "/api/") {
		path = mlflow.APIPrefix + path
	}
	for range n {
		s.failures[path] = append(s.failures[path], status)
	}
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls counts the requests to path (below /api/2.0/mlflow).
func (s *Server) Calls(path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Path == mlflow.APIPrefix+path {
			n++
		}
	}
	return n
}

// ModelVersions returns the versions of a registered model as stored.
func (s *Server) ModelVersions(name string) []mlflow.ModelVersion {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.models[name]
	if m == nil {
		return nil
	}
	out := make([]mlflow.ModelVersion, 0, len(m.versions))
	for _, v := range m.versions {
		out = append(out, s.versionView(m, v))
	}
	return out
}

// Aliases returns alias → version of a registered model.
func (s *Server) Aliases(name string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	if m := s.models[name]; m != nil {
		for k, v := range m.aliases {
			out[k] = v
		}
	}
	return out
}

// Run returns a run with its params, tags and metrics, or false.
func (s *Server) Run(runID string) (mlflow.Run, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.runs[runID]
	if r == nil {
		return mlflow.Run{}, false
	}
	return s.runView(r), true
}

// Runs returns the IDs of all runs.
func (s *Server) Runs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.runs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// AddRun creates a RUNNING run in experiment "0", as a launcher that
// injects MLFLOW_RUN_ID would have, and returns its ID.
func (s *Server) AddRun() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newRun("0", "injected", "", 0, nil).info.RunID
}

func (s *Server) tick() int64 {
	s.clock += 1000
	return s.clock
}

// ---- plumbing ----

func (s *Server) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		// Artifact uploads stream on (the handler reads them); their size is
		// recorded instead of their bytes.
		upload := r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, mlflow.ArtifactsPrefix)
		if r.Body != nil && !upload {
			body, _ = io.ReadAll(io.LimitReader(r.Body, 64<<20))
			r.Body.Close()
		}
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body)})
		var fail int
		if q := s.failures[r.URL.Path]; len(q) > 0 {
			fail, s.failures[r.URL.Path] = q[0], q[1:]
		}
		s.mu.Unlock()
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="mlflow"`)
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, UnauthenticatedMessage)
			return
		}
		if fail != 0 {
			code := mlflow.ErrInternalError
			switch {
			case fail == http.StatusTooManyRequests:
				code = "REQUEST_LIMIT_EXCEEDED"
			case fail < 500:
				code = mlflow.ErrInvalidParameterValue
			}
			if upload && r.Body != nil {
				io.Copy(io.Discard, r.Body)
			}
			writeError(w, fail, code, fmt.Sprintf("injected failure %d", fail))
			return
		}
		if !upload {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			writeError(w, http.StatusBadRequest, mlflow.ErrInvalidParameterValue, "Bad Request. Content-Type must be 'application/json'.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	if s.Token == "" && s.Username == "" {
		return true
	}
	h := r.Header.Get("Authorization")
	if s.Token != "" && h == "Bearer "+s.Token {
		return true
	}
	if s.Username != "" {
		if u, p, ok := r.BasicAuth(); ok && u == s.Username && p == s.Password {
			return true
		}
	}
	return false
}

// statusOf is MLflow's ERROR_CODE_TO_HTTP_STATUS for the codes used here.
func statusOf(code string) int {
	switch code {
	case mlflow.ErrResourceDoesNotExist:
		return http.StatusNotFound
	case mlflow.ErrInternalError:
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error_code": code, "message": msg})
}

func fail(w http.ResponseWriter, code, format string, args ...any) {
	writeError(w, statusOf(code), code, fmt.Sprintf(format, args...))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		fail(w, mlflow.ErrInvalidParameterValue, "Invalid JSON in request body: %v", err)
		return false
	}
	return true
}

func missing(w http.ResponseWriter, param string) {
	fail(w, mlflow.ErrInvalidParameterValue, "Missing value for required parameter '%s'. See the API docs for more information about request parameters.", param)
}

// ---- experiments ----

func (s *Server) getExperimentByName(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("experiment_name")
	if name == "" {
		missing(w, "experiment_name")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.experiments {
		if e.Name == name {
			view := *e
			view.ArtifactLocation = s.experimentLocation(e)
			writeJSON(w, map[string]any{"experiment": view})
			return
		}
	}
	fail(w, mlflow.ErrResourceDoesNotExist, "Could not find experiment with name %s", name)
}

func (s *Server) createExperiment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name             string       `json:"name"`
		ArtifactLocation string       `json:"artifact_location"`
		Tags             []mlflow.Tag `json:"tags"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Name == "" {
		missing(w, "name")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.experiments {
		if e.Name == in.Name {
			fail(w, mlflow.ErrResourceAlreadyExists, "Experiment '%s' already exists.", in.Name)
			return
		}
	}
	id := strconv.Itoa(s.nextExp)
	s.nextExp++
	loc := in.ArtifactLocation
	now := s.tick()
	s.experiments[id] = &mlflow.Experiment{ExperimentID: id, Name: in.Name, ArtifactLocation: loc, LifecycleStage: "active", CreationTime: now, LastUpdateTime: now, Tags: in.Tags}
	s.experiments[id].ArtifactLocation = s.experimentLocation(s.experiments[id])
	writeJSON(w, map[string]string{"experiment_id": id})
}

// ---- runs ----

func newHexID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) newRun(expID, name, user string, start int64, tags []mlflow.Tag) *run {
	id := newHexID()
	if start == 0 {
		start = s.tick()
	}
	rn := &run{
		info: mlflow.RunInfo{RunID: id, RunUUID: id, RunName: name, ExperimentID: expID, UserID: user, Status: mlflow.RunRunning,
			StartTime: start, ArtifactURI: s.experimentLocation(s.experiments[expID]) + "/" + id + "/artifacts", LifecycleStage: "active"},
		params: map[string]string{}, tags: map[string]string{"mlflow.runName": name},
	}
	for _, t := range tags {
		rn.tags[t.Key] = t.Value
	}
	s.runs[id] = rn
	return rn
}

func (s *Server) runView(r *run) mlflow.Run {
	out := mlflow.Run{Info: r.info}
	for _, k := range sortedKeys(r.params) {
		out.Data.Params = append(out.Data.Params, mlflow.Param{Key: k, Value: r.params[k]})
	}
	for _, k := range sortedKeys(r.tags) {
		out.Data.Tags = append(out.Data.Tags, mlflow.Tag{Key: k, Value: r.tags[k]})
	}
	out.Data.Metrics = append(out.Data.Metrics, r.metrics...)
	return out
}

func (s *Server) createRun(w http.ResponseWriter, r *http.Request) {
	var in mlflow.CreateRunRequest
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.ExperimentID == "" {
		in.ExperimentID = "0"
	}
	if s.experiments[in.ExperimentID] == nil {
		fail(w, mlflow.ErrResourceDoesNotExist, "No Experiment with id=%s exists", in.ExperimentID)
		return
	}
	name := in.RunName
	for _, t := range in.Tags {
		if t.Key == "mlflow.runName" && name == "" {
			name = t.Value
		}
	}
	if name == "" {
		name = "run-" + newHexID()[:6]
	}
	rn := s.newRun(in.ExperimentID, name, in.UserID, in.StartTime, in.Tags)
	writeJSON(w, map[string]any{"run": s.runView(rn)})
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("run_id")
	if id == "" {
		missing(w, "run_id")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rn := s.runs[id]
	if rn == nil {
		fail(w, mlflow.ErrResourceDoesNotExist, "Run with id=%s not found", id)
		return
	}
	writeJSON(w, map[string]any{"run": s.runView(rn)})
}

func (s *Server) logBatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RunID   string          `json:"run_id"`
		Metrics []mlflow.Metric `json:"metrics"`
		Params  []mlflow.Param  `json:"params"`
		Tags    []mlflow.Tag    `json:"tags"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.RunID == "" {
		missing(w, "run_id")
		return
	}
	if len(in.Metrics) > mlflow.MaxMetricsPerBatch || len(in.Params) > mlflow.MaxParamsTagsPerBatch || len(in.Tags) > mlflow.MaxParamsTagsPerBatch || len(in.Metrics)+len(in.Params)+len(in.Tags) > mlflow.MaxEntitiesPerBatch {
		fail(w, mlflow.ErrInvalidParameterValue, "A batch logging request can contain at most %d metrics, %d params, %d tags and %d entities in total", mlflow.MaxMetricsPerBatch, mlflow.MaxParamsTagsPerBatch, mlflow.MaxParamsTagsPerBatch, mlflow.MaxEntitiesPerBatch)
		return
	}
	// _validate_batch_log_data and the store's log_batch
	// (mlflow/utils/validation.py, mlflow/store/tracking/sqlalchemy_store.py):
	// names, key lengths (refused), value lengths (truncated, as
	// MLFLOW_TRUNCATE_LONG_VALUES defaults to true), duplicate param keys.
	seen := map[string]bool{}
	for i, p := range in.Params {
		if err := checkEntityName("parameter", p.Key); err != nil {
			fail(w, mlflow.ErrInvalidParameterValue, "%s", err.Error())
			return
		}
		if err := lengthLimit("Param key", maxEntityKeyLength, p.Key); err != nil {
			fail(w, mlflow.ErrInvalidParameterValue, "%s", err.Error())
			return
		}
		if seen[p.Key] {
			fail(w, mlflow.ErrInvalidParameterValue, "Duplicate parameter keys have been submitted: ['%s']. Please ensure the request contains only one param value per param key.", p.Key)
			return
		}
		seen[p.Key] = true
		in.Params[i].Value = truncate(p.Value, maxParamValLength)
	}
	for i, t := range in.Tags {
		if err := checkEntityName("tag", t.Key); err != nil {
			fail(w, mlflow.ErrInvalidParameterValue, "%s", err.Error())
			return
		}
		if err := lengthLimit("Tag key", maxEntityKeyLength, t.Key); err != nil {
			fail(w, mlflow.ErrInvalidParameterValue, "%s", err.Error())
			return
		}
		in.Tags[i].Value = truncate(t.Value, maxTagValLength)
	}
	for _, m := range in.Metrics {
		if err := checkEntityName("metric", m.Key); err != nil {
			fail(w, mlflow.ErrInvalidParameterValue, "%s", err.Error())
			return
		}
		if m.Timestamp < 0 {
			fail(w, mlflow.ErrInvalidParameterValue, "Got invalid timestamp %d for metric '%s' (value=%v). Timestamp must be a nonnegative long (64-bit integer) ", m.Timestamp, m.Key, m.Value)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rn := s.runs[in.RunID]
	if rn == nil {
		fail(w, mlflow.ErrResourceDoesNotExist, "Run with id=%s not found", in.RunID)
		return
	}
	if !activeRun(w, rn) {
		return
	}
	for _, p := range in.Params {
		if old, ok := rn.params[p.Key]; ok && old != p.Value {
			fail(w, mlflow.ErrInvalidParameterValue, "Changing param values is not allowed. Param with key='%s' was already logged with value='%s' for run ID='%s'. Attempted logging new value '%s'.", p.Key, old, in.RunID, p.Value)
			return
		}
	}
	for _, p := range in.Params {
		rn.params[p.Key] = p.Value
	}
	for _, t := range in.Tags {
		rn.tags[t.Key] = t.Value
	}
	rn.metrics = append(rn.metrics, in.Metrics...)
	writeJSON(w, struct{}{})
}

func (s *Server) updateRun(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RunID   string `json:"run_id"`
		Status  string `json:"status"`
		EndTime int64  `json:"end_time"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rn := s.runs[in.RunID]
	if rn == nil {
		fail(w, mlflow.ErrResourceDoesNotExist, "Run with id=%s not found", in.RunID)
		return
	}
	if !activeRun(w, rn) {
		return
	}
	if in.Status != "" {
		rn.info.Status = in.Status
	}
	if in.EndTime != 0 {
		rn.info.EndTime = in.EndTime
	}
	writeJSON(w, map[string]any{"run_info": rn.info})
}

// activeRun is _check_run_is_active of MLflow's tracking stores: a deleted
// run refuses logging and updates.
func activeRun(w http.ResponseWriter, rn *run) bool {
	if rn.info.LifecycleStage == "active" {
		return true
	}
	fail(w, mlflow.ErrInvalidParameterValue, "The run %s must be in the 'active' state. Current state is %s.", rn.info.RunID, rn.info.LifecycleStage)
	return false
}

// ---- registry ----

func (s *Server) createRegisteredModel(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string       `json:"name"`
		Tags        []mlflow.Tag `json:"tags"`
		Description string       `json:"description"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Name == "" {
		missing(w, "name")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.models[in.Name] != nil {
		fail(w, mlflow.ErrResourceAlreadyExists, "Registered Model (name=%s) already exists.", in.Name)
		return
	}
	now := s.tick()
	m := &model{rm: mlflow.RegisteredModel{Name: in.Name, CreationTimestamp: now, LastUpdatedTimestamp: now, Description: in.Description, Tags: in.Tags}, aliases: map[string]string{}}
	s.models[in.Name] = m
	writeJSON(w, map[string]any{"registered_model": s.modelView(m)})
}

func (s *Server) modelView(m *model) mlflow.RegisteredModel {
	rm := m.rm
	for _, a := range sortedKeys(m.aliases) {
		rm.Aliases = append(rm.Aliases, mlflow.RegisteredModelAlias{Alias: a, Version: m.aliases[a]})
	}
	return rm
}

func (s *Server) getRegisteredModel(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if name == "" {
		missing(w, "name")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.models[name]
	if m == nil {
		fail(w, mlflow.ErrResourceDoesNotExist, "Registered Model with name=%s not found", name)
		return
	}
	writeJSON(w, map[string]any{"registered_model": s.modelView(m)})
}

func (s *Server) versionView(m *model, v *version) mlflow.ModelVersion {
	mv := v.mv
	mv.Aliases = nil
	for _, a := range sortedKeys(m.aliases) {
		if m.aliases[a] == mv.Version {
			mv.Aliases = append(mv.Aliases, a)
		}
	}
	return mv
}

// poll advances a pending version one step towards its final status.
func (s *Server) poll(v *version) {
	if v.mv.Status != mlflow.StatusPendingRegistration {
		return
	}
	if v.pending > 0 {
		v.pending--
		return
	}
	if s.FailRegistration {
		v.mv.Status = mlflow.StatusFailedRegistration
		v.mv.StatusMessage = "injected registration failure: the artifact store could not copy the model"
	} else {
		v.mv.Status = mlflow.StatusReady
	}
}

func (s *Server) createModelVersion(w http.ResponseWriter, r *http.Request) {
	var in mlflow.CreateModelVersionRequest
	if !decode(w, r, &in) {
		return
	}
	if in.Name == "" {
		missing(w, "name")
		return
	}
	if in.Source == "" {
		missing(w, "source")
		return
	}
	for _, t := range in.Tags {
		// _validate_model_version_tag (mlflow/utils/validation.py): no
		// truncation for registry tags.
		for _, err := range []error{checkEntityName("tag", t.Key), lengthLimit("Model version key", maxRegistryTagKey, t.Key), lengthLimit("Model version value", maxRegistryTagValue, t.Value)} {
			if err != nil {
				fail(w, mlflow.ErrInvalidParameterValue, "%s", err.Error())
				return
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The handler validates the source before the store sees the model
	// name (_create_model_version in mlflow/server/handlers.py).
	status, code, msg := checkVersionSource(in.Source, in.RunID, func(id string) (string, error) {
		rn := s.runs[id]
		if rn == nil {
			return "", fmt.Errorf("Run with id=%s not found", id)
		}
		return rn.info.ArtifactURI, nil
	})
	if status != 0 {
		writeError(w, status, code, msg)
		return
	}
	m := s.models[in.Name]
	if m == nil {
		fail(w, mlflow.ErrResourceDoesNotExist, "Registered Model with name=%s not found", in.Name)
		return
	}
	// A models:/<name>/<version> source is resolved to that version's
	// storage location; a failure is an MlflowException with the default
	// INTERNAL_ERROR (sqlalchemy_store.py create_model_version). runs:/ and
	// every other source is stored as given.
	if strings.HasPrefix(in.Source, "models:") {
		if _, err := s.resolveModelsURI(in.Source); err != nil {
			writeError(w, http.StatusInternalServerError, mlflow.ErrInternalError, fmt.Sprintf("Unable to fetch model from model URI source artifact location '%s'.Error: %s", in.Source, err.Error()))
			return
		}
	}
	now := s.tick()
	v := &version{pending: s.PendingPolls, mv: mlflow.ModelVersion{
		Name: in.Name, Version: strconv.Itoa(len(m.versions) + 1), CreationTimestamp: now, LastUpdatedTimestamp: now,
		CurrentStage: "None", Description: in.Description, Source: in.Source, RunID: in.RunID, RunLink: in.RunLink,
		Status: mlflow.StatusPendingRegistration, Tags: in.Tags,
	}}
	m.versions = append(m.versions, v)
	m.rm.LastUpdatedTimestamp = now
	writeJSON(w, map[string]any{"model_version": s.versionView(m, v)})
}

// resolveModelsURI returns the source of the version a
// "models:/<name>/<version>" URI names; other models:/ forms (aliases,
// stages, logged model IDs) are not resolvable here.
func (s *Server) resolveModelsURI(uri string) (string, error) {
	rest := strings.TrimLeft(strings.TrimPrefix(uri, "models:"), "/")
	name, ver, ok := strings.Cut(rest, "/")
	n, err := strconv.Atoi(ver)
	if !ok || err != nil {
		return "", fmt.Errorf("Logged model with ID '%s' not found.", rest)
	}
	m := s.models[name]
	if m == nil || n < 1 || n > len(m.versions) {
		return "", fmt.Errorf("Model Version (name=%s, version=%s) not found", name, ver)
	}
	return m.versions[n-1].mv.Source, nil
}

func (s *Server) findVersion(w http.ResponseWriter, name, ver string) (*model, *version) {
	m := s.models[name]
	if m == nil {
		fail(w, mlflow.ErrResourceDoesNotExist, "Registered Model with name=%s not found", name)
		return nil, nil
	}
	n, err := strconv.Atoi(ver)
	if err != nil {
		fail(w, mlflow.ErrInvalidParameterValue, "Parameter 'version' must be an integer, got '%s'.", ver)
		return nil, nil
	}
	if n < 1 || n > len(m.versions) {
		fail(w, mlflow.ErrResourceDoesNotExist, "Model Version (name=%s, version=%s) not found", name, ver)
		return nil, nil
	}
	return m, m.versions[n-1]
}

func (s *Server) getModelVersion(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("name") == "" {
		missing(w, "name")
		return
	}
	if q.Get("version") == "" {
		missing(w, "version")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, v := s.findVersion(w, q.Get("name"), q.Get("version"))
	if v == nil {
		return
	}
	s.poll(v)
	writeJSON(w, map[string]any{"model_version": s.versionView(m, v)})
}

// clauseRe matches one comparison of MLflow's model-version search filter
// grammar that this server supports: name, run_id, source_path or a tag,
// with "=", against a single-quoted string.
var clauseRe = regexp.MustCompile("^\\s*(name|run_id|source_path|tags\\.`[^`]+`|tags\\.[\\w.]+)\\s*=\\s*'([^']*)'\\s*$")

var andRe = regexp.MustCompile(`(?i)\s+and\s+`)

func matchFilter(filter string, mv mlflow.ModelVersion) (bool, error) {
	if strings.TrimSpace(filter) == "" {
		return true, nil
	}
	for _, c := range andRe.Split(filter, -1) {
		m := clauseRe.FindStringSubmatch(c)
		if m == nil {
			return false, fmt.Errorf("Invalid filter '%s'. Could not parse the clause '%s'", filter, strings.TrimSpace(c))
		}
		key, want := m[1], m[2]
		var got string
		var ok bool
		switch {
		case key == "name":
			got, ok = mv.Name, true
		case key == "run_id":
			got, ok = mv.RunID, true
		case key == "source_path":
			got, ok = mv.Source, true
		default:
			k := strings.Trim(strings.TrimPrefix(key, "tags."), "`")
			got, ok = mv.TagValue(k)
		}
		if !ok || got != want {
			return false, nil
		}
	}
	return true, nil
}

func (s *Server) searchModelVersions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	max := 10000
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200000 {
			fail(w, mlflow.ErrInvalidParameterValue, "Invalid value for max_results. It must be a positive integer no greater than 200000, but got %s", v)
			return
		}
		max = n
	}
	offset := 0
	if t := q.Get("page_token"); t != "" {
		b, err := base64.StdEncoding.DecodeString(t)
		var tok struct {
			Offset int `json:"offset"`
		}
		if err != nil || json.Unmarshal(b, &tok) != nil || tok.Offset < 0 {
			fail(w, mlflow.ErrInvalidParameterValue, "Invalid page token, could not base64-decode")
			return
		}
		offset = tok.Offset
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []mlflow.ModelVersion
	for _, name := range sortedKeys(s.models) {
		m := s.models[name]
		for _, v := range m.versions {
			s.poll(v)
			mv := s.versionView(m, v)
			ok, err := matchFilter(q.Get("filter"), mv)
			if err != nil {
				fail(w, mlflow.ErrInvalidParameterValue, "%s", err.Error())
				return
			}
			if ok {
				all = append(all, mv)
			}
		}
	}
	// MLflow's default order: last_updated_timestamp DESC, name ASC, version DESC.
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.LastUpdatedTimestamp != b.LastUpdatedTimestamp {
			return a.LastUpdatedTimestamp > b.LastUpdatedTimestamp
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		ai, _ := strconv.Atoi(a.Version)
		bi, _ := strconv.Atoi(b.Version)
		return ai > bi
	})
	out := map[string]any{"model_versions": []mlflow.ModelVersion{}}
	if offset < len(all) {
		end := min(offset+max, len(all))
		out["model_versions"] = all[offset:end]
		if end < len(all) {
			b, _ := json.Marshal(map[string]int{"offset": end})
			out["next_page_token"] = base64.StdEncoding.EncodeToString(b)
		}
	}
	writeJSON(w, out)
}

func (s *Server) setAlias(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name    string `json:"name"`
		Alias   string `json:"alias"`
		Version string `json:"version"`
	}
	if !decode(w, r, &in) {
		return
	}
	for _, p := range [][2]string{{"name", in.Name}, {"alias", in.Alias}, {"version", in.Version}} {
		if p[1] == "" {
			missing(w, p[0])
			return
		}
	}
	if err := mlflow.ValidateAlias(in.Alias); err != nil {
		var e *mlflow.Error
		if errors.As(err, &e) {
			fail(w, mlflow.ErrInvalidParameterValue, "%s", e.Message)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, v := s.findVersion(w, in.Name, in.Version)
	if v == nil {
		return
	}
	m.aliases[in.Alias] = in.Version
	m.rm.LastUpdatedTimestamp = s.tick()
	writeJSON(w, struct{}{})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
