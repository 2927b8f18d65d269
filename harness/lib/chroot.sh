# SPDX-License-Identifier: GPL-2.0
# Step "chroot": a Debian trixie chroot with the kernel's declared minimum
# toolchain (rustc 1.85 + rust-src, bindgen 0.71, clang/lld/llvm 19) and QEMU.
# Idempotent: an existing chroot is kept, missing packages are added.

# chroot_packages [LIST]: the package names of harness/LIST (packages.txt).
chroot_packages() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$HARNESS/${1:-packages.txt}"; }

# The target's static busybox for --arch arm64, unpacked from its package.
BUSYBOX_ARM64=$CACHE/busybox-arm64/usr/bin/busybox

# unpack_debs DIR PKG...: Debian packages (names with their :ARCH) that
# cannot or need not be installed in the chroot, downloaded from the
# mirror and unpacked (dpkg-deb -x) into DIR under the cache, with one
# "package:arch version" line each in DIR/VERSIONS. Kept until the list
# changes. A new chroot has no package lists (mmdebstrap cleans them up):
# then they are fetched first.
unpack_debs() {
	local dir=$1 n want; shift
	n=${dir##*/}
	want=$(echo "$*" | sha256sum | cut -c1-16)
	[ "$(cat "$dir/.rust-gup-debs" 2>/dev/null || true)" = "$want" ] && return 0
	log "chroot: unpacking $* into $dir"
	mkdir -p "$CACHE/tmp"
	inchroot "rm -rf $IN/tmp/$n-deb $IN/$n.new && mkdir -p $IN/tmp/$n-deb $IN/$n.new &&
		cd $IN/tmp/$n-deb && { apt-get download -qq $* 2>/dev/null ||
			{ apt-get update -qq && apt-get download -qq $*; }; } &&
		for d in *.deb; do dpkg-deb -x \$d $IN/$n.new &&
			echo \"\$(dpkg-deb -f \$d Package):\$(dpkg-deb -f \$d Architecture) \$(dpkg-deb -f \$d Version)\" >> $IN/$n.new/VERSIONS; done" 2>&1 |
		hide_mirror | grep -v unsandboxed >&2 || true
	[ "$(wc -l < "$CACHE/$n.new/VERSIONS" 2>/dev/null || echo 0)" = "$#" ] ||
		die "cannot download and unpack all of: $*"
	echo "$want" > "$CACHE/$n.new/.rust-gup-debs"
	rm -rf "$dir" && mv "$CACHE/$n.new" "$dir"
	rm -rf "$CACHE/tmp/$n-deb"
}

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
	# installed beside the amd64 one.
	unpack_debs "$CACHE/busybox-arm64" busybox-static:arm64
	[ -x "$BUSYBOX_ARM64" ] || die "cannot unpack busybox-static:arm64"
	inchroot 'aarch64-linux-gnu-gcc --version | head -1; qemu-system-aarch64 --version | head -1;
		dpkg-query -W -f="libstd-rust-dev:arm64 \${Version}\n" libstd-rust-dev:arm64' |
		cat - "$CACHE/busybox-arm64/VERSIONS" |
		tee "$CACHE/toolchain-versions-arm64.txt" | sed 's/^/  /' >&2
}

# The syscall fuzzer of the fuzz suite: Debian's trinity for the target
# (dynamically linked: the initramfs gets the target's C library beside
# it), and the programs and libraries of harness/guest-packages.txt for the
# drivers suites, unpacked into the cache.
trinity_dir() { echo "$CACHE/trinity-$DEB_ARCH"; }
guest_pkgs_dir() { echo "$CACHE/guest-pkgs-$DEB_ARCH"; }

unpack_guest_debs() {
	unpack_debs "$(trinity_dir)" "trinity:$DEB_ARCH"
	[ -x "$(trinity_dir)/usr/bin/trinity" ] || die "cannot unpack trinity:$DEB_ARCH"
	# shellcheck disable=SC2046 # one package name per line
	unpack_debs "$(guest_pkgs_dir)" $(chroot_packages guest-packages.txt | sed "s/\$/:$DEB_ARCH/")
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
	unpack_guest_debs
	sed 's/^/  /' "$(trinity_dir)/VERSIONS" >&2
}
