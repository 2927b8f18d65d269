// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reproducers of GUP security bugs, each checked on data: after the race
 * or the sequence that once corrupted memory, what must not have changed
 * is read back and compared.
 *
 * - dirtycow-procmem, dirtycow-ptrace (CVE-2016-5195): FOLL_FORCE writes
 *   through /proc/self/mem, and through PTRACE_POKEDATA from a tracer,
 *   into a read-only private mapping of a file, racing MADV_DONTNEED on
 *   it. The writes land in private copies; the file must never change.
 * - vmsplice-fork (CVE-2020-29374): a child vmsplice()s an anonymous page
 *   it shares with its parent after fork() and unmaps it; the parent's
 *   later writes must not show through the pipe.
 * - uffd-continue-tmpfs, uffd-continue-memfd (CVE-2022-2590): the same
 *   FOLL_FORCE race on a read-only private mapping of a tmpfs file and of
 *   a write-sealed memfd registered for userfaultfd minor faults, where
 *   UFFDIO_CONTINUE maps the page cache page again after each zap. The
 *   file and the sealed memfd must never change.
 * - iouring-coalesced-hugetlb: an io_uring fixed buffer over several 2 MiB
 *   hugetlb pages, which io_uring coalesces into one segment per folio,
 *   written to a file and read back into, both checked through the
 *   mapping, then torn down (on a DEBUG_VM kernel the unpin checks the
 *   pinned pages).
 * - memfd-pin-race: two threads create a udmabuf on the same 2 MiB huge
 *   page of a hugetlb memfd that has no page yet, so that both
 *   memfd_pin_folios() calls allocate it and one finds the other's folio
 *   in the page cache (-EEXIST from the insertion, then a lookup), or
 *   fails with -ENOMEM (see memfd_pin_round()); every dma-buf made must
 *   show what the memfd holds, and no huge page may be left behind.
 *
 * Usage: gup_cve [-s SECS] (how long each race runs, default 3)
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
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <linux/memfd.h>
#include <linux/udmabuf.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include "local_config.h"
#ifdef LOCAL_CONFIG_HAVE_LIBURING
#include <liburing.h>
#endif
#include "kselftest.h"
#include "vm_util.h"

static size_t pagesize;
static int race_secs = 3;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A tmpfs file of one page of 'A's, opened read-only; -1 on error. */
static int tmpfs_file(void)
{
	char path[] = "/tmp/gup_cve.XXXXXX";
	char *buf = malloc(pagesize);
	int fd = mkstemp(path);

	if (fd < 0 || !buf)
		goto fail;
	memset(buf, 'A', pagesize);
	if (pwrite(fd, buf, pagesize, 0) != (ssize_t)pagesize)
		goto fail;
	close(fd);
	fd = open(path, O_RDONLY);
	unlink(path);
	free(buf);
	return fd;
fail:
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	free(buf);
	return -1;
}

/* A memfd of one page of 'A's, sealed against writes; -1 on error. */
static int sealed_memfd(void)
{
	char *buf = malloc(pagesize);
	int fd = memfd_create("gup_cve", MFD_ALLOW_SEALING);

	if (fd < 0 || !buf)
		goto fail;
	memset(buf, 'A', pagesize);
	if (pwrite(fd, buf, pagesize, 0) != (ssize_t)pagesize ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW))
		goto fail;
	free(buf);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -1;
}

/* Does the first page of @fd, read with pread(), still hold only 'A's? */
static bool file_intact(int fd)
{
	char *buf = malloc(pagesize);
	bool ok;
	size_t i;

	if (!buf)
		return false;
	ok = pread(fd, buf, pagesize, 0) == (ssize_t)pagesize;
	for (i = 0; ok && i < pagesize; i++)
		ok = buf[i] == 'A';
	free(buf);
	return ok;
}

struct race {
	char *map;		/* the read-only private mapping */
	int uffd;		/* registered for minor faults, or -1 */
	bool stop;		/* set and read with __atomic builtins */
	unsigned long zaps;
};

static bool stopped(struct race *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_ACQUIRE);
}

static void set_stop(struct race *r, bool stop)
{
	__atomic_store_n(&r->stop, stop, __ATOMIC_RELEASE);
}

/* Zap the page again and again; with @uffd, map it again at once too. */
static void *zapper(void *arg)
{
	struct race *r = arg;

	while (!stopped(r)) {
		madvise(r->map, pagesize, MADV_DONTNEED);
		if (r->uffd >= 0) {
			struct uffdio_continue cont = {
				.range = { .start = (uintptr_t)r->map, .len = pagesize },
			};

			ioctl(r->uffd, UFFDIO_CONTINUE, &cont);
		}
		r->zaps++;
		/* Let the writer in between zaps: a race, not a starvation. */
		sched_yield();
	}
	return NULL;
}

/* Resolve the minor faults of the writer: UFFDIO_CONTINUE. */
static void *uffd_handler(void *arg)
{
	struct race *r = arg;
	struct pollfd pfd = { .fd = r->uffd, .events = POLLIN };

	while (!stopped(r)) {
		struct uffd_msg msg;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (read(r->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		{
			struct uffdio_continue cont = {
				.range = {
					.start = msg.arg.pagefault.address & ~(pagesize - 1),
					.len = pagesize,
				},
			};

			/* -EEXIST: the zapper mapped it first; the fault retries. */
			ioctl(r->uffd, UFFDIO_CONTINUE, &cont);
		}
	}
	return NULL;
}

/*
 * FOLL_FORCE writes of 'B's through /proc/self/mem into @r->map for
 * race_secs seconds while the zapper (and the uffd handler) run. Returns
 * how many writes succeeded.
 */
static unsigned long procmem_race(struct race *r)
{
	pthread_t zap, handler;
	unsigned long writes = 0;
	char buf[64];
	double end, hard_end;
	int mem;

	mem = open("/proc/self/mem", O_RDWR);
	if (mem < 0)
		return 0;
	memset(buf, 'B', sizeof(buf));
	set_stop(r, false);
	pthread_create(&zap, NULL, zapper, r);
	if (r->uffd >= 0)
		pthread_create(&handler, NULL, uffd_handler, r);
	/*
	 * race_secs of racing, longer (up to ten times) until at least one
	 * forced write got through: on a loaded host the guest may get so
	 * little CPU that race_secs of its clock pass with none, which says
	 * nothing about the kernel (seen once beside two kernel builds).
	 */
	for (end = now() + race_secs, hard_end = now() + 10 * race_secs;
	     now() < end || (!writes && now() < hard_end);)
		if (pwrite(mem, buf, sizeof(buf), (uintptr_t)r->map) == sizeof(buf))
			writes++;
	set_stop(r, true);
	pthread_join(zap, NULL);
	if (r->uffd >= 0)
		pthread_join(handler, NULL);
	close(mem);
	return writes;
}

static void test_dirtycow_procmem(void)
{
	struct race r = { .uffd = -1 };
	unsigned long writes;
	int fd = tmpfs_file();

	if (fd < 0) {
		ksft_test_result_fail("dirtycow-procmem: no tmpfs file\n");
		return;
	}
	r.map = mmap(NULL, pagesize, PROT_READ, MAP_PRIVATE, fd, 0);
	if (r.map == MAP_FAILED) {
		ksft_test_result_fail("dirtycow-procmem: mmap: %s\n", strerror(errno));
		close(fd);
		return;
	}
	writes = procmem_race(&r);
	ksft_print_msg("dirtycow-procmem: %lu forced writes, %lu zaps\n", writes, r.zaps);
	ksft_test_result(writes > 0 && r.zaps > 0 && file_intact(fd),
			 "dirtycow-procmem: the file is unchanged\n");
	munmap(r.map, pagesize);
	close(fd);
}

static void test_dirtycow_ptrace(void)
{
	unsigned long writes = 0;
	struct race r = { .uffd = -1 };
	int fd = tmpfs_file(), status;
	double end;
	pid_t pid;

	if (fd < 0) {
		ksft_test_result_fail("dirtycow-ptrace: no tmpfs file\n");
		return;
	}
	r.map = mmap(NULL, pagesize, PROT_READ, MAP_PRIVATE, fd, 0);
	if (r.map == MAP_FAILED) {
		ksft_test_result_fail("dirtycow-ptrace: mmap: %s\n", strerror(errno));
		close(fd);
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* The tracee: its main thread is stopped, its zapper runs. */
		pthread_t zap;

		pthread_create(&zap, NULL, zapper, &r);
		for (;;)
			pause();
	}
	/* Seize the main thread only, and stop it: POKEDATA needs it stopped. */
	if (pid < 0 || ptrace(PTRACE_SEIZE, pid, 0, 0) ||
	    ptrace(PTRACE_INTERRUPT, pid, 0, 0) || waitpid(pid, &status, __WALL) != pid) {
		ksft_test_result_fail("dirtycow-ptrace: fork/seize: %s\n", strerror(errno));
		goto out;
	}
	for (end = now() + race_secs; now() < end;)
		if (!ptrace(PTRACE_POKEDATA, pid, r.map, 0x4242424242424242UL))
			writes++;
	ksft_print_msg("dirtycow-ptrace: %lu forced writes\n", writes);
	ksft_test_result(writes > 0 && file_intact(fd),
			 "dirtycow-ptrace: the file is unchanged\n");
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, __WALL);
	}
	munmap(r.map, pagesize);
	close(fd);
}

/* @size bytes of anonymous memory: a base page, or a THP (MADV_HUGEPAGE). */
static void vmsplice_fork(size_t size, const char *what)
{
	size_t mapsize = 2 * size, i;
	int pipefd[2] = { -1, -1 }, status;
	ssize_t *spliced, n, got;
	char *map, *mem, *buf;
	bool same = true;
	pid_t pid;

	map = mmap(NULL, mapsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	spliced = mmap(NULL, pagesize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	buf = malloc(size);
	if (map == MAP_FAILED || spliced == MAP_FAILED || !buf || pipe(pipefd)) {
		ksft_test_result_fail("vmsplice-fork %s: setup: %s\n", what, strerror(errno));
		goto out;
	}
	mem = (char *)(((uintptr_t)map + size - 1) & ~(size - 1));
	if (size > pagesize)
		madvise(mem, size, MADV_HUGEPAGE);
	memset(mem, 'A', size);
	/* As much of the range as the pipe takes: a larger pipe if we may. */
	fcntl(pipefd[1], F_SETPIPE_SZ, (int)size);
	pid = fork();
	if (pid == 0) {
		struct iovec iov = { .iov_base = mem, .iov_len = size };

		/* Read-only references to the shared pages, then unmap them. */
		*spliced = vmsplice(pipefd[1], &iov, 1, SPLICE_F_NONBLOCK);
		munmap(map, mapsize);
		_exit(*spliced > 0 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		ksft_test_result_fail("vmsplice-fork %s: the child's vmsplice failed\n", what);
		goto out;
	}
	/* The parent's write must break COW: the pipe keeps the old data. */
	memset(mem, 'B', size);
	for (got = 0; got < *spliced; got += n) {
		n = read(pipefd[0], buf + got, *spliced - got);
		if (n <= 0)
			break;
	}
	for (i = 0; i < (size_t)got; i++)
		same &= buf[i] == 'A';
	ksft_print_msg("vmsplice-fork %s: %zd bytes spliced\n", what, *spliced);
	ksft_test_result(got == *spliced && same,
			 "vmsplice-fork %s: the pipe still holds what the child spliced\n", what);
out:
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	free(buf);
	if (spliced != MAP_FAILED)
		munmap(spliced, pagesize);
	if (map != MAP_FAILED)
		munmap(map, mapsize);
}

static int uffd_minor(char *map, size_t len, const char **why)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_MINOR_SHMEM };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)map, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MINOR,
	};
	int uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (uffd < 0) {
		*why = "no userfaultfd";
		return -1;
	}
	if (ioctl(uffd, UFFDIO_API, &api) || !(api.features & UFFD_FEATURE_MINOR_SHMEM)) {
		*why = "no userfaultfd minor faults on shmem";
		close(uffd);
		return -1;
	}
	if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		*why = "UFFDIO_REGISTER (minor) failed";
		close(uffd);
		return -1;
	}
	return uffd;
}

static void uffd_continue_race(int fd, const char *what)
{
	struct race r = { .uffd = -1 };
	const char *why = NULL;
	unsigned long writes;

	if (fd < 0) {
		ksft_test_result_fail("uffd-continue-%s: no file\n", what);
		return;
	}
	r.map = mmap(NULL, pagesize, PROT_READ, MAP_PRIVATE, fd, 0);
	if (r.map == MAP_FAILED) {
		ksft_test_result_fail("uffd-continue-%s: mmap: %s\n", what, strerror(errno));
		close(fd);
		return;
	}
	r.uffd = uffd_minor(r.map, pagesize, &why);
	if (r.uffd < 0) {
		ksft_test_result_skip("uffd-continue-%s: %s\n", what, why);
		goto out;
	}
	writes = procmem_race(&r);
	ksft_print_msg("uffd-continue-%s: %lu forced writes, %lu zaps\n", what, writes, r.zaps);
	ksft_test_result(writes > 0 && r.zaps > 0 && file_intact(fd),
			 "uffd-continue-%s: the file is unchanged\n", what);
	close(r.uffd);
out:
	munmap(r.map, pagesize);
	close(fd);
}

#ifdef LOCAL_CONFIG_HAVE_LIBURING
static void test_iouring_coalesced(void)
{
	const size_t hsize = 2UL << 20, nr = 4, size = nr * hsize;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT);
	struct iovec iov;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	char *mem, *buf = NULL;
	bool ok = false;
	FILE *file;
	size_t i;
	int fd;

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (mem == MAP_FAILED) {
		ksft_test_result_skip("iouring-coalesced-hugetlb: no 4 free 2 MiB hugetlb pages\n");
		return;
	}
	file = tmpfile();
	buf = malloc(size);
	if (!file || !buf || io_uring_queue_init(2, &ring, 0)) {
		ksft_test_result_fail("iouring-coalesced-hugetlb: setup failed\n");
		goto out_free;
	}
	fd = fileno(file);
	for (i = 0; i < size; i++)
		mem[i] = (char)(i * 7 + i / hsize);
	iov.iov_base = mem;
	iov.iov_len = size;
	if (io_uring_register_buffers(&ring, &iov, 1)) {
		ksft_test_result_fail("iouring-coalesced-hugetlb: register_buffers failed\n");
		goto out_ring;
	}
	/* Mapping to file through the pin, then file to mapping through it. */
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write_fixed(sqe, fd, mem, size, 0, 0);
	if (io_uring_submit(&ring) != 1 || io_uring_wait_cqe(&ring, &cqe) ||
	    cqe->res != (int)size)
		goto out_unregister;
	io_uring_cqe_seen(&ring, cqe);
	if (pread(fd, buf, size, 0) != (ssize_t)size || memcmp(buf, mem, size))
		goto out_unregister;
	for (i = 0; i < size; i++)
		buf[i] = (char)~(i * 3);
	if (pwrite(fd, buf, size, 0) != (ssize_t)size)
		goto out_unregister;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read_fixed(sqe, fd, mem, size, 0, 0);
	if (io_uring_submit(&ring) != 1 || io_uring_wait_cqe(&ring, &cqe) ||
	    cqe->res != (int)size)
		goto out_unregister;
	io_uring_cqe_seen(&ring, cqe);
	ok = !memcmp(buf, mem, size);
out_unregister:
	io_uring_unregister_buffers(&ring);
	ksft_test_result(ok, "iouring-coalesced-hugetlb: data through the buffer both ways\n");
out_ring:
	io_uring_queue_exit(&ring);
out_free:
	if (file)
		fclose(file);
	free(buf);
	munmap(mem, size);
}
#else
static void test_iouring_coalesced(void)
{
	ksft_test_result_skip("iouring-coalesced-hugetlb: built without liburing\n");
}
#endif

struct pin_race {
	int devfd, memfd;
	size_t size;
	pthread_barrier_t go;
	int fd[2];
	int err[2];
};

struct pinner {
	struct pin_race *race;
	int me;
};

static void *create_udmabuf(void *arg)
{
	struct pinner *t = arg;
	struct pin_race *p = t->race;
	struct udmabuf_create create = {
		.memfd = p->memfd, .offset = 0, .size = p->size, .flags = UDMABUF_FLAGS_CLOEXEC,
	};

	pthread_barrier_wait(&p->go);
	p->fd[t->me] = ioctl(p->devfd, UDMABUF_CREATE, &create);
	p->err[t->me] = p->fd[t->me] < 0 ? errno : 0;
	return NULL;
}

/* Does the dma-buf @fd map what @mem holds? */
static bool dmabuf_same(int fd, char *mem, size_t size)
{
	char *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	bool same;

	if (map == MAP_FAILED)
		return false;
	same = !memcmp(map, mem, size);
	munmap(map, size);
	return same;
}

static long hugetlb_free(void)
{
	char line[128];
	long n = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

/*
 * One round: a fresh hugetlb memfd without pages, two UDMABUF_CREATEs at
 * once, then the memfd's data through the dma-bufs. 1 if it passed, 0 if
 * it failed, -1 if the machine lacks something (@why says what).
 *
 * Both calls may succeed, the second to add the folio finding the
 * first's (-EEXIST, then a lookup). On 7.2 the loser more often fails
 * with -ENOMEM, stock kernel and Rust alike: memfd_alloc_folio() takes a
 * reservation for the index only when the range has none, so two callers
 * share one reserved page and the second finds the pool's reserve empty.
 * That is accepted; any other error, no success at all, a dma-buf that
 * does not show the memfd's data, or a huge page not back in the pool
 * when all is closed fails the round.
 */
static int memfd_pin_round(struct pin_race *p, int round, int *both, const char **why)
{
	struct pinner t[2] = { { p, 0 }, { p, 1 } };
	long free_before = hugetlb_free();
	pthread_t thread[2];
	int i, ret = 0;
	char *mem;
	size_t off;

	p->memfd = memfd_create("gup_cve", MFD_HUGETLB | MFD_ALLOW_SEALING);
	if (p->memfd < 0 || ftruncate(p->memfd, p->size) ||
	    fcntl(p->memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		*why = "no hugetlb memfd";
		if (p->memfd >= 0)
			close(p->memfd);
		return -1;
	}
	pthread_barrier_init(&p->go, NULL, 2);
	for (i = 0; i < 2; i++)
		pthread_create(&thread[i], NULL, create_udmabuf, &t[i]);
	for (i = 0; i < 2; i++)
		pthread_join(thread[i], NULL);
	pthread_barrier_destroy(&p->go);
	if ((p->fd[0] < 0 && p->fd[1] < 0) ||
	    (p->fd[0] < 0 && p->err[0] != ENOMEM) || (p->fd[1] < 0 && p->err[1] != ENOMEM)) {
		ksft_print_msg("memfd-pin-race: round %d: UDMABUF_CREATE: %s / %s\n",
			       round, p->fd[0] < 0 ? strerror(p->err[0]) : "ok",
			       p->fd[1] < 0 ? strerror(p->err[1]) : "ok");
		goto out;
	}
	*both += p->fd[0] >= 0 && p->fd[1] >= 0;
	mem = mmap(NULL, p->size, PROT_READ | PROT_WRITE, MAP_SHARED, p->memfd, 0);
	if (mem == MAP_FAILED)
		goto out;
	for (off = 0; off < p->size; off += 64)
		mem[off] = (char)(round + off / 64);
	ret = 1;
	for (i = 0; i < 2; i++)
		if (p->fd[i] >= 0 && !dmabuf_same(p->fd[i], mem, p->size))
			ret = 0;
	if (!ret)
		ksft_print_msg("memfd-pin-race: round %d: a dma-buf differs from the memfd\n",
			       round);
	munmap(mem, p->size);
out:
	for (i = 0; i < 2; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
	close(p->memfd);
	if (ret > 0 && hugetlb_free() != free_before) {
		ksft_print_msg("memfd-pin-race: round %d: %ld free huge pages, %ld before\n",
			       round, hugetlb_free(), free_before);
		ret = 0;
	}
	return ret;
}

static void test_memfd_pin_race(void)
{
	/* One huge page: both calls allocate it, one of them adds it. */
	struct pin_race p = { .size = 2UL << 20 };
	int rounds = 0, both = 0, ret = 1;
	const char *why = NULL;
	double end;

	p.devfd = open("/dev/udmabuf", O_RDWR);
	if (p.devfd < 0) {
		ksft_test_result_skip("memfd-pin-race: no /dev/udmabuf\n");
		return;
	}
	for (end = now() + race_secs; now() < end && ret > 0; rounds++)
		ret = memfd_pin_round(&p, rounds, &both, &why);
	close(p.devfd);
	if (ret < 0) {
		ksft_test_result_skip("memfd-pin-race: %s\n", why);
		return;
	}
	ksft_print_msg("memfd-pin-race: %d rounds, both pins succeeded in %d\n", rounds, both);
	ksft_test_result(ret > 0, "memfd-pin-race: pins of an unallocated huge page, no leak\n");
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's' || atoi(optarg) < 1)
			ksft_exit_fail_msg("usage: %s [-s SECS]\n", argv[0]);
		race_secs = atoi(optarg);
	}
	pagesize = getpagesize();
	ksft_print_header();
	ksft_set_plan(8);
	test_dirtycow_procmem();
	test_dirtycow_ptrace();
	vmsplice_fork(pagesize, "base page");
	vmsplice_fork(read_pmd_pagesize() ? read_pmd_pagesize() : pagesize, "THP");
	uffd_continue_race(tmpfs_file(), "tmpfs");
	uffd_continue_race(sealed_memfd(), "sealed-memfd");
	test_iouring_coalesced();
	test_memfd_pin_race();
	ksft_finished();
}
