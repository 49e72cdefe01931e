package kfp

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestK8sNameMatchesKFP checks k8sName against KFP's maybe_rename_for_k8s
// written as its two regular expressions.
func TestK8sNameMatchesKFP(t *testing.T) {
	nonK8s := regexp.MustCompile(`[^-0-9a-z]+`)
	dashes := regexp.MustCompile(`-+`)
	kfpName := func(name string) string {
		s := nonK8s.ReplaceAllString(strings.ToLower(name), "-")
		return strings.Trim(dashes.ReplaceAllString(s, "-"), "-")
	}
	names := []string{"", "-", "--", "a", "concat", "concat-2", "-a-", "a--b", "My Task_1", "train.model", "ÜBER-täsk", "İx", "\xffbad", "a\u212ab"}
	r := rand.New(rand.NewSource(1))
	alphabet := []rune("aZ09-_ .üİ\u212a")
	for i := 0; i < 5000; i++ {
		rs := make([]rune, r.Intn(8))
		for j := range rs {
			rs[j] = alphabet[r.Intn(len(alphabet))]
		}
		names = append(names, string(rs))
	}
	for _, n := range names {
		assert.Equal(t, kfpName(n), k8sName(n), "%q", n)
	}
}
