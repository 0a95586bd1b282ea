# kvm-run's VMX backend, sourced by tests/harness/kvm-run (whose variables
# and functions it uses): runs CMD on an Intel VMX KVM inside Bochs.
#
# Bochs (Debian's, CPU model corei7_haswell_4770: VMX with EPT, unrestricted
# guest and VPID) boots one disk image: the boot sector pvh-boot.s, an info
# block, the kernel's loadable segments (from the uncompressed ELF that
# kvm-run caches for QEMU's PVH boot) and the initramfs. The boot sector
# reads them into memory and enters the kernel's PVH entry, so the bzImage's
# self-decompression (about 40 s in Bochs) never runs. Bochs has no 9p: the
# initramfs carries the files CMD needs (see tree_files), and bochs-init runs
# CMD with stdout and stderr on serial ports that Bochs writes to files.
#
# Cached in $cache/vmx (rebuilt when their inputs change): the boot sector,
# the kernel's segments with their load map, and the initramfs's fixed part
# (busybox, bash, bochs-init, kvm-intel and its dependencies). Per run, in
# the run folder: the tree's part of the initramfs and the disk image.

bochs=${BOCHS:-bochs}
bochs_bios=/usr/share/bochs/BIOS-bochs-latest
bochs_vgabios=/usr/share/bochs/VGABIOS-lgpl-latest
bochs_term=/usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so

command -v "$bochs" >/dev/null || harness_fail "$bochs not found (install bochs; see tests/deps.sh)"
[[ -r $bochs_bios ]] || harness_fail "no $bochs_bios (install bochsbios)"
[[ -r $bochs_vgabios ]] || harness_fail "no $bochs_vgabios (install vgabios)"
[[ -e $bochs_term ]] || harness_fail "no Bochs terminal display (install bochs-term)"
for t in as ld readelf objcopy; do
    command -v $t >/dev/null || harness_fail "$t not found (install binutils)"
done
command -v script >/dev/null || harness_fail "script not found (install bsdutils)"
bash_bin=$(command -v bash) || harness_fail "bash not found"
[[ $kernel == "$vmlinuz" ]] &&
    harness_fail "no uncompressed kernel with a PVH entry (CONFIG_PVH) could be made from $vmlinuz"

root=$(cd "$here/../.." && pwd)
case $PWD/ in
"$root"/*) ;;
*) harness_fail "--vmx runs commands in the working tree ($root), not in $PWD" ;;
esac

vmx_dir=$cache/vmx
mkdir -p "$vmx_dir" 2>/dev/null || harness_fail "cannot create $vmx_dir"
exec 8>"$vmx_dir/.lock" && flock 8 || harness_fail "cannot lock $vmx_dir/.lock"

# Remove the older versions of a cached file ("name-KEY.ext").
drop_others() { # KEPT-PATH GLOB
    find "$vmx_dir" -maxdepth 1 -name "$2" ! -name "${1##*/}" -delete
}
hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

# ---- boot sector ------------------------------------------------------------
bootsect=$vmx_dir/boot-$(hash_of "$here/pvh-boot.s").bin
if [[ ! -s $bootsect ]]; then
    as --32 -o "$bootsect.o" "$here/pvh-boot.s" 2>"$bootsect.log" &&
        ld -m elf_i386 -Ttext=0x7c00 --oformat binary -o "$bootsect.tmp" "$bootsect.o" 2>>"$bootsect.log" &&
        [[ $(stat -c %s "$bootsect.tmp") == 512 ]] ||
        harness_fail "cannot assemble $here/pvh-boot.s: $(head -n1 "$bootsect.log")"
    rm -f "$bootsect.o" "$bootsect.log"
    mv "$bootsect.tmp" "$bootsect"
    drop_others "$bootsect" 'boot-*.bin'
fi

# ---- the kernel's segments ------------------------------------------------
# kernel-NAME.bin holds each PT_LOAD segment's file bytes without their
# trailing zeros (.bss and the like: RAM starts zeroed), padded to whole
# sectors; kernel-NAME.map one line per segment, "SECTORS ADDRESS MEMSIZE",
# and "entry ADDRESS" (XEN_ELFNOTE_PHYS32_ENTRY).

# u32 or u64 little endian at OFFSET of FILE, in decimal.
le_at() { # FILE OFFSET BYTES
    local v
    v=$(od -An -tu$3 -j "$2" -N"$3" "$1" | tr -d ' ')
    [[ -n $v ]] && echo "$v"
}
# The PVH entry: the Xen note of type 18 in the PT_NOTE segments.
pvh_entry() { # ELF
    local f=$1 phoff phnum i ph off size pos end namesz descsz type
    phoff=$(le_at "$f" 32 8) && phnum=$(le_at "$f" 56 2) || return 1
    for ((i = 0; i < phnum; i++)); do
        ph=$((phoff + i * 56))
        [[ $(le_at "$f" "$ph" 4) == 4 ]] || continue
        off=$(le_at "$f" $((ph + 8)) 8); size=$(le_at "$f" $((ph + 32)) 8)
        pos=$off; end=$((off + size))
        while ((pos + 12 <= end)); do
            namesz=$(le_at "$f" "$pos" 4); descsz=$(le_at "$f" $((pos + 4)) 4)
            type=$(le_at "$f" $((pos + 8)) 4)
            if ((type == 18)) && [[ $(dd if="$f" bs=1 skip=$((pos + 12)) count=3 status=none) == Xen ]]; then
                le_at "$f" $((pos + 12 + (namesz + 3) / 4 * 4)) $((descsz >= 8 ? 8 : 4))
                return
            fi
            pos=$((pos + 12 + (namesz + 3) / 4 * 4 + (descsz + 3) / 4 * 4))
        done
    done
    return 1
}
range_of() { # FILE OFFSET LENGTH: those bytes
    dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" bs=1M status=none
}
# Sectors of FILE from OFFSET, within LENGTH bytes, up to the last non-zero
# byte: a binary search for the first sector from which all is zero.
data_sectors() { # FILE OFFSET LENGTH
    local f=$1 off=$2 len=$3 lo=0 hi mid
    hi=$(((len + 511) / 512))
    while ((lo < hi)); do
        mid=$(((lo + hi) / 2))
        if range_of "$f" $((off + mid * 512)) $((len - mid * 512)) |
            cmp -s -n $((len - mid * 512)) - /dev/zero; then
            hi=$mid
        else
            lo=$((mid + 1))
        fi
    done
    echo "$lo"
}
kname=$(basename "$kernel")
kbin=$vmx_dir/kernel-${kname#vmlinux-}.bin
kmap=${kbin%.bin}.map
if [[ ! -s $kbin || ! -s $kmap ]]; then
    entry=$(pvh_entry "$kernel") || harness_fail "$kernel has no PVH entry note"
    rm -f "$kbin.tmp"
    : >"$kmap.tmp"
    {
        read -r phoff; read -r phnum
    } < <(le_at "$kernel" 32 8; le_at "$kernel" 56 2)
    for ((i = 0; i < phnum; i++)); do
        ph=$((phoff + i * 56))
        [[ $(le_at "$kernel" "$ph" 4) == 1 ]] || continue
        off=$(le_at "$kernel" $((ph + 8)) 8)
        paddr=$(le_at "$kernel" $((ph + 24)) 8)
        filesz=$(le_at "$kernel" $((ph + 32)) 8)
        memsz=$(le_at "$kernel" $((ph + 40)) 8)
        n=$(data_sectors "$kernel" "$off" "$filesz")
        range_of "$kernel" "$off" $((n * 512 < filesz ? n * 512 : filesz)) >>"$kbin.tmp"
        truncate -s %512 "$kbin.tmp"
        echo "$n $paddr $memsz" >>"$kmap.tmp"
    done
    echo "entry $entry" >>"$kmap.tmp"
    mv "$kbin.tmp" "$kbin"
    mv "$kmap.tmp" "$kmap"
    drop_others "$kbin" 'kernel-*.bin'
    drop_others "$kmap" 'kernel-*.map'
fi
kernel_end=0
kernel_segments=()
while read -r a b c; do
    if [[ $a == entry ]]; then
        entry=$b
    else
        ((a)) && kernel_segments+=("$a $b")
        ((b + c > kernel_end)) && kernel_end=$((b + c))
    fi
done <"$kmap"

# ---- initramfs, fixed part --------------------------------------------------
# Copy FILE to the same path under STAGE, following links.
stage_copy() { # STAGE FILE
    mkdir -p "$1$(dirname "$2")" && cp -L "$2" "$1$2"
}
# The libraries the dynamically linked programs among ARGS need: what
# their program interpreter lists (as ldd does, without ldd's cost of a
# shell and two loader runs per program).
libs_of() {
    local f progs=() magic interp
    for f in "$@"; do
        [[ -f $f && -x $f ]] && LC_ALL=C read -r -N4 magic <"$f" 2>/dev/null &&
            [[ $magic == $'\177ELF' ]] && progs+=("$f")
    done
    ((${#progs[@]})) || return 0
    readelf -lW "${progs[@]}" /dev/null 2>/dev/null |
        awk '/^File: / { f = substr($0, 7) } /Requesting program interpreter:/ {
            sub(/.*interpreter: /, ""); sub(/]$/, ""); print $0 "\t" f }' |
        while IFS=$'\t' read -r interp f; do
            LD_TRACE_LOADED_OBJECTS=1 "$interp" "$f" 2>/dev/null
        done |
        sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p' | sort -u
}
cpio_of() { # DIR OUTPUT: DIR's contents, newc format
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | "$busybox" cpio -o -H newc >"$2" 2>/dev/null)
}

# A module without what costs most to load under Bochs: its signature
# (hashing it takes seconds; the kernel then only notes the module as
# unsigned) and its ftrace call sites (__mcount_loc: patching them takes
# seconds; the module's functions just cannot be traced).
lean_module() { # MODULE COPY
    local size siglen magic='~Module signature appended~'
    size=$(stat -c %s "$1") || return 1
    if [[ $(tail -c 28 "$1") == "$magic" ]]; then
        # struct module_signature ends with the signature's length, big endian
        siglen=$(tail -c 32 "$1" | head -c 4 | od -An -tu1 |
            awk '{ print ((($1 * 256 + $2) * 256 + $3) * 256 + $4) }')
        head -c $((size - 28 - 12 - siglen)) "$1" >"$2.full" || return 1
    else
        cp "$1" "$2.full" || return 1
    fi
    objcopy --remove-section=__mcount_loc --remove-section=.rela__mcount_loc "$2.full" "$2" || return 1
    rm -f "$2.full"
}

vmx_modules="kvm_intel"
key=$( { echo "$kver $vmx_modules"; readlink "$kroot"; declare -f lean_module
    sha256sum "$here/bochs-init" "$busybox" "$bash_bin"; } |
    sha256sum | cut -c1-16)
base=$vmx_dir/initramfs-$key.cpio
if [[ ! -s $base ]]; then
    index_modules
    for m in $vmx_modules; do add_module "$m"; done
    stage=$(mktemp -d "$vmx_dir/.stage.XXXXXX") || harness_fail "cannot create a folder in $vmx_dir"
    mkdir -p "$stage/bin" "$stage/usr" "$stage/modules" "$stage/kvm-run"
    ln -s bin "$stage/sbin"
    ln -s ../bin "$stage/usr/bin"
    ln -s ../bin "$stage/usr/sbin"
    cp "$busybox" "$stage/bin/busybox"
    cp "$bash_bin" "$stage/bin/bash"
    cp "$here/bochs-init" "$stage/init"
    chmod 755 "$stage/init" "$stage/bin/busybox" "$stage/bin/bash"
    for l in $(libs_of "$bash_bin"); do
        stage_copy "$stage" "$l" || harness_fail "cannot copy $l"
    done
    for m in "${order[@]}"; do
        lean_module "${modfile[$m]}" "$stage/modules/$m.ko" ||
            harness_fail "cannot copy ${modfile[$m]}"
        echo "$m" >>"$stage/modules.order"
    done
    cpio_of "$stage" "$base.tmp" || { rm -rf "$stage"; harness_fail "cannot build the initramfs in $vmx_dir"; }
    rm -rf "$stage"
    mv "$base.tmp" "$base"
    drop_others "$base" 'initramfs-*.cpio'
fi
exec 8>&-

# ---- per run: the tree's part of the initramfs, the disk ------------------
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/kvm-run.XXXXXX") || harness_fail "cannot create a temporary folder"
console=$run_dir/console.log
blog=$run_dir/bochs.log
out=$run_dir/stdout
err=$run_dir/stderr
: >"$out"
: >"$err"

# The working tree's files (git's tracked and untracked, not ignored ones),
# the build folder $BUILD without its object files, static libraries and
# floppy images (*.img: 1.4 MB each, for booting the guests in other
# emulators; KVM_RUN_PACK can name them),
# anything named in KVM_RUN_PACK, and the libraries their programs need. The
# tree keeps its path, so that CMD runs in the same folder as here.
build_dir=$(cd "$root" && realpath -m "${BUILD:-build}")
tree_files() {
    if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$root" ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
            [[ -e $root/$f || -L $root/$f ]] && echo "$root/$f"
        done
    else
        find "$root" \( -name .git -o -path "$root/build*" \) -prune -o \( -type f -o -type l \) -print
    fi
    [[ -d $build_dir ]] &&
        find "$build_dir" -name obj -prune -o \( -type f -o -type l \) \
            ! -name '*.a' ! -name '*.o' ! -name '*.d' ! -name '*.img' -print
    local p
    for p in ${KVM_RUN_PACK:-}; do
        p=$(realpath -m "$p")
        [[ -e $p ]] || harness_fail "KVM_RUN_PACK names $p, which does not exist"
        find "$p" \( -type f -o -type l \) -print
    done
}
mapfile -t files < <(tree_files | LC_ALL=C sort -u)
extra=$run_dir/extra
mkdir -p "$extra/kvm-run"
# The build folder's programs go without their debug sections (a fifth of
# the size, and the disk is read at about 10 MB/s): copies in $extra.
# KVM_RUN_STRIP=0 keeps them whole.
plain=()
for f in "${files[@]}"; do
    if [[ ${KVM_RUN_STRIP:-1} != 0 && $f == "$build_dir"/* && -f $f && ! -L $f && -x $f ]] &&
        LC_ALL=C read -r -N4 magic <"$f" 2>/dev/null && [[ $magic == $'\177ELF' ]]; then
        mkdir -p "$extra${f%/*}"
        objcopy --strip-debug "$f" "$extra$f" 2>/dev/null && continue
        rm -f "$extra$f"
    fi
    plain+=("$f")
done
# With their folders, parents first, relative to / for cpio.
{
    printf '%s\n' "${plain[@]}" | awk -F/ '{ p = ""; for (i = 2; i < NF; i++) { p = p "/" $i; print substr(p, 2) } }' |
        LC_ALL=C sort -u
    printf '%s\n' "${plain[@]#/}"
} >"$run_dir/tree.list"
(cd / && "$busybox" cpio -o -H newc <"$run_dir/tree.list" >"$run_dir/tree.cpio" 2>/dev/null) ||
    harness_fail "cannot pack the working tree"

for l in $(libs_of "${files[@]}"); do
    stage_copy "$extra" "$l" || harness_fail "cannot copy $l"
done
write_cmd_sh "$extra/kvm-run/cmd.sh"
cpio_of "$extra" "$run_dir/extra.cpio" || harness_fail "cannot pack the command"
rm -rf "$extra"

# The disk: boot sector, info block (2 sectors), kernel, initramfs. The
# initramfs's parts lie back to back from the first 2 MiB boundary after
# the kernel; the zeros between them are skipped by the kernel's unpacker.
disk=$run_dir/disk.img
{
    cat "$bootsect"
    head -c 1024 /dev/zero
    cat "$kbin"
} >"$disk"
initrd_lba=$(($(stat -c %s "$disk") / 512))
for part in "$base" "$run_dir/tree.cpio" "$run_dir/extra.cpio"; do
    cat "$part" >>"$disk"
    truncate -s %512 "$disk"
done
initrd_bytes=$(($(stat -c %s "$disk") - initrd_lba * 512))
initrd_addr=$(((kernel_end + 0x1fffff) & ~0x1fffff))
rm -f "$run_dir/tree.cpio" "$run_dir/extra.cpio"

mem=${KVM_RUN_MEM:-1536M}
case $mem in
*[Gg]) megs=$((${mem%?} * 1024)) ;;
*[Mm]) megs=${mem%?} ;;
*) megs=$mem ;;
esac
[[ $megs =~ ^[0-9]+$ ]] || harness_fail "KVM_RUN_MEM wants a size in MiB (e.g. 1536M or 2G), not '$mem'"
((initrd_addr + initrd_bytes + 64 * 1024 * 1024 <= megs * 1024 * 1024)) ||
    harness_fail "$megs MiB of VM memory cannot hold the $((initrd_bytes >> 20)) MiB initramfs (KVM_RUN_MEM)"

cmdline="console=ttyS0,115200 panic=-1 oops=panic reboot=t mitigations=off nokaslr 8250.nr_uarts=3 i8042.noaux i8042.nokbd"
# Skipped because they cost seconds under Bochs: the crypto self-tests, the
# certificates for module signatures (the modules here have none), the
# tracing enum maps.
cmdline+=" cryptomgr.notests initcall_blacklist=load_system_certificate_list,trace_eval_init,crypto_kdf108_init"
if [[ $debug == 1 ]]; then
    cmdline+=" kvm_run.debug=1 loglevel=7"
else
    cmdline+=" quiet"
fi
cmdline+=${KVM_RUN_APPEND:+ $KVM_RUN_APPEND}
((${#cmdline} < 800)) || harness_fail "the kernel command line is too long (KVM_RUN_APPEND)"

# Little-endian integers as printf escapes.
le() { # BYTES VALUE
    local i s=
    for ((i = 0; i < $1; i++)); do s+=$(printf '\\%03o' $((($2 >> (8 * i)) & 255))); done
    printf '%s' "$s"
}
info=0xf00000 # INFO in pvh-boot.s
{
    # struct hvm_start_info: magic, version 1, flags, one module, its
    # list, the command line, no RSDP (Linux scans for it), the memory
    # map (the boot sector's).
    le 4 0x336ec578; le 4 1; le 4 0; le 4 1
    le 8 $((info + 64)); le 8 $((info + 192)); le 8 0
    le 8 0; le 4 0; le 4 0
    le 4 "$entry"; le 4 0
    le 8 "$initrd_addr"; le 8 "$initrd_bytes"; le 8 0; le 8 0
    lba=$((1 + 2))
    for s in "${kernel_segments[@]}"; do
        read -r n a <<<"$s"
        le 4 "$lba"; le 4 "$n"; le 4 "$a"
        lba=$((lba + n))
    done
    le 4 "$initrd_lba"; le 4 $((initrd_bytes / 512)); le 4 "$initrd_addr"
    le 4 0; le 4 0; le 4 0
} >"$run_dir/info.esc"
# shellcheck disable=SC2059 # the escapes are the format
{ printf "$(<"$run_dir/info.esc")"; head -c $((192 - 96 - 12 * (${#kernel_segments[@]} + 2))) /dev/zero
    printf '%s\0' "$cmdline"; } >"$run_dir/info.bin"
rm -f "$run_dir/info.esc"
(($(stat -c %s "$run_dir/info.bin") <= 1024 && ${#kernel_segments[@]} <= 6)) ||
    harness_fail "the boot info block does not fit"
dd if="$run_dir/info.bin" of="$disk" bs=512 seek=1 conv=notrunc status=none
# Whole cylinders of 16 heads and 63 sectors: Bochs takes the geometry from
# the size.
truncate -s %516096 "$disk"
cylinders=$(($(stat -c %s "$disk") / 516096))

cat >"$run_dir/bochsrc" <<EOF
megs: $megs
romimage: file=$bochs_bios
vgaromimage: file=$bochs_vgabios
cpu: model=${KVM_RUN_BOCHS_CPU:-corei7_haswell_4770}, count=1, ips=${KVM_RUN_BOCHS_IPS:-100000000}, reset_on_triple_fault=0, ignore_bad_msrs=1
clock: sync=none, time0=local
ata0-master: type=disk, path=$disk, mode=flat, cylinders=$cylinders, heads=16, spt=63
boot: disk
com1: enabled=1, mode=file, dev=$console
com2: enabled=1, mode=file, dev=$out
com3: enabled=1, mode=file, dev=$err
display_library: term
panic: action=fatal
log: $blog
speaker: enabled=0
sound: driver=dummy
EOF
echo c >"$run_dir/bochs.rc"

bpid=
tail_pids=()
# shellcheck disable=SC2317  # called from the trap
cleanup_children() {
    [[ -n $bpid ]] && kill -TERM "$bpid" 2>/dev/null
    local p
    for p in "${tail_pids[@]}"; do kill "$p" 2>/dev/null; done
    [[ -n $bpid ]] && wait "$bpid" 2>/dev/null
}
# shellcheck disable=SC2317
on_signal() {
    cleanup_children
    [[ $debug == 1 ]] || rm -f "$disk" "$disk.lock"
    echo "kvm-harness: interrupted; console log kept in $console" >&2
    exit 125
}
trap on_signal INT TERM HUP

start=$SECONDS
# The Debian build starts in Bochs's debugger: bochs.rc's "c" lets it run.
# Bochs ends with status 1 however the VM stops. Its terminal display
# needs a terminal that someone reads (without one it makes a pseudo-
# terminal that nobody reads, and blocks once that is full): script(1)
# gives it one and throws the screen away. timeout(1) runs inside, so that
# it stops Bochs itself.
SHELL=/bin/sh TERM=xterm script -q -e -c "exec timeout -k 5 $timeout_s $(shq "$bochs") -q -f $(shq "$run_dir/bochsrc") \
    -rc $(shq "$run_dir/bochs.rc") 2>$(shq "$run_dir/bochs.err")" /dev/null </dev/null >/dev/null 2>&1 &
bpid=$!
# Bochs writes the serial ports' bytes one by one: passed on in whole lines,
# so that a caller's 2>&1 mixes lines, not characters.
tail -q -n +1 -s 0.2 --pid="$bpid" -f "$out" | sed -u '' &
tail_pids+=($!)
tail -q -n +1 -s 0.2 --pid="$bpid" -f "$err" | sed -u '' >&2 &
tail_pids+=($!)
wait "$bpid"
brc=$?
bpid=
wait "${tail_pids[@]}" 2>/dev/null
tail_pids=()
elapsed=$((SECONDS - start))

st=$(tr -d '\r' <"$console" 2>/dev/null | sed -n 's/.*kvm-harness-status: \([0-9][0-9]*\)$/\1/p' | tail -n1)
if [[ -n $st ]]; then
    if [[ $debug == 1 ]]; then
        echo "kvm-harness: done in ${elapsed}s; run folder kept in $run_dir" >&2
    else
        rm -rf "$run_dir"
    fi
    exit "$st"
fi

reason=$(tr -d '\r' <"$console" 2>/dev/null | sed -n 's/.*kvm-harness-error: //p' | head -n1)
if [[ $brc == 124 ]] || ((brc == 137 && elapsed >= timeout_s)); then
    reason="timed out after ${timeout_s}s${reason:+ ($reason)}"
elif [[ -z $reason ]]; then
    last=$(tr -d '\r' <"$console" 2>/dev/null | grep -v '^ *$' | tail -n1)
    panic=$(grep -a '>>PANIC<<' "$blog" 2>/dev/null | head -n1 | sed 's/.*>>PANIC<< *//')
    reason="the VM stopped without a result (Bochs status $brc${panic:+, Bochs: $panic}${last:+; last console line: $last})"
fi
# The disk image is large: kept in debug mode only.
[[ $debug == 1 ]] || rm -f "$disk" "$disk.lock"
echo "kvm-harness: $reason; console log kept in $console" >&2
exit 125
