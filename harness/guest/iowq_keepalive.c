// SPDX-License-Identifier: GPL-2.0
/*
 * Linked into the guest's build of cow (harness/lib/test.sh), not part of
 * cow.c: before main(), open one io_uring instance and keep it open for
 * the life of the process.
 *
 * Why: 7.2's io-wq loses a request punted while the task's previous
 * worker is exiting on idle (docs/reliability.md, section 1). Exit on
 * idle is armed by io_uring_del_tctx_node() when the task's last ring
 * goes away (tctx->xa empty), and cow closes its ring and opens the next
 * one in every io_uring case, so every case opens that window, on the
 * stock kernel as on ours; under TCG a descheduled vCPU can sit in it long
 * enough for cow's next fixed-buffer write to be queued with no worker,
 * and cow waits in io_cqring_wait() until the case timeout kills it.
 *
 * A ring the task holds keeps tctx->xa non-empty: cow's rings come and
 * go without the task ever having no ring, so IO_WQ_BIT_EXIT_ON_IDLE is
 * never set for it, and its worker stays as it did before 7.x. The ring
 * has no registered buffers and gets no submissions: GUP sees nothing of
 * it. The io_uring cases run in cow's main thread (children only touch
 * the memory), the thread that runs this constructor; a forked child has
 * its own (empty) io_uring task context.
 *
 * What is left of the race: an idle worker that times out while another
 * worker exists (acct->nr_workers > 1) exits through the same window. cow
 * submits one request at a time, so that takes a second worker created
 * while the first still ran a request, and five idle seconds after.
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int iowq_keepalive_fd = -1;

__attribute__((constructor)) static void iowq_keepalive(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	iowq_keepalive_fd = syscall(__NR_io_uring_setup, 1, &p);
	/*
	 * Not fatal: cow then runs as it would without this file, with the
	 * window open. Said on stderr, as a TAP comment.
	 */
	if (iowq_keepalive_fd < 0)
		fprintf(stderr, "# iowq_keepalive: io_uring_setup: %m\n");
}

/*
 * The second thing this file does for cow (linked with -Wl,--wrap=write):
 * a write() that fails with ENOMEM is tried again. cow's fork cases tell
 * the child and the parent to go on by writing one byte to a pipe and do
 * not look at the result; run under fault injection (the faultinj suite's
 * cow-injected), a failed pipe-buffer allocation fails that write(), the
 * child waits for a byte that never comes and the parent for the child:
 * a deadlock of the test's own protocol, on either kernel, until the case
 * time limit (docs/reliability.md, the debug boot of 2026-12-04). Only
 * ENOMEM, and at most 1000 times: the injected failures are sparse, and
 * a real shortage still shows.
 */
ssize_t __real_write(int fd, const void *buf, size_t count);

ssize_t __wrap_write(int fd, const void *buf, size_t count)
{
	ssize_t ret;
	int tries = 0;

	do {
		ret = __real_write(fd, buf, count);
	} while (ret < 0 && errno == ENOMEM && ++tries < 1000);
	return ret;
}
