package distributedtrain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	kubeflowv1 "github.com/kubeflow/training-operator/pkg/apis/kubeflow.org/v1"

	"github.com/kfpgo/kfpgo/components/distributedtrain/contract"
)

// localReplica is one replica process to start.
type localReplica struct {
	name     string // "worker-1"
	tfConfig string // empty for a single-replica job
}

// LocalTFConfigs returns, in start order (chief, workers, ps, evaluators),
// the replica names and the TF_CONFIG value each gets, given one
// "host:port" address per replica in the same order. The JSON is what the
// training-operator's genTFConfigJSONStr produces for a TFJob with these
// replica counts (cluster keys are lower-cased replica types; environment
// "cloud"), except that addresses are the given ones instead of the
// operator's "<job>-<type>-<index>.<namespace>.svc:<port>" service names.
// A job with a single replica gets no TF_CONFIG, as from the operator.
func LocalTFConfigs(r Replicas, addrs []string) (names, tfConfigs []string, err error) {
	if int(r.total()) != len(addrs) {
		return nil, nil, fmt.Errorf("local TF_CONFIG: %d addresses for %d replicas", len(addrs), r.total())
	}
	cluster := map[string][]string{}
	type task struct {
		typ string
		idx int
	}
	var tasks []task
	next := 0
	for _, rt := range replicaTypes {
		n := int(rt.count(r))
		if n == 0 {
			continue
		}
		typ := contractType(rt.tfjob)
		cluster[typ] = slices.Clone(addrs[next : next+n])
		next += n
		for i := range n {
			tasks = append(tasks, task{typ, i})
		}
	}
	for _, t := range tasks {
		names = append(names, replicaName(t.typ, strconv.Itoa(t.idx)))
		if len(tasks) == 1 {
			tfConfigs = append(tfConfigs, "")
			continue
		}
		s, err := contract.TFConfig{Cluster: cluster, Task: contract.TaskSpec{Type: t.typ, Index: t.idx}, Environment: "cloud"}.Marshal()
		if err != nil {
			return nil, nil, err
		}
		tfConfigs = append(tfConfigs, s)
	}
	return names, tfConfigs, nil
}

// contractType lower-cases a TFJob replica type as the operator does for
// TF_CONFIG ("Evaluator" → "evaluator").
func contractType(rt kubeflowv1.ReplicaType) string {
	return strings.ToLower(string(rt))
}

// freeLoopbackAddrs reserves n distinct loopback ports by listening on
// 127.0.0.1:0 and releasing them just before the replicas start.
func freeLoopbackAddrs(n int) ([]string, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	out := make([]string, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserve a loopback port for a local replica: %w", err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	return out, nil
}

func runLocal(ctx context.Context, c Config) (Result, error) {
	root := c.WorkDir
	if root == "" {
		d, err := os.MkdirTemp("", "kfpgo-train-"+c.Name+"-")
		if err != nil {
			return Result{}, fmt.Errorf("local mode: create work directory: %w", err)
		}
		root = d
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return Result{}, fmt.Errorf("local mode: work directory: %w", err)
	}
	base := filepath.Join(root, filepath.FromSlash(c.ModelSubPath))
	res := Result{
		Kind: "local", Name: c.Name,
		ModelDir: filepath.Join(base, "model"), MetricsFile: filepath.Join(base, "metrics.json"), ModelURI: c.ModelURI,
	}
	if res.ModelURI == "" {
		res.ModelURI = "file://" + filepath.ToSlash(res.ModelDir)
	}
	// A metrics file from an earlier run must not pass for this run's.
	if err := os.Remove(res.MetricsFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return res, fmt.Errorf("local mode: remove stale metrics file: %w", err)
	}
	addrs, err := freeLoopbackAddrs(int(c.Replicas.total()))
	if err != nil {
		return res, err
	}
	names, tfConfigs, err := LocalTFConfigs(c.Replicas, addrs)
	if err != nil {
		return res, err
	}
	env := os.Environ()
	for _, k := range slices.Sorted(maps.Keys(c.Env)) {
		env = append(env, k+"="+c.Env[k])
	}
	env = append(env, contract.EnvModelDir+"="+res.ModelDir, contract.EnvMetricsFile+"="+res.MetricsFile)

	logs := newLogMux(c.LogOutput, c.LogTailLines)
	log := c.Logger.With("kind", "local", "name", c.Name)
	type exit struct {
		i   int
		err error
	}
	exits := make(chan exit, len(names))
	cmds := make([]*exec.Cmd, len(names))
	var copies sync.WaitGroup
	started := 0
	var startErr error
	for i, name := range names {
		cmd := exec.Command(c.Command[0], append(slices.Clone(c.Command[1:]), c.Args...)...)
		cmd.Env = slices.Clip(env)
		if tfConfigs[i] != "" {
			cmd.Env = append(cmd.Env, contract.EnvTFConfig+"="+tfConfigs[i])
		}
		pr, pw := io.Pipe()
		cmd.Stdout, cmd.Stderr = pw, pw
		if err := cmd.Start(); err != nil {
			pw.Close()
			startErr = fmt.Errorf("local mode: start replica %s (%s): %w", name, c.Command[0], err)
			break
		}
		cmds[i] = cmd
		started++
		copies.Go(func() { logs.copy(name, pr) })
		go func() {
			err := cmd.Wait()
			pw.Close()
			exits <- exit{i, err}
		}()
	}
	if startErr == nil {
		log.Info("replicas started", "replicas", names, "command", c.Command[0], "model_dir", res.ModelDir)
	}

	stopAll := func() {
		for _, cmd := range cmds {
			if cmd != nil {
				cmd.Process.Signal(syscall.SIGTERM) // os.ErrProcessDone once exited
			}
		}
		time.AfterFunc(c.StopGracePeriod, func() {
			for _, cmd := range cmds {
				if cmd != nil {
					cmd.Process.Kill() // no-op error once the process has exited
				}
			}
		})
	}
	var first *ReplicaFailure
	var cancelled error
	if startErr != nil {
		stopAll()
	}
	for remaining := started; remaining > 0; remaining-- {
		var e exit
		select {
		case e = <-exits:
		case <-ctx.Done():
			if cancelled == nil && first == nil {
				cancelled = ctxErr(ctx)
				log.Info("run ended; stopping replicas", "cause", cancelled)
				stopAll()
			}
			e = <-exits
		}
		if e.err != nil && first == nil && cancelled == nil && startErr == nil {
			first = &ReplicaFailure{Replica: names[e.i], Reason: e.err.Error(), ExitCode: -1}
			var ee *exec.ExitError
			if errors.As(e.err, &ee) {
				first.ExitCode = ee.ExitCode()
			}
			log.Info("replica failed; stopping the others", "replica", names[e.i], "err", e.err)
			stopAll()
		}
	}
	copies.Wait()
	switch {
	case startErr != nil:
		return res, startErr
	case cancelled != nil:
		return res, cancelled
	case first != nil:
		first.LogTail = logs.tail(first.Replica)
		return res, &JobFailedError{Kind: "local", Name: c.Name, Replica: first}
	}
	log.Info("replicas succeeded")
	return res, nil
}
