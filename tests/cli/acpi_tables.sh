#!/usr/bin/env bash
# The ACPI tables hvmm builds (core/acpi*.c), checked by ACPICA's iasl:
# each one, as tests/tools/dump_acpi finds it in guest memory, must
# disassemble with no error or warning, and the disassembly must compile
# back (without optimisations) with none either, into the same bytes but
# for the checksum and the compiler's own ID and revision. The RSDP is
# left out: this iasl cannot decode one on its own (not even one it
# compiled); test_pc_tables checks it. Prints "PASS name" / "FAIL name: why".
. "$(dirname "$0")/common.inc"

tables="RSDT XSDT FACP FACS APIC DSDT"

if ! command -v iasl >/dev/null; then
	for t in $tables; do echo "FAIL acpi-iasl-$t: no iasl (tests/deps.sh installs acpica-tools)"; done
	exit 0
fi
if ! "$BUILD/tests/tools/dump_acpi" "$tmp" 2>"$tmp/dump.err"; then
	for t in $tables; do echo "FAIL acpi-iasl-$t: dump_acpi: $(head -c 200 "$tmp/dump.err")"; done
	exit 0
fi

# The header bytes a recompilation may change (cmp -l counts from 1):
# the checksum (offset 9) and the compiler ID and revision (28-35).
differs() { # A B: bytes that differ elsewhere, as cmp -l lines
	cmp -l "$1" "$2" 2>&1 | awk '$1 != 10 && ($1 < 29 || $1 > 36)'
}

cd "$tmp" || exit 1
for t in $tables; do
	if ! iasl -d "$t.dat" >"$t.dis" 2>&1 || grep -qiE 'error|warning' "$t.dis"; then
		echo "FAIL acpi-iasl-$t: iasl -d: $(grep -iE 'error|warning|invalid' "$t.dis" | head -3 | tr '\n' ' ')"
	elif ! iasl -oa -p "re_$t" "$t.dsl" >"$t.comp" 2>&1 ||
	     ! grep -q ' 0 Errors, 0 Warnings, 0 Remarks' "$t.comp"; then
		echo "FAIL acpi-iasl-$t: recompiling the disassembly: $(grep -E 'Error|Warning|Remark' "$t.comp" | head -3 | tr '\n' ' ')"
	elif [ -n "$(differs "$t.dat" "re_$t.aml")" ]; then
		echo "FAIL acpi-iasl-$t: the recompiled table differs: $(differs "$t.dat" "re_$t.aml" | head -3 | tr '\n' ' ')"
	else
		echo "PASS acpi-iasl-$t"
	fi
done
