#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# needed.sh ROOT DEST TRIPLET LIBC FILE... [--also PROGRAM...]: run in the
# chroot by the selftests step. Copy each FILE (a path relative to ROOT, an
# unpacked set of Debian packages) to the same path under DEST (the
# initramfs tree), and every shared library that they and the PROGRAMs
# (already in DEST) need, recursively (DT_NEEDED), from ROOT's library
# directories or the target's C library directory LIBC, into
# DEST/lib/TRIPLET, where the dynamic loader looks. Fails, naming it, on
# a library found nowhere.
set -eo pipefail
root=$1 dest=$2 triplet=$3 libc=$4
shift 4
declare -A seen
queue=()
also=0
for f in "$@"; do
	if [ "$f" = --also ]; then also=1; continue; fi
	if [ $also = 1 ]; then queue+=("$f"); continue; fi
	mkdir -p "$dest/$(dirname "$f")"
	cp -L "$root/$f" "$dest/$f"
	queue+=("$root/$f")
done
mkdir -p "$dest/lib/$triplet"
while [ ${#queue[@]} -gt 0 ]; do
	f=${queue[0]}
	queue=("${queue[@]:1}")
	for lib in $(llvm-readelf -d "$f" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
		[ -z "${seen[$lib]:-}" ] || continue
		seen[$lib]=1
		# The dynamic loader itself is where the initramfs step put it.
		case $lib in ld-linux*) continue ;; esac
		src=
		for d in "$root/lib/$triplet" "$root/usr/lib/$triplet" "$libc"; do
			if [ -e "$d/$lib" ]; then src=$d/$lib; break; fi
		done
		if [ -z "$src" ]; then
			echo "needed.sh: $lib, needed by ${f#"$root"/}, is in no package of harness/guest-packages.txt" >&2
			exit 1
		fi
		cp -L "$src" "$dest/lib/$triplet/$lib"
		queue+=("$src")
	done
done
