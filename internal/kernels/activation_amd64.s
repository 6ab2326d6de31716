//go:build !noasm

#include "textflag.h"

// Rows of ·vc (activation_amd64.go), 32 bytes each.
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
#define VC_TWO ·vc+480(SB)
#define VC_M18 ·vc+512(SB)
#define VC_MTWO ·vc+544(SB)
#define VC_S15 ·vc+576(SB)
#define VC_S13 ·vc+608(SB)
#define VC_S11 ·vc+640(SB)
#define VC_S9 ·vc+672(SB)
#define VC_S7 ·vc+704(SB)
#define VC_S5 ·vc+736(SB)
#define VC_S3 ·vc+768(SB)
#define VC_GA ·vc+800(SB)
#define VC_GB ·vc+832(SB)
#define VC_GB3 ·vc+864(SB)
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

// The FMA operand order in Go syntax: VFMADD213PS a, b, d sets d = b·d + a;
// VFMADD231PS a, b, d sets d = b·a + d; VFNMADD231PS a, b, d sets
// d = d - b·a. VMAXPS/VMINPS a, b, d return a when either input is NaN, so
// the value that must keep its NaN comes first. VBLENDVPS m, a, b, d sets
// d = a where m's sign bit is set and b elsewhere.

// REDUCE(X, K, R): K = round(X·log2e), R = X - K·ln2 (Cody-Waite), Q in
// R after POLY; X is kept.
#define REDUCE(X, K, R) \
	VMULPS       VC_LOG2E, X, K; \
	VROUNDPS     $0, K, K; \
	VMOVAPS      X, R; \
	VFNMADD231PS VC_LN2HI, K, R; \
	VFNMADD231PS VC_LN2LO, K, R

// EXPM1POLY(R, Q, T): Q = e^R - 1 by the Taylor series of expReduce;
// clobbers T.
#define EXPM1POLY(R, Q, T) \
	VMOVUPS     VC_P7, Q; \
	VFMADD213PS VC_P6, R, Q; \
	VFMADD213PS VC_P5, R, Q; \
	VFMADD213PS VC_P4, R, Q; \
	VFMADD213PS VC_P3, R, Q; \
	VFMADD213PS VC_P2, R, Q; \
	VMULPS      R, R, T; \
	VFMADD213PS R, T, Q

// EXP(X, T1, T2, T3): X = e^X with the steps of Exp: clamp to [-104, 89],
// reduce, and scale by 2^n as two factors so that denormal results are
// right; clobbers T1-T3.
#define EXP(X, T1, T2, T3) \
	VMOVUPS   VC_EXPLO, T1; \
	VMAXPS    X, T1, X; \
	VMOVUPS   VC_EXPHI, T1; \
	VMINPS    X, T1, X; \
	REDUCE(X, T1, T2); \
	EXPM1POLY(T2, T3, X); \
	VADDPS    VC_ONE, T3, T3; \
	VCVTPS2DQ T1, T1; \
	VPSRAD    $1, T1, T2; \
	VPSUBD    T2, T1, T1; \
	VPADDD    VC_BIAS, T2, T2; \
	VPSLLD    $23, T2, T2; \
	VPADDD    VC_BIAS, T1, T1; \
	VPSLLD    $23, T1, T1; \
	VMULPS    T2, T3, X; \
	VMULPS    T1, X, X

// SIGPARTS(V, E, R, T1, T2, T3): E = e^-|V|, R = 1/(1+E); clobbers T1-T3.
#define SIGPARTS(V, E, R, T1, T2, T3) \
	VORPS   VC_SIGN, V, E; \
	EXP(E, T1, T2, T3); \
	VADDPS  VC_ONE, E, R; \
	VMOVUPS VC_ONE, T1; \
	VDIVPS  R, T1, R

// LOOP and NEXT frame a kernel: SI walks src, DI dst, DX grad (nil for
// the activation itself), BX the index, CX the count. A kernel with a
// gradient form branches to grad, computes g·f'(x) there, and falls into
// NEXT; its value path jumps to next.
#define LOOP \
	MOVQ dst+0(FP), DI; \
	MOVQ grad+8(FP), DX; \
	MOVQ src+16(FP), SI; \
	MOVQ n+24(FP), CX; \
	XORQ BX, BX; \
loop: \
	CMPQ    BX, CX; \
	JGE     done; \
	VMOVUPS (SI)(BX*4), Y0

#define NEXT \
next: \
	ADDQ $8, BX; \
	JMP  loop; \
done: \
	VZEROUPPER; \
	RET

// GRADSTORE(Y) writes grad·Y to dst.
#define GRADSTORE(Y) \
	VMULPS  (DX)(BX*4), Y, Y; \
	VMOVUPS Y, (DI)(BX*4)

// func expAVX2(dst, grad, src *float32, n int)
TEXT ·expAVX2(SB), NOSPLIT, $0-32
	LOOP
	EXP(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)(BX*4)
	NEXT

// func sigmoidAVX2(dst, grad, src *float32, n int)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-32
	LOOP
	SIGPARTS(Y0, Y1, Y2, Y3, Y4, Y5)
	VMULPS    Y2, Y1, Y3
	VBLENDVPS Y0, Y3, Y2, Y3
	VMOVUPS   Y3, (DI)(BX*4)
	NEXT

// func tanhAVX2(dst, grad, src *float32, n int)
// tanh(x) = -m/(2+m) with m = e^(-2|x|) - 1 and the sign of x, as Tanh.
// Clamping -2|x| at -18 gives m = -1 exactly, as Expm1's early return.
TEXT ·tanhAVX2(SB), NOSPLIT, $0-32
	LOOP
	VANDPS      VC_ABS, Y0, Y1
	VMULPS      VC_MTWO, Y1, Y1
	VMOVUPS     VC_M18, Y2
	VMAXPS      Y1, Y2, Y1
	REDUCE(Y1, Y2, Y3)
	EXPM1POLY(Y3, Y4, Y5)
	VCVTPS2DQ   Y2, Y2
	VPADDD      VC_BIAS, Y2, Y2
	VPSLLD      $23, Y2, Y2
	VSUBPS      VC_ONE, Y2, Y5
	VFMADD231PS Y4, Y2, Y5
	VADDPS      VC_TWO, Y5, Y6
	VXORPS      VC_SIGN, Y5, Y5
	VDIVPS      Y6, Y5, Y5
	VANDPS      VC_ABS, Y5, Y5
	VANDPS      VC_SIGN, Y0, Y6
	VORPS       Y6, Y5, Y5
	VMOVUPS     Y5, (DI)(BX*4)
	NEXT

// func softplusAVX2(dst, grad, src *float32, n int)
TEXT ·softplusAVX2(SB), NOSPLIT, $0-32
	LOOP
	SIGPARTS(Y0, Y1, Y2, Y3, Y4, Y5)
	TESTQ       DX, DX
	JNZ         grad
	VADDPS      VC_TWO, Y1, Y3
	VMOVUPS     VC_TWO, Y4
	VDIVPS      Y3, Y4, Y3      // w = 2/(2+e)
	VMULPS      Y3, Y1, Y3      // 2s = e·w
	VMULPS      VC_P2, Y3, Y4   // s
	VMULPS      Y4, Y4, Y4      // z = s²
	VMOVUPS     VC_S15, Y5
	VFMADD213PS VC_S13, Y4, Y5
	VFMADD213PS VC_S11, Y4, Y5
	VFMADD213PS VC_S9, Y4, Y5
	VFMADD213PS VC_S7, Y4, Y5
	VFMADD213PS VC_S5, Y4, Y5
	VFMADD213PS VC_S3, Y4, Y5
	VMULPS      Y4, Y3, Y4      // 2s·z
	VFMADD213PS Y3, Y4, Y5      // log1p(e) = 2s·z·p + 2s
	VXORPS      Y7, Y7, Y7
	VMAXPS      Y7, Y0, Y7
	VADDPS      Y5, Y7, Y5
	VMOVUPS     Y5, (DI)(BX*4)
	JMP         next

grad:
	VMULPS    Y2, Y1, Y3
	VBLENDVPS Y0, Y3, Y2, Y3    // sigmoid(x)
	GRADSTORE(Y3)
	NEXT

// func siluAVX2(dst, grad, src *float32, n int)
// swishGo with v = x; only the exponential uses FMA.
TEXT ·siluAVX2(SB), NOSPLIT, $0-32
	LOOP
	SIGPARTS(Y0, Y1, Y2, Y3, Y4, Y5)
	VMULPS    Y2, Y1, Y3        // e·r
	VBLENDVPS Y0, Y3, Y2, Y4    // s
	TESTQ     DX, DX
	JNZ       grad
	VMULPS    Y4, Y0, Y5
	VMOVUPS   Y5, (DI)(BX*4)
	JMP       next

grad:
	VMULPS Y2, Y3, Y3           // e·r·r = s(1-s)
	VMULPS Y3, Y0, Y3
	VADDPS Y3, Y4, Y3
	GRADSTORE(Y3)
	NEXT

// func geluTanhAVX2(dst, grad, src *float32, n int)
TEXT ·geluTanhAVX2(SB), NOSPLIT, $0-32
	LOOP
	VMULPS      Y0, Y0, Y6      // x²
	VMOVUPS     VC_GB, Y7
	VFMADD213PS VC_GA, Y6, Y7
	VMULPS      Y7, Y0, Y7      // v = x(a + b·x²)
	SIGPARTS(Y7, Y1, Y2, Y3, Y4, Y5)
	VMULPS      Y2, Y1, Y3
	VBLENDVPS   Y7, Y3, Y2, Y4  // s = sigmoid(v)
	TESTQ       DX, DX
	JNZ         grad
	VMULPS      Y4, Y0, Y5
	VMOVUPS     Y5, (DI)(BX*4)
	JMP         next

grad:
	VMULPS      Y2, Y3, Y3
	VMULPS      Y3, Y0, Y3      // x·s(1-s)
	VMOVUPS     VC_GB3, Y5
	VFMADD213PS VC_GA, Y6, Y5   // v' = a + 3b·x²
	VFMADD213PS Y4, Y5, Y3      // s + x·s(1-s)·v'
	GRADSTORE(Y3)
	NEXT

// func geluAVX2(dst, grad, src *float32, n int)
TEXT ·geluAVX2(SB), NOSPLIT, $0-32
	LOOP
	VANDPS       VC_ABS, Y0, Y1
	VMOVUPS      VC_CLAMP, Y2
	VMINPS       Y1, Y2, Y1     // a = min(|x|, 20)
	VMULPS       Y1, Y1, Y2     // a² rounded
	VMOVAPS      Y2, Y3
	VFMSUB231PS  Y1, Y1, Y3     // lo = a·a - a² exactly
	VMULPS       VC_MHALF, Y2, Y4
	EXP(Y4, Y5, Y6, Y7)         // e^(-a²/2) from the rounded a²
	VMULPS       VC_P2, Y3, Y3
	VFNMADD231PS Y3, Y4, Y4     // e·(1 - lo/2)
	VMOVUPS      VC_ONE, Y5
	VFMADD231PS  VC_GK, Y1, Y5
	VMOVUPS      VC_ONE, Y6
	VDIVPS       Y5, Y6, Y5     // t = 1/(1 + 0.3a)
	VMOVUPS      VC_G9, Y6
	VFMADD213PS  VC_G8, Y5, Y6
	VFMADD213PS  VC_G7, Y5, Y6
	VFMADD213PS  VC_G6, Y5, Y6
	VFMADD213PS  VC_G5, Y5, Y6
	VFMADD213PS  VC_G4, Y5, Y6
	VFMADD213PS  VC_G3, Y5, Y6
	VFMADD213PS  VC_G2, Y5, Y6
	VFMADD213PS  VC_G1, Y5, Y6
	VFMADD213PS  VC_G0, Y5, Y6
	VMULPS       Y4, Y5, Y5
	VMULPS       Y6, Y5, Y5     // q = t·e·G(t)
	VMOVUPS      VC_ONE, Y6
	VSUBPS       Y5, Y6, Y6
	VBLENDVPS    Y0, Y5, Y6, Y6 // Φ(x) = q for x < 0, 1 - q otherwise
	TESTQ        DX, DX
	JNZ          grad
	VMULPS       Y6, Y0, Y7
	VMOVUPS      Y7, (DI)(BX*4)
	JMP          next

grad:
	VMULPS      VC_INVS2PI, Y4, Y4
	VFMADD213PS Y6, Y0, Y4      // Φ + x·φ(x)
	GRADSTORE(Y4)
	NEXT
