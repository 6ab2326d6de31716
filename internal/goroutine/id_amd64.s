//go:build !noasm

#include "textflag.h"

// func id() uintptr
//
// The runtime keeps the current goroutine's g pointer in thread-local
// storage; the assembler turns (TLS) into the platform's access to it.
TEXT ·id(SB), NOSPLIT, $0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET
