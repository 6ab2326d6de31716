package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// binaryTwin is one arithmetic kernel with its portable twin, both taking
// (dst, a, b); the scalar kernels read b[0].
type binaryTwin struct {
	name      string
	kernel    func(dst, a, b []float32)
	twin      func(dst, a, b []float32)
	reference func(a, b float32) float32
}

var binaryTwins = []binaryTwin{
	{"Add", Add, addGo, func(a, b float32) float32 { return a + b }},
	{"Sub", Sub, subGo, func(a, b float32) float32 { return a - b }},
	{"Mul", Mul, mulGo, func(a, b float32) float32 { return a * b }},
	{"AddScalar", func(d, a, b []float32) { AddScalar(d, a, b[0]) },
		func(d, a, b []float32) { addScalarGo(d, a, b[0]) }, func(a, b float32) float32 { return a + b }},
	{"AddScalar(-s)", func(d, a, b []float32) { AddScalar(d, a, -b[0]) },
		func(d, a, b []float32) { addScalarGo(d, a, -b[0]) }, func(a, b float32) float32 { return a - b }},
	{"MulScalar", func(d, a, b []float32) { MulScalar(d, a, b[0]) },
		func(d, a, b []float32) { mulScalarGo(d, a, b[0]) }, func(a, b float32) float32 { return a * b }},
	{"RSubScalar", func(d, a, b []float32) { RSubScalar(d, a, b[0]) },
		func(d, a, b []float32) { rsubScalarGo(d, a, b[0]) }, func(a, b float32) float32 { return b - a }},
}

func scalarOp(name string) bool { return name != "Add" && name != "Sub" && name != "Mul" }

// sameOrBothNaN compares bits, except that any two NaNs match: which NaN
// payload survives a+b with two NaN operands is the hardware's choice.
func sameOrBothNaN(x, y float32) bool {
	return math.Float32bits(x) == math.Float32bits(y) || (x != x && y != y)
}

// The vector kernels must agree bit for bit with the Go loops and with
// float32 arithmetic, on every length around the vector widths (the
// 8-wide step, the 32-wide unrolled step, the Go tail), with special values,
// and in place (dst = a, dst = b).
func TestBinaryKernelsMatchPortable(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.NaN()),
		float32(math.Inf(1)), float32(math.Inf(-1)), 1e-40, -1e-40, 3e38}
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 100, 1023, 4099} {
		a, b := make([]float32, n), make([]float32, n)
		for i := range a {
			a[i], b[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
			if i%5 == 0 {
				a[i] = special[(i/5)%len(special)]
			}
			if i%7 == 0 {
				b[i] = special[(i/7)%len(special)]
			}
		}
		for _, k := range binaryTwins {
			for _, s := range []float32{0.37, -2, float32(math.Inf(1))} {
				bb := b
				if scalarOp(k.name) {
					bb = []float32{s}
				} else if s != 0.37 {
					continue
				}
				got, want := make([]float32, n), make([]float32, n)
				k.kernel(got, a, bb)
				k.twin(want, a, bb)
				for i := range want {
					j := i
					if scalarOp(k.name) {
						j = 0
					}
					ref := k.reference(a[i], bb[j])
					if !sameOrBothNaN(got[i], want[i]) || !sameOrBothNaN(want[i], ref) {
						t.Fatalf("%s n=%d s=%v: element %d of %v, %v = %v, Go twin %v, float32 %v",
							k.name, n, s, i, a[i], bb[j], got[i], want[i], ref)
					}
				}
				inA := append([]float32(nil), a...)
				k.kernel(inA, inA, bb)
				if !allSame(inA, want) {
					t.Fatalf("%s n=%d: in place (dst = a) differs from the out-of-place result", k.name, n)
				}
				if !scalarOp(k.name) {
					inB := append([]float32(nil), b...)
					k.kernel(inB, a, inB)
					if !allSame(inB, want) {
						t.Fatalf("%s n=%d: in place (dst = b) differs from the out-of-place result", k.name, n)
					}
				}
			}
		}
	}
}

// The kernels write exactly len(dst) elements and read no further.
func TestBinaryKernelsStayInBounds(t *testing.T) {
	for _, k := range binaryTwins {
		for _, n := range []int{5, 8, 40} {
			a, b := make([]float32, n+9), make([]float32, n+9)
			for i := range a {
				a[i], b[i] = float32(i), 2
			}
			dst := make([]float32, n+9)
			for i := range dst {
				dst[i] = -7
			}
			k.kernel(dst[:n], a, b)
			for i := n; i < len(dst); i++ {
				if dst[i] != -7 {
					t.Fatalf("%s n=%d: wrote element %d past the end", k.name, n, i)
				}
			}
		}
	}
}

func TestBinaryKernelsAllocateNothing(t *testing.T) {
	a, b, d := make([]float32, 37), make([]float32, 37), make([]float32, 37)
	for _, k := range binaryTwins {
		if n := testing.AllocsPerRun(10, func() { k.kernel(d, a, b) }); n != 0 {
			t.Errorf("%s: %v allocations per call", k.name, n)
		}
	}
}

func allSame(x, y []float32) bool {
	for i := range x {
		if !sameOrBothNaN(x[i], y[i]) {
			return false
		}
	}
	return len(x) == len(y)
}

// BenchmarkBinaryKernels reports the vector Add against its Go twin, in
// cache (4096) and streaming (1<<20).
func BenchmarkBinaryKernels(b *testing.B) {
	for _, n := range []int{4096, 1 << 20} {
		x, y, d := make([]float32, n), make([]float32, n), make([]float32, n)
		for _, k := range []struct {
			name string
			f    func(dst, a, b []float32)
		}{{"Add", Add}, {"addGo", addGo}} {
			b.Run(fmt.Sprintf("%s/%d", k.name, n), func(b *testing.B) {
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					k.f(d, x, y)
				}
			})
		}
	}
}

// fill writes v over exactly the slice, on every length around the vector
// widths.
func TestFill(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 40, 784, 1027} {
		s := make([]float32, n+5)
		fill(s[:n], -2.5)
		for i, v := range s {
			if want := float32(-2.5); i >= n {
				want = 0
				if v != want {
					t.Fatalf("fill n=%d: element %d past the end = %v", n, i, v)
				}
			} else if v != want {
				t.Fatalf("fill n=%d: element %d = %v, want %v", n, i, v, want)
			}
		}
	}
}

// Sum's vector lanes must equal its Go twin's bit for bit, and the total
// must be within the rounding error of a float64 sum, on every length
// around the 8- and 32-wide steps.
func TestSumMatchesPortableAndFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 100, 784, 4099} {
		x := make([]float32, n)
		var want, abs float64
		for i := range x {
			x[i] = float32(r.NormFloat64())
			want += float64(x[i])
			abs += math.Abs(float64(x[i]))
		}
		var vec, twin [8]float32
		if d := vectorSum(&vec, x); d != 0 {
			if e := sumGo(&twin, x); e != d {
				t.Fatalf("n=%d: vector kernel covered %d elements, Go twin %d", n, d, e)
			}
			for j := range vec {
				if math.Float32bits(vec[j]) != math.Float32bits(twin[j]) {
					t.Fatalf("n=%d: lane %d = %v, Go twin %v", n, j, vec[j], twin[j])
				}
			}
		}
		if got := Sum(x); math.Abs(float64(got)-want) > 1e-6*abs+1e-30 {
			t.Fatalf("n=%d: Sum = %v, float64 %v", n, got, want)
		}
	}
	if got := Sum([]float32{1, float32(math.Inf(1)), 2}); !math.IsInf(float64(got), 1) {
		t.Fatalf("Sum with +Inf = %v", got)
	}
}
