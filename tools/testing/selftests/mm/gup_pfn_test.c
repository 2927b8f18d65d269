// SPDX-License-Identifier: GPL-2.0-only
/*
 * GUP on memory that has no struct page.
 *
 * /sys/kernel/debug/gup_pfn_test (CONFIG_GUP_TEST) maps a pfn above the end
 * of RAM: at file offset 0 into a VM_MIXEDMAP mapping, whose special PTEs
 * GUP faults in but cannot return as pages (-EEXIST), and at offset one page
 * into a VM_PFNMAP mapping, which GUP rejects at the VMA (-EFAULT). Its
 * GUP_PFN_TEST ioctl runs one GUP call on a range and returns what the call
 * returned. See mm/gup_test.h.
 *
 * The pfn is not RAM: this test never reads or writes those mappings itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <mm/gup_test.h>
#include "kselftest.h"

#define GUP_PFN_TEST_FILE	"/sys/kernel/debug/gup_pfn_test"
#define NR_PAGES		4
#define NR_TESTS		19

#define MIXEDMAP		0	/* file offsets of the two mappings, */
#define PFNMAP			1	/* in pages */

static int gup_fd;
static size_t pagesize;

/* A new MAP_SHARED mapping of NR_PAGES pages of the pfn. */
static char *map_pfn(int pgoff, int flags)
{
	char *map;

	map = mmap(NULL, NR_PAGES * pagesize, PROT_READ | PROT_WRITE,
		   MAP_SHARED | flags, gup_fd, pgoff * pagesize);
	if (map == MAP_FAILED)
		ksft_print_msg("mmap(%s): %s\n",
			       pgoff == PFNMAP ? "PFNMAP" : "MIXEDMAP",
			       strerror(errno));
	return map;
}

/*
 * One GUP_PFN_TEST call. Returns false (and says why) if the ioctl itself
 * failed; otherwise *ret is the GUP function's return value.
 */
static bool gup_pfn(unsigned int op, char *addr, unsigned int nr_pages,
		    long long *ret, int *err)
{
	struct gup_pfn_test args = {
		.addr = (uintptr_t)addr,
		.nr_pages = nr_pages,
		.op = op,
	};

	*err = 0;
	if (ioctl(gup_fd, GUP_PFN_TEST, &args)) {
		*err = errno;
		if (*err != EOPNOTSUPP)
			ksft_print_msg("GUP_PFN_TEST ioctl (op %u): %s\n",
				       op, strerror(*err));
		return false;
	}
	*ret = args.ret;
	return true;
}

/* Run op on nr_pages from addr and check its return value. */
static bool check_gup(unsigned int op, char *addr, unsigned int nr_pages,
		      long long want)
{
	long long ret;
	int err;

	if (!gup_pfn(op, addr, nr_pages, &ret, &err))
		return false;
	if (ret != want)
		ksft_print_msg("op %u returned %lld, expected %lld\n",
			       op, ret, want);
	return ret == want;
}

/* A GUP call on a new mapping (populated first if asked to). */
static void test_gup(int pgoff, bool populate, unsigned int op,
		     long long want, const char *desc)
{
	char *map = map_pfn(pgoff, 0);
	bool ok = false;

	if (map != MAP_FAILED) {
		ok = true;
		if (populate && madvise(map, NR_PAGES * pagesize,
					MADV_POPULATE_READ)) {
			ksft_print_msg("MADV_POPULATE_READ: %s\n",
				       strerror(errno));
			ok = false;
		}
		ok = ok && check_gup(op, map, NR_PAGES, want);
		munmap(map, NR_PAGES * pagesize);
	}
	ksft_test_result(ok, "%s\n", desc);
}

static void test_madvise(int pgoff, int advice, int want_errno,
			 const char *desc)
{
	char *map = map_pfn(pgoff, 0);
	bool ok = false;
	int ret;

	if (map != MAP_FAILED) {
		ret = madvise(map, NR_PAGES * pagesize, advice);
		ok = want_errno ? ret == -1 && errno == want_errno : ret == 0;
		if (!ok)
			ksft_print_msg("madvise() returned %d (%s)\n", ret,
				       ret ? strerror(errno) : "no error");
		munmap(map, NR_PAGES * pagesize);
	}
	ksft_test_result(ok, "%s\n", desc);
}

static void test_mlock(void)
{
	char *map = map_pfn(MIXEDMAP, 0);
	bool ok = false;

	if (map != MAP_FAILED) {
		ok = true;
		if (mlock(map, NR_PAGES * pagesize)) {
			ksft_print_msg("mlock(): %s\n", strerror(errno));
			ok = false;
		} else if (munlock(map, NR_PAGES * pagesize)) {
			ksft_print_msg("munlock(): %s\n", strerror(errno));
			ok = false;
		}
		munmap(map, NR_PAGES * pagesize);
	}
	ksft_test_result(ok, "MIXEDMAP: mlock() and munlock() succeed\n");
}

static void test_map_populate(void)
{
	char *map = map_pfn(MIXEDMAP, MAP_POPULATE);

	if (map != MAP_FAILED)
		munmap(map, NR_PAGES * pagesize);
	ksft_test_result(map != MAP_FAILED,
			 "MIXEDMAP: mmap(MAP_POPULATE) succeeds\n");
}

/*
 * A normal anonymous page followed by a MIXEDMAP page, in two VMAs: GUP
 * returns the normal page and stops at the pfn, without an error.
 */
static void test_gup_anon_then_pfn(unsigned int op, const char *desc)
{
	char *area, *map;
	bool ok = false;

	area = mmap(NULL, 2 * pagesize, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		ksft_print_msg("mmap(): %s\n", strerror(errno));
		goto out;
	}
	map = mmap(area + pagesize, pagesize, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_FIXED, gup_fd, MIXEDMAP * pagesize);
	if (map == MAP_FAILED) {
		ksft_print_msg("mmap(MAP_FIXED): %s\n", strerror(errno));
	} else {
		area[0] = 1;
		ok = check_gup(op, area, 2, 1);
	}
	munmap(area, 2 * pagesize);
out:
	ksft_test_result(ok, "%s\n", desc);
}

/* access_remote_vm() gets -EEXIST from GUP and copies nothing: EIO. */
static void test_proc_self_mem(void)
{
	char *map = map_pfn(MIXEDMAP, 0);
	bool ok = false;
	char buf[8];
	ssize_t ret;
	int fd;

	fd = open("/proc/self/mem", O_RDONLY);
	if (fd < 0)
		ksft_print_msg("open(/proc/self/mem): %s\n", strerror(errno));
	if (fd >= 0 && map != MAP_FAILED) {
		ret = pread(fd, buf, sizeof(buf), (off_t)(uintptr_t)map);
		ok = ret == -1 && errno == EIO;
		if (!ok)
			ksft_print_msg("pread() returned %zd (%s)\n", ret,
				       ret < 0 ? strerror(errno) : "no error");
	}
	if (fd >= 0)
		close(fd);
	if (map != MAP_FAILED)
		munmap(map, NR_PAGES * pagesize);
	ksft_test_result(ok, "MIXEDMAP: read of /proc/self/mem fails with EIO\n");
}

static void test_follow_page(bool populate, long long want, const char *desc)
{
	char *map = map_pfn(MIXEDMAP, 0);
	bool ok = false;
	long long ret;
	int err = 0;

	if (map != MAP_FAILED) {
		if (populate && madvise(map, NR_PAGES * pagesize,
					MADV_POPULATE_READ)) {
			ksft_print_msg("MADV_POPULATE_READ: %s\n",
				       strerror(errno));
		} else if (gup_pfn(GUP_PFN_TEST_FOLLOW_PAGE, map, 1, &ret,
				   &err)) {
			ok = ret == want;
			if (!ok)
				ksft_print_msg("follow_page() returned %lld, expected %lld\n",
					       ret, want);
		}
		munmap(map, NR_PAGES * pagesize);
	}
	if (err == EOPNOTSUPP)
		ksft_test_result_skip("follow_page() exists only with CONFIG_RUST_GUP\n");
	else
		ksft_test_result(ok, "%s\n", desc);
}

int main(int argc, char **argv)
{
	char *map;

	ksft_print_header();
	pagesize = getpagesize();

	gup_fd = open(GUP_PFN_TEST_FILE, O_RDWR);
	if (gup_fd < 0)
		ksft_exit_skip("%s: %s (needs CONFIG_GUP_TEST and debugfs)\n",
			       GUP_PFN_TEST_FILE, strerror(errno));
	map = mmap(NULL, pagesize, PROT_READ, MAP_SHARED, gup_fd, 0);
	if (map == MAP_FAILED && errno == ENODEV)
		ksft_exit_skip("no pfn without a struct page found (see dmesg)\n");
	if (map != MAP_FAILED)
		munmap(map, pagesize);

	ksft_set_plan(NR_TESTS);

	/* Faulting in without returning pages skips the pfn. */
	test_madvise(MIXEDMAP, MADV_POPULATE_READ, 0,
		     "MIXEDMAP: MADV_POPULATE_READ succeeds");
	test_madvise(MIXEDMAP, MADV_POPULATE_WRITE, 0,
		     "MIXEDMAP: MADV_POPULATE_WRITE succeeds");
	test_mlock();
	test_map_populate();
	test_gup(MIXEDMAP, false, GUP_PFN_TEST_GUP_NOPAGES, NR_PAGES,
		 "MIXEDMAP: get_user_pages() without pages returns nr_pages");

	/* Asking for pages fails with -EEXIST at the first page. */
	test_gup(MIXEDMAP, false, GUP_PFN_TEST_GUP_PAGES, -EEXIST,
		 "MIXEDMAP: get_user_pages() returns -EEXIST");
	test_gup(MIXEDMAP, false, GUP_PFN_TEST_PUP, -EEXIST,
		 "MIXEDMAP: pin_user_pages() returns -EEXIST");
	test_gup(MIXEDMAP, false, GUP_PFN_TEST_PUP_FAST, -EEXIST,
		 "MIXEDMAP: pin_user_pages_fast() returns -EEXIST");
	test_gup(MIXEDMAP, false, GUP_PFN_TEST_GUP_REMOTE, -EEXIST,
		 "MIXEDMAP: get_user_pages_remote() returns -EEXIST");
	test_gup(MIXEDMAP, true, GUP_PFN_TEST_GUP_PAGES, -EEXIST,
		 "MIXEDMAP: get_user_pages() on present PTEs returns -EEXIST");
	test_gup(MIXEDMAP, true, GUP_PFN_TEST_PUP_FAST, -EEXIST,
		 "MIXEDMAP: pin_user_pages_fast() on present PTEs returns -EEXIST");

	/* ... and stops there after earlier pages. */
	test_gup_anon_then_pfn(GUP_PFN_TEST_GUP_PAGES,
			       "anon + MIXEDMAP: get_user_pages() returns 1");
	test_gup_anon_then_pfn(GUP_PFN_TEST_PUP,
			       "anon + MIXEDMAP: pin_user_pages() returns 1");

	test_proc_self_mem();
	test_follow_page(true, -EEXIST,
			 "MIXEDMAP: follow_page() on a present PTE returns -EEXIST");
	test_follow_page(false, 0,
			 "MIXEDMAP: follow_page() on an empty PTE returns NULL");

	/* VM_PFNMAP is rejected at the VMA. */
	test_gup(PFNMAP, false, GUP_PFN_TEST_GUP_PAGES, -EFAULT,
		 "PFNMAP: get_user_pages() returns -EFAULT");
	test_gup(PFNMAP, false, GUP_PFN_TEST_GUP_NOPAGES, -EFAULT,
		 "PFNMAP: get_user_pages() without pages returns -EFAULT");
	test_madvise(PFNMAP, MADV_POPULATE_READ, EINVAL,
		     "PFNMAP: MADV_POPULATE_READ fails with EINVAL");

	close(gup_fd);
	ksft_finished();
}
