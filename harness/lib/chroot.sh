# SPDX-License-Identifier: GPL-2.0
# Step "chroot": a Debian trixie chroot with the kernel's declared minimum
# toolchain (rustc 1.85 + rust-src, bindgen 0.71, clang/lld/llvm 19) and QEMU.
# Idempotent: an existing chroot is kept, missing packages are added.

# chroot_packages [LIST]: the package names of harness/LIST (packages.txt).
chroot_packages() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$HARNESS/${1:-packages.txt}"; }

# The target's static busybox for --arch arm64, unpacked from its package.
BUSYBOX_ARM64=$CACHE/busybox-arm64/usr/bin/busybox

# --arch arm64: the cross toolchain and the target's libraries of
# harness/packages-arm64.txt, added to the same chroot only when arm64 is
# used (names ending in :arm64 need dpkg's arm64 architecture), and the
# target's static busybox in the cache.
chroot_arm64() {
	local stamp=$CHROOT/.rust-gup-packages-arm64 want
	want=$(chroot_packages packages-arm64.txt | sort | sha256sum | cut -c1-16)
	if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
		log "chroot: installing the arm64 cross toolchain and libraries (packages-arm64.txt)"
		inchroot "dpkg --add-architecture arm64 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(chroot_packages packages-arm64.txt | tr '\n' ' ') >/dev/null" 2>&1 | hide_mirror
		echo "$want" > "$stamp"
	fi
	# busybox-static is not Multi-Arch: its arm64 package cannot be
	# installed beside the amd64 one, so it is unpacked into the cache.
	if [ ! -x "$BUSYBOX_ARM64" ]; then
		log "chroot: unpacking busybox-static:arm64 into $CACHE/busybox-arm64"
		mkdir -p "$CACHE/tmp"
		inchroot "rm -rf $IN/tmp/busybox-deb $IN/busybox-arm64.new && mkdir -p $IN/tmp/busybox-deb &&
			cd $IN/tmp/busybox-deb && apt-get download -qq busybox-static:arm64 &&
			dpkg-deb -x busybox-static_*_arm64.deb $IN/busybox-arm64.new &&
			dpkg-deb -f busybox-static_*_arm64.deb Version > $IN/busybox-arm64.new/VERSION" 2>&1 |
			hide_mirror | grep -v unsandboxed >&2 || true
		[ -x "$CACHE/busybox-arm64.new/usr/bin/busybox" ] || die "cannot unpack busybox-static:arm64"
		rm -rf "$CACHE/busybox-arm64" && mv "$CACHE/busybox-arm64.new" "$CACHE/busybox-arm64"
		rm -rf "$CACHE/tmp/busybox-deb"
	fi
	inchroot 'aarch64-linux-gnu-gcc --version | head -1; qemu-system-aarch64 --version | head -1;
		dpkg-query -W -f="libstd-rust-dev:arm64 \${Version}\n" libstd-rust-dev:arm64;
		echo "busybox-static:arm64 $(cat '"$IN"'/busybox-arm64/VERSION)"' |
		tee "$CACHE/toolchain-versions-arm64.txt" | sed 's/^/  /' >&2
}

# The syscall fuzzer of the fuzz suite: Debian's trinity for the target,
# unpacked from its package into the cache (dynamically linked: the
# initramfs gets the target's C library beside it).
trinity_dir() { echo "$CACHE/trinity-$DEB_ARCH"; }

unpack_trinity() {
	local dir
	dir=$(trinity_dir)
	[ -x "$dir/usr/bin/trinity" ] && return 0
	log "chroot: unpacking trinity:$DEB_ARCH into $dir"
	mkdir -p "$CACHE/tmp"
	inchroot "rm -rf $IN/tmp/trinity-deb $IN/${dir##*/}.new && mkdir -p $IN/tmp/trinity-deb &&
		cd $IN/tmp/trinity-deb && apt-get download -qq trinity:$DEB_ARCH &&
		dpkg-deb -x trinity_*_$DEB_ARCH.deb $IN/${dir##*/}.new &&
		dpkg-deb -f trinity_*_$DEB_ARCH.deb Version > $IN/${dir##*/}.new/VERSION" 2>&1 |
		hide_mirror | grep -v unsandboxed >&2 || true
	[ -x "$dir.new/usr/bin/trinity" ] || die "cannot unpack trinity:$DEB_ARCH"
	rm -rf "$dir" && mv "$dir.new" "$dir"
	rm -rf "$CACHE/tmp/trinity-deb"
}

step_chroot() {
	local stamp=$CHROOT/.rust-gup-packages want have m codename
	want=$(chroot_packages | sort | sha256sum | cut -c1-16)
	if [ -x "$CHROOT/usr/bin/rustc" ]; then
		have=$(cat "$stamp" 2>/dev/null || true)
		if [ "$have" != "$want" ]; then
			log "chroot: package list changed, installing what is missing"
			inchroot "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(chroot_packages | tr '\n' ' ') >/dev/null" 2>&1 | hide_mirror
			echo "$want" > "$stamp"
		fi
		log "chroot: $CHROOT ready"
	else
		codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
		if ! command -v mmdebstrap >/dev/null; then
			log "chroot: installing mmdebstrap on the host"
			apt-get update -qq 2>&1 | hide_mirror
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t "$codename" mmdebstrap >/dev/null 2>&1 ||
				die "cannot install mmdebstrap"
		fi
		m=$(mirror)
		umount_chroot
		# Never rm -rf through a bind mount: the cache is mounted inside.
		! grep -q " $CHROOT/" /proc/mounts || die "mounts left under $CHROOT"
		rm -rf "$CHROOT.new"
		mkdir -p "$CACHE/logs"
		log "chroot: mmdebstrap trixie (+ trixie-backports) into $CHROOT"
		if ! mmdebstrap --variant=apt --include="$(chroot_packages | paste -sd,)" \
			trixie "$CHROOT.new" "deb $m trixie main" "deb $m trixie-backports main" \
			> >(hide_mirror > "$CACHE/logs/chroot.log") 2>&1; then
			tail -20 "$CACHE/logs/chroot.log" >&2
			die "mmdebstrap failed (log: $CACHE/logs/chroot.log)"
		fi
		mv "$CHROOT.new" "$CHROOT"
		echo "$want" > "$stamp"
	fi
	inchroot 'rustc --version; bindgen --version 2>&1 | head -1; clang --version | head -1; qemu-system-x86_64 --version | head -1' |
		tee "$CACHE/toolchain-versions.txt" | sed 's/^/  /' >&2
	if [ "$GUP_ARCH" = arm64 ]; then
		chroot_arm64
	fi
	unpack_trinity
	echo "  trinity:$DEB_ARCH $(cat "$(trinity_dir)/VERSION")" >&2
}
