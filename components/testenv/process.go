package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrBinaryNotFound is wrapped by the errors of [StartPostgres] and
// [StartRedis] when a server binary is not installed; match it with
// errors.Is. The error text names the package to install.
var ErrBinaryNotFound = errors.New("server binary not found")

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// runAs is the identity a server runs as: nil means the current user.
type runAs struct {
	uid, gid uint32
	name     string
}

// serverUser returns the postgres system user when running as root, so that
// PostgreSQL (which refuses root) can start, or nil otherwise.
func serverUser() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL must run as the postgres user, which does not exist (%v): install postgresql: apt-get install -y postgresql, or run as a non-root user", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("user postgres has a non-numeric uid %q or gid %q", u.Uid, u.Gid)
	}
	return &runAs{uid: uint32(uid), gid: uint32(gid), name: u.Username}, nil
}

// command builds a server command that runs as who (nil: current user) and
// dies with its parent.
func command(who *runAs, bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if who != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: who.uid, Gid: who.gid}
		cmd.Env = append(os.Environ(), "HOME="+os.TempDir(), "USER="+who.name, "LOGNAME="+who.name)
	}
	return cmd
}

// lookBin finds name on PATH, then in the newest of the glob's matches.
func lookBin(name, glob string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if glob == "" {
		return "", ErrBinaryNotFound
	}
	dirs, _ := filepath.Glob(glob)
	sort.Slice(dirs, func(i, j int) bool { return versionLess(dirs[j], dirs[i]) })
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", ErrBinaryNotFound
}

// versionLess orders /usr/lib/postgresql/<N>/bin paths by numeric N.
func versionLess(a, b string) bool {
	na, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
	nb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
	if na != nb {
		return na < nb
	}
	return a < b
}

// stopProcess sends sig and waits up to grace for exit, then SIGKILLs.
func stopProcess(cmd *exec.Cmd, done <-chan struct{}, sig syscall.Signal, grace time.Duration) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}

// tail returns the last n bytes of a log file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(bytes.ToValidUTF8(b, nil)))
}
