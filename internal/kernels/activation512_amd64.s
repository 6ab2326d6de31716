//go:build !noasm

#include "textflag.h"

// AVX-512 twins of expAVX2, siluAVX2 and geluAVX2 (activation_amd64.s):
// the same operations in the same order on 16 values at a time, so the
// results are the same bits. The constants of the exponential live in
// Z16-Z30 for the whole loop; the others are broadcast from ·vc. Bitwise
// ops use the integer forms (VPANDD, VPORD), the AVX-512F ones, and the
// sign blends of VBLENDVPS become VPTESTMD against the sign bit and
// VBLENDMPS.

#define VC_EXPLO ·vc+0(SB)
#define VC_EXPHI ·vc+32(SB)
#define VC_LOG2E ·vc+64(SB)
#define VC_LN2HI ·vc+96(SB)
#define VC_LN2LO ·vc+128(SB)
#define VC_P7 ·vc+160(SB)
#define VC_P6 ·vc+192(SB)
#define VC_P5 ·vc+224(SB)
#define VC_P4 ·vc+256(SB)
#define VC_P3 ·vc+288(SB)
#define VC_P2 ·vc+320(SB)
#define VC_ONE ·vc+352(SB)
#define VC_BIAS ·vc+384(SB)
#define VC_ABS ·vc+416(SB)
#define VC_SIGN ·vc+448(SB)
#define VC_GK ·vc+896(SB)
#define VC_CLAMP ·vc+928(SB)
#define VC_MHALF ·vc+960(SB)
#define VC_INVS2PI ·vc+992(SB)
#define VC_G9 ·vc+1024(SB)
#define VC_G8 ·vc+1056(SB)
#define VC_G7 ·vc+1088(SB)
#define VC_G6 ·vc+1120(SB)
#define VC_G5 ·vc+1152(SB)
#define VC_G4 ·vc+1184(SB)
#define VC_G3 ·vc+1216(SB)
#define VC_G2 ·vc+1248(SB)
#define VC_G1 ·vc+1280(SB)
#define VC_G0 ·vc+1312(SB)

#define CONSTS512 \
	VBROADCASTSS VC_EXPLO, Z16; \
	VBROADCASTSS VC_EXPHI, Z17; \
	VBROADCASTSS VC_LOG2E, Z18; \
	VBROADCASTSS VC_LN2HI, Z19; \
	VBROADCASTSS VC_LN2LO, Z20; \
	VBROADCASTSS VC_P7, Z21; \
	VBROADCASTSS VC_P6, Z22; \
	VBROADCASTSS VC_P5, Z23; \
	VBROADCASTSS VC_P4, Z24; \
	VBROADCASTSS VC_P3, Z25; \
	VBROADCASTSS VC_P2, Z26; \
	VBROADCASTSS VC_ONE, Z27; \
	VBROADCASTSS VC_BIAS, Z28; \
	VBROADCASTSS VC_SIGN, Z29; \
	VBROADCASTSS VC_ABS, Z30

// EXP512(X, T1, T2, T3): X = e^X as EXP; clobbers T1-T3.
#define EXP512(X, T1, T2, T3) \
	VMAXPS       X, Z16, X; \
	VMINPS       X, Z17, X; \
	VMULPS       Z18, X, T1; \
	VRNDSCALEPS  $0, T1, T1; \
	VMOVAPS      X, T2; \
	VFNMADD231PS Z19, T1, T2; \
	VFNMADD231PS Z20, T1, T2; \
	VMOVAPS      Z21, T3; \
	VFMADD213PS  Z22, T2, T3; \
	VFMADD213PS  Z23, T2, T3; \
	VFMADD213PS  Z24, T2, T3; \
	VFMADD213PS  Z25, T2, T3; \
	VFMADD213PS  Z26, T2, T3; \
	VMULPS       T2, T2, X; \
	VFMADD213PS  T2, X, T3; \
	VADDPS       Z27, T3, T3; \
	VCVTPS2DQ    T1, T1; \
	VPSRAD       $1, T1, T2; \
	VPSUBD       T2, T1, T1; \
	VPADDD       Z28, T2, T2; \
	VPSLLD       $23, T2, T2; \
	VPADDD       Z28, T1, T1; \
	VPSLLD       $23, T1, T1; \
	VMULPS       T2, T3, X; \
	VMULPS       T1, X, X

// SIGPARTS512(V, E, R, T1, T2, T3): E = e^-|V|, R = 1/(1+E).
#define SIGPARTS512(V, E, R, T1, T2, T3) \
	VPORD   Z29, V, E; \
	EXP512(E, T1, T2, T3); \
	VADDPS  Z27, E, R; \
	VDIVPS  R, Z27, R

#define LOOP512 \
	MOVQ dst+0(FP), DI; \
	MOVQ grad+8(FP), DX; \
	MOVQ src+16(FP), SI; \
	MOVQ n+24(FP), CX; \
	XORQ BX, BX; \
	CONSTS512; \
loop: \
	CMPQ    BX, CX; \
	JGE     done; \
	VMOVUPS (SI)(BX*4), Z0

#define NEXT512 \
next: \
	ADDQ $16, BX; \
	JMP  loop; \
done: \
	VZEROUPPER; \
	RET

#define GRADSTORE512(Z) \
	VMULPS  (DX)(BX*4), Z, Z; \
	VMOVUPS Z, (DI)(BX*4)

// func expAVX512(dst, grad, src *float32, n int)
TEXT ·expAVX512(SB), NOSPLIT, $0-32
	LOOP512
	EXP512(Z0, Z1, Z2, Z3)
	VMOVUPS Z0, (DI)(BX*4)
	NEXT512

// func siluAVX512(dst, grad, src *float32, n int)
TEXT ·siluAVX512(SB), NOSPLIT, $0-32
	LOOP512
	SIGPARTS512(Z0, Z1, Z2, Z3, Z4, Z5)
	VMULPS    Z2, Z1, Z3       // e·r
	VPTESTMD  Z29, Z0, K1      // x's sign
	VBLENDMPS Z3, Z2, K1, Z4   // s
	TESTQ     DX, DX
	JNZ       grad
	VMULPS    Z4, Z0, Z5
	VMOVUPS   Z5, (DI)(BX*4)
	JMP       next

grad:
	VMULPS Z2, Z3, Z3          // e·r·r = s(1-s)
	VMULPS Z3, Z0, Z3
	VADDPS Z3, Z4, Z3
	GRADSTORE512(Z3)
	NEXT512

// func geluAVX512(dst, grad, src *float32, n int)
TEXT ·geluAVX512(SB), NOSPLIT, $0-32
	LOOP512
	VPANDD            Z30, Z0, Z1
	VBROADCASTSS      VC_CLAMP, Z2
	VMINPS            Z1, Z2, Z1 // a = min(|x|, 20)
	VMULPS            Z1, Z1, Z2 // a² rounded
	VMOVAPS           Z2, Z3
	VFMSUB231PS       Z1, Z1, Z3 // lo = a·a - a² exactly
	VMULPS.BCST       VC_MHALF, Z2, Z4
	EXP512(Z4, Z5, Z6, Z7)       // e^(-a²/2) from the rounded a²
	VMULPS            Z26, Z3, Z3
	VFNMADD231PS      Z3, Z4, Z4 // e·(1 - lo/2)
	VMOVAPS           Z27, Z5
	VFMADD231PS.BCST  VC_GK, Z1, Z5
	VDIVPS            Z5, Z27, Z5 // t = 1/(1 + 0.3a)
	VBROADCASTSS      VC_G9, Z6
	VFMADD213PS.BCST  VC_G8, Z5, Z6
	VFMADD213PS.BCST  VC_G7, Z5, Z6
	VFMADD213PS.BCST  VC_G6, Z5, Z6
	VFMADD213PS.BCST  VC_G5, Z5, Z6
	VFMADD213PS.BCST  VC_G4, Z5, Z6
	VFMADD213PS.BCST  VC_G3, Z5, Z6
	VFMADD213PS.BCST  VC_G2, Z5, Z6
	VFMADD213PS.BCST  VC_G1, Z5, Z6
	VFMADD213PS.BCST  VC_G0, Z5, Z6
	VMULPS            Z4, Z5, Z5
	VMULPS            Z6, Z5, Z5 // q = t·e·G(t)
	VSUBPS            Z5, Z27, Z6
	VPTESTMD          Z29, Z0, K1
	VBLENDMPS         Z5, Z6, K1, Z6 // Φ(x) = q for x < 0, 1 - q otherwise
	TESTQ             DX, DX
	JNZ               grad
	VMULPS            Z6, Z0, Z7
	VMOVUPS           Z7, (DI)(BX*4)
	JMP               next

grad:
	VMULPS.BCST VC_INVS2PI, Z4, Z4
	VFMADD213PS Z6, Z0, Z4       // Φ + x·φ(x)
	GRADSTORE512(Z4)
	NEXT512
