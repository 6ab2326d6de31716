// Package multimodal is the multi_modal modality: paired modalities (an
// MNIST digit image and its label as an English word, "seven"), one
// encoder (expert) and one decoder per modality sharing a latent space,
// fused by a product or a mixture of experts (the multimodal VAEs of Wu &
// Goodman, 2018, and Shi et al., 2019), an optional CLIP-style contrastive
// loss between the experts (InfoNCE, Radford et al., 2021), and
// cross-modal generation: images from words and words from images.
package multimodal

import (
	"fmt"
	"strings"

	"github.com/artifex-go/artifex/tensor"
)

// Digits are the words of the digits 0-9, the text paired with MNIST
// images.
var Digits = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// Alphabet is the character vocabulary of the text modality; index 0 is
// padding.
const Alphabet = "_abcdefghijklmnopqrstuvwxyz"

// Vocab is the number of characters, padding included.
const Vocab = len(Alphabet)

// WordLength is the padded length of every word (the longest digit word
// has five letters).
const WordLength = 5

// EncodeWord returns the character ids of a lower-case word, padded with 0
// to WordLength. Longer words and characters outside a-z are errors.
func EncodeWord(w string) ([]int, error) {
	if len(w) == 0 || len(w) > WordLength {
		return nil, fmt.Errorf("multimodal: word %q must have 1 to %d letters", w, WordLength)
	}
	ids := make([]int, WordLength)
	for i, r := range w {
		k := strings.IndexRune(Alphabet, r)
		if k <= 0 {
			return nil, fmt.Errorf("multimodal: word %q: character %q is not one of a-z", w, r)
		}
		ids[i] = k
	}
	return ids, nil
}

// DecodeWord turns character ids back into a word, dropping padding.
func DecodeWord(ids []int) string {
	var b strings.Builder
	for _, k := range ids {
		if k > 0 && k < Vocab {
			b.WriteByte(Alphabet[k])
		}
	}
	return b.String()
}

// LabelWords returns the character ids [len(labels)·WordLength] of the
// digit words of labels (0-9).
func LabelWords(labels []int) ([]int, error) {
	out := make([]int, 0, len(labels)*WordLength)
	for i, l := range labels {
		if l < 0 || l >= len(Digits) {
			return nil, fmt.Errorf("multimodal: label %d of example %d is not a digit 0-9", l, i)
		}
		ids, _ := EncodeWord(Digits[l])
		out = append(out, ids...)
	}
	return out, nil
}

// DigitOf returns the digit a word names, or -1.
func DigitOf(word string) int {
	for d, w := range Digits {
		if w == word {
			return d
		}
	}
	return -1
}

// argmaxWords decodes logits [N, WordLength, Vocab] into words.
func argmaxWords(logits *tensor.Tensor) []string {
	n := logits.Dim(0)
	v := logits.Data()
	words := make([]string, n)
	ids := make([]int, WordLength)
	for i := range n {
		for p := range WordLength {
			row := v[(i*WordLength+p)*Vocab : (i*WordLength+p+1)*Vocab]
			best := 0
			for k, x := range row {
				if x > row[best] {
					best = k
				}
			}
			ids[p] = best
		}
		words[i] = DecodeWord(ids)
	}
	return words
}
