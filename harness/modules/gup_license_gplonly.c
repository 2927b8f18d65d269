// SPDX-License-Identifier: GPL-2.0
/*
 * A module with a GPL-incompatible license ("MIT") that uses
 * pin_user_pages_fast(), which is EXPORT_SYMBOL_GPL. Two defences must
 * refuse it: modpost at build time ("GPL-incompatible module ... uses
 * GPL-only symbol"), and the module loader at load time ("Unknown symbol
 * pin_user_pages_fast"). To get a .ko that shows the second, the harness
 * builds it once more with GUP_LICENSE_GPLONLY_AS_GPL (MODULE_LICENSE
 * "GPL", which modpost accepts) and rewrites "license=GPL" to
 * "license=MIT" in the .ko's .modinfo, as a module built outside Kbuild
 * could carry. gup_license_gpl.c is the same code under the GPL, which
 * loads.
 */
#include "gup_license_gpl_body.h"

#ifdef GUP_LICENSE_GPLONLY_AS_GPL
MODULE_LICENSE("GPL");
#else
MODULE_LICENSE("MIT");
#endif
MODULE_DESCRIPTION("an EXPORT_SYMBOL_GPL GUP function from a non-GPL module");
