package distributedtrain

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/components/distributedtrain/contract"
)

// helperEnv switches the test binary into a fake trainer (see fakeTrainer).
const helperEnv = "KFPGO_DISTTRAIN_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(fakeTrainer(mode))
	}
	os.Exit(m.Run())
}

// fakeTrainer behaves as a training image: it records its TF_CONFIG under
// KFPGO_MODEL_DIR/../tf_config/<type>-<index>.json and, by mode:
//
//	ok:        the writing replica writes model and metrics; exit 0
//	fail:      worker 1 prints two lines and exits 3; the others wait for SIGTERM
//	hang:      every replica waits for SIGTERM
func fakeTrainer(mode string) int {
	tfc, err := contract.ParseTFConfig(os.Getenv(contract.EnvTFConfig))
	if err != nil {
		fmt.Println(err)
		return 2
	}
	// Handle SIGTERM before announcing the start, so a stop is always seen.
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	me := fmt.Sprintf("%s-%d", tfc.Task.Type, tfc.Task.Index)
	dir := filepath.Join(filepath.Dir(os.Getenv(contract.EnvModelDir)), "tf_config")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, me+".json"), []byte(os.Getenv(contract.EnvTFConfig)), 0o644)
	fmt.Printf("replica %s starting\n", me)
	waitTerm := func() int {
		select {
		case <-ch:
			fmt.Println("got SIGTERM")
			return 143
		case <-time.After(time.Minute):
			return 0
		}
	}
	switch mode {
	case "fail":
		if me == "worker-1" {
			// Fail only once every replica is up and handling SIGTERM.
			for range 600 {
				entries, _ := os.ReadDir(dir)
				if len(entries) == len(tfc.Peers()) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			fmt.Println("loading data")
			fmt.Fprintln(os.Stderr, "boom: table features.cars does not exist")
			return 3
		}
		return waitTerm()
	case "hang":
		return waitTerm()
	}
	if tfc.IsWriter() {
		os.MkdirAll(os.Getenv(contract.EnvModelDir), 0o755)
		os.WriteFile(filepath.Join(os.Getenv(contract.EnvModelDir), "model.json"), []byte("{}"), 0o644)
		if err := contract.WriteMetrics(os.Getenv(contract.EnvMetricsFile), contract.Metrics{Metrics: map[string]float64{"accuracy": 0.9}}); err != nil {
			fmt.Println(err)
			return 1
		}
	}
	return 0
}

func localConfig(t *testing.T, mode string, r Replicas) Config {
	return Config{
		Mode: ModeLocal, Name: "local-cars", Command: []string{os.Args[0]},
		Env:      map[string]string{helperEnv: mode},
		Replicas: r, WorkDir: t.TempDir(), StopGracePeriod: 5 * time.Second,
		LogOutput: &syncBuffer{}, Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	}
}

func TestLocalTFConfigMatchesOperator(t *testing.T) {
	names, cfgs, err := LocalTFConfigs(Replicas{Chief: 1, Worker: 2, PS: 1, Evaluator: 1},
		[]string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", "127.0.0.1:4", "127.0.0.1:5"})
	require.NoError(t, err)
	assert.Equal(t, []string{"chief-0", "worker-0", "worker-1", "ps-0", "evaluator-0"}, names)
	// Byte for byte what the training-operator's genTFConfigJSONStr marshals
	// (encoding/json: map keys sorted, struct fields in declaration order).
	assert.Equal(t, `{"cluster":{"chief":["127.0.0.1:1"],"evaluator":["127.0.0.1:5"],"ps":["127.0.0.1:4"],"worker":["127.0.0.1:2","127.0.0.1:3"]},"task":{"type":"worker","index":1},"environment":"cloud"}`, cfgs[2])
	assert.Equal(t, `{"cluster":{"chief":["127.0.0.1:1"],"evaluator":["127.0.0.1:5"],"ps":["127.0.0.1:4"],"worker":["127.0.0.1:2","127.0.0.1:3"]},"task":{"type":"evaluator","index":0},"environment":"cloud"}`, cfgs[4])

	// One replica in total: no TF_CONFIG, as the operator's isDistributed rule.
	names, cfgs, err = LocalTFConfigs(Replicas{Worker: 1}, []string{"127.0.0.1:1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"worker-0"}, names)
	assert.Equal(t, []string{""}, cfgs)
}

func TestLocalRunSucceeds(t *testing.T) {
	cfg := localConfig(t, "ok", Replicas{Chief: 1, Worker: 2})
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	base := filepath.Join(cfg.WorkDir, "local-cars")
	assert.Equal(t, Result{
		Kind: "local", Name: "local-cars",
		ModelDir: filepath.Join(base, "model"), ModelURI: "file://" + filepath.Join(base, "model"),
		MetricsFile: filepath.Join(base, "metrics.json"), Metrics: map[string]float64{"accuracy": 0.9},
	}, res)
	assert.FileExists(t, filepath.Join(res.ModelDir, "model.json"))
	out := cfg.LogOutput.(*syncBuffer).String()
	for _, r := range []string{"chief-0", "worker-0", "worker-1"} {
		assert.Contains(t, out, "["+r+"] replica "+r+" starting")
	}
	// Each replica saw the operator's TF_CONFIG with loopback addresses.
	var peers []string
	for _, r := range []string{"chief-0", "worker-0", "worker-1"} {
		b, err := os.ReadFile(filepath.Join(base, "tf_config", r+".json"))
		require.NoError(t, err)
		tfc, err := contract.ParseTFConfig(string(b))
		require.NoError(t, err)
		assert.Equal(t, r, fmt.Sprintf("%s-%d", tfc.Task.Type, tfc.Task.Index))
		assert.Equal(t, "cloud", tfc.Environment)
		if peers == nil {
			peers = tfc.Peers()
		}
		assert.Equal(t, peers, tfc.Peers(), "all replicas agree on the cluster")
	}
	require.Len(t, peers, 3)
	for _, p := range peers {
		assert.True(t, strings.HasPrefix(p, "127.0.0.1:"), p)
	}
}

func TestLocalFirstFailureStopsOthers(t *testing.T) {
	cfg := localConfig(t, "fail", Replicas{Worker: 3})
	_, err := Run(context.Background(), cfg)
	var jf *JobFailedError
	require.ErrorAs(t, err, &jf)
	require.NotNil(t, jf.Replica)
	assert.Equal(t, "worker-1", jf.Replica.Replica)
	assert.Equal(t, 3, jf.Replica.ExitCode)
	assert.Equal(t, []string{"replica worker-1 starting", "loading data", "boom: table features.cars does not exist"}, jf.Replica.LogTail)
	assert.Contains(t, err.Error(), "local local-cars failed: replica worker-1 exited with code 3 (exit status 3)")
	out := cfg.LogOutput.(*syncBuffer).String()
	assert.Contains(t, out, "[worker-0] got SIGTERM")
	assert.Contains(t, out, "[worker-2] got SIGTERM")
}

func TestLocalCancelStopsReplicas(t *testing.T) {
	cfg := localConfig(t, "hang", Replicas{Worker: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // cancel once both replicas are up, as a terminated run would
		for ctx.Err() == nil {
			out := cfg.LogOutput.(*syncBuffer).String()
			if strings.Contains(out, "worker-0 starting") && strings.Contains(out, "worker-1 starting") {
				cancel()
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	_, err := Run(ctx, cfg)
	require.ErrorIs(t, err, context.Canceled)
	out := cfg.LogOutput.(*syncBuffer).String()
	assert.Contains(t, out, "[worker-0] got SIGTERM")
	assert.Contains(t, out, "[worker-1] got SIGTERM")
}

func TestLocalMissingExecutable(t *testing.T) {
	cfg := localConfig(t, "ok", Replicas{Worker: 2})
	cfg.Command = []string{filepath.Join(t.TempDir(), "no-such-trainer")}
	_, err := Run(context.Background(), cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "start replica worker-0")
}
