// SPDX-License-Identifier: GPL-2.0
/*
 * gup_bench - time three user-visible paths into get_user_pages
 *
 * Runs as root inside the benchmark guest; prints one line per reported
 * repetition on stdout:
 *
 *   @@@ BENCH vmreadv/<SIZE>M rep=<i> ns=<n>
 *   @@@ BENCH odirect/<SIZE>M rep=<i> ns=<n>
 *   @@@ BENCH iouring/<SIZE>M rep=<i> reg_ns=<n> unreg_ns=<n>
 *
 * and, when a call fails, "@@@ BENCH <id> error=<ENAME> what=<call>" before
 * exiting with status 1. Repetitions are numbered from 0; one warm-up
 * repetition runs first and is not reported. Times come from
 * CLOCK_MONOTONIC (with QEMU -icount the guest clock follows the
 * instruction count, so the numbers are deterministic).
 *
 * What each workload exercises in the kernel (checked against 7.2):
 *
 * vmreadv SIZE_MB REPS
 *	A child maps and touches SIZE_MB MiB and waits; the parent reads it
 *	with process_vm_readv() into its own pre-faulted buffer.
 *	process_vm_rw_core() -> process_vm_rw_single_vec() ->
 *	pin_user_pages_remote() (no FOLL_WRITE for a read) on at most
 *	PVM_MAX_USER_PAGES (1024 with 4K pages) pages per iteration, then
 *	unpin_user_pages_dirty_lock() (mm/process_vm_access.c): the GUP slow
 *	path under mmap_read_lock() of the child's mm.
 *
 * odirect DEV SIZE_MB REPS
 *	pread() with O_DIRECT from a block device (a brd ramdisk):
 *	blkdev_direct_IO() -> __blkdev_direct_IO() (more than BIO_MAX_VECS
 *	pages per call) -> blkdev_iov_iter_get_pages() ->
 *	bio_iov_iter_get_pages() -> iov_iter_extract_bvecs() ->
 *	iov_iter_extract_pages() -> iov_iter_extract_user_pages() ->
 *	pin_user_pages_fast(FOLL_WRITE), one bio's worth at a time
 *	(block/fops.c, block/bio.c, lib/iov_iter.c); completion unpins with
 *	unpin_user_folio() from __bio_release_pages(). The buffer is
 *	min(SIZE_MB MiB, device size); each pread() asks for at most 64 MiB
 *	(and never past the end of the device or the buffer), and the reads
 *	wrap around the device and the buffer until SIZE_MB MiB were read.
 *	On a regular file the filesystem's direct I/O path is timed instead.
 *
 * iouring SIZE_MB REPS
 *	io_uring_register_buffers() of one iovec over SIZE_MB MiB:
 *	io_sqe_buffer_register() -> io_pin_pages() ->
 *	pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM) (io_uring/rsrc.c,
 *	io_uring/memmap.c); io_uring_unregister_buffers():
 *	io_sqe_buffers_unregister() -> io_buffer_unmap() -> io_release_ubuf()
 *	-> unpin_user_folio() once per bvec. Registration and unregistration
 *	are timed separately.
 *
 * gupmatrix SIZE_MB REPS PAGES [ONLY]
 *	gup_test's commands through its ioctls on /sys/kernel/debug/gup_test
 *	(mm/gup_test.c), each timed by the kernel (get_delta_usec for the
 *	GUP calls, put_delta_usec for the release): -u get_user_pages_fast(),
 *	-a pin_user_pages_fast(), -L pin_user_pages(FOLL_LONGTERM), -U
 *	get_user_pages(), -b pin_user_pages(); each with 1, 512 and all pages
 *	per call, without and with FOLL_WRITE, REPS times. gup_test itself
 *	prints times only for its three *_BENCHMARK commands and faults its
 *	mapping in again for every run; here one mapping of SIZE_MB MiB
 *	serves every command, set up as gup_test sets up its own: a private
 *	mapping of /dev/zero (anonymous with MAP_HUGETLB), the THP advice,
 *	one write per base page. PAGES is 4k (MADV_NOHUGEPAGE), thp
 *	(MADV_HUGEPAGE), mthp64 (no advice: what the mTHP settings give),
 *	hugetlb (MAP_HUGETLB, the default size) or hugetlb64k, hugetlb32m,
 *	hugetlb1g (MAP_HUGETLB of that size: on arm64 with 4K pages, 64K and
 *	32M are contiguous PTEs and PMDs). One call of each combination
 *	goes first and is not reported, as in the other workloads. Prints, per repetition,
 *	"@@@ BENCH gup_test/<opt>/<n1|n512|nall>/<PAGES>/<r|w>/<SIZE>M
 *	rep=<i> get_us=<n> put_us=<n>". ONLY, as "u/n1/r", runs that one
 *	combination (for harness/rust-gup profile); FOLL, a decimal number,
 *	is added to its gup_flags (256, FOLL_LONGTERM, makes -a the
 *	pin_user_pages_fast(FOLL_LONGTERM) that iommufd and ib_umem_get()
 *	call). After each -a combination, when /dev/rust-misc-pin exists,
 *	the same workload through the safe Rust API kernel::mm::pin
 *	(samples/rust/rust_misc_pin.rs): "@@@ BENCH pin_api/<n1|n512|nall>/
 *	<PAGES>/<r|w>/<SIZE>M rep=<i> pin_us=<n> unpin_us=<n>" (ONLY:
 *	"A/n1/r").
 *
 * run PROGRAM [ARG...]
 *	Runs PROGRAM (a path) with its arguments and waits for it; with
 *	GUP_BENCH_PROFILE=1, between the profile markers, so that
 *	harness/rust-gup profile sees the kernel's work for another
 *	program's workload (the drivers' benchmarks).
 *
 * All buffers get madvise(MADV_NOHUGEPAGE), so the numbers are for 4K
 * pages. With GUP_BENCH_THP=1 in the environment they get MADV_HUGEPAGE
 * instead (buffers are 2 MiB aligned) and the workload id ends in "/thp".
 * With GUP_BENCH_PROFILE=1 (implied by gupmatrix's ONLY), the measured
 * repetitions run between two marker functions that the QEMU plugin of
 * `harness/rust-gup profile` watches, their lines printed afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/fs.h>
#include <mm/gup_test.h>

#define GUP_TEST_FILE "/sys/kernel/debug/gup_test"
#define RUST_MISC_PIN_FILE "/dev/rust-misc-pin"
#define RUST_MISC_PIN_BENCH _IOWR('|', 0x93, __u64[6])
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

#define MIB		(1024UL * 1024UL)
#define HPAGE		(2 * MIB)
#define ODIRECT_CHUNK	(64 * MIB)

static char id[128];
static int use_thp;

static const char *errname(int err)
{
	static char buf[16];

	switch (err) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOSYS: return "ENOSYS";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

static void __attribute__((noreturn)) fail(const char *what, int err)
{
	printf("@@@ BENCH %s error=%s what=%s\n", id, errname(err), what);
	fflush(stdout);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: gup_bench vmreadv SIZE_MB REPS\n"
		"       gup_bench odirect DEV SIZE_MB REPS\n"
		"       gup_bench iouring SIZE_MB REPS\n"
		"       gup_bench gupmatrix SIZE_MB REPS 4k|thp|mthp64|hugetlb|hugetlb64k|hugetlb32m|hugetlb1g\n"
		"                 [CMD/nN/RW [FOLL]]\n"
		"       gup_bench run PROGRAM [ARG...]\n"
		"env GUP_BENCH_THP=1: MADV_HUGEPAGE instead of MADV_NOHUGEPAGE\n");
	exit(2);
}

static unsigned long parse_num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0)
		usage();
	return v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		fail("clock_gettime", errno);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Map @len bytes of anonymous memory, 2 MiB aligned so that THP can back
 * it when asked for, apply the THP advice and write every page.
 */
static char *alloc_buf(size_t len)
{
	size_t maplen = len + HPAGE;
	uintptr_t start;
	char *p;
	size_t off;

	p = mmap(NULL, maplen, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap", errno);
	start = ((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1);
	if (start > (uintptr_t)p)
		munmap(p, start - (uintptr_t)p);
	if (start + len < (uintptr_t)p + maplen)
		munmap((char *)(start + len), (uintptr_t)p + maplen -
		       (start + len));
	p = (char *)start;
	if (madvise(p, len, use_thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		fail("madvise", errno);
	for (off = 0; off < len; off += 4096)
		p[off] = (char)(off >> 12) | 1;
	return p;
}

/*
 * The window of `harness/rust-gup profile`: its QEMU plugin counts the
 * kernel's instructions from a call of the first marker to a call of the
 * second, found by their addresses in this static binary. Not inlined,
 * and with a body, so that each is called and starts a block of its own.
 */
__attribute__((noinline, used)) void gup_bench_profile_start(void)
{
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline, used)) void gup_bench_profile_stop(void)
{
	__asm__ volatile("" ::: "memory");
}

/*
 * Profiled (GUP_BENCH_PROFILE=1 in the environment, or a gupmatrix ONLY
 * run), a workload's measured repetitions run between the markers, and
 * their lines are held until the window closes, so that the console's
 * work is not in it.
 */
static int profiling, in_window;
static char *held;
static size_t held_len;

static void window_begin(void)
{
	if (!profiling)
		return;
	in_window = 1;
	gup_bench_profile_start();
}

static void window_end(void)
{
	if (!in_window)
		return;
	gup_bench_profile_stop();
	in_window = 0;
	if (held)
		fputs(held, stdout);
	fflush(stdout);
	free(held);
	held = NULL;
	held_len = 0;
}

static void report(unsigned long rep, const char *metrics)
{
	char line[256];
	int n;

	n = snprintf(line, sizeof(line), "@@@ BENCH %s rep=%lu %s\n", id, rep, metrics);
	if (n < 0 || (size_t)n >= sizeof(line))
		fail("report", EOVERFLOW);
	if (in_window) {
		char *more = realloc(held, held_len + n + 1);

		if (!more)
			fail("realloc", ENOMEM);
		held = more;
		memcpy(held + held_len, line, n + 1);
		held_len += n;
		return;
	}
	fputs(line, stdout);
	fflush(stdout);
}

static int bench_vmreadv(unsigned long size_mb, unsigned long reps)
{
	size_t len = size_mb * MIB;
	int addr_pipe[2], wait_pipe[2];
	uintptr_t remote;
	unsigned long rep;
	char *local, m[64];
	pid_t pid;
	int status;

	if (pipe(addr_pipe) || pipe(wait_pipe))
		fail("pipe", errno);
	pid = fork();
	if (pid < 0)
		fail("fork", errno);
	if (pid == 0) {
		char c;

		close(addr_pipe[0]);
		close(wait_pipe[1]);
		remote = (uintptr_t)alloc_buf(len);
		if (write(addr_pipe[1], &remote, sizeof(remote)) !=
		    sizeof(remote))
			_exit(1);
		/* Keep the buffer until the parent closes its end. */
		while (read(wait_pipe[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(addr_pipe[1]);
	close(wait_pipe[0]);
	errno = 0;
	if (read(addr_pipe[0], &remote, sizeof(remote)) != sizeof(remote))
		fail("read(child address)", errno ? errno : EIO);
	local = alloc_buf(len);

	for (rep = 0; rep <= reps; rep++) {
		/* rep 0 is the warm-up, outside the profile's window. */
		if (rep == 1)
			window_begin();
		uint64_t t0, t1;
		size_t done = 0;

		t0 = now_ns();
		while (done < len) {
			struct iovec liov = { local + done, len - done };
			struct iovec riov = { (char *)remote + done,
					      len - done };
			ssize_t n = process_vm_readv(pid, &liov, 1,
						     &riov, 1, 0);

			if (n < 0)
				fail("process_vm_readv", errno);
			if (n == 0)
				fail("process_vm_readv", EIO);
			done += n;
		}
		t1 = now_ns();
		/* rep 0 is the warm-up. */
		if (rep) {
			snprintf(m, sizeof(m), "ns=%llu",
				 (unsigned long long)(t1 - t0));
			report(rep - 1, m);
		}
	}
	window_end();
	close(wait_pipe[1]);
	if (waitpid(pid, &status, 0) < 0)
		fail("waitpid", errno);
	return 0;
}

static uint64_t dev_size(int fd)
{
	struct stat st;
	uint64_t size;

	if (fstat(fd, &st))
		fail("fstat", errno);
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size))
			fail("ioctl(BLKGETSIZE64)", errno);
	} else {
		size = st.st_size;
	}
	return size & ~(uint64_t)4095;
}

static int bench_odirect(const char *dev, unsigned long size_mb,
			 unsigned long reps)
{
	uint64_t total = (uint64_t)size_mb * MIB, devsz, buflen;
	unsigned long rep;
	char *buf, m[64];
	int fd;

	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0)
		fail("open", errno);
	devsz = dev_size(fd);
	if (!devsz)
		fail("device size", ENOSPC);
	buflen = total < devsz ? total : devsz;
	buf = alloc_buf(buflen);

	for (rep = 0; rep <= reps; rep++) {
		/* rep 0 is the warm-up, outside the profile's window. */
		if (rep == 1)
			window_begin();
		uint64_t t0, t1, done = 0;

		t0 = now_ns();
		while (done < total) {
			uint64_t boff = done % buflen, doff = done % devsz;
			uint64_t n = total - done;
			ssize_t r;

			if (n > ODIRECT_CHUNK)
				n = ODIRECT_CHUNK;
			if (n > buflen - boff)
				n = buflen - boff;
			if (n > devsz - doff)
				n = devsz - doff;
			r = pread(fd, buf + boff, n, doff);
			if (r < 0)
				fail("pread", errno);
			if (r == 0 || (r & 4095))
				fail("pread", EIO);
			done += r;
		}
		t1 = now_ns();
		if (rep) {
			snprintf(m, sizeof(m), "ns=%llu",
				 (unsigned long long)(t1 - t0));
			report(rep - 1, m);
		}
	}
	window_end();
	close(fd);
	return 0;
}

static int bench_iouring(unsigned long size_mb, unsigned long reps)
{
	size_t len = size_mb * MIB;
	struct io_uring ring;
	struct iovec iov;
	unsigned long rep;
	char m[96];
	int ret;

	/* liburing returns -errno instead of setting errno. */
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret < 0)
		fail("io_uring_queue_init", -ret);
	iov.iov_base = alloc_buf(len);
	iov.iov_len = len;

	for (rep = 0; rep <= reps; rep++) {
		/* rep 0 is the warm-up, outside the profile's window. */
		if (rep == 1)
			window_begin();
		uint64_t t0, t1, t2;

		t0 = now_ns();
		ret = io_uring_register_buffers(&ring, &iov, 1);
		t1 = now_ns();
		if (ret < 0)
			fail("io_uring_register_buffers", -ret);
		ret = io_uring_unregister_buffers(&ring);
		t2 = now_ns();
		if (ret < 0)
			fail("io_uring_unregister_buffers", -ret);
		if (rep) {
			snprintf(m, sizeof(m), "reg_ns=%llu unreg_ns=%llu",
				 (unsigned long long)(t1 - t0),
				 (unsigned long long)(t2 - t1));
			report(rep - 1, m);
		}
	}
	window_end();
	io_uring_queue_exit(&ring);
	return 0;
}

/* gup_test's commands, by its option letters. */
static const struct {
	char opt;
	unsigned long cmd;
} gup_cmds[] = {
	{ 'u', GUP_FAST_BENCHMARK },
	{ 'a', PIN_FAST_BENCHMARK },
	{ 'L', PIN_LONGTERM_BENCHMARK },
	{ 'U', GUP_BASIC_TEST },
	{ 'b', PIN_BASIC_TEST },
};

/* ONLY, as "u/n1/r": one command, pages per call and direction. */
static int match_only(const char *only, char opt, const char *nid, int w)
{
	char want[32];

	snprintf(want, sizeof(want), "%c/%s/%c", opt, nid, w ? 'w' : 'r');
	return !strcmp(only, want);
}

/*
 * -a's workload through kernel::mm::pin: the RUST_MISC_PIN_BENCH ioctl of
 * /dev/rust-misc-pin (samples/rust/rust_misc_pin.rs) pins the range as
 * PIN_FAST_BENCHMARK does, in calls of pin_user_pages_fast() of the same
 * number of pages into one page array allocated before the clock starts
 * (PinnedPages::pin_in()), then releases the pins (PinnedPages::unpin()),
 * and reports the two times in nanoseconds. Same mapping, pages per call
 * and flags as the -a run just before it; ONLY names it "A/<nid>/<r|w>".
 */
static void bench_pin_api(int api, const struct gup_test *gup,
			  const char *pages, const char *nid, int w,
			  unsigned long size_mb, unsigned long reps,
			  const char *only)
{
	__u64 args[6];
	unsigned long rep;
	char metrics[96];

	snprintf(id, sizeof(id), "pin_api/%s/%s/%c/%luM", nid, pages,
		 w ? 'w' : 'r', size_mb);
	if (only && !match_only(only, 'A', nid, w))
		return;
	for (rep = 0; rep <= reps; rep++) {
		args[0] = gup->addr;
		args[1] = (__u64)size_mb << 20;
		args[2] = gup->nr_pages_per_call;
		args[3] = w;		/* RUST_MISC_PIN_WRITE */
		args[4] = args[5] = 0;
		/* The first call is the warm-up, as for gup_test. */
		if (rep == 1)
			window_begin();
		if (ioctl(api, RUST_MISC_PIN_BENCH, args))
			fail("ioctl RUST_MISC_PIN_BENCH", errno);
		if (!rep)
			continue;
		/*
		 * Whole microseconds, truncated, as gup_test's
		 * ktime_us_delta() gives -a's times: a ratio of the two then
		 * has no bias from one side's rounding.
		 */
		snprintf(metrics, sizeof(metrics), "pin_us=%llu unpin_us=%llu",
			 (unsigned long long)args[4] / 1000,
			 (unsigned long long)args[5] / 1000);
		report(rep - 1, metrics);
	}
	window_end();
}

static int bench_gupmatrix(unsigned long size_mb, unsigned long reps,
			   const char *pages, const char *only,
			   unsigned int foll)
{
	static const long nrs[] = { 1, 512, -1 };
	struct gup_test gup = { 0 };
	size_t size = size_mb << 20, psize = sysconf(_SC_PAGESIZE), off;
	int flags = MAP_PRIVATE, fd, zero, advice = -1, w, api;
	unsigned long rep, c, i;
	char *p, metrics[96];

	if (!strcmp(pages, "4k"))
		advice = MADV_NOHUGEPAGE;
	else if (!strcmp(pages, "thp"))
		advice = MADV_HUGEPAGE;
	else if (!strcmp(pages, "hugetlb"))
		flags |= MAP_HUGETLB | MAP_ANONYMOUS;
	/* hugetlb of a given size: arm64's 64K and 32M are contiguous PTEs and PMDs. */
	else if (!strcmp(pages, "hugetlb64k"))
		flags |= MAP_HUGETLB | MAP_ANONYMOUS | (16 << MAP_HUGE_SHIFT);
	else if (!strcmp(pages, "hugetlb32m"))
		flags |= MAP_HUGETLB | MAP_ANONYMOUS | (25 << MAP_HUGE_SHIFT);
	else if (!strcmp(pages, "hugetlb1g"))
		flags |= MAP_HUGETLB | MAP_ANONYMOUS | (30 << MAP_HUGE_SHIFT);
	else if (strcmp(pages, "mthp64"))
		usage();

	snprintf(id, sizeof(id), "gup_test/*/%s/%luM", pages, size_mb);
	fd = open(GUP_TEST_FILE, O_RDWR);
	if (fd < 0)
		fail("open " GUP_TEST_FILE, errno);
	/* Optional: the pin_api rows need CONFIG_SAMPLE_RUST_MISC_PIN. */
	api = open(RUST_MISC_PIN_FILE, O_RDWR);
	zero = open("/dev/zero", O_RDWR);
	if (zero < 0)
		fail("open /dev/zero", errno);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, zero, 0);
	if (p == MAP_FAILED)
		fail("mmap", errno);
	if (advice >= 0 && madvise(p, size, advice))
		fail("madvise", errno);
	for (off = 0; off < size; off += psize)
		p[off] = 0;

	gup.addr = (unsigned long)p;
	for (c = 0; c < sizeof(gup_cmds) / sizeof(gup_cmds[0]); c++) {
		for (i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
			for (w = 0; w <= 1; w++) {
				char nid[24];

				if (nrs[i] < 0)
					snprintf(nid, sizeof(nid), "nall");
				else
					snprintf(nid, sizeof(nid), "n%ld", nrs[i]);
				snprintf(id, sizeof(id), "gup_test/%c/%s/%s/%c/%luM",
					 gup_cmds[c].opt, nid, pages,
					 w ? 'w' : 'r', size_mb);
				if (only && !match_only(only, gup_cmds[c].opt, nid, w))
					continue;
				gup.nr_pages_per_call = nrs[i] < 0 ?
					size / psize : (unsigned long)nrs[i];
				gup.gup_flags = (w ? 1 : 0) | foll; /* FOLL_WRITE */
				/*
				 * One call first, not reported: the first GUP
				 * of a kind on the range pays for what it leaves
				 * behind (LRU moves, accessed bits), the ones
				 * after it do not.
				 */
				gup.size = size;
				if (ioctl(fd, gup_cmds[c].cmd, &gup))
					fail("ioctl", errno);
				window_begin();
				for (rep = 0; rep < reps; rep++) {
					gup.size = size;
					if (ioctl(fd, gup_cmds[c].cmd, &gup))
						fail("ioctl", errno);
					if (gup.size != size)
						fail("ioctl (size truncated)", EIO);
					snprintf(metrics, sizeof(metrics),
						 "get_us=%llu put_us=%llu",
						 (unsigned long long)gup.get_delta_usec,
						 (unsigned long long)gup.put_delta_usec);
					report(rep, metrics);
				}
				window_end();
				if (gup_cmds[c].opt == 'a' && api >= 0)
					bench_pin_api(api, &gup, pages, nid, w,
						      size_mb, reps, only);
			}
		}
	}
	munmap(p, size);
	close(zero);
	if (api >= 0)
		close(api);
	close(fd);
	return 0;
}

/*
 * run PROGRAM [ARG...]: PROGRAM between the profile markers, for a
 * workload of another program (the drivers' benchmarks): the window then
 * holds what the kernel does for PROGRAM, its start and exit included.
 */
static int run_program(char **argv)
{
	int status;
	pid_t pid;

	snprintf(id, sizeof(id), "run/%s", argv[0]);
	window_begin();
	pid = fork();
	if (pid < 0)
		fail("fork", errno);
	if (!pid) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		fail("waitpid", errno);
	window_end();
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	const char *thp = getenv("GUP_BENCH_THP");
	unsigned long size_mb, reps;

	use_thp = thp && !strcmp(thp, "1");
	if (argc < 2)
		usage();

	profiling = getenv("GUP_BENCH_PROFILE") != NULL;
	if (!strcmp(argv[1], "run") && argc >= 3)
		return run_program(argv + 2);
	if (!strcmp(argv[1], "gupmatrix") && argc >= 5 && argc <= 7) {
		profiling |= argc >= 6;
		return bench_gupmatrix(parse_num(argv[2]), parse_num(argv[3]),
				       argv[4], argc >= 6 ? argv[5] : NULL,
				       argc == 7 ? parse_num(argv[6]) : 0);
	}
	if (!strcmp(argv[1], "vmreadv") && argc == 4) {
		size_mb = parse_num(argv[2]);
		reps = parse_num(argv[3]);
	} else if (!strcmp(argv[1], "odirect") && argc == 5) {
		size_mb = parse_num(argv[3]);
		reps = parse_num(argv[4]);
	} else if (!strcmp(argv[1], "iouring") && argc == 4) {
		size_mb = parse_num(argv[2]);
		reps = parse_num(argv[3]);
	} else {
		usage();
	}
	if (size_mb > 65536)
		usage();
	snprintf(id, sizeof(id), "%s/%luM%s", argv[1], size_mb,
		 use_thp ? "/thp" : "");

	/*
	 * Root (CAP_IPC_LOCK) is not charged for io_uring buffers, but do not
	 * depend on it. Without CAP_SYS_RESOURCE (a container) fall back to
	 * the hard limit: a real shortage shows up as a failed registration.
	 */
	if (setrlimit(RLIMIT_MEMLOCK, &rl)) {
		fprintf(stderr, "gup_bench: setrlimit(RLIMIT_MEMLOCK): %s\n",
			errname(errno));
		if (!getrlimit(RLIMIT_MEMLOCK, &rl)) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_MEMLOCK, &rl);
		}
	}
	/* A killed child must not take the parent down with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);

	if (!strcmp(argv[1], "vmreadv"))
		return bench_vmreadv(size_mb, reps);
	if (!strcmp(argv[1], "odirect"))
		return bench_odirect(argv[2], size_mb, reps);
	return bench_iouring(size_mb, reps);
}
