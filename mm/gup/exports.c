// SPDX-License-Identifier: GPL-2.0-only
/*
 * Symbol exports of the Rust get_user_pages() implementation (mm/gup/).
 *
 * Rust objects outside rust/ are not exported by the build, so the exports
 * live here, with the same EXPORT_SYMBOL/EXPORT_SYMBOL_GPL split as
 * mm/gup.c: modules built against either implementation bind the same way.
 * The prototypes come from <linux/mm.h>, which Rust's #[export] checks
 * its definitions against.
 */
#include <linux/export.h>
#include <linux/mm.h>

EXPORT_SYMBOL(unpin_user_page);
EXPORT_SYMBOL_GPL(unpin_folio);
EXPORT_SYMBOL(unpin_user_pages_dirty_lock);
EXPORT_SYMBOL(unpin_user_page_range_dirty_lock);
EXPORT_SYMBOL(unpin_user_pages);
EXPORT_SYMBOL(unpin_user_folio);
EXPORT_SYMBOL_GPL(unpin_folios);
EXPORT_SYMBOL_GPL(folio_add_pins);
