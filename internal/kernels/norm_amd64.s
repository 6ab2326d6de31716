//go:build !noasm

#include "textflag.h"

// HSUMPD(zr, yr, xr): the sum of zr's eight doubles into xr's low lane
// (yr and xr name zr's lower halves); clobbers Y1.
#define HSUMPD(zr, yr, xr) \
	VEXTRACTF64X4 $1, zr, Y1; \
	VADDPD        Y1, yr, yr; \
	VEXTRACTF128  $1, yr, X1; \
	VADDPD        X1, xr, xr; \
	VPERMILPD     $1, xr, X1; \
	VADDSD        X1, xr, xr

// HSUMPS(zr, yr, xr): the sum of zr's sixteen floats into xr's low lane;
// clobbers Y1.
#define HSUMPS(zr, yr, xr) \
	VEXTRACTF64X4 $1, zr, Y1; \
	VADDPS        Y1, yr, yr; \
	VEXTRACTF128  $1, yr, X1; \
	VADDPS        X1, xr, xr; \
	VMOVHLPS      xr, xr, X1; \
	VADDPS        X1, xr, xr; \
	VMOVSHDUP     xr, X1; \
	VADDSS        X1, xr, xr

// func sumSquaresAVX512(v *float32, n int) (s, q float64)
// n is a multiple of 16; each 16 floats widen to two vectors of doubles.
TEXT ·sumSquaresAVX512(SB), NOSPLIT, $0-32
	MOVQ   v+0(FP), SI
	MOVQ   n+8(FP), CX
	SHRQ   $4, CX
	VXORPD Z2, Z2, Z2 // Σv
	VXORPD Z3, Z3, Z3
	VXORPD Z4, Z4, Z4 // Σv²
	VXORPD Z5, Z5, Z5

ssloop:
	VCVTPS2PD   (SI), Z6
	VCVTPS2PD   32(SI), Z7
	VADDPD      Z6, Z2, Z2
	VADDPD      Z7, Z3, Z3
	VFMADD231PD Z6, Z6, Z4
	VFMADD231PD Z7, Z7, Z5
	ADDQ        $64, SI
	DECQ        CX
	JNZ         ssloop

	VADDPD Z3, Z2, Z2
	VADDPD Z5, Z4, Z4
	HSUMPD(Z2, Y2, X2)
	HSUMPD(Z4, Y4, X4)
	VMOVSD X2, s+16(FP)
	VMOVSD X4, q+24(FP)
	VZEROUPPER
	RET

// func centeredDotAVX512(x, grad *float32, n int, m, r float32) (gx, sg float32)
// gx = Σ g·(x − m)·r, sg = Σ g over n (a multiple of 16) values.
TEXT ·centeredDotAVX512(SB), NOSPLIT, $0-40
	MOVQ         x+0(FP), SI
	MOVQ         grad+8(FP), DX
	MOVQ         n+16(FP), CX
	SHRQ         $4, CX
	VBROADCASTSS m+24(FP), Z8
	VBROADCASTSS r+28(FP), Z9
	VXORPS       Z2, Z2, Z2 // Σ g·x̂
	VXORPS       Z3, Z3, Z3 // Σ g

cdloop:
	VMOVUPS     (SI), Z6
	VMOVUPS     (DX), Z7
	VSUBPS      Z8, Z6, Z6
	VMULPS      Z9, Z6, Z6
	VFMADD231PS Z7, Z6, Z2
	VADDPS      Z7, Z3, Z3
	ADDQ        $64, SI
	ADDQ        $64, DX
	DECQ        CX
	JNZ         cdloop

	HSUMPS(Z2, Y2, X2)
	HSUMPS(Z3, Y3, X3)
	VMOVSS X2, gx+32(FP)
	VMOVSS X3, sg+36(FP)
	VZEROUPPER
	RET

// func affineCombineAVX512(d, x *float32, n int, a, b, c float32)
// d = a·d + b·x + c over n (a multiple of 16) values.
TEXT ·affineCombineAVX512(SB), NOSPLIT, $0-36
	MOVQ         d+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	SHRQ         $4, CX
	VBROADCASTSS a+24(FP), Z8
	VBROADCASTSS b+28(FP), Z9
	VBROADCASTSS c+32(FP), Z10

acloop:
	VMOVUPS     (DI), Z6
	VMOVUPS     (SI), Z7
	VMULPS      Z8, Z6, Z6
	VFMADD231PS Z9, Z7, Z6
	VADDPS      Z10, Z6, Z6
	VMOVUPS     Z6, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        CX
	JNZ         acloop

	VZEROUPPER
	RET

// func maxAVX512(v *float32, n int) float32
// The maximum of n (a multiple of 16) values: two running vector maxima,
// then the lanes.
TEXT ·maxAVX512(SB), NOSPLIT, $0-20
	MOVQ    v+0(FP), SI
	MOVQ    n+8(FP), CX
	VMOVUPS (SI), Z2
	VMOVAPS Z2, Z3
	ADDQ    $64, SI
	SHRQ    $4, CX
	DECQ    CX
	JZ      mxfold
	TESTQ   $1, CX
	JZ      mxpairs
	VMAXPS  (SI), Z3, Z3
	ADDQ    $64, SI
	DECQ    CX
	JZ      mxfold

mxpairs:
	VMAXPS (SI), Z2, Z2
	VMAXPS 64(SI), Z3, Z3
	ADDQ   $128, SI
	SUBQ   $2, CX
	JNZ    mxpairs

mxfold:
	VMAXPS        Z3, Z2, Z2
	VEXTRACTF64X4 $1, Z2, Y1
	VMAXPS        Y1, Y2, Y2
	VEXTRACTF128  $1, Y2, X1
	VMAXPS        X1, X2, X2
	VMOVHLPS      X2, X2, X1
	VMAXPS        X1, X2, X2
	VMOVSHDUP     X2, X1
	VMAXSS        X1, X2, X2
	VMOVSS        X2, ret+16(FP)
	VZEROUPPER
	RET
