// SPDX-License-Identifier: GPL-2.0

#include <linux/huge_mm.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/userfaultfd_k.h>

#ifdef CONFIG_MMU

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

__rust_helper unsigned long rust_helper_pgd_addr_end(unsigned long addr,
						     unsigned long end)
{
	return pgd_addr_end(addr, end);
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

__rust_helper unsigned long rust_helper_p4d_addr_end(unsigned long addr,
						     unsigned long end)
{
	return p4d_addr_end(addr, end);
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

__rust_helper bool rust_helper_pud_special(pud_t pud)
{
	return pud_special(pud);
}

__rust_helper bool rust_helper_pud_access_permitted(pud_t pud, bool write)
{
	return pud_access_permitted(pud, write);
}

/* pud_val() as a u64, one Rust type whatever pudval_t is. */
__rust_helper u64 rust_helper_pud_val_u64(pud_t pud)
{
	return pud_val(pud);
}

__rust_helper unsigned long rust_helper_pud_pfn(pud_t pud)
{
	return pud_pfn(pud);
}

__rust_helper struct page *rust_helper_pud_page(pud_t pud)
{
	return pud_page(pud);
}

__rust_helper unsigned long rust_helper_pud_addr_end(unsigned long addr,
						     unsigned long end)
{
	return pud_addr_end(addr, end);
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

__rust_helper bool rust_helper_pmd_special(pmd_t pmd)
{
	return pmd_special(pmd);
}

__rust_helper bool rust_helper_pmd_access_permitted(pmd_t pmd, bool write)
{
	return pmd_access_permitted(pmd, write);
}

__rust_helper bool rust_helper_is_huge_zero_pmd(pmd_t pmd)
{
	return is_huge_zero_pmd(pmd);
}

/* pmd_val() as a u64, one Rust type whatever pmdval_t is. */
__rust_helper u64 rust_helper_pmd_val_u64(pmd_t pmd)
{
	return pmd_val(pmd);
}

__rust_helper struct page *rust_helper_pmd_page(pmd_t pmd)
{
	return pmd_page(pmd);
}

__rust_helper unsigned long rust_helper_pmd_addr_end(unsigned long addr,
						     unsigned long end)
{
	return pmd_addr_end(addr, end);
}

__rust_helper pte_t rust_helper_ptep_get(pte_t *ptep)
{
	return ptep_get(ptep);
}

__rust_helper pte_t rust_helper_ptep_get_lockless(pte_t *ptep)
{
	return ptep_get_lockless(ptep);
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

__rust_helper bool rust_helper_pte_special(pte_t pte)
{
	return pte_special(pte);
}

__rust_helper bool rust_helper_pte_access_permitted(pte_t pte, bool write)
{
	return pte_access_permitted(pte, write);
}

/* pte_val() as a u64, one Rust type whatever pteval_t is. */
__rust_helper u64 rust_helper_pte_val_u64(pte_t pte)
{
	return pte_val(pte);
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

__rust_helper bool rust_helper_is_zero_pfn(unsigned long pfn)
{
	return is_zero_pfn(pfn);
}

__rust_helper struct page *rust_helper_pfn_to_page(unsigned long pfn)
{
	return pfn_to_page(pfn);
}

/* Out of line on arm (HAVE_ARCH_PFN_VALID), with this prototype. */
__rust_helper int rust_helper_pfn_valid(unsigned long pfn)
{
	return pfn_valid(pfn);
}

/* A page-table walk (kernel::mm::pgtable::PgtableWalk and its slots). */

__rust_helper pgd_t *rust_helper_pgd_offset(struct mm_struct *mm,
					    unsigned long addr)
{
	return pgd_offset(mm, addr);
}

/*
 * Whether the P4D level is folded into the PGD for @mm: then pgd_none() and
 * pgd_bad() are 0, and a walk need not read the PGD entry. A constant where the
 * folding is decided at build time (arm64 with 4 levels or fewer), a static key
 * where it is decided at boot (x86-64, arm64 with LPA2).
 */
__rust_helper bool rust_helper_mm_p4d_folded(struct mm_struct *mm)
{
	return mm_p4d_folded(mm);
}

/* Out of line on riscv, with this prototype. */
__rust_helper p4d_t *rust_helper_p4d_offset(pgd_t *pgdp, unsigned long addr)
{
	return p4d_offset(pgdp, addr);
}

/* Out of line on riscv, with this prototype. */
__rust_helper pud_t *rust_helper_pud_offset(p4d_t *p4dp, unsigned long addr)
{
	return pud_offset(p4dp, addr);
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

__rust_helper spinlock_t *rust_helper_pmd_lock(struct mm_struct *mm,
					       pmd_t *pmdp)
{
	return pmd_lock(mm, pmdp);
}

/* Allocates and installs a PTE table if there is none; true on failure. */
__rust_helper bool rust_helper_pte_alloc(struct mm_struct *mm, pmd_t *pmdp)
{
	return pte_alloc(mm, pmdp);
}

__rust_helper void rust_helper_pte_unmap_unlock(pte_t *ptep, spinlock_t *ptl)
{
	pte_unmap_unlock(ptep, ptl);
}

__rust_helper bool rust_helper_userfaultfd_pte_wp(struct vm_area_struct *vma,
						  pte_t pte)
{
	return userfaultfd_pte_wp(vma, pte);
}

#endif /* CONFIG_MMU */
