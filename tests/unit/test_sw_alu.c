/* The interpreter's integer arithmetic and logic (ADD OR ADC SBB AND SUB
 * XOR CMP TEST INC DEC NEG NOT and the flag instructions) against the host
 * processor, over edge values in 8, 16, 32 and 64 bits, plus the flag
 * helpers of swvmm/flags.h checked directly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "swvmm/flags.h"
#include "tests/unit/sw_alu_diff.h"

static const struct diff_case arith_cases[] = {
	{ "add al, bl", { 0x00, 0xd8 }, 2, 0, NULL },
	{ "add ah, ch", { 0x00, 0xec }, 2, 0, NULL },
	{ "add dil, r8b", { 0x44, 0x00, 0xc7 }, 3, 0, NULL },
	{ "add bx, cx", { 0x66, 0x01, 0xcb }, 3, 0, NULL },
	{ "add ebx, edx", { 0x01, 0xd3 }, 2, 0, NULL },
	{ "add rbx, rdx", { 0x48, 0x01, 0xd3 }, 3, 0, NULL },
	{ "add r9, r10", { 0x4d, 0x01, 0xd1 }, 3, 0, NULL },
	{ "add ebx, [rsi]", { 0x03, 0x1e }, 2, 0, NULL },
	{ "add rdx, [rsi+8]", { 0x48, 0x03, 0x56, 0x08 }, 4, 0, NULL },
	{ "add cl, byte ptr [rsi+3]", { 0x02, 0x4e, 0x03 }, 3, 0, NULL },
	{ "add [rsi], ecx", { 0x01, 0x0e }, 2, 0, NULL },
	{ "add qword ptr [rsi+16], rdx", { 0x48, 0x01, 0x56, 0x10 }, 4, 0, NULL },
	{ "add word ptr [rsi+2], bx", { 0x66, 0x01, 0x5e, 0x02 }, 4, 0, NULL },
	{ "add byte ptr [rsi+1], ah", { 0x00, 0x66, 0x01 }, 3, 0, NULL },
	{ "add al, 0x80", { 0x04, 0x80 }, 2, 0, NULL },
	{ "add eax, 0x12345678", { 0x05, 0x78, 0x56, 0x34, 0x12 }, 5, 0, NULL },
	{ "add rax, -0x80000000", { 0x48, 0x05, 0x00, 0x00, 0x00, 0x80 }, 6, 0, NULL },
	{ "add ax, 0x8000", { 0x66, 0x05, 0x00, 0x80 }, 4, 0, NULL },
	{ "add bl, 0x7f", { 0x80, 0xc3, 0x7f }, 3, 0, NULL },
	{ "add byte ptr [rsi], 0xff", { 0x80, 0x06, 0xff }, 3, 0, NULL },
	{ "add ecx, 0x80000000", { 0x81, 0xc1, 0x00, 0x00, 0x00, 0x80 }, 6, 0, NULL },
	{ "add qword ptr [rsi], 0x7fffffff",
	  { 0x48, 0x81, 0x06, 0xff, 0xff, 0xff, 0x7f }, 7, 0, NULL },
	{ "add dx, 0x1234", { 0x66, 0x81, 0xc2, 0x34, 0x12 }, 5, 0, NULL },
	{ "add ecx, -1", { 0x83, 0xc1, 0xff }, 3, 0, NULL },
	{ "add rdx, 1", { 0x48, 0x83, 0xc2, 0x01 }, 4, 0, NULL },
	{ "add word ptr [rsi+4], -128", { 0x66, 0x83, 0x46, 0x04, 0x80 }, 5, 0, NULL },
	{ "{load} add ebx, edx", { 0x03, 0xda }, 2, 0, NULL },
	{ "{load} add cl, ah", { 0x02, 0xcc }, 2, 0, NULL },
	{ "or al, bl", { 0x08, 0xd8 }, 2, F_AF, NULL },
	{ "or ah, ch", { 0x08, 0xec }, 2, F_AF, NULL },
	{ "or dil, r8b", { 0x44, 0x08, 0xc7 }, 3, F_AF, NULL },
	{ "or bx, cx", { 0x66, 0x09, 0xcb }, 3, F_AF, NULL },
	{ "or ebx, edx", { 0x09, 0xd3 }, 2, F_AF, NULL },
	{ "or rbx, rdx", { 0x48, 0x09, 0xd3 }, 3, F_AF, NULL },
	{ "or r9, r10", { 0x4d, 0x09, 0xd1 }, 3, F_AF, NULL },
	{ "or ebx, [rsi]", { 0x0b, 0x1e }, 2, F_AF, NULL },
	{ "or rdx, [rsi+8]", { 0x48, 0x0b, 0x56, 0x08 }, 4, F_AF, NULL },
	{ "or cl, byte ptr [rsi+3]", { 0x0a, 0x4e, 0x03 }, 3, F_AF, NULL },
	{ "or [rsi], ecx", { 0x09, 0x0e }, 2, F_AF, NULL },
	{ "or qword ptr [rsi+16], rdx", { 0x48, 0x09, 0x56, 0x10 }, 4, F_AF, NULL },
	{ "or word ptr [rsi+2], bx", { 0x66, 0x09, 0x5e, 0x02 }, 4, F_AF, NULL },
	{ "or byte ptr [rsi+1], ah", { 0x08, 0x66, 0x01 }, 3, F_AF, NULL },
	{ "or al, 0x80", { 0x0c, 0x80 }, 2, F_AF, NULL },
	{ "or eax, 0x12345678", { 0x0d, 0x78, 0x56, 0x34, 0x12 }, 5, F_AF, NULL },
	{ "or rax, -0x80000000", { 0x48, 0x0d, 0x00, 0x00, 0x00, 0x80 }, 6, F_AF, NULL },
	{ "or ax, 0x8000", { 0x66, 0x0d, 0x00, 0x80 }, 4, F_AF, NULL },
	{ "or bl, 0x7f", { 0x80, 0xcb, 0x7f }, 3, F_AF, NULL },
	{ "or byte ptr [rsi], 0xff", { 0x80, 0x0e, 0xff }, 3, F_AF, NULL },
	{ "or ecx, 0x80000000", { 0x81, 0xc9, 0x00, 0x00, 0x00, 0x80 }, 6, F_AF, NULL },
	{ "or qword ptr [rsi], 0x7fffffff",
	  { 0x48, 0x81, 0x0e, 0xff, 0xff, 0xff, 0x7f }, 7, F_AF, NULL },
	{ "or dx, 0x1234", { 0x66, 0x81, 0xca, 0x34, 0x12 }, 5, F_AF, NULL },
	{ "or ecx, -1", { 0x83, 0xc9, 0xff }, 3, F_AF, NULL },
	{ "or rdx, 1", { 0x48, 0x83, 0xca, 0x01 }, 4, F_AF, NULL },
	{ "or word ptr [rsi+4], -128", { 0x66, 0x83, 0x4e, 0x04, 0x80 }, 5, F_AF, NULL },
	{ "{load} or ebx, edx", { 0x0b, 0xda }, 2, F_AF, NULL },
	{ "{load} or cl, ah", { 0x0a, 0xcc }, 2, F_AF, NULL },
	{ "adc al, bl", { 0x10, 0xd8 }, 2, 0, NULL },
	{ "adc ah, ch", { 0x10, 0xec }, 2, 0, NULL },
	{ "adc dil, r8b", { 0x44, 0x10, 0xc7 }, 3, 0, NULL },
	{ "adc bx, cx", { 0x66, 0x11, 0xcb }, 3, 0, NULL },
	{ "adc ebx, edx", { 0x11, 0xd3 }, 2, 0, NULL },
	{ "adc rbx, rdx", { 0x48, 0x11, 0xd3 }, 3, 0, NULL },
	{ "adc r9, r10", { 0x4d, 0x11, 0xd1 }, 3, 0, NULL },
	{ "adc ebx, [rsi]", { 0x13, 0x1e }, 2, 0, NULL },
	{ "adc rdx, [rsi+8]", { 0x48, 0x13, 0x56, 0x08 }, 4, 0, NULL },
	{ "adc cl, byte ptr [rsi+3]", { 0x12, 0x4e, 0x03 }, 3, 0, NULL },
	{ "adc [rsi], ecx", { 0x11, 0x0e }, 2, 0, NULL },
	{ "adc qword ptr [rsi+16], rdx", { 0x48, 0x11, 0x56, 0x10 }, 4, 0, NULL },
	{ "adc word ptr [rsi+2], bx", { 0x66, 0x11, 0x5e, 0x02 }, 4, 0, NULL },
	{ "adc byte ptr [rsi+1], ah", { 0x10, 0x66, 0x01 }, 3, 0, NULL },
	{ "adc al, 0x80", { 0x14, 0x80 }, 2, 0, NULL },
	{ "adc eax, 0x12345678", { 0x15, 0x78, 0x56, 0x34, 0x12 }, 5, 0, NULL },
	{ "adc rax, -0x80000000", { 0x48, 0x15, 0x00, 0x00, 0x00, 0x80 }, 6, 0, NULL },
	{ "adc ax, 0x8000", { 0x66, 0x15, 0x00, 0x80 }, 4, 0, NULL },
	{ "adc bl, 0x7f", { 0x80, 0xd3, 0x7f }, 3, 0, NULL },
	{ "adc byte ptr [rsi], 0xff", { 0x80, 0x16, 0xff }, 3, 0, NULL },
	{ "adc ecx, 0x80000000", { 0x81, 0xd1, 0x00, 0x00, 0x00, 0x80 }, 6, 0, NULL },
	{ "adc qword ptr [rsi], 0x7fffffff",
	  { 0x48, 0x81, 0x16, 0xff, 0xff, 0xff, 0x7f }, 7, 0, NULL },
	{ "adc dx, 0x1234", { 0x66, 0x81, 0xd2, 0x34, 0x12 }, 5, 0, NULL },
	{ "adc ecx, -1", { 0x83, 0xd1, 0xff }, 3, 0, NULL },
	{ "adc rdx, 1", { 0x48, 0x83, 0xd2, 0x01 }, 4, 0, NULL },
	{ "adc word ptr [rsi+4], -128", { 0x66, 0x83, 0x56, 0x04, 0x80 }, 5, 0, NULL },
	{ "{load} adc ebx, edx", { 0x13, 0xda }, 2, 0, NULL },
	{ "{load} adc cl, ah", { 0x12, 0xcc }, 2, 0, NULL },
	{ "sbb al, bl", { 0x18, 0xd8 }, 2, 0, NULL },
	{ "sbb ah, ch", { 0x18, 0xec }, 2, 0, NULL },
	{ "sbb dil, r8b", { 0x44, 0x18, 0xc7 }, 3, 0, NULL },
	{ "sbb bx, cx", { 0x66, 0x19, 0xcb }, 3, 0, NULL },
	{ "sbb ebx, edx", { 0x19, 0xd3 }, 2, 0, NULL },
	{ "sbb rbx, rdx", { 0x48, 0x19, 0xd3 }, 3, 0, NULL },
	{ "sbb r9, r10", { 0x4d, 0x19, 0xd1 }, 3, 0, NULL },
	{ "sbb ebx, [rsi]", { 0x1b, 0x1e }, 2, 0, NULL },
	{ "sbb rdx, [rsi+8]", { 0x48, 0x1b, 0x56, 0x08 }, 4, 0, NULL },
	{ "sbb cl, byte ptr [rsi+3]", { 0x1a, 0x4e, 0x03 }, 3, 0, NULL },
	{ "sbb [rsi], ecx", { 0x19, 0x0e }, 2, 0, NULL },
	{ "sbb qword ptr [rsi+16], rdx", { 0x48, 0x19, 0x56, 0x10 }, 4, 0, NULL },
	{ "sbb word ptr [rsi+2], bx", { 0x66, 0x19, 0x5e, 0x02 }, 4, 0, NULL },
	{ "sbb byte ptr [rsi+1], ah", { 0x18, 0x66, 0x01 }, 3, 0, NULL },
	{ "sbb al, 0x80", { 0x1c, 0x80 }, 2, 0, NULL },
	{ "sbb eax, 0x12345678", { 0x1d, 0x78, 0x56, 0x34, 0x12 }, 5, 0, NULL },
	{ "sbb rax, -0x80000000", { 0x48, 0x1d, 0x00, 0x00, 0x00, 0x80 }, 6, 0, NULL },
	{ "sbb ax, 0x8000", { 0x66, 0x1d, 0x00, 0x80 }, 4, 0, NULL },
	{ "sbb bl, 0x7f", { 0x80, 0xdb, 0x7f }, 3, 0, NULL },
	{ "sbb byte ptr [rsi], 0xff", { 0x80, 0x1e, 0xff }, 3, 0, NULL },
	{ "sbb ecx, 0x80000000", { 0x81, 0xd9, 0x00, 0x00, 0x00, 0x80 }, 6, 0, NULL },
	{ "sbb qword ptr [rsi], 0x7fffffff",
	  { 0x48, 0x81, 0x1e, 0xff, 0xff, 0xff, 0x7f }, 7, 0, NULL },
	{ "sbb dx, 0x1234", { 0x66, 0x81, 0xda, 0x34, 0x12 }, 5, 0, NULL },
	{ "sbb ecx, -1", { 0x83, 0xd9, 0xff }, 3, 0, NULL },
	{ "sbb rdx, 1", { 0x48, 0x83, 0xda, 0x01 }, 4, 0, NULL },
	{ "sbb word ptr [rsi+4], -128", { 0x66, 0x83, 0x5e, 0x04, 0x80 }, 5, 0, NULL },
	{ "{load} sbb ebx, edx", { 0x1b, 0xda }, 2, 0, NULL },
	{ "{load} sbb cl, ah", { 0x1a, 0xcc }, 2, 0, NULL },
	{ "and al, bl", { 0x20, 0xd8 }, 2, F_AF, NULL },
	{ "and ah, ch", { 0x20, 0xec }, 2, F_AF, NULL },
	{ "and dil, r8b", { 0x44, 0x20, 0xc7 }, 3, F_AF, NULL },
	{ "and bx, cx", { 0x66, 0x21, 0xcb }, 3, F_AF, NULL },
	{ "and ebx, edx", { 0x21, 0xd3 }, 2, F_AF, NULL },
	{ "and rbx, rdx", { 0x48, 0x21, 0xd3 }, 3, F_AF, NULL },
	{ "and r9, r10", { 0x4d, 0x21, 0xd1 }, 3, F_AF, NULL },
	{ "and ebx, [rsi]", { 0x23, 0x1e }, 2, F_AF, NULL },
	{ "and rdx, [rsi+8]", { 0x48, 0x23, 0x56, 0x08 }, 4, F_AF, NULL },
	{ "and cl, byte ptr [rsi+3]", { 0x22, 0x4e, 0x03 }, 3, F_AF, NULL },
	{ "and [rsi], ecx", { 0x21, 0x0e }, 2, F_AF, NULL },
	{ "and qword ptr [rsi+16], rdx", { 0x48, 0x21, 0x56, 0x10 }, 4, F_AF, NULL },
	{ "and word ptr [rsi+2], bx", { 0x66, 0x21, 0x5e, 0x02 }, 4, F_AF, NULL },
	{ "and byte ptr [rsi+1], ah", { 0x20, 0x66, 0x01 }, 3, F_AF, NULL },
	{ "and al, 0x80", { 0x24, 0x80 }, 2, F_AF, NULL },
	{ "and eax, 0x12345678", { 0x25, 0x78, 0x56, 0x34, 0x12 }, 5, F_AF, NULL },
	{ "and rax, -0x80000000", { 0x48, 0x25, 0x00, 0x00, 0x00, 0x80 }, 6, F_AF, NULL },
	{ "and ax, 0x8000", { 0x66, 0x25, 0x00, 0x80 }, 4, F_AF, NULL },
	{ "and bl, 0x7f", { 0x80, 0xe3, 0x7f }, 3, F_AF, NULL },
	{ "and byte ptr [rsi], 0xff", { 0x80, 0x26, 0xff }, 3, F_AF, NULL },
	{ "and ecx, 0x80000000", { 0x81, 0xe1, 0x00, 0x00, 0x00, 0x80 }, 6, F_AF, NULL },
	{ "and qword ptr [rsi], 0x7fffffff",
	  { 0x48, 0x81, 0x26, 0xff, 0xff, 0xff, 0x7f }, 7, F_AF, NULL },
	{ "and dx, 0x1234", { 0x66, 0x81, 0xe2, 0x34, 0x12 }, 5, F_AF, NULL },
	{ "and ecx, -1", { 0x83, 0xe1, 0xff }, 3, F_AF, NULL },
	{ "and rdx, 1", { 0x48, 0x83, 0xe2, 0x01 }, 4, F_AF, NULL },
	{ "and word ptr [rsi+4], -128", { 0x66, 0x83, 0x66, 0x04, 0x80 }, 5, F_AF, NULL },
	{ "{load} and ebx, edx", { 0x23, 0xda }, 2, F_AF, NULL },
	{ "{load} and cl, ah", { 0x22, 0xcc }, 2, F_AF, NULL },
	{ "sub al, bl", { 0x28, 0xd8 }, 2, 0, NULL },
	{ "sub ah, ch", { 0x28, 0xec }, 2, 0, NULL },
	{ "sub dil, r8b", { 0x44, 0x28, 0xc7 }, 3, 0, NULL },
	{ "sub bx, cx", { 0x66, 0x29, 0xcb }, 3, 0, NULL },
	{ "sub ebx, edx", { 0x29, 0xd3 }, 2, 0, NULL },
	{ "sub rbx, rdx", { 0x48, 0x29, 0xd3 }, 3, 0, NULL },
	{ "sub r9, r10", { 0x4d, 0x29, 0xd1 }, 3, 0, NULL },
	{ "sub ebx, [rsi]", { 0x2b, 0x1e }, 2, 0, NULL },
	{ "sub rdx, [rsi+8]", { 0x48, 0x2b, 0x56, 0x08 }, 4, 0, NULL },
	{ "sub cl, byte ptr [rsi+3]", { 0x2a, 0x4e, 0x03 }, 3, 0, NULL },
	{ "sub [rsi], ecx", { 0x29, 0x0e }, 2, 0, NULL },
	{ "sub qword ptr [rsi+16], rdx", { 0x48, 0x29, 0x56, 0x10 }, 4, 0, NULL },
	{ "sub word ptr [rsi+2], bx", { 0x66, 0x29, 0x5e, 0x02 }, 4, 0, NULL },
	{ "sub byte ptr [rsi+1], ah", { 0x28, 0x66, 0x01 }, 3, 0, NULL },
	{ "sub al, 0x80", { 0x2c, 0x80 }, 2, 0, NULL },
	{ "sub eax, 0x12345678", { 0x2d, 0x78, 0x56, 0x34, 0x12 }, 5, 0, NULL },
	{ "sub rax, -0x80000000", { 0x48, 0x2d, 0x00, 0x00, 0x00, 0x80 }, 6, 0, NULL },
	{ "sub ax, 0x8000", { 0x66, 0x2d, 0x00, 0x80 }, 4, 0, NULL },
	{ "sub bl, 0x7f", { 0x80, 0xeb, 0x7f }, 3, 0, NULL },
	{ "sub byte ptr [rsi], 0xff", { 0x80, 0x2e, 0xff }, 3, 0, NULL },
	{ "sub ecx, 0x80000000", { 0x81, 0xe9, 0x00, 0x00, 0x00, 0x80 }, 6, 0, NULL },
	{ "sub qword ptr [rsi], 0x7fffffff",
	  { 0x48, 0x81, 0x2e, 0xff, 0xff, 0xff, 0x7f }, 7, 0, NULL },
	{ "sub dx, 0x1234", { 0x66, 0x81, 0xea, 0x34, 0x12 }, 5, 0, NULL },
	{ "sub ecx, -1", { 0x83, 0xe9, 0xff }, 3, 0, NULL },
	{ "sub rdx, 1", { 0x48, 0x83, 0xea, 0x01 }, 4, 0, NULL },
	{ "sub word ptr [rsi+4], -128", { 0x66, 0x83, 0x6e, 0x04, 0x80 }, 5, 0, NULL },
	{ "{load} sub ebx, edx", { 0x2b, 0xda }, 2, 0, NULL },
	{ "{load} sub cl, ah", { 0x2a, 0xcc }, 2, 0, NULL },
	{ "xor al, bl", { 0x30, 0xd8 }, 2, F_AF, NULL },
	{ "xor ah, ch", { 0x30, 0xec }, 2, F_AF, NULL },
	{ "xor dil, r8b", { 0x44, 0x30, 0xc7 }, 3, F_AF, NULL },
	{ "xor bx, cx", { 0x66, 0x31, 0xcb }, 3, F_AF, NULL },
	{ "xor ebx, edx", { 0x31, 0xd3 }, 2, F_AF, NULL },
	{ "xor rbx, rdx", { 0x48, 0x31, 0xd3 }, 3, F_AF, NULL },
	{ "xor r9, r10", { 0x4d, 0x31, 0xd1 }, 3, F_AF, NULL },
	{ "xor ebx, [rsi]", { 0x33, 0x1e }, 2, F_AF, NULL },
	{ "xor rdx, [rsi+8]", { 0x48, 0x33, 0x56, 0x08 }, 4, F_AF, NULL },
	{ "xor cl, byte ptr [rsi+3]", { 0x32, 0x4e, 0x03 }, 3, F_AF, NULL },
	{ "xor [rsi], ecx", { 0x31, 0x0e }, 2, F_AF, NULL },
	{ "xor qword ptr [rsi+16], rdx", { 0x48, 0x31, 0x56, 0x10 }, 4, F_AF, NULL },
	{ "xor word ptr [rsi+2], bx", { 0x66, 0x31, 0x5e, 0x02 }, 4, F_AF, NULL },
	{ "xor byte ptr [rsi+1], ah", { 0x30, 0x66, 0x01 }, 3, F_AF, NULL },
	{ "xor al, 0x80", { 0x34, 0x80 }, 2, F_AF, NULL },
	{ "xor eax, 0x12345678", { 0x35, 0x78, 0x56, 0x34, 0x12 }, 5, F_AF, NULL },
	{ "xor rax, -0x80000000", { 0x48, 0x35, 0x00, 0x00, 0x00, 0x80 }, 6, F_AF, NULL },
	{ "xor ax, 0x8000", { 0x66, 0x35, 0x00, 0x80 }, 4, F_AF, NULL },
	{ "xor bl, 0x7f", { 0x80, 0xf3, 0x7f }, 3, F_AF, NULL },
	{ "xor byte ptr [rsi], 0xff", { 0x80, 0x36, 0xff }, 3, F_AF, NULL },
	{ "xor ecx, 0x80000000", { 0x81, 0xf1, 0x00, 0x00, 0x00, 0x80 }, 6, F_AF, NULL },
	{ "xor qword ptr [rsi], 0x7fffffff",
	  { 0x48, 0x81, 0x36, 0xff, 0xff, 0xff, 0x7f }, 7, F_AF, NULL },
	{ "xor dx, 0x1234", { 0x66, 0x81, 0xf2, 0x34, 0x12 }, 5, F_AF, NULL },
	{ "xor ecx, -1", { 0x83, 0xf1, 0xff }, 3, F_AF, NULL },
	{ "xor rdx, 1", { 0x48, 0x83, 0xf2, 0x01 }, 4, F_AF, NULL },
	{ "xor word ptr [rsi+4], -128", { 0x66, 0x83, 0x76, 0x04, 0x80 }, 5, F_AF, NULL },
	{ "{load} xor ebx, edx", { 0x33, 0xda }, 2, F_AF, NULL },
	{ "{load} xor cl, ah", { 0x32, 0xcc }, 2, F_AF, NULL },
	{ "cmp al, bl", { 0x38, 0xd8 }, 2, 0, NULL },
	{ "cmp ah, ch", { 0x38, 0xec }, 2, 0, NULL },
	{ "cmp dil, r8b", { 0x44, 0x38, 0xc7 }, 3, 0, NULL },
	{ "cmp bx, cx", { 0x66, 0x39, 0xcb }, 3, 0, NULL },
	{ "cmp ebx, edx", { 0x39, 0xd3 }, 2, 0, NULL },
	{ "cmp rbx, rdx", { 0x48, 0x39, 0xd3 }, 3, 0, NULL },
	{ "cmp r9, r10", { 0x4d, 0x39, 0xd1 }, 3, 0, NULL },
	{ "cmp ebx, [rsi]", { 0x3b, 0x1e }, 2, 0, NULL },
	{ "cmp rdx, [rsi+8]", { 0x48, 0x3b, 0x56, 0x08 }, 4, 0, NULL },
	{ "cmp cl, byte ptr [rsi+3]", { 0x3a, 0x4e, 0x03 }, 3, 0, NULL },
	{ "cmp [rsi], ecx", { 0x39, 0x0e }, 2, 0, NULL },
	{ "cmp qword ptr [rsi+16], rdx", { 0x48, 0x39, 0x56, 0x10 }, 4, 0, NULL },
	{ "cmp word ptr [rsi+2], bx", { 0x66, 0x39, 0x5e, 0x02 }, 4, 0, NULL },
	{ "cmp byte ptr [rsi+1], ah", { 0x38, 0x66, 0x01 }, 3, 0, NULL },
	{ "cmp al, 0x80", { 0x3c, 0x80 }, 2, 0, NULL },
	{ "cmp eax, 0x12345678", { 0x3d, 0x78, 0x56, 0x34, 0x12 }, 5, 0, NULL },
	{ "cmp rax, -0x80000000", { 0x48, 0x3d, 0x00, 0x00, 0x00, 0x80 }, 6, 0, NULL },
	{ "cmp ax, 0x8000", { 0x66, 0x3d, 0x00, 0x80 }, 4, 0, NULL },
	{ "cmp bl, 0x7f", { 0x80, 0xfb, 0x7f }, 3, 0, NULL },
	{ "cmp byte ptr [rsi], 0xff", { 0x80, 0x3e, 0xff }, 3, 0, NULL },
	{ "cmp ecx, 0x80000000", { 0x81, 0xf9, 0x00, 0x00, 0x00, 0x80 }, 6, 0, NULL },
	{ "cmp qword ptr [rsi], 0x7fffffff",
	  { 0x48, 0x81, 0x3e, 0xff, 0xff, 0xff, 0x7f }, 7, 0, NULL },
	{ "cmp dx, 0x1234", { 0x66, 0x81, 0xfa, 0x34, 0x12 }, 5, 0, NULL },
	{ "cmp ecx, -1", { 0x83, 0xf9, 0xff }, 3, 0, NULL },
	{ "cmp rdx, 1", { 0x48, 0x83, 0xfa, 0x01 }, 4, 0, NULL },
	{ "cmp word ptr [rsi+4], -128", { 0x66, 0x83, 0x7e, 0x04, 0x80 }, 5, 0, NULL },
	{ "{load} cmp ebx, edx", { 0x3b, 0xda }, 2, 0, NULL },
	{ "{load} cmp cl, ah", { 0x3a, 0xcc }, 2, 0, NULL },
	{ "test bl, cl", { 0x84, 0xcb }, 2, F_AF, NULL },
	{ "test ecx, edx", { 0x85, 0xd1 }, 2, F_AF, NULL },
	{ "test [rsi], rax", { 0x48, 0x85, 0x06 }, 3, F_AF, NULL },
	{ "test al, 0x81", { 0xa8, 0x81 }, 2, F_AF, NULL },
	{ "test eax, 0x80000000", { 0xa9, 0x00, 0x00, 0x00, 0x80 }, 5, F_AF, NULL },
	{ "test rax, -1", { 0x48, 0xa9, 0xff, 0xff, 0xff, 0xff }, 6, F_AF, NULL },
	{ "test byte ptr [rsi], 0x80", { 0xf6, 0x06, 0x80 }, 3, F_AF, NULL },
	{ "test ebx, 0x10001", { 0xf7, 0xc3, 0x01, 0x00, 0x01, 0x00 }, 6, F_AF, NULL },
	{ "test cx, 0x8000", { 0x66, 0xf7, 0xc1, 0x00, 0x80 }, 5, F_AF, NULL },
	{ "test word ptr [rsi], dx", { 0x66, 0x85, 0x16 }, 3, F_AF, NULL },
	{ "inc al", { 0xfe, 0xc0 }, 2, 0, NULL },
	{ "inc ecx", { 0xff, 0xc1 }, 2, 0, NULL },
	{ "dec rdx", { 0x48, 0xff, 0xca }, 3, 0, NULL },
	{ "inc word ptr [rsi]", { 0x66, 0xff, 0x06 }, 3, 0, NULL },
	{ "dec byte ptr [rsi+1]", { 0xfe, 0x4e, 0x01 }, 3, 0, NULL },
	{ "inc qword ptr [rsi]", { 0x48, 0xff, 0x06 }, 3, 0, NULL },
	{ "dec ebx", { 0xff, 0xcb }, 2, 0, NULL },
	{ "inc r12w", { 0x66, 0x41, 0xff, 0xc4 }, 4, 0, NULL },
	{ "neg al", { 0xf6, 0xd8 }, 2, 0, NULL },
	{ "neg ecx", { 0xf7, 0xd9 }, 2, 0, NULL },
	{ "neg rdx", { 0x48, 0xf7, 0xda }, 3, 0, NULL },
	{ "neg word ptr [rsi]", { 0x66, 0xf7, 0x1e }, 3, 0, NULL },
	{ "neg bh", { 0xf6, 0xdf }, 2, 0, NULL },
	{ "not ebx", { 0xf7, 0xd3 }, 2, 0, NULL },
	{ "not byte ptr [rsi]", { 0xf6, 0x16 }, 2, 0, NULL },
	{ "not r9", { 0x49, 0xf7, 0xd1 }, 3, 0, NULL },
	{ "not qword ptr [rsi+8]", { 0x48, 0xf7, 0x56, 0x08 }, 4, 0, NULL },
	{ "cmc", { 0xf5 }, 1, 0, NULL },
	{ "clc", { 0xf8 }, 1, 0, NULL },
	{ "stc", { 0xf9 }, 1, 0, NULL },
	{ "lahf", { 0x9f }, 1, 0, NULL },
	{ "sahf", { 0x9e }, 1, 0, NULL },
	{ "cld", { 0xfc }, 1, 0, NULL },
};

static void test_arith_vs_host(void **state)
{
	(void)state;
	diff_table(arith_cases, sizeof(arith_cases) / sizeof(arith_cases[0]), 400);
}

/* Native flags of a+b+cin / a-b-bin at 8 bits (the formulas are width-
 * independent; the width only picks the sign bit). */
static uint64_t host_add8(uint8_t a, uint8_t b, bool cin)
{
	uint64_t f = cin ? 1 : 0;
	__asm__ volatile("push %[f]\n\tpopfq\n\tadc %[b], %[a]\n\tpushfq\n\tpop %[f]"
	                 : [f] "+r"(f), [a] "+q"(a) : [b] "q"(b) : "cc");
	return f & F_ARITH;
}

static uint64_t host_sub16(uint16_t a, uint16_t b, bool bin)
{
	uint64_t f = bin ? 1 : 0;
	__asm__ volatile("push %[f]\n\tpopfq\n\tsbb %[b], %[a]\n\tpushfq\n\tpop %[f]"
	                 : [f] "+r"(f), [a] "+r"(a) : [b] "r"(b) : "cc");
	return f & F_ARITH;
}

/* Every 8-bit a, b and carry for sw_flags_add; every 16-bit a against a
 * spread of b for sw_flags_sub. */
static void test_flag_helpers_exhaustive(void **state)
{
	(void)state;
	struct sw_cpu *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	for (unsigned a = 0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++)
			for (unsigned ci = 0; ci < 2; ci++) {
				sw_flags_put(c, RFLAGS_FIXED);
				sw_flags_add(c, a, b, ci, 1);
				if ((sw_flags_get(c) & F_ARITH) != host_add8((uint8_t)a, (uint8_t)b, ci))
					fail_msg("add8 %#x+%#x+%u", a, b, ci);
			}
	static const uint16_t bs[] = { 0, 1, 2, 0x0f, 0x10, 0x7fff, 0x8000, 0x8001, 0xffff, 0x1234 };
	for (unsigned a = 0; a < 65536; a++)
		for (unsigned k = 0; k < sizeof(bs) / sizeof(bs[0]); k++)
			for (unsigned bi = 0; bi < 2; bi++) {
				sw_flags_put(c, RFLAGS_FIXED);
				sw_flags_sub(c, a, bs[k], bi, 2);
				if ((sw_flags_get(c) & F_ARITH) != host_sub16((uint16_t)a, bs[k], bi))
					fail_msg("sub16 %#x-%#x-%u", a, bs[k], bi);
			}
	free(c);
}

/* 64-bit edges written out from the SDM definitions. */
static void test_flag_helpers_64(void **state)
{
	(void)state;
	struct sw_cpu *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	/* 0x7fff...f + 1: signed overflow, no carry, AF (0xf + 1), SF. */
	sw_flags_add(c, 0x7fffffffffffffffull, 1, 0, 8);
	assert_int_equal(sw_flags_get(c) & F_ARITH, F_OF | F_SF | F_AF | F_PF);
	/* ~0 + 1: carry, zero, AF, PF (0 has even parity). */
	sw_flags_add(c, ~0ull, 1, 0, 8);
	assert_int_equal(sw_flags_get(c) & F_ARITH, F_CF | F_ZF | F_AF | F_PF);
	/* ~0 + ~0 + 1 = ~0 with carry. */
	sw_flags_add(c, ~0ull, ~0ull, 1, 8);
	assert_int_equal(sw_flags_get(c) & F_ARITH, F_CF | F_SF | F_AF | F_PF);
	/* 0x8000...0 - 1: signed overflow, AF borrow, result 0x7fff...f. */
	sw_flags_sub(c, 0x8000000000000000ull, 1, 0, 8);
	assert_int_equal(sw_flags_get(c) & F_ARITH, F_OF | F_AF | F_PF);
	/* 0 - 1: borrow, SF, AF. */
	sw_flags_sub(c, 0, 1, 0, 8);
	assert_int_equal(sw_flags_get(c) & F_ARITH, F_CF | F_SF | F_AF | F_PF);
	/* 5 - 5 - 0 = 0; 5 - 4 - 1 = 0. */
	sw_flags_sub(c, 5, 5, 0, 8);
	assert_int_equal(sw_flags_get(c) & F_ARITH, F_ZF | F_PF);
	sw_flags_sub(c, 5, 4, 1, 8);
	assert_int_equal(sw_flags_get(c) & F_ARITH, F_ZF | F_PF);
	/* Logic clears CF/OF/AF; bits above the size are ignored. */
	sw_flags_put(c, F_ARITH | RFLAGS_FIXED);
	sw_flags_logic(c, 0xff00000000ull, 4);
	assert_int_equal(sw_flags_get(c) & F_ARITH, F_ZF | F_PF);
	/* INC keeps CF; DEC of the minimum overflows. */
	sw_flags_put(c, F_CF | RFLAGS_FIXED);
	sw_flags_inc(c, 0x7fffffff, 4);
	assert_int_equal(sw_flags_get(c) & F_ARITH, F_CF | F_OF | F_SF | F_AF | F_PF);
	sw_flags_put(c, RFLAGS_FIXED);
	sw_flags_dec(c, 0x8000, 2);
	assert_int_equal(sw_flags_get(c) & F_ARITH, F_OF | F_AF | F_PF);
	free(c);
}

/* sw_cond for all 16 conditions over all 64 combinations of CF PF ZF SF OF
 * (and AF), against SETcc on the host. */
static void test_cond_all(void **state)
{
	(void)state;
	struct sw_cpu *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	static const uint64_t bits[] = { F_CF, F_PF, F_AF, F_ZF, F_SF, F_OF };
	for (unsigned m = 0; m < 64; m++) {
		uint64_t f = RFLAGS_FIXED;
		for (unsigned b = 0; b < 6; b++)
			if (m & (1u << b))
				f |= bits[b];
		uint8_t r[16];
		__asm__ volatile("push %[f]\n\tpopfq\n\t"
		                 "seto 0(%[r])\n\tsetno 1(%[r])\n\tsetb 2(%[r])\n\tsetae 3(%[r])\n\t"
		                 "sete 4(%[r])\n\tsetne 5(%[r])\n\tsetbe 6(%[r])\n\tseta 7(%[r])\n\t"
		                 "sets 8(%[r])\n\tsetns 9(%[r])\n\tsetp 10(%[r])\n\tsetnp 11(%[r])\n\t"
		                 "setl 12(%[r])\n\tsetge 13(%[r])\n\tsetle 14(%[r])\n\tsetg 15(%[r])"
		                 : : [f] "r"(f), [r] "r"(r) : "cc", "memory");
		c->s.rflags = f;
		for (unsigned cc = 0; cc < 16; cc++)
			if (sw_cond(c, cc) != r[cc])
				fail_msg("cc %u flags %#llx", cc, (unsigned long long)f);
	}
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flag_helpers_exhaustive),
		cmocka_unit_test(test_flag_helpers_64),
		cmocka_unit_test(test_cond_all),
		cmocka_unit_test(test_arith_vs_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
