//go:build !amd64

package kernels

// availableKernels lists the micro-kernels this CPU can run: only the
// portable one off amd64.
func availableKernels() []*gemmKernel { return []*gemmKernel{kernelGo} }
