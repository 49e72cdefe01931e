package local

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/kfpgo/kfpgo/sdk/launcher"
)

// writeEvent prints one progress line: wall time, state, task path, and the
// duration for finished states.
func writeEvent(w io.Writer, ev Event, mu *sync.Mutex) {
	line := fmt.Sprintf("%s  %-10s %s", ev.Time.Format("15:04:05"), ev.State, ev.Task)
	switch ev.State {
	case StatePending, StateRunning:
	default:
		line += fmt.Sprintf(" (%s)", roundDuration(ev.Duration))
	}
	if ev.Reason != "" && (ev.State == StateSkipped || ev.State == StateFailed || ev.State == StateCancelled) {
		line += ": " + oneLine(ev.Reason)
	}
	mu.Lock()
	fmt.Fprintln(w, line)
	mu.Unlock()
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	default:
		return d
	}
}

// summaryOrder returns tasks (ordered by start time) in tree order: a
// depth-first walk where a sub-DAG, loop or iteration is followed by its
// tasks, the iterations of a loop are ordered by index and other siblings
// keep their order in tasks. A task whose parent is absent stays at the top
// level.
func summaryOrder(tasks []*TaskResult) []*TaskResult {
	type node struct {
		t        *TaskResult
		pos, idx int
		kids     []*node
	}
	byName := make(map[string]*node, len(tasks))
	nodes := make([]*node, len(tasks))
	for i, t := range tasks {
		nodes[i] = &node{t: t, pos: i, idx: -1}
		byName[t.Name] = nodes[i]
	}
	var top []*node
	for _, n := range nodes {
		parent, idx := parentPath(n.t.Name)
		n.idx = idx
		if p, ok := byName[parent]; ok && parent != "" {
			p.kids = append(p.kids, n)
		} else {
			top = append(top, n)
		}
	}
	out := make([]*TaskResult, 0, len(tasks))
	var walk func([]*node)
	walk = func(ns []*node) {
		sort.SliceStable(ns, func(i, j int) bool {
			if ns[i].idx >= 0 && ns[j].idx >= 0 {
				return ns[i].idx < ns[j].idx
			}
			return ns[i].pos < ns[j].pos
		})
		for _, n := range ns {
			out = append(out, n.t)
			walk(n.kids)
		}
	}
	walk(top)
	return out
}

// parentPath returns the path of the task enclosing the task path name
// ("" at the top level) and, for a loop iteration "<loop>[i]", i (else -1).
func parentPath(name string) (string, int) {
	last := name[strings.LastIndex(name, "/")+1:]
	if strings.HasSuffix(last, "]") {
		if open := strings.LastIndex(last, "["); open > 0 {
			if i, err := strconv.Atoi(last[open+1 : len(last)-1]); err == nil && i >= 0 {
				return name[:len(name)-len(last)+open], i
			}
		}
	}
	if k := strings.LastIndex(name, "/"); k >= 0 {
		return name[:k], -1
	}
	return "", -1
}

// maxSummaryValue is how many bytes of an output value the summary prints.
const maxSummaryValue = 200

// clip shortens s to at most n bytes (on a UTF-8 boundary) followed by
// "… (<len> bytes)" when it is longer.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}

// WriteSummary prints a table of every task (path, kind, state, duration,
// attempts, reason) in tree order: each task is followed by the tasks inside
// it, siblings by start time, and the iterations of a loop by index
// (for-loop-1[0], for-loop-1[1], …) whatever order they ran in; then the pipeline's output parameters (values longer than
// 200 bytes are cut, with their full size), its output artifacts, and the
// run's state and folder.
func WriteSummary(w io.Writer, res *RunResult) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tKIND\tSTATE\tDURATION\tATTEMPTS\tNOTE")
	for _, t := range summaryOrder(res.Tasks) {
		att := ""
		if t.Attempts > 0 {
			att = fmt.Sprint(t.Attempts)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.Kind, t.State, roundDuration(t.Duration()), att, oneLine(t.Reason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range sortedKeys(res.Parameters) {
		fmt.Fprintf(w, "output %s = %s\n", n, clip(launcher.FormatParameter(res.Parameters[n]), maxSummaryValue))
	}
	for _, n := range sortedKeys(res.Artifacts) {
		for _, a := range res.Artifacts[n].GetArtifacts() {
			fmt.Fprintf(w, "output artifact %s: %s\n", n, a.GetUri())
		}
	}
	_, err := fmt.Fprintf(w, "run %s %s in %s; folder %s\n", res.RunID, res.State, roundDuration(res.End.Sub(res.Start)), res.RunDir)
	return err
}
