package main

import (
	"fmt"
	"strings"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/modality/text"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
)

// textSampleTokens is how many tokens each text sample of evaluate has.
const textSampleTokens = 256

// textQuality draws n continuations of a newline (textSampleTokens
// tokens, temperature 1, no top-k/top-p cut) from a language model and
// scores their diversity on words (whitespace-separated): distinct_1 and
// distinct_2 (Li et al. 2016) and repetition_rate_2 (the share of a
// sample's word bigrams that repeat an earlier one). The same metrics on
// the first n test rows of the data set, read as bytes and cut to as many
// bytes, are reported with the prefix real_ as the reference a model
// should approach (too low: loops; much higher: word salad). The data set
// must hold byte rows (the fortunes), as it does for the byte-level
// models of the zoo. a is told how many texts are drawn.
func textQuality(c *job.Checkpointed, lm models.TextSampler, dataDir string, n int, seed uint64, a *activity) (map[string]float64, error) {
	if n <= 0 {
		return nil, fmt.Errorf("evaluate: --text-samples must be > 0, got %d", n)
	}
	rngs := nn.NewRngs(seed)
	gen := make([]string, n)
	for i := range gen {
		a.count("texts", i, n)
		s, err := lm.SampleText("\n", textSampleTokens, 1, 0, 1, rngs)
		if err != nil {
			return nil, fmt.Errorf("evaluate: text samples: %w", err)
		}
		gen[i] = strings.TrimPrefix(s, "\n")
	}
	out, err := diversity(gen, "")
	if err != nil {
		return nil, err
	}
	test, err := data.Load(c.Settings.Dataset, "test", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return nil, err
	}
	rows := min(n, test.Len())
	width := test.Images().Size() / max(test.Len(), 1)
	refTexts := make([]string, rows)
	for i := range refTexts {
		vals := test.Images().Data()[i*width : (i+1)*width]
		ids := make([]int, 0, min(len(vals), textSampleTokens))
		for _, v := range vals[:min(len(vals), textSampleTokens)] {
			ids = append(ids, int(v))
		}
		refTexts[i] = text.ByteTokenizer{}.Decode(ids)
	}
	ref, err := diversity(refTexts, "real_")
	if err != nil {
		return nil, err
	}
	for k, v := range ref {
		out[k] = v
	}
	return out, nil
}

// diversity returns distinct_1, distinct_2 and repetition_rate_2 of the
// words of texts, each key with prefix.
func diversity(texts []string, prefix string) (map[string]float64, error) {
	words := make([][]string, len(texts))
	for i, s := range texts {
		words[i] = strings.Fields(s)
	}
	d1, err := text.DistinctN(words, 1)
	if err != nil {
		return nil, err
	}
	d2, err := text.DistinctN(words, 2)
	if err != nil {
		return nil, err
	}
	rep, err := text.RepetitionRate(words, 2)
	if err != nil {
		return nil, err
	}
	return map[string]float64{prefix + "distinct_1": d1, prefix + "distinct_2": d2, prefix + "repetition_rate_2": rep}, nil
}
