// SPDX-License-Identifier: GPL-2.0
/*
 * FOLL_LONGTERM pins migrate pages out of CMA areas and ZONE_MOVABLE.
 *
 * A page in a CMA area or in ZONE_MOVABLE must stay migratable: a long-term
 * pin (pin_user_pages*() with FOLL_LONGTERM, memfd_pin_folios()) first
 * migrates such a page elsewhere and pins the copy, while a short-term pin
 * leaves it where it is. For each area that exists (the CMA areas listed in
 * /sys/kernel/debug/cma, whose pfn ranges are their base_pfn and count, and
 * the pfn span of zone Movable in /proc/zoneinfo) and each kind of memory
 * (anonymous 4K pages, anonymous THPs, a shmem memfd) this test:
 *
 *  - gets pages into the area: user pages come from the highest zone first,
 *    and movable allocations take CMA pageblocks while the zone's free CMA
 *    pages are more than half its free pages, so the kernel needs an area
 *    placed and sized for that (cma=, movablecore=). If a chunk gets no
 *    page in the area, the test keeps it to use up memory outside the area
 *    and tries another, up to half of MemAvailable; then it frees those.
 *    An area that exists but that no page could be put in is a failure;
 *    a kernel without the area skips, saying so;
 *  - reads each page's pfn from /proc/self/pagemap (root only), pins the
 *    pages through /sys/kernel/debug/gup_test (PIN_LONGTERM_TEST_START,
 *    with PIN_LONGTERM_TEST_FLAG_USE_FAST for pin_user_pages_fast(); the
 *    pin holds until PIN_LONGTERM_TEST_STOP; PIN_BASIC_TEST and
 *    PIN_FAST_BENCHMARK for short-term pins, released in the ioctl) or,
 *    for the memfd, through /dev/udmabuf (UDMABUF_CREATE pins the memfd's
 *    folios with memfd_pin_folios() until the dma-buf is released), and
 *    reads the pfns again;
 *  - long-term: every page is outside the area while pinned (pages that
 *    started outside it kept their pfn), the data is intact, data written
 *    through the mapping is what the pin reads (PIN_LONGTERM_TEST_READ, or
 *    the dma-buf's own mapping, whose pfns must be the memfd's),
 *    pgmigrate_success in /proc/vmstat rose by at least the number of pages
 *    moved, and so did the free pages of the area (nr_free_cma, or zone
 *    Movable's free pages) by at least half of them;
 *  - short-term: the pin covered the whole range and every pfn is
 *    unchanged, data intact.
 *
 * Usage: gup_longterm_migrate [-a cma|movable]...
 *   -a AREA  test this area (repeat for both); without -a, both. The cases
 *            of an area the kernel lacks are skipped, saying why; if it
 *            has none of the areas, the whole test is one skip.
 */
#define _GNU_SOURCE
#define __SANE_USERSPACE_TYPES__ /* u64 is unsigned long long */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/udmabuf.h>
#include <mm/gup_test.h>
#include "vm_util.h"
#include "kselftest.h"

/* From the kernel's internal FOLL_* flags, as gup_test.c does. */
#define FOLL_WRITE		0x01

#define GUP_TEST_FILE		"/sys/kernel/debug/gup_test"
#define CMA_DEBUGFS		"/sys/kernel/debug/cma"
#define UDMABUF_FILE		"/dev/udmabuf"
#define THP_ENABLED_FILE	"/sys/kernel/mm/transparent_hugepage/enabled"
#define STAT_REFRESH_FILE	"/proc/sys/vm/stat_refresh"
#define HIGH_FRACTION_FILE	"/proc/sys/vm/percpu_pagelist_high_fraction"

#define PM_PFN_MASK		((1ULL << 55) - 1)
#define CHUNK_SIZE		(8UL << 20)	/* bytes per case */
#define MAX_FILLERS		512
#define MAX_RANGES		32

enum area_kind { AREA_CMA, AREA_MOVABLE, NR_AREAS };
enum mem_kind { MEM_ANON, MEM_THP, MEM_MEMFD };
enum pin_kind { LT_SLOW, LT_FAST, LT_UDMABUF, ST_SLOW, ST_FAST };

struct area {
	const char *opt;	/* -a name */
	const char *label;
	unsigned long start[MAX_RANGES], end[MAX_RANGES];	/* pfns */
	int nr;
	char none[200];		/* why the kernel has no such area */
};

static struct area areas[NR_AREAS] = {
	[AREA_CMA] = { .opt = "cma", .label = "CMA" },
	[AREA_MOVABLE] = { .opt = "movable", .label = "ZONE_MOVABLE" },
};

static const struct test {
	enum mem_kind mem;
	enum pin_kind pin;
	const char *desc;
} tests[] = {
	{ MEM_ANON, LT_SLOW, "anon 4K: long-term pin_user_pages() migrates out" },
	{ MEM_ANON, LT_FAST, "anon 4K: long-term pin_user_pages_fast() migrates out" },
	{ MEM_ANON, ST_SLOW, "anon 4K: short-term pin_user_pages() leaves pages" },
	{ MEM_ANON, ST_FAST, "anon 4K: short-term pin_user_pages_fast() leaves pages" },
	{ MEM_THP, LT_SLOW, "anon THP: long-term pin_user_pages() migrates out" },
	{ MEM_THP, LT_FAST, "anon THP: long-term pin_user_pages_fast() migrates out" },
	{ MEM_THP, ST_SLOW, "anon THP: short-term pin_user_pages() leaves pages" },
	{ MEM_THP, ST_FAST, "anon THP: short-term pin_user_pages_fast() leaves pages" },
	{ MEM_MEMFD, LT_UDMABUF, "memfd: udmabuf (memfd_pin_folios()) migrates out" },
	{ MEM_MEMFD, LT_SLOW, "memfd: long-term pin_user_pages() migrates out" },
	{ MEM_MEMFD, LT_FAST, "memfd: long-term pin_user_pages_fast() migrates out" },
	{ MEM_MEMFD, ST_SLOW, "memfd: short-term pin_user_pages() leaves pages" },
	{ MEM_MEMFD, ST_FAST, "memfd: short-term pin_user_pages_fast() leaves pages" },
};

#define NR_TESTS ARRAY_SIZE(tests)

struct region {
	char *map;		/* what mmap() returned */
	size_t map_size;
	char *addr;		/* the pages: PMD-aligned for THP */
	unsigned long nr;	/* pages */
	int memfd;
	unsigned long *pfn;
	uint64_t tag;		/* the data pattern */
};

static int gup_fd = -1, pagemap_fd = -1, kpageflags_fd = -1, udmabuf_fd = -1;
static size_t pagesize, pmdsize;
static char thp_none[100];	/* why anonymous THP cannot be tested */
static uint64_t next_tag = 0x6c746d6700000000ULL;

static bool in_area(const struct area *a, unsigned long pfn)
{
	for (int i = 0; i < a->nr; i++)
		if (pfn >= a->start[i] && pfn < a->end[i])
			return true;
	return false;
}

static bool read_ulong(const char *path, unsigned long *val)
{
	char buf[64], *end;
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!ok)
		return false;
	errno = 0;
	*val = strtoul(buf, &end, 10);
	return !errno && end != buf;
}

static void add_range(struct area *a, unsigned long start, unsigned long nr)
{
	if (a->nr == MAX_RANGES)
		ksft_exit_fail_msg("more than %d %s ranges\n", MAX_RANGES, a->label);
	a->start[a->nr] = start;
	a->end[a->nr] = start + nr;
	a->nr++;
	ksft_print_msg("%s: pfns 0x%lx-0x%lx (%lu MiB)\n", a->label, start,
		       start + nr, nr * pagesize >> 20);
}

/* Each CMA area in debugfs: ranges/0/base_pfn and count. */
static void find_cma(struct area *a)
{
	char path[512];
	struct dirent *d;
	unsigned long base, count, tmp;
	DIR *dir = opendir(CMA_DEBUGFS);

	if (!dir) {
		snprintf(a->none, sizeof(a->none),
			 "no %s (CONFIG_CMA_DEBUGFS, debugfs mounted?)", CMA_DEBUGFS);
		return;
	}
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/count", CMA_DEBUGFS, d->d_name);
		if (!read_ulong(path, &count))
			ksft_exit_fail_msg("cannot read %s\n", path);
		/* Only range 0 has a size we can read: the area's count. */
		snprintf(path, sizeof(path), "%s/%s/ranges/1/base_pfn",
			 CMA_DEBUGFS, d->d_name);
		if (read_ulong(path, &tmp)) {
			ksft_print_msg("CMA area %s has several ranges: not used\n",
				       d->d_name);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s/base_pfn", CMA_DEBUGFS, d->d_name);
		if (!read_ulong(path, &base))
			ksft_exit_fail_msg("cannot read %s\n", path);
		if (count) {
			ksft_print_msg("CMA area %s:\n", d->d_name);
			add_range(a, base, count);
		}
	}
	closedir(dir);
	if (!a->nr)
		snprintf(a->none, sizeof(a->none),
			 "no CMA area (boot with cma=SIZE[@BASE[-LIMIT]])");
}

struct zone_info {
	char name[32];
	unsigned long start, end;	/* pfns spanned */
	unsigned long free;		/* pages free in the buddy allocator */
	unsigned long pcp_high;		/* sum of the per-CPU lists' high marks */
	unsigned long pcp_above_min;	/* lists whose high mark is above its floor */
};

#define MAX_ZONES 32

/*
 * The populated zones of /proc/zoneinfo (unpopulated ones have no
 * start_pfn line, which comes after the per-CPU lists of its zone).
 */
static int read_zones(struct zone_info *z)
{
	char line[256];
	struct zone_info cur = { 0 };
	unsigned long v, high = 0;
	int nr = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		ksft_exit_fail_msg("cannot open /proc/zoneinfo: %s\n", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %*d, zone %31s", cur.name) == 1) {
			cur.end = cur.free = cur.pcp_high = cur.pcp_above_min = 0;
		} else if (sscanf(line, " pages free %lu", &v) == 1) {
			cur.free = v;
		} else if (sscanf(line, " spanned %lu", &v) == 1) {
			cur.end = v;
		} else if (sscanf(line, " high: %lu", &v) == 1) {
			cur.pcp_high += v;
			high = v;
		} else if (sscanf(line, " high_min: %lu", &v) == 1) {
			cur.pcp_above_min += high > v;
		} else if (sscanf(line, " start_pfn: %lu", &v) == 1 && nr < MAX_ZONES) {
			cur.start = v;
			cur.end += v;
			z[nr++] = cur;
		}
	}
	fclose(f);
	return nr;
}

static bool zone_meets_area(const struct zone_info *z, const struct area *a)
{
	for (int i = 0; i < a->nr; i++)
		if (z->start < a->end[i] && a->start[i] < z->end)
			return true;
	return false;
}

static void find_movable(struct area *a)
{
	struct zone_info z[MAX_ZONES];
	int nr = read_zones(z);

	for (int i = 0; i < nr; i++)
		if (!strcmp(z[i].name, "Movable") && z[i].end > z[i].start) {
			ksft_print_msg("zone Movable:\n");
			add_range(a, z[i].start, z[i].end - z[i].start);
		}
	if (!a->nr)
		snprintf(a->none, sizeof(a->none),
			 "no ZONE_MOVABLE (boot with movablecore= or kernelcore=)");
}

/* Fold the per-CPU vmstat deltas, so that the counters are exact. */
static void stat_refresh(void)
{
	int fd = open(STAT_REFRESH_FILE, O_WRONLY);

	if (fd >= 0) {
		/* EINVAL only says that some counter was negative. */
		if (write(fd, "1", 1) < 0 && errno != EINVAL)
			ksft_print_msg("%s: %s\n", STAT_REFRESH_FILE, strerror(errno));
		close(fd);
	}
}

/*
 * Pages freed by a migration go to the per-CPU free lists (pcp) first,
 * where the zone's free counts do not see them. A list keeps up to its
 * high mark, which grows with frees up to an eighth of the zone (split
 * between the CPUs), and decays towards its minimum, the zone's low
 * watermark split between the CPUs: thousands of pages. For the test,
 * percpu_pagelist_high_fraction sets it to its floor, four batches (the
 * previous value comes back at exit), and each stat_refresh lowers the
 * high mark by an eighth and frees what is above it (decay_pcp_high()).
 */
static int saved_high_fraction = -1;

static void restore_high_fraction(void)
{
	char buf[32];
	int fd = open(HIGH_FRACTION_FILE, O_WRONLY);

	if (fd < 0)
		return;
	snprintf(buf, sizeof(buf), "%d", saved_high_fraction);
	if (write(fd, buf, strlen(buf)) < 0)
		ksft_print_msg("restoring %s: %s\n", HIGH_FRACTION_FILE, strerror(errno));
	close(fd);
}

static void shrink_pcp(void)
{
	unsigned long v;
	int fd;

	if (!read_ulong(HIGH_FRACTION_FILE, &v)) {
		ksft_print_msg("no %s: per-CPU lists keep their size\n", HIGH_FRACTION_FILE);
		return;
	}
	fd = open(HIGH_FRACTION_FILE, O_WRONLY);
	if (fd < 0 || write(fd, "1073741824", 10) < 0) {
		ksft_print_msg("%s: %s\n", HIGH_FRACTION_FILE, strerror(errno));
	} else {
		saved_high_fraction = v;
		atexit(restore_high_fraction);
	}
	if (fd >= 0)
		close(fd);
}

/*
 * Fold the counters and bring the per-CPU lists down to their high marks,
 * until these are at their floor (each call takes off an eighth).
 */
static void drain_pcp(void)
{
	struct zone_info z[MAX_ZONES];
	unsigned long above;
	int nr;

	for (int i = 0; i < 64; i++) {
		stat_refresh();
		nr = read_zones(z);
		above = 0;
		for (int j = 0; j < nr; j++)
			above += z[j].pcp_above_min;
		if (!above)
			break;
	}
}

/* A /proc/vmstat counter, or -1 if the kernel has none of that name. */
static long read_vmstat(const char *name)
{
	char line[256];
	size_t len = strlen(name);
	long val = -1;
	const char *path = "/proc/vmstat";
	FILE *f = fopen(path, "r");

	if (!f)
		ksft_exit_fail_msg("cannot open %s: %s\n", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ' ') {
			val = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

/*
 * Free pages of the area (nr_free_cma, or zone Movable's free pages), and
 * how many freed pages the per-CPU lists of its zones may hold back.
 */
static long area_free_pages(enum area_kind k, unsigned long *pcp_high)
{
	struct zone_info z[MAX_ZONES];
	int nr = read_zones(z);
	unsigned long free = 0;

	*pcp_high = 0;
	for (int i = 0; i < nr; i++) {
		if (!zone_meets_area(&z[i], &areas[k]))
			continue;
		*pcp_high += z[i].pcp_high;
		if (!strcmp(z[i].name, "Movable"))
			free += z[i].free;
	}
	if (k == AREA_CMA)
		return read_vmstat("nr_free_cma");
	return free;
}

static unsigned long mem_available(void)
{
	char line[256];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		ksft_exit_fail_msg("cannot open /proc/meminfo: %s\n", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb << 10;
}

static void fill(char *p, unsigned long nr, uint64_t tag)
{
	for (unsigned long i = 0; i < nr; i++) {
		uint64_t *w = (uint64_t *)(p + i * pagesize);

		for (unsigned long j = 0; j < pagesize / sizeof(*w); j++)
			w[j] = tag ^ (i << 16) ^ j;
	}
}

/* The first page of p that does not hold the pattern, or -1. */
static long find_bad_page(const char *p, unsigned long nr, uint64_t tag)
{
	for (unsigned long i = 0; i < nr; i++) {
		const uint64_t *w = (const uint64_t *)(p + i * pagesize);

		for (unsigned long j = 0; j < pagesize / sizeof(*w); j++)
			if (w[j] != (tag ^ (i << 16) ^ j))
				return i;
	}
	return -1;
}

/* The pfn of each page; false if one is not present or pfns are hidden. */
static bool read_pfns(const char *addr, unsigned long nr, unsigned long *pfn)
{
	uint64_t *e = malloc(nr * sizeof(*e));
	off_t off = (uintptr_t)addr / pagesize * sizeof(*e);
	bool ok = true;

	if (!e)
		ksft_exit_fail_msg("out of memory\n");
	if (pread(pagemap_fd, e, nr * sizeof(*e), off) != (ssize_t)(nr * sizeof(*e)))
		ksft_exit_fail_msg("reading /proc/self/pagemap: %s\n", strerror(errno));
	for (unsigned long i = 0; i < nr; i++) {
		pfn[i] = e[i] & PM_PFN_MASK;
		if (!(e[i] & PM_PRESENT) || !pfn[i])
			ok = false;
	}
	free(e);
	return ok;
}

static bool pfn_is_thp(unsigned long pfn)
{
	uint64_t flags;

	return kpageflags_fd >= 0 && !pageflags_get(pfn, kpageflags_fd, &flags) &&
	       (flags & KPF_THP);
}

static void region_free(struct region *r)
{
	if (r->map && r->map != MAP_FAILED)
		munmap(r->map, r->map_size);
	if (r->memfd >= 0)
		close(r->memfd);
	free(r->pfn);
	memset(r, 0, sizeof(*r));
	r->memfd = -1;
}

/* Map and populate a chunk of memory of the kind, with a fresh pattern. */
static bool region_alloc(struct region *r, enum mem_kind mem, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->memfd = -1;
	r->nr = CHUNK_SIZE / pagesize;
	r->map_size = CHUNK_SIZE + (mem == MEM_THP ? pmdsize : 0);
	r->pfn = calloc(r->nr, sizeof(*r->pfn));
	if (!r->pfn)
		ksft_exit_fail_msg("out of memory\n");
	if (mem == MEM_MEMFD) {
		r->memfd = memfd_create("gup_longterm_migrate", MFD_ALLOW_SEALING);
		if (r->memfd < 0 || ftruncate(r->memfd, CHUNK_SIZE)) {
			snprintf(err, errlen, "memfd: %s", strerror(errno));
			goto fail;
		}
		r->map = mmap(NULL, r->map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			      r->memfd, 0);
	} else {
		r->map = mmap(NULL, r->map_size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (r->map == MAP_FAILED) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		goto fail;
	}
	r->addr = r->map;
	if (mem == MEM_THP)
		r->addr = (char *)(((uintptr_t)r->map + pmdsize - 1) & ~(pmdsize - 1));
	if (mem != MEM_MEMFD &&
	    madvise(r->addr, CHUNK_SIZE, mem == MEM_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		snprintf(err, errlen, "madvise: %s", strerror(errno));
		goto fail;
	}
	r->tag = next_tag++;
	fill(r->addr, r->nr, r->tag);
	if (!read_pfns(r->addr, r->nr, r->pfn)) {
		snprintf(err, errlen,
			 "/proc/self/pagemap shows no pfn for a written page (needs CAP_SYS_ADMIN)");
		goto fail;
	}
	return true;
fail:
	region_free(r);
	return false;
}

/* Pages of r in the area (for THP: those of THPs only). */
static unsigned long count_in_area(const struct region *r, const struct area *a, bool thp)
{
	unsigned long n = 0;

	for (unsigned long i = 0; i < r->nr; i++)
		if (in_area(a, r->pfn[i]) && (!thp || pfn_is_thp(r->pfn[i])))
			n++;
	return n;
}

/*
 * What the kernel's zones and counters say when no page went into the area,
 * with the chunks still held.
 */
static void explain(const struct area *a)
{
	struct zone_info z[MAX_ZONES];
	int nr = read_zones(z);

	ksft_print_msg("free CMA pages: %ld; the zones:\n", read_vmstat("nr_free_cma"));
	for (int i = 0; i < nr; i++)
		ksft_print_msg("  zone %-8s pfns 0x%lx-0x%lx, %lu pages free\n",
			       z[i].name, z[i].start, z[i].end, z[i].free);
	if (a == &areas[AREA_CMA])
		ksft_print_msg(
			"user pages come from the highest zone first, and movable allocations take CMA pageblocks only while the zone's free CMA pages are more than half its free pages: place the area in the highest zone (cma=SIZE@BASE), large enough\n");
	else
		ksft_print_msg(
			"user pages come from the highest zone first, which ZONE_MOVABLE is when it exists\n");
}

/*
 * A chunk of memory with pages in the area: allocate chunks, keeping those
 * without such pages (they use up memory outside the area) until one has
 * some or half of MemAvailable went into them; then free the others.
 * Returns the pages in the area, 0 if none could be put there.
 */
static unsigned long get_region_in_area(struct region *r, enum mem_kind mem,
					const struct area *a, char *err, size_t errlen)
{
	static struct region fillers[MAX_FILLERS];
	unsigned long limit = mem_available() / 2, n = 0;
	int nr_fillers = 0;

	err[0] = 0;
	for (;;) {
		if (!region_alloc(r, mem, err, errlen))
			break;
		n = count_in_area(r, a, mem == MEM_THP);
		if (n)
			break;
		if (nr_fillers == MAX_FILLERS ||
		    (nr_fillers + 2) * CHUNK_SIZE > limit) {
			snprintf(err, errlen,
				 "no %s of %d chunks of %lu MiB (up to half of MemAvailable) in the area",
				 mem == MEM_THP ? "THP" : "page", nr_fillers + 1,
				 CHUNK_SIZE >> 20);
			explain(a);
			region_free(r);
			break;
		}
		fillers[nr_fillers++] = *r;
	}
	if (nr_fillers && n)
		ksft_print_msg("%d chunks of %lu MiB allocated before one had pages in the area\n",
			       nr_fillers, CHUNK_SIZE >> 20);
	while (nr_fillers)
		region_free(&fillers[--nr_fillers]);
	return n;
}

static bool gup_short_term(enum pin_kind pin, struct region *r, char *err, size_t errlen)
{
	struct gup_test gup = {
		.addr = (uintptr_t)r->addr,
		.size = r->nr * pagesize,
		.nr_pages_per_call = r->nr,
		.gup_flags = FOLL_WRITE,
	};
	unsigned long cmd = pin == ST_FAST ? PIN_FAST_BENCHMARK : PIN_BASIC_TEST;

	if (ioctl(gup_fd, cmd, &gup)) {
		snprintf(err, errlen, "gup_test ioctl: %s", strerror(errno));
		return false;
	}
	if (gup.size != r->nr * pagesize) {
		snprintf(err, errlen, "pinned %llu bytes of %lu", gup.size, r->nr * pagesize);
		return false;
	}
	return true;
}

static void run_test(const struct test *t, enum area_kind k)
{
	const struct area *a = &areas[k];
	bool longterm = t->pin == LT_SLOW || t->pin == LT_FAST || t->pin == LT_UDMABUF;
	unsigned long *before = NULL, n, moved = 0, stayed_out = 0, held = 0;
	long mig0, mig1, free0, free1, bad;
	char err[300] = "", *dmabuf_map = MAP_FAILED, *buf = NULL;
	int dmabuf_fd = -1;
	bool pinned = false, ok = false;
	struct region r = { .memfd = -1 };
	uint64_t dst;

	if (t->mem == MEM_THP && thp_none[0]) {
		ksft_test_result_skip("%s: %s: %s\n", a->label, t->desc, thp_none);
		return;
	}
	if (t->pin == LT_UDMABUF && udmabuf_fd < 0) {
		ksft_test_result_skip("%s: %s: no %s (CONFIG_UDMABUF)\n", a->label,
				      t->desc, UDMABUF_FILE);
		return;
	}
	n = get_region_in_area(&r, t->mem, a, err, sizeof(err));
	if (!n)
		goto out;
	before = malloc(r.nr * sizeof(*before));
	if (!before)
		ksft_exit_fail_msg("out of memory\n");
	memcpy(before, r.pfn, r.nr * sizeof(*before));

	drain_pcp();
	mig0 = read_vmstat("pgmigrate_success");
	free0 = area_free_pages(k, &held);

	switch (t->pin) {
	case LT_SLOW:
	case LT_FAST: {
		struct pin_longterm_test args = {
			.addr = (uintptr_t)r.addr,
			.size = r.nr * pagesize,
			.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE |
				 (t->pin == LT_FAST ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0),
		};

		if (ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args)) {
			snprintf(err, sizeof(err), "PIN_LONGTERM_TEST_START: %s", strerror(errno));
			goto out;
		}
		pinned = true;
		break;
	}
	case LT_UDMABUF: {
		struct udmabuf_create create = {
			.memfd = r.memfd,
			.flags = UDMABUF_FLAGS_CLOEXEC,
			.size = r.nr * pagesize,
		};

		if (fcntl(r.memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
			snprintf(err, sizeof(err), "F_SEAL_SHRINK: %s", strerror(errno));
			goto out;
		}
		dmabuf_fd = ioctl(udmabuf_fd, UDMABUF_CREATE, &create);
		if (dmabuf_fd < 0) {
			snprintf(err, sizeof(err), "UDMABUF_CREATE: %s", strerror(errno));
			goto out;
		}
		break;
	}
	case ST_SLOW:
	case ST_FAST:
		if (!gup_short_term(t->pin, &r, err, sizeof(err)))
			goto out;
		break;
	}

	/* While pinned (long-term), or after the short-term pin. */
	if (!read_pfns(r.addr, r.nr, r.pfn)) {
		snprintf(err, sizeof(err), "a page is no longer mapped after the pin");
		goto out;
	}
	drain_pcp();
	mig1 = read_vmstat("pgmigrate_success");
	free1 = area_free_pages(k, &held);

	bad = find_bad_page(r.addr, r.nr, r.tag);
	if (bad >= 0) {
		snprintf(err, sizeof(err), "page %ld lost its data (pfn 0x%lx -> 0x%lx)",
			 bad, before[bad], r.pfn[bad]);
		goto out;
	}

	if (!longterm) {
		for (unsigned long i = 0; i < r.nr; i++)
			if (r.pfn[i] != before[i]) {
				snprintf(err, sizeof(err),
					 "page %lu moved from pfn 0x%lx to 0x%lx",
					 i, before[i], r.pfn[i]);
				goto out;
			}
		ksft_print_msg("%lu of %lu pages in the area, all stayed\n", n, r.nr);
		ok = true;
		goto out;
	}

	for (unsigned long i = 0; i < r.nr; i++) {
		if (in_area(a, r.pfn[i])) {
			snprintf(err, sizeof(err),
				 "page %lu is still in the area at pfn 0x%lx (was 0x%lx)",
				 i, r.pfn[i], before[i]);
			goto out;
		}
		if (in_area(a, before[i])) {
			moved++;
		} else if (r.pfn[i] != before[i]) {
			snprintf(err, sizeof(err),
				 "page %lu was outside the area and moved, pfn 0x%lx -> 0x%lx",
				 i, before[i], r.pfn[i]);
			goto out;
		} else {
			stayed_out++;
		}
	}

	/* What the pin holds is what is mapped: write, read through the pin. */
	r.tag = next_tag++;
	fill(r.addr, r.nr, r.tag);
	if (t->pin == LT_UDMABUF) {
		/* (VM_PFNMAP: /proc/self/pagemap shows no pfn of it) */
		dmabuf_map = mmap(NULL, r.nr * pagesize, PROT_READ, MAP_SHARED, dmabuf_fd, 0);
		if (dmabuf_map == MAP_FAILED) {
			snprintf(err, sizeof(err), "mmap of the dma-buf: %s", strerror(errno));
			goto out;
		}
		bad = find_bad_page(dmabuf_map, r.nr, r.tag);
	} else {
		buf = malloc(r.nr * pagesize);
		if (!buf)
			ksft_exit_fail_msg("out of memory\n");
		dst = (uintptr_t)buf;
		if (ioctl(gup_fd, PIN_LONGTERM_TEST_READ, &dst)) {
			snprintf(err, sizeof(err), "PIN_LONGTERM_TEST_READ: %s", strerror(errno));
			goto out;
		}
		bad = find_bad_page(buf, r.nr, r.tag);
	}
	if (bad >= 0) {
		snprintf(err, sizeof(err),
			 "page %ld: the pin does not read what was written through the mapping",
			 bad);
		goto out;
	}

	ksft_print_msg(
		"%lu of %lu pages in the area, %lu moved out (%lu stayed outside), %s free pages +%ld (per-CPU lists hold up to %lu)\n",
		n, r.nr, moved, stayed_out, a->label, free1 - free0, held);
	/* Without CONFIG_VM_EVENT_COUNTERS, the kernel counts no event. */
	if (mig0 < 0 || mig1 < 0) {
		ksft_print_msg(
			"no pgmigrate_success in /proc/vmstat (CONFIG_VM_EVENT_COUNTERS=n): not checked\n");
	} else if ((unsigned long)(mig1 - mig0) < moved) {
		snprintf(err, sizeof(err), "pgmigrate_success rose by %ld, %lu pages moved",
			 mig1 - mig0, moved);
		goto out;
	} else {
		ksft_print_msg("pgmigrate_success +%ld\n", mig1 - mig0);
	}
	/*
	 * The pages moved out were freed, but up to the high marks of the
	 * per-CPU lists of the area's zone may wait there: when no more
	 * pages moved than those lists hold, the free count may not rise at
	 * all (42 pages moved on a q35 guest, whose memory above 4 GiB
	 * changes where the chunks land).
	 */
	if (free0 < 0 || free1 - free0 + (long)held < (long)moved) {
		snprintf(err, sizeof(err),
			 "the area's free pages rose by %ld, %lu pages moved out, per-CPU lists hold up to %lu",
			 free1 - free0, moved, held);
		goto out;
	}
	ok = true;
out:
	if (pinned && ioctl(gup_fd, PIN_LONGTERM_TEST_STOP))
		ksft_exit_fail_msg("PIN_LONGTERM_TEST_STOP: %s\n", strerror(errno));
	if (dmabuf_map != MAP_FAILED)
		munmap(dmabuf_map, r.nr * pagesize);
	if (dmabuf_fd >= 0)
		close(dmabuf_fd);
	free(buf);
	free(before);
	region_free(&r);
	if (ok)
		ksft_test_result_pass("%s: %s\n", a->label, t->desc);
	else
		ksft_test_result_fail("%s: %s: %s\n", a->label, t->desc, err);
}

static void find_thp(void)
{
	char buf[128] = "";
	FILE *f = fopen(THP_ENABLED_FILE, "r");

	pmdsize = read_pmd_pagesize();
	if (!f || !pmdsize) {
		snprintf(thp_none, sizeof(thp_none), "no THP (CONFIG_TRANSPARENT_HUGEPAGE)");
	} else if (!fgets(buf, sizeof(buf), f) || strstr(buf, "[never]")) {
		snprintf(thp_none, sizeof(thp_none), "THP disabled (%s is never)",
			 THP_ENABLED_FILE);
	} else if (kpageflags_fd < 0) {
		snprintf(thp_none, sizeof(thp_none), "no /proc/kpageflags to tell THPs");
	} else if (pmdsize > CHUNK_SIZE) {
		snprintf(thp_none, sizeof(thp_none), "PMD size %zu above the chunk size",
			 pmdsize);
	}
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	bool want[NR_AREAS] = { false }, named = false;
	int opt, nr_want = 0, nr_have = 0;
	char why[NR_AREAS * sizeof(areas[0].none)] = "";

	while ((opt = getopt(argc, argv, "a:")) != -1) {
		int k;

		for (k = 0; k < NR_AREAS; k++)
			if (opt == 'a' && !strcmp(optarg, areas[k].opt))
				break;
		if (k == NR_AREAS) {
			fprintf(stderr, "usage: %s [-a cma|movable]...\n", argv[0]);
			return KSFT_FAIL;
		}
		want[k] = named = true;
	}

	ksft_print_header();
	pagesize = getpagesize();
	find_cma(&areas[AREA_CMA]);
	find_movable(&areas[AREA_MOVABLE]);
	stat_refresh();
	ksft_print_msg("free pages: %ld, of which in CMA areas: %ld\n",
		       read_vmstat("nr_free_pages"), read_vmstat("nr_free_cma"));
	for (int k = 0; k < NR_AREAS; k++) {
		if (!named)
			want[k] = true;
		if (!want[k])
			continue;
		nr_want++;
		if (areas[k].nr) {
			nr_have++;
			continue;
		}
		ksft_print_msg("%s: %s\n", areas[k].label, areas[k].none);
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s",
			 why[0] ? "; " : "", areas[k].none);
	}
	/* No area to test at all: one skip, with the reasons. */
	if (!nr_have)
		ksft_exit_skip("%s\n", why);

	gup_fd = open(GUP_TEST_FILE, O_RDWR);
	if (gup_fd < 0)
		ksft_exit_skip("cannot open %s: %s (CONFIG_GUP_TEST, debugfs mounted?)\n",
			       GUP_TEST_FILE, strerror(errno));
	if (geteuid())
		ksft_exit_skip("/proc/self/pagemap gives pfns to root only\n");
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0)
		ksft_exit_fail_msg("cannot open /proc/self/pagemap: %s\n", strerror(errno));
	kpageflags_fd = open("/proc/kpageflags", O_RDONLY);
	udmabuf_fd = open(UDMABUF_FILE, O_RDWR);
	find_thp();
	shrink_pcp();

	ksft_set_plan(nr_want * NR_TESTS);
	for (int k = 0; k < NR_AREAS; k++) {
		if (!want[k])
			continue;
		for (unsigned int i = 0; i < NR_TESTS; i++) {
			if (areas[k].nr)
				run_test(&tests[i], k);
			else
				ksft_test_result_skip("%s: %s: %s\n", areas[k].label,
						      tests[i].desc, areas[k].none);
		}
	}
	ksft_finished();
}
