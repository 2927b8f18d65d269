// SPDX-License-Identifier: GPL-2.0-only
/*
 * Symbol exports of the Rust get_user_pages() implementation (mm/gup/).
 *
 * Rust objects outside rust/ are not exported by the build, so the exports
 * live here, with the same EXPORT_SYMBOL/EXPORT_SYMBOL_GPL split as
 * mm/gup.c: modules built against either implementation bind the same way.
 * The prototypes come from <linux/mm.h> and <linux/pagemap.h>, which Rust's
 * #[export] checks its definitions against.
 */
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

/* mm/gup/pin.rs */
EXPORT_SYMBOL(unpin_user_page);
EXPORT_SYMBOL_GPL(unpin_folio);
EXPORT_SYMBOL(unpin_user_pages_dirty_lock);
EXPORT_SYMBOL(unpin_user_page_range_dirty_lock);
EXPORT_SYMBOL(unpin_user_pages);
EXPORT_SYMBOL(unpin_user_folio);
EXPORT_SYMBOL_GPL(unpin_folios);
EXPORT_SYMBOL_GPL(folio_add_pins);

/* mm/gup/fault.rs and populate.rs, through mm/gup/mod.rs */
EXPORT_SYMBOL_GPL(fixup_user_fault);
EXPORT_SYMBOL(fault_in_writeable);
EXPORT_SYMBOL(fault_in_subpage_writeable);
EXPORT_SYMBOL(fault_in_safe_writeable);
EXPORT_SYMBOL(fault_in_readable);

/* mm/gup/slow.rs and longterm.rs, through mm/gup/mod.rs */
EXPORT_SYMBOL(get_user_pages_remote);
EXPORT_SYMBOL(get_user_pages);
EXPORT_SYMBOL(get_user_pages_unlocked);
EXPORT_SYMBOL(pin_user_pages_remote);
EXPORT_SYMBOL(pin_user_pages);
EXPORT_SYMBOL(pin_user_pages_unlocked);

/* mm/gup/fast.rs, through mm/gup/mod.rs */
EXPORT_SYMBOL_GPL(get_user_pages_fast_only);
EXPORT_SYMBOL_GPL(get_user_pages_fast);
EXPORT_SYMBOL_GPL(pin_user_pages_fast);

/* mm/gup/longterm.rs, through mm/gup/mod.rs */
EXPORT_SYMBOL_GPL(memfd_pin_folios);

/* Not in mm/gup.c since v6.12; new exports are GPL-only. */
EXPORT_SYMBOL_GPL(follow_page);
