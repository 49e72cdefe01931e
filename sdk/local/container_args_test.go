package local

import (
	"slices"
	"strings"
	"testing"
)

// TestRunArgsPassEnvByName checks that a variable of PassEnv reaches the
// runtime's command line by name only, for the tasks it names, and that
// TaskNetwork and Mounts apply per task.
func TestRunArgsPassEnvByName(t *testing.T) {
	t.Setenv("KFPGO_ARGS_SECRET", "s3cret-value")
	h := &ContainerHandler{CLI: "podman", PassEnv: []string{"train=KFPGO_ARGS_SECRET", "KFPGO_ARGS_UNSET"},
		TaskNetwork: map[string]string{"train": "host"},
		Mounts:      []Mount{{Task: "train", Source: t.TempDir(), Target: "/data", ReadOnly: true}}}
	args, err := h.runArgs(Process{TaskName: "train", Argv: []string{"run"}}, "c1", "img")
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Join(args, " ")
	if strings.Contains(line, "s3cret-value") {
		t.Errorf("the secret's value is on the command line: %s", line)
	}
	for _, want := range []string{"--env KFPGO_ARGS_SECRET ", "--network host ", ":/data:ro "} {
		if !strings.Contains(line+" ", want) {
			t.Errorf("command line %q lacks %q", line, want)
		}
	}
	if slices.Contains(args, "KFPGO_ARGS_UNSET") {
		t.Errorf("a variable unset here is passed: %s", line)
	}
	other, err := h.runArgs(Process{TaskName: "evaluate", Argv: []string{"run"}}, "c2", "img")
	if err != nil {
		t.Fatal(err)
	}
	line = strings.Join(other, " ")
	if strings.Contains(line, "KFPGO_ARGS_SECRET") || !strings.Contains(line, "--network none") || strings.Contains(line, "/data") {
		t.Errorf("another task gets the settings of train: %s", line)
	}
}

// TestParseMount checks the --volume syntax.
func TestParseMount(t *testing.T) {
	for in, want := range map[string]Mount{
		"/a":         {Source: "/a"},
		"/a:ro":      {Source: "/a", ReadOnly: true},
		"/a:/b":      {Source: "/a", Target: "/b"},
		"t=/a:/b:rw": {Task: "t", Source: "/a", Target: "/b"},
		"t=/a:/b:ro": {Task: "t", Source: "/a", Target: "/b", ReadOnly: true},
	} {
		got, err := ParseMount(in)
		if err != nil || got != want {
			t.Errorf("ParseMount(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"a:/b", "/a:b", "/a:/b:/c", "", "/a:/data,ro", "/a,b:/c"} {
		if _, err := ParseMount(bad); err == nil {
			t.Errorf("ParseMount(%q) accepted", bad)
		}
	}
}

// TestStartHintRlimit checks the advice for runc's refusal of podman's
// default ulimits (podman 4.3 on a VM whose limits are lower, as seen here:
// "error setting rlimit type 7: operation not permitted").
func TestStartHintRlimit(t *testing.T) {
	got := startHint("Error: runc: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted: OCI permission denied\n")
	if !strings.Contains(got, "CONTAINERS_CONF") || !strings.Contains(got, ".ci/containers-conf") {
		t.Errorf("startHint = %q, want the containers.conf advice", got)
	}
	if got := startHint("Error: no such image"); got != "" {
		t.Errorf("startHint of another error = %q, want none", got)
	}
}
