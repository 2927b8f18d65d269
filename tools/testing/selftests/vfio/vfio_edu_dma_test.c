// SPDX-License-Identifier: GPL-2.0
/*
 * Real DMA through pages that VFIO pinned.
 *
 * QEMU's "edu" device (docs/specs/edu.rst in QEMU) has a DMA engine that
 * copies between guest memory and a 4 KiB buffer inside the device. Bound
 * to vfio-pci behind an emulated IOMMU (intel-iommu on x86-64, SMMUv3 on
 * arm64), every DMA it does goes through the IOMMU mapping that VFIO built
 * from the pages it pinned:
 *
 *  - the group + type1 container: vfio_iommu_type1 pins with
 *    pin_user_pages_remote(FOLL_LONGTERM) (VFIO_IOMMU_MAP_DMA);
 *  - the device cdev on iommufd: iommufd pins with pin_user_pages_fast()
 *    (IOMMU_IOAS_MAP).
 *
 * For anonymous 4K pages, THP and hugetlb, each path maps a buffer, then
 * makes the device copy pages of it into a second mapped buffer (RAM ->
 * device -> RAM) and checks the bytes: a wrong pin (a page other than the
 * one the process sees, or one that was freed) shows as wrong data. The
 * pin counters (nr_foll_pin_acquired/released) must show one pin per page
 * while mapped and be balanced after the unmap. Then fork after map (the
 * pinned pages stay the parent's: the child gets copies at fork, and what
 * the child writes is not what the device reads), and unmap/remap loops.
 *
 * Usage: vfio_edu_dma_test [-n REMAP_LOOPS] SEGMENT:BUS:DEVICE.FUNCTION
 * (the device bound to vfio-pci).
 *        vfio_edu_dma_test -b MIB,REPS,KIND BDF
 * times the map and unmap of MIB MiB (KIND 4k, thp or hugetlb, faulted in
 * first) through each path, after one warm-up, as "@@@ BENCH" lines for
 * the harness's bench.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "../kselftest.h"

#define EDU_ID			0x00
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_CNT		0x90
#define EDU_DMA_CMD		0x98
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_RAM		0x2
#define EDU_BUF			0x40000
#define EDU_BUF_SIZE		4096
/* edu's default dma_mask is 28 bits: every IOVA stays below 256 MiB. */
#define IOVA_SRC		0x1000000UL
#define IOVA_DST		0x4000000UL

#define BUF_SIZE		(8UL << 20)
#define DST_SIZE		(2UL << 20)
#define HPAGE			(2UL << 20)
#define PAGE			4096UL

enum kind { K_4K, K_THP, K_HUGETLB };
static const char *const kind_name[] = { "4k", "thp", "hugetlb" };

struct dev {
	bool iommufd;
	int container, group, iommufd_fd, fd;
	uint32_t ioas;
	uint64_t bar0, config;
};

static const char *bdf;
static int remap_loops = 16;

static long pin_counter(const char *name)
{
	char line[128];
	size_t n = strlen(name);
	long v = -1;
	FILE *f;
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	/* Fold the per-CPU deltas first (see harness/guest/init). */
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			v = -1;
		close(fd);
	}
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ' ')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

static long pins_held(void)
{
	return pin_counter("nr_foll_pin_acquired") - pin_counter("nr_foll_pin_released");
}

static int region_offset(int fd, uint32_t index, uint64_t *off)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return -errno;
	*off = ri.offset;
	return 0;
}

static int rd32(struct dev *d, uint64_t reg, uint32_t *v)
{
	return pread(d->fd, v, 4, d->bar0 + reg) == 4 ? 0 : -EIO;
}

static int wr32(struct dev *d, uint64_t reg, uint32_t v)
{
	return pwrite(d->fd, &v, 4, d->bar0 + reg) == 4 ? 0 : -EIO;
}

/*
 * One DMA of @len bytes: from RAM at @iova into the device's buffer, or
 * back. edu runs it from a timer 100 ms (virtual) later; poll until the
 * run bit clears.
 */
static int edu_dma(struct dev *d, uint64_t iova, size_t len, bool to_ram)
{
	uint32_t cmd;
	int i;

	if (wr32(d, EDU_DMA_SRC, to_ram ? EDU_BUF : iova) ||
	    wr32(d, EDU_DMA_DST, to_ram ? iova : EDU_BUF) ||
	    wr32(d, EDU_DMA_CNT, len) ||
	    wr32(d, EDU_DMA_CMD, EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0)))
		return -EIO;
	for (i = 0; i < 5000; i++) {
		if (rd32(d, EDU_DMA_CMD, &cmd))
			return -EIO;
		if (!(cmd & EDU_DMA_RUN))
			return 0;
		usleep(2000);
	}
	return -ETIMEDOUT;
}

static int dev_open(struct dev *d, bool iommufd)
{
	char path[PATH_MAX], link[PATH_MAX];
	uint16_t cmd;
	uint32_t id;
	ssize_t n;
	int ret;

	memset(d, 0, sizeof(*d));
	d->iommufd = iommufd;
	d->container = -1;
	d->group = -1;
	d->iommufd_fd = -1;
	d->fd = -1;
	if (!iommufd) {
		struct vfio_group_status st = { .argsz = sizeof(st) };

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			return -errno;
		link[n] = 0;
		snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(link, '/') + 1);
		d->container = open("/dev/vfio/vfio", O_RDWR);
		d->group = open(path, O_RDWR);
		if (d->container < 0 || d->group < 0)
			return -errno;
		if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
		    !ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU))
			return -EOPNOTSUPP;
		if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &st) ||
		    !(st.flags & VFIO_GROUP_FLAGS_VIABLE))
			return -EBUSY;
		if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container) ||
		    ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
			return -errno;
		d->fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
		if (d->fd < 0)
			return -errno;
	} else {
		struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
		struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
		struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
		struct dirent *e;
		DIR *dir;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
		dir = opendir(path);
		if (!dir)
			return -errno;
		path[0] = 0;
		while ((e = readdir(dir)))
			if (!strncmp(e->d_name, "vfio", 4))
				snprintf(path, sizeof(path), "/dev/vfio/devices/%s", e->d_name);
		closedir(dir);
		if (!path[0])
			return -ENODEV;
		d->iommufd_fd = open("/dev/iommu", O_RDWR);
		d->fd = open(path, O_RDWR);
		if (d->iommufd_fd < 0 || d->fd < 0)
			return -errno;
		bind.iommufd = d->iommufd_fd;
		if (ioctl(d->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind) ||
		    ioctl(d->iommufd_fd, IOMMU_IOAS_ALLOC, &alloc))
			return -errno;
		d->ioas = alloc.out_ioas_id;
		at.pt_id = d->ioas;
		if (ioctl(d->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
			return -errno;
	}
	ret = region_offset(d->fd, VFIO_PCI_BAR0_REGION_INDEX, &d->bar0);
	if (!ret)
		ret = region_offset(d->fd, VFIO_PCI_CONFIG_REGION_INDEX, &d->config);
	if (ret)
		return ret;
	/* Bus mastering on, or the device's DMA goes nowhere. */
	if (pread(d->fd, &cmd, 2, d->config + PCI_COMMAND) != 2)
		return -EIO;
	cmd |= PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY;
	if (pwrite(d->fd, &cmd, 2, d->config + PCI_COMMAND) != 2)
		return -EIO;
	if (rd32(d, EDU_ID, &id))
		return -EIO;
	if ((id & 0xff) != 0xed) {
		ksft_print_msg("%s: not an edu device (id %#x)\n", bdf, id);
		return -ENODEV;
	}
	return 0;
}

static void dev_close(struct dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	if (d->iommufd_fd >= 0)
		close(d->iommufd_fd);
}

static int dma_map(struct dev *d, void *va, uint64_t iova, size_t len)
{
	if (!d->iommufd) {
		struct vfio_iommu_type1_dma_map m = {
			.argsz = sizeof(m),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)va, .iova = iova, .size = len,
		};

		return ioctl(d->container, VFIO_IOMMU_MAP_DMA, &m) ? -errno : 0;
	}
	{
		struct iommu_ioas_map m = {
			.size = sizeof(m),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = d->ioas, .user_va = (uintptr_t)va,
			.length = len, .iova = iova,
		};

		return ioctl(d->iommufd_fd, IOMMU_IOAS_MAP, &m) ? -errno : 0;
	}
}

static int dma_unmap(struct dev *d, uint64_t iova, size_t len)
{
	if (!d->iommufd) {
		struct vfio_iommu_type1_dma_unmap u = {
			.argsz = sizeof(u), .iova = iova, .size = len,
		};

		if (ioctl(d->container, VFIO_IOMMU_UNMAP_DMA, &u))
			return -errno;
		return u.size == len ? 0 : -EIO;
	}
	{
		struct iommu_ioas_unmap u = {
			.size = sizeof(u), .ioas_id = d->ioas, .iova = iova, .length = len,
		};

		if (ioctl(d->iommufd_fd, IOMMU_IOAS_UNMAP, &u))
			return -errno;
		return u.length == len ? 0 : -EIO;
	}
}

static void *buf_alloc(enum kind k, size_t len)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	char *p, *a;

	if (k == K_HUGETLB) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_HUGETLB, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	/* 2 MiB aligned, so that THP can map it with PMDs. */
	p = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + HPAGE - 1) & ~(HPAGE - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + HPAGE - a);
	madvise(a, len, k == K_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return a;
}

static void buf_free(void *p, size_t len)
{
	munmap(p, len);
}

static void fill(char *page, unsigned int seed)
{
	uint32_t *w = (uint32_t *)page;
	size_t i;

	for (i = 0; i < PAGE / 4; i++)
		w[i] = seed * 2654435761u + i;
}

/*
 * Pages of the source buffer to copy: both ends and both sides of folio
 * boundaries.
 */
static const size_t check_pages[] = { 0, 1, 511, 512, 1023, 1536, 2047 };

/*
 * RAM (page @pg of @src) -> device -> RAM (@dst at a page of its own):
 * the device must read what the process wrote, and the process must see
 * what the device wrote. Returns 0 or an errno; *bad names a bad page.
 */
static int copy_check(struct dev *d, char *src, char *dst, size_t pg, unsigned int seed)
{
	size_t dpg = pg % (DST_SIZE / PAGE);
	int ret;

	fill(src + pg * PAGE, seed);
	memset(dst + dpg * PAGE, 0x5a, PAGE);
	ret = edu_dma(d, IOVA_SRC + pg * PAGE, EDU_BUF_SIZE, false);
	if (!ret)
		ret = edu_dma(d, IOVA_DST + dpg * PAGE, EDU_BUF_SIZE, true);
	if (ret)
		return ret;
	if (memcmp(src + pg * PAGE, dst + dpg * PAGE, PAGE)) {
		ksft_print_msg("page %zu: the device copied other bytes than the process wrote\n",
			       pg);
		return -EILSEQ;
	}
	return 0;
}

static int check_all(struct dev *d, char *src, char *dst, unsigned int seed)
{
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(check_pages); i++) {
		ret = copy_check(d, src, dst, check_pages[i], seed + i);
		if (ret)
			return ret;
	}
	return 0;
}

struct bufs {
	char *src, *dst;
	size_t len;
};

static int map_both(struct dev *d, struct bufs *b)
{
	int ret = dma_map(d, b->src, IOVA_SRC, b->len);

	if (ret)
		return ret;
	ret = dma_map(d, b->dst, IOVA_DST, DST_SIZE);
	if (ret)
		dma_unmap(d, IOVA_SRC, b->len);
	return ret;
}

static int unmap_both(struct dev *d, struct bufs *b)
{
	int r1 = dma_unmap(d, IOVA_SRC, b->len);
	int r2 = dma_unmap(d, IOVA_DST, DST_SIZE);

	return r1 ? r1 : r2;
}

/* Fill both buffers (@sfill, @dfill) and map them; @why says what failed. */
static int fill_map(struct dev *d, struct bufs *b, int sfill, int dfill, char *why, size_t wlen)
{
	int ret;

	memset(b->src, sfill, b->len);
	memset(b->dst, dfill, DST_SIZE);
	ret = map_both(d, b);
	if (ret)
		snprintf(why, wlen, "map: %s", strerror(-ret));
	return ret;
}

/* map: data through the pins; one pin per page while mapped; none after. */
static int t_map(struct dev *d, struct bufs *b, char *why, size_t wlen)
{
	long before = pins_held(), held;
	long want = (b->len + DST_SIZE) / PAGE;
	int ret;

	ret = fill_map(d, b, 1, 2, why, wlen);
	if (ret)
		return ret;
	held = pins_held() - before;
	ret = check_all(d, b->src, b->dst, 1);
	if (unmap_both(d, b) && !ret)
		ret = -EIO;
	if (ret) {
		snprintf(why, wlen, "DMA check: %s", strerror(-ret));
		return ret;
	}
	if (held != want) {
		snprintf(why, wlen, "%ld pins held while mapped, want %ld (one per page)",
			 held, want);
		return -EINVAL;
	}
	if (pins_held() != before) {
		snprintf(why, wlen, "unbalanced: %ld pins left after unmap", pins_held() - before);
		return -EINVAL;
	}
	snprintf(why, wlen, "%ld pages pinned and released", want);
	return 0;
}

/*
 * fork after map: the mapped pages stay the parent's. The child writes
 * its own copies; the device must read the parent's bytes, and what the
 * device writes must show in the parent.
 */
static int t_fork(struct dev *d, struct bufs *b, char *why, size_t wlen)
{
	long before = pins_held();
	int ret, status;
	size_t i;
	pid_t pid;

	ret = fill_map(d, b, 3, 4, why, wlen);
	if (ret)
		return ret;
	pid = fork();
	if (pid == 0) {
		/* The child writes every page of its copies, then leaves. */
		memset(b->src, 0xc1, b->len);
		memset(b->dst, 0xc2, DST_SIZE);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		unmap_both(d, b);
		snprintf(why, wlen, "fork or child failed");
		return -ECHILD;
	}
	/* The parent writes after the fork too (no COW may take its page). */
	ret = check_all(d, b->src, b->dst, 7);
	for (i = 0; !ret && i < b->len; i += PAGE)
		if (b->src[i + 17] == (char)0xc1)
			ret = -EILSEQ;
	if (unmap_both(d, b) && !ret)
		ret = -EIO;
	if (ret) {
		snprintf(why, wlen, "after fork: %s", strerror(-ret));
		return ret;
	}
	if (pins_held() != before) {
		snprintf(why, wlen, "unbalanced: %ld pins left after unmap", pins_held() - before);
		return -EINVAL;
	}
	snprintf(why, wlen, "child's writes stayed in the child");
	return 0;
}

/* unmap/remap loops: a fresh buffer half the time, the same one otherwise. */
static int t_remap(struct dev *d, struct bufs *b, enum kind k, char *why, size_t wlen)
{
	long before = pins_held();
	int i, ret = 0;

	for (i = 0; i < remap_loops && !ret; i++) {
		if (i & 1) {
			buf_free(b->src, b->len);
			b->src = buf_alloc(k, b->len);
			if (!b->src) {
				snprintf(why, wlen, "loop %d: mmap failed", i);
				return -ENOMEM;
			}
		}
		memset(b->src, i, b->len);
		ret = map_both(d, b);
		if (ret) {
			snprintf(why, wlen, "loop %d: map: %s", i, strerror(-ret));
			return ret;
		}
		ret = copy_check(d, b->src, b->dst, check_pages[i % 7], 100 + i);
		if (unmap_both(d, b) && !ret)
			ret = -EIO;
		if (ret)
			snprintf(why, wlen, "loop %d: %s", i, strerror(-ret));
	}
	if (!ret && pins_held() != before) {
		snprintf(why, wlen, "unbalanced: %ld pins left after %d loops",
			 pins_held() - before, remap_loops);
		return -EINVAL;
	}
	if (!ret)
		snprintf(why, wlen, "%d loops", remap_loops);
	return ret;
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Far from the test's IOVAs, and below every aperture we boot with. */
#define IOVA_BENCH	0x40000000UL

static void bench_line(const char *path, const char *kind, unsigned long mib,
		       unsigned long rep, long long map_ns, long long unmap_ns)
{
	printf("@@@ BENCH vfio-%s/%s/%luM rep=%lu map_ns=%lld unmap_ns=%lld\n",
	       path, kind, mib, rep, map_ns, unmap_ns);
}

static int bench(const char *arg)
{
	unsigned long mib = 0, reps = 0, r;
	char kname[16] = "";
	int k, path, ret;

	if (sscanf(arg, "%lu,%lu,%15s", &mib, &reps, kname) != 3)
		return 2;
	for (k = K_4K; k <= K_HUGETLB; k++)
		if (!strcmp(kname, kind_name[k]))
			break;
	if (k > K_HUGETLB)
		return 2;
	for (path = 0; path < 2; path++) {
		const char *pname = path ? "iommufd" : "type1";
		size_t len = mib << 20;
		struct dev d;
		char *p = buf_alloc(k, len);

		if (!p) {
			printf("@@@ BENCH vfio-%s/%s/%luM error=ENOMEM what=mmap\n",
			       pname, kname, mib);
			continue;
		}
		memset(p, 1, len);
		ret = dev_open(&d, path);
		for (r = 0; !ret && r <= reps; r++) {
			long long t0 = now_ns(), t1, t2;

			ret = dma_map(&d, p, IOVA_BENCH, len);
			t1 = now_ns();
			if (ret)
				break;
			ret = dma_unmap(&d, IOVA_BENCH, len);
			t2 = now_ns();
			/* rep 0 is the warm-up. */
			if (!ret && r)
				bench_line(pname, kname, mib, r - 1, t1 - t0, t2 - t1);
		}
		if (ret)
			printf("@@@ BENCH vfio-%s/%s/%luM error=%s what=map\n", pname, kname, mib,
			       strerrorname_np(-ret));
		fflush(stdout);
		dev_close(&d);
		munmap(p, len);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const tests[] = { "map", "fork", "remap" };
	const char *bench_arg = NULL;
	int opt, path, k, t;

	while ((opt = getopt(argc, argv, "n:b:")) != -1) {
		if (opt == 'n')
			remap_loops = atoi(optarg);
		else if (opt == 'b')
			bench_arg = optarg;
		else
			ksft_exit_fail_msg("usage: %s [-n LOOPS] [-b MIB,REPS,KIND] BDF\n",
					   argv[0]);
	}
	if (optind != argc - 1)
		ksft_exit_fail_msg("usage: %s [-n LOOPS] [-b MIB,REPS,KIND] BDF\n", argv[0]);
	bdf = argv[optind];
	if (bench_arg)
		return bench(bench_arg);
	ksft_print_header();
	ksft_set_plan(2 * 3 * 3);
	for (path = 0; path < 2; path++) {
		const char *pname = path ? "iommufd" : "type1";

		for (k = K_4K; k <= K_HUGETLB; k++) {
			struct bufs b = { .len = BUF_SIZE };
			struct dev d;
			char why[160];
			int ret;

			b.src = buf_alloc(k, BUF_SIZE);
			b.dst = buf_alloc(k, DST_SIZE);
			if (!b.src || !b.dst) {
				for (t = 0; t < 3; t++)
					ksft_test_result_fail("%s %s %s # mmap failed\n",
							      pname, kind_name[k], tests[t]);
				continue;
			}
			ret = dev_open(&d, path);
			for (t = 0; t < 3; t++) {
				if (ret) {
					ksft_test_result_fail("%s %s %s # open: %s\n",
							      pname, kind_name[k], tests[t],
							      strerror(-ret));
					continue;
				}
				if (t == 0)
					ret = t_map(&d, &b, why, sizeof(why));
				else if (t == 1)
					ret = t_fork(&d, &b, why, sizeof(why));
				else
					ret = t_remap(&d, &b, k, why, sizeof(why));
				ksft_test_result(!ret, "%s %s %s # %s\n", pname, kind_name[k],
						 tests[t], why);
				ret = 0;
			}
			dev_close(&d);
			buf_free(b.src, BUF_SIZE);
			buf_free(b.dst, DST_SIZE);
		}
	}
	ksft_finished();
}
