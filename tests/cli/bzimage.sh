#!/usr/bin/env bash
# Linux bzImage guests: tiny images made here run through their 64- and
# 32-bit entries, and every malformed image or misplaced option is one line
# with exit status 2. Prints "PASS name" / "FAIL name: wanted ..., got ...".
. "$(dirname "$0")/common.inc"

# poke FILE OFFSET SIZE VALUE: write VALUE little-endian in SIZE bytes.
poke() {
	local bytes="" v=$4
	for ((i = 0; i < $3; i++)); do
		bytes+=$(printf '\\x%02x' $((v & 0xff)))
		v=$((v >> 8))
	done
	printf "$bytes" | dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none
}

# mkbz FILE [FIELD=VALUE...]: a protocol 2.15 bzImage with 4 setup
# sectors and 64 KiB of kernel that starts with CODE (hex bytes) at
# entry=0 or 0x200; fields as named below override the defaults.
mkbz() {
	local f=$1; shift
	local version=0x020f xlf=1 init=0x100000 cmdsize=0x7ff loadflags=1 entry=0x200 code=""
	local none=0 "$@"
	head -c $((5 * 512 + 65536)) /dev/zero >"$f"
	poke "$f" 0x1fe 2 0xaa55
	poke "$f" 0x200 2 0x6aeb
	poke "$f" 0x202 4 0x53726448
	poke "$f" 0x206 2 "$version"
	poke "$f" 0x211 1 "$loadflags"
	poke "$f" 0x22c 4 0x7fffffff
	poke "$f" 0x236 2 "$xlf"
	poke "$f" 0x238 4 "$cmdsize"
	poke "$f" 0x260 4 "$init"
	poke "$f" 0x1f1 1 4
	[ -n "$code" ] && printf "$code" | dd of="$f" bs=1 seek=$((5 * 512 + entry)) conv=notrunc status=none
	return 0
}

# Both entries: debug-exit with RSI >> 12 (the zero page at 0x2000 gives 2,
# so exit status 5): mov rsi->rax; shr $12; out %al,$0xf4; hlt.
mkbz "$tmp/entry64" code='\x48\x89\xf0\x48\xc1\xe8\x0c\xe6\xf4\xf4'
mkbz "$tmp/entry32" xlf=0 entry=0 code='\x89\xf0\xc1\xe8\x0c\xe6\xf4\xf4'
expect bz-64-bit-entry      5 "" run --policy=sw "$tmp/entry64"
expect bz-32-bit-entry      5 "" run --policy=sw "$tmp/entry32"
echo initrd >"$tmp/initrd"
expect bz-initrd-cmdline    5 "" run --policy=sw --cmdline="console=ttyS0 quiet" --initrd="$tmp/initrd" "$tmp/entry64"

mkbz "$tmp/good"
head -c $((0x210)) "$tmp/good" >"$tmp/truncated"
head -c $((5 * 512)) "$tmp/good" >"$tmp/setup-only"
cp "$tmp/good" "$tmp/nohdrs" && poke "$tmp/nohdrs" 0x202 4 0
mkbz "$tmp/old" version=0x0205
mkbz "$tmp/zimage" loadflags=0
mkbz "$tmp/huge" init=0x10000000
mkbz "$tmp/shortcmd" cmdsize=4
head -c $((9 * 1024 * 1024)) /dev/zero >"$tmp/big-initrd"
: >"$tmp/empty-initrd"

expect bz-truncated-header  2 "truncated bzImage (528 bytes, the setup header ends at 0x26c)" run "$tmp/truncated"
expect bz-setup-only        2 "truncated bzImage (2560 bytes, no kernel after" run "$tmp/setup-only"
expect bz-no-hdrs           2 "boot sector without the \"HdrS\" setup header" run "$tmp/nohdrs"
expect bz-old-protocol      2 "Linux boot protocol 2.05 is too old (2.06 or later needed)" run "$tmp/old"
expect bz-zimage            2 "a zImage (kernel loaded below 1 MiB) is not supported" run "$tmp/zimage"
expect bz-kernel-too-big    2 "does not fit in guest RAM (128 MiB)" run "$tmp/huge"
expect bz-cmdline-too-long  2 "command line of 8 bytes is longer than the kernel takes (4)" run --cmdline=12345678 "$tmp/shortcmd"
expect bz-default-cmdline-too-long 2 "command line of 13 bytes" run "$tmp/shortcmd"
expect bz-initrd-missing    2 "$tmp/nope: No such file or directory" run --initrd="$tmp/nope" "$tmp/good"
expect bz-initrd-directory  2 "$tmp: not a regular file" run --initrd="$tmp" "$tmp/good"
expect bz-initrd-empty      2 "$tmp/empty-initrd: empty initrd" run --initrd="$tmp/empty-initrd" "$tmp/good"
expect bz-initrd-too-big    2 "initrd of 9437184 bytes does not fit" run --mem=8M --initrd="$tmp/big-initrd" "$tmp/good"
expect bz-with-module       2 "takes no multiboot modules" run --module="$tmp/initrd" "$tmp/good"
expect initrd-empty-name    2 "--initrd: empty file name" run --initrd= "$tmp/good"
expect initrd-multiboot     2 "not a Linux bzImage, so it takes no initrd" run --initrd="$tmp/initrd" "$g/hello32.elf"
expect initrd-flat          2 "takes no --cmdline, --module or --initrd" run --initrd="$tmp/initrd" "$g/hello64.bin"
