//go:build !noasm

#include "textflag.h"

// func maskScaleAVX512(dst, src *float32, bits *uint16, n int, scale float32)
// Each 16 values take a 16-bit mask: m = scale where set, 0 elsewhere,
// then dst = src·m, the product the Go loop takes.
TEXT ·maskScaleAVX512(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         bits+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS scale+32(FP), Z1
	VPXORD       Z0, Z0, Z0
	SHRQ         $4, CX
	JZ           done

loop:
	KMOVW     (DX), K1
	VBLENDMPS Z1, Z0, K1, Z2
	VMULPS    (SI), Z2, Z2
	VMOVUPS   Z2, (DI)
	ADDQ      $2, DX
	ADDQ      $64, SI
	ADDQ      $64, DI
	DECQ      CX
	JNZ       loop

done:
	VZEROUPPER
	RET
