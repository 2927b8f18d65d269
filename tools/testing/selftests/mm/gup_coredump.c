// SPDX-License-Identifier: GPL-2.0-only
/*
 * What an ELF core dump holds, page by page: the core dumper reads the
 * dying task's memory with get_dump_page(), a FOLL_FORCE | FOLL_DUMP |
 * FOLL_GET GUP of one page at a time that returns NULL, which leaves a
 * hole in the core file, for page table holes and the (huge) zero page.
 *
 * A child maps private and shared anonymous memory, a PROT_NONE range, a
 * THP, hugetlb pages, a private and a shared mapping of a tmpfs file and
 * memory it shares copy-on-write with its parent, fills them with known
 * patterns, leaves some pages untouched or only read, and dumps core with
 * SIGABRT into a file under /tmp (core_pattern, saved and restored). The
 * parent then finds each mapping's PT_LOAD program header in the core
 * file and compares every page of the dump with what the child held.
 *
 * Which mappings are dumped at all, and in full, is decided by
 * vma_dump_size() in fs/coredump.c, not by GUP: with coredump_filter 0x7f
 * (anonymous, file and hugetlb mappings, private and shared) every mapping
 * here is dumped whole except a private anonymous one that has no anon_vma
 * yet, i.e. that was never written: that one gets p_filesz 0. A page that
 * is not in the dump therefore only passes where the child held zeros.
 *
 * Needs root (core_pattern); run it where nothing else dumps core meanwhile.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "vm_util.h"
#include "hugepage_settings.h"
#include "kselftest.h"

#define CORE_PATTERN_FILE	"/proc/sys/kernel/core_pattern"
#define CORE_PREFIX		"/tmp/gup_coredump.core."
#define DATA_PREFIX		"/tmp/gup_coredump.data."
/* anon private/shared, file private/shared, ELF headers, hugetlb p/s */
#define COREDUMP_FILTER		0x7fUL
#define HUGETLB_PRIVATE_BIT	(1UL << 5)
#define HUGETLB_SHARED_BIT	(1UL << 6)

/*
 * The mappings, all inside one reservation with an unmapped page between
 * neighbours so that none merges with another. Sizes in base pages, or
 * in PMD / huge pages where noted.
 */
enum {
	R_COW,			/* 8: the parent's, shared COW with the child */
	R_PRIV,			/* 16: written, untouched and read-only pages */
	R_UNTOUCHED,		/* 4: never touched */
	R_READONLY,		/* 4: only read */
	R_PROTNONE,		/* 8: written, then mprotect(PROT_NONE) */
	R_SHARED,		/* 8: MAP_SHARED | MAP_ANONYMOUS */
	R_FILE_PRIV,		/* 4: MAP_PRIVATE of the data file, offset 0 */
	R_FILE_SHARED,		/* 4: MAP_SHARED of the data file, offset 4 */
	R_THP,			/* 2 PMDs: a written THP, a read one */
	R_HUGETLB_PRIV,		/* 2 huge pages: one written, one untouched */
	R_HUGETLB_SHARED,	/* same, MAP_SHARED */
	NR_REGIONS
};

static const char * const region_name[NR_REGIONS] = {
	"COW", "private", "untouched", "read-only", "PROT_NONE", "shared",
	"file private", "file shared", "THP", "hugetlb private",
	"hugetlb shared",
};

static char *region[NR_REGIONS];
static size_t region_len[NR_REGIONS];
static size_t pagesize, pmdsize, hugepagesize;

#define NR_FILE_PAGES	8
#define FILE_SHARED_OFF	4	/* pages */

/* What the child tells the parent before it dumps core. */
struct report {
	int err;		/* errno of a failed setup step, 0 if none */
	char step[64];		/* that step */
	int hugetlb_err[2];	/* MAP_HUGETLB mmap() errno, 0, -1: no size */
	unsigned long thp_kb;	/* AnonHugePages of the THP region */
	unsigned long filter;	/* coredump_filter, read back */
};

/* The cases, one TAP result each, in this order. */
enum {
	T_DUMPED,
	T_PRIV_WRITTEN,
	T_PRIV_UNTOUCHED,
	T_PRIV_READ,
	T_PROTNONE,
	T_SHARED,
	T_THP,
	T_THP_ZERO,
	T_HUGETLB_PRIV,
	T_HUGETLB_SHARED,
	T_COW_CHILD,
	T_COW_PARENT,
	T_FILE_PRIV,
	T_FILE_SHARED,
	NR_TESTS
};

static const char * const case_name[NR_TESTS] = {
	[T_DUMPED] = "the child dumped core into an ELF core file",
	[T_PRIV_WRITTEN] = "private anon: written pages hold their data",
	[T_PRIV_UNTOUCHED] = "private anon: untouched pages read as zeros",
	[T_PRIV_READ] = "private anon: pages only read (zero page) read as zeros",
	[T_PROTNONE] = "PROT_NONE private anon: data written before mprotect() is dumped",
	[T_SHARED] = "shared anon: written pages hold their data, untouched ones zeros",
	[T_THP] = "THP: a PMD-mapped THP holds its data",
	[T_THP_ZERO] = "THP: a PMD range only read (huge zero page) reads as zeros",
	[T_HUGETLB_PRIV] = "hugetlb private: written page holds its data, untouched one zeros",
	[T_HUGETLB_SHARED] = "hugetlb shared: written page holds its data, untouched one zeros",
	[T_COW_CHILD] = "COW after fork: pages the child wrote hold the child's data",
	[T_COW_PARENT] = "COW after fork: pages the parent wrote since hold the old data",
	[T_FILE_PRIV] = "private file: a COW page holds the child's data, the others the file's",
	[T_FILE_SHARED] = "shared file: pages hold the file's data, with the child's write",
};

static char old_core_pattern[256];
static bool core_pattern_set;
static pid_t parent_pid;

static void restore_core_pattern(void)
{
	int fd;

	/* exit() in a forked child must not restore it under the parent. */
	if (!core_pattern_set || getpid() != parent_pid)
		return;
	fd = open(CORE_PATTERN_FILE, O_WRONLY);
	if (fd < 0 || write(fd, old_core_pattern, strlen(old_core_pattern)) < 0)
		ksft_print_msg("restoring core_pattern: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
	core_pattern_set = false;
}

/*
 * Point core_pattern at CORE_PREFIX<pid>. Returns 0, or an errno for the
 * skip reason.
 */
static int set_core_pattern(void)
{
	const char *pattern = CORE_PREFIX "%p";
	ssize_t n;
	int fd;

	fd = open(CORE_PATTERN_FILE, O_RDONLY);
	if (fd < 0)
		return errno;
	n = read(fd, old_core_pattern, sizeof(old_core_pattern) - 1);
	close(fd);
	if (n < 0)
		return errno;
	old_core_pattern[n] = '\0';

	fd = open(CORE_PATTERN_FILE, O_WRONLY);
	if (fd < 0)
		return errno;
	parent_pid = getpid();
	core_pattern_set = true;
	atexit(restore_core_pattern);
	if (write(fd, pattern, strlen(pattern)) != (ssize_t)strlen(pattern)) {
		n = errno;
		close(fd);
		return n;
	}
	close(fd);
	return 0;
}

/* The word at index word of page idx of a pattern; tag is never 0. */
static inline uint64_t pattern_word(char tag, size_t idx, size_t word)
{
	return (uint64_t)(unsigned char)tag << 56 |
	       (uint64_t)(idx & 0xffffff) << 32 |
	       (uint32_t)(word * 0x9e3779b1u + 1);
}

static void fill_page(char *page, char tag, size_t idx)
{
	uint64_t *w = (uint64_t *)page;
	size_t i;

	for (i = 0; i < pagesize / sizeof(*w); i++)
		w[i] = tag ? pattern_word(tag, idx, i) : 0;
}

/* Write n pages from page first of addr with pattern pages idx, idx+1... */
static void fill_pages(char *addr, size_t first, size_t n, char tag,
		       size_t idx)
{
	size_t i;

	for (i = 0; i < n; i++)
		fill_page(addr + (first + i) * pagesize, tag, idx + i);
}

static void read_pages(char *addr, size_t first, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		FORCE_READ(addr[(first + i) * pagesize]);
}

/* Check n pages from page first against pattern pages idx, idx+1... */
static bool check_mem(const char *what, char *addr, size_t first, size_t n,
		      char tag, size_t idx)
{
	char *want = malloc(pagesize);
	bool ok = true;
	size_t i;

	if (!want)
		ksft_exit_fail_msg("malloc: %s\n", strerror(errno));
	for (i = 0; i < n && ok; i++) {
		fill_page(want, tag, idx + i);
		if (memcmp(addr + (first + i) * pagesize, want, pagesize)) {
			ksft_print_msg("%s: page %zu of the parent's memory changed\n",
				       what, first + i);
			ok = false;
		}
	}
	free(want);
	return ok;
}

/* ---- the child ---- */

static struct report crep;
static int report_fd, go_fd;

static void send_report(void)
{
	if (write(report_fd, &crep, sizeof(crep)) != sizeof(crep))
		_exit(2);
}

static __noreturn void child_fail(const char *step)
{
	crep.err = errno ? errno : EINVAL;
	snprintf(crep.step, sizeof(crep.step), "%s", step);
	send_report();
	_exit(1);
}

static void child_map(int r, int prot, int flags, int fd, off_t off)
{
	char name[64];

	if (mmap(region[r], region_len[r], prot, flags | MAP_FIXED, fd, off) !=
	    region[r]) {
		snprintf(name, sizeof(name), "mmap(%s)", region_name[r]);
		child_fail(name);
	}
}

/* AnonHugePages of the VMA that starts at addr, in kB. */
static unsigned long anon_huge_kb(char *addr)
{
	unsigned long start, end, kb = 0;
	bool in_vma = false;
	char line[256];
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			if (in_vma)
				break;
			in_vma = start == (unsigned long)addr;
		} else if (in_vma &&
			   sscanf(line, "AnonHugePages: %lu kB", &kb) == 1) {
			break;
		}
	}
	fclose(f);
	return kb;
}

static __noreturn void child(int data_fd)
{
	const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	const int rw = PROT_READ | PROT_WRITE;
	struct rlimit rlim = { RLIM_INFINITY, RLIM_INFINITY };
	size_t hp = hugepagesize / pagesize;
	char buf[32];
	sigset_t set;
	int fd, i;
	ssize_t n;

	errno = 0;
	signal(SIGABRT, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGABRT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		child_fail("prctl(PR_SET_DUMPABLE)");
	if (setrlimit(RLIMIT_CORE, &rlim)) {
		if (getrlimit(RLIMIT_CORE, &rlim))
			child_fail("getrlimit(RLIMIT_CORE)");
		rlim.rlim_cur = rlim.rlim_max;
		if (setrlimit(RLIMIT_CORE, &rlim))
			child_fail("setrlimit(RLIMIT_CORE)");
	}

	fd = open("/proc/self/coredump_filter", O_RDWR);
	if (fd < 0)
		child_fail("open(/proc/self/coredump_filter)");
	n = snprintf(buf, sizeof(buf), "%#lx", COREDUMP_FILTER);
	if (write(fd, buf, n) != n)
		child_fail("write(/proc/self/coredump_filter)");
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		child_fail("read(/proc/self/coredump_filter)");
	buf[n] = '\0';
	crep.filter = strtoul(buf, NULL, 16);
	close(fd);

	/* Pages 0-7 written, 8-11 untouched, 12-15 only read. */
	child_map(R_PRIV, rw, anon, -1, 0);
	fill_pages(region[R_PRIV], 0, 8, 'A', 0);
	read_pages(region[R_PRIV], 12, 4);
	/* No anon_vma: vma_dump_size() leaves these two out of the dump. */
	child_map(R_UNTOUCHED, rw, anon, -1, 0);
	child_map(R_READONLY, rw, anon, -1, 0);
	read_pages(region[R_READONLY], 0, 4);

	/* Pages 0-5 written, 6-7 untouched, then no access at all. */
	child_map(R_PROTNONE, rw, anon, -1, 0);
	fill_pages(region[R_PROTNONE], 0, 6, 'N', 0);
	if (mprotect(region[R_PROTNONE], region_len[R_PROTNONE], PROT_NONE))
		child_fail("mprotect(PROT_NONE)");

	/* Pages 0-5 written, 6-7 untouched (shmem: faulted in by the dump). */
	child_map(R_SHARED, rw, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fill_pages(region[R_SHARED], 0, 6, 'S', 0);

	/*
	 * The file's pages 0-7 hold 'F' 0-7. Private: page 0 COW, 1-3 left
	 * for the dump to fault in. Shared: page 0 written, 1 read (and 2-3
	 * probably mapped by fault-around).
	 */
	child_map(R_FILE_PRIV, rw, MAP_PRIVATE, data_fd, 0);
	fill_pages(region[R_FILE_PRIV], 0, 1, 'p', 0);
	child_map(R_FILE_SHARED, rw, MAP_SHARED, data_fd,
		  FILE_SHARED_OFF * pagesize);
	fill_pages(region[R_FILE_SHARED], 0, 1, 'q', 0);
	read_pages(region[R_FILE_SHARED], 1, 1);

	/* A THP written, the next PMD range only read (huge zero page). */
	child_map(R_THP, rw, anon, -1, 0);
	madvise(region[R_THP], region_len[R_THP], MADV_HUGEPAGE);
	fill_pages(region[R_THP], 0, pmdsize / pagesize, 'T', 0);
	read_pages(region[R_THP], pmdsize / pagesize, 1);
	crep.thp_kb = anon_huge_kb(region[R_THP]);

	/* Huge page 0 written, huge page 1 untouched. */
	for (i = 0; i < 2; i++) {
		int r = i ? R_HUGETLB_SHARED : R_HUGETLB_PRIV;

		if (!hugepagesize) {
			crep.hugetlb_err[i] = -1;
			continue;
		}
		if (mmap(region[r], region_len[r], rw,
			 (i ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS |
			 MAP_HUGETLB | MAP_FIXED, -1, 0) != region[r]) {
			crep.hugetlb_err[i] = errno;
			continue;
		}
		fill_pages(region[r], 0, hp, i ? 'h' : 'H', 0);
	}

	/* Break COW on the first half of what the parent wrote. */
	fill_pages(region[R_COW], 0, 4, 'C', 0);

	send_report();
	/* The parent writes its half of R_COW, then lets us go. */
	if (read(go_fd, buf, 1) != 1)
		_exit(3);
	raise(SIGABRT);
	_exit(4);
}

/* ---- the parent: the core file ---- */

static int core_fd = -1;
static Elf64_Phdr *phdrs;
static unsigned int nr_phdrs;

static bool read_core(const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh;
	size_t size;

	core_fd = open(path, O_RDONLY);
	if (core_fd < 0) {
		ksft_print_msg("open(%s): %s\n", path, strerror(errno));
		return false;
	}
	if (pread(core_fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_CORE ||
	    eh.e_phentsize != sizeof(Elf64_Phdr)) {
		ksft_print_msg("%s: not a 64-bit ELF core file\n", path);
		return false;
	}
	nr_phdrs = eh.e_phnum;
	if (eh.e_phnum == PN_XNUM) {
		/* The real count is in section header 0's sh_info. */
		if (pread(core_fd, &sh, sizeof(sh), eh.e_shoff) != sizeof(sh)) {
			ksft_print_msg("%s: no section header 0\n", path);
			return false;
		}
		nr_phdrs = sh.sh_info;
	}
	size = (size_t)nr_phdrs * sizeof(*phdrs);
	phdrs = malloc(size);
	if (!phdrs || pread(core_fd, phdrs, size, eh.e_phoff) != (ssize_t)size) {
		ksft_print_msg("%s: cannot read %u program headers\n", path,
			       nr_phdrs);
		return false;
	}
	return true;
}

/* The PT_LOAD of region r: it must cover exactly the mapping. */
static Elf64_Phdr *find_load(int r)
{
	unsigned int i;

	for (i = 0; i < nr_phdrs; i++) {
		if (phdrs[i].p_type != PT_LOAD ||
		    phdrs[i].p_vaddr != (uintptr_t)region[r])
			continue;
		if (phdrs[i].p_memsz != region_len[r]) {
			ksft_print_msg("%s: PT_LOAD at %p has p_memsz %#llx, the mapping %#zx\n",
				       region_name[r], region[r],
				       (unsigned long long)phdrs[i].p_memsz,
				       region_len[r]);
			return NULL;
		}
		return &phdrs[i];
	}
	ksft_print_msg("%s: no PT_LOAD at %p\n", region_name[r], region[r]);
	return NULL;
}

/*
 * Compare n pages of region r's dump from page first with pattern pages
 * idx, idx+1... of tag, or with zeros if tag is 0. A page past p_filesz
 * is not in the dump: right for zeros, wrong for data.
 */
static bool check_dump(int r, size_t first, size_t n, char tag, size_t idx)
{
	char *want = malloc(pagesize), *have = malloc(pagesize);
	Elf64_Phdr *ph = find_load(r);
	bool ok = ph != NULL;
	uint64_t dumped, expected;
	size_t i, j, off;

	if (!want || !have)
		ksft_exit_fail_msg("malloc: %s\n", strerror(errno));
	for (i = 0; i < n && ok; i++) {
		off = (first + i) * pagesize;
		if (off + pagesize > ph->p_filesz) {
			if (!tag)
				continue;
			ksft_print_msg("%s: page %zu is not in the dump (p_filesz %#llx)\n",
				       region_name[r], first + i,
				       (unsigned long long)ph->p_filesz);
			ok = false;
			break;
		}
		if (pread(core_fd, have, pagesize, ph->p_offset + off) !=
		    (ssize_t)pagesize) {
			ksft_print_msg("%s: page %zu: short read from the core file\n",
				       region_name[r], first + i);
			ok = false;
			break;
		}
		fill_page(want, tag, idx + i);
		if (memcmp(have, want, pagesize)) {
			for (j = 0; have[j] == want[j]; j++)
				;
			j &= ~(sizeof(uint64_t) - 1);
			memcpy(&dumped, have + j, sizeof(dumped));
			memcpy(&expected, want + j, sizeof(expected));
			ksft_print_msg("%s: page %zu, offset %#zx: 0x%016llx, want 0x%016llx\n",
				       region_name[r], first + i, j,
				       (unsigned long long)dumped,
				       (unsigned long long)expected);
			ok = false;
		}
	}
	free(want);
	free(have);
	return ok;
}

static void result(int t, bool ok)
{
	ksft_test_result(ok, "%s\n", case_name[t]);
}

static void skip(int t, const char *reason)
{
	ksft_test_result_code(KSFT_SKIP, case_name[t], "%s", reason);
}

static void check_hugetlb(int t, int r, int err, unsigned long filter_bit,
			  unsigned long filter, char tag)
{
	size_t hp = hugepagesize / pagesize;
	char reason[96];

	if (err < 0) {
		skip(t, "no hugetlb page size in /proc/meminfo");
	} else if (err) {
		snprintf(reason, sizeof(reason), "MAP_HUGETLB mmap(): %s",
			 strerror(err));
		skip(t, reason);
	} else if (!(filter & filter_bit)) {
		skip(t, "coredump_filter does not dump this hugetlb type");
	} else {
		result(t, check_dump(r, 0, hp, tag, 0) &&
			  check_dump(r, hp, hp, 0, 0));
	}
}

static void check_all(const struct report *rep)
{
	Elf64_Phdr *ph;
	bool ok;

	result(T_PRIV_WRITTEN, check_dump(R_PRIV, 0, 8, 'A', 0));

	ok = check_dump(R_PRIV, 8, 4, 0, 0) &&
	     check_dump(R_UNTOUCHED, 0, 4, 0, 0);
	ph = find_load(R_UNTOUCHED);
	if (ph)
		ksft_print_msg("untouched VMA: p_filesz %#llx\n",
			       (unsigned long long)ph->p_filesz);
	result(T_PRIV_UNTOUCHED, ok);

	ok = check_dump(R_PRIV, 12, 4, 0, 0) &&
	     check_dump(R_READONLY, 0, 4, 0, 0);
	ph = find_load(R_READONLY);
	if (ph)
		ksft_print_msg("read-only VMA: p_filesz %#llx\n",
			       (unsigned long long)ph->p_filesz);
	result(T_PRIV_READ, ok);

	result(T_PROTNONE, check_dump(R_PROTNONE, 0, 6, 'N', 0) &&
			   check_dump(R_PROTNONE, 6, 2, 0, 0));
	result(T_SHARED, check_dump(R_SHARED, 0, 6, 'S', 0) &&
			 check_dump(R_SHARED, 6, 2, 0, 0));

	/* The contents are checked even when the kernel gave no THP. */
	ok = check_dump(R_THP, 0, pmdsize / pagesize, 'T', 0);
	if (ok && rep->thp_kb * 1024 < pmdsize)
		skip(T_THP, "the region is not backed by a THP");
	else
		result(T_THP, ok);
	ok = check_dump(R_THP, pmdsize / pagesize, pmdsize / pagesize, 0, 0);
	if (ok && rep->thp_kb * 1024 < pmdsize)
		skip(T_THP_ZERO, "no THP in the region");
	else
		result(T_THP_ZERO, ok);

	check_hugetlb(T_HUGETLB_PRIV, R_HUGETLB_PRIV, rep->hugetlb_err[0],
		      HUGETLB_PRIVATE_BIT, rep->filter, 'H');
	check_hugetlb(T_HUGETLB_SHARED, R_HUGETLB_SHARED, rep->hugetlb_err[1],
		      HUGETLB_SHARED_BIT, rep->filter, 'h');

	/* The parent's own copy must not have changed either. */
	result(T_COW_CHILD, check_dump(R_COW, 0, 4, 'C', 0) &&
			    check_mem("COW", region[R_COW], 0, 4, 'P', 0));
	result(T_COW_PARENT, check_dump(R_COW, 4, 4, 'P', 4) &&
			     check_mem("COW", region[R_COW], 4, 4, 'Q', 4));

	result(T_FILE_PRIV, check_dump(R_FILE_PRIV, 0, 1, 'p', 0) &&
			    check_dump(R_FILE_PRIV, 1, 3, 'F', 1));
	result(T_FILE_SHARED, check_dump(R_FILE_SHARED, 0, 1, 'q', 0) &&
			      check_dump(R_FILE_SHARED, 1, 3, 'F',
					 FILE_SHARED_OFF + 1));
}

/* Lay the regions out in one reservation, map R_COW and fill it. */
static void setup_regions(void)
{
	size_t pages[NR_REGIONS] = {
		[R_COW] = 8, [R_PRIV] = 16, [R_UNTOUCHED] = 4,
		[R_READONLY] = 4, [R_PROTNONE] = 8, [R_SHARED] = 8,
		[R_FILE_PRIV] = 4, [R_FILE_SHARED] = 4,
	};
	size_t align[NR_REGIONS], total = 0, max_align = pagesize, off;
	char *resv, *base;
	int r;

	for (r = 0; r < NR_REGIONS; r++) {
		align[r] = pagesize;
		region_len[r] = pages[r] * pagesize;
	}
	align[R_THP] = pmdsize;
	region_len[R_THP] = 2 * pmdsize;
	align[R_HUGETLB_PRIV] = align[R_HUGETLB_SHARED] =
		hugepagesize ? hugepagesize : pagesize;
	region_len[R_HUGETLB_PRIV] = region_len[R_HUGETLB_SHARED] =
		2 * (hugepagesize ? hugepagesize : pagesize);
	for (r = 0; r < NR_REGIONS; r++) {
		total += region_len[r] + align[r] + pagesize;
		if (align[r] > max_align)
			max_align = align[r];
	}
	total += max_align;

	/* PROT_READ, never touched: the gaps merge with nothing here. */
	resv = mmap(NULL, total, PROT_READ,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (resv == MAP_FAILED)
		ksft_exit_fail_msg("mmap(reservation): %s\n", strerror(errno));
	base = (char *)(((uintptr_t)resv + max_align - 1) & ~(max_align - 1));
	off = pagesize;
	for (r = 0; r < NR_REGIONS; r++) {
		off = (off + align[r] - 1) & ~(align[r] - 1);
		region[r] = base + off;
		off += region_len[r] + pagesize;
	}

	if (mmap(region[R_COW], region_len[R_COW], PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != region[R_COW])
		ksft_exit_fail_msg("mmap(COW): %s\n", strerror(errno));
	fill_pages(region[R_COW], 0, 8, 'P', 0);
}

/* The data file: NR_FILE_PAGES pages, page i holds pattern 'F' i. */
static int create_data_file(const char *path)
{
	char *page = malloc(pagesize);
	int fd, i;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || !page)
		ksft_exit_fail_msg("creating %s: %s\n", path, strerror(errno));
	for (i = 0; i < NR_FILE_PAGES; i++) {
		fill_page(page, 'F', i);
		if (pwrite(fd, page, pagesize, i * pagesize) != (ssize_t)pagesize)
			ksft_exit_fail_msg("writing %s: %s\n", path,
					   strerror(errno));
	}
	free(page);
	return fd;
}

int main(void)
{
	char core_path[64], data_path[64], reason[160];
	int report_pipe[2], go_pipe[2], data_fd, status, err, t;
	struct report rep_in = { 0 };
	bool dumped = false;
	ssize_t n;
	pid_t pid;

	ksft_print_header();
	ksft_set_plan(NR_TESTS);

	pagesize = getpagesize();
	pmdsize = read_pmd_pagesize();
	if (!pmdsize)
		pmdsize = 2UL << 20;	/* no THP: its cases skip */
	hugepagesize = default_huge_page_size();

	err = set_core_pattern();
	if (err) {
		snprintf(reason, sizeof(reason), "cannot set %s: %s%s",
			 CORE_PATTERN_FILE, strerror(err),
			 err == ENOENT ? " (CONFIG_COREDUMP=n?)" : " (not root?)");
		for (t = 0; t < NR_TESTS; t++)
			skip(t, reason);
		ksft_finished();
	}

	setup_regions();
	snprintf(data_path, sizeof(data_path), DATA_PREFIX "%d", getpid());
	data_fd = create_data_file(data_path);
	if (pipe(report_pipe) || pipe(go_pipe))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	signal(SIGPIPE, SIG_IGN);

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		close(report_pipe[0]);
		close(go_pipe[1]);
		report_fd = report_pipe[1];
		go_fd = go_pipe[0];
		child(data_fd);
	}
	close(report_pipe[1]);
	close(go_pipe[0]);

	/* Break COW on the other half, in the parent, before the dump. */
	fill_pages(region[R_COW], 4, 4, 'Q', 4);

	snprintf(core_path, sizeof(core_path), CORE_PREFIX "%d", pid);
	unlink(core_path);
	n = read(report_pipe[0], &rep_in, sizeof(rep_in));
	if (write(go_pipe[1], "g", 1) != 1 && n == sizeof(rep_in) && !rep_in.err)
		ksft_print_msg("waking the child: %s\n", strerror(errno));
	close(go_pipe[1]);
	close(report_pipe[0]);
	if (waitpid(pid, &status, 0) != pid)
		ksft_exit_fail_msg("waitpid: %s\n", strerror(errno));

	if (n != sizeof(rep_in))
		ksft_print_msg("the child sent no report (status %#x)\n", status);
	else if (rep_in.err)
		ksft_print_msg("the child failed: %s: %s\n", rep_in.step,
			       strerror(rep_in.err));
	else if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
		ksft_print_msg("the child did not die of SIGABRT (status %#x)\n",
			       status);
	else if (!WCOREDUMP(status))
		ksft_print_msg("the child died of SIGABRT without a core dump\n");
	else if (read_core(core_path))
		dumped = true;
	result(T_DUMPED, dumped);

	if (dumped) {
		if ((rep_in.filter & COREDUMP_FILTER) != COREDUMP_FILTER)
			ksft_print_msg("coredump_filter is %#lx, not %#lx\n",
				       rep_in.filter, COREDUMP_FILTER);
		check_all(&rep_in);
	} else {
		for (t = T_DUMPED + 1; t < NR_TESTS; t++)
			result(t, false);
	}

	if (core_fd >= 0)
		close(core_fd);
	free(phdrs);
	unlink(core_path);
	close(data_fd);
	unlink(data_path);
	restore_core_pattern();
	ksft_finished();
}
