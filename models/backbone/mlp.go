package backbone

import (
	"fmt"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// MLP is a denoiser for vector data [B, D]: the input concatenated with
// the time (and label) embedding, through hidden layers, to D outputs.
type MLP struct {
	Time       *TimeEmbedding
	Layers     []*nn.Linear
	Out        *nn.Linear
	activation nn.ActivationFunc
	dim        int
}

// MLPConfig describes an MLP backbone.
type MLPConfig struct {
	Dim              int   // size of one data vector
	Hidden           []int // hidden layer widths (hidden_dims)
	TimeEmbeddingDim int   // zero means Hidden[0]
	NumClasses       int   // > 0 for a class-conditional MLP
	Activation       string
}

// NewMLP builds an MLP backbone.
func NewMLP(rngs *nn.Rngs, cfg MLPConfig) (*MLP, error) {
	if cfg.Dim <= 0 || len(cfg.Hidden) == 0 {
		return nil, fmt.Errorf("backbone: MLP needs a data size > 0 and hidden_dims, got %d and %v", cfg.Dim, cfg.Hidden)
	}
	for i, h := range cfg.Hidden {
		if h <= 0 {
			return nil, fmt.Errorf("backbone: MLP hidden_dims[%d] must be > 0, got %d", i, h)
		}
	}
	if cfg.TimeEmbeddingDim == 0 {
		cfg.TimeEmbeddingDim = cfg.Hidden[0]
	}
	if cfg.TimeEmbeddingDim < 0 || cfg.TimeEmbeddingDim%2 != 0 || cfg.NumClasses < 0 {
		return nil, fmt.Errorf("backbone: MLP time_embedding_dim %d must be positive and even, num_classes %d ≥ 0", cfg.TimeEmbeddingDim, cfg.NumClasses)
	}
	act, err := activation(cfg.Activation)
	if err != nil {
		return nil, fmt.Errorf("backbone: MLP: %w", err)
	}
	m := &MLP{Time: NewTimeEmbedding(rngs, cfg.TimeEmbeddingDim, cfg.TimeEmbeddingDim, cfg.NumClasses, act), activation: act, dim: cfg.Dim}
	prev := cfg.Dim + cfg.TimeEmbeddingDim
	for _, h := range cfg.Hidden {
		m.Layers = append(m.Layers, nn.NewLinear(rngs, prev, h))
		prev = h
	}
	m.Out = nn.NewLinear(rngs, prev, cfg.Dim)
	return m, nil
}

// Forward predicts from x [B, D] at timesteps t [B] a tensor [B, D].
func (m *MLP) Forward(x, t *tensor.Tensor) *tensor.Tensor { return m.ForwardLabels(x, t, nil) }

// ForwardLabels is Forward conditioned on labels (negative for none).
func (m *MLP) ForwardLabels(x, t *tensor.Tensor, labels []int) *tensor.Tensor {
	if x.NDim() != 2 || x.Dim(1) != m.dim {
		panic(fmt.Sprintf("backbone: MLP input shape %v, want [B, %d]", x.Shape(), m.dim))
	}
	h := tensor.Concat(1, x, m.activation(m.Time.Forward(t, labels)))
	for _, l := range m.Layers {
		h = m.activation(l.Forward(h))
	}
	return m.Out.Forward(h)
}
