//go:build !noasm

package kernels

// The AVX arithmetic kernels process n elements, n a multiple of 8.
//
//go:noescape
func addAVX(dst, a, b *float32, n int)

//go:noescape
func subAVX(dst, a, b *float32, n int)

//go:noescape
func mulAVX(dst, a, b *float32, n int)

//go:noescape
func addScalarAVX(dst, x *float32, n int, s float32)

//go:noescape
func mulScalarAVX(dst, x *float32, n int, s float32)

//go:noescape
func rsubScalarAVX(dst, x *float32, n int, s float32)

// vectorVV handles the longest prefix of dst that is a multiple of 8 with
// AVX when the CPU has it and returns its length; a and b are as long as
// dst.
func vectorVV(op int, dst, a, b []float32) int {
	n := len(dst) &^ 7
	if !hasAVX || n == 0 {
		return 0
	}
	switch op {
	case opAdd:
		addAVX(&dst[0], &a[0], &b[0], n)
	case opSub:
		subAVX(&dst[0], &a[0], &b[0], n)
	case opMul:
		mulAVX(&dst[0], &a[0], &b[0], n)
	}
	return n
}

// vectorVS is vectorVV with a scalar operand: x + s, x · s, or s - x.
func vectorVS(op int, dst, x []float32, s float32) int {
	n := len(dst) &^ 7
	if !hasAVX || n == 0 {
		return 0
	}
	switch op {
	case opAdd:
		addScalarAVX(&dst[0], &x[0], n, s)
	case opSub:
		rsubScalarAVX(&dst[0], &x[0], n, s)
	case opMul:
		mulScalarAVX(&dst[0], &x[0], n, s)
	}
	return n
}

//go:noescape
func fillAVX(dst *float32, n int, v float32)

// vectorFill sets the longest prefix of dst that is a multiple of 8 to v
// and returns its length.
func vectorFill(dst []float32, v float32) int {
	n := len(dst) &^ 7
	if !hasAVX || n == 0 {
		return 0
	}
	fillAVX(&dst[0], n, v)
	return n
}

//go:noescape
func sumAVX(lanes *[8]float32, x *float32, n int)

// vectorSum adds the longest prefix of x that is a multiple of 8 into
// lanes with AVX when the CPU has it and returns its length.
func vectorSum(lanes *[8]float32, x []float32) int {
	n := len(x) &^ 7
	if !hasAVX || n == 0 {
		return 0
	}
	sumAVX(lanes, &x[0], n)
	return n
}
