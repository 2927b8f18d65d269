// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the Rust get_user_pages() implementation (mm/gup/): folio
 * reference and pin accounting, the page-table accessors of the walk, and
 * the VMA, fault and locking inlines of the slow path.
 *
 * Each is a static inline or a macro in C; with CONFIG_RUST_INLINE_HELPERS
 * LLVM inlines them into the Rust code. Where a name is an out-of-line
 * function on some architectures and an inline on others, the helper gets
 * a gup_ prefix so that the bindings never declare it twice.
 */

#include <linux/atomic.h>
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <linux/memfd.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/page_ref.h>
#include <linux/pagemap.h>
#include <linux/vmstat.h>
#include <linux/hugetlb.h>
#include <linux/huge_mm.h>
#include <linux/mmap_lock.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/secretmem.h>
#include <linux/seqlock.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>
#include <linux/uaccess.h>
#include <linux/userfaultfd_k.h>
#include <linux/cacheflush.h>
#include <linux/mmu_context.h>

__rust_helper void rust_helper_folio_get(struct folio *folio)
{
	folio_get(folio);
}

__rust_helper void rust_helper_folio_put(struct folio *folio)
{
	folio_put(folio);
}

__rust_helper struct folio *rust_helper_page_folio(struct page *page)
{
	return page_folio(page);
}

__rust_helper struct page *rust_helper_folio_page(struct folio *folio,
						  unsigned long n)
{
	return folio_page(folio, n);
}

__rust_helper unsigned long rust_helper_folio_page_idx(const struct folio *folio,
						       const struct page *page)
{
	return folio_page_idx(folio, page);
}

__rust_helper bool rust_helper_is_zero_page(const struct page *page)
{
	return is_zero_page(page);
}

__rust_helper bool rust_helper_is_zero_folio(const struct folio *folio)
{
	return is_zero_folio(folio);
}

__rust_helper bool rust_helper_folio_has_pincount(const struct folio *folio)
{
	return folio_has_pincount(folio);
}

__rust_helper bool rust_helper_folio_maybe_dma_pinned(struct folio *folio)
{
	return folio_maybe_dma_pinned(folio);
}

__rust_helper int rust_helper_folio_pincount_read(struct folio *folio)
{
	return atomic_read(&folio->_pincount);
}

__rust_helper void rust_helper_folio_pincount_add(struct folio *folio, int nr)
{
	atomic_add(nr, &folio->_pincount);
}

__rust_helper bool rust_helper_folio_test_large(const struct folio *folio)
{
	return folio_test_large(folio);
}

__rust_helper bool rust_helper_folio_test_dirty(const struct folio *folio)
{
	return folio_test_dirty(folio);
}

__rust_helper bool rust_helper_folio_test_anon(const struct folio *folio)
{
	return folio_test_anon(folio);
}

__rust_helper bool rust_helper_folio_test_hugetlb(const struct folio *folio)
{
	return folio_test_hugetlb(folio);
}

__rust_helper bool rust_helper_PageAnonExclusive(const struct page *page)
{
	return PageAnonExclusive(page);
}

__rust_helper long rust_helper_folio_nr_pages(const struct folio *folio)
{
	return folio_nr_pages(folio);
}

__rust_helper int rust_helper_folio_ref_count(const struct folio *folio)
{
	return folio_ref_count(folio);
}

__rust_helper void rust_helper_folio_ref_add(struct folio *folio, int nr)
{
	folio_ref_add(folio, nr);
}

__rust_helper void rust_helper_folio_put_refs(struct folio *folio, int refs)
{
	folio_put_refs(folio, refs);
}

__rust_helper void rust_helper_folio_lock(struct folio *folio)
{
	folio_lock(folio);
}

__rust_helper bool rust_helper_folio_is_pci_p2pdma(const struct folio *folio)
{
	return folio_is_pci_p2pdma(folio);
}

__rust_helper void rust_helper_node_stat_mod_folio(struct folio *folio,
						   enum node_stat_item item,
						   int nr)
{
	node_stat_mod_folio(folio, item, nr);
}

/* Out of line (and so already in the bindings) with SPARSEMEM && !VMEMMAP. */
#if !(defined(CONFIG_SPARSEMEM) && !defined(CONFIG_SPARSEMEM_VMEMMAP))
__rust_helper bool rust_helper_page_range_contiguous(const struct page *page,
						     unsigned long nr_pages)
{
	return page_range_contiguous(page, nr_pages);
}
#endif

/* Page-table walk (mm/gup/follow.rs). */

__rust_helper pgd_t *rust_helper_pgd_offset(struct mm_struct *mm,
					    unsigned long addr)
{
	return pgd_offset(mm, addr);
}

__rust_helper pgd_t rust_helper_pgdp_get(pgd_t *pgdp)
{
	return pgdp_get(pgdp);
}

__rust_helper bool rust_helper_pgd_none(pgd_t pgd)
{
	return pgd_none(pgd);
}

__rust_helper bool rust_helper_pgd_bad(pgd_t pgd)
{
	return pgd_bad(pgd);
}

__rust_helper p4d_t *rust_helper_p4d_offset(pgd_t *pgdp, unsigned long addr)
{
	return p4d_offset(pgdp, addr);
}

__rust_helper p4d_t rust_helper_p4dp_get(p4d_t *p4dp)
{
	return p4dp_get(p4dp);
}

__rust_helper bool rust_helper_p4d_none(p4d_t p4d)
{
	return p4d_none(p4d);
}

__rust_helper bool rust_helper_p4d_present(p4d_t p4d)
{
	return p4d_present(p4d);
}

__rust_helper bool rust_helper_p4d_bad(p4d_t p4d)
{
	return p4d_bad(p4d);
}

__rust_helper pud_t *rust_helper_pud_offset(p4d_t *p4dp, unsigned long addr)
{
	return pud_offset(p4dp, addr);
}

__rust_helper pud_t rust_helper_pudp_get(pud_t *pudp)
{
	return pudp_get(pudp);
}

__rust_helper bool rust_helper_pud_none(pud_t pud)
{
	return pud_none(pud);
}

__rust_helper bool rust_helper_pud_present(pud_t pud)
{
	return pud_present(pud);
}

__rust_helper bool rust_helper_pud_leaf(pud_t pud)
{
	return pud_leaf(pud);
}

__rust_helper bool rust_helper_pud_bad(pud_t pud)
{
	return pud_bad(pud);
}

__rust_helper bool rust_helper_pud_write(pud_t pud)
{
	return pud_write(pud);
}

__rust_helper unsigned long rust_helper_pud_pfn(pud_t pud)
{
	return pud_pfn(pud);
}

__rust_helper spinlock_t *rust_helper_pud_lock(struct mm_struct *mm,
					       pud_t *pudp)
{
	return pud_lock(mm, pudp);
}

__rust_helper pmd_t *rust_helper_pmd_offset(pud_t *pudp, unsigned long addr)
{
	return pmd_offset(pudp, addr);
}

__rust_helper pmd_t rust_helper_pmdp_get(pmd_t *pmdp)
{
	return pmdp_get(pmdp);
}

__rust_helper pmd_t rust_helper_pmdp_get_lockless(pmd_t *pmdp)
{
	return pmdp_get_lockless(pmdp);
}

__rust_helper bool rust_helper_pmd_none(pmd_t pmd)
{
	return pmd_none(pmd);
}

__rust_helper bool rust_helper_pmd_present(pmd_t pmd)
{
	return pmd_present(pmd);
}

__rust_helper bool rust_helper_pmd_leaf(pmd_t pmd)
{
	return pmd_leaf(pmd);
}

__rust_helper bool rust_helper_pmd_protnone(pmd_t pmd)
{
	return pmd_protnone(pmd);
}

__rust_helper bool rust_helper_pmd_trans_huge(pmd_t pmd)
{
	return pmd_trans_huge(pmd);
}

__rust_helper bool rust_helper_pmd_write(pmd_t pmd)
{
	return pmd_write(pmd);
}

__rust_helper struct page *rust_helper_pmd_page(pmd_t pmd)
{
	return pmd_page(pmd);
}

__rust_helper spinlock_t *rust_helper_pmd_lock(struct mm_struct *mm,
					       pmd_t *pmdp)
{
	return pmd_lock(mm, pmdp);
}

__rust_helper bool rust_helper_is_huge_zero_pmd(pmd_t pmd)
{
	return is_huge_zero_pmd(pmd);
}

__rust_helper void rust_helper_split_huge_pmd(struct vm_area_struct *vma,
					      pmd_t *pmdp, unsigned long addr)
{
	split_huge_pmd(vma, pmdp, addr);
}

/* pte_alloc() as a predicate: true if a page table was needed but failed. */
__rust_helper bool rust_helper_pte_alloc(struct mm_struct *mm, pmd_t *pmdp)
{
	return pte_alloc(mm, pmdp);
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

__rust_helper void rust_helper_pte_unmap_unlock(pte_t *ptep, spinlock_t *ptl)
{
	pte_unmap_unlock(ptep, ptl);
}

__rust_helper pte_t rust_helper_ptep_get(pte_t *ptep)
{
	return ptep_get(ptep);
}

__rust_helper bool rust_helper_pte_none(pte_t pte)
{
	return pte_none(pte);
}

__rust_helper bool rust_helper_pte_present(pte_t pte)
{
	return pte_present(pte);
}

__rust_helper bool rust_helper_pte_protnone(pte_t pte)
{
	return pte_protnone(pte);
}

__rust_helper bool rust_helper_pte_write(pte_t pte)
{
	return pte_write(pte);
}

__rust_helper bool rust_helper_pte_dirty(pte_t pte)
{
	return pte_dirty(pte);
}

__rust_helper unsigned long rust_helper_pte_pfn(pte_t pte)
{
	return pte_pfn(pte);
}

__rust_helper struct page *rust_helper_pte_page(pte_t pte)
{
	return pte_page(pte);
}

__rust_helper pte_t rust_helper_pte_mkdirty(pte_t pte)
{
	return pte_mkdirty(pte);
}

__rust_helper pte_t rust_helper_pte_mkyoung(pte_t pte)
{
	return pte_mkyoung(pte);
}

__rust_helper bool rust_helper_pte_same(pte_t a, pte_t b)
{
	return pte_same(a, b);
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

__rust_helper bool rust_helper_is_zero_pfn(unsigned long pfn)
{
	return is_zero_pfn(pfn);
}

__rust_helper struct page *rust_helper_pfn_to_page(unsigned long pfn)
{
	return pfn_to_page(pfn);
}

__rust_helper bool rust_helper_PageAnon(const struct page *page)
{
	return PageAnon(page);
}

__rust_helper bool rust_helper_userfaultfd_pte_wp(struct vm_area_struct *vma,
						  pte_t pte)
{
	return userfaultfd_pte_wp(vma, pte);
}

__rust_helper bool rust_helper_userfaultfd_huge_pmd_wp(struct vm_area_struct *vma,
						       pmd_t pmd)
{
	return userfaultfd_huge_pmd_wp(vma, pmd);
}

__rust_helper void rust_helper_gup_flush_anon_page(struct vm_area_struct *vma,
						   struct page *page,
						   unsigned long vmaddr)
{
	flush_anon_page(vma, page, vmaddr);
}

__rust_helper void rust_helper_gup_flush_dcache_page(struct page *page)
{
	flush_dcache_page(page);
}

__rust_helper int rust_helper_arch_make_folio_accessible(struct folio *folio)
{
	return arch_make_folio_accessible(folio);
}

/* VMA properties and checks (mm/gup/follow.rs). */

__rust_helper bool rust_helper_vma_is_anonymous(struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma);
}

__rust_helper bool rust_helper_vma_is_fsdax(struct vm_area_struct *vma)
{
	return vma_is_fsdax(vma);
}

__rust_helper bool rust_helper_vma_is_secretmem(struct vm_area_struct *vma)
{
	return vma_is_secretmem(vma);
}

__rust_helper bool rust_helper_is_vm_hugetlb_page(struct vm_area_struct *vma)
{
	return is_vm_hugetlb_page(vma);
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

__rust_helper bool rust_helper_arch_vma_access_permitted(struct vm_area_struct *vma,
							 bool write,
							 bool execute,
							 bool foreign)
{
	return arch_vma_access_permitted(vma, write, execute, foreign);
}

__rust_helper bool rust_helper_gup_in_gate_area(struct mm_struct *mm,
						unsigned long addr)
{
	return in_gate_area(mm, addr);
}

__rust_helper struct vm_area_struct *rust_helper_gup_get_gate_vma(struct mm_struct *mm)
{
	return get_gate_vma(mm);
}

/* Locking, signals, scheduling, user addresses (mm/gup/follow.rs). */

__rust_helper int rust_helper_mmap_read_lock_killable(struct mm_struct *mm)
{
	return mmap_read_lock_killable(mm);
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

__rust_helper bool rust_helper_fatal_signal_pending(struct task_struct *p)
{
	return fatal_signal_pending(p);
}

__rust_helper void rust_helper_gup_cond_resched(void)
{
	cond_resched();
}

__rust_helper unsigned long rust_helper_gup_jiffies(void)
{
	return jiffies;
}

__rust_helper pid_t rust_helper_gup_current_pid(void)
{
	return task_pid_nr(current);
}

/* fault_in_*() (mm/gup/follow.rs): one byte per page, as C's loops do. */

__rust_helper bool rust_helper_gup_access_ok(const void __user *uaddr,
					     unsigned long size)
{
	return access_ok(uaddr, size);
}

__rust_helper int rust_helper_gup_put_user_zero(char __user *uaddr)
{
	return __put_user(0, uaddr);
}

__rust_helper int rust_helper_gup_get_user_byte(const char __user *uaddr)
{
	char c;

	return __get_user(c, uaddr);
}

__rust_helper size_t rust_helper_gup_probe_subpage_writeable(char __user *uaddr,
							     size_t size)
{
	return probe_subpage_writeable(uaddr, size);
}

/*
 * GUP-fast (mm/gup/fast.rs): the lockless walk with interrupts off. The
 * *_offset_lockless() helpers take the caller's copy of the upper entry by
 * pointer: where a level is folded, the returned pointer points into that
 * copy, which must live until the walk below it is done.
 */

__rust_helper unsigned long rust_helper_gup_local_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

__rust_helper void rust_helper_gup_local_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

__rust_helper bool rust_helper_gup_irqs_disabled(void)
{
	return irqs_disabled();
}

__rust_helper void rust_helper_gup_lockdep_assert_irqs_disabled(void)
{
	lockdep_assert_irqs_disabled();
}

__rust_helper void rust_helper_gup_might_lock_mmap_read(struct mm_struct *mm)
{
	might_lock_read(&mm->mmap_lock);
}

/* raw_seqcount_try_begin() on mm->write_protect_seq: false if odd. */
__rust_helper bool rust_helper_gup_write_protect_seq_try_begin(struct mm_struct *mm,
							       unsigned int *seq)
{
	unsigned int start;
	bool ok = raw_seqcount_try_begin(&mm->write_protect_seq, start);

	*seq = start;
	return ok;
}

__rust_helper bool rust_helper_gup_write_protect_seq_retry(struct mm_struct *mm,
							   unsigned int seq)
{
	return read_seqcount_retry(&mm->write_protect_seq, seq);
}

__rust_helper void rust_helper_gup_smp_mb__after_atomic(void)
{
	/*
	 * After try_grab_folio_fast() raised the pin count and before GUP-fast
	 * re-reads the entries: pairs with the barrier in
	 * folio_try_share_anon_rmap_*().
	 */
	smp_mb__after_atomic();
}

__rust_helper bool rust_helper_gup_fast_permitted(unsigned long start,
						  unsigned long end)
{
#ifdef gup_fast_permitted
	return gup_fast_permitted(start, end);
#else
	return true;
#endif
}

__rust_helper unsigned long rust_helper_gup_untagged_addr(unsigned long addr)
{
	return untagged_addr(addr);
}

__rust_helper unsigned long rust_helper_gup_task_size_max(void)
{
	return TASK_SIZE_MAX;
}

__rust_helper unsigned long rust_helper_gup_pgd_addr_end(unsigned long addr,
							 unsigned long end)
{
	return pgd_addr_end(addr, end);
}

__rust_helper unsigned long rust_helper_gup_p4d_addr_end(unsigned long addr,
							 unsigned long end)
{
	return p4d_addr_end(addr, end);
}

__rust_helper unsigned long rust_helper_gup_pud_addr_end(unsigned long addr,
							 unsigned long end)
{
	return pud_addr_end(addr, end);
}

__rust_helper unsigned long rust_helper_gup_pmd_addr_end(unsigned long addr,
							 unsigned long end)
{
	return pmd_addr_end(addr, end);
}

__rust_helper p4d_t *rust_helper_gup_p4d_offset_lockless(pgd_t *pgdp,
							 pgd_t *pgd,
							 unsigned long addr)
{
	return p4d_offset_lockless(pgdp, *pgd, addr);
}

__rust_helper pud_t *rust_helper_gup_pud_offset_lockless(p4d_t *p4dp,
							 p4d_t *p4d,
							 unsigned long addr)
{
	return pud_offset_lockless(p4dp, *p4d, addr);
}

__rust_helper pmd_t *rust_helper_gup_pmd_offset_lockless(pud_t *pudp,
							 pud_t *pud,
							 unsigned long addr)
{
	return pmd_offset_lockless(pudp, *pud, addr);
}

__rust_helper pte_t rust_helper_gup_ptep_get_lockless(pte_t *ptep)
{
	return ptep_get_lockless(ptep);
}

__rust_helper u64 rust_helper_gup_pte_val(pte_t pte)
{
	return pte_val(pte);
}

__rust_helper u64 rust_helper_gup_pmd_val(pmd_t pmd)
{
	return pmd_val(pmd);
}

__rust_helper u64 rust_helper_gup_pud_val(pud_t pud)
{
	return pud_val(pud);
}

__rust_helper struct page *rust_helper_gup_pud_page(pud_t pud)
{
	return pud_page(pud);
}

__rust_helper bool rust_helper_gup_pte_special(pte_t pte)
{
	return pte_special(pte);
}

__rust_helper bool rust_helper_gup_pmd_special(pmd_t pmd)
{
	return pmd_special(pmd);
}

__rust_helper bool rust_helper_gup_pud_special(pud_t pud)
{
	return pud_special(pud);
}

__rust_helper bool rust_helper_gup_pte_access_permitted(pte_t pte, bool write)
{
	return pte_access_permitted(pte, write);
}

__rust_helper bool rust_helper_gup_pmd_access_permitted(pmd_t pmd, bool write)
{
	return pmd_access_permitted(pmd, write);
}

__rust_helper bool rust_helper_gup_pud_access_permitted(pud_t pud, bool write)
{
	return pud_access_permitted(pud, write);
}

__rust_helper bool rust_helper_gup_pfn_valid(unsigned long pfn)
{
	return pfn_valid(pfn);
}

__rust_helper bool rust_helper_gup_folio_ref_try_add(struct folio *folio,
						     int count)
{
	return folio_ref_try_add(folio, count);
}

__rust_helper bool rust_helper_gup_is_pci_p2pdma_page(const struct page *page)
{
	return is_pci_p2pdma_page(page);
}

__rust_helper bool rust_helper_gup_folio_is_longterm_pinnable(struct folio *folio)
{
	return folio_is_longterm_pinnable(folio);
}

__rust_helper bool rust_helper_gup_folio_test_slab(const struct folio *folio)
{
	return folio_test_slab(folio);
}

__rust_helper void rust_helper_gup_folio_set_referenced(struct folio *folio)
{
	folio_set_referenced(folio);
}

/* READ_ONCE(folio->mapping): read the mapping once, as a plain address. */
__rust_helper unsigned long rust_helper_gup_folio_mapping_once(struct folio *folio)
{
	return (unsigned long)READ_ONCE(folio->mapping);
}

__rust_helper bool rust_helper_gup_secretmem_mapping(struct address_space *mapping)
{
	return secretmem_mapping(mapping);
}

__rust_helper bool rust_helper_gup_shmem_mapping(struct address_space *mapping)
{
	return shmem_mapping(mapping);
}

#ifdef CONFIG_RUST_GUP
#include "../../mm/internal.h"

/* mm/internal.h inlines the walk needs. */

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

/* FOLL_LONGTERM and memfd_pin_folios() (mm/gup/longterm.rs). */

__rust_helper unsigned int rust_helper_gup_memalloc_pin_save(void)
{
	return memalloc_pin_save();
}

__rust_helper void rust_helper_gup_memalloc_pin_restore(unsigned int flags)
{
	memalloc_pin_restore(flags);
}

__rust_helper bool rust_helper_gup_folio_may_be_lru_cached(struct folio *folio)
{
	return folio_may_be_lru_cached(folio);
}

__rust_helper int rust_helper_gup_folio_expected_ref_count(const struct folio *folio)
{
	return folio_expected_ref_count(folio);
}

__rust_helper bool rust_helper_gup_folio_is_device_coherent(const struct folio *folio)
{
	return folio_is_device_coherent(folio);
}

__rust_helper int rust_helper_gup_folio_is_file_lru(const struct folio *folio)
{
	return folio_is_file_lru(folio);
}

/* An out-of-line function with CONFIG_HUGETLB_PAGE, an inline without. */
__rust_helper bool rust_helper_gup_folio_isolate_hugetlb(struct folio *folio,
							 struct list_head *list)
{
	return folio_isolate_hugetlb(folio, list);
}

__rust_helper void rust_helper_gup_folio_list_add_tail(struct folio *folio,
						       struct list_head *list)
{
	list_add_tail(&folio->lru, list);
}

__rust_helper bool rust_helper_gup_shmem_file(struct file *file)
{
	return shmem_file(file);
}

__rust_helper bool rust_helper_gup_is_file_hugepages(const struct file *file)
{
	return is_file_hugepages(file);
}

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

/* An out-of-line function with CONFIG_MEMFD_CREATE, an inline without. */
__rust_helper struct folio *rust_helper_gup_memfd_alloc_folio(struct file *memfd,
							      pgoff_t idx)
{
	return memfd_alloc_folio(memfd, idx);
}

__rust_helper void rust_helper_gup_folio_batch_release(struct folio_batch *fbatch)
{
	folio_batch_release(fbatch);
}
#endif

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

/* For the KUnit tests of the walk (mm/gup/follow.rs). */
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

#endif
