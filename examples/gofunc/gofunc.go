// Package gofunc is a Go-function component example: a word count over a
// text dataset that writes a Markdown report, scalar metrics and an output
// parameter, plus a pipeline that runs it.
//
// The binary that runs the component in its container is cmd/wordcount,
// whose main is one line: executor.Main(gofunc.WordCount).
//
//	kfpgo component compile ./examples/gofunc --name word-count -o word-count.yaml
//	kfpgo compile ./examples/gofunc -o pipeline.yaml
package gofunc

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/kfpgo/kfpgo/sdk/artifacts"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// CountIn are the inputs of WordCount.
type CountIn struct {
	Text dsl.Artifact[dsl.Dataset] `kfp:"text" description:"UTF-8 text, one document per line"`
	Top  dsl.Param[int]            `kfp:"top" default:"3" description:"how many words the report lists"`
}

// CountOut are the outputs of WordCount.
type CountOut struct {
	Report  dsl.Artifact[dsl.Markdown] `kfp:"report"`
	Metrics dsl.Artifact[dsl.Metrics]  `kfp:"metrics"`
	Words   dsl.Param[int]             `kfp:"words"`
}

// WordCount counts the words of a text dataset.
var WordCount = dsl.NewComponent("word-count", countWords,
	dsl.Image("ko://github.com/kfpgo/kfpgo/examples/gofunc/cmd/wordcount"))

func countWords(ctx context.Context, in CountIn) (CountOut, error) {
	out := dsl.Outputs[CountOut](ctx)
	f, err := os.Open(in.Text.Path())
	if err != nil {
		return CountOut{}, fmt.Errorf("open the text dataset: %w", err)
	}
	defer f.Close()
	counts := map[string]int{}
	total := 0
	sc := bufio.NewScanner(f)
	sc.Split(bufio.ScanWords)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return CountOut{}, err
		}
		counts[strings.ToLower(sc.Text())]++
		total++
	}
	if err := sc.Err(); err != nil {
		return CountOut{}, fmt.Errorf("read the text dataset: %w", err)
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if counts[words[i]] != counts[words[j]] {
			return counts[words[i]] > counts[words[j]]
		}
		return words[i] < words[j]
	})
	var report strings.Builder
	report.WriteString("# Word count\n\n| word | count |\n| --- | --- |\n")
	for i, w := range words {
		if i == in.Top.Value() {
			break
		}
		fmt.Fprintf(&report, "| %s | %d |\n", w, counts[w])
	}
	if err := artifacts.WriteMarkdown(out.Report, report.String()); err != nil {
		return CountOut{}, err
	}
	if err := artifacts.LogMetric(out.Metrics, "words", float64(total)); err != nil {
		return CountOut{}, err
	}
	if err := artifacts.LogMetric(out.Metrics, "distinct_words", float64(len(counts))); err != nil {
		return CountOut{}, err
	}
	out.Words.Set(total)
	return *out, nil
}

// PipeIn are the inputs of the example pipeline.
type PipeIn struct {
	Text dsl.Artifact[dsl.Dataset] `kfp:"text"`
}

// PipeOut are its outputs.
type PipeOut struct {
	Words dsl.Param[int] `kfp:"words"`
}

// Pipeline runs WordCount on its input text.
var Pipeline = dsl.NewPipeline("word-count-example", func(b *dsl.Builder, in PipeIn) PipeOut {
	wc := WordCount.Task(b, CountIn{Text: in.Text, Top: dsl.Lit(5)})
	return PipeOut{Words: wc.Out.Words}
})
