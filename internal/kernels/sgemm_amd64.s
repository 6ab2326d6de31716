//go:build !noasm

#include "textflag.h"

// Micro-kernels for Sgemm. Each computes one MR×NR tile of C:
//
//	C = beta*C + sum over p < k of a[p*sa : p*sa+MR] (outer) b[p*sb : p*sb+NR]
//
// Rows of C live in vector accumulators; each k step loads one row of B
// into vectors and broadcasts each element of the A column against it, so
// B is read as full vectors and A as scalars. Strides are in elements. With
// beta == 0, C is only written, never read, so stale NaNs in C vanish.
//
// Registers: CX k, SI a, DI b, DX c, R9 sa (bytes), R10 sb (bytes), R8 ldc (bytes).

#define LOADARGS \
	MOVQ k+0(FP), CX; \
	MOVQ a+8(FP), SI; \
	MOVQ sa+16(FP), R9; \
	SHLQ $2, R9; \
	MOVQ b+24(FP), DI; \
	MOVQ sb+32(FP), R10; \
	SHLQ $2, R10; \
	MOVQ c+40(FP), DX; \
	MOVQ ldc+48(FP), R8; \
	SHLQ $2, R8

// ---- AVX-512: 8 rows × 32 columns, accumulators Z0-Z15 ----

#define ROW512(off, r0, r1) \
	VBROADCASTSS off(SI), Z30; \
	VFMADD231PS Z28, Z30, r0; \
	VFMADD231PS Z29, Z30, r1

#define STEP512 \
	VMOVUPS (DI), Z28; \
	VMOVUPS 64(DI), Z29; \
	ROW512(0, Z0, Z1); \
	ROW512(4, Z2, Z3); \
	ROW512(8, Z4, Z5); \
	ROW512(12, Z6, Z7); \
	ROW512(16, Z8, Z9); \
	ROW512(20, Z10, Z11); \
	ROW512(24, Z12, Z13); \
	ROW512(28, Z14, Z15); \
	ADDQ R9, SI; \
	ADDQ R10, DI

#define STORE512(r0, r1) \
	VMOVUPS r0, (DX); \
	VMOVUPS r1, 64(DX); \
	ADDQ R8, DX

#define STOREBETA512(r0, r1) \
	VFMADD231PS (DX), Z31, r0; \
	VFMADD231PS 64(DX), Z31, r1; \
	STORE512(r0, r1)

// func sgemmKernelAVX512(k int, a *float32, sa int, b *float32, sb int, c *float32, ldc int, beta float32)
TEXT ·sgemmKernelAVX512(SB), NOSPLIT, $0-60
	LOADARGS
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15

	MOVQ CX, BX
	SHRQ $2, BX
	JZ   tail512

loop512:
	STEP512
	STEP512
	STEP512
	STEP512
	DECQ BX
	JNZ  loop512

tail512:
	ANDQ $3, CX
	JZ   store512

tailloop512:
	STEP512
	DECQ CX
	JNZ  tailloop512

store512:
	// beta is zero (either sign) iff its bits other than the sign are.
	MOVL         beta+56(FP), AX
	VBROADCASTSS beta+56(FP), Z31
	ANDL         $0x7fffffff, AX
	JNZ          beta512
	STORE512(Z0, Z1)
	STORE512(Z2, Z3)
	STORE512(Z4, Z5)
	STORE512(Z6, Z7)
	STORE512(Z8, Z9)
	STORE512(Z10, Z11)
	STORE512(Z12, Z13)
	STORE512(Z14, Z15)
	VZEROUPPER
	RET

beta512:
	STOREBETA512(Z0, Z1)
	STOREBETA512(Z2, Z3)
	STOREBETA512(Z4, Z5)
	STOREBETA512(Z6, Z7)
	STOREBETA512(Z8, Z9)
	STOREBETA512(Z10, Z11)
	STOREBETA512(Z12, Z13)
	STOREBETA512(Z14, Z15)
	VZEROUPPER
	RET

// ---- AVX2+FMA: 6 rows × 16 columns, accumulators Y0-Y11 ----

#define ROW256(off, r0, r1) \
	VBROADCASTSS off(SI), Y14; \
	VFMADD231PS Y12, Y14, r0; \
	VFMADD231PS Y13, Y14, r1

#define STEP256 \
	VMOVUPS (DI), Y12; \
	VMOVUPS 32(DI), Y13; \
	ROW256(0, Y0, Y1); \
	ROW256(4, Y2, Y3); \
	ROW256(8, Y4, Y5); \
	ROW256(12, Y6, Y7); \
	ROW256(16, Y8, Y9); \
	ROW256(20, Y10, Y11); \
	ADDQ R9, SI; \
	ADDQ R10, DI

#define STORE256(r0, r1) \
	VMOVUPS r0, (DX); \
	VMOVUPS r1, 32(DX); \
	ADDQ R8, DX

#define STOREBETA256(r0, r1) \
	VFMADD231PS (DX), Y15, r0; \
	VFMADD231PS 32(DX), Y15, r1; \
	STORE256(r0, r1)

// func sgemmKernelAVX2(k int, a *float32, sa int, b *float32, sb int, c *float32, ldc int, beta float32)
TEXT ·sgemmKernelAVX2(SB), NOSPLIT, $0-60
	LOADARGS
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	MOVQ CX, BX
	SHRQ $2, BX
	JZ   tail256

loop256:
	STEP256
	STEP256
	STEP256
	STEP256
	DECQ BX
	JNZ  loop256

tail256:
	ANDQ $3, CX
	JZ   store256

tailloop256:
	STEP256
	DECQ CX
	JNZ  tailloop256

store256:
	MOVL         beta+56(FP), AX
	VBROADCASTSS beta+56(FP), Y15
	ANDL         $0x7fffffff, AX
	JNZ          beta256
	STORE256(Y0, Y1)
	STORE256(Y2, Y3)
	STORE256(Y4, Y5)
	STORE256(Y6, Y7)
	STORE256(Y8, Y9)
	STORE256(Y10, Y11)
	VZEROUPPER
	RET

beta256:
	STOREBETA256(Y0, Y1)
	STOREBETA256(Y2, Y3)
	STOREBETA256(Y4, Y5)
	STOREBETA256(Y6, Y7)
	STOREBETA256(Y8, Y9)
	STOREBETA256(Y10, Y11)
	VZEROUPPER
	RET

// ---- Packing B for the AVX-512 kernel (32-column panels) ----

// func packBNoTransAVX512(k int, src *float32, ld int, dst *float32)
// copies k rows of 32 floats, ld elements apart, into dst back to back.
TEXT ·packBNoTransAVX512(SB), NOSPLIT, $0-32
	MOVQ  k+0(FP), CX
	MOVQ  src+8(FP), SI
	MOVQ  ld+16(FP), R8
	SHLQ  $2, R8
	MOVQ  dst+24(FP), DI
	TESTQ CX, CX
	JZ    donen

loopn:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    R8, SI
	ADDQ    $128, DI
	DECQ    CX
	JNZ     loopn

donen:
	VZEROUPPER
	RET

// Transposed packing loads 16 rows of B (16 consecutive k values each) and
// transposes the 16×16 block in registers in three shuffle stages: 32-bit
// interleave, 64-bit interleave, then two rounds of 128-bit lane shuffles.

#define LOAD16 \
	VMOVUPS (AX), Z0; ADDQ R8, AX; VMOVUPS (AX), Z1; ADDQ R8, AX; \
	VMOVUPS (AX), Z2; ADDQ R8, AX; VMOVUPS (AX), Z3; ADDQ R8, AX; \
	VMOVUPS (AX), Z4; ADDQ R8, AX; VMOVUPS (AX), Z5; ADDQ R8, AX; \
	VMOVUPS (AX), Z6; ADDQ R8, AX; VMOVUPS (AX), Z7; ADDQ R8, AX; \
	VMOVUPS (AX), Z8; ADDQ R8, AX; VMOVUPS (AX), Z9; ADDQ R8, AX; \
	VMOVUPS (AX), Z10; ADDQ R8, AX; VMOVUPS (AX), Z11; ADDQ R8, AX; \
	VMOVUPS (AX), Z12; ADDQ R8, AX; VMOVUPS (AX), Z13; ADDQ R8, AX; \
	VMOVUPS (AX), Z14; ADDQ R8, AX; VMOVUPS (AX), Z15; ADDQ R8, AX

#define T1(r0, r1, lo, hi) VUNPCKLPS r1, r0, lo; VUNPCKHPS r1, r0, hi

#define T2(ta, tb, tc, td, u0, u1, u2, u3) \
	VUNPCKLPD tc, ta, u0; VUNPCKHPD tc, ta, u1; \
	VUNPCKLPD td, tb, u2; VUNPCKHPD td, tb, u3

#define T3(u0, u4, u8, u12, o0, o4, o8, o12) \
	VSHUFF32X4 $0x88, u4, u0, Z16; \
	VSHUFF32X4 $0xDD, u4, u0, Z17; \
	VSHUFF32X4 $0x88, u12, u8, Z18; \
	VSHUFF32X4 $0xDD, u12, u8, Z19; \
	VSHUFF32X4 $0x88, Z18, Z16, Z20; \
	VSHUFF32X4 $0xDD, Z18, Z16, Z21; \
	VSHUFF32X4 $0x88, Z19, Z17, Z22; \
	VSHUFF32X4 $0xDD, Z19, Z17, Z23; \
	VMOVUPS Z20, o0(DI); \
	VMOVUPS Z21, o8(DI); \
	VMOVUPS Z22, o4(DI); \
	VMOVUPS Z23, o12(DI)

// TRANSPOSE16 transposes Z0-Z15 and stores output row p at p*128+h(DI),
// that is into row p of a 32-wide panel at column offset h/4.
#define TRANSPOSE16(h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12, h13, h14, h15) \
	T1(Z0, Z1, Z16, Z17); T1(Z2, Z3, Z18, Z19); \
	T1(Z4, Z5, Z20, Z21); T1(Z6, Z7, Z22, Z23); \
	T1(Z8, Z9, Z24, Z25); T1(Z10, Z11, Z26, Z27); \
	T1(Z12, Z13, Z28, Z29); T1(Z14, Z15, Z30, Z31); \
	T2(Z16, Z17, Z18, Z19, Z0, Z1, Z2, Z3); \
	T2(Z20, Z21, Z22, Z23, Z4, Z5, Z6, Z7); \
	T2(Z24, Z25, Z26, Z27, Z8, Z9, Z10, Z11); \
	T2(Z28, Z29, Z30, Z31, Z12, Z13, Z14, Z15); \
	T3(Z0, Z4, Z8, Z12, h0, h4, h8, h12); \
	T3(Z1, Z5, Z9, Z13, h1, h5, h9, h13); \
	T3(Z2, Z6, Z10, Z14, h2, h6, h10, h14); \
	T3(Z3, Z7, Z11, Z15, h3, h7, h11, h15)

// func packBTransAVX512(k int, src *float32, ld int, dst *float32)
// packs op(B) = Bᵀ for a 32-column panel: src holds 32 rows of B, ld
// elements apart, and k (a multiple of 16) consecutive values are taken
// from each; dst receives k rows of 32.
TEXT ·packBTransAVX512(SB), NOSPLIT, $0-32
	MOVQ k+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ dst+24(FP), DI
	SHRQ $4, CX
	JZ   donet

loopt:
	MOVQ SI, AX
	LOAD16
	TRANSPOSE16(0, 128, 256, 384, 512, 640, 768, 896, 1024, 1152, 1280, 1408, 1536, 1664, 1792, 1920)
	LOAD16
	TRANSPOSE16(64, 192, 320, 448, 576, 704, 832, 960, 1088, 1216, 1344, 1472, 1600, 1728, 1856, 1984)
	ADDQ $64, SI
	ADDQ $2048, DI
	DECQ CX
	JNZ  loopt

donet:
	VZEROUPPER
	RET

// ROWS8OUT stores columns m, 4+m, 8+m and 12+m (off = m*32 bytes) from
// lo = U_m (rows 0-3 in each lane) and hi = U_m+4 (rows 4-7).
#define ROWS8OUT(lo, hi, off) \
	VSHUFF32X4 $0x44, hi, lo, Z24; \
	VSHUFF32X4 $0xD8, Z24, Z24, Z24; \
	VSHUFF32X4 $0xEE, hi, lo, Z25; \
	VSHUFF32X4 $0xD8, Z25, Z25, Z25; \
	VEXTRACTF64X4 $0, Z24, off(DI); \
	VEXTRACTF64X4 $1, Z24, off+128(DI); \
	VEXTRACTF64X4 $0, Z25, off+256(DI); \
	VEXTRACTF64X4 $1, Z25, off+384(DI)

// func packRows8AVX512(k int, src *float32, lda int, dst *float32)
// packs k (a multiple of 16) columns of 8 rows of A, lda elements apart,
// column by column: dst[p*8+i] = row i's value p. Each 16 columns are an
// 8×16 block transposed in registers: 32-bit and 64-bit interleaves give,
// in each 128-bit lane L, column 4L+m of rows 0-3 (U_m) and of rows 4-7
// (U_m+4); lane shuffles pair them into the 8-value columns.
TEXT ·packRows8AVX512(SB), NOSPLIT, $0-32
	MOVQ  k+0(FP), CX
	MOVQ  src+8(FP), SI
	MOVQ  lda+16(FP), R8
	SHLQ  $2, R8
	MOVQ  dst+24(FP), DI
	LEAQ  (R8)(R8*2), R10     // 3 rows
	LEAQ  (SI)(R8*4), R11     // row 4
	SHRQ  $4, CX
	JZ    rows8done

rows8loop:
	VMOVUPS (SI), Z0
	VMOVUPS (SI)(R8*1), Z1
	VMOVUPS (SI)(R8*2), Z2
	VMOVUPS (SI)(R10*1), Z3
	VMOVUPS (R11), Z4
	VMOVUPS (R11)(R8*1), Z5
	VMOVUPS (R11)(R8*2), Z6
	VMOVUPS (R11)(R10*1), Z7
	VUNPCKLPS Z1, Z0, Z8
	VUNPCKHPS Z1, Z0, Z9
	VUNPCKLPS Z3, Z2, Z10
	VUNPCKHPS Z3, Z2, Z11
	VUNPCKLPS Z5, Z4, Z12
	VUNPCKHPS Z5, Z4, Z13
	VUNPCKLPS Z7, Z6, Z14
	VUNPCKHPS Z7, Z6, Z15
	VUNPCKLPD Z10, Z8, Z16 // U0: column 4L, rows 0-3
	VUNPCKHPD Z10, Z8, Z17 // U1: column 4L+1
	VUNPCKLPD Z11, Z9, Z18 // U2
	VUNPCKHPD Z11, Z9, Z19 // U3
	VUNPCKLPD Z14, Z12, Z20 // U4: column 4L, rows 4-7
	VUNPCKHPD Z14, Z12, Z21
	VUNPCKLPD Z15, Z13, Z22
	VUNPCKHPD Z15, Z13, Z23
	ROWS8OUT(Z16, Z20, 0)
	ROWS8OUT(Z17, Z21, 32)
	ROWS8OUT(Z18, Z22, 64)
	ROWS8OUT(Z19, Z23, 96)
	ADDQ $64, SI
	ADDQ $64, R11
	ADDQ $512, DI
	DECQ CX
	JNZ  rows8loop

rows8done:
	VZEROUPPER
	RET

// func packTrans8AVX(k int, src *float32, lda int, dst *float32)
// copies k runs of 8 floats, lda elements apart, to dst one after another:
// an 8-row panel of a transposed A.
TEXT ·packTrans8AVX(SB), NOSPLIT, $0-32
	MOVQ  k+0(FP), CX
	MOVQ  src+8(FP), SI
	MOVQ  lda+16(FP), R8
	SHLQ  $2, R8
	MOVQ  dst+24(FP), DI
	TESTQ CX, CX
	JZ    trans8done

trans8loop:
	VMOVUPS (SI), Y0
	VMOVUPS Y0, (DI)
	ADDQ    R8, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     trans8loop

trans8done:
	VZEROUPPER
	RET
