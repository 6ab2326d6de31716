package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// gemmCase is one Sgemm call with its operands laid out as stored.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int // extra elements at the end of every stored row
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// check runs the case through gemm and through sgemmGeneric on identical
// random operands and fails if any element of C differs by more than the
// float32 rounding error that reordering the sum can explain.
func (tc gemmCase) check(t *testing.T, rng *rand.Rand, gemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) {
	t.Helper()
	ra, ca := tc.m, tc.k
	if tc.transA {
		ra, ca = tc.k, tc.m
	}
	rb, cb := tc.k, tc.n
	if tc.transB {
		rb, cb = tc.n, tc.k
	}
	lda, ldb, ldc := ca+tc.pad, cb+tc.pad, tc.n+tc.pad
	a := randFloats(rng, ra*lda)
	b := randFloats(rng, rb*ldb)
	c := randFloats(rng, tc.m*ldc)
	if tc.beta == 0 {
		// beta == 0 must overwrite C without reading it.
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	want := append([]float32(nil), c...)
	got := append([]float32(nil), c...)
	sgemmGeneric(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
	gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
	tol := 1e-5 * float64(tc.k+2) * float64(max(1, abs32(tc.alpha), abs32(tc.beta)))
	for i := range got {
		inC := i%ldc < tc.n
		if !inC {
			// Padding between rows of C must not be touched.
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%v: padding C[%d] changed from %g to %g", tc, i, want[i], got[i])
			}
			continue
		}
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol) {
			t.Fatalf("%v: C[%d,%d] = %g, want %g", tc, i/ldc, i%ldc, got[i], want[i])
		}
	}
}

func abs32(x float32) float64 { return math.Abs(float64(x)) }

func randFloats(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

// withBlocking returns a copy of kn whose cache blocks are only a few
// register tiles, so small matrices cross every block boundary.
func withBlocking(kn *gemmKernel, mc, kc, nc int) *gemmKernel {
	c := *kn
	c.mc, c.kc, c.nc = mc*kn.mr, kc, nc*kn.nr
	return &c
}

// kernelVariants lists every micro-kernel the CPU supports, each with its
// tuned blocking and with tiny blocking.
func kernelVariants() []*gemmKernel {
	var ks []*gemmKernel
	for _, kn := range availableKernels() {
		small := withBlocking(kn, 2, 5, 2)
		small.name += "/smallblocks"
		ks = append(ks, kn, small)
	}
	return ks
}

func TestSgemmKernelsMatchReferenceOnOddSizes(t *testing.T) {
	sizes := []int{1, 2, 7, 15, 16, 17, 31, 33, 63, 65}
	if raceEnabled {
		sizes = []int{1, 7, 16, 17, 33}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kn := range kernelVariants() {
		t.Run(kn.name, func(t *testing.T) {
			for _, m := range sizes {
				for _, n := range sizes {
					for _, k := range sizes {
						for tr := 0; tr < 4; tr++ {
							tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: m, n: n, k: k, alpha: 1, beta: 0, pad: (m + n + k) % 3}
							switch (m + 2*n + 3*k + tr) % 4 {
							case 1:
								tc.beta = 1
							case 2:
								tc.alpha, tc.beta = -0.5, 0.25
							case 3:
								tc.alpha, tc.beta = 2, -1
							}
							tc.check(t, rng, kn.sgemm)
						}
					}
				}
			}
		})
	}
}

func TestSgemmKernelsMatchReferenceOnLargeSizes(t *testing.T) {
	cases := [][3]int{{127, 1023, 33}, {1023, 127, 17}, {65, 63, 1023}, {127, 127, 127}, {31, 1023, 300}}
	if raceEnabled {
		cases = cases[:1]
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, kn := range kernelVariants() {
		t.Run(kn.name, func(t *testing.T) {
			for _, s := range cases {
				for tr := 0; tr < 4; tr++ {
					tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: s[0], n: s[1], k: s[2], alpha: 1.5, beta: 0.5, pad: tr}
					tc.check(t, rng, kn.sgemm)
				}
			}
		})
	}
}

func TestSgemmSplitsAcrossThreadsCorrectly(t *testing.T) {
	defer SetThreads(Threads())
	rng := rand.New(rand.NewPCG(5, 6))
	for _, threads := range []int{1, 2, 3} {
		SetThreads(threads)
		for _, s := range [][3]int{{65, 1023, 33}, {1023, 65, 33}, {200, 200, 64}} {
			for tr := 0; tr < 4; tr++ {
				tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, m: s[0], n: s[1], k: s[2], alpha: 1, beta: 0, pad: 1}
				tc.check(t, rng, Sgemm)
			}
		}
	}
}

func TestSgemmZeroDepthScalesC(t *testing.T) {
	c := []float32{1, 2, 3, float32(math.NaN())}
	Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 3, c, 2)
	if c[0] != 3 || c[1] != 6 || c[2] != 9 {
		t.Fatalf("k=0, beta=3: C = %v, want [3 6 9 NaN]", c)
	}
	Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 0, c, 2)
	for _, v := range c {
		if v != 0 {
			t.Fatalf("k=0, beta=0: C = %v, want zeros", c)
		}
	}
}

func TestSgemmEmptyOutputIsNoOp(t *testing.T) {
	// An output with no rows or no columns writes nothing: the values of
	// a C slice that holds more than the (empty) output stay as they were.
	c := []float32{7, 7, 7}
	Sgemm(false, false, 0, 5, 3, 1, nil, 3, make([]float32, 15), 5, 0, c, 5)
	Sgemm(true, true, 4, 0, 3, 1, make([]float32, 12), 4, nil, 3, 0, c, 1)
	if !slices.Equal(c, []float32{7, 7, 7}) {
		t.Errorf("an empty product changed C: %v", c)
	}
	// An empty inner dimension leaves C = beta·C, as BLAS defines it.
	c = []float32{1, 2, 3, 4}
	Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 0.5, c, 2)
	if !slices.Equal(c, []float32{0.5, 1, 1.5, 2}) {
		t.Errorf("k = 0 with beta 0.5: C = %v, want [0.5 1 1.5 2]", c)
	}
}

func TestSgemmRejectsShortSlices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Sgemm with a too-short A did not panic")
		}
	}()
	Sgemm(false, false, 4, 4, 4, 1, make([]float32, 15), 4, make([]float32, 16), 4, 0, make([]float32, 16), 4)
}

func TestSgemmSteadyStateDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	defer SetThreads(Threads())
	SetThreads(1)
	a, b, c := make([]float32, 64*300), make([]float32, 300*100), make([]float32, 64*100)
	Sgemm(false, true, 64, 100, 300, 1, a, 300, b, 300, 0, c, 100)
	allocs := testing.AllocsPerRun(20, func() {
		Sgemm(false, true, 64, 100, 300, 1, a, 300, b, 300, 0, c, 100)
	})
	if allocs > 0 {
		t.Fatalf("Sgemm allocated %v times per call", allocs)
	}
}

func TestPackBAssemblyMatchesGo(t *testing.T) {
	kn := availableKernels()[0]
	if kn.packN == nil && kn.packT == nil {
		t.Skip("no assembly packing on this CPU")
	}
	plain := *kn
	plain.packN, plain.packT = nil, nil
	rng := rand.New(rand.NewPCG(9, 10))
	for _, trans := range []bool{false, true} {
		for _, kc := range []int{1, 15, 16, 17, 48, 67} {
			nc, ld := 3*kn.nr+5, 3*kn.nr+kc+3
			b := randFloats(rng, ld*(ld+nc))
			got, want := make([]float32, kc*4*kn.nr), make([]float32, kc*4*kn.nr)
			kn.packB(trans, b, ld, 2, 1, kc, nc, got)
			plain.packB(trans, b, ld, 2, 1, kc, nc, want)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("trans=%v kc=%d: packed[%d] = %g, want %g", trans, kc, i, got[i], want[i])
				}
			}
		}
	}
}

// The assembly packers of A's 8-row panels (rows side by side, and runs of
// a transposed A) agree with the portable loops, for lengths around the
// 16-column blocks the AVX-512 packer takes.
func TestPackAAssemblyMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, kc := range []int{1, 15, 16, 17, 31, 48, 67, 256} {
		lda := kc + 5
		a := randFloats(rng, 9*lda+kc)
		got, want := make([]float32, 8*kc), make([]float32, 8*kc)
		packRows8(a[3:], lda, kc, got)
		packRows8Go(a[3:], lda, kc, want)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("rows, kc=%d: packed[%d] = %g, want %g", kc, i, got[i], want[i])
			}
		}
		at := randFloats(rng, (kc+1)*lda)
		if packTrans8Vector(at[2:], lda, kc, got) {
			for p := range kc {
				for i := range 8 {
					if g, w := got[p*8+i], at[2+p*lda+i]; g != w {
						t.Fatalf("transposed, kc=%d: packed[%d] = %g, want %g", kc, p*8+i, g, w)
					}
				}
			}
		}
	}
}
