// Package upload holds KFP's size limit on pipeline and component files
// and the one reader that enforces it before anything is parsed.
//
// The KFP API server refuses a pipeline file over MaxFileBytes on upload
// (kubeflow/pipelines backend/src/apiserver/server/util.go, MaxFileLength
// = 32 << 20, checked by loadFile with "File size too large. Maximum
// supported size: …"). kfpgo applies the same limit wherever it reads a
// file KFP would take (a compiled pipeline for `run --local`, a component
// YAML, a package for `pipeline create` or `run create --package`), so a
// file KFP would refuse is refused here too, at once, instead of being
// parsed for minutes in gigabytes of memory.
package upload

import (
	"fmt"
	"io"
	"os"
)

// MaxFileBytes is KFP's upload limit, 32 MiB (33,554,432 bytes).
const MaxFileBytes = 32 << 20

// TooLargeError is a file or document over MaxFileBytes.
type TooLargeError struct {
	// Source names the file ("<input>" for bytes in memory).
	Source string
	// Size is the size in bytes, or -1 when only "more than the limit" is
	// known (a pipe).
	Size int64
}

// Error says what is too large, by how much, and what KFP does with it.
func (e *TooLargeError) Error() string {
	size := "more than 32 MiB"
	if e.Size >= 0 {
		size = fmt.Sprintf("%.1f MiB", float64(e.Size)/(1<<20))
	}
	return fmt.Sprintf("%s is %s: KFP refuses pipeline and component files over 32 MiB (its upload limit), so kfpgo does not read it; split the pipeline into smaller ones or move large literals (data, lists of items) into an input artifact", e.Source, size)
}

// Check returns a *TooLargeError when data is over MaxFileBytes.
func Check(source string, data []byte) error {
	if len(data) > MaxFileBytes {
		return &TooLargeError{Source: source, Size: int64(len(data))}
	}
	return nil
}

// ReadFile reads path when it is at most MaxFileBytes long. A regular file
// is refused from its size before any byte is read; other files (a pipe,
// /dev/stdin) are read up to one byte past the limit.
//
// Errors: *TooLargeError, or the *fs.PathError of os.Open / Read.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxFileBytes {
		return nil, &TooLargeError{Source: path, Size: st.Size()}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, &TooLargeError{Source: path, Size: -1}
	}
	return data, nil
}
