// SPDX-License-Identifier: GPL-2.0
/*
 * RDMA through pages that ib_umem_get() pinned.
 *
 * A memory registration (ibv_reg_mr()) makes ib_uverbs call ib_umem_get(),
 * which pins the range with pin_user_pages_fast(FOLL_LONGTERM) and keeps
 * the pages until ibv_dereg_mr(). On soft-RoCE (rdma_rxe) the "device" is
 * the kernel itself: an RDMA WRITE or READ copies between the pinned pages
 * of two memory regions through their kernel mappings. So a wrong pin (a
 * page other than the one the process sees) shows as wrong data.
 *
 * Two RC queue pairs on one rxe device, connected to each other (the
 * device's own GID: rxe's loopback path), and for anonymous 4K pages, THP
 * and hugetlb:
 *
 *  - mr256M: a 256 MiB source region and an 8 MiB destination; RDMA
 *    WRITEs of 64 KiB from offsets across the whole source (folio
 *    boundaries, both ends) into the destination, then RDMA READs of the
 *    same offsets, the bytes checked each time; one pin per page while
 *    registered, none left after the deregistration;
 *  - fork: fork after registration; the child writes its copies, the
 *    parent's writes are what the WRITE moves;
 *  - rereg: register, transfer, check, deregister, with a fresh buffer
 *    every other time.
 *
 * Usage: rxe_umem_test [-d DEV] [-s MIB]
 *        rxe_umem_test -d DEV -b MIB,REPS,KIND[,LAYOUTS]   (the bench:
 *        ibv_reg_mr() and ibv_dereg_mr() of MIB MiB of KIND memory, 4k, thp
 *        or hugetlb, faulted in first, after one warm-up, as "@@@ BENCH"
 *        lines; with LAYOUTS > 1, in that many physical layouts, see
 *        bench_layout())
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>

#include "../kselftest.h"

#define PAGE		4096UL
#define HPAGE		(2UL << 20)
#define DST_SIZE	(8UL << 20)
#define CHUNK		(64UL << 10)

enum kind { K_4K, K_THP, K_HUGETLB };
static const char *const kind_name[] = { "4k", "thp", "hugetlb" };

struct ctx {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp[2];
	int gid_index;
};

static const char usage[] = "usage: %s [-d DEV] [-s MIB] [-b MIB,REPS,KIND[,LAYOUTS]]\n";
static const char *dev_name = "rxe0";
static size_t src_size = 256UL << 20;

static long pin_counter(const char *name)
{
	char line[128];
	size_t n = strlen(name);
	long v = -1;
	FILE *f;
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

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

static void *buf_alloc(enum kind k, size_t len)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	char *p, *a;

	if (k == K_HUGETLB) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_HUGETLB, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
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

static int open_dev(struct ctx *c)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_qp_init_attr qia = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 16, .max_recv_wr = 1,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_port_attr pa;
	union ibv_gid gid;
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), dev_name))
			c->ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!c->ctx)
		return -ENODEV;
	if (ibv_query_port(c->ctx, 1, &pa))
		return -EIO;
	/* An IPv4-mapped GID if the netdev has an address, else index 0. */
	c->gid_index = 0;
	for (i = 0; i < pa.gid_tbl_len && i < 16; i++) {
		if (ibv_query_gid(c->ctx, 1, i, &gid))
			continue;
		if (!gid.global.subnet_prefix &&
		    (gid.global.interface_id & 0xffffffffULL) == 0xffff0000ULL) {
			c->gid_index = i;
			break;
		}
	}
	c->pd = ibv_alloc_pd(c->ctx);
	c->cq = c->pd ? ibv_create_cq(c->ctx, 64, NULL, NULL, 0) : NULL;
	if (!c->cq)
		return -ENOMEM;
	qia.send_cq = c->cq;
	qia.recv_cq = c->cq;
	for (i = 0; i < 2; i++) {
		c->qp[i] = ibv_create_qp(c->pd, &qia);
		if (!c->qp[i])
			return -errno;
	}
	if (ibv_query_gid(c->ctx, 1, c->gid_index, &gid))
		return -EIO;
	for (i = 0; i < 2; i++) {
		struct ibv_qp_attr a = {
			.qp_state = IBV_QPS_INIT, .port_num = 1,
			.qp_access_flags = IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE |
					   IBV_ACCESS_LOCAL_WRITE,
		};

		if (ibv_modify_qp(c->qp[i], &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
				  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
			return -EIO;
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTR;
		a.path_mtu = pa.active_mtu;
		a.dest_qp_num = c->qp[!i]->qp_num;
		a.max_dest_rd_atomic = 4;
		a.min_rnr_timer = 12;
		a.ah_attr.is_global = 1;
		a.ah_attr.grh.dgid = gid;
		a.ah_attr.grh.sgid_index = c->gid_index;
		a.ah_attr.grh.hop_limit = 1;
		a.ah_attr.port_num = 1;
		if (ibv_modify_qp(c->qp[i], &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
				  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
				  IBV_QP_MIN_RNR_TIMER))
			return -EIO;
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTS;
		a.timeout = 14;
		a.retry_cnt = 7;
		a.rnr_retry = 7;
		a.max_rd_atomic = 4;
		if (ibv_modify_qp(c->qp[i], &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
				  IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
				  IBV_QP_MAX_QP_RD_ATOMIC))
			return -EIO;
	}
	return 0;
}

static void close_dev(struct ctx *c)
{
	int i;

	for (i = 0; i < 2; i++)
		if (c->qp[i])
			ibv_destroy_qp(c->qp[i]);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->pd)
		ibv_dealloc_pd(c->pd);
	if (c->ctx)
		ibv_close_device(c->ctx);
}

static struct ibv_mr *reg(struct ctx *c, void *p, size_t len)
{
	return ibv_reg_mr(c->pd, p, len, IBV_ACCESS_LOCAL_WRITE |
			  IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE);
}

/* One RDMA WRITE (or READ) on QP 0 of @len bytes between @l and @r. */
static int rdma(struct ctx *c, struct ibv_mr *lmr, void *l, struct ibv_mr *rmr, void *r,
		size_t len, bool read)
{
	struct ibv_sge sge = { .addr = (uintptr_t)l, .length = len, .lkey = lmr->lkey };
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .send_flags = IBV_SEND_SIGNALED,
		.opcode = read ? IBV_WR_RDMA_READ : IBV_WR_RDMA_WRITE,
		.wr.rdma = { .remote_addr = (uintptr_t)r, .rkey = rmr->rkey },
	}, *bad;
	struct ibv_wc wc;
	struct timespec t0, t;
	int n;

	if (ibv_post_send(c->qp[0], &wr, &bad))
		return -EIO;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		n = ibv_poll_cq(c->cq, 1, &wc);
		if (n < 0)
			return -EIO;
		if (n == 1)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 60)
			return -ETIMEDOUT;
		usleep(100);
	}
	if (wc.status != IBV_WC_SUCCESS) {
		ksft_print_msg("work completion: %s\n", ibv_wc_status_str(wc.status));
		return -EIO;
	}
	return 0;
}

static void fill(char *p, size_t len, unsigned int seed)
{
	uint32_t *w = (uint32_t *)p;
	size_t i;

	for (i = 0; i < len / 4; i++)
		w[i] = seed * 2654435761u + i;
}

/*
 * Chunks of the source to move: both ends, each side of the first folio
 * boundaries, and one in every 16 MiB.
 */
static size_t chunk_offset(size_t len, int i, int *n)
{
	static const size_t fixed[] = { 0, HPAGE - CHUNK / 2, HPAGE, 2 * HPAGE + PAGE };
	int nfixed = ARRAY_SIZE(fixed);
	int every = len / (16UL << 20);

	*n = nfixed + every + 1;
	if (i < nfixed)
		return fixed[i] + CHUNK <= len ? fixed[i] : 0;
	if (i < nfixed + every)
		return (i - nfixed) * (16UL << 20) + (7 + i) * PAGE;
	return len - CHUNK;
}

/*
 * WRITE each chunk of @src into the destination, then READ it back into
 * another place of the destination; check both.
 */
static int move_check(struct ctx *c, struct ibv_mr *smr, char *src, size_t slen,
		      struct ibv_mr *dmr, char *dst, unsigned int seed, char *why, size_t wlen)
{
	int i, n = 1, ret;

	for (i = 0; i < n; i++) {
		size_t off = chunk_offset(slen, i, &n);
		char *d = dst + (i % (DST_SIZE / CHUNK / 2)) * CHUNK;
		char *d2 = dst + DST_SIZE / 2 + (i % (DST_SIZE / CHUNK / 2)) * CHUNK;

		fill(src + off, CHUNK, seed + i);
		memset(d, 0x5a, CHUNK);
		memset(d2, 0xa5, CHUNK);
		/* QP 0 WRITEs its local source into QP 1's side, */
		ret = rdma(c, smr, src + off, dmr, d, CHUNK, false);
		if (ret) {
			snprintf(why, wlen, "WRITE at %zu: %s", off, strerror(-ret));
			return ret;
		}
		if (memcmp(src + off, d, CHUNK)) {
			snprintf(why, wlen, "WRITE at offset %zu moved other bytes", off);
			return -EILSEQ;
		}
		/* and READs the remote source into its local destination. */
		ret = rdma(c, dmr, d2, smr, src + off, CHUNK, true);
		if (ret) {
			snprintf(why, wlen, "READ at %zu: %s", off, strerror(-ret));
			return ret;
		}
		if (memcmp(src + off, d2, CHUNK)) {
			snprintf(why, wlen, "READ at offset %zu moved other bytes", off);
			return -EILSEQ;
		}
	}
	snprintf(why, wlen, "%d chunks written and read", n);
	return 0;
}

/* A source and a destination buffer, each registered as a memory region. */
struct regs {
	char *src, *dst;
	size_t slen;
	struct ibv_mr *smr, *dmr;
	long before;	/* pins held before */
};

/*
 * Map and fill both buffers (source with @sfill, destination with @dfill)
 * and register them. On failure what was made stays in @r for
 * regs_put(), and @why says what failed.
 */
static int regs_get(struct ctx *c, enum kind k, size_t slen, int sfill, int dfill,
		    struct regs *r, char *why, size_t wlen)
{
	memset(r, 0, sizeof(*r));
	r->before = pins_held();
	r->slen = slen;
	r->src = buf_alloc(k, slen);
	r->dst = buf_alloc(k, DST_SIZE);
	if (!r->src || !r->dst) {
		snprintf(why, wlen, "mmap failed");
		return -ENOMEM;
	}
	memset(r->src, sfill, slen);
	memset(r->dst, dfill, DST_SIZE);
	r->smr = reg(c, r->src, slen);
	r->dmr = reg(c, r->dst, DST_SIZE);
	if (!r->smr || !r->dmr) {
		int err = errno;

		snprintf(why, wlen, "ibv_reg_mr: %s", strerror(err));
		return -err;
	}
	return 0;
}

/*
 * Deregister and unmap what regs_get() made. Returns @ret, or if that is
 * 0, a failed deregistration or pins left behind.
 */
static int regs_put(struct regs *r, int ret, char *why, size_t wlen)
{
	if (r->smr && ibv_dereg_mr(r->smr) && !ret)
		ret = -EIO;
	if (r->dmr && ibv_dereg_mr(r->dmr) && !ret)
		ret = -EIO;
	if (!ret && pins_held() != r->before) {
		snprintf(why, wlen, "unbalanced: %ld pins left", pins_held() - r->before);
		ret = -EINVAL;
	}
	if (r->src)
		munmap(r->src, r->slen);
	if (r->dst)
		munmap(r->dst, DST_SIZE);
	return ret;
}

static int t_mr(struct ctx *c, enum kind k, size_t slen, char *why, size_t wlen)
{
	long held, want = (slen + DST_SIZE) / PAGE;
	struct regs r;
	int ret;

	ret = regs_get(c, k, slen, 1, 2, &r, why, wlen);
	if (!ret) {
		held = pins_held() - r.before;
		ret = move_check(c, r.smr, r.src, slen, r.dmr, r.dst, 1, why, wlen);
		if (!ret && held != want) {
			snprintf(why, wlen, "%ld pins held while registered, want %ld", held, want);
			ret = -EINVAL;
		}
	}
	return regs_put(&r, ret, why, wlen);
}

static int t_fork(struct ctx *c, enum kind k, char *why, size_t wlen)
{
	size_t slen = 8UL << 20;
	struct regs r;
	int ret, status;
	pid_t pid;

	ret = regs_get(c, k, slen, 3, 4, &r, why, wlen);
	if (ret)
		return regs_put(&r, ret, why, wlen);
	pid = fork();
	if (pid == 0) {
		memset(r.src, 0xc1, slen);
		memset(r.dst, 0xc2, DST_SIZE);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		snprintf(why, wlen, "fork or child failed");
		return regs_put(&r, -ECHILD, why, wlen);
	}
	ret = move_check(c, r.smr, r.src, slen, r.dmr, r.dst, 9, why, wlen);
	if (!ret && r.src[slen / 2 + 5] == (char)0xc1) {
		snprintf(why, wlen, "the child's write shows in the parent");
		ret = -EILSEQ;
	}
	return regs_put(&r, ret, why, wlen);
}

static int t_rereg(struct ctx *c, enum kind k, char *why, size_t wlen)
{
	long before = pins_held();
	int i, ret = 0;

	for (i = 0; i < 8 && !ret; i++)
		ret = t_mr(c, k, 4UL << 20, why, wlen);
	if (!ret && pins_held() != before) {
		snprintf(why, wlen, "unbalanced: %ld pins left", pins_held() - before);
		ret = -EINVAL;
	}
	if (!ret)
		snprintf(why, wlen, "8 registrations");
	return ret;
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * The physical layout of the bench's buffer, and why there are several.
 *
 * ib_umem_get() hands the pinned pages to sg_alloc_append_table_from_pages(),
 * which merges physically adjacent pages into one scatterlist entry. Its
 * time, and so ibv_reg_mr()'s, depends on which physical pages the buffer
 * got, and that is set by everything the kernel allocated and freed before:
 * the boot, the earlier workloads. Two kernels (or two boots of one kernel
 * that differ in what they ran before) measured on one buffer each compare
 * two layouts as much as two kernels; ibv_reg_mr() of 256 MiB on THP moves
 * by 2% or more between them.
 *
 * So the bench can measure LAYOUTS buffers, one after the other, and its
 * report takes their mean. Layout 0 is the buffer alone, as one layout
 * always was. Before layout l > 0 the buffer is preceded by a spacer: 1 to
 * 32 chunks of 2 MiB of the same kind, faulted in, of which a pseudo-random
 * half is unmapped again before the buffer is faulted in (their pages go
 * back to the head of the free lists, where the buffer's first faults find
 * them) and the rest is held until the buffer is gone. The sequence comes
 * from a fixed seed, so every kernel runs the same one; what differs between
 * kernels is only where their own history had put the free pages.
 */
struct spacer {
	char *p;
	size_t chunks;
	uint64_t kept;		/* bit i: chunk i is still mapped */
};

static uint64_t layout_rand(uint64_t *s)
{
	/* splitmix64: good enough to scatter the chunks, the same everywhere. */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int spacer_get(enum kind k, unsigned int layout, struct spacer *sp)
{
	uint64_t seed = layout, freed;
	size_t i;

	memset(sp, 0, sizeof(*sp));
	if (!layout)
		return 0;
	sp->chunks = 1 + layout_rand(&seed) % 32;
	freed = layout_rand(&seed);
	sp->p = buf_alloc(k, sp->chunks * HPAGE);
	if (!sp->p)
		return -ENOMEM;
	memset(sp->p, 2, sp->chunks * HPAGE);
	for (i = 0; i < sp->chunks; i++) {
		if (freed & (1ULL << i))
			munmap(sp->p + i * HPAGE, HPAGE);
		else
			sp->kept |= 1ULL << i;
	}
	return 0;
}

static void spacer_put(struct spacer *sp)
{
	size_t i;

	for (i = 0; i < sp->chunks; i++)
		if (sp->kept & (1ULL << i))
			munmap(sp->p + i * HPAGE, HPAGE);
}

/* One layout of the bench: its spacer, the buffer, REPS + 1 registrations. */
static int bench_layout(struct ctx *c, enum kind k, unsigned long mib, unsigned long reps,
			unsigned int layout, bool tagged)
{
	const char *kname = kind_name[k];
	struct spacer sp;
	char tag[32] = "";
	char *p;
	int r;

	if (tagged)
		snprintf(tag, sizeof(tag), " layout=%u", layout);
	if (spacer_get(k, layout, &sp)) {
		printf("@@@ BENCH ibv_reg_mr/%s/%luM error=ENOMEM what=spacer\n", kname, mib);
		return -ENOMEM;
	}
	p = buf_alloc(k, mib << 20);
	if (!p) {
		printf("@@@ BENCH ibv_reg_mr/%s/%luM error=ENOMEM what=mmap\n", kname, mib);
		spacer_put(&sp);
		return -ENOMEM;
	}
	memset(p, 1, mib << 20);
	/* rep 0 is the warm-up. */
	for (r = 0; r <= (int)reps; r++) {
		long long t0, t1, t2;
		struct ibv_mr *mr;

		/*
		 * Let the work the last step left behind run first (the RCU
		 * callbacks that free the previous registration's xarray
		 * nodes and slabs, per-CPU page list drains), so that it does
		 * not land in this registration's time on one kernel and not
		 * on the other. Under -icount the idle guest skips ahead.
		 */
		usleep(100 * 1000);
		t0 = now_ns();
		mr = reg(c, p, mib << 20);

		t1 = now_ns();
		if (!mr) {
			printf("@@@ BENCH ibv_reg_mr/%s/%luM error=%s what=ibv_reg_mr\n",
			       kname, mib, strerrorname_np(errno));
			break;
		}
		ibv_dereg_mr(mr);
		t2 = now_ns();
		if (r)
			printf("@@@ BENCH ibv_reg_mr/%s/%luM%s rep=%d reg_ns=%lld dereg_ns=%lld\n",
			       kname, mib, tag, r - 1, t1 - t0, t2 - t1);
	}
	munmap(p, mib << 20);
	spacer_put(&sp);
	return r > (int)reps ? 0 : -EIO;
}

/* -b MIB,REPS,KIND[,LAYOUTS]: ibv_reg_mr() + ibv_dereg_mr() of MIB MiB. */
static int bench(struct ctx *c, const char *arg)
{
	unsigned long mib = 0, reps = 0, layouts = 1;
	char kname[16] = "";
	unsigned int l;
	char *comma;
	int k;

	if (sscanf(arg, "%lu,%lu,%15s", &mib, &reps, kname) != 3)
		return -EINVAL;
	comma = strchr(kname, ',');
	if (comma) {
		*comma = '\0';
		layouts = strtoul(comma + 1, NULL, 10);
	}
	for (k = K_4K; k <= K_HUGETLB; k++)
		if (!strcmp(kname, kind_name[k]))
			break;
	if (k > K_HUGETLB || !layouts || layouts > 1000)
		return -EINVAL;
	for (l = 0; l < layouts; l++)
		if (bench_layout(c, k, mib, reps, l, layouts > 1))
			break;
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const tests[] = { "mr", "fork", "rereg" };
	const char *bench_arg = NULL;
	struct ctx c;
	int opt, k, t, ret;

	while ((opt = getopt(argc, argv, "d:s:b:")) != -1) {
		switch (opt) {
		case 'd':
			dev_name = optarg;
			break;
		case 's':
			src_size = strtoul(optarg, NULL, 0) << 20;
			break;
		case 'b':
			bench_arg = optarg;
			break;
		default:
			ksft_exit_fail_msg(usage, argv[0]);
		}
	}
	if (src_size < (16UL << 20))
		ksft_exit_fail_msg("-s: at least 16 MiB\n");
	ret = open_dev(&c);
	if (bench_arg) {
		if (ret) {
			printf("@@@ BENCH ibv_reg_mr error=%s what=open\n", strerrorname_np(-ret));
			return 1;
		}
		ret = bench(&c, bench_arg);
		close_dev(&c);
		return ret ? 1 : 0;
	}
	ksft_print_header();
	if (ret)
		ksft_exit_fail_msg("%s: %s\n", dev_name, strerror(-ret));
	ksft_print_msg("%s: GID index %d\n", dev_name, c.gid_index);
	ksft_set_plan(3 * 3);
	for (k = K_4K; k <= K_HUGETLB; k++) {
		for (t = 0; t < 3; t++) {
			char why[160] = "";

			if (t == 0)
				ret = t_mr(&c, k, src_size, why, sizeof(why));
			else if (t == 1)
				ret = t_fork(&c, k, why, sizeof(why));
			else
				ret = t_rereg(&c, k, why, sizeof(why));
			if (t == 0)
				ksft_test_result(!ret, "%s mr%zuM # %s\n", kind_name[k],
						 src_size >> 20, why);
			else
				ksft_test_result(!ret, "%s %s # %s\n", kind_name[k], tests[t], why);
		}
	}
	close_dev(&c);
	ksft_finished();
}
