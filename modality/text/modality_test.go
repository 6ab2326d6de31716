package text

import (
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/autoregressive"
	"github.com/artifex-go/artifex/nn"
)

func lm(t *testing.T, vocab int) *autoregressive.Transformer {
	t.Helper()
	o := autoregressive.TransformerOptions{VocabSize: vocab, ContextLength: 8, Dim: 8, Layers: 1, Heads: 2, FFDim: 16, Positions: autoregressive.LearnedPositions}
	m, err := autoregressive.NewTransformer(config.ModelConfiguration{Name: "lm", ModelClass: "Transformer"}, o, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestModalityBindsTheTokenizerToATransformer(t *testing.T) {
	bpe, err := TrainBPE("the cat and the hat and the bat", 270)
	if err != nil {
		t.Fatal(err)
	}
	m := lm(t, bpe.VocabSize())
	got, err := Modality{Tokenizer: bpe}.Adapt(m, "autoregressive")
	if err != nil {
		t.Fatal(err)
	}
	a := got.(*autoregressive.Transformer)
	if a.Tokenizer() != bpe {
		t.Fatal("tokeniser not bound")
	}
	if ids := a.Encode("the cat"); len(ids) >= len("the cat") {
		t.Errorf("the model does not encode with the BPE: %v", ids)
	}
	s, err := a.SampleText("the", 5, 1, 0, 1, nn.NewRngs(0))
	if err != nil || !strings.HasPrefix(s, "the") {
		t.Errorf("SampleText = %q, %v", s, err)
	}
}

func TestModalityRefusesSmallVocabularyAndOtherFamilies(t *testing.T) {
	_, err := Modality{}.Adapt(lm(t, 256), "autoregressive")
	if err == nil || !strings.Contains(err.Error(), "vocab_size >= 260") {
		t.Errorf("byte tokeniser on a 256-id model: err = %v", err)
	}
	_, err = Modality{}.Adapt(other{}, "vae")
	if err == nil || !strings.Contains(err.Error(), "token language models") || !strings.Contains(err.Error(), "vae") {
		t.Errorf("vae: err = %v", err)
	}
	if (Modality{}).Name() != "text" {
		t.Error("name")
	}
}

type other struct{}

func (other) Config() config.ModelConfiguration {
	return config.ModelConfiguration{Name: "v", ModelClass: "VAE"}
}
