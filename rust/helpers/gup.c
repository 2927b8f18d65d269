// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the Rust get_user_pages() (mm/gup/): only what mm/gup calls,
 * all of it under CONFIG_RUST_GUP. The helpers that the kernel crate's mm
 * types call (kernel::mm::folio, kernel::mm::pgtable, ...) are beside their
 * peers: folio.c, pgtable.c, mm.c, task.c, signal.c and barrier.c.
 *
 * Naming. rust_helper_X (bindings::X in Rust) is exactly the C static inline
 * or macro X: its body is the one call X() on its own parameters, in order,
 * and its prototype is X's (for a macro, the types its C callers use; a
 * predicate may return bool where C says int). Where X is out of line on
 * some architecture or configuration, bindgen declares X too and that
 * declaration wins over the helper (rust/bindings/lib.rs), so the plain name
 * needs an identical prototype and a comment saying where X is out of line.
 * Any other helper (a composition of calls, a field access or READ_ONCE(), a
 * variable or object-like macro, a fallback for a missing macro, a changed
 * prototype) is named gup_<what it does>, a name no other C has, with a
 * one-line comment that gives the C it stands for. With
 * CONFIG_RUST_INLINE_HELPERS, LLVM inlines them into the Rust code.
 */

#ifdef CONFIG_RUST_GUP

#include <linux/cacheflush.h>
#include <linux/folio_batch.h>
#include <linux/huge_mm.h>
#include <linux/hugetlb.h>
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <linux/memfd.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mmap_lock.h>
#include <linux/page_ref.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/secretmem.h>
#include <linux/seqlock.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <linux/userfaultfd_k.h>

#include "../../mm/internal.h"

/* The pin accounting (mm/gup/pin.rs). */

/* Out of line (and so already in the bindings) with SPARSEMEM && !VMEMMAP. */
#if !(defined(CONFIG_SPARSEMEM) && !defined(CONFIG_SPARSEMEM_VMEMMAP))
__rust_helper bool rust_helper_page_range_contiguous(const struct page *page,
						     unsigned long nr_pages)
{
	return page_range_contiguous(page, nr_pages);
}
#endif

/* The page-table walk (mm/gup/walk.rs; GUP-fast maps PTE tables too). */

__rust_helper void rust_helper_split_huge_pmd(struct vm_area_struct *vma,
					      pmd_t *pmdp, unsigned long addr)
{
	split_huge_pmd(vma, pmdp, addr);
}

__rust_helper pte_t *rust_helper_pte_offset_map(pmd_t *pmdp,
						unsigned long addr)
{
	return pte_offset_map(pmdp, addr);
}

__rust_helper void rust_helper_pte_unmap(pte_t *ptep)
{
	pte_unmap(ptep);
}

__rust_helper void rust_helper_set_pte_at(struct mm_struct *mm,
					  unsigned long addr, pte_t *ptep,
					  pte_t pte)
{
	set_pte_at(mm, addr, ptep, pte);
}

__rust_helper void rust_helper_update_mmu_cache(struct vm_area_struct *vma,
						unsigned long addr,
						pte_t *ptep)
{
	update_mmu_cache(vma, addr, ptep);
}

__rust_helper bool rust_helper_userfaultfd_huge_pmd_wp(struct vm_area_struct *vma,
						       pmd_t pmd)
{
	return userfaultfd_huge_pmd_wp(vma, pmd);
}

/* mm/internal.h */

__rust_helper bool rust_helper_pte_needs_soft_dirty_wp(struct vm_area_struct *vma,
						       pte_t pte)
{
	return pte_needs_soft_dirty_wp(vma, pte);
}

__rust_helper bool rust_helper_pmd_needs_soft_dirty_wp(struct vm_area_struct *vma,
						       pmd_t pmd)
{
	return pmd_needs_soft_dirty_wp(vma, pmd);
}

/*
 * For FOLL_DUMP on a hole in a hugetlb VMA: would a fault find a page in
 * the page cache? (hstate_vma() and the lookup, which exist only with
 * CONFIG_HUGETLB_PAGE.)
 */
__rust_helper bool rust_helper_gup_hugetlb_pagecache_present(struct vm_area_struct *vma,
							     unsigned long addr)
{
#ifdef CONFIG_HUGETLB_PAGE
	return hugetlbfs_pagecache_present(hstate_vma(vma), vma, addr);
#else
	return false;
#endif
}

/* The mm, its flags and the gate VMA (mm/gup/basics.rs). */

/* Out of line on x86-64 (the vsyscall page) and arm, with this prototype. */
__rust_helper int rust_helper_in_gate_area(struct mm_struct *mm,
					   unsigned long addr)
{
	return in_gate_area(mm, addr);
}

/* Out of line on x86-64 (the vsyscall page) and arm, with this prototype. */
__rust_helper struct vm_area_struct *rust_helper_get_gate_vma(struct mm_struct *mm)
{
	return get_gate_vma(mm);
}

__rust_helper void rust_helper_mmap_assert_locked(const struct mm_struct *mm)
{
	mmap_assert_locked(mm);
}

__rust_helper bool rust_helper_mm_flags_test(int flag,
					     const struct mm_struct *mm)
{
	return mm_flags_test(flag, mm);
}

__rust_helper void rust_helper_mm_flags_set(int flag, struct mm_struct *mm)
{
	mm_flags_set(flag, mm);
}

__rust_helper unsigned long rust_helper_untagged_addr_remote(struct mm_struct *mm,
							     unsigned long addr)
{
	return untagged_addr_remote(mm, addr);
}

/* The slow path (mm/gup/slow.rs). */

__rust_helper int rust_helper_mmap_read_lock_killable(struct mm_struct *mm)
{
	return mmap_read_lock_killable(mm);
}

__rust_helper void rust_helper_flush_anon_page(struct vm_area_struct *vma,
					       struct page *page,
					       unsigned long vmaddr)
{
	flush_anon_page(vma, page, vmaddr);
}

/* Out of line on arm64 and arm, with this prototype. */
__rust_helper void rust_helper_flush_dcache_page(struct page *page)
{
	flush_dcache_page(page);
}

/* Out of line on arm64, with this prototype. */
__rust_helper void rust_helper_flush_dcache_folio(struct folio *folio)
{
	flush_dcache_folio(folio);
}

/* fault_in_*() (mm/gup/populate.rs): one byte per page, as C's loops do. */

__rust_helper bool rust_helper_access_ok(const void __user *uaddr,
					 unsigned long size)
{
	return access_ok(uaddr, size);
}

/* __put_user(0, uaddr): writes a zero byte. */
__rust_helper int rust_helper_gup_put_user_zero(char __user *uaddr)
{
	return __put_user(0, uaddr);
}

/* __get_user() of one byte, whose value is dropped. */
__rust_helper int rust_helper_gup_get_user_byte(const char __user *uaddr)
{
	char c;

	return __get_user(c, uaddr);
}

__rust_helper size_t rust_helper_probe_subpage_writeable(char __user *uaddr,
							 size_t size)
{
	return probe_subpage_writeable(uaddr, size);
}

/*
 * GUP-fast (mm/gup/fast.rs): the lockless walk with interrupts off. The
 * gup_*_offset_lockless() helpers take the caller's copy of the upper entry
 * by pointer: where a level is folded, the returned pointer points into that
 * copy, which must live until the walk below it is done.
 */

/* local_irq_save(flags), the flags returned. */
__rust_helper unsigned long rust_helper_gup_local_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

__rust_helper void rust_helper_local_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

__rust_helper bool rust_helper_irqs_disabled(void)
{
	return irqs_disabled();
}

__rust_helper void rust_helper_lockdep_assert_irqs_disabled(void)
{
	lockdep_assert_irqs_disabled();
}

/* might_lock_read(&mm->mmap_lock). */
__rust_helper void rust_helper_gup_might_lock_mmap_read(struct mm_struct *mm)
{
	might_lock_read(&mm->mmap_lock);
}

/* raw_seqcount_try_begin() on mm->write_protect_seq into *seq; false if odd. */
__rust_helper bool rust_helper_gup_write_protect_seq_try_begin(struct mm_struct *mm,
							       unsigned int *seq)
{
	unsigned int start;
	bool ok = raw_seqcount_try_begin(&mm->write_protect_seq, start);

	*seq = start;
	return ok;
}

/* read_seqcount_retry(&mm->write_protect_seq, seq). */
__rust_helper bool rust_helper_gup_write_protect_seq_retry(struct mm_struct *mm,
							   unsigned int seq)
{
	return read_seqcount_retry(&mm->write_protect_seq, seq);
}

/*
 * mm/gup.c's own gup_fast_permitted(): the architecture's, or true. It keeps
 * that function's name, since this file stands in for mm/gup.c.
 */
__rust_helper bool rust_helper_gup_fast_permitted(unsigned long start,
						  unsigned long end)
{
#ifdef gup_fast_permitted
	return gup_fast_permitted(start, end);
#else
	return true;
#endif
}

/* p4d_offset_lockless(pgdp, *pgd, addr). */
__rust_helper p4d_t *rust_helper_gup_p4d_offset_lockless(pgd_t *pgdp,
							 pgd_t *pgd,
							 unsigned long addr)
{
	return p4d_offset_lockless(pgdp, *pgd, addr);
}

/* pud_offset_lockless(p4dp, *p4d, addr). */
__rust_helper pud_t *rust_helper_gup_pud_offset_lockless(p4d_t *p4dp,
							 p4d_t *p4d,
							 unsigned long addr)
{
	return pud_offset_lockless(p4dp, *p4d, addr);
}

/* pmd_offset_lockless(pudp, *pud, addr). */
__rust_helper pmd_t *rust_helper_gup_pmd_offset_lockless(pud_t *pudp,
							 pud_t *pud,
							 unsigned long addr)
{
	return pmd_offset_lockless(pudp, *pud, addr);
}

__rust_helper bool rust_helper_folio_ref_try_add(struct folio *folio, int count)
{
	return folio_ref_try_add(folio, count);
}

__rust_helper bool rust_helper_is_pci_p2pdma_page(const struct page *page)
{
	return is_pci_p2pdma_page(page);
}

/* READ_ONCE(folio->mapping): read the mapping once, as a plain address. */
__rust_helper unsigned long rust_helper_gup_folio_mapping_once(struct folio *folio)
{
	return (unsigned long)READ_ONCE(folio->mapping);
}

__rust_helper bool rust_helper_secretmem_mapping(struct address_space *mapping)
{
	return secretmem_mapping(mapping);
}

/* Out of line with CONFIG_SHMEM, with this prototype. */
__rust_helper bool rust_helper_shmem_mapping(const struct address_space *mapping)
{
	return shmem_mapping(mapping);
}

/* FOLL_LONGTERM and memfd_pin_folios() (mm/gup/longterm.rs). */

__rust_helper unsigned int rust_helper_memalloc_pin_save(void)
{
	return memalloc_pin_save();
}

__rust_helper void rust_helper_memalloc_pin_restore(unsigned int flags)
{
	memalloc_pin_restore(flags);
}

__rust_helper int rust_helper_folio_is_file_lru(const struct folio *folio)
{
	return folio_is_file_lru(folio);
}

/* Out of line with CONFIG_HUGETLB_PAGE, with this prototype. */
__rust_helper bool rust_helper_folio_isolate_hugetlb(struct folio *folio,
						     struct list_head *list)
{
	return folio_isolate_hugetlb(folio, list);
}

/* list_add_tail(&folio->lru, list). */
__rust_helper void rust_helper_gup_folio_list_add_tail(struct folio *folio,
						       struct list_head *list)
{
	list_add_tail(&folio->lru, list);
}

__rust_helper bool rust_helper_shmem_file(struct file *file)
{
	return shmem_file(file);
}

__rust_helper bool rust_helper_is_file_hugepages(const struct file *file)
{
	return is_file_hugepages(file);
}

/* i_size_read(file_inode(file)). */
__rust_helper loff_t rust_helper_gup_file_i_size(struct file *file)
{
	return i_size_read(file_inode(file));
}

/* The order of a hugetlbfs file's huge pages; 0 for any other file. */
__rust_helper unsigned int rust_helper_gup_file_huge_page_order(struct file *file)
{
#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return huge_page_order(hstate_file(file));
#endif
	return 0;
}

/* Out of line with CONFIG_MEMFD_CREATE, with this prototype. */
__rust_helper struct folio *rust_helper_memfd_alloc_folio(struct file *memfd,
							  pgoff_t idx)
{
	return memfd_alloc_folio(memfd, idx);
}

__rust_helper void rust_helper_folio_batch_release(struct folio_batch *fbatch)
{
	folio_batch_release(fbatch);
}

#ifdef CONFIG_RUST_GUP_KUNIT_TEST
/* For the KUnit tests of the pin accounting (mm/gup/pin.rs). */
__rust_helper struct folio *rust_helper_folio_alloc(gfp_t gfp,
						    unsigned int order)
{
	return folio_alloc(gfp, order);
}

__rust_helper struct page *rust_helper_ZERO_PAGE(unsigned long vaddr)
{
	return ZERO_PAGE(vaddr);
}

/* For the KUnit tests of the slow path (mm/gup/slow.rs). */
__rust_helper void rust_helper_mmap_write_lock(struct mm_struct *mm)
{
	mmap_write_lock(mm);
}

__rust_helper void rust_helper_mmap_write_unlock(struct mm_struct *mm)
{
	mmap_write_unlock(mm);
}

__rust_helper void rust_helper_vm_flags_set(struct vm_area_struct *vma,
					    vm_flags_t flags)
{
	vm_flags_set(vma, flags);
}

__rust_helper unsigned long rust_helper_page_to_pfn(const struct page *page)
{
	return page_to_pfn(page);
}

#endif /* CONFIG_RUST_GUP_KUNIT_TEST */

#endif /* CONFIG_RUST_GUP */
