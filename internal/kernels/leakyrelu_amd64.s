//go:build !noasm

#include "textflag.h"

// func leakyReLUAVX512(dst, src *float32, n int, slope float32)
// dst[i] = src[i] <= 0 ? src[i]*slope : src[i]; n is a multiple of 16.
TEXT ·leakyReLUAVX512(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS slope+24(FP), Z1
	VXORPS       Z0, Z0, Z0
	SHRQ         $4, CX
	JZ           fwddone

fwdloop:
	VMOVUPS (SI), Z2
	VCMPPS  $2, Z0, Z2, K1  // K1 = src <= 0 (LE_OS: false for NaN)
	VMULPS  Z1, Z2, K1, Z2  // multiply by the slope where K1
	VMOVUPS Z2, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     fwdloop

fwddone:
	VZEROUPPER
	RET

// func leakyReLUGradAVX512(dst, grad, x *float32, n int, slope float32)
// dst[i] = x[i] <= 0 ? g[i]*slope : g[i]; n is a multiple of 16.
TEXT ·leakyReLUGradAVX512(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         grad+8(FP), DX
	MOVQ         x+16(FP), SI
	MOVQ         n+24(FP), CX
	VBROADCASTSS slope+32(FP), Z1
	VXORPS       Z0, Z0, Z0
	SHRQ         $4, CX
	JZ           graddone

gradloop:
	VMOVUPS (SI), Z2
	VMOVUPS (DX), Z3
	VCMPPS  $2, Z0, Z2, K1
	VMULPS  Z1, Z3, K1, Z3
	VMOVUPS Z3, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	DECQ    CX
	JNZ     gradloop

graddone:
	VZEROUPPER
	RET
