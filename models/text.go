package models

import "github.com/artifex-go/artifex/tensor"

// TextSampler is a language model that writes text: SampleText continues
// prompt by up to maxTokens tokens drawn with the given temperature (0:
// greedy), top-k (0: no limit) and top-p (1: no limit), and returns prompt
// and continuation.
type TextSampler interface {
	SampleText(prompt string, maxTokens int, temperature float64, topK int, topP float64, rngs *tensor.Rngs) (string, error)
}
