//go:build !noasm

#include "textflag.h"

// func packImplicitAVX512(k int, src *float32, base, plane, kk, t0 int, offs *int32, masks *uint32, dst *float32)
//
// Row p of the panel is the 32 floats at src[base + offs[t]:], masked by
// masks[t] (low 16 bits for the first vector, high 16 for the second),
// where t runs from t0 through kk-1, then wraps to 0 with base moving on by
// plane.
TEXT ·packImplicitAVX512(SB), NOSPLIT, $0-72
	MOVQ  k+0(FP), CX
	MOVQ  src+8(FP), SI
	MOVQ  base+16(FP), AX
	LEAQ  (SI)(AX*4), SI
	MOVQ  plane+24(FP), R8
	SHLQ  $2, R8
	MOVQ  kk+32(FP), R9
	MOVQ  t0+40(FP), BX
	MOVQ  offs+48(FP), R10
	MOVQ  masks+56(FP), R11
	MOVQ  dst+64(FP), DI
	TESTQ CX, CX
	JZ    done

loop:
	MOVLQSX (R10)(BX*4), AX
	MOVL    (R11)(BX*4), DX
	CMPL    DX, $-1
	JEQ     whole
	KMOVW   DX, K1
	SHRL    $16, DX
	KMOVW   DX, K2
	VMOVUPS.Z (SI)(AX*4), K1, Z0
	VMOVUPS.Z 64(SI)(AX*4), K2, Z1
	JMP     store

whole:
	// A row inside the image: plain loads.
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS 64(SI)(AX*4), Z1

store:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    $128, DI
	INCQ    BX
	CMPQ    BX, R9
	JNE     next
	XORQ    BX, BX
	ADDQ    R8, SI

next:
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
