package ir

import (
	"fmt"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// Pos is the source position of a DSL call, kept as a program counter and
// resolved to file:line lazily (as log/slog does), so recording it costs one
// runtime.Callers call. The zero Pos is "unknown position".
type Pos uintptr

// IsValid reports whether p refers to a real call site.
func (p Pos) IsValid() bool { return p != 0 }

// FileLine resolves p to its file name and line number. It returns ("", 0)
// for the zero Pos.
func (p Pos) FileLine() (string, int) {
	if p == 0 {
		return "", 0
	}
	frames := runtime.CallersFrames([]uintptr{uintptr(p)})
	f, _ := frames.Next()
	return f.File, f.Line
}

// InPackage reports whether p is in a file of directory dir (a Go
// package's directory); a program built with -trimpath records files as
// importPath/file.go, so importPath (optional) matches those too. The zero
// Pos is in every package.
func (p Pos) InPackage(dir, importPath string) bool {
	file, _ := p.FileLine()
	if file == "" {
		return true
	}
	return filepath.Dir(filepath.FromSlash(file)) == filepath.Clean(dir) || (importPath != "" && path.Dir(file) == importPath)
}

// String formats p as "file.go:line" with the file relative to the current
// directory when that is shorter, or "-" for the zero Pos.
func (p Pos) String() string {
	file, line := p.FileLine()
	if file == "" {
		return "-"
	}
	return fmt.Sprintf("%s:%d", shortPath(file), line)
}

func shortPath(file string) string {
	if wd, err := filepathAbsWD(); err == nil {
		if rel, err := filepath.Rel(wd, file); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return file
}

var filepathAbsWD = func() (string, error) { return filepath.Abs(".") }

// skipPrefixes are the package paths whose frames Caller skips: the DSL's own
// frames never count as the user's call site.
var skipPrefixes = []string{
	"github.com/kfpgo/kfpgo/sdk/dsl.",
	"github.com/kfpgo/kfpgo/sdk/kubernetes.",
	"github.com/kfpgo/kfpgo/sdk/componentyaml.",
	"runtime.",
}

// helperFuncs holds the functions that users marked as DSL helpers with
// MarkHelper; their frames are skipped like the DSL's own.
var helperFuncs = map[string]bool{}

// MarkHelper marks the calling function as a DSL helper, so positions
// recorded inside it point at its caller instead (like testing.T.Helper).
// Call it at package initialisation or at the top of the helper; it is not
// safe for concurrent use with Caller.
func MarkHelper() {
	pc, _, _, ok := runtime.Caller(1)
	if !ok {
		return
	}
	if fn := runtime.FuncForPC(pc); fn != nil && !helperFuncs[fn.Name()] {
		helperFuncs[fn.Name()] = true
		// Positions resolved before the mark may have stopped at it.
		userFramesMu.Lock()
		clear(userFrames)
		userFramesMu.Unlock()
	}
}

// Caller returns the position of the first frame on the stack, above the
// caller of Caller, that lies outside the DSL packages and outside functions
// marked with MarkHelper.
func Caller() Pos {
	var pcs [24]uintptr
	n := runtime.Callers(2, pcs[:])
	for _, pc := range pcs[:n] {
		if p := userFrame(pc); p != 0 {
			return p
		}
	}
	if n > 0 {
		return Pos(pcs[0])
	}
	return 0
}

// userFrames caches userFrame per return PC: a pipeline calls the DSL from
// a few call sites many times (one per task), and resolving frames is most
// of Caller's cost.
var (
	userFramesMu sync.RWMutex
	userFrames   = map[uintptr]Pos{}
)

// userFrame expands the frames of one return PC (its inlined calls first)
// and returns the first that Caller does not skip, or 0 when all are
// skipped.
func userFrame(pc uintptr) Pos {
	userFramesMu.RLock()
	p, ok := userFrames[pc]
	userFramesMu.RUnlock()
	if ok {
		return p
	}
	frames := runtime.CallersFrames([]uintptr{pc})
	for {
		f, more := frames.Next()
		if !skipFrame(f.Function) {
			p = Pos(f.PC)
			break
		}
		if !more {
			break
		}
	}
	userFramesMu.Lock()
	userFrames[pc] = p
	userFramesMu.Unlock()
	return p
}

func skipFrame(fn string) bool {
	if helperFuncs[fn] {
		return true
	}
	for _, p := range skipPrefixes {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}
