//go:build !noasm

#include "textflag.h"

// func adamAVX(k *Adam, w, grad, m, v *float32, n int)
//
// The same operations in the same order as Adam.updateGo, eight lanes
// at a time, each rounded on its own (no FMA), so the results are equal.
TEXT ·adamAVX(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), AX
	MOVQ w+8(FP), DI
	MOVQ grad+16(FP), SI
	MOVQ m+24(FP), R8
	MOVQ v+32(FP), R9
	MOVQ n+40(FP), CX
	VBROADCASTSS 0(AX), Y8   // b1
	VBROADCASTSS 4(AX), Y9   // c1
	VBROADCASTSS 8(AX), Y10  // b2
	VBROADCASTSS 12(AX), Y11 // c2
	VBROADCASTSS 16(AX), Y12 // stepSize
	VBROADCASTSS 20(AX), Y13 // invBC2
	VBROADCASTSS 24(AX), Y14 // eps
	VBROADCASTSS 28(AX), Y15 // l2
	VBROADCASTSS 32(AX), Y7  // shrink
	XORQ BX, BX

loop:
	CMPQ BX, CX
	JGE  done
	VMOVUPS (DI)(BX*4), Y0    // w
	VMOVUPS (SI)(BX*4), Y1    // g
	VMULPS  Y15, Y0, Y2       // l2·w
	VADDPS  Y2, Y1, Y1        // gj = g + l2·w
	VMULPS  (R8)(BX*4), Y8, Y2 // b1·m
	VMULPS  Y9, Y1, Y3        // c1·gj
	VADDPS  Y3, Y2, Y2        // mj
	VMOVUPS Y2, (R8)(BX*4)
	VMULPS  (R9)(BX*4), Y10, Y3 // b2·v
	VMULPS  Y11, Y1, Y4       // c2·gj
	VMULPS  Y1, Y4, Y4        // c2·gj·gj
	VADDPS  Y4, Y3, Y3        // vj
	VMOVUPS Y3, (R9)(BX*4)
	VSQRTPS Y3, Y3
	VMULPS  Y13, Y3, Y3
	VADDPS  Y14, Y3, Y3       // denom = √vj·invBC2 + eps
	VDIVPS  Y3, Y2, Y2        // mj/denom
	VMULPS  Y12, Y2, Y2       // stepSize·mj/denom
	VMULPS  Y7, Y0, Y0        // w·shrink
	VSUBPS  Y2, Y0, Y0
	VMOVUPS Y0, (DI)(BX*4)
	ADDQ    $8, BX
	JMP     loop

done:
	VZEROUPPER
	RET
