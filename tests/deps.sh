#!/usr/bin/env bash
# Set-up step run first by `make run` and `make test`.
#
# 1. Installs the Debian packages the build and the tests need, when some are
#    missing and this runs as root (apt-get update once, then install).
#    Without root it names the missing packages and fails.
# 2. Fetches the kernel the KVM test harness boots where /dev/kvm is missing
#    (tests/harness/fetch-kernel.sh; cached, no apt calls once present).
# When everything is present this makes no apt calls and takes well under a
# second. Needs no terminal: safe with CI=true and stdin closed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

packages=(
    libcapstone-dev  # disassembly in audit records
    libcmocka-dev    # unit tests
    jq               # reading audit files (tests/cli/audit.sh)
    strace           # how the audit file is written (tests/cli/audit.sh)
    librsvg2-bin     # rsvg-convert: rendering hvmm bench's chart (tests/cli/bench.sh)
    python3          # checking that render is not blank (tests/tools/png_colours.py)
    acpica-tools     # iasl: decoding the ACPI tables (tests/cli/acpi_tables.sh)
    libseccomp-dev
    gcc-multilib     # 32-bit guest programs
    qemu-system-x86  # the KVM test harness VM
    busybox-static   # its initramfs, and the Linux test image's (tests/linux)
    cpio             # packing the Linux test image with root as owner
    xz-utils         # unpacking its kernel image
    binutils         # objcopy: reading kernel module dependencies; as, ld,
                     # readelf: the VMX harness's boot sector and kernel
    clang            # the sanitizer build and fuzz targets (tests/san, tests/fuzz)
    libclang-rt-14-dev  # their libFuzzer, ASan and UBSan runtimes
    bochs            # make bench-sw, and the KVM harness's VMX backend
                     # (tests/harness/kvm-run --vmx)
    bochs-term       # its display without a display server
    bsdutils         # script(1): a terminal for that display
    bochsbios        # its BIOS
    vgabios          # its VGA BIOS
)

missing=()
declare -A installed=()
while read -r name status; do
    [[ $status == ii* ]] && installed[${name%%:*}]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
for p in "${packages[@]}"; do
    [[ -n ${installed[$p]:-} ]] || missing+=("$p")
done

if ((${#missing[@]})); then
    if [[ $(id -u) != 0 ]]; then
        echo "deps: missing Debian packages: ${missing[*]} (as root: apt-get install ${missing[*]})" >&2
        exit 1
    fi
    echo "deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null >/dev/null ||
        { echo "deps: apt-get update failed" >&2; exit 1; }
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null ||
        { echo "deps: apt-get install ${missing[*]} failed" >&2; exit 1; }
fi

bash "$here/harness/fetch-kernel.sh"
