package nn

import "github.com/artifex-go/artifex/tensor"

// Checkpoint returns fn(inputs...) as tensor.Checkpoint computes it: the
// backward pass keeps only inputs and runs fn again to differentiate it,
// trading a second forward pass of m for the memory of its intermediates
// (a model's gradient_checkpointing). m is the module that fn applies: its
// trainable parameters are the checkpoint's params, and the streams of its
// dropout layers are rewound for the recomputation, so that the gradients
// equal those of fn recorded directly.
func Checkpoint(m Module, fn func(in []*tensor.Tensor) *tensor.Tensor, inputs ...*tensor.Tensor) *tensor.Tensor {
	if !tensor.GradEnabled() {
		return fn(inputs)
	}
	var streams []*tensor.Stream
	seen := map[*tensor.Stream]bool{}
	Layers(m, func(layer any) {
		if d, ok := layer.(*Dropout); ok && d.stream != nil && !seen[d.stream] {
			seen[d.stream] = true
			streams = append(streams, d.stream)
		}
	})
	return tensor.Checkpoint(fn, inputs, Tensors(Parameters(m)), streams...)
}
