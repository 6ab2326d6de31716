// Package kernels holds the hot loops of the engine, apart from the API
// that calls them, as gonum keeps BLAS apart from mat: matrix
// multiplication (Sgemm), convolution (Conv: an implicit GEMM that packs
// its operand straight from the image for stride-1 convolutions whose
// output rows are as wide as their input's, im2col and GEMM otherwise),
// scalar float32 math (Exp, Log, Tanh, ...), slice kernels for the
// transcendental activations (ExpSlice, SigmoidSlice, TanhSlice,
// SoftplusSlice, SiLUSlice, GELUSlice, GELUTanhSlice, and the fused
// gradients SoftplusGrad, SiLUGrad, GELUGrad, GELUTanhGrad), slice kernels
// for arithmetic (Add, Sub, Mul, AddScalar, MulScalar, RSubScalar, Sum),
// fused activations (LeakyReLU), the normalisation layers' per-group sums
// (SumSquares, CenteredDot, AffineCombine), the optimizer update (Adam),
// and the helpers that split work across cores (Parallel, whose chunks run
// on long-lived workers that spin for a millisecond before they sleep, as
// OpenMP's threads do, instead of a goroutine per chunk that waited for the
// runtime to wake a thread). The tensor and optim
// packages own all memory: every kernel writes into destination slices its
// caller passes, in row-major order with explicit sizes and strides, and
// allocates nothing but pooled scratch space.
//
// # Twins
//
// A kernel with an assembly version keeps both in this folder, under one
// name: leakyrelu.go holds the exported entry point and the portable Go
// loop, leakyrelu_amd64.s and leakyrelu_amd64.go the AVX-512 version, and
// leakyrelu_other.go the stub that leaves all work to the Go loop on other
// architectures; likewise binary* (the arithmetic, Sum and fill), adam*,
// sgemm* (sgemm_kernel_go.go is the portable micro-kernel,
// gemm_generic.go the plain triple loop every micro-kernel is tested
// against) and cpu_amd64.*. Each pair has a test that runs both on the
// same data (TestLeakyReLUMatchesPortable, TestBinaryKernelsMatchPortable,
// TestSumMatchesPortableAndFloat64,
// TestAdamVectorMatchesPortableBitForBit, TestSgemmKernelsMatchReferenceOnOddSizes):
// elementwise twins must agree bit for bit, and GEMM within the rounding
// error that a different summation order explains. The activation slice
// kernels (activation*) are the exception among elementwise twins: their
// AVX2 versions use FMA where the Go loops round each product, so
// TestActivationTwinsAgree bounds the distance (1 to 7 ulps) and
// TestActivationKernelsMatchFloat64 bounds each twin's error against
// float64. The AVX-512 versions of the exponential, SiLU and GELU
// (activation512_amd64.s) repeat the AVX2 operations on 16 values, and
// TestActivationAVX512MatchesAVX2 holds them to the same bits; the
// normalisation sums (norm*) sum in another order than their Go loops and
// are held to float64 instead (TestNormKernelsMatchFloat64). The implicit
// convolution's packer (conv_implicit*) has a Go twin that the tests run
// with every micro-kernel against the convolution's definition
// (TestConvImplicitMatchesDefinition, TestConvPathsMatchDefinitionsAndOverwrite).
//
// # Which path runs
//
// The one CPU feature check is cpu_amd64.go: it reads CPUID and XCR0 once
// at start-up, and every assembly kernel consults its result, so a plain
// go build on a CPU with AVX-512 or AVX2 uses them, and an older CPU (or
// one whose OS does not save the wide registers) runs the Go twins. On
// other architectures, and with the noasm build tag (go test -tags noasm
// ./...), only the portable twins are compiled, which is how the fallback
// is tested end to end on amd64. No kernel needs cgo.
package kernels
