//go:build !noasm

package kernels

// packImplicitAVX512 is implicitPack for 32-wide panels: each row is two
// masked 16-float loads, which neither read nor fault on masked values.
//
//go:noescape
func packImplicitAVX512(k int, src *float32, base, plane, kk, t0 int, offs *int32, masks *uint32, dst *float32)

func fastImplicitPack() (implicitPack, *gemmKernel) {
	if !hasAVX512 {
		return nil, nil
	}
	return packImplicit32, kernelAVX512
}

// packImplicit32 calls the assembly packer on the panel at src[base:].
// base plus a tap's offset may lie before src's first element (the tap
// reaches back into the padding), so the assembly gets src itself, a valid
// pointer for the collector, and adds the offsets; its loads stay within
// src wherever their mask bit is set.
func packImplicit32(k int, src []float32, base, plane, kk, t0 int, offs []int32, masks []uint32, nr int, dst []float32) {
	if nr != 32 || k == 0 {
		packImplicitGo(k, src, base, plane, kk, t0, offs, masks, nr, dst)
		return
	}
	_ = dst[k*32-1]
	_ = offs[kk-1]
	_ = masks[kk-1]
	packImplicitAVX512(k, &src[0], base, plane, kk, t0, &offs[0], &masks[0], &dst[0])
}
