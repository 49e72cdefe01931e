package dsl

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"unicode"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

var (
	nonK8s    = regexp.MustCompile(`[^-0-9a-z]+`)
	dashes    = regexp.MustCompile(`-+`)
	validName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// K8sName converts a name to KFP's Kubernetes-compatible form, exactly as
// kfp.dsl.utils.maybe_rename_for_k8s does: lower case, runs of characters
// outside [-0-9a-z] become "-", repeated dashes collapse, leading and
// trailing dashes are dropped ("Train_Model" → "train-model").
func K8sName(name string) string {
	s := nonK8s.ReplaceAllString(strings.ToLower(name), "-")
	s = dashes.ReplaceAllString(s, "-")
	return strings.Trim(s, "-")
}

// snakeCase converts a Go field name to a KFP input name: "LearningRate" →
// "learning_rate", "URLPath" → "url_path".
func snakeCase(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
