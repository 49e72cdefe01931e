package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestKoProgressKeepsProgressLines(t *testing.T) {
	var out bytes.Buffer
	k := &koProgress{w: &out, start: time.Now()}
	log := "2026/12/02 05:00:00 Using base cgr.dev/chainguard/static for github.com/kfpgo/kfpgo/cmd/prepare-data\n" +
		"2026/12/02 05:00:01 Building github.com/kfpgo/kfpgo/cmd/prepare-data for linux/amd64\n" +
		"2026/12/02 05:00:09 Publishing 127.0.0.1:5000/prepare-data:latest\n" +
		"2026/12/02 05:00:10 pushed blob: sha256:0123\n"
	// ko writes in pieces; a line split across writes is kept whole.
	k.Write([]byte(log[:70]))
	k.Write([]byte(log[70:]))
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	assert.Len(t, lines, 3)
	assert.Contains(t, lines[0], "Building github.com/kfpgo/kfpgo/cmd/prepare-data for linux/amd64")
	assert.NotContains(t, lines[0], "2026/12/02", "ko's own timestamp is replaced by the elapsed time")
	assert.Regexp(t, `^\s*\d+\.\ds  Building `, lines[0])
	assert.Contains(t, lines[2], "pushed blob: sha256:0123")
}
