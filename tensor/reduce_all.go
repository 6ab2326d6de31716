package tensor

// Sum returns the sum of all elements as a scalar.
func Sum(x *Tensor) *Tensor {
	var s float64
	for _, v := range x.data {
		s += float64(v)
	}
	return record(Scalar(float32(s)), "Sum", func(g *Tensor) []*Tensor {
		return []*Tensor{Expand(g, x.shape)}
	}, x)
}

// Mean returns the mean of all elements as a scalar.
func Mean(x *Tensor) *Tensor {
	if len(x.data) == 0 {
		panic("Mean: empty tensor")
	}
	return Scale(Sum(x), 1/float32(len(x.data)))
}
