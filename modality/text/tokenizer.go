// Package text is the text modality: tokenisers (bytes, characters and a
// trainable byte-level BPE) with special tokens, padding of token
// sequences with masks, batching, and text metrics (perplexity, distinct-n,
// repetition rate, corpus BLEU). Its Modality binds a tokeniser to a
// Transformer language model built by the factory.
package text

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Specials are the ids of the special tokens of a vocabulary: padding,
// unknown input, beginning and end of sequence.
type Specials struct {
	Pad int `json:"pad"`
	Unk int `json:"unk"`
	BOS int `json:"bos"`
	EOS int `json:"eos"`
}

// has reports whether id is one of the special tokens.
func (s Specials) has(id int) bool {
	return id == s.Pad || id == s.Unk || id == s.BOS || id == s.EOS
}

// Tokenizer turns text into token ids and back. Decode leaves special
// tokens out of the text; for the text a tokeniser can represent,
// Decode(Encode(s)) == s.
type Tokenizer interface {
	Encode(s string) []int
	Decode(ids []int) string
	// VocabSize is the number of ids, special tokens included.
	VocabSize() int
	Specials() Specials
}

// ByteTokenizer maps each byte of the text to its value (0–255) and puts
// the special tokens after them: pad 256, unk 257, bos 258, eos 259. Any
// string, valid UTF-8 or not, round-trips exactly.
type ByteTokenizer struct{}

// ByteVocabSize is the vocabulary size of ByteTokenizer.
const ByteVocabSize = 260

var byteSpecials = Specials{Pad: 256, Unk: 257, BOS: 258, EOS: 259}

// Encode returns the bytes of s as ids.
func (ByteTokenizer) Encode(s string) []int {
	ids := make([]int, len(s))
	for i := 0; i < len(s); i++ {
		ids[i] = int(s[i])
	}
	return ids
}

// Decode returns the bytes of the byte ids; special and out-of-range ids
// are left out.
func (ByteTokenizer) Decode(ids []int) string {
	b := make([]byte, 0, len(ids))
	for _, id := range ids {
		if id >= 0 && id < 256 {
			b = append(b, byte(id))
		}
	}
	return string(b)
}

// VocabSize returns ByteVocabSize.
func (ByteTokenizer) VocabSize() int { return ByteVocabSize }

// Specials returns pad 256, unk 257, bos 258, eos 259.
func (ByteTokenizer) Specials() Specials { return byteSpecials }

// CharTokenizer maps each character (Unicode code point) of a fixed
// alphabet to an id. The special tokens come first (pad 0, unk 1, bos 2,
// eos 3), then the alphabet in code-point order; characters outside the
// alphabet encode as unk.
type CharTokenizer struct {
	chars []rune
	ids   map[rune]int
}

var charSpecials = Specials{Pad: 0, Unk: 1, BOS: 2, EOS: 3}

// NewCharTokenizer returns the character tokeniser whose alphabet is the
// set of characters of corpus. Invalid UTF-8 in corpus is an error.
func NewCharTokenizer(corpus string) (*CharTokenizer, error) {
	if !utf8.ValidString(corpus) {
		return nil, fmt.Errorf("text: character tokeniser: corpus is not valid UTF-8")
	}
	seen := map[rune]bool{}
	var chars []rune
	for _, r := range corpus {
		if !seen[r] {
			seen[r] = true
			chars = append(chars, r)
		}
	}
	return newCharTokenizer(chars)
}

func newCharTokenizer(chars []rune) (*CharTokenizer, error) {
	if len(chars) == 0 {
		return nil, fmt.Errorf("text: character tokeniser: empty alphabet")
	}
	chars = slices.Clone(chars)
	slices.Sort(chars)
	t := &CharTokenizer{chars: chars, ids: make(map[rune]int, len(chars))}
	for i, r := range chars {
		if i > 0 && chars[i-1] == r {
			return nil, fmt.Errorf("text: character tokeniser: character %q listed twice", r)
		}
		t.ids[r] = i + 4
	}
	return t, nil
}

// Encode returns the ids of the characters of s (unk for characters
// outside the alphabet and for invalid UTF-8).
func (t *CharTokenizer) Encode(s string) []int {
	ids := make([]int, 0, len(s))
	for _, r := range s {
		id, ok := t.ids[r]
		if !ok {
			id = charSpecials.Unk
		}
		ids = append(ids, id)
	}
	return ids
}

// Decode returns the characters of the ids; special and out-of-range ids
// are left out.
func (t *CharTokenizer) Decode(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		if id >= 4 && id < 4+len(t.chars) {
			b.WriteRune(t.chars[id-4])
		}
	}
	return b.String()
}

// VocabSize returns the alphabet size plus the four special tokens.
func (t *CharTokenizer) VocabSize() int { return 4 + len(t.chars) }

// Specials returns pad 0, unk 1, bos 2, eos 3.
func (t *CharTokenizer) Specials() Specials { return charSpecials }

// Alphabet returns the characters in id order.
func (t *CharTokenizer) Alphabet() []rune { return slices.Clone(t.chars) }

// WithSpecials returns ids with bos in front and eos at the end.
func WithSpecials(ids []int, s Specials) []int {
	out := make([]int, 0, len(ids)+2)
	out = append(out, s.BOS)
	out = append(out, ids...)
	return append(out, s.EOS)
}
