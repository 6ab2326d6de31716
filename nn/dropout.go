package nn

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// Dropout zeroes each element with probability Rate during training and
// scales the survivors by 1/(1-Rate), so evaluation needs no rescaling.
type Dropout struct {
	Rate     float32
	training bool
	stream   *tensor.Stream
}

// NewDropout returns a dropout layer drawing its masks from the "dropout"
// stream of rngs. It starts in training mode.
func NewDropout(rngs *Rngs, rate float32) *Dropout {
	if rate < 0 || rate >= 1 {
		panic(fmt.Sprintf("Dropout: rate %g outside [0, 1)", rate))
	}
	return &Dropout{Rate: rate, training: true, stream: rngs.Dropout()}
}

// SetTraining switches between training and evaluation behaviour.
func (d *Dropout) SetTraining(on bool) { d.training = on }

// Forward applies dropout to x.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if !d.training || d.Rate == 0 {
		return x
	}
	return tensor.Dropout(x, d.Rate, d.stream)
}
