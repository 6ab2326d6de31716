package tensor_test

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// Backward adds the gradient of a scalar to every leaf that requires one.
func Example() {
	w := tensor.FromSlice([]float32{1, 2, 3}).SetRequiresGrad(true)
	loss := tensor.Sum(tensor.Mul(w, w))
	loss.Backward()
	fmt.Println(w.Grad().Data())
	// Output: [2 4 6]
}

// With createGraph the gradient is itself differentiable: here the first
// and second derivatives of x³ at x = 1.
func ExampleGrad() {
	x := tensor.FromSlice([]float32{1}).SetRequiresGrad(true)
	y := tensor.Sum(tensor.Mul(tensor.Mul(x, x), x))
	dy := tensor.Grad([]*tensor.Tensor{y}, []*tensor.Tensor{x}, true)[0]
	d2y := tensor.Grad([]*tensor.Tensor{tensor.Sum(dy)}, []*tensor.Tensor{x}, false)[0]
	fmt.Println(dy.Item(), d2y.Item())
	// Output: 3 6
}

// NoGrad switches recording off for the goroutine that calls it only.
func ExampleNoGrad() {
	w := tensor.Ones(2).SetRequiresGrad(true)
	tensor.NoGrad(func() {
		fmt.Println("inside NoGrad:", tensor.Mul(w, w).RequiresGrad())
		other := make(chan bool)
		go func() { other <- tensor.Mul(w, w).RequiresGrad() }()
		fmt.Println("another goroutine meanwhile:", <-other)
	})
	fmt.Println("after NoGrad:", tensor.Mul(w, w).RequiresGrad())
	// Output:
	// inside NoGrad: false
	// another goroutine meanwhile: true
	// after NoGrad: true
}
