// Package backbone holds the denoising networks diffusion models wrap: a
// UNet for images, an MLP for vectors and a transformer for sequences.
// Each maps a noisy batch x and its timesteps t (one float per example) to
// a tensor of x's shape, so each satisfies factory.Backbone and
// diffusion.Backbone without importing either. The class-conditional ones
// also take integer labels (ForwardLabels), where a negative label means
// "no label", the null class that classifier-free guidance trains.
package backbone

import (
	"fmt"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// TimeEmbedding turns timesteps into a learned vector: the sinusoidal
// embedding of t (Vaswani et al.) of Sinusoidal channels through a
// two-layer MLP, as in Ho et al.'s DDPM UNet.
type TimeEmbedding struct {
	First, Second *nn.Linear
	// Labels embeds class labels into the same space, added to the time
	// embedding; nil for an unconditional network. Row NumClasses is the
	// null label.
	Labels     *nn.Embedding
	Sinusoidal int               `nn:"-"`
	activation nn.ActivationFunc // between the two layers
}

// NewTimeEmbedding returns the embedding of timesteps into dim values;
// with numClasses > 0 it also embeds labels 0..numClasses-1 and a null
// label.
func NewTimeEmbedding(rngs *nn.Rngs, sinusoidal, dim, numClasses int, act nn.ActivationFunc) *TimeEmbedding {
	e := &TimeEmbedding{
		First: nn.NewLinear(rngs, sinusoidal, dim), Second: nn.NewLinear(rngs, dim, dim),
		Sinusoidal: sinusoidal, activation: act,
	}
	if numClasses > 0 {
		e.Labels = nn.NewEmbedding(rngs, numClasses+1, dim)
	}
	return e
}

// Forward embeds timesteps t [B] and, when the embedding is conditional
// and labels is not nil, adds the embedding of labels (negative = null).
func (e *TimeEmbedding) Forward(t *tensor.Tensor, labels []int) *tensor.Tensor {
	if t.NDim() != 1 {
		panic(fmt.Sprintf("backbone: timesteps must be [B], got shape %v", t.Shape()))
	}
	h := e.Second.Forward(e.activation(e.First.Forward(nn.SinusoidalEmbedding(t.Data(), e.Sinusoidal))))
	if e.Labels != nil {
		h = tensor.Add(h, e.Labels.Forward(nullLabels(labels, t.Dim(0), e.Labels.Weight.Dim(0)-1)))
	}
	return h
}

// nullLabels maps labels to embedding rows: negative labels, and all of
// them when labels is nil, go to the null row.
func nullLabels(labels []int, n, null int) []int {
	if labels != nil && len(labels) != n {
		panic(fmt.Sprintf("backbone: %d labels for a batch of %d", len(labels), n))
	}
	ids := make([]int, n)
	for i := range ids {
		ids[i] = null
		if labels != nil && labels[i] >= 0 {
			if labels[i] >= null {
				panic(fmt.Sprintf("backbone: label %d out of range [0, %d)", labels[i], null))
			}
			ids[i] = labels[i]
		}
	}
	return ids
}

// activation looks an activation up by name, "silu" when empty.
func activation(name string) (nn.ActivationFunc, error) {
	if name == "" {
		name = "silu"
	}
	return nn.Activation(name)
}
