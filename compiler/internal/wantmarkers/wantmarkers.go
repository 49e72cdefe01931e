// Package wantmarkers reads the `// want "text"` markers that the compiler's
// bad-input tests put on the offending lines of their Go pipelines (the
// convention of golang.org/x/tools' analysistest): each marker says which
// error text must be reported at that line.
package wantmarkers

import (
	"go/scanner"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"testing"
)

var wantRE = regexp.MustCompile(`^// want (".*")$`)

// Read scans the comments of the Go file at path and returns each marker's
// text (a Go-quoted string, unquoted) by line number (1-based). A file that
// cannot be read or a marker that is not a valid Go string fails t.
func Read(t testing.TB, path string) map[int]string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("want markers: %v", err)
	}
	fset := token.NewFileSet()
	var s scanner.Scanner
	s.Init(fset.AddFile(path, -1, len(src)), src, nil, scanner.ScanComments)
	out := map[int]string{}
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok != token.COMMENT {
			continue
		}
		if m := wantRE.FindStringSubmatch(lit); m != nil {
			text, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: bad want marker %s: %v", fset.Position(pos), m[1], err)
			}
			out[fset.Position(pos).Line] = text
		}
	}
}
