//go:build !noasm

package kernels

// hasAVX, hasAVX2FMA and hasAVX512 say which vector kernels this CPU can
// run. They are the only CPU feature check of the engine: every kernel
// with an assembly twin consults them, and a build with the noasm tag
// (or for another architecture) leaves them out, so only the portable
// twins run.
var hasAVX, hasAVX2FMA, hasAVX512 = cpuFeatures()

// cpuid executes the CPUID instruction for the given leaf and subleaf.
func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)

// xgetbv reads XCR0, which says which register states the OS saves on a
// context switch; a CPU feature is only usable if the OS preserves its
// registers.
func xgetbv() (eax uint32)

// cpuFeatures reports whether AVX, AVX2 with FMA, and AVX-512F can be
// used. It checks both the CPU's CPUID bits and the OS-enabled state in
// XCR0, because a hypervisor or kernel may hide the wide registers even on
// capable parts.
func cpuFeatures() (avx, avx2fma, avx512 bool) {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 1 {
		return false, false, false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const (
		fmaBit     = 1 << 12
		osxsaveBit = 1 << 27
		avxBit     = 1 << 28
	)
	if ecx1&osxsaveBit == 0 || ecx1&avxBit == 0 {
		return false, false, false
	}
	xcr0 := xgetbv()
	const (
		ymmState = 0x6  // SSE and AVX upper halves
		zmmState = 0xe0 // opmask, ZMM0-15 upper halves, ZMM16-31
	)
	if xcr0&ymmState != ymmState {
		return false, false, false
	}
	if maxLeaf < 7 {
		return true, false, false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	const (
		avx2Bit    = 1 << 5
		avx512fBit = 1 << 16
	)
	avx2fma = ebx7&avx2Bit != 0 && ecx1&fmaBit != 0
	avx512 = avx2fma && ebx7&avx512fBit != 0 && xcr0&zmmState == zmmState
	return true, avx2fma, avx512
}
