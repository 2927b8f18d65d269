// SPDX-License-Identifier: GPL-2.0

//! The slow path of GUP: the page-table walk (`follow_page_mask()` and `follow_page()`), faulting
//! in what is missing, and the mmap-lock protocol around them.
//!
//! C source this replaces: the walk, `faultin_page()`, `__get_user_pages()`,
//! `__get_user_pages_locked()`, `fixup_user_fault()`, the populate helpers, `fault_in_*()` and
//! `get_dump_page()` of [`mm/gup.c`](srctree/mm/gup.c).
//!
//! The walk reads each level once, through the C accessors (which fold levels at run time on
//! x86-64 with 5-level paging and on arm64 with LPA2), and takes the page table lock of the level
//! where it finds the leaf. Every function here is called with the mmap lock held, except where
//! its documentation says it takes the lock itself.

use core::{
    ffi::CStr,
    mem::MaybeUninit,
    ptr::{
        self,
        NonNull, //
    },
    sync::atomic::{
        AtomicUsize,
        Ordering, //
    },
};

use kernel::{
    bindings,
    ffi::{
        c_char,
        c_int,
        c_long,
        c_uint,
        c_void, //
    },
    mm::{
        pgtable::{
            self,
            P4d, //
            Pgd,
            Pmd,
            Pte,
            Pud,
        },
        virt::VmaRef, //
    },
    prelude::*,
    str::CStrExt,
    vm_warn_on_once,
    vm_warn_on_once_folio,
    warn_on_once, //
};

use crate::{
    flags::{
        Foll,
        FollFlags, //
    },
    folio::{
        Folio,
        PagePtr, //
    },
    pin,
};

const PAGE_SHIFT: u32 = bindings::PAGE_SHIFT;
const PAGE_SIZE: usize = bindings::PAGE_SIZE;
const PAGE_MASK: usize = !(PAGE_SIZE - 1);
const PUD_MASK: usize = !((1 << bindings::GUP_PUD_SHIFT) - 1);
/// `HPAGE_PMD_SHIFT` is `PMD_SHIFT` on every architecture with PMD leaves.
const HPAGE_PMD_MASK: usize = !((1 << bindings::GUP_PMD_SHIFT) - 1);
/// Pages in a PMD leaf (C: `HPAGE_PMD_NR`).
const HPAGE_PMD_NR: usize = 1 << (bindings::GUP_PMD_SHIFT - PAGE_SHIFT);
/// Pages in a PUD leaf (C: `HPAGE_PUD_NR`).
const HPAGE_PUD_NR: usize = 1 << (bindings::GUP_PUD_SHIFT - PAGE_SHIFT);

/// A negative errno as C's `long` result.
pub(crate) fn errno_long(e: Error) -> c_long {
    // CAST: Widening a negative `int`.
    e.to_errno() as c_long
}

type VmFlags = bindings::vm_flags_t;

/// Whether `flags` mark a shadow stack, which GUP may not write without FOLL_FORCE.
// `VM_SHADOW_STACK` is `VM_NONE` (an `u32` 0) unless the architecture has user shadow stacks.
#[allow(clippy::bad_bit_mask, clippy::unnecessary_cast)]
#[inline]
fn is_shadow_stack(flags: VmFlags) -> bool {
    // CAST: See above.
    flags & bindings::VM_SHADOW_STACK as VmFlags != 0
}
pub(crate) type MmPtr = *mut bindings::mm_struct;

/// A C errno as a kernel [`Error`], for the codes `kernel::error::code` does not name.
fn errno(code: u32) -> Error {
    // CAST: errno values are small positive integers.
    Error::from_errno(-(code as c_int))
}

/// Borrows the VMA at `vma` from C, `None` for NULL.
///
/// # Safety
///
/// `vma` must be NULL or valid, with its mm's mmap lock (or the VMA's lock) held for `'a`.
#[inline]
pub(crate) unsafe fn vma_from_c<'a>(vma: *mut bindings::vm_area_struct) -> Option<&'a VmaRef> {
    // SAFETY: Non-NULL here, valid and locked for `'a` by the caller's guarantee.
    (!vma.is_null()).then(|| unsafe { VmaRef::from_raw(vma) })
}

/// A page-table lock held for one PMD or PUD entry, released on drop (C: `pmd_lock()`,
/// `pud_lock()`, `spin_unlock()`).
struct PtLock(*mut bindings::spinlock_t);

impl PtLock {
    /// Takes the lock of the PMD entry `pmdp` of `mm`.
    ///
    /// # Safety
    ///
    /// `pmdp` must be an entry of `mm`'s page tables, which stay while the lock is held (the
    /// caller holds the mmap lock).
    #[inline]
    unsafe fn pmd(mm: MmPtr, pmdp: *mut bindings::pmd_t) -> Self {
        // SAFETY: By the caller's guarantee.
        Self(unsafe { bindings::pmd_lock(mm, pmdp) })
    }

    /// Takes the lock of the PUD entry `pudp` of `mm`.
    ///
    /// # Safety
    ///
    /// As for [`PtLock::pmd`], one level up.
    #[inline]
    unsafe fn pud(mm: MmPtr, pudp: *mut bindings::pud_t) -> Self {
        // SAFETY: By the caller's guarantee.
        Self(unsafe { bindings::pud_lock(mm, pudp) })
    }
}

impl Drop for PtLock {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: Taken by the constructor, once; the page table it guards outlives the value.
        unsafe { bindings::spin_unlock(self.0) };
    }
}

/// A PTE table mapped, with its lock held, for one entry (C: `pte_offset_map_lock()`); unmapped
/// and unlocked on drop (C: `pte_unmap_unlock()`).
///
/// # Invariants
///
/// `ptep` is an entry of a PTE table mapped by `pte_offset_map_lock()`, whose lock `ptl` is held
/// for as long as the value lives.
struct PteLocked {
    ptep: NonNull<bindings::pte_t>,
    ptl: *mut bindings::spinlock_t,
}

impl PteLocked {
    /// Maps and locks the PTE table under `pmdp`, for `address`'s entry; `None` if there is no
    /// PTE table there (any more).
    ///
    /// # Safety
    ///
    /// `pmdp` must be `address`'s PMD entry in `mm`, whose mmap lock the caller holds.
    #[inline]
    unsafe fn map(mm: MmPtr, pmdp: *mut bindings::pmd_t, address: usize) -> Option<Self> {
        let mut ptl = ptr::null_mut();
        // SAFETY: By the caller's guarantee; on success the table is mapped and `ptl` held.
        let ptep = unsafe { bindings::pte_offset_map_lock(mm, pmdp, address, &mut ptl) };
        // INVARIANT: Mapped and locked when non-NULL. (Not `then_some()`, which would build
        // the value, and drop it, unlocking, when there is nothing to unlock.)
        NonNull::new(ptep).map(|ptep| Self { ptep, ptl })
    }

    /// Reads the entry.
    #[inline]
    fn get(&self) -> Pte {
        // SAFETY: Mapped and locked, by the type invariant.
        unsafe { Pte::read(self.ptep.as_ptr()) }
    }

    /// The entry's address, for the C calls that update it.
    #[inline]
    fn as_ptr(&self) -> *mut bindings::pte_t {
        self.ptep.as_ptr()
    }
}

impl Drop for PteLocked {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: Mapped and locked by `map()`, by the type invariant, and released once.
        unsafe { bindings::pte_unmap_unlock(self.ptep.as_ptr(), self.ptl) };
    }
}

// Catches a wrong `VM_*` binding: 7.2's rust/bindings/bindings_helper.h defined `VM_MAYSHARE` as
// `VM_MAYEXEC` (patches/0000 fixes it), which made FOLL_FORCE reject every private mapping.
const _: () = {
    assert!(bindings::VM_MAYSHARE == 1 << bindings::VMA_MAYSHARE_BIT);
    assert!(bindings::VM_MAYWRITE == 1 << bindings::VMA_MAYWRITE_BIT);
    assert!(bindings::VM_MAYREAD == 1 << bindings::VMA_MAYREAD_BIT);
    assert!(bindings::VM_SHARED == 1 << bindings::VMA_SHARED_BIT);
    assert!(bindings::VM_WRITE == 1 << bindings::VMA_WRITE_BIT);
    assert!(bindings::VM_READ == 1 << bindings::VMA_READ_BIT);
};

/// C: `is_cow_mapping()`.
#[inline]
fn is_cow_mapping(flags: VmFlags) -> bool {
    flags & (bindings::VM_SHARED | bindings::VM_MAYWRITE) == bindings::VM_MAYWRITE
}

/// Whether GUP may follow a PROT_NONE (NUMA hinting) entry, or must fault
/// (C: `gup_can_follow_protnone()`).
#[inline]
fn can_follow_protnone(vma: &VmaRef, flags: FollFlags) -> bool {
    // Callers that do not honor NUMA hinting faults follow such entries; and NUMA hinting does
    // not apply to inaccessible (PROT_NONE) VMAs, where a fault could not make progress.
    !flags.contains(Foll::HonorNumaFault) || !vma.is_accessible()
}

/// Whether the caller must unshare a shared anonymous page before pinning it read-only
/// (C: `gup_must_unshare()`); `vma` is `None` on GUP-fast.
///
/// # Safety
///
/// `page` must be a valid page mapped by the entry being followed.
pub(crate) unsafe fn must_unshare(vma: Option<&VmaRef>, flags: FollFlags, page: PagePtr) -> bool {
    // A write access is handled by the entry being writable, and the page then being exclusive.
    if flags & (Foll::Write | Foll::Pin) != FollFlags::from(Foll::Pin) {
        return false;
    }
    // SAFETY: `page` is valid; PageAnon() is stable until the page is freed.
    if !unsafe { bindings::PageAnon(page) } {
        // Only R/O long-term pins must observe later changes through the page tables.
        if !flags.contains(Foll::Longterm) {
            return false;
        }
        // Only private writable ("COW") mappings need to break COW early; GUP-fast cannot tell
        // and falls back.
        return match vma {
            None => true,
            Some(vma) => is_cow_mapping(vma.flags()),
        };
    }
    if cfg!(CONFIG_HAVE_GUP_FAST) {
        // Pairs with the barrier in folio_try_share_anon_rmap_*().
        kernel::sync::barrier::smp_rmb();
    }
    // KSM pages are never exclusive, so they cannot be pinned.
    // SAFETY: `page` is valid.
    !unsafe { bindings::PageAnonExclusive(page) }
}

/// The part of `can_follow_write_{pte,pmd,pud}()` common to all levels: may `FOLL_FORCE` write
/// through a read-only entry? (C: `can_follow_write_common()`.)
///
/// # Safety
///
/// `page` must be NULL or a valid page.
unsafe fn can_follow_write_common(page: PagePtr, vma: &VmaRef, flags: FollFlags) -> bool {
    if !flags.contains(Foll::Force) {
        return false;
    }
    let vm = vma.flags();
    // FOLL_FORCE has no effect on shared mappings, on read-only private ones, or on writable
    // ones that only need a write fault.
    if vm & (bindings::VM_MAYSHARE | bindings::VM_SHARED) != 0
        || vm & bindings::VM_MAYWRITE == 0
        || vm & bindings::VM_WRITE != 0
    {
        return false;
    }
    // COW was broken and the page could be mapped writable if it is an exclusive anonymous page
    // (see can_change_pte_writable()).
    // SAFETY: `page` is valid when non-NULL.
    !page.is_null() && unsafe { bindings::PageAnon(page) && bindings::PageAnonExclusive(page) }
}

/// What a hole (no page table, or an empty entry) gives (C: `no_page_table()`).
///
/// `None` makes the caller fault; `FOLL_DUMP` gets `EFAULT` instead where a fault would surely
/// give a zero-filled page, so that core dumps leave a hole without allocating.
fn no_page_table(vma: &VmaRef, flags: FollFlags, address: usize) -> Result<Option<PagePtr>> {
    if !flags.contains(Foll::Dump) {
        return Ok(None);
    }
    if vma.is_hugetlb() {
        // SAFETY: `vma` is a valid hugetlb VMA, the mmap lock is held.
        if !unsafe { bindings::gup_hugetlb_pagecache_present(vma.as_ptr(), address) } {
            return Err(EFAULT);
        }
    } else if vma.is_anonymous() || !vma.has_fault_handler() {
        return Err(EFAULT);
    }
    Ok(None)
}

/// Follows a PUD leaf (hugetlb or device-dax) with the PUD lock held (C: `follow_huge_pud()`).
///
/// # Safety
///
/// `pudp` must be the PUD entry of `addr` in `vma`'s page tables, locked by the caller.
unsafe fn follow_huge_pud(
    vma: &VmaRef,
    addr: usize,
    pudp: *mut bindings::pud_t,
    flags: FollFlags,
    page_mask: &mut usize,
) -> Result<Option<PagePtr>> {
    if !cfg!(CONFIG_PGTABLE_HAS_HUGE_LEAVES) {
        return Ok(None);
    }
    // SAFETY: `pudp` is a valid, locked entry.
    let pud = unsafe { Pud::read(pudp) };
    if !pud.is_present() {
        return Ok(None);
    }
    // A pfn-only leaf: as in `follow_huge_pmd()`.
    if pud.is_special() {
        return Err(EEXIST);
    }
    let pfn = pud.pfn();
    let pud_write = pud.is_write();
    if flags.contains(Foll::Write) && !pud_write {
        // SAFETY: `pud` is a present leaf that is not pfn-only: its pfn has a memmap.
        let head = unsafe { pgtable::pfn_to_page(pfn) };
        // SAFETY: `head` is valid.
        if !unsafe { can_follow_write_common(head, vma, flags) } {
            return Ok(None);
        }
    }
    let pfn = pfn + ((addr & !PUD_MASK) >> PAGE_SHIFT);
    // SAFETY: `pfn` is inside the leaf, which is mapped and so has a memmap.
    let page = unsafe { pgtable::pfn_to_page(pfn) };
    // SAFETY: `page` is valid and mapped by this entry.
    if !pud_write && unsafe { must_unshare(Some(vma), flags, page) } {
        return Err(EMLINK);
    }
    // SAFETY: The PUD lock keeps the mapped folio referenced; one reference or pin.
    unsafe { pin::try_grab_folio(Folio::from_page(page), 1, flags) }?;
    *page_mask = HPAGE_PUD_NR - 1;
    Ok(Some(page))
}

/// Follows a PMD leaf (THP or hugetlb) with the PMD lock held (C: `follow_huge_pmd()`).
///
/// # Safety
///
/// `pmdp` must be the PMD entry of `addr` in `vma`'s page tables, locked by the caller.
unsafe fn follow_huge_pmd(
    vma: &VmaRef,
    addr: usize,
    pmdp: *mut bindings::pmd_t,
    flags: FollFlags,
    page_mask: &mut usize,
) -> Result<Option<PagePtr>> {
    if !cfg!(CONFIG_PGTABLE_HAS_HUGE_LEAVES) {
        return Ok(None);
    }
    // SAFETY: `pmdp` is a valid, locked entry.
    let pmd = unsafe { Pmd::read(pmdp) };
    // A pfn-only leaf (a huge pfnmap, where `vm_normal_page_pmd()` is NULL) has no `struct page`
    // to return. GUP does not walk the VM_PFNMAP VMAs that have them (`check_vma_flags()`), but
    // `follow_page()` may be called on any VMA; C's `follow_huge_pmd()` would take `pmd_page()`
    // of such a leaf, outside the memmap.
    if pmd.is_special() && !pmd.is_huge_zero() {
        return Err(EEXIST);
    }
    // SAFETY: A present leaf that is not pfn-only maps a folio (the huge zero folio included),
    // whose pages are in the memmap.
    let page = unsafe { pmd.page() };
    let pmd_write = pmd.is_write();
    if flags.contains(Foll::Write) && !pmd_write {
        // SAFETY: `page` is valid; `vma` is locked and `pmd` one of its entries.
        let ok = unsafe {
            can_follow_write_common(page, vma, flags)
                && !bindings::pmd_needs_soft_dirty_wp(vma.as_ptr(), pmd.into_raw())
                && !bindings::userfaultfd_huge_pmd_wp(vma.as_ptr(), pmd.into_raw())
        };
        if !ok {
            return Ok(None);
        }
    }
    // Core dumps skip the huge zero page.
    if flags.contains(Foll::Dump) && pmd.is_huge_zero() {
        return Err(EFAULT);
    }
    if pmd.is_protnone() && !can_follow_protnone(vma, flags) {
        return Ok(None);
    }
    // SAFETY: `page` is valid and mapped by this entry.
    if !pmd_write && unsafe { must_unshare(Some(vma), flags, page) } {
        return Err(EMLINK);
    }
    // SAFETY: The PMD lock keeps the mapped folio referenced.
    let folio = unsafe { Folio::from_page(page) };
    vm_warn_on_once_folio!(
        flags.contains(Foll::Pin)
            && folio.is_anon()
            // SAFETY: `page` is a valid page of the anonymous `folio`.
            && !unsafe { crate::folio::page_anon_exclusive(page) },
        folio,
        // SAFETY: `page` is a page of `folio`.
        unsafe { folio.page_idx(page) }
    );
    // SAFETY: One reference or pin, not a negative count.
    unsafe { pin::try_grab_folio(folio, 1, flags) }?;

    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    if pmd.is_trans_huge() && flags.contains(Foll::Touch) {
        // SAFETY: `vma`, `addr` and the locked `pmdp` are what touch_pmd() expects.
        unsafe { bindings::touch_pmd(vma.as_ptr(), addr, pmdp, flags.contains(Foll::Write)) };
    }

    *page_mask = HPAGE_PMD_NR - 1;
    // SAFETY: The leaf maps HPAGE_PMD_NR pages, contiguous in the memmap, and `addr` is inside.
    Ok(Some(unsafe {
        page.add((addr & !HPAGE_PMD_MASK) >> PAGE_SHIFT)
    }))
}

/// A present entry without a `struct page` (C: `follow_pfn_pte()`): marks it young (and dirty
/// for a write) with `FOLL_TOUCH`, and gives `EEXIST`.
///
/// # Safety
///
/// `pte` must be `address`'s PTE in `vma`.
unsafe fn follow_pfn_pte(vma: &VmaRef, address: usize, pte: &PteLocked, flags: FollFlags) -> Error {
    if flags.contains(Foll::Touch) {
        let orig = pte.get();
        let mut entry = orig;
        if flags.contains(Foll::Write) {
            entry = entry.mkdirty();
        }
        entry = entry.mkyoung();
        if !orig.same(entry) {
            // SAFETY: `pte` is `address`'s entry in `vma`, mapped and locked.
            unsafe {
                bindings::set_pte_at(vma.mm().as_raw(), address, pte.as_ptr(), entry.into_raw());
                bindings::update_mmu_cache(vma.as_ptr(), address, pte.as_ptr());
            }
        }
    }
    // A proper page table entry exists, but no corresponding struct page.
    EEXIST
}

/// The PTE level of the walk (C: `follow_page_pte()`).
///
/// # Safety
///
/// `pmd` must be `address`'s PMD entry in `vma`'s page tables.
unsafe fn follow_page_pte(
    vma: &VmaRef,
    address: usize,
    pmd: *mut bindings::pmd_t,
    flags: FollFlags,
) -> Result<Option<PagePtr>> {
    // SAFETY: `pmd` is `address`'s PMD entry in `vma`'s mm, whose mmap lock is held.
    let Some(locked) = (unsafe { PteLocked::map(vma.mm().as_raw(), pmd, address) }) else {
        return no_page_table(vma, flags, address);
    };
    let pte = locked.get();
    if !pte.is_present() || (pte.is_protnone() && !can_follow_protnone(vma, flags)) {
        drop(locked);
        if !pte.is_none() {
            return Ok(None);
        }
        return no_page_table(vma, flags, address);
    }
    // SAFETY: `locked` is `address`'s PTE in `vma`; the PTE lock keeps what it maps alive.
    unsafe { follow_present_pte(vma, address, &locked, pte, flags) }
}

/// [`follow_page_pte`] for a present `pte`, with its table mapped and locked.
///
/// # Safety
///
/// `locked` must be `address`'s PTE in `vma`, and `pte` its value.
unsafe fn follow_present_pte(
    vma: &VmaRef,
    address: usize,
    locked: &PteLocked,
    pte: Pte,
    flags: FollFlags,
) -> Result<Option<PagePtr>> {
    // SAFETY: `vma` is locked and `pte` is one of its entries, still locked.
    let mut page = unsafe { bindings::vm_normal_page(vma.as_ptr(), address, pte.into_raw()) };
    let pte_write = pte.is_write();

    // Only anonymous pages matter to can_follow_write_pte().
    if flags.contains(Foll::Write) && !pte_write {
        // SAFETY: `page` is NULL or valid; `vma` is locked and `pte` one of its entries.
        let ok = unsafe {
            can_follow_write_common(page, vma, flags)
                && !bindings::pte_needs_soft_dirty_wp(vma.as_ptr(), pte.into_raw())
                && !bindings::userfaultfd_pte_wp(vma.as_ptr(), pte.into_raw())
        };
        if !ok {
            return Ok(None);
        }
    }

    if page.is_null() {
        // Core dumps skip special pages, the zero page included.
        if flags.contains(Foll::Dump) {
            return Err(EFAULT);
        }
        if pgtable::is_zero_pfn(pte.pfn()) {
            // SAFETY: The zero page has a memmap.
            page = unsafe { pte.page() };
        } else {
            // SAFETY: By this function's contract.
            return Err(unsafe { follow_pfn_pte(vma, address, locked, flags) });
        }
    }
    // SAFETY: The PTE lock keeps the mapped page's folio referenced.
    let folio = unsafe { Folio::from_page(page) };

    // SAFETY: `page` is valid and mapped by this entry.
    if !pte_write && unsafe { must_unshare(Some(vma), flags, page) } {
        return Err(EMLINK);
    }
    vm_warn_on_once_folio!(
        flags.contains(Foll::Pin)
            && folio.is_anon()
            // SAFETY: `page` is a valid page of the anonymous `folio`.
            && !unsafe { crate::folio::page_anon_exclusive(page) },
        folio,
        // SAFETY: `page` is a page of `folio`.
        unsafe { folio.page_idx(page) }
    );

    // Does nothing unless FOLL_GET or FOLL_PIN is set.
    // SAFETY: One reference or pin, not a negative count.
    unsafe { pin::try_grab_folio(folio, 1, flags) }?;

    // Make the page accessible if and only if its content is going to be accessed (FOLL_PIN);
    // see Documentation/core-api/pin_user_pages.rst.
    if flags.contains(Foll::Pin) {
        if let Err(e) = folio.make_accessible() {
            // SAFETY: The pin was taken just above.
            unsafe { pin::put_folio(folio, 1, flags) };
            return Err(e);
        }
    }
    if flags.contains(Foll::Touch) {
        if flags.contains(Foll::Write) && !pte.is_dirty() && !folio.is_dirty() {
            // SAFETY: The PTE lock is held with the folio mapped by the entry.
            unsafe { folio.mark_dirty() };
        }
        // pte_mkyoung() would be more precise, but needs atomic care not to lose the dirty
        // bit; folio_mark_accessed() is simpler.
        folio.mark_accessed();
    }
    Ok(Some(page))
}

/// The PMD level (C: `follow_pmd_mask()`).
///
/// # Safety
///
/// `pudp` must be `address`'s PUD entry in `vma`'s page tables, a table (not a leaf).
#[inline(always)]
unsafe fn follow_pmd_mask(
    vma: &VmaRef,
    address: usize,
    pudp: *mut bindings::pud_t,
    flags: FollFlags,
    page_mask: &mut usize,
) -> Result<Option<PagePtr>> {
    let mm = vma.mm().as_raw();
    // SAFETY: `pudp` is a valid table entry.
    let pmdp = unsafe { bindings::pmd_offset(pudp, address) };
    // SAFETY: `pmdp` is valid; it is read once, without the lock.
    let pmdval = unsafe { Pmd::read_lockless(pmdp) };
    if pmdval.is_none() || !pmdval.is_present() {
        return no_page_table(vma, flags, address);
    }
    if !pmdval.is_leaf() {
        // SAFETY: `pmdp` is `address`'s PMD entry.
        return unsafe { follow_page_pte(vma, address, pmdp, flags) };
    }
    if pmdval.is_protnone() && !can_follow_protnone(vma, flags) {
        return no_page_table(vma, flags, address);
    }

    // SAFETY: `pmdp` is `address`'s PMD entry in `mm`.
    let ptl = unsafe { PtLock::pmd(mm, pmdp) };
    // SAFETY: `pmdp` is valid and now locked.
    let pmdval = unsafe { Pmd::read(pmdp) };
    if !pmdval.is_present() {
        drop(ptl);
        return no_page_table(vma, flags, address);
    }
    if !pmdval.is_leaf() {
        drop(ptl);
        // SAFETY: `pmdp` is `address`'s PMD entry.
        return unsafe { follow_page_pte(vma, address, pmdp, flags) };
    }
    if pmdval.is_trans_huge() && flags.contains(Foll::SplitPmd) {
        drop(ptl);
        // SAFETY: `pmdp` is `address`'s PMD entry in `vma`, the mmap lock is held.
        unsafe { bindings::split_huge_pmd(vma.as_ptr(), pmdp, address) };
        // If the split left the PMD empty, put a page table in quickly.
        // SAFETY: As above.
        if unsafe { bindings::pte_alloc(mm, pmdp) } {
            return Err(ENOMEM);
        }
        // SAFETY: `pmdp` is `address`'s PMD entry.
        return unsafe { follow_page_pte(vma, address, pmdp, flags) };
    }
    // SAFETY: `pmdp` is `address`'s PMD entry, locked, a present leaf.
    let page = unsafe { follow_huge_pmd(vma, address, pmdp, flags, page_mask) };
    drop(ptl);
    page
}

/// The PUD level (C: `follow_pud_mask()`).
///
/// # Safety
///
/// `p4dp` must be `address`'s P4D entry in `vma`'s page tables, present.
#[inline(always)]
unsafe fn follow_pud_mask(
    vma: &VmaRef,
    address: usize,
    p4dp: *mut bindings::p4d_t,
    flags: FollFlags,
    page_mask: &mut usize,
) -> Result<Option<PagePtr>> {
    // SAFETY: `p4dp` is a valid, present entry.
    let pudp = unsafe { bindings::pud_offset(p4dp, address) };
    // SAFETY: `pudp` is valid.
    let pud = unsafe { Pud::read(pudp) };
    if !pud.is_present() {
        return no_page_table(vma, flags, address);
    }
    if pud.is_leaf() {
        // SAFETY: `pudp` is `address`'s PUD entry in `vma`'s mm.
        let ptl = unsafe { PtLock::pud(vma.mm().as_raw(), pudp) };
        // SAFETY: `pudp` is `address`'s PUD entry, locked.
        let page = unsafe { follow_huge_pud(vma, address, pudp, flags, page_mask) };
        drop(ptl);
        return match page {
            Ok(None) => no_page_table(vma, flags, address),
            other => other,
        };
    }
    if pud.is_bad() {
        return no_page_table(vma, flags, address);
    }
    // SAFETY: `pudp` is a present table entry.
    unsafe { follow_pmd_mask(vma, address, pudp, flags, page_mask) }
}

/// Looks up the page mapped at `address` in `vma`, taking a reference or a pin as `flags` say
/// (C: `follow_page_mask()`).
///
/// Returns the page (for a huge leaf the exact subpage, with `*page_mask` set to the number of
/// pages of the leaf minus one); `None` if the caller must fault (no mapping, not present,
/// PROT_NONE to be faulted, a write that cannot be followed); or an error: `EFAULT` for
/// `FOLL_DUMP` on a hole or the zero page, `EEXIST` for an entry without a `struct page`,
/// `EMLINK` when a shared anonymous page must be unshared first (`FOLL_PIN` without
/// `FOLL_WRITE`), or what taking the reference gave.
///
/// # Safety
///
/// The caller must hold the mmap lock of `vma`'s mm.
///
/// Inlined into the walk of the slow path, as in C, where it is `static` with one caller; the
/// exported `follow_page()` gets its own copy.
#[inline(always)]
pub(crate) unsafe fn follow_page_mask(
    vma: &VmaRef,
    address: usize,
    flags: FollFlags,
    page_mask: &mut usize,
) -> Result<Option<PagePtr>> {
    let mm = vma.mm().as_raw();
    // Takes the hugetlb VMA lock for hugetlb VMAs.
    // SAFETY: `vma` is valid, the mmap lock is held.
    unsafe { bindings::vma_pgtable_walk_begin(vma.as_ptr()) };
    *page_mask = 0;
    // SAFETY: `mm` is valid and its page tables stay while the mmap lock is held.
    let pgdp = unsafe { bindings::pgd_offset(mm, address) };
    // SAFETY: `pgdp` is valid.
    let pgd = unsafe { Pgd::read(pgdp) };
    let page = if pgd.is_none() || pgd.is_bad() {
        no_page_table(vma, flags, address)
    } else {
        // SAFETY: `pgdp` is a present entry.
        let p4dp = unsafe { bindings::p4d_offset(pgdp, address) };
        // SAFETY: `p4dp` is valid.
        let p4d = unsafe { P4d::read(p4dp) };
        // P4D leaves do not exist on the architectures this code supports.
        if !p4d.is_present() || p4d.is_bad() {
            no_page_table(vma, flags, address)
        } else {
            // SAFETY: `p4dp` is a present entry.
            unsafe { follow_pud_mask(vma, address, p4dp, flags, page_mask) }
        }
    };
    // SAFETY: Paired with the begin above.
    unsafe { bindings::vma_pgtable_walk_end(vma.as_ptr()) };
    page
}

/// Follows an address in the gate area (the x86-64 vsyscall page), which has no VMA in the mm
/// (C: `get_gate_page()`).
///
/// Returns the gate VMA and, if `want_page`, the page with a reference or pin taken per `flags`.
///
/// # Safety
///
/// The caller must hold `mm`'s mmap lock; `address` must be in the gate area.
unsafe fn get_gate_page<'a>(
    mm: MmPtr,
    address: usize,
    flags: FollFlags,
    want_page: bool,
) -> Result<(&'a VmaRef, Option<PagePtr>)> {
    // User gate pages are read-only.
    if flags.contains(Foll::Write) {
        return Err(EFAULT);
    }
    // SAFETY: `mm` is valid and its page tables stay while the mmap lock is held; every pointer
    // is followed only after its entry was checked to be present.
    unsafe {
        let pgdp = bindings::pgd_offset(mm, address);
        if Pgd::read(pgdp).is_none() {
            return Err(EFAULT);
        }
        let p4dp = bindings::p4d_offset(pgdp, address);
        if P4d::read(p4dp).is_none() {
            return Err(EFAULT);
        }
        let pudp = bindings::pud_offset(p4dp, address);
        if Pud::read(pudp).is_none() {
            return Err(EFAULT);
        }
        let pmdp = bindings::pmd_offset(pudp, address);
        if !Pmd::read(pmdp).is_present() {
            return Err(EFAULT);
        }
        let ptep = bindings::pte_offset_map(pmdp, address);
        if ptep.is_null() {
            return Err(EFAULT);
        }
        let result = gate_pte(mm, address, Pte::read(ptep), flags, want_page);
        bindings::pte_unmap(ptep);
        result
    }
}

/// [`get_gate_page`] once the PTE is read.
///
/// # Safety
///
/// As for [`get_gate_page`], with the PTE table of `address` mapped.
unsafe fn gate_pte<'a>(
    mm: MmPtr,
    address: usize,
    entry: Pte,
    flags: FollFlags,
    want_page: bool,
) -> Result<(&'a VmaRef, Option<PagePtr>)> {
    if entry.is_none() {
        return Err(EFAULT);
    }
    // SAFETY: `mm` is valid; the gate VMA is static.
    let vma = unsafe { vma_from_c(bindings::gup_get_gate_vma(mm)) }.ok_or(EFAULT)?;
    if !want_page {
        return Ok((vma, None));
    }
    // SAFETY: `vma` is the gate VMA and `entry` its PTE.
    let mut page = unsafe { bindings::vm_normal_page(vma.as_ptr(), address, entry.into_raw()) };
    if page.is_null() {
        if flags.contains(Foll::Dump) || !pgtable::is_zero_pfn(entry.pfn()) {
            return Err(EFAULT);
        }
        // SAFETY: The zero page has a memmap.
        page = unsafe { entry.page() };
    }
    // SAFETY: The gate page and the zero page are never freed; one reference or pin.
    unsafe { pin::try_grab_folio(Folio::from_page(page), 1, flags) }?;
    Ok((vma, Some(page)))
}

/// `vm_fault_t` bits (C: `enum vm_fault_reason`).
mod vm_fault {
    use kernel::bindings;

    pub(super) const OOM: u32 = bindings::vm_fault_reason_VM_FAULT_OOM;
    pub(super) const SIGBUS: u32 = bindings::vm_fault_reason_VM_FAULT_SIGBUS;
    pub(super) const SIGSEGV: u32 = bindings::vm_fault_reason_VM_FAULT_SIGSEGV;
    pub(super) const RETRY: u32 = bindings::vm_fault_reason_VM_FAULT_RETRY;
    pub(super) const COMPLETED: u32 = bindings::vm_fault_reason_VM_FAULT_COMPLETED;
    pub(super) const ERROR: u32 = bindings::VM_FAULT_ERROR;
    pub(super) const HWPOISON_ANY: u32 = bindings::VM_FAULT_HWPOISON_ANY;
}

/// `FAULT_FLAG_*` (C: `enum fault_flag`).
mod fault_flag {
    use kernel::bindings;

    pub(super) const WRITE: u32 = bindings::fault_flag_FAULT_FLAG_WRITE;
    pub(super) const ALLOW_RETRY: u32 = bindings::fault_flag_FAULT_FLAG_ALLOW_RETRY;
    pub(super) const RETRY_NOWAIT: u32 = bindings::fault_flag_FAULT_FLAG_RETRY_NOWAIT;
    pub(super) const KILLABLE: u32 = bindings::fault_flag_FAULT_FLAG_KILLABLE;
    pub(super) const TRIED: u32 = bindings::fault_flag_FAULT_FLAG_TRIED;
    pub(super) const REMOTE: u32 = bindings::fault_flag_FAULT_FLAG_REMOTE;
    pub(super) const INTERRUPTIBLE: u32 = bindings::fault_flag_FAULT_FLAG_INTERRUPTIBLE;
    pub(super) const UNSHARE: u32 = bindings::fault_flag_FAULT_FLAG_UNSHARE;
}

/// The errno of a failed fault, or `None` if `ret` is not a hard error
/// (C: `vm_fault_to_errno()`).
fn vm_fault_to_errno(ret: u32, hwpoison: bool) -> Option<Error> {
    if ret & vm_fault::OOM != 0 {
        Some(ENOMEM)
    } else if ret & vm_fault::HWPOISON_ANY != 0 {
        Some(if hwpoison {
            errno(bindings::EHWPOISON)
        } else {
            EFAULT
        })
    } else if ret & (vm_fault::SIGBUS | vm_fault::SIGSEGV) != 0 {
        Some(EFAULT)
    } else {
        None
    }
}

/// Why [`faultin_page`] did not fault the page in.
enum Faultin {
    /// The fault handler dropped the mmap lock and wants a retry (`-EBUSY` in C); with
    /// `FOLL_NOWAIT` the lock is still held.
    Retry,
    /// The fault completed with the mmap lock dropped (`-EAGAIN` in C).
    Completed,
    /// A hard error.
    Err(Error),
}

/// Faults in `address` as `flags` ask, or unshares it (C: `faultin_page()`).
///
/// With `FOLL_UNLOCKABLE` and without `FOLL_NOWAIT`, the fault handler may drop the mmap lock; it
/// then sets `*locked` to 0.
///
/// # Safety
///
/// The caller holds the mmap lock of `vma`'s mm (for read if it may be dropped).
unsafe fn faultin_page(
    vma: &VmaRef,
    address: usize,
    flags: FollFlags,
    unshare: bool,
    locked: &mut c_int,
) -> core::result::Result<(), Faultin> {
    if flags.contains(Foll::NoFault) {
        return Err(Faultin::Err(EFAULT));
    }
    let mut fault_flags = 0u32;
    if flags.contains(Foll::Write) {
        fault_flags |= fault_flag::WRITE;
    }
    if flags.contains(Foll::Remote) {
        fault_flags |= fault_flag::REMOTE;
    }
    if flags.contains(Foll::Unlockable) {
        fault_flags |= fault_flag::ALLOW_RETRY | fault_flag::KILLABLE;
        // Interruption by non-fatal signals is opt-in: not every caller is ready for an early
        // exit.
        if flags.contains(Foll::Interruptible) {
            fault_flags |= fault_flag::INTERRUPTIBLE;
        }
    }
    if flags.contains(Foll::NoWait) {
        fault_flags |= fault_flag::ALLOW_RETRY | fault_flag::RETRY_NOWAIT;
    }
    if flags.contains(Foll::Tried) {
        // ALLOW_RETRY and TRIED may be set together.
        fault_flags |= fault_flag::TRIED;
    }
    if unshare {
        fault_flags |= fault_flag::UNSHARE;
        // A write fault and an unshare fault are incompatible.
        vm_warn_on_once!(fault_flags & fault_flag::WRITE != 0);
    }

    // SAFETY: `vma` is valid and its mm's mmap lock is held.
    let ret =
        unsafe { bindings::handle_mm_fault(vma.as_ptr(), address, fault_flags, ptr::null_mut()) };

    if ret & vm_fault::COMPLETED != 0 {
        // The handler never drops the lock with RETRY_NOWAIT.
        warn_on_once!(fault_flags & fault_flag::RETRY_NOWAIT != 0);
        *locked = 0;
        // The fault is done, with the lock dropped: take the lock again and go on.
        return Err(Faultin::Completed);
    }
    if ret & vm_fault::ERROR != 0 {
        return Err(Faultin::Err(
            // C BUG()s on an error bit without an errno (VM_FAULT_FALLBACK escaping a handler);
            // warn and fail the access instead.
            vm_fault_to_errno(ret, flags.contains(Foll::HwPoison)).unwrap_or_else(|| {
                warn_on_once!(true);
                EFAULT
            }),
        ));
    }
    if ret & vm_fault::RETRY != 0 {
        if fault_flags & fault_flag::RETRY_NOWAIT == 0 {
            *locked = 0;
        }
        return Err(Faultin::Retry);
    }
    Ok(())
}

/// Whether GUP may write to file-backed memory of `vma` (C: `writable_file_mapping_allowed()`).
///
/// A long-term pin would let the kernel write to the folio behind the file system's back after
/// writeback cleaned it (the page table entry made read-only, the DMA mapping still writable),
/// so FOLL_LONGTERM write pins of mappings that need dirty tracking are refused.
fn writable_file_mapping_allowed(vma: &VmaRef, flags: FollFlags) -> bool {
    if !flags.has_all(Foll::Pin | Foll::Longterm) {
        return true;
    }
    // SAFETY: `vma` is locked, by the type invariant of `VmaRef`.
    !unsafe { bindings::vma_needs_dirty_tracking(vma.as_ptr()) }
}

/// Whether `flags` may access `vma` at all (C: `check_vma_flags()`).
pub(crate) fn check_vma_flags(vma: &VmaRef, flags: FollFlags) -> Result {
    let vm = vma.flags();
    let write = flags.contains(Foll::Write);
    let foreign = flags.contains(Foll::Remote);
    let anon = vma.is_anonymous();

    // No struct pages (or none GUP may touch) behind these; VFIO falls back to
    // follow_pfnmap_start() on this error.
    if vm & (bindings::VM_IO | bindings::VM_PFNMAP) != 0 {
        return Err(EFAULT);
    }
    if flags.contains(Foll::Anon) && !anon {
        return Err(EFAULT);
    }
    if flags.contains(Foll::Longterm) && vma.is_fsdax() {
        return Err(errno(bindings::EOPNOTSUPP));
    }
    if flags.contains(Foll::SplitPmd) && vma.is_hugetlb() {
        return Err(errno(bindings::EOPNOTSUPP));
    }
    if vma.is_secretmem() {
        return Err(EFAULT);
    }
    if write {
        if !anon && !writable_file_mapping_allowed(vma, flags) {
            return Err(EFAULT);
        }
        if vm & bindings::VM_WRITE == 0 || is_shadow_stack(vm) {
            if !flags.contains(Foll::Force) {
                return Err(EFAULT);
            }
            // FOLL_FORCE writes break COW; anonymous pages in shared mappings would be
            // surprising, so shared mappings are refused (ptrace used to COW them).
            if !is_cow_mapping(vm) {
                return Err(EFAULT);
            }
        }
    } else if vm & bindings::VM_READ == 0 {
        if !flags.contains(Foll::Force) || vm & bindings::VM_MAYREAD == 0 {
            return Err(EFAULT);
        }
    }
    // GUP is a data access, never an instruction fetch.
    if !vma.arch_access_permitted(write, false, foreign) {
        return Err(EFAULT);
    }
    Ok(())
}

/// `vma_lookup()` that warns (at most once an hour) where GUP used to expand the stack
/// (C: `gup_vma_lookup()`).
///
/// # Safety
///
/// The caller holds `mm`'s mmap lock.
#[inline(always)]
unsafe fn gup_vma_lookup<'a>(mm: MmPtr, addr: usize) -> Option<&'a VmaRef> {
    // SAFETY: `mm` is valid and locked; the VMA stays valid under the lock.
    let vma = unsafe { vma_from_c(bindings::find_vma(mm, addr)) }?;
    if addr >= vma.start() {
        return Some(vma);
    }
    below_vma(vma, addr);
    None
}

/// The part of [`gup_vma_lookup`] for an address below the VMA found: the warning, if due.
#[cold]
#[inline(never)]
fn below_vma(vma: &VmaRef, addr: usize) {
    static NEXT_WARN: AtomicUsize = AtomicUsize::new(0);

    // Only warn for half-way relevant accesses.
    if vma.flags() & bindings::VM_GROWSDOWN == 0 || vma.start() - addr > 65536 {
        return;
    }
    // SAFETY: Reads a global counter.
    let now = unsafe { bindings::gup_jiffies() };
    let next = NEXT_WARN.load(Ordering::Relaxed);
    // C: time_before(now, next).
    // CAST: jiffies comparisons are done on the signed difference.
    if next != 0 && (now.wrapping_sub(next) as isize) < 0 {
        return;
    }
    NEXT_WARN.store(
        now.wrapping_add(60 * 60 * bindings::HZ as usize),
        Ordering::Relaxed,
    );
    // SAFETY: `current` is valid in process context; `comm` is NUL-terminated.
    let (comm, pid) = unsafe {
        let task = bindings::get_current();
        (
            CStr::from_char_ptr((*task).comm.as_ptr()),
            bindings::gup_current_pid(),
        )
    };
    pr_warn!(
        "GUP no longer grows the stack in {} ({}): {:x}-{:x} ({:x})\n",
        comm.to_str().unwrap_or("?"),
        pid,
        vma.start(),
        vma.end(),
        addr
    );
    kernel::bug::dump_stack();
}

/// `current->mm`.
pub(crate) fn current_mm() -> MmPtr {
    // SAFETY: `current` is valid in process context.
    unsafe { (*bindings::get_current()).mm }
}

/// Whether the current task has a fatal signal pending.
fn fatal_signal_pending() -> bool {
    // SAFETY: `current` is valid in process context.
    unsafe { bindings::fatal_signal_pending(bindings::get_current()) }
}

/// Sets `MMF_HAS_PINNED`, which fork() reads to copy pinned anonymous pages; only if not yet set,
/// to avoid cache line bouncing on concurrent pins (C: `mm_set_has_pinned_flag()`).
///
/// # Safety
///
/// `mm` must be valid.
pub(crate) unsafe fn mm_set_has_pinned_flag(mm: MmPtr) {
    // CAST: A bit number.
    let flag = bindings::MMF_HAS_PINNED as c_int;
    // SAFETY: `mm` is valid.
    unsafe {
        if !bindings::mm_flags_test(flag, mm) {
            bindings::mm_flags_set(flag, mm);
        }
    }
}

/// The caller's array of page pointers that GUP fills in, from the next entry to write on; or
/// none (fault-in only).
///
/// The entries are `MaybeUninit`: callers pass arrays GUP writes before anyone reads them.
pub(crate) struct PagesOut<'a>(Option<&'a mut [MaybeUninit<PagePtr>]>);

impl<'a> PagesOut<'a> {
    /// No array: the pages are faulted in, not returned.
    pub(crate) fn none() -> Self {
        Self(None)
    }

    /// An array of one entry.
    pub(crate) fn one(page: &'a mut MaybeUninit<PagePtr>) -> Self {
        Self(Some(core::slice::from_mut(page)))
    }

    /// Wraps a C array of `len` entries; none for NULL.
    ///
    /// # Safety
    ///
    /// A non-NULL `pages` must be valid for writing `len` entries for `'a`, and not be accessed
    /// otherwise meanwhile.
    pub(crate) unsafe fn from_raw(pages: *mut PagePtr, len: usize) -> Self {
        if pages.is_null() {
            return Self(None);
        }
        // A length no array can have is the caller's bug (C would write past the end); the
        // walk stops where this one ends instead.
        let len = len.min(isize::MAX as usize / core::mem::size_of::<PagePtr>());
        // SAFETY: Valid for writing `len` entries and exclusive for `'a`, by the caller's
        // guarantee; `MaybeUninit` needs no initialised contents.
        Self(Some(unsafe {
            core::slice::from_raw_parts_mut(pages.cast(), len)
        }))
    }

    fn is_some(&self) -> bool {
        self.0.is_some()
    }

    /// Drops the first `n` entries, which the caller has filled.
    fn advance(&mut self, n: usize) {
        if let Some(s) = self.0.take() {
            self.0 = Some(s.get_mut(n..).unwrap_or_default());
        }
    }

    /// The entries, for a walk that fills them from the first on.
    fn cursor(&mut self) -> &mut [MaybeUninit<PagePtr>] {
        self.0.as_deref_mut().unwrap_or_default()
    }
}

/// Writes `page` and the pages after it to `out`, one per entry; with the architecture's cache
/// flushes of each (C: the subpage loop of `__get_user_pages()`) if it has them.
///
/// The stores go eight at a time: for a huge leaf this loop is most of the slow path's work,
/// and the compiler does not unroll the plain loop over the slice.
#[inline(always)]
fn fill_run(out: &mut [MaybeUninit<PagePtr>], page: PagePtr, vma: &VmaRef, addr: usize) {
    let mut next = page;
    let mut chunks = out.chunks_exact_mut(8);
    for chunk in &mut chunks {
        for slot in chunk {
            slot.write(next);
            next = next.wrapping_add(1);
        }
    }
    for slot in chunks.into_remainder() {
        slot.write(next);
        next = next.wrapping_add(1);
    }
    if bindings::GUP_FLUSH_ANON_PAGE || bindings::GUP_FLUSH_DCACHE_PAGE {
        // No wraps: the subpages of a leaf are contiguous in the memmap, and their addresses
        // lie in `vma`.
        let mut subpage = page;
        let mut addr = addr;
        for _ in 0..out.len() {
            // SAFETY: The subpage is valid and mapped by `vma` at `addr`.
            unsafe {
                if bindings::GUP_FLUSH_ANON_PAGE {
                    bindings::gup_flush_anon_page(vma.as_ptr(), subpage, addr);
                }
                if bindings::GUP_FLUSH_DCACHE_PAGE {
                    bindings::gup_flush_dcache_page(subpage);
                }
            }
            subpage = subpage.wrapping_add(1);
            addr = addr.wrapping_add(PAGE_SIZE);
        }
    }
}

/// Walks and faults `nr_pages` pages from `start` on, filling `pages` when given
/// (C: `__get_user_pages()`).
///
/// Returns the number of pages done, which may be less than `nr_pages`; or 0 if the mmap lock
/// was dropped (`*locked` is then 0) before any page was done; or a negative errno if no page was
/// done. With `FOLL_UNLOCKABLE` and without `FOLL_NOWAIT` the mmap lock may be dropped.
///
/// # Safety
///
/// The caller holds `mm`'s mmap lock (for read if it may be dropped); `pages` is as for
/// [`PagesOut::from_raw`] with `nr_pages` entries.
unsafe fn get_user_pages_walk(
    mm: MmPtr,
    start: usize,
    nr_pages: usize,
    flags: FollFlags,
    pages: &mut PagesOut<'_>,
    locked: &mut c_int,
) -> c_long {
    if nr_pages == 0 {
        return 0;
    }
    // SAFETY: The mmap lock is held.
    let start = unsafe { bindings::untagged_addr_remote(mm, start) };

    vm_warn_on_once!(pages.is_some() != flags.has_any(Foll::Get | Foll::Pin));
    // FOLL_GET and FOLL_PIN are mutually exclusive.
    vm_warn_on_once!(flags.has_all(Foll::Get | Foll::Pin));

    let mut done = 0usize;
    // SAFETY: By this function's contract.
    let err = unsafe { walk_range(mm, start, nr_pages, flags, pages, locked, &mut done) };
    if done != 0 {
        // CAST: `done <= nr_pages`, a count of pages of an address space.
        done as c_long
    } else {
        match err {
            Ok(()) => 0,
            Err(e) => errno_long(e),
        }
    }
}

/// The loop of [`get_user_pages_walk`]: counts the pages done in `*done` and returns why it
/// stopped early (`Ok` when it stopped because the lock was dropped, or when all is done).
///
/// # Safety
///
/// As for [`get_user_pages_walk`].
unsafe fn walk_range(
    mm: MmPtr,
    mut start: usize,
    mut nr_pages: usize,
    flags: FollFlags,
    pages: &mut PagesOut<'_>,
    locked: &mut c_int,
    done: &mut usize,
) -> Result {
    let mut vma: Option<&VmaRef> = None;
    let mut page_mask = 0usize;
    let want_pages = pages.is_some();
    // The entries still to fill: the walk writes them in order, one per page done.
    let mut out = pages.cursor();

    while nr_pages != 0 {
        let mut page: PagePtr = ptr::null_mut();
        let mut found_gate = false;

        // The first iteration, or crossing a VMA boundary.
        let cur = match vma {
            Some(v) if start < v.end() => v,
            _ => {
                let v = if flags.contains(Foll::MadvPopulate) {
                    // MADV_POPULATE_(READ|WRITE) reports VMA problems its own way.
                    // SAFETY: `mm` is valid and locked.
                    let found = unsafe { vma_from_c(bindings::vma_lookup(mm, start)) };
                    let v = found.ok_or(ENOMEM)?;
                    check_vma_flags(v, flags).map_err(|_| EINVAL)?;
                    v
                } else {
                    // SAFETY: `mm` is valid and locked.
                    match unsafe { gup_vma_lookup(mm, start) } {
                        Some(v) => {
                            check_vma_flags(v, flags)?;
                            v
                        }
                        // SAFETY: `mm` is valid and locked.
                        None if unsafe { bindings::gup_in_gate_area(mm, start) } => {
                            let at = start & PAGE_MASK;
                            // SAFETY: `start` is in the gate area, the lock is held.
                            let gate = unsafe { get_gate_page(mm, at, flags, want_pages) };
                            let (v, p) = gate?;
                            page = p.unwrap_or(ptr::null_mut());
                            page_mask = 0;
                            found_gate = true;
                            v
                        }
                        None => return Err(EFAULT),
                    }
                };
                vma = Some(v);
                v
            }
        };

        if !found_gate {
            // Follow the page, faulting it in until it is there.
            loop {
                // With a fatal signal pending, stop faulting (and allocating).
                if fatal_signal_pending() {
                    return Err(EINTR);
                }
                kernel::task::cond_resched();

                // SAFETY: `cur` is a VMA of `mm`, whose lock is held.
                let unshare = match unsafe { follow_page_mask(cur, start, flags, &mut page_mask) } {
                    Ok(Some(p)) => {
                        page = p;
                        break;
                    }
                    Ok(None) => false,
                    // A shared anonymous page must be unshared before a read-only pin.
                    Err(e) if e == EMLINK => true,
                    Err(e) if e == EEXIST => {
                        // A proper entry without a struct page: a caller that wants the pages
                        // cannot have this one; one that only faults in is done with it.
                        if want_pages {
                            return Err(e);
                        }
                        break;
                    }
                    Err(e) => return Err(e),
                };
                // SAFETY: The lock is held.
                match unsafe { faultin_page(cur, start, flags, unshare, locked) } {
                    Ok(()) => {}
                    Err(Faultin::Retry | Faultin::Completed) => return Ok(()),
                    Err(Faultin::Err(e)) => return Err(e),
                }
            }
        }

        // The pages of this leaf from `start` on, at most the rest of the request.
        let page_increm = (1 + (!(start >> PAGE_SHIFT) & page_mask)).min(nr_pages);

        if want_pages {
            if page_increm > 1 {
                // A part of a large folio: take the references of the other subpages too. The
                // folio is referenced already, so this cannot fail unless the folio is broken.
                // SAFETY: `page` is valid and referenced by the walk.
                let folio = unsafe { Folio::from_page(page) };
                // CAST: `page_increm` is at most the number of pages of a PUD leaf.
                // SAFETY: `page_increm > 1`: a positive count.
                if unsafe { pin::try_grab_folio(folio, (page_increm - 1) as i32, flags) }.is_err() {
                    // SAFETY: Releases the reference the walk took.
                    unsafe { pin::put_folio(folio, 1, flags) };
                    return Err(EFAULT);
                }
            }
            // The array has room for the `nr_pages >= page_increm` pages left (fewer only if
            // the caller's array is shorter than its count, which C would write past).
            let n = page_increm.min(out.len());
            let (run, rest) = core::mem::take(&mut out).split_at_mut(n);
            fill_run(run, page, cur, start);
            out = rest;
        }

        *done += page_increm;
        start = start.wrapping_add(page_increm * PAGE_SIZE);
        nr_pages -= page_increm;
    }
    Ok(())
}

/// Whether GUP should stop for a signal: always for a fatal one, for any with
/// `FOLL_INTERRUPTIBLE` (C: `gup_signal_pending()`).
fn gup_signal_pending(flags: FollFlags) -> bool {
    if fatal_signal_pending() {
        return true;
    }
    if !flags.contains(Foll::Interruptible) {
        return false;
    }
    kernel::current!().signal_pending()
}

/// [`get_user_pages_walk`] with the mmap lock protocol of the exported entry points
/// (C: `__get_user_pages_locked()`).
///
/// `*locked == 1`: the caller holds the mmap lock; it may be dropped, and `*locked` is then 0 on
/// return. `*locked == 0`: the lock is taken and released here, and `*locked` is 0 on return.
/// Unlike [`get_user_pages_walk`], this does not return 0 for `nr_pages > 0` unless `FOLL_NOWAIT`
/// is set.
///
/// # Safety
///
/// `mm` must be valid; `pages` as for [`PagesOut::from_raw`] with `nr_pages` entries.
///
/// Inlined into each entry point, as C's `__always_inline` original is: their calls then go
/// straight to the walk.
#[inline(always)]
pub(crate) unsafe fn get_user_pages_locked(
    mm: MmPtr,
    mut start: usize,
    mut nr_pages: usize,
    mut pages: PagesOut<'_>,
    locked: &mut c_int,
    mut flags: FollFlags,
) -> c_long {
    if nr_pages == 0 {
        return 0;
    }
    let mut must_unlock = false;
    // Callers with `*locked == 0` expect GUP to take and release the lock.
    if *locked == 0 {
        // SAFETY: `mm` is valid.
        if unsafe { bindings::mmap_read_lock_killable(mm) } != 0 {
            return errno_long(EAGAIN);
        }
        must_unlock = true;
        *locked = 1;
    } else {
        // SAFETY: `mm` is valid.
        unsafe { bindings::mmap_assert_locked(mm) };
    }

    if flags.contains(Foll::Pin) {
        // SAFETY: `mm` is valid.
        unsafe { mm_set_has_pinned_flag(mm) };
    }
    // Callers that pass pages without FOLL_PIN traditionally get FOLL_GET implied.
    if pages.is_some() && !flags.contains(Foll::Pin) {
        flags |= Foll::Get;
    }

    let mut pages_done: c_long = 0;
    loop {
        // SAFETY: The lock is held; `pages` has `nr_pages` more entries.
        let ret = unsafe { get_user_pages_walk(mm, start, nr_pages, flags, &mut pages, locked) };
        if !flags.contains(Foll::Unlockable) {
            // VM_FAULT_RETRY could not happen.
            pages_done = ret;
            break;
        }
        // VM_FAULT_RETRY and VM_FAULT_COMPLETED never come with an error.
        // CAST: `nr_pages` is a page count of an address space.
        vm_warn_on_once!(*locked == 0 && (ret < 0 || ret >= nr_pages as c_long));

        if ret > 0 {
            // CAST: Positive and at most `nr_pages`.
            let n = ret as usize;
            nr_pages -= n;
            pages_done += ret;
            if nr_pages == 0 {
                break;
            }
        }
        if *locked != 0 {
            // VM_FAULT_RETRY did not happen, or it was FOLL_NOWAIT.
            if pages_done == 0 {
                pages_done = ret;
            }
            break;
        }
        // VM_FAULT_RETRY: continue at the faulting address. For the prefault case (no pages)
        // only the counts move.
        // CAST: `ret` is not negative here (warned above otherwise) and at most `nr_pages`.
        let n = ret.max(0) as usize;
        pages.advance(n);
        start = start.wrapping_add(n << PAGE_SHIFT);
        // The lock was dropped, so it must be released at the end.
        must_unlock = true;

        // Retry the faulting address with FAULT_FLAG_TRIED until it is done, checking for
        // signals first so that this cannot loop forever.
        let ret = loop {
            if gup_signal_pending(flags) {
                break Err(errno_long(EINTR));
            }
            // SAFETY: `mm` is valid.
            let r = unsafe { bindings::mmap_read_lock_killable(mm) };
            if r != 0 {
                // CAST: Widening a negative `int`.
                break Err(r as c_long);
            }
            *locked = 1;
            // SAFETY: The lock is held; `pages` has `nr_pages >= 1` more entries.
            let r = unsafe {
                get_user_pages_walk(mm, start, 1, flags | Foll::Tried, &mut pages, locked)
            };
            if *locked == 0 {
                // The lock was dropped again: retry until done.
                vm_warn_on_once!(r != 0);
                continue;
            }
            break Ok(r);
        };
        match ret {
            Err(e) => {
                if pages_done == 0 {
                    pages_done = e;
                }
                break;
            }
            Ok(r) if r != 1 => {
                vm_warn_on_once!(r > 1);
                if pages_done == 0 {
                    pages_done = r;
                }
                break;
            }
            Ok(_) => {}
        }
        nr_pages -= 1;
        pages_done += 1;
        if nr_pages == 0 {
            break;
        }
        pages.advance(1);
        start = start.wrapping_add(PAGE_SIZE);
    }
    if must_unlock && *locked != 0 {
        // The lock was dropped on the way, or the caller asked GUP to take it: release it and
        // tell the caller.
        // SAFETY: The lock is held.
        unsafe { bindings::mmap_read_unlock(mm) };
        *locked = 0;
    }

    // Pinning nothing means something went wrong, except with FOLL_NOWAIT.
    if warn_on_once!(pages_done == 0 && !flags.contains(Foll::NoWait)) {
        return errno_long(EFAULT);
    }
    pages_done
}

/// Faults in (and, for `VM_LOCKED`, mlocks) the pages of `[start, end)` in `vma`
/// (C: `populate_vma_page_range()`).
///
/// Returns the number of pages done, or a negative errno.
///
/// # Safety
///
/// The caller holds the mmap lock of `vma`'s mm; for read if `locked` is given, in which case it
/// may be dropped (and `*locked` set to 0).
pub(crate) unsafe fn populate_vma_page_range(
    vma: &VmaRef,
    start: usize,
    end: usize,
    locked: Option<&mut c_int>,
) -> c_long {
    let mm = vma.mm().as_raw();
    let nr_pages = end.wrapping_sub(start) / PAGE_SIZE;

    vm_warn_on_once!(start & !PAGE_MASK != 0);
    vm_warn_on_once!(end & !PAGE_MASK != 0);
    vm_warn_on_once!(start < vma.start());
    vm_warn_on_once!(end > vma.end());
    // SAFETY: `mm` is valid.
    unsafe { bindings::mmap_assert_locked(mm) };

    // VM_LOCKONFAULT has never used faultin_page() to break COW: nothing to do.
    if vma.flags() & bindings::VM_LOCKONFAULT != 0 {
        // CAST: A page count of an address space.
        return nr_pages as c_long;
    }
    // PROT_NONE pages have never been faulted in either.
    if !vma.is_accessible() {
        return errno_long(EFAULT);
    }

    let mut flags = FollFlags::from(Foll::Touch);
    // Write-fault writable private mappings to break COW; shared ones do not COW and would be
    // dirtied for nothing. Otherwise read-fault, with FOLL_FORCE for write-only or exec-only
    // mappings.
    if vma.flags() & (bindings::VM_WRITE | bindings::VM_SHARED) == bindings::VM_WRITE {
        flags |= Foll::Write;
    } else {
        flags |= Foll::Force;
    }
    let mut local_locked: c_int = 1;
    let locked = match locked {
        Some(l) => {
            flags |= Foll::Unlockable;
            l
        }
        None => &mut local_locked,
    };
    // `start` is inside a VMA, so this cannot expand a stack and recurse back here.
    // SAFETY: The lock is held; no pages array.
    let ret =
        unsafe { get_user_pages_walk(mm, start, nr_pages, flags, &mut PagesOut::none(), locked) };
    kernel::mm::lru_add_drain();
    ret
}

/// Prefaults `[start, end)` of `mm` readable or writable, for `MADV_POPULATE_(READ|WRITE)`
/// (C: `faultin_page_range()`).
///
/// Returns the number of pages done, or a negative errno, reporting VMA problems as
/// `MADV_POPULATE_*` expects (`ENOMEM` for a hole, `EINVAL` for an unsuitable VMA).
///
/// # Safety
///
/// The caller holds `mm`'s mmap lock for read; it may be dropped (`*locked` is then 0).
pub(crate) unsafe fn faultin_page_range(
    mm: MmPtr,
    start: usize,
    end: usize,
    write: bool,
    locked: &mut c_int,
) -> c_long {
    let nr_pages = end.wrapping_sub(start) / PAGE_SIZE;

    vm_warn_on_once!(start & !PAGE_MASK != 0);
    vm_warn_on_once!(end & !PAGE_MASK != 0);
    // SAFETY: `mm` is valid.
    unsafe { bindings::mmap_assert_locked(mm) };

    // FOLL_TOUCH marks the pages accessed (and dirty for a write); FOLL_HWPOISON reports
    // poisoned pages as such; no FOLL_FORCE: the access permissions apply.
    let mut flags = Foll::Touch | Foll::HwPoison | Foll::Unlockable | Foll::MadvPopulate;
    if write {
        flags |= Foll::Write;
    }
    // SAFETY: By this function's contract; no pages array.
    let ret =
        unsafe { get_user_pages_locked(mm, start, nr_pages, PagesOut::none(), locked, flags) };
    kernel::mm::lru_add_drain();
    ret
}

/// Populates (and, for `VM_LOCKED` VMAs, mlocks) `[start, start + len)` of the current mm, for
/// mlock() and `MAP_POPULATE`/`MAP_LOCKED` (C: `__mm_populate()`).
///
/// The VMAs already carry the wanted flags; the mmap lock must not be held. Returns 0 or a
/// negative errno.
pub(crate) fn mm_populate(start: usize, len: usize, ignore_errors: bool) -> c_int {
    let mm = current_mm();
    let end = start.wrapping_add(len);
    let mut vma: Option<&VmaRef> = None;
    let mut locked: c_int = 0;
    let mut ret: c_long = 0;
    let mut nstart = start;

    while nstart < end {
        // Find the first VMA of [nstart, end).
        let found = match vma {
            Some(v) if locked != 0 && nstart < v.end() => Some(v),
            Some(v) if locked != 0 => {
                // SAFETY: The lock is held; `mm` is the current, live mm.
                unsafe { vma_from_c(bindings::find_vma_intersection(mm, v.end(), end)) }
            }
            _ => {
                locked = 1;
                // SAFETY: `mm` is the current, live mm.
                unsafe { bindings::mmap_read_lock(mm) };
                // SAFETY: The lock is held.
                unsafe { vma_from_c(bindings::find_vma_intersection(mm, nstart, end)) }
            }
        };
        let Some(v) = found else {
            break;
        };
        vma = Some(v);
        // [nstart, nend) is the part of the range in this VMA; skip VMAs GUP cannot handle.
        let mut nend = end.min(v.end());
        if v.flags() & (bindings::VM_IO | bindings::VM_PFNMAP) != 0 {
            nstart = nend;
            continue;
        }
        if nstart < v.start() {
            nstart = v.start();
        }
        // populate_vma_page_range() checks the VMA flags again, so that pages of a VMA that
        // was munlocked meanwhile are not mlocked.
        // SAFETY: The lock is held for read; `v` is a VMA of `mm` containing [nstart, nend).
        ret = unsafe { populate_vma_page_range(v, nstart, nend, Some(&mut locked)) };
        if ret < 0 {
            if ignore_errors {
                // Go on with the next VMA.
                ret = 0;
                nstart = nend;
                continue;
            }
            break;
        }
        // CAST: `ret` is a non-negative page count.
        nend = nstart.wrapping_add(ret as usize * PAGE_SIZE);
        ret = 0;
        nstart = nend;
    }
    if locked != 0 {
        // SAFETY: The lock is held.
        unsafe { bindings::mmap_read_unlock(mm) };
    }
    // CAST: 0 or a negative errno.
    ret as c_int
}

/// Returns the page at `addr` of the current mm, with a reference, for a core dump; NULL for a
/// hole, the zero page or any failure (C: `get_dump_page()`).
///
/// # Safety
///
/// `locked` as for [`get_user_pages_locked`].
#[cfg(CONFIG_ELF_CORE)]
pub(crate) unsafe fn get_dump_page(addr: usize, locked: &mut c_int) -> PagePtr {
    let mut page = MaybeUninit::uninit();
    // SAFETY: `locked` as the caller guarantees, for the current mm.
    let ret = unsafe {
        get_user_pages_locked(
            current_mm(),
            addr,
            1,
            PagesOut::one(&mut page),
            locked,
            Foll::Force | Foll::Dump | Foll::Get,
        )
    };
    if ret == 1 {
        // SAFETY: One page done: the walk wrote the entry.
        unsafe { page.assume_init() }
    } else {
        ptr::null_mut()
    }
}

/// Whether a fault with `fault_flags` is allowed in `vma` (C: `vma_permits_fault()`).
fn vma_permits_fault(vma: &VmaRef, fault_flags: c_uint) -> bool {
    let write = fault_flags & fault_flag::WRITE != 0;
    let foreign = fault_flags & fault_flag::REMOTE != 0;
    let needed = if write {
        bindings::VM_WRITE
    } else {
        bindings::VM_READ
    };
    vma.flags() & needed != 0 && vma.arch_access_permitted(write, false, foreign)
}

/// Resolves a user page fault by hand, for code that hit `EFAULT` with page faults disabled
/// (C: `fixup_user_fault()`).
///
/// Retries with the lock dropped only if `unlocked` is given; returns with the lock held either
/// way and sets `*unlocked` if it was dropped.
///
/// # Safety
///
/// The caller holds `mm`'s mmap lock (for read if `unlocked` is given).
pub(crate) unsafe fn fixup_user_fault(
    mm: MmPtr,
    address: usize,
    mut fault_flags: c_uint,
    mut unlocked: Option<&mut bool>,
) -> c_int {
    // SAFETY: The lock is held.
    let address = unsafe { bindings::untagged_addr_remote(mm, address) };
    if unlocked.is_some() {
        fault_flags |= fault_flag::ALLOW_RETRY | fault_flag::KILLABLE;
    }
    loop {
        // SAFETY: The lock is held.
        let Some(vma) = (unsafe { gup_vma_lookup(mm, address) }) else {
            return EFAULT.to_errno();
        };
        if !vma_permits_fault(vma, fault_flags) {
            return EFAULT.to_errno();
        }
        if fault_flags & fault_flag::KILLABLE != 0 && fatal_signal_pending() {
            return EINTR.to_errno();
        }
        // SAFETY: `vma` is valid under the lock.
        let ret = unsafe {
            bindings::handle_mm_fault(vma.as_ptr(), address, fault_flags, ptr::null_mut())
        };

        if ret & vm_fault::COMPLETED != 0 {
            // The lock was dropped; take it again for the caller's unlock.
            // SAFETY: `mm` is valid (the caller holds a reference on it).
            unsafe { bindings::mmap_read_lock(mm) };
            if let Some(u) = unlocked.as_deref_mut() {
                *u = true;
            }
            return 0;
        }
        if ret & vm_fault::ERROR != 0 {
            // C BUG()s on an error bit without an errno; warn and fail the access instead.
            return vm_fault_to_errno(ret, false)
                .unwrap_or_else(|| {
                    warn_on_once!(true);
                    EFAULT
                })
                .to_errno();
        }
        if ret & vm_fault::RETRY != 0 {
            // SAFETY: As above.
            unsafe { bindings::mmap_read_lock(mm) };
            if let Some(u) = unlocked.as_deref_mut() {
                *u = true;
            }
            fault_flags |= fault_flag::TRIED;
            continue;
        }
        return 0;
    }
}

/// Per-page loop of the `fault_in_*()` helpers: calls `touch` on one byte of each page of
/// `[start, start + size)` until it fails, and returns the number of bytes not faulted in.
fn fault_in_loop(start: usize, size: usize, mut touch: impl FnMut(usize) -> bool) -> usize {
    let end = start.wrapping_add(size);
    let mut cur = start;
    // Stop once the address wraps to 0.
    while cur != 0 && cur < end {
        if !touch(cur) {
            break;
        }
        cur = cur.wrapping_add(PAGE_SIZE) & PAGE_MASK;
    }
    let faulted = cur.wrapping_sub(start);
    size.saturating_sub(faulted)
}

/// Faults in a user range for writing by writing a zero byte to each page; destructive
/// (C: `fault_in_writeable()`). Returns the number of bytes not faulted in.
pub(crate) fn fault_in_writeable(uaddr: usize, size: usize) -> usize {
    if size == 0 {
        return 0;
    }
    // SAFETY: Only checks the range.
    if !unsafe { bindings::gup_access_ok(uaddr as *const c_void, size) } {
        return size;
    }
    fault_in_loop(uaddr, size, |cur| {
        // SAFETY: `cur` is a user address in a range access_ok() accepted; a fault is caught by
        // the exception table and reported.
        unsafe { bindings::gup_put_user_zero(cur as *mut c_char) == 0 }
    })
}

/// [`fault_in_writeable`], then the architecture's sub-page probe (arm64 MTE tags)
/// (C: `fault_in_subpage_writeable()`).
pub(crate) fn fault_in_subpage_writeable(uaddr: usize, size: usize) -> usize {
    let mut faulted = size.saturating_sub(fault_in_writeable(uaddr, size));
    if faulted != 0 {
        // SAFETY: Probes the user range, catching faults.
        let missed =
            unsafe { bindings::gup_probe_subpage_writeable(uaddr as *mut c_char, faulted) };
        faulted = faulted.saturating_sub(missed);
    }
    size - faulted
}

/// Faults in a user range for writing without writing to it, with `fixup_user_fault()`
/// (C: `fault_in_safe_writeable()`). Returns the number of bytes not faulted in.
pub(crate) fn fault_in_safe_writeable(uaddr: usize, size: usize) -> usize {
    if size == 0 {
        return 0;
    }
    let mm = current_mm();
    let mut unlocked = false;
    // SAFETY: `mm` is the current, live mm.
    unsafe { bindings::mmap_read_lock(mm) };
    let rest = fault_in_loop(uaddr, size, |cur| {
        // SAFETY: The lock is held for read, and may be dropped and retaken.
        unsafe { fixup_user_fault(mm, cur, fault_flag::WRITE, Some(&mut unlocked)) == 0 }
    });
    // SAFETY: Held (again) after fixup_user_fault().
    unsafe { bindings::mmap_read_unlock(mm) };
    rest
}

/// Faults in a user range for reading by reading a byte of each page
/// (C: `fault_in_readable()`). Returns the number of bytes not faulted in.
pub(crate) fn fault_in_readable(uaddr: usize, size: usize) -> usize {
    if size == 0 {
        return 0;
    }
    // SAFETY: Only checks the range.
    if !unsafe { bindings::gup_access_ok(uaddr as *const c_void, size) } {
        return size;
    }
    fault_in_loop(uaddr, size, |cur| {
        // SAFETY: As in fault_in_writeable().
        unsafe { bindings::gup_get_user_byte(cur as *const c_char) == 0 }
    })
}

#[cfg(CONFIG_RUST_GUP_KUNIT_TEST)]
#[kunit_tests(rust_gup_follow)]
pub(crate) mod tests {
    //! The walk and the slow path on real mappings of a KUnit-owned mm (`kunit_vm_mmap()`).
    //!
    //! Values are collected with the mmap lock held and references released before asserting:
    //! a failed assertion returns from the test, and must leave neither a lock nor a reference
    //! behind.

    use super::*;
    use kernel::{
        error::from_err_ptr,
        page::Page, //
    };

    const PROT_NONE: c_ulong = bindings::PROT_NONE as c_ulong;
    const PROT_READ: c_ulong = bindings::PROT_READ as c_ulong;
    const PROT_RW: c_ulong = (bindings::PROT_READ | bindings::PROT_WRITE) as c_ulong;
    const PRIVATE: c_ulong = (bindings::MAP_PRIVATE | bindings::MAP_ANONYMOUS) as c_ulong;
    const SHARED: c_ulong = (bindings::MAP_SHARED | bindings::MAP_ANONYMOUS) as c_ulong;

    /// Maps `pages` anonymous pages in the test's mm (created on first use).
    pub(crate) fn map(pages: usize, prot: c_ulong, flags: c_ulong) -> Result<usize> {
        // SAFETY: Called from a KUnit test, whose mm this maps into.
        let addr = unsafe {
            bindings::kunit_vm_mmap(
                bindings::kunit_get_current_test(),
                ptr::null_mut(),
                0,
                pages * PAGE_SIZE,
                prot,
                flags,
                0,
            )
        };
        if addr == 0 || addr > usize::MAX - bindings::MAX_ERRNO as usize {
            return Err(ENOMEM);
        }
        Ok(addr)
    }

    /// The test's mm, with its mmap lock held for read through the kernel crate's guard.
    struct ReadLocked {
        guard: kernel::mm::MmapReadGuard<'static>,
        mm: MmPtr,
    }

    impl ReadLocked {
        fn new() -> Self {
            let mm = current_mm();
            // SAFETY: The test's task keeps its mm, with `mm_users` above zero, until it exits,
            // after the test.
            let guard = unsafe { kernel::mm::MmWithUser::from_raw(mm) }.mmap_read_lock();
            Self { guard, mm }
        }

        fn vma(&self, addr: usize) -> Option<&VmaRef> {
            self.guard.vma_lookup(addr)
        }
    }

    /// `get_user_pages()` of the test's mm, with the lock held; the result and the pages.
    fn gup(addr: usize, n: usize, flags: u32, want_pages: bool) -> (c_long, [PagePtr; 4]) {
        let mut pages = [ptr::null_mut(); 4];
        let out = if want_pages {
            pages.as_mut_ptr()
        } else {
            ptr::null_mut()
        };
        // SAFETY: `pages` has room for 4 entries and callers ask for at most 4.
        let ret = unsafe { crate::get_user_pages(addr, n.min(4), flags, out) };
        (ret, pages)
    }

    /// Drops the references `gup()` took.
    fn put_all(pages: &[PagePtr]) {
        for &p in pages.iter().filter(|p| !p.is_null()) {
            // SAFETY: `p` carries a reference taken by `gup()`.
            unsafe { pin::put_folio(Folio::from_page(p), 1, Foll::Get.into()) };
        }
    }

    /// `follow_page()` as errno, 0 for NULL, 1 for a page (whose reference, if any, is dropped).
    fn follow(vma: &VmaRef, addr: usize, flags: u32) -> (c_int, PagePtr) {
        // SAFETY: The caller holds the mmap lock.
        let p = unsafe { crate::follow_page(vma.as_ptr(), addr, flags) };
        match from_err_ptr(p) {
            Err(e) => (e.to_errno(), ptr::null_mut()),
            Ok(p) if p.is_null() => (0, p),
            Ok(p) => {
                if flags & bindings::FOLL_GET != 0 {
                    put_all(&[p]);
                }
                (1, p)
            }
        }
    }

    fn err(e: Error) -> c_long {
        errno_long(e)
    }

    #[test]
    fn holes_and_zero_pages() -> Result {
        let a = map(2, PROT_RW, PRIVATE)?;
        // SAFETY: Unmaps the second page of our own mapping.
        unsafe { bindings::vm_munmap(a + PAGE_SIZE, PAGE_SIZE) };
        let lock = ReadLocked::new();
        let (zero, _) = gup(a, 0, 0, true);
        let (hole, _) = gup(a + PAGE_SIZE, 1, 0, true);
        let (partial, pages) = gup(a, 2, 0, true);
        put_all(&pages);
        drop(lock);
        assert_eq!(zero, 0);
        assert_eq!(hole, err(EFAULT));
        // The first page (the zero page: read fault of an untouched page) and no error.
        assert_eq!(partial, 1);
        Ok(())
    }

    #[test]
    fn vma_permissions_and_force() -> Result {
        let none = map(1, PROT_NONE, PRIVATE)?;
        let ro = map(1, PROT_READ, PRIVATE)?;
        let ro_shared = map(1, PROT_READ, SHARED)?;
        let lock = ReadLocked::new();
        let (none_read, _) = gup(none, 1, 0, true);
        let (none_forced, p1) = gup(none, 1, bindings::FOLL_FORCE, true);
        put_all(&p1);
        let (ro_write, _) = gup(ro, 1, bindings::FOLL_WRITE, true);
        let (ro_forced, p2) = gup(ro, 1, bindings::FOLL_WRITE | bindings::FOLL_FORCE, true);
        // FOLL_FORCE broke COW: the page is an exclusive anonymous page.
        // SAFETY: `p2[0]` is referenced, or NULL.
        let cow = !p2[0].is_null() && unsafe { bindings::PageAnonExclusive(p2[0]) };
        put_all(&p2);
        let (shared_forced, _) = gup(
            ro_shared,
            1,
            bindings::FOLL_WRITE | bindings::FOLL_FORCE,
            true,
        );
        drop(lock);
        assert_eq!(none_read, err(EFAULT));
        assert_eq!(none_forced, 1);
        assert_eq!(ro_write, err(EFAULT));
        assert_eq!(ro_forced, 1);
        assert!(cow);
        // FOLL_FORCE does not write to shared mappings.
        assert_eq!(shared_forced, err(EFAULT));
        Ok(())
    }

    #[test]
    fn follow_page_results() -> Result {
        let a = map(1, PROT_RW, PRIVATE)?;
        let lock = ReadLocked::new();
        let vma = lock.vma(a).ok_or(EFAULT)?;
        let hole = follow(vma, a, 0).0;
        let hole_dump = follow(vma, a, bindings::FOLL_DUMP).0;
        // Read-fault the zero page in.
        let (faulted, _) = gup(a, 1, 0, false);
        let zero_dump = follow(vma, a, bindings::FOLL_DUMP).0;
        let (zero_get, zp) = follow(vma, a, bindings::FOLL_GET);
        // SAFETY: `zp` is the page just followed, or NULL.
        let is_zero = !zp.is_null() && unsafe { bindings::is_zero_page(zp) };
        // The zero page is not writable: following it for a write needs a fault.
        let zero_write = follow(vma, a, bindings::FOLL_WRITE).0;
        let (written, pages) = gup(a, 1, bindings::FOLL_WRITE, true);
        let (again, p) = follow(vma, a, bindings::FOLL_GET | bindings::FOLL_WRITE);
        put_all(&pages);
        drop(lock);
        assert_eq!(hole, 0);
        assert_eq!(hole_dump, EFAULT.to_errno());
        assert_eq!(faulted, 1);
        assert_eq!(zero_dump, EFAULT.to_errno());
        assert_eq!(zero_get, 1);
        assert!(is_zero);
        assert_eq!(zero_write, 0);
        assert_eq!(written, 1);
        assert_eq!(again, 1);
        assert!(p == pages[0]);
        Ok(())
    }

    #[test]
    fn madv_populate_errors() -> Result {
        let none = map(2, PROT_NONE, PRIVATE)?;
        // SAFETY: Unmaps the second page of our own mapping.
        unsafe { bindings::vm_munmap(none + PAGE_SIZE, PAGE_SIZE) };
        let lock = ReadLocked::new();
        let mut locked: c_int = 1;
        // SAFETY: The lock is held for read; it may be dropped (then `locked` is 0).
        let inaccessible =
            unsafe { faultin_page_range(lock.mm, none, none + PAGE_SIZE, false, &mut locked) };
        let still = locked;
        locked = 1;
        // SAFETY: As above.
        let hole = unsafe {
            faultin_page_range(
                lock.mm,
                none + PAGE_SIZE,
                none + 2 * PAGE_SIZE,
                false,
                &mut locked,
            )
        };
        let still2 = locked;
        drop(lock);
        // Errors keep the lock.
        assert_eq!((still, still2), (1, 1));
        // MADV_POPULATE_* reports an unsuitable VMA as EINVAL and a hole as ENOMEM.
        assert_eq!(inaccessible, err(EINVAL));
        assert_eq!(hole, err(ENOMEM));
        Ok(())
    }

    /// The `-EEXIST` contract: a present entry without a `struct page` (a special PTE in a
    /// `VM_MIXEDMAP` VMA, `vm_normal_page()` == NULL) can be faulted in but not returned.
    #[test]
    fn pfn_only_entry_gives_eexist() -> Result {
        let a = map(2, PROT_RW, PRIVATE)?;
        let target = Page::alloc_page(GFP_KERNEL)?;
        let mm = current_mm();
        let lock = ReadLocked::new();
        let (r0, p0) = gup(a, 1, bindings::FOLL_WRITE, true);
        put_all(&p0);
        drop(lock);
        // Turn the VMA into a mixed map and put a pfn-only entry at the second page; the first
        // stays a normal anonymous page.
        // SAFETY: The test's mm; the write lock is held while the VMA flags change.
        let vma = unsafe {
            bindings::mmap_write_lock(mm);
            let vma = bindings::vma_lookup(mm, a);
            if !vma.is_null() {
                bindings::vm_flags_set(vma, bindings::VM_MIXEDMAP);
            }
            bindings::mmap_write_unlock(mm);
            vma_from_c(vma)
        }
        .ok_or(EFAULT)?;
        let lock = ReadLocked::new();
        // SAFETY: `vma` is a VM_MIXEDMAP VMA of the locked mm; `target` outlives the mapping
        // (unmapped below before it is freed).
        let inserted = unsafe {
            bindings::vmf_insert_mixed(
                vma.as_ptr(),
                a + PAGE_SIZE,
                bindings::page_to_pfn(target.as_ptr()),
            )
        };
        let followed = follow(vma, a + PAGE_SIZE, 0).0;
        let followed_get = follow(vma, a + PAGE_SIZE, bindings::FOLL_GET).0;
        let (with_pages, _) = gup(a + PAGE_SIZE, 1, 0, true);
        let (partial, pp) = gup(a, 2, 0, true);
        put_all(&pp);
        let (no_pages, _) = gup(a, 2, 0, false);
        let mut pinned = [ptr::null_mut(); 1];
        // SAFETY: `pinned` has room for one entry.
        let pin = unsafe { crate::pin_user_pages(a + PAGE_SIZE, 1, 0, pinned.as_mut_ptr()) };
        // SAFETY: `vma` is valid under the lock and covers the range.
        let populated = unsafe { populate_vma_page_range(vma, a, a + 2 * PAGE_SIZE, None) };
        drop(lock);
        // SAFETY: Our own mapping; unmapped before `target` is freed.
        unsafe { bindings::vm_munmap(a, 2 * PAGE_SIZE) };
        drop(target);

        assert_eq!(r0, 1);
        assert_eq!(inserted, bindings::vm_fault_reason_VM_FAULT_NOPAGE);
        assert_eq!(followed, EEXIST.to_errno());
        assert_eq!(followed_get, EEXIST.to_errno());
        // A caller that wants pages fails on the entry ...
        assert_eq!(with_pages, err(EEXIST));
        assert_eq!(pin, err(EEXIST));
        assert!(pinned[0].is_null());
        // ... after the pages before it ...
        assert_eq!(partial, 1);
        // ... and one that only faults in is done with it.
        assert_eq!(no_pages, 2);
        assert_eq!(populated, 2);
        Ok(())
    }
}
