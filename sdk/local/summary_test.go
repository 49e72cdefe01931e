package local_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

func TestSummaryOrdersIterationsByIndex(t *testing.T) {
	start := time.Now()
	var tasks []*local.TaskResult
	// Start order as a parallel run records it: iterations in whatever order
	// they got a slot, their tasks interleaved.
	for i, n := range []string{
		"prepare", "for-loop-1", "for-loop-1[3]", "for-loop-1[1]", "for-loop-1[3]/noop", "for-loop-1[10]",
		"for-loop-1[0]", "for-loop-1[1]/noop", "for-loop-1[2]", "for-loop-1[0]/noop", "for-loop-1[10]/noop",
		"for-loop-1[2]/noop", "report",
	} {
		kind := "container"
		switch {
		case n == "for-loop-1":
			kind = "loop"
		case strings.HasSuffix(n, "]"):
			kind = "iteration"
		}
		tasks = append(tasks, &local.TaskResult{Name: n, Kind: kind, State: local.StateSucceeded, Start: start.Add(time.Duration(i) * time.Millisecond)})
	}
	var b strings.Builder
	require.NoError(t, local.WriteSummary(&b, &local.RunResult{RunID: "r", RunDir: "/tmp/r", State: local.StateSucceeded, Start: start, End: start, Tasks: tasks}))
	var rows []string
	for _, l := range strings.Split(b.String(), "\n")[1:] {
		if f := strings.Fields(l); len(f) > 1 && regexp.MustCompile(`^(container|loop|iteration)$`).MatchString(f[1]) {
			rows = append(rows, f[0])
		}
	}
	assert.Equal(t, []string{
		"prepare", "for-loop-1",
		"for-loop-1[0]", "for-loop-1[0]/noop",
		"for-loop-1[1]", "for-loop-1[1]/noop",
		"for-loop-1[2]", "for-loop-1[2]/noop",
		"for-loop-1[3]", "for-loop-1[3]/noop",
		"for-loop-1[10]", "for-loop-1[10]/noop",
		"report",
	}, rows)
}
