/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the Rust get_user_pages() implementation (mm/gup/) needs from C
 * beyond <linux/mm.h>: the GUP-internal declarations of mm/internal.h
 * (internal FOLL_* flags, try_grab_folio(), populate_vma_page_range(), ...).
 * Included by rust/bindings/bindings_helper.h when CONFIG_RUST_GUP is set.
 */
#ifndef _MM_GUP_GUP_H
#define _MM_GUP_GUP_H

#include "../internal.h"

#endif /* _MM_GUP_GUP_H */
