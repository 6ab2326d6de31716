//go:build !amd64 || noasm

package kernels

// availableKernels lists the micro-kernels this CPU can run: only the
// portable one without the amd64 assembly.
func availableKernels() []*gemmKernel { return []*gemmKernel{kernelGo} }
