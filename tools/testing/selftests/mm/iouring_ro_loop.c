// SPDX-License-Identifier: GPL-2.0-only
/*
 * cow's "R/O-mapping a page registered as iouring fixed buffer" case, many
 * times over, on each kind of anonymous memory cow runs it on: does it ever
 * hang, how often, and where?
 *
 * One iteration: map and populate the memory, register it as an io_uring
 * fixed buffer (pin_user_pages(FOLL_WRITE | FOLL_LONGTERM)), mprotect() it
 * read-only and back, write 0xff through the mapping, write the fixed
 * buffer to a tmpfs file with IORING_OP_WRITE_FIXED, and read the file
 * back: it must hold what the mapping holds, or the pin and the page table
 * disagree. Then unregister, tear down and unmap.
 *
 * Each step names itself in a progress record that a watchdog thread
 * reads. When one step has not moved for -w seconds, the watchdog prints
 * the step, the iteration, the memory kind, every thread's state, fault
 * counters and kernel stack (twice, a few seconds apart: a thread that
 * spins faulting shows a growing minflt, a sleeping one does not), the
 * ring's indexes (was the SQE consumed, is a CQE waiting that no one was
 * woken for?), asks gup_test to dump_page() the buffer's first page into
 * the kernel log (refcount, mapcount, pincount) and sysrq for every
 * task's stack there, then fails the case and exits.
 *
 * Usage: iouring_ro_loop [-n ITERATIONS] [-t SECS] [-w HANG_SECS] [-k KIND]
 * One TAP case per memory kind; the last line of each says how many
 * iterations ran: -n of them, or as many as fit in -t seconds (a 1 GiB
 * hugetlb page takes much longer than a base page). -k runs only the
 * kinds whose name contains KIND.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <pthread.h>
#include <time.h>
#include <linux/mman.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include "local_config.h"
#ifdef LOCAL_CONFIG_HAVE_LIBURING
#include <liburing.h>
#endif
#include "../../../../mm/gup_test.h"
#include "kselftest.h"
#include "vm_util.h"
#include "hugepage_settings.h"

static size_t pagesize;
static size_t pmdsize;
static int pagemap_fd;
static int nr_iterations = 100;
static int kind_secs;			/* 0: no time limit per kind */
static int hang_secs = 120;
static const char *only_kind;

/* What the loop is doing now, for the watchdog. */
static struct {
	pthread_mutex_t lock;
	unsigned long moves;		/* bumped at every step */
	const char *step;
	const char *kind;
	int iteration;
	char *mem;			/* the buffer of this iteration */
#ifdef LOCAL_CONFIG_HAVE_LIBURING
	struct io_uring *ring;		/* the ring of this iteration */
#endif
} progress = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void step(const char *name)
{
	pthread_mutex_lock(&progress.lock);
	progress.step = name;
	progress.moves++;
	pthread_mutex_unlock(&progress.lock);
}

static void print_file(const char *prefix, const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("# %s%s", prefix, line);
	fclose(f);
}

/* Every thread of this process: state, faults, CPU time, kernel stack. */
static void print_threads(bool stacks)
{
	char path[300], stat[1024];
	struct dirent *d;
	DIR *dir = opendir("/proc/self/task");
	FILE *f;

	if (!dir)
		return;
	while ((d = readdir(dir))) {
		char *p;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(stat, sizeof(stat), f))
			stat[0] = '\0';
		fclose(f);
		/* After the ")" that ends the name: state, then proc(5)'s fields. */
		p = strrchr(stat, ')');
		if (p) {
			unsigned long minflt, majflt, utime, stime;
			char *name = strchr(stat, '(');
			char state;

			if (sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %lu %*u %lu %*u %lu %lu",
				   &state, &minflt, &majflt, &utime, &stime) == 5)
				printf("# thread %s%.*s state=%c %s=%lu %s=%lu %s=%lu %s=%lu\n",
				       d->d_name, (int)(p - name + 1), name, state,
				       "minflt", minflt, "majflt", majflt,
				       "utime", utime, "stime", stime);
		}
		if (stacks) {
			snprintf(path, sizeof(path), "/proc/self/task/%s/stack", d->d_name);
			print_file("  ", path);
		}
	}
	closedir(dir);
}

/* The process's state, memory and pending signals (/proc/self/status). */
static void print_status(void)
{
	static const char * const keys[] = { "State:", "Threads:", "VmRSS:", "VmLck:",
					     "VmPin:", "SigPnd:", "ShdPnd:" };
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	unsigned int i;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strncmp(line, keys[i], strlen(keys[i])))
				printf("# %s", line);
	fclose(f);
}

/* dump_page() of the buffer's first page, through gup_test, into dmesg. */
static void dump_first_page(char *mem)
{
	struct gup_test gup = { 0 };
	int fd = open("/sys/kernel/debug/gup_test", O_RDWR);

	if (fd < 0 || !mem)
		return;
	gup.addr = (uintptr_t)mem;
	gup.size = pagesize;
	gup.nr_pages_per_call = 1;
	gup.which_pages[0] = 1;
	if (ioctl(fd, DUMP_USER_PAGES_TEST, &gup))
		printf("# DUMP_USER_PAGES_TEST: %s\n", strerror(errno));
	else
		printf("# dump_page() of the buffer's first page is in the kernel log\n");
	close(fd);
}

static void write_file_str(const char *path, const char *str)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, str, strlen(str)) < 0)
		printf("# %s: %s\n", path, strerror(errno));
	close(fd);
}

/*
 * The ring's indexes as the kernel left them: whether it consumed the SQE
 * (sq head) and posted a CQE (cq tail past head) that no one was woken for.
 */
static void print_ring(void)
{
#ifdef LOCAL_CONFIG_HAVE_LIBURING
	struct io_uring *ring = progress.ring;
	unsigned int head, tail;

	if (!ring)
		return;
	printf("# ring: sq head %u tail %u, cq head %u tail %u\n",
	       __atomic_load_n(ring->sq.khead, __ATOMIC_ACQUIRE),
	       __atomic_load_n(ring->sq.ktail, __ATOMIC_ACQUIRE),
	       head = __atomic_load_n(ring->cq.khead, __ATOMIC_ACQUIRE),
	       tail = __atomic_load_n(ring->cq.ktail, __ATOMIC_ACQUIRE));
	if (head != tail)
		printf("# a CQE is waiting: res %d\n",
		       ring->cq.cqes[head & *ring->cq.kring_mask].res);
	/* The kernel's view of the ring: its indexes, task work, poll list. */
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ring->ring_fd);
		print_file("fdinfo: ", path);
	}
#endif
}

static void *watchdog(void *arg)
{
	unsigned long seen = 0;
	int still = 0;

	for (;;) {
		unsigned long moves;

		sleep(1);
		pthread_mutex_lock(&progress.lock);
		moves = progress.moves;
		pthread_mutex_unlock(&progress.lock);
		if (moves != seen) {
			seen = moves;
			still = 0;
			continue;
		}
		if (++still < hang_secs)
			continue;
		printf("# HANG: no progress for %d s in step \"%s\", iteration %d, %s\n",
		       hang_secs, progress.step, progress.iteration, progress.kind);
		print_threads(true);
		sleep(3);
		printf("# 3 s later:\n");
		print_threads(false);
		print_status();
		print_ring();
		dump_first_page(progress.mem);
		/* The kernel's side: blocked tasks, then all of them, into dmesg. */
		write_file_str("/proc/sysrq-trigger", "w");
		write_file_str("/proc/sysrq-trigger", "t");
		ksft_test_result_fail("%s: hung in \"%s\" at iteration %d\n",
				      progress.kind, progress.step, progress.iteration);
		fflush(stdout);
		/* The THP and hugetlb settings as they were, then out. */
		if (pmdsize)
			thp_restore_settings();
		hugetlb_restore_settings();
		_exit(KSFT_FAIL);
	}
	return arg;
}

#ifdef LOCAL_CONFIG_HAVE_LIBURING
/*
 * One iteration of cow's test_iouring_ro() on @mem: 0 if what the fixed
 * buffer wrote equals what the mapping holds, 1 if not, -1 on an error
 * that says nothing about the pin (printed).
 */
static int iouring_ro(char *mem, size_t size, int fd, char *tmp)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	struct iovec iov = { .iov_base = mem, .iov_len = size };
	ssize_t cur, total;
	int ret, result = -1;

	step("io_uring_queue_init");
	ret = io_uring_queue_init(1, &ring, 0);
	if (ret < 0) {
		printf("# io_uring_queue_init: %s\n", strerror(-ret));
		return -1;
	}
	pthread_mutex_lock(&progress.lock);
	progress.ring = &ring;
	pthread_mutex_unlock(&progress.lock);
	step("io_uring_register_buffers");
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret) {
		printf("# io_uring_register_buffers: %s\n", strerror(-ret));
		goto exit_ring;
	}
	step("mprotect(PROT_READ)");
	if (mprotect(mem, size, PROT_READ))
		goto perror;
	step("clear_refs");
	clear_softdirty();
	step("mprotect(PROT_READ | PROT_WRITE)");
	if (mprotect(mem, size, PROT_READ | PROT_WRITE))
		goto perror;
	step("memset");
	memset(mem, 0xff, size);
	step("io_uring_submit(WRITE_FIXED)");
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write_fixed(sqe, fd, mem, size, 0, 0);
	ret = io_uring_submit(&ring);
	if (ret < 0) {
		printf("# io_uring_submit: %s\n", strerror(-ret));
		goto unregister;
	}
	step("io_uring_wait_cqe");
	ret = io_uring_wait_cqe(&ring, &cqe);
	if (ret < 0) {
		printf("# io_uring_wait_cqe: %s\n", strerror(-ret));
		goto unregister;
	}
	if (cqe->res != (int)size) {
		printf("# WRITE_FIXED wrote %d of %zu bytes\n", cqe->res, size);
		io_uring_cqe_seen(&ring, cqe);
		goto unregister;
	}
	io_uring_cqe_seen(&ring, cqe);
	step("pread");
	for (total = 0; total < (ssize_t)size; total += cur) {
		cur = pread(fd, tmp + total, size - total, total);
		if (cur <= 0)
			goto perror;
	}
	result = memcmp(mem, tmp, size) ? 1 : 0;
	goto unregister;
perror:
	printf("# %s: %s\n", progress.step, strerror(errno));
unregister:
	step("io_uring_unregister_buffers");
	io_uring_unregister_buffers(&ring);
exit_ring:
	step("io_uring_queue_exit");
	pthread_mutex_lock(&progress.lock);
	progress.ring = NULL;
	pthread_mutex_unlock(&progress.lock);
	io_uring_queue_exit(&ring);
	return result;
}
#endif

enum kind { BASE_PAGE, THP, PTE_MAPPED_THP, HUGETLB };

/*
 * Map and populate one buffer of @kind and @size as cow does. Returns the
 * buffer (*mapping and *mapsize: what to munmap()), or NULL with a reason
 * to skip in @why.
 */
static char *map_buffer(enum kind kind, size_t size, char **mapping, size_t *mapsize,
			const char **why)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	char *map, *mem;

	*why = NULL;
	step("mmap");
	if (kind == HUGETLB) {
		flags |= MAP_HUGETLB | (__builtin_ctzll(size) << MAP_HUGE_SHIFT);
		map = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (map == MAP_FAILED) {
			*why = "no free huge page";
			return NULL;
		}
		*mapping = map;
		*mapsize = size;
		step("populate");
		memset(map, 1, size);
		return map;
	}
	/* Twice the size, for alignment. */
	*mapsize = kind == BASE_PAGE ? size : 2 * size;
	map = mmap(NULL, *mapsize, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (map == MAP_FAILED) {
		*why = "mmap failed";
		return NULL;
	}
	*mapping = map;
	if (kind == BASE_PAGE) {
		step("populate");
		memset(map, 1, size);
		return map;
	}
	mem = (char *)(((uintptr_t)map + size) & ~(size - 1));
	if (madvise(mem, size, MADV_HUGEPAGE)) {
		*why = "MADV_HUGEPAGE failed";
		return NULL;
	}
	step("populate");
	mem[0] = 1;
	if (!pagemap_is_populated(pagemap_fd, mem + size - pagesize)) {
		*why = "did not get a THP";
		return NULL;
	}
	memset(mem, 1, size);
	if (kind == PTE_MAPPED_THP) {
		/* A subpage read-only for a moment: the PMD is split. */
		step("PTE-map the THP");
		if (mprotect(mem + pagesize, pagesize, PROT_READ) ||
		    mprotect(mem + pagesize, pagesize, PROT_READ | PROT_WRITE)) {
			*why = "mprotect failed";
			return NULL;
		}
	}
	return mem;
}

/* The THP sizes: the PMD size and every mTHP size the kernel supports. */
static int thp_sizes(unsigned long sizes[], int max)
{
	unsigned long orders = (1UL << sz2ord(pmdsize, pagesize)) | thp_supported_orders();
	int order, n = 0;

	for (order = 0; order < (int)(8 * sizeof(orders)) && n < max; order++)
		if (orders & (1UL << order))
			sizes[n++] = pagesize << order;
	return n;
}

static void set_progress(int iteration, char *mem)
{
	pthread_mutex_lock(&progress.lock);
	progress.iteration = iteration;
	progress.mem = mem;
	progress.moves++;
	pthread_mutex_unlock(&progress.lock);
}

static void run_kind(enum kind kind, size_t size, const char *name)
{
	char *mem, *map = NULL, *tmp;
	size_t mapsize = 0;
	struct timespec start;
	const char *why;
	FILE *file;
	int i, bad = 0, fd;

	if (only_kind && !strstr(name, only_kind)) {
		ksft_test_result_skip("%s: not selected by -k\n", name);
		return;
	}
	pthread_mutex_lock(&progress.lock);
	progress.kind = name;
	pthread_mutex_unlock(&progress.lock);
#ifndef LOCAL_CONFIG_HAVE_LIBURING
	ksft_test_result_skip("%s: built without liburing\n", name);
	return;
#else
	file = tmpfile();
	tmp = malloc(size);
	if (!file || !tmp)
		ksft_exit_fail_msg("tmpfile() or malloc() failed\n");
	fd = fileno(file);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < nr_iterations; i++) {
		struct timespec now;
		int ret;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (kind_secs && now.tv_sec - start.tv_sec >= kind_secs)
			break;

		set_progress(i, NULL);
		mem = map_buffer(kind, size, &map, &mapsize, &why);
		set_progress(i, mem);
		if (!mem) {
			if (map)
				munmap(map, mapsize);
			if (i == 0) {
				ksft_test_result_skip("%s: %s\n", name, why);
				goto out;
			}
			ksft_print_msg("%s: iteration %d: %s\n", name, i, why);
			bad++;
			break;
		}
		ret = iouring_ro(mem, size, fd, tmp);
		set_progress(i, NULL);
		step("munmap");
		munmap(map, mapsize);
		map = NULL;
		if (ret) {
			ksft_print_msg("%s: iteration %d: %s\n", name, i,
				       ret > 0 ? "the file differs from the mapping" : "error");
			bad++;
			break;
		}
	}
	ksft_print_msg("%s: %d iterations\n", name, i);
	ksft_test_result(!bad, "%s: R/O-mapping an iouring fixed buffer, %d iterations\n",
			 name, i);
out:
	fclose(file);
	free(tmp);
#endif
}

int main(int argc, char **argv)
{
	unsigned long thpsizes[20], hugetlbsizes[10];
	int nr_thpsizes = 0, nr_hugetlbsizes, opt, i;
	struct thp_settings settings;
	pthread_t wd;
	char name[96];

	while ((opt = getopt(argc, argv, "n:t:w:k:")) != -1) {
		switch (opt) {
		case 'n':
			nr_iterations = atoi(optarg);
			break;
		case 't':
			kind_secs = atoi(optarg);
			break;
		case 'w':
			hang_secs = atoi(optarg);
			break;
		case 'k':
			only_kind = optarg;
			break;
		default:
			ksft_exit_fail_msg("usage: %s [-n N] [-t SECS] [-w HANG_SECS] [-k KIND]\n",
					   argv[0]);
		}
	}
	if (nr_iterations < 1 || hang_secs < 1 || kind_secs < 0)
		ksft_exit_fail_msg("-n and -w take a positive number, -t a number\n");
	ksft_print_header();
	pagesize = getpagesize();
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0)
		ksft_exit_fail_msg("opening pagemap failed\n");
	pmdsize = read_pmd_pagesize();
	if (pmdsize) {
		thp_save_settings();
		thp_read_settings(&settings);
		settings.hugepages[sz2ord(pmdsize, pagesize)].enabled = THP_INHERIT;
		thp_push_settings(&settings);
		nr_thpsizes = thp_sizes(thpsizes, ARRAY_SIZE(thpsizes));
	}
	nr_hugetlbsizes = hugetlb_setup(2, hugetlbsizes, ARRAY_SIZE(hugetlbsizes));
	ksft_set_plan(1 + (pmdsize ? 1 : 0) + nr_thpsizes + nr_hugetlbsizes);
	if (pthread_create(&wd, NULL, watchdog, NULL))
		ksft_exit_fail_msg("pthread_create failed\n");

	run_kind(BASE_PAGE, pagesize, "base page");
	if (pmdsize)
		run_kind(THP, pmdsize, "THP (PMD)");
	for (i = 0; i < nr_thpsizes; i++) {
		/* That size alone, as cow's THP cases set it. */
		thp_read_settings(&settings);
		settings.hugepages[sz2ord(pmdsize, pagesize)].enabled = THP_NEVER;
		settings.hugepages[sz2ord(thpsizes[i], pagesize)].enabled = THP_ALWAYS;
		thp_push_settings(&settings);
		snprintf(name, sizeof(name), "PTE-mapped THP (%lu kB)", thpsizes[i] / 1024);
		run_kind(PTE_MAPPED_THP, thpsizes[i], strdup(name));
		thp_pop_settings();
	}
	for (i = 0; i < nr_hugetlbsizes; i++) {
		snprintf(name, sizeof(name), "hugetlb (%lu kB)", hugetlbsizes[i] / 1024);
		run_kind(HUGETLB, hugetlbsizes[i], strdup(name));
	}
	if (pmdsize)
		thp_restore_settings();
	ksft_finished();
}
