package executor

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type helpIn struct {
	Empty  dsl.Param[string]             `kfp:"empty" default:""`
	Named  dsl.Param[string]             `kfp:"named" default:"champion"`
	None   dsl.Param[[]string]           `kfp:"none" default:"[]"`
	Ratios dsl.Param[map[string]float64] `kfp:"ratios" default:"{\"train\": 0.8, \"test\": 0.2}"`
	NoMap  dsl.Param[map[string]string]  `kfp:"no_map" default:"{}"`
	Zero   dsl.Param[int]                `kfp:"zero" default:"0"`
	Must   dsl.Param[string]             `kfp:"must"`
}

var helpComp = dsl.NewComponent("help-comp", func(context.Context, helpIn) (struct{}, error) { return struct{}{}, nil },
	dsl.Image("ko://example.com/help"))

// TestHelpLooksLikeGoFlagHelp: the usage names the program, and defaults
// read as the go command's flag help writes them: strings quoted, lists
// and maps as JSON, no empty default (the input is then optional).
func TestHelpLooksLikeGoFlagHelp(t *testing.T) {
	var b bytes.Buffer
	writeHelp(&b, "prepare-data", map[string]dsl.Runnable{"help-comp": helpComp})
	out := b.String()
	assert.Contains(t, out, "Usage: prepare-data --executor_input JSON|@FILE")
	for _, want := range []string{
		"empty                    STRING  (optional)\n",
		`named                    STRING  (default "champion")` + "\n",
		"none                     LIST ([]string)  (optional)\n",
		`ratios                   STRUCT (map[string]float64)  (default {"test":0.2,"train":0.8})` + "\n",
		"no_map                   STRUCT (map[string]string)  (optional)\n",
		"zero                     NUMBER_INTEGER  (default 0)\n",
		"must                     STRING\n",
	} {
		assert.Contains(t, out, want)
	}
	for _, bad := range []string{"<binary>", "(default )", "map[test", "default []"} {
		assert.NotContains(t, out, bad)
	}
}
