// SPDX-License-Identifier: GPL-2.0
/*
 * A module with a GPL-incompatible license that uses only GUP functions
 * exported with plain EXPORT_SYMBOL (get_user_pages_unlocked(),
 * pin_user_pages_unlocked(), unpin_user_page()): it must load, and its
 * calls must work.
 *
 * The source is GPL-2.0 like the rest of this repository; the
 * MODULE_LICENSE() below is what the module loader checks, and is the
 * point of the test.
 */
#include <linux/module.h>
#include "gup_license_common.h"

static int __init gup_license_plain_init(void)
{
	unsigned long addr = current->mm->arg_start;
	struct page *page;
	long n;
	int ret;

	n = get_user_pages_unlocked(addr, 1, &page, 0);
	if (n != 1)
		return n < 0 ? n : -EFAULT;
	ret = check_argv_page("gup_license_plain get_user_pages_unlocked", page, addr);
	put_page(page);
	if (ret)
		return ret;
	n = pin_user_pages_unlocked(addr, 1, &page, 0);
	if (n != 1)
		return n < 0 ? n : -EFAULT;
	ret = check_argv_page("gup_license_plain pin_user_pages_unlocked", page, addr);
	unpin_user_page(page);
	return ret;
}

static void __exit gup_license_plain_exit(void)
{
}

module_init(gup_license_plain_init);
module_exit(gup_license_plain_exit);
MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("GUP EXPORT_SYMBOL functions from a non-GPL module");
