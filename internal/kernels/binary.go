package kernels

// Slice kernels for the arithmetic ops, which are memory bound: the vector
// versions (binary_amd64.s, AVX) load, combine and store eight floats per
// instruction where the Go loops below them handle one, since Go does not
// vectorise loops. Both round each result once, so the twins agree bit for
// bit. In every kernel dst may be an operand, which is how gradients are
// accumulated in place.

// Add writes a[i] + b[i] into dst; a and b are at least as long as dst.
func Add(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	done := vectorVV(opAdd, dst, a, b)
	addGo(dst[done:], a[done:], b[done:])
}

// Sub writes a[i] - b[i] into dst.
func Sub(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	done := vectorVV(opSub, dst, a, b)
	subGo(dst[done:], a[done:], b[done:])
}

// Mul writes a[i] · b[i] into dst.
func Mul(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	done := vectorVV(opMul, dst, a, b)
	mulGo(dst[done:], a[done:], b[done:])
}

// AddScalar writes x[i] + s into dst (x - s is AddScalar with -s, which
// IEEE arithmetic defines to be the same).
func AddScalar(dst, x []float32, s float32) {
	x = x[:len(dst)]
	done := vectorVS(opAdd, dst, x, s)
	addScalarGo(dst[done:], x[done:], s)
}

// MulScalar writes x[i] · s into dst.
func MulScalar(dst, x []float32, s float32) {
	x = x[:len(dst)]
	done := vectorVS(opMul, dst, x, s)
	mulScalarGo(dst[done:], x[done:], s)
}

// RSubScalar writes s - x[i] into dst.
func RSubScalar(dst, x []float32, s float32) {
	x = x[:len(dst)]
	done := vectorVS(opSub, dst, x, s)
	rsubScalarGo(dst[done:], x[done:], s)
}

const (
	opAdd = iota
	opSub
	opMul
)

func addGo(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

func subGo(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

func mulGo(dst, a, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

func addScalarGo(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + s
	}
}

func mulScalarGo(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * s
	}
}

func rsubScalarGo(dst, x []float32, s float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = s - x[i]
	}
}
