// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Rust sample driver of kernel::mm::pin (samples/rust/rust_misc_pin.rs,
 * CONFIG_SAMPLE_RUST_MISC_PIN): /dev/rust-misc-pin pins a user buffer
 * long-term per open file, hashes it through the kernel mapping of its pages
 * and writes the hash back into it.
 *
 * Every case checks the data the driver read or wrote against what this
 * process sees, the errno of bad input, and that the pins GUP counted are
 * balanced (nr_foll_pin_acquired == nr_foll_pin_released in /proc/vmstat)
 * once the driver has let go: no leaked pin, no double unpin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "kselftest.h"

#define DEV			"/dev/rust-misc-pin"
#define GUP_PFN_TEST_FILE	"/sys/kernel/debug/gup_pfn_test"

#define RUST_MISC_PIN_PIN	_IOWR('|', 0x90, __u64[5])
#define RUST_MISC_PIN_PROCESS	_IOWR('|', 0x91, __u64[2])
#define RUST_MISC_PIN_UNPIN	_IO('|', 0x92)
#define RUST_MISC_PIN_BENCH	_IOWR('|', 0x93, __u64[6])
#define RUST_MISC_PIN_WRITE	1
#define RUST_MISC_PIN_PARTIAL	2
#define MAX_PAGES		(1UL << 16)
#define NO_STORE		(~0ULL)

#define NR_TESTS		27

static size_t ps;

struct pin_args {
	__u64 addr, len, flags;
	__u64 nr_pages, pinned_len;	/* out */
};

static uint64_t fnv1a(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

/*
 * A counter of /proc/vmstat, exact: the per-CPU deltas that /proc/vmstat
 * leaves out (up to the stat threshold per CPU) are folded in first.
 */
static long vmstat_read(const char *name)
{
	char key[64];
	long val;
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	FILE *f;

	if (fd < 0 || write(fd, "1", 1) != 1)
		ksft_exit_fail_msg("/proc/sys/vm/stat_refresh: %s\n", strerror(errno));
	close(fd);
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &val) == 2) {
		if (!strcmp(key, name)) {
			fclose(f);
			return val;
		}
	}
	fclose(f);
	return -1;
}

/* Pins held system-wide: acquired minus released. */
static long pins_held(void)
{
	return vmstat_read("nr_foll_pin_acquired") - vmstat_read("nr_foll_pin_released");
}

static int open_dev(void)
{
	int fd = open(DEV, O_RDWR);

	if (fd < 0)
		ksft_exit_fail_msg("open(%s): %s\n", DEV, strerror(errno));
	return fd;
}

/* RUST_MISC_PIN_PIN: 0 or -errno; the counts in *a. */
static int pin(int fd, void *addr, __u64 len, __u64 flags, struct pin_args *a)
{
	*a = (struct pin_args){ .addr = (uintptr_t)addr, .len = len, .flags = flags };
	return ioctl(fd, RUST_MISC_PIN_PIN, a) ? -errno : 0;
}

/* RUST_MISC_PIN_PROCESS: 0 or -errno; the hash in *hash. */
static int process(int fd, __u64 store_offset, uint64_t *hash)
{
	__u64 a[2] = { store_offset, 0 };

	if (ioctl(fd, RUST_MISC_PIN_PROCESS, a))
		return -errno;
	*hash = a[1];
	return 0;
}

static char *map(size_t pages, int prot)
{
	char *p = mmap(NULL, pages * ps, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	return p;
}

static void fill(char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (char)(i * 131 + seed);
}

/*
 * A case's verdict: its own condition, and no pin left over by the driver
 * (held pins back to what they were before the case).
 */
static void result(bool ok, long before, const char *name)
{
	long after = pins_held();

	if (after != before)
		ksft_print_msg("%s: %ld pins held after, %ld before\n", name, after, before);
	ksft_test_result(ok && after == before, "%s\n", name);
}

/* A whole writable pin: the hash the driver read, and its write seen here. */
static void test_pin_process(void)
{
	long before = pins_held();
	int fd = open_dev();
	char *p = map(4, PROT_READ | PROT_WRITE);
	struct pin_args a;
	uint64_t want, hash = 0, stored;
	bool ok;

	fill(p, 4 * ps, 1);
	want = fnv1a(p, 4 * ps);
	ok = !pin(fd, p, 4 * ps, RUST_MISC_PIN_WRITE, &a) &&
	     a.nr_pages == 4 && a.pinned_len == 4 * ps &&
	     pins_held() - before == 4 &&
	     !process(fd, 4 * ps - 8, &hash) && hash == want;
	memcpy(&stored, p + 4 * ps - 8, 8);
	ok = ok && stored == want;
	/* The driver's read sees this process's later writes: same pages. */
	p[0] ^= 0x5a;
	ok = ok && !process(fd, NO_STORE, &hash) && hash == fnv1a(p, 4 * ps);
	ok = ok && !ioctl(fd, RUST_MISC_PIN_UNPIN) && pins_held() == before;
	close(fd);
	munmap(p, 4 * ps);
	result(ok, before, "pin, hash through the kernel, store seen by user space");
}

/* An unaligned range: the pages it touches, the bytes it covers. */
static void test_unaligned(void)
{
	long before = pins_held();
	int fd = open_dev();
	char *p = map(4, PROT_READ | PROT_WRITE);
	struct pin_args a;
	uint64_t hash = 0, stored, want;
	bool ok;

	fill(p, 4 * ps, 2);
	want = fnv1a(p + 100, 2 * ps);
	ok = !pin(fd, p + 100, 2 * ps, RUST_MISC_PIN_WRITE, &a) &&
	     a.nr_pages == 3 && a.pinned_len == 2 * ps &&
	     !process(fd, ps - 104, &hash) && hash == want;
	/* Stored across the first two pages. */
	memcpy(&stored, p + ps - 4, 8);
	ok = ok && stored == want;
	/* Past the range's end, even inside its last page: refused. */
	ok = ok && process(fd, 2 * ps - 7, &hash) == -EINVAL;
	close(fd);
	munmap(p, 4 * ps);
	result(ok, before, "unaligned range: 3 pages, exact bytes, store across a page boundary");
}

static void test_bad_ranges(void)
{
	long before = pins_held();
	int fd = open_dev();
	char *p = map(1, PROT_READ | PROT_WRITE);
	struct pin_args a;

	result(pin(fd, (void *)(~0UL & ~(ps - 1)), 2 * ps, 0, &a) == -EOVERFLOW,
	       before, "range that wraps: EOVERFLOW");
	result(pin(fd, p, 0, 0, &a) == -EINVAL, before, "empty range: EINVAL");
	result(pin(fd, p, (MAX_PAGES + 1) * ps, 0, &a) == -E2BIG, before,
	       "more than MAX_PAGES pages: E2BIG");
	result(pin(fd, p + 1, MAX_PAGES * ps, 0, &a) == -E2BIG, before,
	       "MAX_PAGES bytes unaligned (one page more): E2BIG");
	result(pin(fd, p, 1ULL << 63, 0, &a) == -E2BIG, before, "2^63 bytes: E2BIG");
	result(pin(fd, p, ps, 4, &a) == -EINVAL, before, "unknown flag: EINVAL");
	result(ioctl(fd, RUST_MISC_PIN_PIN, NULL) && errno == EFAULT, before,
	       "argument at NULL: EFAULT");
	result(ioctl(fd, _IO('|', 0x9f)) && errno == ENOTTY, before, "unknown ioctl: ENOTTY");
	close(fd);
	munmap(p, ps);
}

static void test_state(void)
{
	long before = pins_held();
	int fd = open_dev();
	char *p = map(2, PROT_READ | PROT_WRITE);
	struct pin_args a;
	uint64_t hash;

	result(process(fd, NO_STORE, &hash) == -ENOENT &&
	       ioctl(fd, RUST_MISC_PIN_UNPIN) && errno == ENOENT, before,
	       "process and unpin without a pin: ENOENT");
	result(!pin(fd, p, ps, 0, &a) && pin(fd, p + ps, ps, 0, &a) == -EBUSY &&
	       pins_held() - before == 1 && !ioctl(fd, RUST_MISC_PIN_UNPIN), before,
	       "second pin on one file: EBUSY, first kept");
	close(fd);
	munmap(p, 2 * ps);
}

/* A read-only mapping: no write pin; a read pin the driver may not write. */
static void test_read_only(void)
{
	long before = pins_held();
	int fd = open_dev();
	char *p = map(2, PROT_READ);
	struct pin_args a;
	uint64_t hash = 0;
	char *zero = calloc(2, ps);

	if (!zero)
		ksft_exit_fail_msg("calloc: %s\n", strerror(errno));
	result(pin(fd, p, 2 * ps, RUST_MISC_PIN_WRITE, &a) == -EFAULT, before,
	       "read-only mapping, write pin: EFAULT");
	result(!pin(fd, p, 2 * ps, 0, &a) && a.nr_pages == 2 &&
	       process(fd, 0, &hash) == -EPERM &&
	       !process(fd, NO_STORE, &hash) && hash == fnv1a(zero, 2 * ps) &&
	       !ioctl(fd, RUST_MISC_PIN_UNPIN), before,
	       "read-only mapping, read pin: hash of zeroes, store EPERM");
	free(zero);
	close(fd);
	munmap(p, 2 * ps);
}

/*
 * A range of 4 pages whose tail cannot be pinned: all-or-nothing fails with
 * EFAULT and leaves nothing pinned; partial pins the pages before the tail.
 */
static void tail_case(char *p, unsigned long good, const char *what)
{
	long before = pins_held();
	int fd = open_dev();
	struct pin_args a;
	char name[128];
	bool ok;

	snprintf(name, sizeof(name), "%s tail: all-or-nothing EFAULT", what);
	result(pin(fd, p, 4 * ps, RUST_MISC_PIN_WRITE, &a) == -EFAULT, before, name);
	snprintf(name, sizeof(name), "%s tail: partial pins %lu pages", what, good);
	ok = !pin(fd, p, 4 * ps, RUST_MISC_PIN_WRITE | RUST_MISC_PIN_PARTIAL, &a) &&
	     a.nr_pages == good && a.pinned_len == good * ps &&
	     pins_held() - before == (long)good;
	close(fd);
	result(ok, before, name);
}

static void test_tails(void)
{
	char *p;
	int pfn_fd;

	p = map(4, PROT_READ | PROT_WRITE);
	munmap(p + 2 * ps, ps);
	tail_case(p, 2, "hole");
	munmap(p, 4 * ps);

	p = map(4, PROT_READ | PROT_WRITE);
	mprotect(p + 3 * ps, ps, PROT_NONE);
	tail_case(p, 3, "PROT_NONE");
	munmap(p, 4 * ps);

	p = map(4, PROT_READ | PROT_WRITE);
	munmap(p + 2 * ps, 2 * ps);
	tail_case(p, 2, "unmapped");
	munmap(p, 2 * ps);

	/* gup_pfn_test maps a pfn without struct page VM_PFNMAP at offset 1 page. */
	pfn_fd = open(GUP_PFN_TEST_FILE, O_RDWR);
	if (pfn_fd < 0) {
		ksft_test_result_skip("VM_PFNMAP tail: all-or-nothing EFAULT (no %s: %s)\n",
				      GUP_PFN_TEST_FILE, strerror(errno));
		ksft_test_result_skip("VM_PFNMAP tail: partial pins 3 pages (no %s)\n",
				      GUP_PFN_TEST_FILE);
		return;
	}
	p = map(4, PROT_READ | PROT_WRITE);
	if (mmap(p + 3 * ps, ps, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 pfn_fd, ps) == MAP_FAILED)
		ksft_exit_fail_msg("mmap(%s): %s\n", GUP_PFN_TEST_FILE, strerror(errno));
	tail_case(p, 3, "VM_PFNMAP");
	munmap(p, 4 * ps);
	close(pfn_fd);
}

/* Closing the file releases the pin. */
static void test_close_releases(void)
{
	long before = pins_held();
	int fd = open_dev();
	char *p = map(8, PROT_READ | PROT_WRITE);
	struct pin_args a;
	bool ok;

	ok = !pin(fd, p, 8 * ps, RUST_MISC_PIN_WRITE, &a) && pins_held() - before == 8;
	close(fd);
	munmap(p, 8 * ps);
	result(ok, before, "close releases the pin");
}

/*
 * munmap() of the buffer does not release the pin: the pages stay pinned,
 * and the driver still reads and writes them, until the pin is released.
 */
static void test_munmap_while_pinned(void)
{
	long before = pins_held();
	int fd = open_dev();
	char *p = map(4, PROT_READ | PROT_WRITE);
	char *copy = malloc(4 * ps);
	struct pin_args a;
	uint64_t hash = 0;
	bool ok;

	fill(p, 4 * ps, 3);
	memcpy(copy, p, 4 * ps);
	ok = !pin(fd, p, 4 * ps, RUST_MISC_PIN_WRITE, &a);
	munmap(p, 4 * ps);
	ok = ok && pins_held() - before == 4 &&
	     !process(fd, 0, &hash) && hash == fnv1a(copy, 4 * ps);
	close(fd);
	free(copy);
	result(ok, before, "munmap while pinned: pages kept until close, data intact");
}

/* The process exits holding the file and its pin: exit releases both. */
static void test_exit_releases(void)
{
	long before = pins_held();
	struct pin_args a;
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open_dev();
		char *p = map(16, PROT_READ | PROT_WRITE);

		memset(p, 1, 16 * ps);
		_exit(pin(fd, p, 16 * ps, RUST_MISC_PIN_WRITE, &a) || a.nr_pages != 16);
	}
	waitpid(pid, &status, 0);
	result(pid > 0 && WIFEXITED(status) && !WEXITSTATUS(status), before,
	       "exit with a pin held releases it");
}

struct user {
	int fd;
	uint64_t want;
	unsigned long calls, bad;
	int err;
};

static void *process_loop(void *arg)
{
	struct user *u = arg;
	uint64_t hash;
	int ret;

	while (!(ret = process(u->fd, NO_STORE, &hash))) {
		u->calls++;
		if (hash != u->want)
			u->bad++;
	}
	u->err = ret;
	return NULL;
}

/*
 * close() while another thread is in the driver: the ioctl in flight ends
 * (the file lives until it returns), later calls get EBADF, and the pin is
 * released once.
 */
static void test_close_during_use(void)
{
	long before = pins_held();
	struct user u = { .fd = open_dev() };
	char *p = map(64, PROT_READ | PROT_WRITE);
	struct pin_args a;
	pthread_t t;
	bool ok;

	fill(p, 64 * ps, 4);
	u.want = fnv1a(p, 64 * ps);
	ok = !pin(u.fd, p, 64 * ps, 0, &a);
	if (ok && !pthread_create(&t, NULL, process_loop, &u)) {
		while (!__atomic_load_n(&u.calls, __ATOMIC_RELAXED))
			usleep(1000);
		close(u.fd);
		pthread_join(t, NULL);
	} else {
		ok = false;
		close(u.fd);
	}
	munmap(p, 64 * ps);
	if (u.bad || u.err != -EBADF)
		ksft_print_msg("close during use: %lu calls, %lu bad hashes, ended with %d\n",
			       u.calls, u.bad, u.err);
	result(ok && u.calls && !u.bad && u.err == -EBADF, before,
	       "close during use: in-flight call completes, then EBADF");
}

/* The benchmark ioctl pins and unpins as many pages as it covers. */
static void test_bench(void)
{
	long before = pins_held();
	long acq = vmstat_read("nr_foll_pin_acquired");
	int fd = open_dev();
	char *p = map(64, PROT_READ | PROT_WRITE);
	__u64 b[6] = { (uintptr_t)p, 64 * ps, 8, RUST_MISC_PIN_WRITE, 0, 0 };
	bool ok;

	memset(p, 1, 64 * ps);
	ok = !ioctl(fd, RUST_MISC_PIN_BENCH, b) &&
	     vmstat_read("nr_foll_pin_acquired") - acq == 64;
	b[2] = 0;
	ok = ok && ioctl(fd, RUST_MISC_PIN_BENCH, b) && errno == EINVAL;
	close(fd);
	munmap(p, 64 * ps);
	result(ok, before, "bench: 64 pages pinned 8 per call, all released");
}

int main(void)
{
	int fd;

	ps = getpagesize();
	ksft_print_header();
	fd = open(DEV, O_RDWR);
	if (fd < 0)
		ksft_exit_skip("open(%s): %s (CONFIG_SAMPLE_RUST_MISC_PIN)\n", DEV,
			       strerror(errno));
	close(fd);
	if (vmstat_read("nr_foll_pin_acquired") < 0)
		ksft_exit_fail_msg("no nr_foll_pin_acquired in /proc/vmstat\n");
	ksft_set_plan(NR_TESTS);

	test_pin_process();
	test_unaligned();
	test_bad_ranges();
	test_state();
	test_read_only();
	test_tails();
	test_close_releases();
	test_munmap_while_pinned();
	test_exit_releases();
	test_close_during_use();
	test_bench();

	ksft_finished();
}
