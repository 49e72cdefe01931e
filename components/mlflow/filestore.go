package mlflow

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/yaml"
)

// Folder and file names of MLflow's file stores
// (mlflow/store/tracking/file_store.py FileStore and
// mlflow/store/model_registry/file_store.py FileStore class constants).
const (
	fsMeta          = "meta.yaml"
	fsTrash         = ".trash"
	fsModels        = "models"
	fsMetrics       = "metrics"
	fsParams        = "params"
	fsTags          = "tags"
	fsArtifacts     = "artifacts"
	fsAliases       = "aliases"
	fsDefaultExpID  = "0"
	fsDefaultExp    = "Default"
	fsTmpPrefix     = ".kfpgo-tmp-"
	fsStageNone     = "None"
	fsStageDeleted  = "Deleted_Internal"
	runNameTag      = "mlflow.runName"
	lifecycleActive = "active"
	// source_type LOCAL of MLflow's SourceType enum, which the tracking file
	// store writes for every run.
	sourceTypeLocal = 4
)

// Run status numbers as the tracking file store writes them in meta.yaml
// (mlflow/entities/run_status.py, from service.proto RunStatus).
var runStatusNum = map[string]int{RunRunning: 1, RunScheduled: 2, RunFinished: 3, RunFailed: 4, RunKilled: 5}

// FileStore writes and reads MLflow's local file store: the layout of
// `mlflow server --backend-store-uri file:<dir>` (or ./mlruns), so that such
// a server, the MLflow UI and MLflow's Python client see what it wrote.
//
// Layout under the root, as MLflow's FileStore classes write it:
//
//	0/meta.yaml                        Default experiment
//	<exp_id>/meta.yaml                 artifact_location, creation_time, experiment_id, last_update_time, lifecycle_stage, name
//	<exp_id>/tags/<key>                experiment tag value
//	<exp_id>/<run_id>/meta.yaml        artifact_uri, end_time, entry_point_name, experiment_id, lifecycle_stage,
//	                                   run_id, run_name, source_name, source_type, source_version, start_time,
//	                                   status (1 RUNNING … 5 KILLED), tags: [], user_id
//	                                   (no run_uuid: MLflow 3's RunInfo has no such property; deleted_time
//	                                   only on deleted runs)
//	<exp_id>/<run_id>/params/<key>     value, no newline
//	<exp_id>/<run_id>/metrics/<key>    one "<timestamp_ms> <value> <step>" line per point
//	<exp_id>/<run_id>/tags/<key>       value, no newline
//	<exp_id>/<run_id>/artifacts/
//	.trash/                            deleted experiments
//	models/<name>/meta.yaml            aliases, creation_timestamp, deployment_job_id, deployment_job_state,
//	                                   description, last_updated_timestamp, name
//	models/<name>/tags/<key>
//	models/<name>/aliases/<alias>      the version number
//	models/<name>/version-<N>/meta.yaml creation_timestamp, current_stage, deployment_job_state, description,
//	                                   last_updated_timestamp, model_id, name, run_id, run_link, source, status,
//	                                   status_message, storage_location, user_id, version
//	models/<name>/version-<N>/tags/<key>
//
// meta.yaml files are written as PyYAML's safe_dump writes them (sorted
// keys, block style). Every file is written to a temporary name and renamed
// into place, and new experiment, run and version directories are built
// aside and renamed in whole, so a failure leaves no half-written entity.
// A FileStore is safe for concurrent use in one process; version numbers
// stay unique across processes because the version directory is claimed by
// a rename.
type FileStore struct {
	root string
	mu   sync.Mutex
	// Now returns the current time; tests replace it. Optional: defaults to time.Now.
	Now func() time.Time
}

// OpenFileStore opens (and creates when missing) a file store rooted at
// dir, as MLflow's FileStore constructors do: a new root gets the Default
// experiment "0", and the .trash and models folders are created if missing.
func OpenFileStore(dir string) (*FileStore, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("MLflow file store %q: %w", dir, err)
	}
	s := &FileStore{root: abs}
	if st, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return nil, fmt.Errorf("creating the MLflow file store: %w", err)
		}
		if _, err := s.createExperimentWithID(fsDefaultExp, fsDefaultExpID, "", nil); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("MLflow file store: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("MLflow file store root %s is not a directory: point the tracking URI at a directory", abs)
	}
	for _, d := range []string{fsTrash, fsModels} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o755); err != nil {
			return nil, fmt.Errorf("creating the MLflow file store: %w", err)
		}
	}
	return s, nil
}

// Root returns the store's absolute root directory.
func (s *FileStore) Root() string { return s.root }

func (s *FileStore) nowMillis() int64 {
	if s.Now != nil {
		return s.Now().UnixMilli()
	}
	return time.Now().UnixMilli()
}

func (s *FileStore) notFound(where, format string, args ...any) *Error {
	return &Error{Method: "file", Path: where, ErrorCode: ErrResourceDoesNotExist, Message: fmt.Sprintf(format, args...)}
}

// ---- file helpers ----

// writeFileAtomic writes data to name through a temporary file in the same
// directory and a rename, creating the directory if needed.
func writeFileAtomic(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(name), fsTmpPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp, name)
	}
	if werr != nil {
		os.Remove(tmp)
		return werr
	}
	return nil
}

// readMeta reads a meta.yaml into a generic map, with numbers kept exact.
func readMeta(dir string) (map[string]any, error) {
	b, err := os.ReadFile(filepath.Join(dir, fsMeta))
	if err != nil {
		return nil, err
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, fsMeta), err)
	}
	d := json.NewDecoder(bytes.NewReader(j))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, fsMeta), err)
	}
	if m == nil {
		return nil, fmt.Errorf("%s is empty", filepath.Join(dir, fsMeta))
	}
	return m, nil
}

func metaString(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func metaInt(m map[string]any, k string) int64 {
	switch v := m[k].(type) {
	case json.Number:
		n, _ := v.Int64()
		return n
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullableInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// readKV reads every file under dir/sub as key → content; keys containing
// "/" come from nested folders, as MLflow's _get_resource_files walks them.
func readKV(dir string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), fsTmpPrefix) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	return out, err
}

func tagList(kv map[string]string) []Tag {
	keys := sortedKeys(kv)
	tags := make([]Tag, 0, len(keys))
	for _, k := range keys {
		tags = append(tags, Tag{Key: k, Value: kv[k]})
	}
	return tags
}

// subdirs lists the directories directly under dir, skipping temporaries.
func subdirs(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), fsTmpPrefix) {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// buildDir builds a new directory aside (in parent, under a temporary
// name) with fill, then renames it to parent/name. It fails with
// fs.ErrExist when the name is taken.
func buildDir(parent, name string, fill func(tmp string) error) error {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, fsTmpPrefix+"*")
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	dst := filepath.Join(parent, name)
	if _, err := os.Stat(dst); err == nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("%s: %w", dst, fs.ErrExist)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.RemoveAll(tmp)
		if errors.Is(err, fs.ErrExist) || errors.Is(err, syscallENOTEMPTY) {
			return fmt.Errorf("%s: %w", dst, fs.ErrExist)
		}
		return err
	}
	return nil
}

// ---- experiments ----

// experimentIDWidth is MLflow's _EXPERIMENT_ID_FIXED_WIDTH: experiment IDs
// are random 18-digit integers (mlflow/utils/name_utils.py).
const experimentIDWidth = 18

func newExperimentID() (string, error) {
	lo := new(big.Int).Exp(big.NewInt(10), big.NewInt(experimentIDWidth-1), nil)
	span := new(big.Int).Sub(new(big.Int).Mul(lo, big.NewInt(10)), lo)
	n, err := rand.Int(rand.Reader, span)
	if err != nil {
		return "", err
	}
	return n.Add(n, lo).String(), nil
}

func (s *FileStore) createExperimentWithID(name, id, artifactLocation string, tags []Tag) (string, error) {
	if artifactLocation == "" {
		artifactLocation = FileURI(s.root) + "/" + id
	} else if !strings.Contains(artifactLocation, "://") && !strings.HasPrefix(artifactLocation, "file:") {
		abs, err := filepath.Abs(artifactLocation)
		if err != nil {
			return "", err
		}
		artifactLocation = FileURI(abs)
	}
	for _, t := range tags {
		if err := validEntityName("tag", t.Key); err != nil {
			return "", err
		}
	}
	now := s.nowMillis()
	meta := yamlMap{
		"artifact_location": artifactLocation,
		"creation_time":     now,
		"experiment_id":     id,
		"last_update_time":  now,
		"lifecycle_stage":   lifecycleActive,
		"name":              name,
	}
	err := buildDir(s.root, id, func(tmp string) error {
		if err := writeFileAtomic(filepath.Join(tmp, fsMeta), marshalPyYAML(meta)); err != nil {
			return err
		}
		for _, t := range tags {
			if err := writeFileAtomic(filepath.Join(tmp, fsTags, filepath.FromSlash(t.Key)), []byte(t.Value)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("MLflow file store: creating experiment %q: %w", name, err)
	}
	return id, nil
}

// experimentDirs returns experiment ID → directory for active (root) or
// deleted (.trash) experiments.
func (s *FileStore) experimentDirs(deleted bool) (map[string]string, error) {
	base := s.root
	if deleted {
		base = filepath.Join(s.root, fsTrash)
	}
	names, err := subdirs(base)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range names {
		if !deleted && (n == fsTrash || n == fsModels) {
			continue
		}
		out[n] = filepath.Join(base, n)
	}
	return out, nil
}

func (s *FileStore) readExperiment(dir string) (*Experiment, error) {
	m, err := readMeta(dir)
	if err != nil {
		return nil, err
	}
	kv, err := readKV(filepath.Join(dir, fsTags))
	if err != nil {
		return nil, err
	}
	return &Experiment{
		ExperimentID:     metaString(m, "experiment_id"),
		Name:             metaString(m, "name"),
		ArtifactLocation: metaString(m, "artifact_location"),
		LifecycleStage:   metaString(m, "lifecycle_stage"),
		CreationTime:     metaInt(m, "creation_time"),
		LastUpdateTime:   metaInt(m, "last_update_time"),
		Tags:             tagList(kv),
	}, nil
}

// findExperimentByName looks at active, then deleted experiments; folders
// without a readable meta.yaml are skipped, as MLflow skips malformed ones.
func (s *FileStore) findExperimentByName(name string) (*Experiment, error) {
	for _, deleted := range []bool{false, true} {
		dirs, err := s.experimentDirs(deleted)
		if err != nil {
			return nil, err
		}
		for _, id := range sortedKeys(dirs) {
			e, err := s.readExperiment(dirs[id])
			if err != nil || e.ExperimentID != id {
				continue
			}
			if e.Name == name {
				return e, nil
			}
		}
	}
	return nil, nil
}

// GetExperimentByName returns the active experiment called name, or
// RESOURCE_DOES_NOT_EXIST.
func (s *FileStore) GetExperimentByName(_ context.Context, name string) (*Experiment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.findExperimentByName(name)
	if err != nil {
		return nil, err
	}
	if e == nil || e.LifecycleStage != lifecycleActive {
		return nil, s.notFound(s.root, "Could not find experiment with name %s", name)
	}
	return e, nil
}

// CreateExperiment creates an experiment with a random 18-digit ID, as
// MLflow's FileStore.create_experiment does. An existing name, active or
// deleted, is RESOURCE_ALREADY_EXISTS.
func (s *FileStore) CreateExperiment(_ context.Context, name, artifactLocation string, tags []Tag) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "" {
		return "", invalidParam(s.root, "Invalid experiment name: ''")
	}
	e, err := s.findExperimentByName(name)
	if err != nil {
		return "", err
	}
	if e != nil {
		msg := fmt.Sprintf("Experiment '%s' already exists.", name)
		if e.LifecycleStage != lifecycleActive {
			msg = fmt.Sprintf("Experiment '%s' already exists in deleted state. You can restore the experiment, or permanently delete the experiment from the .trash folder (under tracking server's root folder) in order to use this experiment name again.", name)
		}
		return "", &Error{Method: "file", Path: s.root, ErrorCode: ErrResourceAlreadyExists, Message: msg}
	}
	id, err := newExperimentID()
	if err != nil {
		return "", err
	}
	return s.createExperimentWithID(name, id, artifactLocation, tags)
}

// ---- runs ----

func newRunID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40 // UUID version 4, as uuid.uuid4().hex
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:]), nil
}

// CreateRun creates a RUNNING run in req.ExperimentID ("0" when empty) with
// the layout of MLflow's FileStore.create_run: meta.yaml, metrics/,
// params/, artifacts/ and tags/ (mlflow.runName is always set).
func (s *FileStore) CreateRun(_ context.Context, req CreateRunRequest) (*Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	expID := req.ExperimentID
	if expID == "" {
		expID = fsDefaultExpID
	}
	if !experimentIDRe.MatchString(expID) {
		return nil, invalidParam(s.root, "Invalid experiment ID: '%s'", expID)
	}
	expDir := filepath.Join(s.root, expID)
	exp, err := s.readExperiment(expDir)
	if err != nil {
		return nil, s.notFound(expDir, "Could not create run under experiment with ID %s - no such experiment exists.", expID)
	}
	if exp.LifecycleStage != lifecycleActive {
		return nil, &Error{Method: "file", Path: expDir, ErrorCode: ErrInvalidState, Message: fmt.Sprintf("Could not create run under non-active experiment with ID %s.", expID)}
	}
	tags := append([]Tag(nil), req.Tags...)
	runName := req.RunName
	for _, t := range tags {
		if err := validEntityName("tag", t.Key); err != nil {
			return nil, err
		}
		if t.Key == runNameTag {
			if runName != "" && runName != t.Value {
				return nil, invalidParam(expDir, "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='%s', mlflow.runName='%s').", runName, t.Value)
			}
			runName = t.Value
		}
	}
	runID, err := newRunID()
	if err != nil {
		return nil, err
	}
	if runName == "" {
		runName = "run-" + runID[:8]
	}
	if !hasTag(tags, runNameTag) {
		tags = append(tags, Tag{Key: runNameTag, Value: runName})
	}
	info := RunInfo{
		RunID: runID, RunUUID: runID, RunName: runName, ExperimentID: expID, UserID: req.UserID,
		Status: RunRunning, StartTime: req.StartTime, ArtifactURI: strings.TrimSuffix(exp.ArtifactLocation, "/") + "/" + runID + "/" + fsArtifacts,
		LifecycleStage: lifecycleActive,
	}
	meta := runMeta(info)
	meta["deleted_time"] = nil
	err = buildDir(expDir, runID, func(tmp string) error {
		if err := writeFileAtomic(filepath.Join(tmp, fsMeta), marshalPyYAML(meta)); err != nil {
			return err
		}
		for _, d := range []string{fsMetrics, fsParams, fsArtifacts} {
			if err := os.Mkdir(filepath.Join(tmp, d), 0o755); err != nil {
				return err
			}
		}
		for _, t := range tags {
			if err := writeFileAtomic(filepath.Join(tmp, fsTags, filepath.FromSlash(t.Key)), []byte(t.Value)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("MLflow file store: creating a run in experiment %s: %w", expID, err)
	}
	return &Run{Info: info, Data: RunData{Tags: tags}}, nil
}

func hasTag(tags []Tag, key string) bool {
	for _, t := range tags {
		if t.Key == key {
			return true
		}
	}
	return false
}

// runMeta is _make_persisted_run_info_dict of MLflow 3's tracking
// FileStore (mlflow/store/tracking/file_store.py): dict(RunInfo) — whose
// properties in MLflow 3 no longer include the deprecated run_uuid — plus
// the legacy fields older MLflow versions read.
func runMeta(info RunInfo) yamlMap {
	return yamlMap{
		"artifact_uri":     info.ArtifactURI,
		"end_time":         nullableInt(info.EndTime),
		"entry_point_name": "",
		"experiment_id":    info.ExperimentID,
		"lifecycle_stage":  info.LifecycleStage,
		"run_id":           info.RunID,
		"run_name":         info.RunName,
		"source_name":      "",
		"source_type":      sourceTypeLocal,
		"source_version":   "",
		"start_time":       nullableInt(info.StartTime),
		"status":           runStatusNum[info.Status],
		"tags":             []string{},
		"user_id":          nullable(info.UserID),
	}
}

// findRun returns the directory of a run in any experiment, active or
// deleted, as MLflow's _find_run_root does.
func (s *FileStore) findRun(runID string) (string, error) {
	if !runIDRe.MatchString(runID) {
		return "", invalidParam(s.root, "Invalid run ID: '%s'", runID)
	}
	for _, deleted := range []bool{false, true} {
		dirs, err := s.experimentDirs(deleted)
		if err != nil {
			return "", err
		}
		for _, id := range sortedKeys(dirs) {
			d := filepath.Join(dirs[id], runID)
			if st, err := os.Stat(filepath.Join(d, fsMeta)); err == nil && !st.IsDir() {
				return d, nil
			}
		}
	}
	return "", s.notFound(s.root, "Run '%s' not found", runID)
}

func (s *FileStore) readRunInfo(dir string) (RunInfo, map[string]any, error) {
	m, err := readMeta(dir)
	if err != nil {
		return RunInfo{}, nil, err
	}
	status := RunRunning
	if n := metaInt(m, "status"); n != 0 {
		for k, v := range runStatusNum {
			if int64(v) == n {
				status = k
			}
		}
	}
	stage := metaString(m, "lifecycle_stage")
	if stage == "" {
		stage = lifecycleActive
	}
	return RunInfo{
		RunID: metaString(m, "run_id"), RunUUID: metaString(m, "run_id"), RunName: metaString(m, "run_name"),
		ExperimentID: metaString(m, "experiment_id"), UserID: metaString(m, "user_id"), Status: status,
		StartTime: metaInt(m, "start_time"), EndTime: metaInt(m, "end_time"), ArtifactURI: metaString(m, "artifact_uri"),
		LifecycleStage: stage,
	}, m, nil
}

// GetRun returns a run's info, params, latest metric values and tags.
func (s *FileStore) GetRun(_ context.Context, runID string) (*Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir, err := s.findRun(runID)
	if err != nil {
		return nil, err
	}
	info, _, err := s.readRunInfo(dir)
	if err != nil {
		return nil, err
	}
	run := &Run{Info: info}
	params, err := readKV(filepath.Join(dir, fsParams))
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(params) {
		run.Data.Params = append(run.Data.Params, Param{Key: k, Value: params[k]})
	}
	tags, err := readKV(filepath.Join(dir, fsTags))
	if err != nil {
		return nil, err
	}
	run.Data.Tags = tagList(tags)
	metrics, err := readKV(filepath.Join(dir, fsMetrics))
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(metrics) {
		if m, ok := latestMetric(k, metrics[k]); ok {
			run.Data.Metrics = append(run.Data.Metrics, m)
		}
	}
	return run, nil
}

// latestMetric picks the point with the largest (step, timestamp, value),
// as MLflow's _get_metric_from_file does.
func latestMetric(key, content string) (Metric, bool) {
	var best Metric
	found := false
	for _, line := range strings.Split(content, "\n") {
		f := strings.Fields(line)
		if len(f) != 2 && len(f) != 3 {
			continue
		}
		ts, err1 := strconv.ParseInt(f[0], 10, 64)
		v, err2 := strconv.ParseFloat(f[1], 64)
		var step int64
		var err3 error
		if len(f) == 3 {
			step, err3 = strconv.ParseInt(f[2], 10, 64)
		}
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		m := Metric{Key: key, Value: v, Timestamp: ts, Step: step}
		if !found || m.Step > best.Step || (m.Step == best.Step && (m.Timestamp > best.Timestamp || (m.Timestamp == best.Timestamp && m.Value > best.Value))) {
			best, found = m, true
		}
	}
	return best, found
}

// PyFloat formats v as Python's repr(float) does, which is how MLflow
// writes metric values into metric files ("1.0", "0.25", "1e-05",
// "1e+16", "nan", "inf").
func PyFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(v, 'e', -1, 64)
	mant, exps, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(exps)
	if exp < -4 || exp >= 16 {
		return mant + "e" + fmt.Sprintf("%s%02d", map[bool]string{true: "-", false: "+"}[exp < 0], abs(exp))
	}
	f := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(f, ".") {
		f += ".0"
	}
	return f
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// LogBatch writes params (immutable: a different value for a logged key is
// INVALID_PARAMETER_VALUE, as in MLflow), appends one line per metric point
// and writes tags; a mlflow.runName tag also renames the run in meta.yaml.
func (s *FileStore) LogBatch(_ context.Context, runID string, metrics []Metric, params []Param, tags []Tag) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir, err := s.findRun(runID)
	if err != nil {
		return err
	}
	info, _, err := s.readRunInfo(dir)
	if err != nil {
		return err
	}
	if info.LifecycleStage != lifecycleActive {
		return invalidParam(dir, "The run %s must be in the 'active' state. Current state is %s.", runID, info.LifecycleStage)
	}
	// Validate everything before writing anything.
	seen := map[string]string{}
	for _, p := range params {
		if err := validEntityName("param", p.Key); err != nil {
			return err
		}
		if v, ok := seen[p.Key]; ok && v != p.Value {
			return invalidParam(dir, "Duplicate parameter keys have been submitted: ['%s']. Please ensure the request contains only one param value per param key.", p.Key)
		}
		seen[p.Key] = p.Value
		if old, err := os.ReadFile(filepath.Join(dir, fsParams, filepath.FromSlash(p.Key))); err == nil && string(old) != p.Value {
			return invalidParam(dir, "Changing param values is not allowed. Param with key='%s' was already logged with value='%s' for run ID='%s'. Attempted logging new value '%s'.", p.Key, string(old), runID, p.Value)
		}
	}
	for _, m := range metrics {
		if err := validEntityName("metric", m.Key); err != nil {
			return err
		}
	}
	for _, t := range tags {
		if err := validEntityName("tag", t.Key); err != nil {
			return err
		}
	}
	for _, p := range params {
		if err := writeFileAtomic(filepath.Join(dir, fsParams, filepath.FromSlash(p.Key)), []byte(p.Value)); err != nil {
			return fmt.Errorf("MLflow file store: logging param %q: %w", p.Key, err)
		}
	}
	for _, m := range metrics {
		if err := appendMetric(filepath.Join(dir, fsMetrics, filepath.FromSlash(m.Key)), m); err != nil {
			return fmt.Errorf("MLflow file store: logging metric %q: %w", m.Key, err)
		}
	}
	for _, t := range tags {
		if t.Key == runNameTag {
			info.RunName = t.Value
			if err := writeMetaKeeping(dir, runMeta(info)); err != nil {
				return err
			}
		}
		if err := writeFileAtomic(filepath.Join(dir, fsTags, filepath.FromSlash(t.Key)), []byte(t.Value)); err != nil {
			return fmt.Errorf("MLflow file store: setting tag %q: %w", t.Key, err)
		}
	}
	return nil
}

// appendMetric appends "<timestamp> <value> <step>\n" in one write.
func appendMetric(name string, m Metric) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, werr := fmt.Fprintf(f, "%d %s %d\n", m.Timestamp, PyFloat(m.Value), m.Step)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// UpdateRun rewrites the run's meta.yaml with a new status and end time
// (ms), as MLflow's update_run_info does (which drops deleted_time).
func (s *FileStore) UpdateRun(_ context.Context, runID, status string, endTime int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := runStatusNum[status]; !ok {
		return invalidParam(s.root, "Invalid run status '%s': use RUNNING, SCHEDULED, FINISHED, FAILED or KILLED", status)
	}
	dir, err := s.findRun(runID)
	if err != nil {
		return err
	}
	info, _, err := s.readRunInfo(dir)
	if err != nil {
		return err
	}
	info.Status, info.EndTime = status, endTime
	return writeMetaKeeping(dir, runMeta(info), "deleted_time")
}

// ---- model registry ----

func (s *FileStore) modelDir(name string) string { return filepath.Join(s.root, fsModels, name) }

// writeModelMeta rewrites models/<name>/meta.yaml with the aliases read
// from aliases/ and a new last_updated_timestamp, as MLflow's
// _update_registered_model_last_updated_time does.
func (s *FileStore) touchModel(name string, now int64) error {
	dir := s.modelDir(name)
	m, err := readMeta(dir)
	if err != nil {
		return err
	}
	aliases, err := readKV(filepath.Join(dir, fsAliases))
	if err != nil {
		return err
	}
	meta := yamlMap{
		"aliases":                aliases,
		"creation_timestamp":     metaInt(m, "creation_timestamp"),
		"description":            nullable(metaString(m, "description")),
		"last_updated_timestamp": now,
		"name":                   name,
	}
	// deployment_job_id/deployment_job_state are MLflow's to set: kept as
	// they are, null when absent.
	for _, k := range []string{"deployment_job_id", "deployment_job_state"} {
		if _, ok := m[k]; !ok {
			meta[k] = nil
		}
	}
	return writeMetaKeeping(dir, meta)
}

// CreateRegisteredModel creates models/<name> with meta.yaml and tags/.
// An existing name is RESOURCE_ALREADY_EXISTS.
func (s *FileStore) CreateRegisteredModel(_ context.Context, name, description string, tags []Tag) (*RegisteredModel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ValidateModelName(name); err != nil {
		return nil, err
	}
	for _, t := range tags {
		if err := validEntityName("tag", t.Key); err != nil {
			return nil, err
		}
	}
	dir := s.modelDir(name)
	exists := &Error{Method: "file", Path: dir, ErrorCode: ErrResourceAlreadyExists, Message: fmt.Sprintf("Registered Model (name=%s) already exists.", name)}
	if _, err := os.Stat(dir); err == nil {
		return nil, exists
	}
	now := s.nowMillis()
	// _save_registered_model_as_meta_file writes dict(RegisteredModel)
	// without tags and latest_versions (mlflow/store/model_registry/
	// file_store.py); MLflow 3's RegisteredModel carries deployment_job_id
	// and deployment_job_state, None for a new model
	// (mlflow/entities/model_registry/registered_model.py).
	meta := yamlMap{
		"aliases":                map[string]string{},
		"creation_timestamp":     now,
		"deployment_job_id":      nil,
		"deployment_job_state":   nil,
		"description":            nullable(description),
		"last_updated_timestamp": now,
		"name":                   name,
	}
	err := buildDir(filepath.Join(s.root, fsModels), name, func(tmp string) error {
		if err := writeFileAtomic(filepath.Join(tmp, fsMeta), marshalPyYAML(meta)); err != nil {
			return err
		}
		for _, t := range tags {
			if err := writeFileAtomic(filepath.Join(tmp, fsTags, filepath.FromSlash(t.Key)), []byte(t.Value)); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, fs.ErrExist) {
		return nil, exists
	}
	if err != nil {
		return nil, fmt.Errorf("MLflow file store: creating registered model %q: %w", name, err)
	}
	return &RegisteredModel{Name: name, CreationTimestamp: now, LastUpdatedTimestamp: now, Description: description, Tags: tags}, nil
}

// versionNumbers lists the version numbers present under models/<name>.
func (s *FileStore) versionNumbers(name string) ([]int, error) {
	names, err := subdirs(s.modelDir(name))
	if err != nil {
		return nil, err
	}
	var out []int
	for _, n := range names {
		if v, ok := strings.CutPrefix(n, "version-"); ok {
			if i, err := strconv.Atoi(v); err == nil && i > 0 {
				out = append(out, i)
			}
		}
	}
	sort.Ints(out)
	return out, nil
}

// createVersionRetries is MLflow's CREATE_MODEL_VERSION_RETRIES.
const createVersionRetries = 3

// CreateModelVersion adds version-<N> (N = highest + 1) with meta.yaml and
// tags/, READY at once as in MLflow's file store, and touches the
// registered model. A missing model is RESOURCE_DOES_NOT_EXIST.
func (s *FileStore) CreateModelVersion(ctx context.Context, req CreateModelVersionRequest) (*ModelVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ValidateModelName(req.Name); err != nil {
		return nil, err
	}
	if req.Source == "" {
		return nil, invalidParam(s.modelDir(req.Name), "Missing value for required parameter 'source'.")
	}
	for _, t := range req.Tags {
		if err := validEntityName("tag", t.Key); err != nil {
			return nil, err
		}
	}
	dir := s.modelDir(req.Name)
	if _, err := readMeta(dir); err != nil {
		return nil, s.notFound(dir, "Registered Model with name=%s not found", req.Name)
	}
	var lastErr error
	for attempt := 0; attempt < createVersionRetries; attempt++ {
		nums, err := s.versionNumbers(req.Name)
		if err != nil {
			return nil, err
		}
		version := 1
		if len(nums) > 0 {
			version = nums[len(nums)-1] + 1
		}
		now := s.nowMillis()
		meta := yamlMap{
			"creation_timestamp":     now,
			"current_stage":          fsStageNone,
			"deployment_job_state":   nil,
			"description":            nullable(req.Description),
			"last_updated_timestamp": now,
			"model_id":               nil,
			"name":                   req.Name,
			"run_id":                 nullable(req.RunID),
			"run_link":               nullable(req.RunLink),
			"source":                 req.Source,
			"status":                 StatusReady,
			"status_message":         nil,
			"storage_location":       req.Source,
			"user_id":                nil,
			"version":                version,
		}
		err = buildDir(dir, "version-"+strconv.Itoa(version), func(tmp string) error {
			if err := writeFileAtomic(filepath.Join(tmp, fsMeta), marshalPyYAML(meta)); err != nil {
				return err
			}
			for _, t := range req.Tags {
				if err := writeFileAtomic(filepath.Join(tmp, fsTags, filepath.FromSlash(t.Key)), []byte(t.Value)); err != nil {
					return err
				}
			}
			return nil
		})
		if errors.Is(err, fs.ErrExist) {
			lastErr = err
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("MLflow file store: creating a version of %q: %w", req.Name, err)
		}
		if err := s.touchModel(req.Name, now); err != nil {
			return nil, err
		}
		return s.readVersion(req.Name, strconv.Itoa(version))
	}
	return nil, fmt.Errorf("MLflow file store: Model Version creation error (name=%s): giving up after %d attempts: %w", req.Name, createVersionRetries, lastErr)
}

func (s *FileStore) readVersion(name, version string) (*ModelVersion, error) {
	dir := filepath.Join(s.modelDir(name), "version-"+version)
	m, err := readMeta(dir)
	if err != nil || metaString(m, "current_stage") == fsStageDeleted {
		return nil, s.notFound(dir, "Model Version (name=%s, version=%s) not found", name, version)
	}
	tags, err := readKV(filepath.Join(dir, fsTags))
	if err != nil {
		return nil, err
	}
	aliases, err := readKV(filepath.Join(s.modelDir(name), fsAliases))
	if err != nil {
		return nil, err
	}
	mv := &ModelVersion{
		Name: name, Version: metaString(m, "version"), CreationTimestamp: metaInt(m, "creation_timestamp"),
		LastUpdatedTimestamp: metaInt(m, "last_updated_timestamp"), UserID: metaString(m, "user_id"),
		CurrentStage: metaString(m, "current_stage"), Description: metaString(m, "description"),
		Source: metaString(m, "source"), RunID: metaString(m, "run_id"), Status: metaString(m, "status"),
		StatusMessage: metaString(m, "status_message"), RunLink: metaString(m, "run_link"), Tags: tagList(tags),
	}
	if mv.Status == "" {
		mv.Status = StatusReady
	}
	for _, a := range sortedKeys(aliases) {
		if aliases[a] == version {
			mv.Aliases = append(mv.Aliases, a)
		}
	}
	return mv, nil
}

// GetModelVersion reads models/<name>/version-<version>. A missing (or
// deleted) version is RESOURCE_DOES_NOT_EXIST.
func (s *FileStore) GetModelVersion(_ context.Context, name, version string) (*ModelVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ValidateModelName(name); err != nil {
		return nil, err
	}
	if n, err := strconv.Atoi(version); err != nil || n <= 0 {
		return nil, invalidParam(s.modelDir(name), "Parameter 'version' must be an integer, got '%s'.", version)
	}
	return s.readVersion(name, version)
}

// FindModelVersions returns the live versions of name whose tags include
// all of tags, in ascending version order. A missing model gives none.
func (s *FileStore) FindModelVersions(_ context.Context, name string, tags map[string]string) ([]ModelVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ValidateModelName(name); err != nil {
		return nil, err
	}
	nums, err := s.versionNumbers(name)
	if err != nil {
		return nil, err
	}
	var out []ModelVersion
	for _, n := range nums {
		mv, err := s.readVersion(name, strconv.Itoa(n))
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		match := true
		for k, v := range tags {
			if got, ok := mv.TagValue(k); !ok || got != v {
				match = false
				break
			}
		}
		if match {
			out = append(out, *mv)
		}
	}
	return out, nil
}

// SetRegisteredModelAlias writes models/<name>/aliases/<alias> holding the
// version and touches the registered model.
func (s *FileStore) SetRegisteredModelAlias(_ context.Context, name, alias, version string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ValidateModelName(name); err != nil {
		return err
	}
	if err := ValidateAlias(alias); err != nil {
		return err
	}
	if _, err := s.readVersion(name, version); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(s.modelDir(name), fsAliases, alias), []byte(version)); err != nil {
		return fmt.Errorf("MLflow file store: setting alias %q: %w", alias, err)
	}
	return s.touchModel(name, s.nowMillis())
}

// FindRuns returns the active runs of experiment experimentID whose tags/
// hold all the given tags, as runs/search with a tags filter would (run
// order: start time, newest first).
func (s *FileStore) FindRuns(ctx context.Context, experimentID string, tags map[string]string) ([]Run, error) {
	s.mu.Lock()
	dirs, err := s.experimentDirs(false)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	expDir, ok := dirs[experimentID]
	if !ok {
		return nil, s.notFound(s.root, "Could not find experiment with ID %s", experimentID)
	}
	ids, err := subdirs(expDir)
	if err != nil {
		return nil, err
	}
	var out []Run
	for _, id := range ids {
		if id == fsTags || !runIDRe.MatchString(id) {
			continue
		}
		kv, err := readKV(filepath.Join(expDir, id, fsTags))
		if err != nil {
			continue
		}
		match := true
		for k, v := range tags {
			if got, ok := kv[k]; !ok || got != v {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		run, err := s.GetRun(ctx, id)
		if err != nil || run.Info.LifecycleStage != lifecycleActive {
			continue
		}
		out = append(out, *run)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Info.StartTime > out[j].Info.StartTime })
	return out, nil
}
