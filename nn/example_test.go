package nn_test

import (
	"fmt"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// A model is a plain struct of layers: its parameters are found by walking
// it, with paths from the field names.
func ExampleParameters() {
	type classifier struct {
		Hidden *nn.Linear
		Out    *nn.Linear
	}
	rngs := nn.NewRngs(0)
	m := &classifier{Hidden: nn.NewLinear(rngs, 784, 128), Out: nn.NewLinear(rngs, 128, 10)}
	for _, p := range nn.Parameters(m) {
		fmt.Println(p.Name, p.Tensor.Shape())
	}
	fmt.Println(nn.CountParameters(m))
	logits := m.Out.Forward(tensor.Tanh(m.Hidden.Forward(tensor.Ones(2, 784))))
	fmt.Println(logits.Shape())
	// Output:
	// hidden/weight [784 128]
	// hidden/bias [128]
	// out/weight [128 10]
	// out/bias [10]
	// 101770
	// [2 10]
}
