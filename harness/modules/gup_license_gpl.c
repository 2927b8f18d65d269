// SPDX-License-Identifier: GPL-2.0
/*
 * gup_license_gplonly.c's code under the GPL: pin_user_pages_fast()
 * resolves, the module loads and its pin works.
 */
#include "gup_license_gpl_body.h"

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("an EXPORT_SYMBOL_GPL GUP function from a GPL module");
