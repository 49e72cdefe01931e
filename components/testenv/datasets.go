//go:build bench

package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// EnvDatasetsDir names the folder holding the benchmark datasets
// (flights-3m.parquet), when it is not ../shared/datasets beside the
// repository.
const EnvDatasetsDir = "KFPGO_DATASETS_DIR"

// FlightsParquet returns the absolute path of flights-3m.parquet
// (vega-datasets@3.2.1, 3,000,000 flights), looked up in $KFPGO_DATASETS_DIR,
// then in ../shared/datasets beside the repository (tb's working directory
// is a package folder two levels below the repository root). Only `make
// bench` builds this file (tag bench): a user's clone has no ../shared.
//
// Errors: tb fails, naming every path it looked at, when the file is in
// neither place.
func FlightsParquet(tb testing.TB) string {
	tb.Helper()
	var looked []string
	for _, d := range []string{os.Getenv(EnvDatasetsDir), "../../../shared/datasets"} {
		if d == "" {
			continue
		}
		p := filepath.Join(d, "flights-3m.parquet")
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
		looked = append(looked, p)
	}
	tb.Fatalf("flights-3m.parquet not found (looked at %s; $%s is %q): put the vega-datasets@3.2.1 file there or set %s", strings.Join(looked, ", "), EnvDatasetsDir, os.Getenv(EnvDatasetsDir), EnvDatasetsDir)
	return ""
}
