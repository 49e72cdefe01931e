package distributedtrain

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	trainer "github.com/kubeflow/trainer/v2/pkg/apis/trainer/v1alpha1"
	kubeflowv1 "github.com/kubeflow/training-operator/pkg/apis/kubeflow.org/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// TFJobResource and TrainJobResource are the resources the launcher creates.
var (
	TFJobResource    = kubeflowv1.GroupVersion.WithResource(kubeflowv1.TFJobPlural)
	TrainJobResource = trainer.GroupVersion.WithResource("trainjobs")
)

// jobSetNameLabel is the JobSet controller's pod label naming its JobSet,
// which Trainer v2 names after the TrainJob (sigs.k8s.io/jobset
// api/jobset/v1alpha2 JobSetNameKey).
const jobSetNameLabel = "jobset.sigs.k8s.io/jobset-name"

// jobPhase is the launcher's reading of a job's conditions.
type jobPhase int

const (
	phasePending jobPhase = iota
	phaseSucceeded
	phaseFailed
)

type jobStatus struct {
	phase jobPhase
	// current is the latest true condition ("Created", "Running",
	// "Restarting", "Succeeded", "Failed", "Complete"), reason and message.
	current, reason, message string
}

// kindOps adapts the launcher to TFJob or TrainJob.
type kindOps struct {
	kind      string
	gvr       schema.GroupVersionResource
	selector  string
	container string
	object    any
	status    func(*unstructured.Unstructured) (jobStatus, error)
	replica   func(*corev1.Pod) string
}

func opsFor(c Config) (kindOps, error) {
	if c.Mode == ModeTrainJob {
		tj, err := BuildTrainJob(c)
		if err != nil {
			return kindOps{}, err
		}
		return kindOps{
			kind: trainer.TrainJobKind, gvr: TrainJobResource, object: tj,
			selector: jobSetNameLabel + "=" + c.Name, container: trainJobNode,
			status: trainJobStatus,
			replica: func(p *corev1.Pod) string {
				idx := p.Labels[batchv1.JobCompletionIndexAnnotation]
				if idx == "" {
					idx = p.Annotations[batchv1.JobCompletionIndexAnnotation]
				}
				if idx == "" {
					return p.Name
				}
				return replicaName(trainJobNode, idx)
			},
		}, nil
	}
	job, err := BuildTFJob(c)
	if err != nil {
		return kindOps{}, err
	}
	return kindOps{
		kind: kubeflowv1.TFJobKind, gvr: TFJobResource, object: job,
		selector: kubeflowv1.JobNameLabel + "=" + c.Name, container: kubeflowv1.TFJobDefaultContainerName,
		status: tfJobStatus,
		replica: func(p *corev1.Pod) string {
			t, i := p.Labels[kubeflowv1.ReplicaTypeLabel], p.Labels[kubeflowv1.ReplicaIndexLabel]
			if t == "" || i == "" {
				return p.Name
			}
			return replicaName(t, i)
		},
	}, nil
}

func tfJobStatus(u *unstructured.Unstructured) (jobStatus, error) {
	var job kubeflowv1.TFJob
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &job); err != nil {
		return jobStatus{}, fmt.Errorf("decode TFJob status: %w", err)
	}
	var s jobStatus
	for _, c := range job.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		s.current, s.reason, s.message = string(c.Type), c.Reason, c.Message
		switch c.Type {
		case kubeflowv1.JobSucceeded:
			return jobStatus{phaseSucceeded, string(c.Type), c.Reason, c.Message}, nil
		case kubeflowv1.JobFailed:
			return jobStatus{phaseFailed, string(c.Type), c.Reason, c.Message}, nil
		}
	}
	return s, nil
}

func trainJobStatus(u *unstructured.Unstructured) (jobStatus, error) {
	var tj trainer.TrainJob
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &tj); err != nil {
		return jobStatus{}, fmt.Errorf("decode TrainJob status: %w", err)
	}
	var s jobStatus
	for _, c := range tj.Status.Conditions {
		if c.Status != metav1.ConditionTrue {
			continue
		}
		s.current, s.reason, s.message = c.Type, c.Reason, c.Message
		switch c.Type {
		case trainer.TrainJobComplete:
			return jobStatus{phaseSucceeded, c.Type, c.Reason, c.Message}, nil
		case trainer.TrainJobFailed:
			return jobStatus{phaseFailed, c.Type, c.Reason, c.Message}, nil
		}
	}
	return s, nil
}

// maxGetErrors is how many consecutive failed reads of the job end the wait.
const maxGetErrors = 5

func runCluster(ctx context.Context, c Config) (Result, error) {
	ops, err := opsFor(c)
	if err != nil {
		return Result{}, err
	}
	res := Result{
		Kind: ops.kind, Namespace: c.Namespace, Name: c.Name,
		ModelDir: c.modelDir(), MetricsFile: c.metricsFile(), ModelURI: c.ModelURI,
	}
	if res.ModelURI == "" {
		res.ModelURI = "pvc://" + c.ModelPVC + "/" + strings.TrimPrefix(c.ModelSubPath+"/model", "/")
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ops.object)
	if err != nil {
		return res, fmt.Errorf("convert %s to unstructured: %w", ops.kind, err)
	}
	jobs := c.Dynamic.Resource(ops.gvr).Namespace(c.Namespace)
	if _, err := jobs.Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{}); err != nil {
		return res, fmt.Errorf("create %s %s/%s: %w (is the %s CRD installed and may this service account create it?)",
			ops.kind, c.Namespace, c.Name, err, ops.gvr.GroupResource())
	}
	log := c.Logger.With("kind", ops.kind, "namespace", c.Namespace, "name", c.Name)
	log.Info("job created")

	finished := false
	defer func() {
		if finished {
			return
		}
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		err := jobs.Delete(dctx, c.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)})
		if err != nil && !apierrors.IsNotFound(err) {
			log.Error("could not delete the job after the run ended; delete it by hand", "err", err)
			return
		}
		log.Info("job deleted")
	}()

	logs := newLogMux(c.LogOutput, c.LogTailLines)
	streamCtx, stopStreams := context.WithCancel(context.WithoutCancel(ctx))
	defer stopStreams()
	var streams sync.WaitGroup
	streamed := map[string]bool{}
	// drain waits for the log streams of finished pods, at most 10 seconds.
	drain := func() {
		done := make(chan struct{})
		go func() { streams.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
		stopStreams()
	}

	ticker := time.NewTicker(c.PollInterval)
	defer ticker.Stop()
	last, getErrors := "", 0
	for {
		u, err := jobs.Get(ctx, c.Name, metav1.GetOptions{})
		switch {
		case ctx.Err() != nil:
			return res, ctxErr(ctx)
		case apierrors.IsNotFound(err):
			finished = true
			return res, fmt.Errorf("%s %s/%s disappeared while running: it was deleted outside this run", ops.kind, c.Namespace, c.Name)
		case err != nil:
			if getErrors++; getErrors >= maxGetErrors {
				return res, fmt.Errorf("read %s %s/%s: %w", ops.kind, c.Namespace, c.Name, err)
			}
			log.Warn("read job failed; retrying", "err", err)
		default:
			getErrors = 0
			st, err := ops.status(u)
			if err != nil {
				return res, err
			}
			if st.current != last {
				log.Info("job condition", "condition", st.current, "reason", st.reason, "message", st.message)
				last = st.current
			}
			pods := listPods(ctx, c, ops, log)
			for _, p := range pods {
				key := string(p.UID) + "/" + p.Name
				if streamed[key] || (p.Status.Phase != corev1.PodRunning && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed) {
					continue
				}
				streamed[key] = true
				streams.Add(1)
				go func() {
					defer streams.Done()
					rc, err := c.Kube.CoreV1().Pods(c.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: ops.container, Follow: true}).Stream(streamCtx)
					if err != nil {
						log.Warn("cannot stream replica logs", "pod", p.Name, "err", err)
						return
					}
					defer rc.Close()
					logs.copy(ops.replica(&p), rc)
				}()
			}
			switch st.phase {
			case phaseSucceeded:
				finished = true
				drain()
				log.Info("job succeeded")
				return res, nil
			case phaseFailed:
				finished = true
				drain()
				return res, &JobFailedError{
					Kind: ops.kind, Namespace: c.Namespace, Name: c.Name, Reason: st.reason, Message: st.message,
					Replica: failedReplica(ctx, c, ops, listPods(ctx, c, ops, log), logs),
				}
			}
		}
		select {
		case <-ctx.Done():
			return res, ctxErr(ctx)
		case <-ticker.C:
		}
	}
}

// listPods returns the job's replica pods sorted by name; a listing error
// is logged and yields none (the next poll retries).
func listPods(ctx context.Context, c Config, ops kindOps, log interface{ Warn(string, ...any) }) []corev1.Pod {
	pl, err := c.Kube.CoreV1().Pods(c.Namespace).List(ctx, metav1.ListOptions{LabelSelector: ops.selector})
	if err != nil {
		log.Warn("cannot list replica pods", "selector", ops.selector, "err", err)
		return nil
	}
	pods := pl.Items
	slices.SortFunc(pods, func(a, b corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	return pods
}

// failedReplica finds the first pod (by name) whose trainer container
// terminated with a non-zero exit code, or that is in phase Failed.
func failedReplica(ctx context.Context, c Config, ops kindOps, pods []corev1.Pod, logs *logMux) *ReplicaFailure {
	for i := range pods {
		p := &pods[i]
		var term *corev1.ContainerStateTerminated
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Name != ops.container {
				continue
			}
			switch {
			case cs.State.Terminated != nil && cs.State.Terminated.ExitCode != 0:
				term = cs.State.Terminated
			case cs.LastTerminationState.Terminated != nil && cs.LastTerminationState.Terminated.ExitCode != 0:
				term = cs.LastTerminationState.Terminated
			}
		}
		if term == nil && p.Status.Phase != corev1.PodFailed {
			continue
		}
		rf := &ReplicaFailure{Replica: ops.replica(p)}
		if term != nil {
			rf.Reason, rf.Message, rf.ExitCode = term.Reason, strings.TrimSpace(term.Message), int(term.ExitCode)
		} else {
			rf.Reason, rf.Message = p.Status.Reason, p.Status.Message
		}
		rf.LogTail = logs.tail(rf.Replica)
		if len(rf.LogTail) == 0 {
			rf.LogTail = fetchTail(ctx, c, ops, p.Name)
		}
		return rf
	}
	return nil
}

// fetchTail reads the last LogTailLines lines of a pod's trainer container.
func fetchTail(ctx context.Context, c Config, ops kindOps, pod string) []string {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	b, err := c.Kube.CoreV1().Pods(c.Namespace).GetLogs(pod, &corev1.PodLogOptions{
		Container: ops.container, TailLines: ptr.To(int64(c.LogTailLines)),
	}).DoRaw(lctx)
	if err != nil {
		return []string{fmt.Sprintf("(logs unavailable: %v)", err)}
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > c.LogTailLines {
		lines = lines[len(lines)-c.LogTailLines:]
	}
	return lines
}
