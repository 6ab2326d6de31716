package tensor_test

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// Reverse-mode autodiff: build a scalar from tensors that require a
// gradient, call Backward, read each gradient.
func ExampleTensor_Backward() {
	x := tensor.FromSlice([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	w := tensor.FromSlice([]float32{0.5, -1, 2}, 3).SetRequiresGrad(true)
	y := tensor.Sum(tensor.Mul(tensor.Mul(x, x), w)) // Σ w·x²
	y.Backward()
	fmt.Println(y.Item())
	fmt.Println(x.Grad().Data()) // 2·w·x
	fmt.Println(w.Grad().Data()) // x²
	// Output:
	// 14.5
	// [1 -4 12]
	// [1 4 9]
}
