package text

import (
	"fmt"

	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/autoregressive"
)

// Modality is the text modality for factory.WithModality("text"). Adapt
// binds Tokenizer (ByteTokenizer when nil) to a Transformer language
// model: the model then reads and writes text with it, leaves padding
// targets out of its loss and metrics, and stops generating at the end
// token. The model's vocab_size must cover the tokeniser's ids. Other
// model types are refused: their inputs are not token sequences.
type Modality struct {
	Tokenizer Tokenizer
}

// Name returns "text".
func (Modality) Name() string { return "text" }

// Adapt binds the tokeniser to m, which must be a Transformer.
func (t Modality) Adapt(m models.Model, family string) (models.Model, error) {
	lm, ok := m.(*autoregressive.Transformer)
	if !ok {
		return nil, fmt.Errorf("the text modality serves token language models (autoregressive Transformer, TransformerLM, GPT); %s model %q (%s) does not take token sequences",
			family, m.Config().Name, m.Config().ModelClass)
	}
	tok := t.Tokenizer
	if tok == nil {
		tok = ByteTokenizer{}
	}
	s := tok.Specials()
	if err := lm.BindTokenizer(tok, s.Pad, s.EOS); err != nil {
		return nil, err
	}
	return lm, nil
}
