// SPDX-License-Identifier: GPL-2.0

//! The slow path's page-table walk: `follow_page_mask()` and its levels, the gate page, and the
//! `FOLL_*` rules on what an entry gives (`can_follow_write_*()`, `gup_must_unshare()`).
//!
//! C source this replaces: `follow_page_mask()` and everything it calls, and `get_gate_page()`,
//! in [`mm/gup.c`](srctree/mm/gup.c).
//!
//! The walk reads each level once, through the C accessors (which fold levels at run time on
//! x86-64 with 5-level paging and on arm64 with LPA2), and takes the page table lock of the level
//! where it finds the leaf. It is called with the mmap lock held, and between
//! `vma_pgtable_walk_begin()` and `vma_pgtable_walk_end()` for hugetlb's sake.

use kernel::{
    bindings,
    mm::pgtable::{
        self,
        P4d,
        Pgd,
        PgtableWalk,
        Pmd,
        PmdLocked,
        PmdSlot,
        PresentPte,
        Pte,
        PteLocked,
        Pud,
        PudEntry,
        PudLocked,
        PudSlot, //
    },
    mm::virt::VmaRef,
    prelude::*,
    vm_warn_on_once_folio, //
};

use crate::{
    basics::{
        MmapLocked,
        VmFlags, //
        HPAGE_PMD_NR,
        HPAGE_PUD_NR,
        PAGE_SHIFT,
        PMD_MASK,
        PUD_MASK,
    },
    flags::{
        Foll,
        FollFlags, //
    },
    folio::{
        Folio,
        FolioPage,
        PagePtr, //
    },
    pin, //
};

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

/// What following an address gave, in one word: a page, nothing (the caller must fault), or an
/// errno. It is the `struct page *` that C's `follow_page_mask()` returns: the page, NULL, or
/// `ERR_PTR()`.
///
/// Not a `Result<Option<PagePtr>>`: that is a tag beside a union of a pointer and a 32-bit
/// errno, and where the walk's levels merge their results LLVM splits the union's word into
/// halves and joins them again, on every page of the slow path (docs/bench.md, 2026-12-05).
#[derive(Clone, Copy)]
pub(crate) struct Followed(PagePtr);

impl Followed {
    /// No page: the caller must fault (C: NULL).
    pub(crate) const FAULT: Self = Self(core::ptr::null_mut());

    /// The page, referenced or pinned as the flags asked.
    #[inline(always)]
    pub(crate) fn page(page: PagePtr) -> Self {
        Self(page)
    }

    /// An error (C: `ERR_PTR()`).
    #[inline(always)]
    pub(crate) fn err(e: Error) -> Self {
        Self(e.to_ptr())
    }

    /// Whether the caller must fault.
    #[inline(always)]
    pub(crate) fn is_fault(self) -> bool {
        self.0.is_null()
    }

    /// The value as C gives it: the page, NULL, or `ERR_PTR()`.
    #[inline(always)]
    pub(crate) fn into_raw(self) -> PagePtr {
        self.0
    }

    /// The page (`Ok(Some)`), nothing to fault (`Ok(None)`), or the errno.
    #[inline(always)]
    pub(crate) fn get(self) -> Result<Option<PagePtr>> {
        let page = kernel::error::from_err_ptr(self.0)?;
        Ok((!page.is_null()).then_some(page))
    }
}

/// C: `is_cow_mapping()`.
#[inline]
pub(crate) fn is_cow_mapping(flags: VmFlags) -> bool {
    flags & (bindings::VM_SHARED | bindings::VM_MAYWRITE) == bindings::VM_MAYWRITE
}

/// Whether GUP may follow a PROT_NONE (NUMA hinting) entry, or must fault
/// (C: `gup_can_follow_protnone()`).
#[inline]
pub(crate) fn can_follow_protnone(vma: &VmaRef, flags: FollFlags) -> bool {
    // Callers that do not honor NUMA hinting faults follow such entries; and NUMA hinting does
    // not apply to inaccessible (PROT_NONE) VMAs, where a fault could not make progress.
    !flags.contains(Foll::HonorNumaFault) || !vma.is_accessible()
}

/// Whether the caller must unshare a shared anonymous page before pinning it read-only
/// (C: `gup_must_unshare()`); `vma` is `None` on GUP-fast. `page` is mapped by the entry being
/// followed.
pub(crate) fn must_unshare(vma: Option<&VmaRef>, flags: FollFlags, page: &FolioPage) -> bool {
    // A write access is handled by the entry being writable, and the page then being exclusive.
    if flags & (Foll::Write | Foll::Pin) != FollFlags::from(Foll::Pin) {
        return false;
    }
    // PageAnon() is stable while the page is referenced.
    if !page.is_anon() {
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
    !page.is_anon_exclusive()
}

/// The part of `can_follow_write_{pte,pmd,pud}()` common to all levels: may `FOLL_FORCE` write
/// through a read-only entry? (C: `can_follow_write_common()`.) `page` is what the entry maps,
/// if it has a `struct page`.
pub(crate) fn can_follow_write_common(
    page: Option<&FolioPage>,
    vma: &VmaRef,
    flags: FollFlags,
) -> bool {
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
    page.is_some_and(|p| p.is_anon() && p.is_anon_exclusive())
}

/// What a hole (no page table, or an empty entry) gives (C: `no_page_table()`).
///
/// [`Followed::FAULT`] makes the caller fault; `FOLL_DUMP` gets `EFAULT` instead where a fault
/// would surely give a zero-filled page, so that core dumps leave a hole without allocating.
pub(crate) fn no_page_table(vma: &VmaRef, flags: FollFlags, address: usize) -> Followed {
    if !flags.contains(Foll::Dump) {
        return Followed::FAULT;
    }
    if vma.is_hugetlb() {
        // SAFETY: `vma` is a valid hugetlb VMA, the mmap lock is held.
        if !unsafe { bindings::gup_hugetlb_pagecache_present(vma.as_ptr(), address) } {
            return Followed::err(EFAULT);
        }
    } else if vma.is_anonymous() || !vma.has_fault_handler() {
        return Followed::err(EFAULT);
    }
    Followed::FAULT
}

/// Follows a PUD leaf (hugetlb or device-dax) with the PUD lock held (C: `follow_huge_pud()`).
pub(crate) fn follow_huge_pud(
    locked: &PudLocked<'_>,
    flags: FollFlags,
    page_mask: &mut usize,
) -> Followed {
    if !cfg!(CONFIG_PGTABLE_HAS_HUGE_LEAVES) {
        return Followed::FAULT;
    }
    let vma = locked.slot().vma();
    let addr = locked.slot().addr();
    let pud = locked.read();
    if !pud.is_present() {
        return Followed::FAULT;
    }
    // A pfn-only leaf: as in `follow_huge_pmd()`.
    if pud.is_special() {
        return Followed::err(EEXIST);
    }
    let pfn = pud.pfn();
    let pud_write = pud.is_write();
    if flags.contains(Foll::Write) && !pud_write {
        // SAFETY: `pud` is a present leaf that is not pfn-only: its pfn has a memmap, and the
        // PUD lock keeps the folio it maps referenced.
        let head = unsafe { FolioPage::from_raw(pgtable::pfn_to_page(pfn)) };
        if !can_follow_write_common(Some(head), vma, flags) {
            return Followed::FAULT;
        }
    }
    let pfn = pfn + ((addr & !PUD_MASK) >> PAGE_SHIFT);
    // SAFETY: `pfn` is inside the leaf, whose pages have a memmap; the PUD lock keeps the folio
    // mapped by the leaf referenced while it is used here.
    let page = unsafe { FolioPage::from_raw(pgtable::pfn_to_page(pfn)) };
    if !pud_write && must_unshare(Some(vma), flags, page) {
        return Followed::err(EMLINK);
    }
    if let Err(e) = pin::try_grab_folio(page.folio(), 1, flags) {
        return Followed::err(e);
    }
    *page_mask = HPAGE_PUD_NR - 1;
    Followed::page(page.as_ptr())
}

/// Follows a PMD leaf (THP or hugetlb) with the PMD lock held (C: `follow_huge_pmd()`).
#[inline(always)]
pub(crate) fn follow_huge_pmd(
    locked: &PmdLocked<'_>,
    flags: FollFlags,
    page_mask: &mut usize,
) -> Followed {
    if !cfg!(CONFIG_PGTABLE_HAS_HUGE_LEAVES) {
        return Followed::FAULT;
    }
    let vma = locked.slot().vma();
    let addr = locked.slot().addr();
    let pmd = locked.read();
    // A pfn-only leaf (a huge pfnmap, where `vm_normal_page_pmd()` is NULL) has no `struct page`
    // to return. GUP does not walk the VM_PFNMAP VMAs that have them (`check_vma_flags()`), but
    // `follow_page()` may be called on any VMA; C's `follow_huge_pmd()` would take `pmd_page()`
    // of such a leaf, outside the memmap.
    if pmd.is_special() && !pmd.is_huge_zero() {
        return Followed::err(EEXIST);
    }
    // SAFETY: A present leaf that is not pfn-only maps a folio (the huge zero folio included),
    // whose pages are in the memmap; the PMD lock keeps it mapped, hence referenced.
    let page = unsafe { FolioPage::from_raw(pmd.page()) };
    let pmd_write = pmd.is_write();
    if flags.contains(Foll::Write) && !pmd_write {
        let ok = can_follow_write_common(Some(page), vma, flags)
            // SAFETY: `vma` is locked and `pmd` one of its entries.
            && unsafe {
                !bindings::pmd_needs_soft_dirty_wp(vma.as_ptr(), pmd.into_raw())
                    && !bindings::userfaultfd_huge_pmd_wp(vma.as_ptr(), pmd.into_raw())
            };
        if !ok {
            return Followed::FAULT;
        }
    }
    // Core dumps skip the huge zero page.
    if flags.contains(Foll::Dump) && pmd.is_huge_zero() {
        return Followed::err(EFAULT);
    }
    if pmd.is_protnone() && !can_follow_protnone(vma, flags) {
        return Followed::FAULT;
    }
    if !pmd_write && must_unshare(Some(vma), flags, page) {
        return Followed::err(EMLINK);
    }
    let folio = page.folio();
    vm_warn_on_once_folio!(
        flags.contains(Foll::Pin) && folio.is_anon() && !page.is_anon_exclusive(),
        folio,
        page.index_in_folio()
    );
    if let Err(e) = pin::try_grab_folio(folio, 1, flags) {
        return Followed::err(e);
    }

    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    if pmd.is_trans_huge() && flags.contains(Foll::Touch) {
        // SAFETY: The entry is `addr`'s in `vma`, a THP leaf, and locked (`locked`); the mmap
        // lock is held (type invariants of `PmdLocked` and `PmdSlot`).
        unsafe {
            bindings::touch_pmd(
                vma.as_ptr(),
                addr,
                locked.slot().as_ptr(),
                flags.contains(Foll::Write),
            )
        };
    }

    *page_mask = HPAGE_PMD_NR - 1;
    // The leaf maps HPAGE_PMD_NR pages, contiguous in the memmap, and `addr` is inside: the
    // subpage's address does not wrap.
    Followed::page(page.as_ptr().wrapping_add((addr & !PMD_MASK) >> PAGE_SHIFT))
}

/// A present entry without a `struct page` (C: `follow_pfn_pte()`): marks it young (and dirty
/// for a write) with `FOLL_TOUCH`, and gives `EEXIST`.
#[inline(always)]
pub(crate) fn follow_pfn_pte(pte: &PteLocked<'_>, flags: FollFlags) -> Error {
    if flags.contains(Foll::Touch) {
        let orig = pte.read();
        let mut entry = orig;
        if flags.contains(Foll::Write) {
            entry = entry.mkdirty();
        }
        entry = entry.mkyoung();
        if !orig.same(entry) {
            // SAFETY: `pte` is the entry of `pte.addr()` in `pte.vma()` (of mm `pte.mm()`),
            // mapped and locked (type invariant of `PteLocked`); the new value is the entry's
            // own with the young (and dirty) bit set, which maps nothing new.
            unsafe {
                bindings::set_pte_at(pte.mm(), pte.addr(), pte.as_ptr(), entry.into_raw());
                bindings::update_mmu_cache(pte.vma().as_ptr(), pte.addr(), pte.as_ptr());
            }
        }
    }
    // A proper page table entry exists, but no corresponding struct page.
    EEXIST
}

/// The PTE level of the walk (C: `follow_page_pte()`).
#[inline(always)]
pub(crate) fn follow_page_pte(pmd: &PmdSlot<'_>, flags: FollFlags) -> Followed {
    let vma = pmd.vma();
    let address = pmd.addr();
    let Some(locked) = pmd.map_lock() else {
        return no_page_table(vma, flags, address);
    };
    let pte = match locked.read_present() {
        Ok(entry) if !entry.value().is_protnone() || can_follow_protnone(vma, flags) => {
            return follow_present_pte(&entry, flags);
        }
        Ok(entry) => entry.value(),
        Err(pte) => pte,
    };
    drop(locked);
    if !pte.is_none() {
        return Followed::FAULT;
    }
    no_page_table(vma, flags, address)
}

/// [`follow_page_pte`] for a present entry, with its table mapped and locked.
#[inline(always)]
pub(crate) fn follow_present_pte(entry: &PresentPte<'_>, flags: FollFlags) -> Followed {
    let locked = entry.locked();
    let vma = locked.vma();
    let pte = entry.value();
    let normal = entry.normal_page();
    let pte_write = pte.is_write();

    // Only anonymous pages matter to can_follow_write_pte().
    if flags.contains(Foll::Write) && !pte_write {
        let ok = can_follow_write_common(normal, vma, flags)
            && !entry.needs_soft_dirty_wp()
            && !entry.is_uffd_wp();
        if !ok {
            return Followed::FAULT;
        }
    }

    let page = match normal {
        Some(page) => page,
        // Core dumps skip special pages, the zero page included.
        None if flags.contains(Foll::Dump) => return Followed::err(EFAULT),
        None => match pte.zero_page() {
            Some(zero) => zero,
            None => return Followed::err(follow_pfn_pte(locked, flags)),
        },
    };
    let folio = page.folio();

    if !pte_write && must_unshare(Some(vma), flags, page) {
        return Followed::err(EMLINK);
    }
    vm_warn_on_once_folio!(
        flags.contains(Foll::Pin) && folio.is_anon() && !page.is_anon_exclusive(),
        folio,
        page.index_in_folio()
    );

    // Does nothing unless FOLL_GET or FOLL_PIN is set.
    if let Err(e) = pin::try_grab_folio(folio, 1, flags) {
        return Followed::err(e);
    }

    // Make the page accessible if and only if its content is going to be accessed (FOLL_PIN);
    // see Documentation/core-api/pin_user_pages.rst.
    if flags.contains(Foll::Pin) {
        if let Err(e) = folio.make_accessible() {
            // SAFETY: The pin was taken just above.
            unsafe { pin::put_folio(folio, 1, flags) };
            return Followed::err(e);
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
    Followed::page(page.as_ptr())
}

/// The PMD level (C: `follow_pmd_mask()`), from the PMD entry of a PUD table.
///
/// The PTE level is called from one place (C has three), so that it can be inlined here: it is
/// where the walk of a PTE-mapped page spends its time.
#[inline(always)]
pub(crate) fn follow_pmd_mask(
    pmd: &PmdSlot<'_>,
    flags: FollFlags,
    page_mask: &mut usize,
) -> Followed {
    // Read once, without the lock.
    let pmdval = pmd.read_lockless();
    if pmdval.is_none() || !pmdval.is_present() {
        return no_page_table(pmd.vma(), flags, pmd.addr());
    }
    if pmdval.is_leaf() {
        if let PmdLeaf::Done(page) = follow_pmd_leaf(pmd, pmdval, flags, page_mask) {
            return page;
        }
    }
    follow_page_pte(pmd, flags)
}

/// What [`follow_pmd_leaf`] found.
enum PmdLeaf {
    /// The leaf's page, or why not.
    Done(Followed),
    /// The entry is a table (now, or after a split): look at the PTE level.
    PteLevel,
}

/// [`follow_pmd_mask`] for a PMD entry read as a present leaf.
#[inline(always)]
fn follow_pmd_leaf(
    pmd: &PmdSlot<'_>,
    pmdval: Pmd,
    flags: FollFlags,
    page_mask: &mut usize,
) -> PmdLeaf {
    let vma = pmd.vma();
    let address = pmd.addr();
    if pmdval.is_protnone() && !can_follow_protnone(vma, flags) {
        return PmdLeaf::Done(no_page_table(vma, flags, address));
    }

    let locked = pmd.lock();
    let pmdval = locked.read();
    if !pmdval.is_present() {
        drop(locked);
        return PmdLeaf::Done(no_page_table(vma, flags, address));
    }
    if !pmdval.is_leaf() {
        drop(locked);
        return PmdLeaf::PteLevel;
    }
    if pmdval.is_trans_huge() && flags.contains(Foll::SplitPmd) {
        drop(locked);
        // SAFETY: `pmd` is `address`'s PMD entry in `vma`, whose mm's mmap lock is held (type
        // invariant of `PmdSlot`).
        unsafe { bindings::split_huge_pmd(vma.as_ptr(), pmd.as_ptr(), address) };
        // If the split left the PMD empty, put a page table in quickly.
        if let Err(e) = pmd.pte_alloc() {
            return PmdLeaf::Done(Followed::err(e));
        }
        return PmdLeaf::PteLevel;
    }
    let page = follow_huge_pmd(&locked, flags, page_mask);
    drop(locked);
    PmdLeaf::Done(page)
}

/// The PUD level (C: `follow_pud_mask()`).
#[inline(always)]
pub(crate) fn follow_pud_mask(
    pud: &PudSlot<'_>,
    flags: FollFlags,
    page_mask: &mut usize,
) -> Followed {
    let vma = pud.vma();
    let address = pud.addr();
    match pud.classify() {
        PudEntry::Hole => no_page_table(vma, flags, address),
        PudEntry::Leaf => {
            let locked = pud.lock();
            let page = follow_huge_pud(&locked, flags, page_mask);
            drop(locked);
            if page.is_fault() {
                return no_page_table(vma, flags, address);
            }
            page
        }
        PudEntry::Table(pmd) => follow_pmd_mask(&pmd, flags, page_mask),
    }
}

/// Looks up the page mapped at `address` in `vma`, taking a reference or a pin as `flags` say
/// (C: `follow_page_mask()`).
///
/// Returns the page (for a huge leaf the exact subpage, with `*page_mask` set to the number of
/// pages of the leaf minus one); [`Followed::FAULT`] if the caller must fault (no mapping, not
/// present, PROT_NONE to be faulted, a write that cannot be followed); or an error: `EFAULT` for
/// `FOLL_DUMP` on a hole or the zero page, `EEXIST` for an entry without a `struct page`,
/// `EMLINK` when a shared anonymous page must be unshared first (`FOLL_PIN` without
/// `FOLL_WRITE`), or what taking the reference gave.
///
/// # Safety
///
/// The caller must hold the mmap lock of `vma`'s mm, and `address` must be in `vma`.
///
/// Inlined into the walk of the slow path, as in C, where it is `static` with one caller; the
/// exported `follow_page()` gets its own copy.
#[inline(always)]
pub(crate) unsafe fn follow_page_mask(
    vma: &VmaRef,
    address: usize,
    flags: FollFlags,
    page_mask: &mut usize,
) -> Followed {
    // Takes the hugetlb VMA lock for hugetlb VMAs.
    // SAFETY: The mmap lock is held and `address` is in `vma`, by the caller's guarantee.
    let walk = unsafe { PgtableWalk::begin(vma, address) };
    *page_mask = 0;
    let page = match walk.pgd().p4d() {
        // P4D leaves do not exist on the architectures this code supports.
        Some(p4d) => match p4d.pud() {
            Some(pud) => follow_pud_mask(&pud, flags, page_mask),
            None => no_page_table(vma, flags, address),
        },
        None => no_page_table(vma, flags, address),
    };
    drop(walk);
    page
}

/// Follows an address in the gate area (the x86-64 vsyscall page), which has no VMA in the mm
/// (C: `get_gate_page()`).
///
/// Returns the gate VMA and, if `want_page`, the page with a reference or pin taken per `flags`;
/// `EFAULT` for an address outside the gate area.
pub(crate) fn get_gate_page<'l>(
    lock: &'l MmapLocked<'_>,
    address: usize,
    flags: FollFlags,
    want_page: bool,
) -> Result<(&'l VmaRef, Option<PagePtr>)> {
    // User gate pages are read-only.
    if flags.contains(Foll::Write) || !lock.in_gate_area(address) {
        return Err(EFAULT);
    }
    // SAFETY: The mm is valid and its page tables stay while the mmap lock is held (`lock`'s
    // invariant); every pointer is followed only after its entry was checked to be present, and
    // in the gate area no level above the PTE is a leaf.
    unsafe {
        let pgdp = bindings::pgd_offset(lock.as_raw(), address);
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
        let result = gate_pte(lock, address, Pte::read(ptep), flags, want_page);
        bindings::pte_unmap(ptep);
        result
    }
}

/// [`get_gate_page`] once the PTE is read.
///
/// # Safety
///
/// `entry` is the PTE of the gate area at `address`, read from a table still mapped.
unsafe fn gate_pte<'l>(
    lock: &'l MmapLocked<'_>,
    address: usize,
    entry: Pte,
    flags: FollFlags,
    want_page: bool,
) -> Result<(&'l VmaRef, Option<PagePtr>)> {
    if entry.is_none() {
        return Err(EFAULT);
    }
    let vma = lock.gate_vma().ok_or(EFAULT)?;
    if !want_page {
        return Ok((vma, None));
    }
    // SAFETY: `vma` is the gate VMA and `entry` its PTE.
    let mut page = unsafe { bindings::vm_normal_page(vma.as_ptr(), address, entry.into_raw()) };
    if page.is_null() {
        if flags.contains(Foll::Dump) {
            return Err(EFAULT);
        }
        page = entry.zero_page().ok_or(EFAULT)?.as_ptr();
    }
    // SAFETY: The gate page and the zero page are never freed.
    pin::try_grab_folio(unsafe { Folio::from_page(page) }, 1, flags)?;
    Ok((vma, Some(page)))
}
