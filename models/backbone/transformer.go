package backbone

import (
	"fmt"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Transformer is a denoiser for sequences [B, L, D] (FoldingDiff's
// angles, for instance): a linear embedding of each position plus fixed
// sinusoidal positions and the time embedding, pre-norm transformer
// blocks, and a linear read-out to D values per position.
type Transformer struct {
	Time   *TimeEmbedding
	In     *nn.Linear
	Blocks []*nn.TransformerBlock
	Norm   *nn.LayerNorm
	Out    *nn.Linear
	length int
	dim    int
	// checkpoint recomputes each block's forward pass during backward
	// instead of keeping its intermediates (gradient_checkpointing).
	checkpoint bool
}

// TransformerConfig describes a Transformer backbone.
type TransformerConfig struct {
	Length, Dim int // sequence length and values per position
	Width       int // model width (hidden_dims[0])
	Layers      int // zero means 4
	Heads       int // zero means Width/64 (at least one)
	Dropout     float32
	NumClasses  int
	Activation  string
	// GradientCheckpointing keeps only each block's input for the
	// backward pass and recomputes the block there (nn.Checkpoint): the
	// activations held shrink from every intermediate of every block to
	// one [B, L, Width] tensor per block, for a second forward pass.
	GradientCheckpointing bool
}

// NewTransformer builds a Transformer backbone.
func NewTransformer(rngs *nn.Rngs, cfg TransformerConfig) (*Transformer, error) {
	if cfg.Layers == 0 {
		cfg.Layers = 4
	}
	if cfg.Heads == 0 {
		cfg.Heads = max(cfg.Width/64, 1)
	}
	switch {
	case cfg.Length <= 0 || cfg.Dim <= 0:
		return nil, fmt.Errorf("backbone: Transformer input must be [length, dim] with both > 0, got [%d, %d]", cfg.Length, cfg.Dim)
	case cfg.Width <= 0 || cfg.Width%2 != 0 || cfg.Layers < 0 || cfg.Heads < 0 || cfg.Width%cfg.Heads != 0:
		return nil, fmt.Errorf("backbone: Transformer width %d must be even and divisible into %d heads, with %d ≥ 0 layers", cfg.Width, cfg.Heads, cfg.Layers)
	case cfg.Dropout < 0 || cfg.Dropout >= 1:
		return nil, fmt.Errorf("backbone: Transformer dropout must be in [0, 1), got %g", cfg.Dropout)
	}
	act, err := activation(cfg.Activation)
	if err != nil {
		return nil, fmt.Errorf("backbone: Transformer: %w", err)
	}
	m := &Transformer{
		Time: NewTimeEmbedding(rngs, cfg.Width, cfg.Width, cfg.NumClasses, act),
		In:   nn.NewLinear(rngs, cfg.Dim, cfg.Width),
		Norm: nn.NewLayerNorm(cfg.Width), Out: nn.NewLinear(rngs, cfg.Width, cfg.Dim),
		length: cfg.Length, dim: cfg.Dim, checkpoint: cfg.GradientCheckpointing,
	}
	for range cfg.Layers {
		m.Blocks = append(m.Blocks, nn.NewTransformerBlock(rngs, cfg.Width, cfg.Heads, 4*cfg.Width, 0, cfg.Dropout))
	}
	return m, nil
}

// Forward predicts from x [B, L, D] at timesteps t [B] a tensor [B, L, D].
func (m *Transformer) Forward(x, t *tensor.Tensor) *tensor.Tensor {
	return m.ForwardLabels(x, t, nil)
}

// ForwardLabels is Forward conditioned on labels (negative for none).
func (m *Transformer) ForwardLabels(x, t *tensor.Tensor, labels []int) *tensor.Tensor {
	if x.NDim() != 3 || x.Dim(1) != m.length || x.Dim(2) != m.dim {
		panic(fmt.Sprintf("backbone: Transformer input shape %v, want [B, %d, %d]", x.Shape(), m.length, m.dim))
	}
	pos := make([]float32, m.length)
	for i := range pos {
		pos[i] = float32(i)
	}
	temb := m.Time.Forward(t, labels)
	width := temb.Dim(1)
	h := tensor.Add(m.In.Forward(x), nn.SinusoidalEmbedding(pos, width))
	h = tensor.Add(h, tensor.Reshape(temb, x.Dim(0), 1, width))
	for _, b := range m.Blocks {
		if m.checkpoint {
			h = nn.Checkpoint(b, func(in []*tensor.Tensor) *tensor.Tensor { return b.Forward(in[0], nil, false) }, h)
		} else {
			h = b.Forward(h, nil, false)
		}
	}
	return m.Out.Forward(m.Norm.Forward(h))
}
