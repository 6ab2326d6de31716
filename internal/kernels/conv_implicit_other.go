//go:build !amd64 || noasm

package kernels

// Without the amd64 assembly, convolutions go through im2col; the
// portable packer is for the tests.
func fastImplicitPack() (implicitPack, *gemmKernel) { return nil, nil }
