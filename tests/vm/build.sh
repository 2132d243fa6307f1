#!/bin/sh
# Build the disk of a Debian 12 test VM: systemd as PID 1, pure cgroup v2, our package to be
# installed inside it with dpkg -i. Everything comes from Debian packages:
#   - the kernel: the linux-image package linux-image-amd64 depends on (apt-get download);
#   - the root file system: debootstrap minbase with systemd-sysv, plus what the package needs
#     (libseccomp2) and what the test checks (man-db, bash-completion);
#   - a small initramfs (busybox-static and the kernel's virtio/ext4 modules) that mounts the
#     disk as the root and switch_roots into systemd. A real disk rather than a root copied
#     into a tmpfs, because the test reboots: what the first boot installs must be there for
#     the second.
# The kernel, the base root and the initramfs are cached in CACHE (and rebuilt when what they
# are made of changes); the disk is made anew each run from the base root, the .deb and the
# files of tests/vm/guest.
#
# usage: tests/vm/build.sh CACHE DEB OUT
# Writes OUT/disk.img and OUT/vm.env (KERNEL=, INITRD=, DISK= lines, absolute paths).
set -eu

usage() {
    echo "usage: $0 CACHE DEB OUT" >&2
    exit 2
}
[ $# -eq 3 ] || usage
cache=$1
deb=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
suite=bookworm
# What the root holds beyond minbase. libseccomp2: our binaries link it (dpkg -i does not fetch
# dependencies, and the VM has no network). man-db, bash-completion: the test checks that the
# package's man pages and completion work. procps: pgrep/ps for the checks.
include=systemd-sysv,libseccomp2,man-db,bash-completion,procps

say() { echo "vm/build: $*" >&2; }
die() {
    say "$*"
    exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, file ownership in the image)"
[ -f "$deb" ] || die "$deb: no such package"
for tool in debootstrap mkfs.ext4 cpio gzip busybox apt-get dpkg-deb; do
    command -v "$tool" >/dev/null || die "$tool is missing (.ci/run installs it)"
done
mkdir -p "$cache" "$out"
cache=$(cd "$cache" && pwd)
out=$(cd "$out" && pwd)

# The Debian mirror apt already uses (the VM root comes from the same place).
mirror() {
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # deb822 stanzas: the URIs of one whose Suites name ours.
        awk -v suite="$suite" 'BEGIN { RS = "" }
            {
                u = ""; s = 0; n = split($0, line, "\n")
                for (i = 1; i <= n; i++) {
                    if (line[i] ~ /^URIs:/) { split(line[i], w, " "); u = w[2] }
                    if (line[i] ~ /^Suites:/) {
                        m = split(line[i], w, " ")
                        for (j = 2; j <= m; j++) if (w[j] == suite) s = 1
                    }
                }
                if (s && u != "") print u
            }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2 }' "$f"
    done
}

# --- kernel ---------------------------------------------------------------------------
kernel_dir=$cache/kernel
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$kpkg" ]; then
    apt-get update -qq
    kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
[ -n "$kpkg" ] || die "no kernel package: apt-cache depends linux-image-amd64 names none"
kver=${kpkg#linux-image-}
if [ "$(cat "$kernel_dir/ok" 2>/dev/null)" != "$kpkg" ]; then
    say "kernel: $kpkg"
    rm -rf "$kernel_dir"
    mkdir -p "$kernel_dir"
    (cd "$kernel_dir" && apt-get download -q "$kpkg" 2>&1 | grep -v unsandboxed >&2 || true)
    set -- "$kernel_dir"/"$kpkg"_*.deb
    [ -f "$1" ] || die "apt-get download $kpkg failed"
    dpkg-deb -x "$1" "$kernel_dir/x"
    rm -f "$1"
    busybox depmod -b "$kernel_dir/x" "$kver"
    echo "$kpkg" >"$kernel_dir/ok"
fi
kernel=$kernel_dir/x/boot/vmlinuz-$kver
[ -f "$kernel" ] || die "$kernel: missing"

# --- initramfs: load the disk and ext4 drivers, mount the disk, switch_root to systemd ------
modules="virtio_pci virtio_blk crc32c_generic ext4"
initrd=$cache/initrd.img
ikey="$kpkg $modules $(cksum <"$here/initrd-init")"
if [ "$(cat "$cache/initrd.ok" 2>/dev/null)" != "$ikey" ]; then
    say "initramfs"
    t=$cache/initrd.tmp
    rm -rf "$t"
    mkdir -p "$t/bin" "$t/dev" "$t/proc" "$t/sys" "$t/newroot" "$t/lib/modules/$kver"
    cp "$(command -v busybox)" "$t/bin/busybox"
    kmods=$kernel_dir/x/lib/modules/$kver
    # Each module with everything modules.dep says it needs.
    need=""
    for m in $modules; do
        line=$(grep -E "(^|/)$m\.ko:" "$kmods/modules.dep") || die "module $m not in $kpkg"
        need="$need $(echo "$line" | tr -d ':')"
    done
    for f in $need; do
        mkdir -p "$t/lib/modules/$kver/$(dirname "$f")"
        cp "$kmods/$f" "$t/lib/modules/$kver/$f"
    done
    cp "$kmods/modules.order" "$kmods/modules.builtin" "$t/lib/modules/$kver/"
    busybox depmod -b "$t" "$kver"
    cp "$here/initrd-init" "$t/init"
    chmod 755 "$t/init"
    (cd "$t" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp"
    mv "$initrd.tmp" "$initrd"
    rm -rf "$t"
    echo "$ikey" >"$cache/initrd.ok"
fi

# --- base root file system ---------------------------------------------------------------
base=$cache/base
bkey="$suite $include"
if [ "$(cat "$cache/base.ok" 2>/dev/null)" != "$bkey" ]; then
    url=$(mirror | head -n 1)
    [ -n "$url" ] || die "no $suite mirror in /etc/apt/sources.list*"
    say "root file system: debootstrap $suite from $url"
    rm -rf "$base" "$base.tmp" "$cache/base.ok"
    debootstrap --variant=minbase --include="$include" "$suite" "$base.tmp" "$url" >"$cache/debootstrap.log" 2>&1 ||
        die "debootstrap failed; see $cache/debootstrap.log"
    # A fixed identity: no first-boot presets, the same machine across the test's boots.
    echo 5a0ee5c1d0f14e5f9c0de5a0ee5c1d0f >"$base.tmp/etc/machine-id"
    echo zonesvm >"$base.tmp/etc/hostname"
    printf '/dev/vda / ext4 rw 0 1\n' >"$base.tmp/etc/fstab"
    rm -rf "$base.tmp"/var/cache/apt/archives/*.deb
    mv "$base.tmp" "$base"
    echo "$bkey" >"$cache/base.ok"
fi

# --- this run's disk ----------------------------------------------------------------------
say "disk image"
stage=$out/root
rm -rf "$stage" "$out/disk.img"
cp -a "$base" "$stage"
guest=$stage/opt/zones-vmtest
mkdir -p "$guest"
cp "$deb" "$guest/zones.deb"
cp "$here/guest/vmtest" "$guest/vmtest"
chmod 755 "$guest/vmtest"
for unit in "$here"/guest/*.service; do
    cp "$unit" "$stage/etc/systemd/system/"
    mkdir -p "$stage/etc/systemd/system/multi-user.target.wants"
    ln -sf "../$(basename "$unit")" "$stage/etc/systemd/system/multi-user.target.wants/"
done
# The serial console carries the test's output: no login prompt on it.
ln -sf /dev/null "$stage/etc/systemd/system/serial-getty@ttyS0.service"
truncate -s 4G "$out/disk.img"
mkfs.ext4 -q -F -L zonesvm -d "$stage" "$out/disk.img"
rm -rf "$stage"

cat >"$out/vm.env" <<EOF
KERNEL=$kernel
INITRD=$initrd
DISK=$out/disk.img
EOF
say "ready: $out/vm.env"
