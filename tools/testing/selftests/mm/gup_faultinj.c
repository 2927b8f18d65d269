// SPDX-License-Identifier: GPL-2.0-only
/*
 * GUP under fault injection: the system calls that pin or fault in user
 * memory through GUP, each run with fail_page_alloc and failslab failing
 * one allocation of the call, then another, until the call has been run
 * with each of its allocations failing in turn.
 *
 * A sweep (the default) uses /proc/thread-self/fail-nth: before the call,
 * N is written to it, and the N-th allocation of the thread that reaches
 * a fault point (a page allocation of any order and gfp, a slab
 * allocation) fails; N goes from 1 up until the call no longer reaches N
 * fault points, which is the clean run: it must succeed. Each outcome
 * (0, an errno, or "short" for a partial count) is counted, and the set
 * of outcomes of each call on each kind of memory is printed
 * ("@@@ FAULTINJ mode=sweep ..."): the host compares it with the C
 * kernel's.
 *
 * After each run the data is checked: what the call reports done must be
 * done (the pinned pages read what was written through the mapping, the
 * bytes written through process_vm_writev() or /proc/self/mem are there,
 * vmsplice() gives what the pages hold, the dma-buf maps the memfd's
 * pages), and what it did not do must be untouched.
 *
 * With -r SECS, a random phase follows: failslab and fail_page_alloc fail
 * allocations of this thread with -p PERCENT probability while each call
 * runs (make-it-fail is on around the call only), round robin for SECS
 * seconds; the data is checked as above, and the outcomes are printed
 * ("@@@ FAULTINJ mode=random ...") for the host to compare with the C
 * kernel's.
 *
 * The calls: MADV_POPULATE_READ/WRITE, mlock(), GUP_FAST_BENCHMARK and
 * PIN_FAST_BENCHMARK (get/pin_user_pages_fast(), through
 * /sys/kernel/debug/gup_test), PIN_LONGTERM_TEST_START with and without
 * PIN_LONGTERM_TEST_FLAG_USE_FAST (pin_user_pages_fast() and
 * pin_user_pages() with FOLL_LONGTERM), process_vm_writev(), a FOLL_FORCE
 * write to a read-only private mapping through /proc/self/mem, vmsplice(),
 * io_uring buffer registration (FOLL_LONGTERM) and UDMABUF_CREATE
 * (memfd_pin_folios(), on a memfd with no pages yet). The memory: private
 * anonymous 4K pages (MADV_NOHUGEPAGE), a THP (MADV_HUGEPAGE), a shmem
 * memfd, private hugetlb, and a hugetlb memfd; the memory is fresh for
 * every run, with no page faulted in.
 *
 * The fault attributes (debugfs failslab/ and fail_page_alloc/) are set
 * for the test (every gfp, every order, no messages) and restored at exit.
 *
 * Usage: gup_faultinj [-r SECS] [-p PERCENT] [-n MAX]
 *   -r SECS     the random phase's length (default 0: none)
 *   -p PERCENT  its failure probability (default 10)
 *   -n MAX      the most fault points a sweep runs (default 2048)
 */
#define _GNU_SOURCE
#define __SANE_USERSPACE_TYPES__ /* u64 is unsigned long long */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/memfd.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <mm/gup_test.h>
#include "local_config.h"
#ifdef LOCAL_CONFIG_HAVE_LIBURING
#include <liburing.h>
#endif
#include "kselftest.h"

#define FOLL_WRITE	0x01	/* include/linux/mm_types.h */
#define SHORT		1	/* an outcome: a partial count */
#define NR_OUTCOMES	256	/* 0, SHORT (EPERM's number) and the errnos above it */

enum kind { K_4K, K_THP, K_SHMEM, K_HUGETLB, K_HUGETLBFD, NR_KINDS };
static const char *const kind_name[NR_KINDS] = {
	"4k", "thp", "shmem", "hugetlb", "hugetlbfd",
};
#define KB(k)	(1u << (k))
#define K_ANON	(KB(K_4K) | KB(K_THP) | KB(K_HUGETLB))
#define K_ALL	(K_ANON | KB(K_SHMEM) | KB(K_HUGETLBFD))

static size_t pagesize, hpage_size;
static bool have_thp, have_hugetlb;
static int gup_fd = -1, udmabuf_fd = -1, nth_fd = -1, mif_fd = -1;

/* One run: the memory and what the call left behind. */
struct ctx {
	enum kind kind;
	char *map;		/* the mapping the call works on */
	void *raw;		/* what to munmap (THP: the unaligned mapping) */
	size_t size, raw_size;
	int memfd;		/* shmem and hugetlbfd, else -1 */
	char *buf;		/* a source or destination buffer */
	int fd[2];		/* a pipe, /proc/self/mem, a dma-buf */
	bool pinned;		/* PIN_LONGTERM_TEST_START succeeded */
	ssize_t done;		/* the count a call returned */
#ifdef LOCAL_CONFIG_HAVE_LIBURING
	struct io_uring ring;
	bool ring_up, registered;
#endif
};

struct op {
	const char *name;
	unsigned int kinds;
	/* Before the call, without injection: 0, or -1 to skip the op. */
	int (*setup)(struct ctx *c);
	/* The one system call: 0, SHORT or -errno. */
	long (*call)(struct ctx *c);
	/* After it, without injection: is the data right for outcome @r? */
	bool (*check)(struct ctx *c, long r);
	void (*teardown)(struct ctx *c);
};

static char pattern(size_t i)
{
	return (char)('a' + i % 23);
}

static void fill(char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = pattern(i);
}

/* @p[from, to) holds the pattern (@pat) or zeroes (!@pat). */
static bool holds(const char *p, size_t from, size_t to, bool pat)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p[i] != (pat ? pattern(i) : 0))
			return false;
	return true;
}

static long outcome(long ret, size_t want)
{
	if (ret < 0)
		return -errno;
	return (size_t)ret == want ? 0 : SHORT;
}

/* ---- memory ---- */

/*
 * Reserves a range with a PMD-aligned, PMD-sized (hpage_size) part that
 * nothing else maps, and returns that part: memory mapped there has no
 * page table yet, so every run allocates one, a fault point that is the
 * same on every boot. Placed by mmap() next to other mappings, 4K or
 * shmem memory shares a page table with them or not depending on where
 * ASLR put the mmap base; the sweeps then differed by one fault point
 * from boot to boot (populate_read/4k: none, or ENOMEM). munmap() of the
 * whole reservation frees the page table again.
 */
static char *reserve_own_pmd(struct ctx *c)
{
	c->raw_size = 2 * hpage_size;
	c->raw = mmap(NULL, c->raw_size, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c->raw == MAP_FAILED)
		return NULL;
	return (char *)(((uintptr_t)c->raw + hpage_size - 1) & ~(hpage_size - 1));
}

static int map_kind(struct ctx *c)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;

	c->memfd = -1;
	switch (c->kind) {
	case K_4K:
		c->size = 16 * pagesize;
		c->map = reserve_own_pmd(c);
		if (!c->map || mmap(c->map, c->size, PROT_READ | PROT_WRITE,
				    flags | MAP_FIXED, -1, 0) != c->map)
			return -1;
		return madvise(c->map, c->size, MADV_NOHUGEPAGE);
	case K_THP:
		c->size = hpage_size;
		c->raw_size = 2 * hpage_size;
		c->raw = mmap(NULL, c->raw_size, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (c->raw == MAP_FAILED)
			return -1;
		c->map = (char *)(((uintptr_t)c->raw + hpage_size - 1) & ~(hpage_size - 1));
		return madvise(c->map, c->size, MADV_HUGEPAGE);
	case K_SHMEM:
	case K_HUGETLBFD:
		c->size = c->kind == K_SHMEM ? 16 * pagesize : hpage_size;
		c->memfd = memfd_create("gup_faultinj", MFD_ALLOW_SEALING |
					(c->kind == K_HUGETLBFD ? MFD_HUGETLB : 0));
		if (c->memfd < 0 || ftruncate(c->memfd, c->size) ||
		    fcntl(c->memfd, F_ADD_SEALS, F_SEAL_SHRINK))
			return -1;
		if (c->kind == K_SHMEM) {
			c->map = reserve_own_pmd(c);
			if (!c->map || mmap(c->map, c->size, PROT_READ | PROT_WRITE,
					    MAP_SHARED | MAP_FIXED, c->memfd, 0) != c->map)
				return -1;
			return 0;
		}
		c->raw_size = c->size;
		c->raw = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->memfd, 0);
		if (c->raw == MAP_FAILED)
			return -1;
		c->map = c->raw;
		return 0;
	case K_HUGETLB:
		c->size = hpage_size;
		flags |= MAP_HUGETLB;
		break;
	default:
		return -1;
	}
	c->raw_size = c->size;
	c->raw = mmap(NULL, c->size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (c->raw == MAP_FAILED)
		return -1;
	c->map = c->raw;
	return 0;
}

static void unmap_kind(struct ctx *c)
{
	if (c->raw && c->raw != MAP_FAILED)
		munmap(c->raw, c->raw_size);
	if (c->memfd >= 0)
		close(c->memfd);
	free(c->buf);
}

static int setup_plain(struct ctx *c)
{
	return map_kind(c);
}

/* Fresh memory reads zero after the call, whatever it returned. */
static bool check_zero(struct ctx *c, long r)
{
	(void)r;
	return holds(c->map, 0, c->size, false);
}

/* ---- the calls ---- */

static long call_populate_read(struct ctx *c)
{
	return outcome(madvise(c->map, c->size, MADV_POPULATE_READ), 0);
}

static long call_populate_write(struct ctx *c)
{
	return outcome(madvise(c->map, c->size, MADV_POPULATE_WRITE), 0);
}

static long call_mlock(struct ctx *c)
{
	return outcome(mlock(c->map, c->size), 0);
}

static void teardown_munlock(struct ctx *c)
{
	munlock(c->map, c->size);
	unmap_kind(c);
}

static long gup_bench(struct ctx *c, unsigned long cmd, unsigned int gup_flags)
{
	struct gup_test gup = {
		.addr = (uintptr_t)c->map,
		.size = c->size,
		.nr_pages_per_call = c->size / pagesize,
		.gup_flags = gup_flags,
	};

	if (ioctl(gup_fd, cmd, &gup))
		return -errno;
	return gup.size == c->size ? 0 : SHORT;
}

static int setup_gup(struct ctx *c)
{
	return gup_fd < 0 ? -1 : map_kind(c);
}

static long call_get_fast(struct ctx *c)
{
	return gup_bench(c, GUP_FAST_BENCHMARK, 0);
}

static long call_pin_fast(struct ctx *c)
{
	return gup_bench(c, PIN_FAST_BENCHMARK, FOLL_WRITE);
}

static long pin_longterm(struct ctx *c, unsigned int flags)
{
	struct pin_longterm_test args = {
		.addr = (uintptr_t)c->map,
		.size = c->size,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE | flags,
	};

	if (ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args))
		return -errno;
	c->pinned = true;
	return 0;
}

static long call_pin_longterm_fast(struct ctx *c)
{
	return pin_longterm(c, PIN_LONGTERM_TEST_FLAG_USE_FAST);
}

static long call_pin_longterm(struct ctx *c)
{
	return pin_longterm(c, 0);
}

/* What is written through the mapping is what the pinned pages hold. */
static bool check_pinned(struct ctx *c, long r)
{
	__u64 dst;

	if (!c->pinned)
		return r != 0 && holds(c->map, 0, c->size, false);
	c->buf = calloc(1, c->size);
	if (!c->buf)
		return false;
	fill(c->map, c->size);
	dst = (uintptr_t)c->buf;
	return !ioctl(gup_fd, PIN_LONGTERM_TEST_READ, &dst) &&
		holds(c->buf, 0, c->size, true);
}

static void teardown_pinned(struct ctx *c)
{
	if (c->pinned)
		ioctl(gup_fd, PIN_LONGTERM_TEST_STOP);
	unmap_kind(c);
}

static int setup_src(struct ctx *c)
{
	if (map_kind(c))
		return -1;
	c->buf = malloc(c->size);
	if (!c->buf)
		return -1;
	fill(c->buf, c->size);
	return 0;
}

static long call_process_vm_writev(struct ctx *c)
{
	struct iovec local = { c->buf, c->size }, remote = { c->map, c->size };

	c->done = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	return outcome(c->done, c->size);
}

/* The bytes reported written hold the pattern, the rest is untouched. */
static bool check_written(struct ctx *c, long r)
{
	size_t done = r == 0 || r == SHORT ? (size_t)c->done : 0;

	return holds(c->map, 0, done, true) && holds(c->map, done, c->size, false);
}

static int setup_procmem(struct ctx *c)
{
	if (setup_src(c) || mprotect(c->map, c->size, PROT_READ))
		return -1;
	c->fd[1] = open("/proc/self/mem", O_RDWR);
	return c->fd[1] < 0 ? -1 : 0;
}

/* FOLL_FORCE: a private read-only mapping gets private writable copies. */
static long call_procmem(struct ctx *c)
{
	c->done = pwrite(c->fd[1], c->buf, c->size, (uintptr_t)c->map);
	return outcome(c->done, c->size);
}

static void teardown_procmem(struct ctx *c)
{
	close(c->fd[1]);
	unmap_kind(c);
}

static int setup_vmsplice(struct ctx *c)
{
	if (map_kind(c) || pipe(c->fd))
		return -1;
	if (fcntl(c->fd[1], F_SETPIPE_SZ, c->size) < (long)c->size)
		return -1;
	fill(c->map, c->size);
	return 0;
}

static long call_vmsplice(struct ctx *c)
{
	struct iovec iov = { c->map, c->size };

	c->done = vmsplice(c->fd[1], &iov, 1, 0);
	return outcome(c->done, c->size);
}

/* The pipe gives what the pages hold, as much as was spliced. */
static bool check_spliced(struct ctx *c, long r)
{
	size_t n = r == 0 || r == SHORT ? (size_t)c->done : 0;
	char *got = malloc(c->size);
	bool ok;

	if (!got)
		return false;
	ok = n == 0 || read(c->fd[0], got, n) == (ssize_t)n;
	ok = ok && holds(got, 0, n, true) && holds(c->map, 0, c->size, true);
	free(got);
	return ok;
}

static void teardown_pipe(struct ctx *c)
{
	close(c->fd[0]);
	close(c->fd[1]);
	unmap_kind(c);
}

#ifdef LOCAL_CONFIG_HAVE_LIBURING
static int setup_iouring(struct ctx *c)
{
	if (map_kind(c) || io_uring_queue_init(1, &c->ring, 0))
		return -1;
	c->ring_up = true;
	return 0;
}

static long call_iouring(struct ctx *c)
{
	struct iovec iov = { c->map, c->size };
	int ret = io_uring_register_buffers(&c->ring, &iov, 1);

	c->registered = !ret;
	return ret;
}

static void teardown_iouring(struct ctx *c)
{
	if (c->registered)
		io_uring_unregister_buffers(&c->ring);
	if (c->ring_up)
		io_uring_queue_exit(&c->ring);
	unmap_kind(c);
}
#endif

static int setup_udmabuf(struct ctx *c)
{
	return udmabuf_fd < 0 ? -1 : map_kind(c);
}

/* memfd_pin_folios() on a memfd with no page yet: it allocates them. */
static long call_udmabuf(struct ctx *c)
{
	struct udmabuf_create create = {
		.memfd = c->memfd,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.size = c->size,
	};

	c->fd[0] = ioctl(udmabuf_fd, UDMABUF_CREATE, &create);
	return c->fd[0] < 0 ? -errno : 0;
}

/* The dma-buf maps the memfd's pages: it reads what the memfd holds. */
static bool check_udmabuf(struct ctx *c, long r)
{
	char *d;
	bool ok;

	if (r)
		return holds(c->map, 0, c->size, false);
	fill(c->map, c->size);
	d = mmap(NULL, c->size, PROT_READ, MAP_SHARED, c->fd[0], 0);
	if (d == MAP_FAILED)
		return false;
	ok = holds(d, 0, c->size, true);
	munmap(d, c->size);
	return ok;
}

static void teardown_udmabuf(struct ctx *c)
{
	if (c->fd[0] >= 0)
		close(c->fd[0]);
	unmap_kind(c);
}

static const struct op ops[] = {
	{ "populate_read", K_ALL, setup_plain, call_populate_read, check_zero, unmap_kind },
	{ "populate_write", K_ALL, setup_plain, call_populate_write, check_zero, unmap_kind },
	{ "mlock", K_ALL, setup_plain, call_mlock, check_zero, teardown_munlock },
	{ "get_fast", K_ALL, setup_gup, call_get_fast, check_zero, unmap_kind },
	{ "pin_fast", K_ALL, setup_gup, call_pin_fast, check_zero, unmap_kind },
	{ "pin_longterm_fast", K_ALL, setup_gup, call_pin_longterm_fast, check_pinned,
	  teardown_pinned },
	{ "pin_longterm", K_ALL, setup_gup, call_pin_longterm, check_pinned, teardown_pinned },
	{ "process_vm_writev", K_ALL, setup_src, call_process_vm_writev, check_written,
	  unmap_kind },
	{ "procmem_force", K_ANON, setup_procmem, call_procmem, check_written,
	  teardown_procmem },
	{ "vmsplice", KB(K_4K) | KB(K_SHMEM), setup_vmsplice, call_vmsplice, check_spliced,
	  teardown_pipe },
#ifdef LOCAL_CONFIG_HAVE_LIBURING
	{ "iouring_register", K_ALL, setup_iouring, call_iouring, check_zero, teardown_iouring },
#endif
	{ "udmabuf", KB(K_SHMEM) | KB(K_HUGETLBFD), setup_udmabuf, call_udmabuf, check_udmabuf,
	  teardown_udmabuf },
};

/* ---- injection ---- */

struct attr {
	const char *file;
	const char *value;
	char saved[32];
	bool set;
};

/* The attributes of both fault types: every allocation the thread makes. */
static struct attr attrs[] = {
	{ "failslab/ignore-gfp-wait", "N" },
	{ "failslab/verbose", "0" },
	{ "failslab/task-filter", "Y" },
	{ "failslab/interval", "1" },
	{ "failslab/times", "-1" },
	{ "fail_page_alloc/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-highmem", "N" },
	{ "fail_page_alloc/min-order", "0" },
	{ "fail_page_alloc/verbose", "0" },
	{ "fail_page_alloc/task-filter", "Y" },
	{ "fail_page_alloc/interval", "1" },
	{ "fail_page_alloc/times", "-1" },
	/* Last: the probability, only with the task filter on. */
	{ "failslab/probability", "0" },
	{ "fail_page_alloc/probability", "0" },
};

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, value, strlen(value));
		close(fd);
	}
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

static int set_attrs(const char *probability)
{
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		struct attr *a = &attrs[i];
		const char *v = strstr(a->file, "probability") ? probability : a->value;
		int fd;

		snprintf(path, sizeof(path), "/sys/kernel/debug/%s", a->file);
		if (!a->set) {
			ssize_t n;

			fd = open(path, O_RDONLY);
			if (fd < 0)
				return -1;
			n = read(fd, a->saved, sizeof(a->saved) - 1);
			close(fd);
			if (n <= 0)
				return -1;
			a->saved[n] = 0;
			a->saved[strcspn(a->saved, "\n")] = 0;
			a->set = true;
		}
		if (write_file(path, v))
			return -1;
	}
	return 0;
}

static void restore_attrs(void)
{
	char path[128];
	size_t i;

	/* The probability first, then the filter and the rest. */
	for (i = ARRAY_SIZE(attrs); i-- > 0;) {
		if (!attrs[i].set)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s", attrs[i].file);
		write_file(path, attrs[i].saved);
	}
}

static void arm_nth(unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	if (pwrite(nth_fd, s, len, 0) != len)
		ksft_exit_fail_msg("fail-nth write: %s\n", strerror(errno));
}

/* The fail-nth count left (0: the N-th fault point was reached), disarmed. */
static unsigned int disarm_nth(void)
{
	char s[16] = "";
	ssize_t n = pread(nth_fd, s, sizeof(s) - 1, 0);

	if (n <= 0)
		ksft_exit_fail_msg("fail-nth read: %s\n", strerror(errno));
	arm_nth(0);
	return strtoul(s, NULL, 10);
}

static void make_it_fail(bool on)
{
	if (pwrite(mif_fd, on ? "1" : "0", 1, 0) != 1)
		ksft_exit_fail_msg("make-it-fail: %s\n", strerror(errno));
}

/* ---- the runs ---- */

struct tally {
	unsigned long n[NR_OUTCOMES];
};

static const char *outcome_name(int o)
{
	static char s[16];
	const char *name;

	if (o == 0)
		return "0";
	if (o == SHORT)
		return "short";
	name = strerrorname_np(o);
	if (name)
		return name;
	snprintf(s, sizeof(s), "E%d", o);
	return s;
}

static int outcome_slot(long r)
{
	if (r == 0 || r == SHORT)
		return r;
	/* errnos are > SHORT (EPERM is 1: no call here returns it). */
	return -r > 1 && -r < NR_OUTCOMES ? -r : NR_OUTCOMES - 1;
}

/*
 * The outcomes seen, in slot order, "none" if none: "0,ENOMEM,short", or with
 * @counts "0 x3, ENOMEM x5, short x1".
 */
static void outcome_list(const struct tally *t, bool counts, char *s, size_t size)
{
	size_t len = 0;
	int o;

	snprintf(s, size, "none");
	for (o = 0; o < NR_OUTCOMES; o++) {
		if (!t->n[o] || len >= size)
			continue;
		len += snprintf(s + len, size - len, "%s%s", len ? (counts ? ", " : ",") : "",
				outcome_name(o));
		if (counts && len < size)
			len += snprintf(s + len, size - len, " x%lu", t->n[o]);
	}
}

/* Outcomes an allocation failure may give: anything else is a bug. */
static bool expected(long r)
{
	return r == 0 || r == SHORT || r == -ENOMEM || r == -EFAULT || r == -EAGAIN ||
		r == -EIO || r == -EINTR;
}

static bool kind_ok(enum kind k)
{
	if (k == K_THP)
		return have_thp;
	if (k == K_HUGETLB || k == K_HUGETLBFD)
		return have_hugetlb;
	return true;
}

/* One run of @op on fresh memory: -1 if its setup failed. */
static int run_once(const struct op *op, enum kind k, bool nth, unsigned int n,
		    long *r, unsigned int *left, bool *data_ok)
{
	struct ctx c = { .kind = k, .memfd = -1, .fd = { -1, -1 } };

	if (op->setup(&c)) {
		op->teardown(&c);
		return -1;
	}
	if (nth)
		arm_nth(n);
	else
		make_it_fail(true);
	*r = op->call(&c);
	if (nth)
		*left = disarm_nth();
	else
		make_it_fail(false);
	*data_ok = op->check(&c, *r);
	op->teardown(&c);
	return 0;
}

static unsigned int max_n = 2048;

static void run_sweep(const struct op *op, enum kind k)
{
	char set[256], counts[256];
	struct tally t = {};
	unsigned int n, left = 0, points = 0;
	bool data_ok = true, all_data = true, clean = false, unexpected = false;
	long r, bad = 0;

	for (n = 1; n <= max_n; n++) {
		if (run_once(op, k, true, n, &r, &left, &data_ok)) {
			ksft_test_result_skip("sweep %s %s: setup failed (%s)\n", op->name,
					      kind_name[k], strerror(errno));
			return;
		}
		all_data &= data_ok;
		if (left) {
			/* Fewer than n fault points: the clean run. */
			clean = r == 0;
			bad = r;
			break;
		}
		points = n;
		t.n[outcome_slot(r)]++;
		if (!expected(r)) {
			unexpected = true;
			bad = r;
		}
	}
	outcome_list(&t, false, set, sizeof(set));
	outcome_list(&t, true, counts, sizeof(counts));
	ksft_print_msg("%s %s: %u fault points%s; outcomes: %s\n", op->name,
		       kind_name[k], points, n > max_n ? " (the most a sweep runs)" : "", counts);
	printf("@@@ FAULTINJ mode=sweep op=%s/%s points=%u outcomes=%s\n", op->name,
	       kind_name[k], points, set);
	if (!all_data)
		ksft_test_result_fail("sweep %s %s: data wrong after a run\n", op->name,
				      kind_name[k]);
	else if (n <= max_n && !clean)
		ksft_test_result_fail("sweep %s %s: the run without a failure failed: %s\n",
				      op->name, kind_name[k], outcome_name(outcome_slot(bad)));
	else if (unexpected)
		ksft_test_result_fail("sweep %s %s: unexpected outcome %s\n", op->name,
				      kind_name[k], outcome_name(outcome_slot(bad)));
	else
		ksft_test_result_pass("sweep %s %s\n", op->name, kind_name[k]);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct combo {
	const struct op *op;
	enum kind k;
	struct tally t;
	unsigned long runs, setup_failed;
	bool data_ok, unexpected;
};

static void random_phase(struct combo *cs, int nr, int secs)
{
	double end = now() + secs;
	unsigned int left;
	int i;

	for (i = 0; i < nr; i++)
		cs[i].data_ok = true;
	while (now() < end) {
		for (i = 0; i < nr; i++) {
			struct combo *c = &cs[i];
			bool data_ok;
			long r;

			if (run_once(c->op, c->k, false, 0, &r, &left, &data_ok)) {
				c->setup_failed++;
				continue;
			}
			c->runs++;
			c->t.n[outcome_slot(r)]++;
			c->data_ok &= data_ok;
			c->unexpected |= !expected(r);
		}
	}
	for (i = 0; i < nr; i++) {
		struct combo *c = &cs[i];
		char set[256], counts[256];

		outcome_list(&c->t, false, set, sizeof(set));
		outcome_list(&c->t, true, counts, sizeof(counts));
		ksft_print_msg("random %s %s: %lu runs; outcomes: %s\n", c->op->name,
			       kind_name[c->k], c->runs, counts);
		printf("@@@ FAULTINJ mode=random op=%s/%s runs=%lu outcomes=%s\n", c->op->name,
		       kind_name[c->k], c->runs, set);
		ksft_test_result(c->runs && c->data_ok && !c->unexpected,
				 "random %s %s: data right, outcomes expected\n", c->op->name,
				 kind_name[c->k]);
	}
}

static size_t meminfo_kb(const char *key)
{
	char line[128];
	size_t v = 0, len = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len))
			v = strtoul(line + len, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	static struct combo cs[ARRAY_SIZE(ops) * NR_KINDS];
	char thp[128] = "";
	int secs = 0, opt, nr = 0, fd;
	const char *percent = "10";
	size_t i;
	int k;

	while ((opt = getopt(argc, argv, "r:p:n:")) != -1) {
		switch (opt) {
		case 'r':
			secs = atoi(optarg);
			break;
		case 'p':
			percent = optarg;
			break;
		case 'n':
			max_n = strtoul(optarg, NULL, 0);
			break;
		default:
			ksft_exit_fail_msg("usage: %s [-r SECS] [-p PERCENT] [-n MAX]\n", argv[0]);
		}
	}
	ksft_print_header();
	pagesize = getpagesize();
	hpage_size = meminfo_kb("Hugepagesize:") * 1024;
	if (!hpage_size)
		hpage_size = 2 << 20;
	have_hugetlb = meminfo_kb("HugePages_Free:") >= 2;
	fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);
	if (fd >= 0) {
		if (read(fd, thp, sizeof(thp) - 1) < 0)
			thp[0] = 0;
		close(fd);
	}
	have_thp = thp[0] && !strstr(thp, "[never]");

	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	mif_fd = open("/proc/thread-self/make-it-fail", O_RDWR);
	if (nth_fd < 0 || mif_fd < 0)
		ksft_exit_skip("no fail-nth or make-it-fail in /proc (%s): %s\n",
			       "CONFIG_FAULT_INJECTION", strerror(errno));
	if (set_attrs("0")) {
		restore_attrs();
		ksft_exit_skip("cannot set failslab and fail_page_alloc in debugfs (%s, %s, %s)\n",
			       "CONFIG_FAILSLAB", "CONFIG_FAIL_PAGE_ALLOC",
			       "CONFIG_FAULT_INJECTION_DEBUG_FS");
	}
	gup_fd = open("/sys/kernel/debug/gup_test", O_RDWR);
	udmabuf_fd = open("/dev/udmabuf", O_RDWR);

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		for (k = 0; k < NR_KINDS; k++)
			if ((ops[i].kinds & KB(k)) && kind_ok(k))
				cs[nr++] = (struct combo){ .op = &ops[i], .k = k };
	ksft_set_plan(nr * (secs ? 2 : 1));
	ksft_print_msg("gup_test %s, udmabuf %s, THP %s, hugetlb %zu kB pages %s\n",
		       gup_fd < 0 ? "missing" : "present", udmabuf_fd < 0 ? "missing" : "present",
		       have_thp ? "on" : "off", hpage_size >> 10, have_hugetlb ? "free" : "none");

	for (i = 0; i < (size_t)nr; i++)
		run_sweep(cs[i].op, cs[i].k);
	if (secs) {
		char p[16];

		snprintf(p, sizeof(p), "%s", percent);
		if (set_attrs(p)) {
			restore_attrs();
			ksft_exit_fail_msg("cannot set the failure probability\n");
		}
		random_phase(cs, nr, secs);
	}
	restore_attrs();
	ksft_finished();
}
