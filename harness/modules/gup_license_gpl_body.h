/* SPDX-License-Identifier: GPL-2.0 */
/* pin_user_pages_fast(), an EXPORT_SYMBOL_GPL function, on insmod's argv. */
#include <linux/module.h>
#include "gup_license_common.h"

static int __init gup_license_init(void)
{
	unsigned long addr = current->mm->arg_start;
	struct page *page;
	int n;

	n = pin_user_pages_fast(addr, 1, 0, &page);
	if (n != 1)
		return n < 0 ? n : -EFAULT;
	n = check_argv_page(KBUILD_MODNAME " pin_user_pages_fast", page, addr);
	unpin_user_page(page);
	return n;
}

static void __exit gup_license_exit(void)
{
}

module_init(gup_license_init);
module_exit(gup_license_exit);
