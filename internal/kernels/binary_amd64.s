//go:build !noasm

#include "textflag.h"

// VV(OP) frames dst[i] = a[i] OP b[i] over n elements, n a multiple of 8:
// four registers per step while 32 are left, then one. In Go syntax
// OP s2, s1, d sets d = s1 OP s2, so a is the first operand of the
// subtraction.
#define VV(OP) \
	MOVQ dst+0(FP), DI; \
	MOVQ a+8(FP), SI; \
	MOVQ b+16(FP), DX; \
	MOVQ n+24(FP), CX; \
	XORQ BX, BX; \
	MOVQ CX, AX; \
	ANDQ $-32, AX; \
loop4: \
	CMPQ    BX, AX; \
	JGE     loop1; \
	VMOVUPS (SI)(BX*4), Y0; \
	VMOVUPS 32(SI)(BX*4), Y1; \
	VMOVUPS 64(SI)(BX*4), Y2; \
	VMOVUPS 96(SI)(BX*4), Y3; \
	OP      (DX)(BX*4), Y0, Y0; \
	OP      32(DX)(BX*4), Y1, Y1; \
	OP      64(DX)(BX*4), Y2, Y2; \
	OP      96(DX)(BX*4), Y3, Y3; \
	VMOVUPS Y0, (DI)(BX*4); \
	VMOVUPS Y1, 32(DI)(BX*4); \
	VMOVUPS Y2, 64(DI)(BX*4); \
	VMOVUPS Y3, 96(DI)(BX*4); \
	ADDQ    $32, BX; \
	JMP     loop4; \
loop1: \
	CMPQ    BX, CX; \
	JGE     done; \
	VMOVUPS (SI)(BX*4), Y0; \
	OP      (DX)(BX*4), Y0, Y0; \
	VMOVUPS Y0, (DI)(BX*4); \
	ADDQ    $8, BX; \
	JMP     loop1; \
done: \
	VZEROUPPER; \
	RET

// VS(OP) frames dst[i] = s OP x[i] over n elements, n a multiple of 8,
// with s broadcast in Y8 (the caller computes x - s as x + (-s)).
#define VSSTEP(OP, R, OFF) \
	VMOVUPS OFF(SI)(BX*4), R; \
	OP      R, Y8, R

#define VS(OP) \
	MOVQ         dst+0(FP), DI; \
	MOVQ         x+8(FP), SI; \
	MOVQ         n+16(FP), CX; \
	VBROADCASTSS s+24(FP), Y8; \
	XORQ         BX, BX; \
	MOVQ         CX, AX; \
	ANDQ         $-32, AX; \
loop4: \
	CMPQ    BX, AX; \
	JGE     loop1; \
	VSSTEP(OP, Y0, 0); \
	VSSTEP(OP, Y1, 32); \
	VSSTEP(OP, Y2, 64); \
	VSSTEP(OP, Y3, 96); \
	VMOVUPS Y0, (DI)(BX*4); \
	VMOVUPS Y1, 32(DI)(BX*4); \
	VMOVUPS Y2, 64(DI)(BX*4); \
	VMOVUPS Y3, 96(DI)(BX*4); \
	ADDQ    $32, BX; \
	JMP     loop4; \
loop1: \
	CMPQ    BX, CX; \
	JGE     done; \
	VSSTEP(OP, Y0, 0); \
	VMOVUPS Y0, (DI)(BX*4); \
	ADDQ    $8, BX; \
	JMP     loop1; \
done: \
	VZEROUPPER; \
	RET

// func addAVX(dst, a, b *float32, n int)
TEXT ·addAVX(SB), NOSPLIT, $0-32
	VV(VADDPS)

// func subAVX(dst, a, b *float32, n int)
TEXT ·subAVX(SB), NOSPLIT, $0-32
	VV(VSUBPS)

// func mulAVX(dst, a, b *float32, n int)
TEXT ·mulAVX(SB), NOSPLIT, $0-32
	VV(VMULPS)

// func addScalarAVX(dst, x *float32, n int, s float32): dst = s + x.
TEXT ·addScalarAVX(SB), NOSPLIT, $0-28
	VS(VADDPS)

// func mulScalarAVX(dst, x *float32, n int, s float32): dst = s·x.
TEXT ·mulScalarAVX(SB), NOSPLIT, $0-28
	VS(VMULPS)

// func rsubScalarAVX(dst, x *float32, n int, s float32): dst = s - x.
TEXT ·rsubScalarAVX(SB), NOSPLIT, $0-28
	VS(VSUBPS)

// func fillAVX(dst *float32, n int, v float32): dst[i] = v for n elements,
// n a multiple of 8.
TEXT ·fillAVX(SB), NOSPLIT, $0-20
	MOVQ         dst+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSS v+16(FP), Y0
	XORQ         BX, BX
	MOVQ         CX, AX
	ANDQ         $-32, AX

fill4:
	CMPQ    BX, AX
	JGE     fill1
	VMOVUPS Y0, (DI)(BX*4)
	VMOVUPS Y0, 32(DI)(BX*4)
	VMOVUPS Y0, 64(DI)(BX*4)
	VMOVUPS Y0, 96(DI)(BX*4)
	ADDQ    $32, BX
	JMP     fill4

fill1:
	CMPQ    BX, CX
	JGE     filldone
	VMOVUPS Y0, (DI)(BX*4)
	ADDQ    $8, BX
	JMP     fill1

filldone:
	VZEROUPPER
	RET

// func sumAVX(lanes *[8]float32, x *float32, n int): lanes[j] is the sum
// of x[i] over i ≡ j (mod 8), n a multiple of 8, accumulated in four
// registers (elements i mod 32 in [0, 8), [8, 16), ...) while 32 are left
// and the first register after, then combined as (Y0+Y1)+(Y2+Y3); sumGo
// follows the same order.
TEXT ·sumAVX(SB), NOSPLIT, $0-24
	MOVQ   lanes+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	XORQ   BX, BX
	MOVQ   CX, AX
	ANDQ   $-32, AX

sum4:
	CMPQ   BX, AX
	JGE    sum1
	VADDPS (SI)(BX*4), Y0, Y0
	VADDPS 32(SI)(BX*4), Y1, Y1
	VADDPS 64(SI)(BX*4), Y2, Y2
	VADDPS 96(SI)(BX*4), Y3, Y3
	ADDQ   $32, BX
	JMP    sum4

sum1:
	CMPQ   BX, CX
	JGE    sumdone
	VADDPS (SI)(BX*4), Y0, Y0
	ADDQ   $8, BX
	JMP    sum1

sumdone:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	VMOVUPS Y0, (DI)
	VZEROUPPER
	RET
