/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the Rust get_user_pages() implementation (mm/gup/) shares with C
 * beyond <linux/mm.h>.
 *
 * Included by rust/bindings/bindings_helper.h when CONFIG_RUST_GUP is set,
 * so that bindgen sees the GUP-internal declarations of mm/internal.h
 * (internal FOLL_* flags, try_grab_folio(), populate_vma_page_range(), ...)
 * and the functions below; and by mm/gup.c, for the parts of it that still
 * call into Rust or are called from it.
 */
#ifndef _MM_GUP_GUP_H
#define _MM_GUP_GUP_H

#include "../internal.h"

struct mm_struct;
struct page;

/*
 * __get_user_pages_locked() of mm/gup/follow.rs, for the FOLL_LONGTERM code
 * that is still in mm/gup.c.
 */
long rust_gup_get_user_pages_locked(struct mm_struct *mm, unsigned long start,
				    unsigned long nr_pages, struct page **pages,
				    int *locked, unsigned int flags);

/*
 * __gup_longterm_locked() of mm/gup.c, for the pin_user_pages*() entry
 * points and the GUP-fast fallback in Rust, until FOLL_LONGTERM moves to
 * mm/gup/longterm.rs.
 */
long rust_gup_longterm_locked(struct mm_struct *mm, unsigned long start,
			      unsigned long nr_pages, struct page **pages,
			      int *locked, unsigned int gup_flags);

#ifdef __BINDGEN__
#include <linux/mman.h>	/* PROT_* and MAP_* for the KUnit tests */

/*
 * Values bindgen cannot evaluate as macros; rust/Makefile strips the
 * prefix. Only bindgen sees these definitions.
 */
const vm_flags_t RUST_CONST_HELPER_VM_GROWSDOWN = VM_GROWSDOWN;
const vm_flags_t RUST_CONST_HELPER_VM_ACCESS_FLAGS = VM_ACCESS_FLAGS;
const vm_fault_t RUST_CONST_HELPER_VM_FAULT_ERROR = VM_FAULT_ERROR;
const vm_fault_t RUST_CONST_HELPER_VM_FAULT_HWPOISON_ANY =
	VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE;
/*
 * Page-table geometry: on arm64 these are function-like macro expressions
 * bindgen does not evaluate. GUP_-prefixed, as x86-64's plain values do
 * reach the bindings.
 */
const unsigned int RUST_CONST_HELPER_GUP_PMD_SHIFT = PMD_SHIFT;
const unsigned int RUST_CONST_HELPER_GUP_PUD_SHIFT = PUD_SHIFT;
#endif

#endif /* _MM_GUP_GUP_H */
