/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One GUP call on the page of the loading task's command line (insmod's
 * argv, which is in memory), whose contents are checked against what
 * copy_from_user() reads at the same address: the module's GUP calls must
 * reach working definitions, not only resolve.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static int check_argv_page(const char *name, struct page *page, unsigned long addr)
{
	size_t off = offset_in_page(addr), len = min_t(size_t, 16, PAGE_SIZE - off);
	char ubuf[16];
	char *k;
	int ret = 0;

	if (copy_from_user(ubuf, (const void __user *)addr, len))
		return -EFAULT;
	k = kmap_local_page(page);
	if (memcmp(k + off, ubuf, len))
		ret = -EILSEQ;
	kunmap_local(k);
	pr_info("%s: the page at the command line %s\n", name,
		ret ? "holds other bytes" : "holds the command line");
	return ret;
}
