// SPDX-License-Identifier: GPL-2.0-only
/*
 * GUP-fast while the address space changes under it.
 *
 * Hammer threads call pin_user_pages_fast() and get_user_pages_fast()
 * through gup_test's PIN_FAST_BENCHMARK and GUP_FAST_BENCHMARK, with and
 * without FOLL_WRITE, on a private anonymous area: PMD-sized MADV_HUGEPAGE
 * chunks between a few MADV_NOHUGEPAGE (4K-only) pages. Meanwhile a mutator
 * thread forks, unmaps chunks and maps them again at the same address, zaps
 * them with MADV_DONTNEED, collapses them with MADV_COLLAPSE and makes them
 * read-only for a moment with mprotect(). Such a GUP call may come back
 * short (gup_test then returns a smaller size; it fails the ioctl itself
 * only for its own errors) only while the mutator has part of its range
 * unmapped or read-only: the mutator marks those windows with a sequence
 * count, and a short call or an ioctl error outside one is a failure, as
 * is any errno but EFAULT or ENOMEM inside one. The first half of the area is never unmapped
 * or zapped and holds a pattern that nothing in this process changes; the
 * mutator checks it after each fork, and so does each of its children,
 * which then write their own pattern to their copy.
 *
 * A data checker takes a long-term pin with GUP-fast (gup_test's
 * PIN_LONGTERM_TEST_START with PIN_LONGTERM_TEST_FLAG_USE_FAST, R/O or
 * R/W) on fresh anonymous pages, small or in a THP, while a fork thread
 * forks: the checker wakes it up just before each pin and pins at once or
 * a little later, so that pins and forks overlap in varying ways; in half
 * of the rounds the checker also forks itself right after the pin. Then
 * it writes a new pattern through its own mapping: reading through the
 * pin (PIN_LONGTERM_TEST_READ) must return that pattern. Had fork() left a
 * pinned page shared with a child, the parent's write would have gone to a
 * copy and the pin would read stale data; GUP-fast's write_protect_seq
 * check is there to close that race.
 *
 * R/O PIN_FAST_BENCHMARK calls stay in the half of the area that is never
 * zapped: on a page that was never written they would "pin" the shared zero
 * page, which pins do not count, and gup_test would WARN that the page is
 * not dma-pinned.
 *
 * The kernel side is checked by whoever runs this: a WARN in dmesg and
 * unbalanced nr_foll_pin_acquired/nr_foll_pin_released in /proc/vmstat.
 *
 * Usage: gup_fast_stress [-s SECONDS] [-j HAMMER_THREADS]
 */
#define _GNU_SOURCE
#define __SANE_USERSPACE_TYPES__ /* u64 is unsigned long long */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <mm/gup_test.h>
#include "vm_util.h"
#include "kselftest.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif

/* From the kernel's internal FOLL_* flags, as gup_test.c does. */
#define FOLL_WRITE		0x01

#define GUP_TEST_FILE		"/sys/kernel/debug/gup_test"
#define THP_ENABLED_FILE	"/sys/kernel/mm/transparent_hugepage/enabled"

#define NR_CHUNKS		6	/* PMD-sized, MADV_HUGEPAGE */
#define NR_STABLE		3	/* the first ones: never unmapped or zapped */
#define NR_SMALL		8	/* 4K-only pages before and after the chunks */
#define DATA_PAGES		4	/* pinned by the data checker */
#define MAX_HAMMERS		64
#define MAX_REPORTS		5	/* messages per thread */

#define STABLE_MAGIC		0x5354424c00000000ULL
#define CHILD_MAGIC		0x4348494c44000000ULL

enum { T_PIN_FAST, T_GUP_FAST, T_MUTATOR, T_INTACT, T_PINNED, NR_TESTS };

static const char * const case_name[NR_TESTS] = {
	[T_PIN_FAST] = "hammer pin_fast",
	[T_GUP_FAST] = "hammer gup_fast",
	[T_MUTATOR] = "mutator",
	[T_INTACT] = "hammered data intact",
	[T_PINNED] = "pinned data after fork",
};

static int gup_fd;
static size_t pagesize, pmdsize;
static unsigned long chunk_pages;
/* NR_SMALL pages, NR_CHUNKS chunks, NR_SMALL pages; pmdsize-aligned chunks */
static char *area;
static unsigned long area_pages;
/* The first NR_SMALL pages and NR_STABLE chunks: pattern, never zapped. */
static unsigned long stable_pages;
/*
 * The data checker's areas, pmdsize each: [0] MADV_NOHUGEPAGE, [1]
 * MADV_HUGEPAGE. Its pinned pages and round, for the children.
 */
static char *data[2];
static char *data_pages;
static unsigned long data_round;
static bool collapse_supported;

static int stop;
/* Odd while the mutator has part of the area unmapped or read-only. */
static unsigned long unstable_seq;
/* Odd while the fork thread is in fork(). */
static unsigned long fork_seq;
/* The data checker asks the fork thread for a fork with each pin. */
static unsigned long fork_req;
static pthread_mutex_t fork_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fork_cond = PTHREAD_COND_INITIALIZER;

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static bool stopping(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

static void stop_all(void)
{
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&fork_lock);
	pthread_cond_broadcast(&fork_cond);
	pthread_mutex_unlock(&fork_lock);
}

static unsigned long seq_read(unsigned long *seq)
{
	return __atomic_load_n(seq, __ATOMIC_SEQ_CST);
}

static void seq_inc(unsigned long *seq)
{
	__atomic_add_fetch(seq, 1, __ATOMIC_SEQ_CST);
}

static unsigned long rnd(unsigned int *seed, unsigned long n)
{
	return (unsigned long)rand_r(seed) % n;
}

static char *page_addr(unsigned long i)
{
	return area + i * pagesize;
}

static char *chunk_addr(int c)
{
	return page_addr(NR_SMALL + c * chunk_pages);
}

/* A message from a thread, at most MAX_REPORTS per budget. */
static __printf(2, 3) void report(unsigned int *budget, const char *fmt, ...)
{
	va_list args;

	if (*budget >= MAX_REPORTS)
		return;
	pthread_mutex_lock(&print_lock);
	printf("# ");
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	if (++*budget == MAX_REPORTS)
		printf("# (further messages of this thread suppressed)\n");
	pthread_mutex_unlock(&print_lock);
}

static uint64_t stable_word(unsigned long i)
{
	return STABLE_MAGIC ^ i;
}

static void stable_fill(void)
{
	unsigned long i;

	for (i = 0; i < stable_pages; i++) {
		uint64_t *w = (uint64_t *)page_addr(i);

		w[0] = stable_word(i);
		w[pagesize / sizeof(*w) - 1] = ~stable_word(i);
	}
}

/* The number of stable pages that lost their pattern; the first in *first. */
static unsigned long stable_check(unsigned long *first, uint64_t *got)
{
	unsigned long i, bad = 0;

	for (i = 0; i < stable_pages; i++) {
		uint64_t *w = (uint64_t *)page_addr(i);
		uint64_t head = w[0], tail = w[pagesize / sizeof(*w) - 1];

		if (head == stable_word(i) && tail == ~stable_word(i))
			continue;
		if (!bad++ && first) {
			*first = i;
			*got = head != stable_word(i) ? head : tail;
		}
	}
	return bad;
}

/* AnonHugePages of this process, in kB (0 if unknown). */
static unsigned long anon_huge_kb(void)
{
	unsigned long kb = 0;
	char line[256];
	FILE *f;

	f = fopen("/proc/self/smaps_rollup", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* ---- hammer threads ---- */

struct hammer_stats {
	unsigned long calls, writes, pages;
	unsigned long short_ok;	/* short while a window was open */
	unsigned long errno_ok;	/* EFAULT/ENOMEM while a window was open */
	unsigned long bad;
};

struct hammer {
	pthread_t tid;
	unsigned int seed;
	unsigned int reports;
	struct hammer_stats st[2];	/* [0] GUP_FAST, [1] PIN_FAST */
};

/*
 * A range of the first @limit pages of the area and a number of pages per
 * GUP call: everything (rarely: it is slow under emulation), one chunk,
 * across a 4K/THP or a THP/THP boundary, or anywhere.
 */
static void pick_range(unsigned int *seed, unsigned long limit,
		       unsigned long *first, unsigned long *nr, __u32 *per_call)
{
	static const __u32 per_call_choice[] = { 1, 123, 512, 0 };
	unsigned long chunks = (limit - NR_SMALL) / chunk_pages;
	unsigned long n;

	switch (rnd(seed, 16)) {
	case 0:
		*first = 0;
		*nr = limit;
		break;
	case 1 ... 5:
		*first = NR_SMALL + rnd(seed, chunks) * chunk_pages;
		*nr = chunk_pages;
		break;
	case 6 ... 10:
		n = 1 + rnd(seed, NR_SMALL);
		*first = NR_SMALL + rnd(seed, chunks) * chunk_pages - n;
		*nr = n + 1 + rnd(seed, NR_SMALL);
		break;
	default:
		*first = rnd(seed, limit);
		*nr = 1 + rnd(seed, chunk_pages + 2 * NR_SMALL);
		break;
	}
	if (*first + *nr > limit)
		*nr = limit - *first;
	*per_call = per_call_choice[rnd(seed, ARRAY_SIZE(per_call_choice))];
	if (!*per_call)
		*per_call = *nr;
}

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	unsigned long i, first, nr, limit, s1, s2;
	struct hammer_stats *st;
	struct gup_test gup;
	bool pin, write, racy;
	__u32 per_call;
	int ret, err;

	for (i = 0; !stopping(); i++) {
		pin = !(i & 1);
		write = !(i & 2);
		st = &h->st[pin];
		/* R/O pins only where the zero page cannot be (see above) */
		limit = pin && !write ? stable_pages : area_pages;
		pick_range(&h->seed, limit, &first, &nr, &per_call);

		memset(&gup, 0, sizeof(gup));
		gup.addr = (uintptr_t)page_addr(first);
		gup.size = nr * pagesize;
		gup.nr_pages_per_call = per_call;
		gup.gup_flags = write ? FOLL_WRITE : 0;

		s1 = seq_read(&unstable_seq);
		ret = ioctl(gup_fd, pin ? PIN_FAST_BENCHMARK : GUP_FAST_BENCHMARK,
			    &gup);
		err = errno;
		s2 = seq_read(&unstable_seq);
		racy = (s1 & 1) || s1 != s2;

		st->calls++;
		if (write)
			st->writes++;
		if (ret) {
			if (racy && (err == EFAULT || err == ENOMEM)) {
				st->errno_ok++;
				continue;
			}
			st->bad++;
			report(&h->reports, "%s_FAST_BENCHMARK%s of pages %lu-%lu: %s\n",
			       pin ? "PIN" : "GUP", write ? " (FOLL_WRITE)" : "",
			       first, first + nr - 1, strerror(err));
			continue;
		}
		st->pages += gup.size / pagesize;
		if (gup.size == nr * pagesize)
			continue;
		if (racy) {
			st->short_ok++;
			continue;
		}
		st->bad++;
		report(&h->reports,
		       "%s_FAST_BENCHMARK%s of pages %lu-%lu, %u per call: %llu of %lu bytes, all mapped and writable\n",
		       pin ? "PIN" : "GUP", write ? " (FOLL_WRITE)" : "",
		       first, first + nr - 1, per_call, gup.size, nr * pagesize);
	}
	return NULL;
}

/* ---- mutator ---- */

struct mutator {
	unsigned int seed;
	unsigned int reports;
	unsigned long iterations, forks, remaps, dontneeds, mprotects;
	unsigned long collapses, collapse_ok, collapse_errno[4];
	unsigned long bad;
	/* the data-intact case */
	unsigned long stable_checks, stable_bad, child_bad;
	unsigned long thp_kb_max;
};

static const int collapse_tolerated[] = { EAGAIN, EINVAL, ENOMEM, EBUSY };

static void mutate_fork(struct mutator *m)
{
	unsigned long i, bad;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		m->bad++;
		report(&m->reports, "fork: %s\n", strerror(errno));
		return;
	}
	if (!pid) {
		bad = stable_check(NULL, NULL);
		for (i = 0; i < area_pages; i += 37)
			*(uint64_t *)page_addr(i) = CHILD_MAGIC ^ i;
		_exit(bad ? 1 : 0);
	}
	m->forks++;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			m->bad++;
			report(&m->reports, "waitpid: %s\n", strerror(errno));
			return;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
		m->child_bad++;
		report(&m->reports, "a child found the stable pages changed\n");
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		m->bad++;
		report(&m->reports, "a child ended with status %#x\n", status);
	}
}

/* Unmap a chunk after the stable ones, or the 4K pages at the end, and map it again. */
static void mutate_remap(struct mutator *m)
{
	unsigned long which = rnd(&m->seed, NR_CHUNKS - NR_STABLE + 1);
	int advice = MADV_HUGEPAGE;
	size_t len = pmdsize, i;
	char *addr, *p;

	if (which == NR_CHUNKS - NR_STABLE) {
		len = NR_SMALL * pagesize;
		advice = MADV_NOHUGEPAGE;
	}
	addr = chunk_addr(NR_STABLE + which);

	seq_inc(&unstable_seq);
	if (munmap(addr, len)) {
		m->bad++;
		report(&m->reports, "munmap: %s\n", strerror(errno));
	}
	usleep(rnd(&m->seed, 500));
	p = mmap(addr, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p != addr) {
		/* The area has a hole now: stop, leaving the window open. */
		m->bad++;
		report(&m->reports, "mmap(MAP_FIXED) at %p: %s\n", addr,
		       p == MAP_FAILED ? strerror(errno) : "another address");
		stop_all();
		return;
	}
	if (madvise(addr, len, advice)) {
		m->bad++;
		report(&m->reports, "madvise(MADV_%sHUGEPAGE): %s\n",
		       advice == MADV_HUGEPAGE ? "" : "NO", strerror(errno));
	}
	seq_inc(&unstable_seq);
	m->remaps++;
	/* Populate it (a THP in a chunk) every other time. */
	if (rnd(&m->seed, 2))
		for (i = 0; i < len; i += pagesize)
			addr[i] = 1;
}

/* MADV_DONTNEED of some of the pages after the stable ones */
static void mutate_dontneed(struct mutator *m)
{
	unsigned long c = NR_STABLE + rnd(&m->seed, NR_CHUNKS - NR_STABLE);
	unsigned long first, nr;

	switch (rnd(&m->seed, 3)) {
	case 0:
		first = NR_SMALL + c * chunk_pages;
		nr = chunk_pages;
		break;
	case 1:	/* the second half of a chunk: splits a PMD-mapped THP */
		first = NR_SMALL + c * chunk_pages + chunk_pages / 2;
		nr = chunk_pages / 2;
		break;
	default:
		first = stable_pages + rnd(&m->seed, area_pages - stable_pages);
		nr = 1 + rnd(&m->seed, 16);
		if (first + nr > area_pages)
			nr = area_pages - first;
		break;
	}
	if (madvise(page_addr(first), nr * pagesize, MADV_DONTNEED)) {
		m->bad++;
		report(&m->reports, "madvise(MADV_DONTNEED): %s\n", strerror(errno));
	}
	m->dontneeds++;
}

static void mutate_collapse(struct mutator *m)
{
	size_t i;

	if (!collapse_supported)
		return;
	m->collapses++;
	if (!madvise(chunk_addr(rnd(&m->seed, NR_CHUNKS)), pmdsize, MADV_COLLAPSE)) {
		m->collapse_ok++;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(collapse_tolerated); i++) {
		if (errno == collapse_tolerated[i]) {
			m->collapse_errno[i]++;
			return;
		}
	}
	m->bad++;
	report(&m->reports, "madvise(MADV_COLLAPSE): %s\n", strerror(errno));
}

/* A chunk, or pages anywhere, read-only for a moment */
static void mutate_mprotect(struct mutator *m)
{
	unsigned long first, nr;
	char *addr;

	if (rnd(&m->seed, 2)) {
		first = NR_SMALL + rnd(&m->seed, NR_CHUNKS) * chunk_pages;
		nr = chunk_pages;
	} else {
		first = rnd(&m->seed, area_pages);
		nr = 1 + rnd(&m->seed, chunk_pages + NR_SMALL);
		if (first + nr > area_pages)
			nr = area_pages - first;
	}
	addr = page_addr(first);

	seq_inc(&unstable_seq);
	if (mprotect(addr, nr * pagesize, PROT_READ)) {
		m->bad++;
		report(&m->reports, "mprotect(PROT_READ): %s\n", strerror(errno));
	}
	usleep(rnd(&m->seed, 500));
	if (mprotect(addr, nr * pagesize, PROT_READ | PROT_WRITE)) {
		/* Part of the area stays read-only: stop, window open. */
		m->bad++;
		report(&m->reports, "mprotect(PROT_READ | PROT_WRITE): %s\n",
		       strerror(errno));
		stop_all();
		return;
	}
	seq_inc(&unstable_seq);
	m->mprotects++;
}

static void *mutator_thread(void *arg)
{
	struct mutator *m = arg;
	unsigned long bad, first, kb;
	uint64_t got;

	while (!stopping()) {
		mutate_fork(m);
		mutate_remap(m);
		if (stopping())
			break;
		mutate_dontneed(m);
		mutate_collapse(m);
		mutate_mprotect(m);

		bad = stable_check(&first, &got);
		m->stable_checks++;
		if (bad) {
			m->stable_bad += bad;
			report(&m->reports,
			       "%lu stable pages changed, the first is page %lu: %#llx\n",
			       bad, first, (unsigned long long)got);
			/* Restore them, so that the next checks stay useful. */
			stable_fill();
		}
		/* THPs in use: a sample (smaps_rollup is slow to read) */
		if (!(m->iterations % 8)) {
			kb = anon_huge_kb();
			if (kb > m->thp_kb_max)
				m->thp_kb_max = kb;
		}
		m->iterations++;
	}
	return NULL;
}

/* ---- data checker and its fork thread ---- */

struct checker {
	unsigned int seed;
	unsigned int reports;
	unsigned long rounds, thp_rounds, write_rounds, self_forks;
	unsigned long raced;	/* the fork thread forked during the pin */
	unsigned long wrong_rounds, wrong_pages;
	unsigned long bad;
};

struct forker {
	unsigned int reports;
	unsigned long forks;
	unsigned long bad;
};

/* Word @i of the data checker's pages in @round, written by @tag. */
static uint64_t data_word(unsigned long round, unsigned char tag, unsigned long i)
{
	return (uint64_t)round << 32 | (uint64_t)tag << 24 | i;
}

static void data_fill(char *p, unsigned long round, unsigned char tag)
{
	uint64_t *w = (uint64_t *)p;
	unsigned long i, n = DATA_PAGES * pagesize / sizeof(*w);

	for (i = 0; i < n; i++)
		w[i] = data_word(round, tag, i);
}

/* A child of either thread writes its own pattern to its copy. */
static __noreturn void data_child(void)
{
	data_fill(__atomic_load_n(&data_pages, __ATOMIC_RELAXED),
		  __atomic_load_n(&data_round, __ATOMIC_RELAXED), 'C');
	_exit(0);
}

/* Fork when the data checker asks, i.e. just before it pins. */
static void *forker_thread(void *arg)
{
	unsigned long done = 0;
	struct forker *f = arg;
	int status;
	pid_t pid;

	while (!stopping()) {
		pthread_mutex_lock(&fork_lock);
		while (fork_req == done && !stopping())
			pthread_cond_wait(&fork_cond, &fork_lock);
		done = fork_req;
		pthread_mutex_unlock(&fork_lock);
		if (stopping())
			break;

		seq_inc(&fork_seq);
		pid = fork();
		if (!pid)
			data_child();
		seq_inc(&fork_seq);
		if (pid < 0) {
			f->bad++;
			report(&f->reports, "fork: %s\n", strerror(errno));
			break;
		}
		f->forks++;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			f->bad++;
			report(&f->reports, "a child ended with status %#x\n",
			       status);
		}
	}
	return NULL;
}

/* Compare what the pin read with the parent's last write. */
static void check_pinned(struct checker *c, const uint64_t *buf,
			 unsigned long round, const char *what)
{
	unsigned long i, n = DATA_PAGES * pagesize / sizeof(*buf);
	unsigned long page, last_page = -1UL, wrong = 0;
	const char *why;

	for (i = 0; i < n; i++) {
		if (buf[i] == data_word(round, 'B', i))
			continue;
		page = i * sizeof(*buf) / pagesize;
		if (page == last_page)
			continue;
		last_page = page;
		wrong++;
		if (buf[i] == data_word(round, 'A', i))
			why = "stale: the pin is not on the page the parent maps";
		else if ((buf[i] >> 24 & 0xff) == 'C')
			why = "a child's data";
		else
			why = "unknown data";
		report(&c->reports,
		       "round %lu (%s): page %lu word %lu through the pin is %#llx, want %#llx: %s\n",
		       round, what, page, i % (pagesize / sizeof(*buf)),
		       (unsigned long long)buf[i],
		       (unsigned long long)data_word(round, 'B', i), why);
	}
	if (wrong) {
		c->wrong_rounds++;
		c->wrong_pages += wrong;
	}
}

static void checker_round(struct checker *c, uint64_t *buf)
{
	unsigned long round = c->rounds, f1, f2;
	bool thp = round & 1, write = round & 2, self_fork = round & 4;
	struct pin_longterm_test args;
	pid_t pid = 0;
	char what[64];
	int status;
	__u64 dst;
	char *p;

	snprintf(what, sizeof(what), "%s, R/%s pin%s", thp ? "THP" : "4K",
		 write ? "W" : "O", self_fork ? ", fork after the pin" : "");
	if (madvise(data[thp], pmdsize, MADV_DONTNEED)) {
		c->bad++;
		report(&c->reports, "madvise(MADV_DONTNEED): %s\n", strerror(errno));
		return;
	}
	p = data[thp] + rnd(&c->seed, chunk_pages - DATA_PAGES) * pagesize;
	__atomic_store_n(&data_pages, p, __ATOMIC_RELAXED);
	__atomic_store_n(&data_round, round, __ATOMIC_RELAXED);
	data_fill(p, round, 'A');

	args.addr = (uintptr_t)p;
	args.size = DATA_PAGES * pagesize;
	args.flags = PIN_LONGTERM_TEST_FLAG_USE_FAST;
	if (write)
		args.flags |= PIN_LONGTERM_TEST_FLAG_USE_WRITE;
	/* Ask for a fork, then pin now, soon or a little later. */
	pthread_mutex_lock(&fork_lock);
	fork_req++;
	pthread_cond_signal(&fork_cond);
	pthread_mutex_unlock(&fork_lock);
	switch (rnd(&c->seed, 3)) {
	case 1:
		sched_yield();
		break;
	case 2:
		usleep(rnd(&c->seed, 2000));
		break;
	}
	f1 = seq_read(&fork_seq);
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args)) {
		c->bad++;
		report(&c->reports, "round %lu (%s): PIN_LONGTERM_TEST_START: %s\n",
		       round, what, strerror(errno));
		return;
	}
	if (self_fork) {
		pid = fork();
		if (!pid)
			data_child();
		if (pid < 0) {
			c->bad++;
			report(&c->reports, "fork: %s\n", strerror(errno));
		} else {
			c->self_forks++;
		}
	}
	f2 = seq_read(&fork_seq);
	if ((f1 & 1) || f1 != f2)
		c->raced++;

	data_fill(p, round, 'B');
	dst = (uintptr_t)buf;
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_READ, &dst)) {
		c->bad++;
		report(&c->reports, "round %lu (%s): PIN_LONGTERM_TEST_READ: %s\n",
		       round, what, strerror(errno));
	} else {
		check_pinned(c, buf, round, what);
	}
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP)) {
		c->bad++;
		report(&c->reports, "PIN_LONGTERM_TEST_STOP: %s\n", strerror(errno));
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			c->bad++;
			report(&c->reports, "a child ended with status %#x\n",
			       status);
		}
	}
	c->rounds++;
	c->thp_rounds += thp;
	c->write_rounds += write;
}

static void *checker_thread(void *arg)
{
	struct checker *c = arg;
	uint64_t *buf;

	buf = malloc(DATA_PAGES * pagesize);
	if (!buf) {
		c->bad++;
		report(&c->reports, "malloc: %s\n", strerror(errno));
		return NULL;
	}
	memset(buf, 0, DATA_PAGES * pagesize);
	while (!stopping())
		checker_round(c, buf);
	free(buf);
	return NULL;
}

/* ---- setup and results ---- */

/* @size bytes at a @align-aligned address, @before bytes ahead of it mapped too */
static char *map_aligned(size_t before, size_t size, size_t align)
{
	size_t len = before + size + align;
	char *res, *p;

	res = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)res + before + align - 1) & ~(align - 1)) - before;
	if (p > res)
		munmap(res, p - res);
	if (res + len > p + before + size)
		munmap(p + before + size, res + len - (p + before + size));
	if (mmap(p, before + size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p)
		return NULL;
	return p;
}

static void setup(void)
{
	size_t small = NR_SMALL * pagesize;
	char *probe, thp[128] = "";
	int c, fd;
	ssize_t n;

	area = map_aligned(small, NR_CHUNKS * pmdsize + small, pmdsize);
	if (!area)
		ksft_exit_fail_msg("mmap(area): %s\n", strerror(errno));
	if (madvise(area, small, MADV_NOHUGEPAGE) ||
	    madvise(chunk_addr(0), NR_CHUNKS * pmdsize, MADV_HUGEPAGE) ||
	    madvise(chunk_addr(NR_CHUNKS), small, MADV_NOHUGEPAGE))
		ksft_exit_fail_msg("madvise(area): %s\n", strerror(errno));
	for (c = 0; c < NR_CHUNKS; c++)
		memset(chunk_addr(c), 0, pmdsize);
	memset(area, 0, small);
	memset(chunk_addr(NR_CHUNKS), 0, small);
	stable_fill();

	for (c = 0; c < 2; c++) {
		data[c] = map_aligned(0, pmdsize, pmdsize);
		if (!data[c] ||
		    madvise(data[c], pmdsize, c ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
			ksft_exit_fail_msg("mmap(data): %s\n", strerror(errno));
	}

	fd = open(THP_ENABLED_FILE, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, thp, sizeof(thp) - 1);
		thp[n > 0 ? n - 1 : 0] = 0;
		close(fd);
	}
	ksft_print_msg("THP %s: %s\n", THP_ENABLED_FILE,
		       fd >= 0 ? thp : strerror(errno));

	/* Is there an MADV_COLLAPSE at all? */
	probe = map_aligned(0, pmdsize, pmdsize);
	if (!probe)
		ksft_exit_fail_msg("mmap(probe): %s\n", strerror(errno));
	/* a small page first, so that there is something to collapse */
	madvise(probe, pmdsize, MADV_NOHUGEPAGE);
	memset(probe, 1, pagesize);
	madvise(probe, pmdsize, MADV_HUGEPAGE);
	if (!madvise(probe, pmdsize, MADV_COLLAPSE)) {
		collapse_supported = true;
	} else if (errno == EINVAL) {
		ksft_print_msg("MADV_COLLAPSE is not supported (EINVAL): no collapses\n");
	} else {
		collapse_supported = true;
		ksft_print_msg("MADV_COLLAPSE probe: %s\n", strerror(errno));
	}
	munmap(probe, pmdsize);
}

static void print_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-s SECONDS] [-j HAMMER_THREADS]\n"
		"  -s  how long to run (default 60)\n"
		"  -j  number of hammer threads, 1-%d (default 4)\n",
		prog, MAX_HAMMERS);
}

int main(int argc, char **argv)
{
	static struct hammer hammers[MAX_HAMMERS];
	struct hammer_stats hs[2] = { 0 };
	struct mutator m = { 0 };
	struct checker c = { 0 };
	struct forker f = { 0 };
	pthread_t mutator_tid, checker_tid, forker_tid;
	int secs = 60, nr_hammers = 4, opt, i, j, t;
	struct timespec t0, t1;
	unsigned int seed;
	double elapsed;
	char reason[128];
	const char *name;
	bool ok;

	while ((opt = getopt(argc, argv, "s:j:h")) != -1) {
		switch (opt) {
		case 's':
			secs = atoi(optarg);
			break;
		case 'j':
			nr_hammers = atoi(optarg);
			break;
		case 'h':
			print_usage(argv[0]);
			return KSFT_PASS;
		default:
			print_usage(argv[0]);
			return KSFT_FAIL;
		}
	}
	if (optind != argc || secs <= 0 || nr_hammers <= 0 ||
	    nr_hammers > MAX_HAMMERS) {
		print_usage(argv[0]);
		return KSFT_FAIL;
	}

	ksft_print_header();
	ksft_set_plan(NR_TESTS);

	gup_fd = open(GUP_TEST_FILE, O_RDWR);
	if (gup_fd < 0) {
		snprintf(reason, sizeof(reason), "%s: %s (CONFIG_GUP_TEST, debugfs, root)",
			 GUP_TEST_FILE, strerror(errno));
		for (t = 0; t < NR_TESTS; t++)
			ksft_test_result_code(KSFT_SKIP, case_name[t], "%s", reason);
		ksft_finished();
	}

	pagesize = psize();
	pmdsize = read_pmd_pagesize();
	if (!pmdsize) {
		pmdsize = 2UL << 20;
		ksft_print_msg("no THP PMD size in sysfs: 2 MiB chunks, no THPs\n");
	}
	chunk_pages = pmdsize / pagesize;
	area_pages = 2 * NR_SMALL + NR_CHUNKS * chunk_pages;
	stable_pages = NR_SMALL + NR_STABLE * chunk_pages;
	setup();
	ksft_print_msg("%d s, %d hammer threads; AnonHugePages after setup: %lu kB\n",
		       secs, nr_hammers, anon_huge_kb());
	ksft_print_msg("area: %lu pages: %d 4K-only, %d x %zu kB (%d never zapped), %d 4K-only\n",
		       area_pages, NR_SMALL, NR_CHUNKS, pmdsize >> 10, NR_STABLE,
		       NR_SMALL);
	fflush(stdout);

	seed = time(NULL) ^ getpid();
	m.seed = seed * 3 + 1;
	c.seed = seed * 5 + 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nr_hammers; i++) {
		hammers[i].seed = seed * 7 + i;
		if (pthread_create(&hammers[i].tid, NULL, hammer_thread, &hammers[i]))
			ksft_exit_fail_msg("pthread_create\n");
	}
	if (pthread_create(&mutator_tid, NULL, mutator_thread, &m) ||
	    pthread_create(&checker_tid, NULL, checker_thread, &c) ||
	    pthread_create(&forker_tid, NULL, forker_thread, &f))
		ksft_exit_fail_msg("pthread_create\n");

	for (i = 0; i < secs * 10 && !stopping(); i++)
		usleep(100000);
	stop_all();
	for (i = 0; i < nr_hammers; i++)
		pthread_join(hammers[i].tid, NULL);
	pthread_join(mutator_tid, NULL);
	pthread_join(checker_tid, NULL);
	pthread_join(forker_tid, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	elapsed = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ksft_print_msg("ran %.1f s\n", elapsed);

	for (i = 0; i < nr_hammers; i++) {
		for (j = 0; j < 2; j++) {
			hs[j].calls += hammers[i].st[j].calls;
			hs[j].writes += hammers[i].st[j].writes;
			hs[j].pages += hammers[i].st[j].pages;
			hs[j].short_ok += hammers[i].st[j].short_ok;
			hs[j].errno_ok += hammers[i].st[j].errno_ok;
			hs[j].bad += hammers[i].st[j].bad;
		}
	}
	for (j = 1; j >= 0; j--) {
		struct hammer_stats *s = &hs[j];

		t = j ? T_PIN_FAST : T_GUP_FAST;
		name = j ? "PIN_FAST_BENCHMARK" : "GUP_FAST_BENCHMARK";
		ksft_print_msg("%s: %lu ioctls (%lu FOLL_WRITE) over %lu pages\n",
			       name, s->calls, s->writes, s->pages);
		ksft_print_msg("%s: tolerated, unmapped/read-only: %lu short, %lu EFAULT/ENOMEM\n",
			       name, s->short_ok, s->errno_ok);
		ksft_print_msg("%s: unexpected results: %lu\n", name, s->bad);
		if (!s->calls)
			ksft_print_msg("no ioctl in %.1f s\n", elapsed);
		ksft_test_result(s->calls && !s->bad, "%s\n", case_name[t]);
	}

	ksft_print_msg("mutator: %lu iterations: %lu forks, %lu munmap+mmap, %lu MADV_DONTNEED,\n",
		       m.iterations, m.forks, m.remaps, m.dontneeds);
	ksft_print_msg("mutator: %lu mprotect toggles; unexpected errors: %lu\n",
		       m.mprotects, m.bad);
	if (collapse_supported) {
		ksft_print_msg("MADV_COLLAPSE: %lu, %lu collapsed\n",
			       m.collapses, m.collapse_ok);
		ksft_print_msg("collapse failures: %lu EAGAIN, %lu EINVAL, %lu ENOMEM, %lu EBUSY\n",
			       m.collapse_errno[0], m.collapse_errno[1],
			       m.collapse_errno[2], m.collapse_errno[3]);
	} else {
		ksft_print_msg("MADV_COLLAPSE: not supported, not done\n");
	}
	ksft_print_msg("AnonHugePages: at most %lu kB in samples every 8 iterations\n",
		       m.thp_kb_max);
	ksft_test_result(m.iterations && !m.bad, "%s\n", case_name[T_MUTATOR]);

	ksft_print_msg("stable pages: %lu checks of %lu pages, %lu pages changed\n",
		       m.stable_checks, stable_pages, m.stable_bad);
	ksft_print_msg("stable pages: %lu children of %lu saw them changed\n",
		       m.child_bad, m.forks);
	ksft_test_result(m.stable_checks && !m.stable_bad && !m.child_bad,
			 "%s\n", case_name[T_INTACT]);

	ksft_print_msg("pinned data: %lu rounds: %lu THP, %lu R/W pins, %lu forks after the pin\n",
		       c.rounds, c.thp_rounds, c.write_rounds, c.self_forks);
	ksft_print_msg("pinned data: %lu forks by the fork thread, %lu pins overlapping one\n",
		       f.forks, c.raced);
	ksft_print_msg("pinned data: %lu rounds with wrong data (%lu pages); errors: %lu\n",
		       c.wrong_rounds, c.wrong_pages, c.bad + f.bad);
	ok = c.rounds && f.forks && !c.wrong_rounds && !c.bad && !f.bad;
	ksft_test_result(ok, "%s\n", case_name[T_PINNED]);

	close(gup_fd);
	ksft_finished();
}
