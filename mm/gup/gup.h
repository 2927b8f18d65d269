/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the Rust get_user_pages() implementation (mm/gup/) shares with C
 * beyond <linux/mm.h>.
 *
 * Included by rust/bindings/bindings_helper.h when CONFIG_RUST_GUP is set,
 * so that bindgen sees the GUP-internal declarations of mm/internal.h
 * (internal FOLL_* flags, try_grab_folio(), populate_vma_page_range(), ...)
 * and the declarations below.
 */
#ifndef _MM_GUP_GUP_H
#define _MM_GUP_GUP_H

#include "../internal.h"

/*
 * What mm/gup/longterm.rs calls beyond <linux/mm.h> and mm/internal.h:
 * migrate_pages(), alloc_migration_target(), putback_movable_pages(),
 * lru_add_drain*() and filemap_get_folios_contig().
 */
#include <linux/migrate.h>
#include <linux/pagemap.h>
#include <linux/swap.h>

#ifdef __BINDGEN__
#include <linux/mman.h>	/* PROT_* and MAP_* for the KUnit tests */
#include <linux/shmem_fs.h>	/* shmem_file_setup() for the KUnit tests */

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
/* The allocation flags of FOLL_LONGTERM migration targets. */
const gfp_t RUST_CONST_HELPER_GUP_GFP_LONGTERM_MIGRATE = GFP_USER | __GFP_NOWARN;
/*
 * Whether flush_dcache_page() and flush_anon_page() do anything on this
 * architecture: where they are empty (x86-64; flush_anon_page() on arm64)
 * the slow path does not call their helpers for every subpage of a leaf.
 */
#ifdef ARCH_HAS_FLUSH_ANON_PAGE
#define GUP_ARCH_HAS_FLUSH_ANON_PAGE 1
#else
#define GUP_ARCH_HAS_FLUSH_ANON_PAGE 0
#endif
const bool RUST_CONST_HELPER_GUP_FLUSH_DCACHE_PAGE = ARCH_IMPLEMENTS_FLUSH_DCACHE_PAGE;
const bool RUST_CONST_HELPER_GUP_FLUSH_ANON_PAGE = GUP_ARCH_HAS_FLUSH_ANON_PAGE;
/*
 * Whether flush_dcache_page() of a page is flush_dcache_folio() of its folio:
 * then the slow path flushes the subpages it takes from one leaf with one
 * flush_dcache_folio() after storing them, where C calls flush_dcache_page()
 * for each. arm64's (arch/arm64/mm/flush.c) clears the folio's
 * PG_dcache_clean, and the calls after the first find it clear. Listed per
 * architecture, as each one's flush_dcache_page() is checked.
 */
#ifdef CONFIG_ARM64
#define GUP_FLUSH_DCACHE_PAGE_IS_FOLIO 1
#else
#define GUP_FLUSH_DCACHE_PAGE_IS_FOLIO 0
#endif
const bool RUST_CONST_HELPER_GUP_FLUSH_DCACHE_BY_FOLIO = GUP_FLUSH_DCACHE_PAGE_IS_FOLIO;
#endif

#endif /* _MM_GUP_GUP_H */
