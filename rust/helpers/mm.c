// SPDX-License-Identifier: GPL-2.0

#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmu_context.h>
#include <linux/sched/mm.h>
#include <linux/secretmem.h>
#include <linux/uaccess.h>

__rust_helper void rust_helper_mmgrab(struct mm_struct *mm)
{
	mmgrab(mm);
}

__rust_helper void rust_helper_mmdrop(struct mm_struct *mm)
{
	mmdrop(mm);
}

__rust_helper void rust_helper_mmget(struct mm_struct *mm)
{
	mmget(mm);
}

__rust_helper bool rust_helper_mmget_not_zero(struct mm_struct *mm)
{
	return mmget_not_zero(mm);
}

__rust_helper void rust_helper_mmap_read_lock(struct mm_struct *mm)
{
	mmap_read_lock(mm);
}

__rust_helper bool rust_helper_mmap_read_trylock(struct mm_struct *mm)
{
	return mmap_read_trylock(mm);
}

__rust_helper void rust_helper_mmap_read_unlock(struct mm_struct *mm)
{
	mmap_read_unlock(mm);
}

__rust_helper struct vm_area_struct *
rust_helper_vma_lookup(struct mm_struct *mm, unsigned long addr)
{
	return vma_lookup(mm, addr);
}

__rust_helper void rust_helper_vma_end_read(struct vm_area_struct *vma)
{
	vma_end_read(vma);
}

__rust_helper bool rust_helper_vma_is_anonymous(struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma);
}

__rust_helper bool rust_helper_vma_is_fsdax(struct vm_area_struct *vma)
{
	return vma_is_fsdax(vma);
}

/* Out of line with CONFIG_SECRETMEM, with this prototype. */
__rust_helper bool rust_helper_vma_is_secretmem(struct vm_area_struct *vma)
{
	return vma_is_secretmem(vma);
}

__rust_helper bool rust_helper_is_vm_hugetlb_page(struct vm_area_struct *vma)
{
	return is_vm_hugetlb_page(vma);
}

__rust_helper bool rust_helper_arch_vma_access_permitted(struct vm_area_struct *vma,
							 bool write,
							 bool execute,
							 bool foreign)
{
	return arch_vma_access_permitted(vma, write, execute, foreign);
}

__rust_helper unsigned long rust_helper_untagged_addr(unsigned long addr)
{
	return untagged_addr(addr);
}

/* TASK_SIZE_MAX, an object-like macro (not a constant on x86-64). */
__rust_helper unsigned long rust_helper_get_task_size_max(void)
{
	return TASK_SIZE_MAX;
}
