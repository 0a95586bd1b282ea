/* Exception entry stubs for 64-bit guest kernels; include from a .S file.
 * Every stub leaves the same frame: the error code (0 where the CPU
 * pushes none, and for vectors 32 and up), then the vector. */
#ifndef GUESTS_LIB_EXC_STUBS_H
#define GUESTS_LIB_EXC_STUBS_H

#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
		      (v) == 21 || (v) == 29 || (v) == 30)

/* vec_<v>: push the error-code slot and v, then jump to target. */
.macro VECTOR_STUB v, target
vec_\v:
	.if \v >= 32 || HAS_ERROR(\v) == 0
	push $0
	.endif
	push $\v
	jmp \target
.endm

/* The 32 exception stubs, and exception_stubs[32], their addresses. */
.macro EXCEPTION_STUBS target
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	VECTOR_STUB \v, \target
	.endr
	.pushsection .rodata
	.balign 8
	.globl exception_stubs
exception_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad vec_\v
	.endr
	.popsection
.endm

#endif
