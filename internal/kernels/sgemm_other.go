//go:build !amd64 || noasm

package kernels

// availableKernels lists the micro-kernels this CPU can run: only the
// portable one without the amd64 assembly.
func availableKernels() []*gemmKernel { return []*gemmKernel{kernelGo} }

func packRows8Vector(a []float32, lda, kc int, pan []float32) int { return 0 }

func packTrans8Vector(a []float32, lda, kc int, pan []float32) bool { return false }
