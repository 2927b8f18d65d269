# SPDX-License-Identifier: GPL-2.0
# Step "source": Debian's linux-source-7.2 as a git repo in the cache, with a
# "pristine" tag, and a "rust-gup" branch = pristine + our overlay + our patch
# series. The branch is rebuilt from the repo on every run, but the work tree
# is updated with git checkout, so only files whose content changed get a new
# mtime and kbuild rebuilds incrementally.

# The overlay's commits, in the order they appear in the exported series: one
# line each, "MSG PATH...", where harness/series/MSG.msg is the commit message
# and each PATH a file or directory of the repo. A file goes to the first line
# that names it (or a directory above it); every file of the overlay areas
# must be named by one. The rust/kernel abstractions come before mm/ (the Rust
# mm/gup), which builds on them, and the helpers before both, so that every
# commit of the series builds; the sample driver of kernel::mm::pin follows.
OVERLAY_AREAS="rust mm samples tools Documentation"
OVERLAY_COMMITS="
rust-helpers rust/helpers
rust-bug rust/kernel/bug.rs
rust-barrier rust/kernel/sync/barrier.rs
rust-task rust/kernel/task.rs
rust-mm rust/kernel/mm.rs rust/kernel/mm
mm mm
samples samples
tools tools
Documentation Documentation
"

gitc() {
	GIT_AUTHOR_NAME="rust-gup harness" GIT_AUTHOR_EMAIL="rust-gup@localhost" \
	GIT_COMMITTER_NAME="rust-gup harness" GIT_COMMITTER_EMAIL="rust-gup@localhost" \
	GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z" \
		git -C "$TREE" -c core.autocrlf=false -c gc.auto=0 "$@"
}

fetch_pristine() {
	local tarball ver
	log "source: installing linux-source-7.2 (trixie-backports) in the chroot"
	inchroot 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t trixie-backports linux-source-7.2 >/dev/null' 2>&1 | hide_mirror
	ver=$(inchroot "dpkg-query -W -f='\${Version}' linux-source-7.2")
	tarball=$(ls "$CHROOT"/usr/src/linux-source-7.2.tar.* | head -1)
	[ -f "$tarball" ] || die "linux-source-7.2 tarball not found"
	log "source: extracting linux-source-7.2 $ver"
	rm -rf "$TREE.new" && mkdir -p "$TREE.new"
	tar -C "$TREE.new" --strip-components=1 -xaf "$tarball"
	[ -f "$TREE.new/Makefile" ] || die "bad source tarball"
	rm -rf "$TREE" && mv "$TREE.new" "$TREE"
	log "source: importing into git (pristine)"
	git -C "$TREE" init -q -b pristine-branch
	gitc add -A -f .
	gitc commit -q -m "Linux $(kernel_version) (Debian linux-source-7.2 $ver), pristine"
	gitc tag -f pristine >/dev/null
	echo "$ver" > "$CACHE/debian-source-version"
}

kernel_version() {
	awk '/^VERSION =/{v=$3} /^PATCHLEVEL =/{p=$3} /^SUBLEVEL =/{s=$3} END{print v"."p"."s}' "$TREE/Makefile"
}

# Print "kernel 7.2.N (Debian linux-source-7.2 VERSION)" for result records.
source_version() {
	echo "Linux $(kernel_version) (Debian linux-source-7.2 $(cat "$CACHE/debian-source-version" 2>/dev/null || echo unknown))"
}

# Files of the repo under AREA (tracked, plus new files not ignored), so that
# uncommitted edits are built too.
overlay_files() {
	git -C "$REPO" ls-files --cached --others --exclude-standard -- "$1" |
		while read -r f; do [ -f "$REPO/$f" ] && echo "$f"; done
}

# path_filter PATH...: the lines of stdin that are one of PATHs or lie under one.
path_filter() {
	local f p
	while read -r f; do
		for p in "$@"; do
			case "$f" in "$p" | "$p"/*) echo "$f"; break ;; esac
		done
	done
}

# commit_index MSGFILE: commit the temporary index on top of $parent.
commit_index() {
	local tree
	tree=$(gitc write-tree)
	if [ "$tree" != "$(gitc rev-parse "$parent^{tree}")" ]; then
		parent=$(gitc commit-tree "$tree" -p "$parent" -F "$1")
	fi
}

prepare_tree() {
	local idx=$TREE/.git/rust-gup-index dir p msg files
	local parent
	export GIT_INDEX_FILE=$idx
	rm -f "$idx"
	gitc read-tree pristine
	parent=$(gitc rev-parse pristine)
	msg=$(mktemp)
	# The overlay, one commit per line of OVERLAY_COMMITS.
	local all left name paths
	all=$(for dir in $OVERLAY_AREAS; do overlay_files "$dir"; done)
	left=$all
	while read -r name paths; do
		[ -n "$name" ] || continue
		[ -f "$HARNESS/series/$name.msg" ] || die "no harness/series/$name.msg"
		# shellcheck disable=SC2086 # a list of paths
		files=$(echo "$left" | path_filter $paths)
		[ -n "$files" ] || continue
		left=$(echo "$left" | grep -vxF -f <(echo "$files") || true)
		echo "$files" | gitc --work-tree="$REPO" update-index --add --stdin
		commit_index "$HARNESS/series/$name.msg"
	done <<< "$OVERLAY_COMMITS"
	[ -z "$left" ] || die "overlay files in no OVERLAY_COMMITS line: $(echo $left)"
	# The patch series, in order.
	if [ -f "$REPO/patches/series" ]; then
		while read -r p; do
			case "$p" in ''|'#'*) continue ;; esac
			[ -f "$REPO/patches/$p" ] || die "patches/series names a missing patch: $p"
			gitc apply --cached "$REPO/patches/$p" || die "patch does not apply: patches/$p"
			git mailinfo "$msg.body" /dev/null < "$REPO/patches/$p" > "$msg.info"
			{ sed -n 's/^Subject: //p' "$msg.info"; echo; cat "$msg.body"; } > "$msg"
			commit_index "$msg"
		done < "$REPO/patches/series"
	fi
	rm -f "$msg" "$msg.body" "$msg.info" "$idx"
	unset GIT_INDEX_FILE
	# Move the work tree to the new commit: git rewrites only changed files.
	gitc checkout -q -f -B rust-gup "$parent"
	log "source: $(source_version); tree at $(gitc rev-parse --short HEAD):" \
		"$(gitc rev-list --count pristine..HEAD) commit(s) on pristine"
}

step_source() {
	build_lock
	if ! gitc rev-parse -q --verify pristine >/dev/null 2>&1; then
		fetch_pristine
	fi
	prepare_tree
}

cmd_export() {
	local dir=${1:-}
	[ -n "$dir" ] || die "usage: export DIR"
	step chroot step_chroot
	step source step_source
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	rm -f "$dir"/*.patch
	gitc format-patch -q --cover-letter -o "$dir" pristine..rust-gup
	cover_letter "$dir/0000-cover-letter.patch"
	log "export: $(ls "$dir"/*.patch | wc -l) patches (cover letter included) against $(source_version) in $dir"
	ls "$dir"/*.patch
}

# cover_letter FILE: fill in the subject and blurb of the cover letter git
# format-patch wrote, from harness/series/cover-letter.msg (its first line
# the subject, the rest the blurb), naming the source the series applies to.
cover_letter() {
	local f=$1 msg=$HARNESS/series/cover-letter.msg
	[ -f "$f" ] || die "no cover letter in $(dirname "$f")"
	python3 - "$f" "$msg" "$(source_version)" <<'PY'
import sys
path, msg, base = sys.argv[1:4]
lines = open(msg).read().rstrip("\n").split("\n")
subject, blurb = lines[0], "\n".join(lines[1:]).strip("\n")
blurb += "\n\nThe series applies to " + base + "."
text = open(path).read()
if "*** SUBJECT HERE ***" not in text or "*** BLURB HERE ***" not in text:
    sys.exit("cover letter template not found in " + path)
text = text.replace("*** SUBJECT HERE ***", subject).replace("*** BLURB HERE ***", blurb)
open(path, "w").write(text)
PY
}
