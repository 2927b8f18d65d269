// SPDX-License-Identifier: GPL-2.0

//! GUP-fast: the lockless page-table walk behind `get_user_pages_fast()`,
//! `get_user_pages_fast_only()` and `pin_user_pages_fast()`.
//!
//! C original: the GUP-fast part of `mm/gup.c` (`try_grab_folio_fast()`, `gup_fast_*()`,
//! `gup_fast_fallback()`).
//!
//! The walk takes no lock. It runs with interrupts disabled, which keeps the page tables it
//! walks from being freed under it: freeing them either waits for an IPI that cannot be
//! delivered, or for an RCU-sched grace period that cannot end, while interrupts are off (see
//! `struct mmu_table_batch` in `include/asm-generic/tlb.h`). RCU alone is not enough, because
//! `tlb_remove_table_sync_one()` relies on the IPI. The same holds off THP splits, which
//! broadcast an IPI.
//!
//! Each entry is read once, locklessly, into a local copy; the level below is reached from the
//! copy (`p?d_offset_lockless()`, which on folded levels points into that copy, so the copy lives
//! until the walk below it returns). A folio is grabbed first and its entries re-read afterwards:
//! if the PMD or the PTE changed in between (a concurrent zap, THP collapse or migration), the
//! reference is dropped and the walk stops. Anything GUP-fast cannot decide without the VMA
//! (PROT_NONE, special entries, the access rights, file-backed long-term pins, unsharing) stops
//! the walk too; [`gup_fast_fallback`] then finishes the range with the slow path.
//!
//! A pin races with `fork()`, which write-protects anonymous pages to share them with the child:
//! a page pinned while it happens could end up shared, and a later write by the parent would
//! then go to a copy the pin does not see. `FOLL_PIN` walks therefore run inside a read section
//! of `mm->write_protect_seq`, which `copy_page_range()` writes, and give every pin back if it
//! changed.
//!
//! Nothing between `local_irq_save()` and `local_irq_restore()` may sleep, allocate or panic:
//! there is no indexing, no `unwrap()` and no arithmetic that could overflow-check there.
//! Address arithmetic wraps (the range is below `TASK_SIZE_MAX`, checked before the walk), and
//! the page array is written through [`Out`], which ends the walk rather than write past the
//! room the caller gave.

use kernel::{
    bindings,
    ffi::{
        c_long,
        c_ulong, //
    },
    mm::pgtable::{
        self,
        P4d, //
        Pgd,
        Pmd,
        Pte,
        Pud,
    },
    prelude::*,
    vm_warn_on_once,
    warn_on_once, //
};

use crate::{
    basics::{
        self,
        MmPtr,
        PAGE_MASK,
        PAGE_SHIFT,
        PAGE_SIZE,
        PMD_MASK,
        PUD_MASK, //
    },
    flags::{
        Foll,
        FollFlags,
        FAST_ALLOWED, //
    },
    folio::{
        Folio,
        FolioPage,
        PagePtr, //
    },
    pin::{
        self,
        PinnedPages, //
    },
    walk,
};

/// The caller's page array, as GUP-fast fills it with interrupts off.
///
/// The walk goes through `[start, end)` in order, one entry per page, and stops at the first
/// page it cannot take: when it is at `addr`, `next` is the entry for `addr`, and whatever lies
/// in `[addr, end)` has room. The walk relies on that instead of checking for room at every page
/// (C does not check either); debug builds (`CONFIG_RUST_DEBUG_ASSERTIONS`) check it. Only
/// `next` is carried through the walk (one register in its loops); the count is worked out at
/// the end from where it got to.
///
/// # Invariants
///
/// `next <= limit`, both in or one past the end of the same array, and the entries from `next`
/// to `limit` are valid for writing.
struct Out {
    next: *mut PagePtr,
    limit: *mut PagePtr,
}

impl Out {
    /// The entries left.
    #[inline(always)]
    fn room(&self) -> usize {
        // No wrap: `next <= limit` by the type invariant.
        (self.limit as usize).wrapping_sub(self.next as usize) / core::mem::size_of::<PagePtr>()
    }

    /// Returns `true` if `n` more entries fit.
    #[inline(always)]
    fn has_room(&self, n: usize) -> bool {
        self.room() >= n
    }

    /// Counts `n` entries written from `next` on by other means.
    ///
    /// # Safety
    ///
    /// `has_room(n)` must be true, and the `n` entries from `next` written.
    #[inline(always)]
    unsafe fn add(&mut self, n: usize) {
        // INVARIANT: `next + n <= limit`, by the caller's guarantee.
        self.next = self.next.wrapping_add(n);
    }

    /// Appends the `n` consecutive pages starting at `page`.
    ///
    /// # Safety
    ///
    /// `has_room(n)` must be true, and the `n` pages must be pages of one folio.
    #[inline(always)]
    unsafe fn push_run(&mut self, page: PagePtr, n: usize) {
        let mut i = 0;
        // Eight at a time while there are: for a PMD leaf (512 pages) this loop is most of what
        // GUP-fast does, and the compiler unrolls the plain loop below only by four. Counting up
        // to a precomputed bound keeps the loop to one index, as C's.
        let whole = n & !7;
        while i != whole {
            let mut k = 0;
            while k < 8 {
                let at = i.wrapping_add(k);
                // SAFETY: `at < n`, so `next + at < next + n <= limit`: valid for writing by the
                // type invariant.
                unsafe { self.next.wrapping_add(at).write(page.wrapping_add(at)) };
                k = k.wrapping_add(1);
            }
            i = i.wrapping_add(8);
        }
        while i != n {
            // SAFETY: `next + i < next + n <= limit`: valid for writing by the type invariant.
            unsafe { self.next.wrapping_add(i).write(page.wrapping_add(i)) };
            i = i.wrapping_add(1);
        }
        // INVARIANT: `next + n <= limit`, by the caller's guarantee.
        self.next = self.next.wrapping_add(n);
    }

    /// The number of entries written since `first`, where `next` started.
    #[inline(always)]
    fn count(&self, first: *mut PagePtr) -> usize {
        (self.next as usize).wrapping_sub(first as usize) / core::mem::size_of::<PagePtr>()
    }
}

/// Takes `refs` references on the folio of `page` unless its count is zero, and rechecks that
/// `page` still belongs to that folio (C: `try_get_folio()`).
///
/// Between `page_folio()` and the reference, the folio may have been split or freed and reused;
/// once the reference is held the folio is stable, and a page that moved to another folio makes
/// us drop the reference and start again.
///
/// # Safety
///
/// `page` must be a `struct page` of the memmap (its folio may be freed concurrently).
/// Interrupts must be disabled.
#[inline(always)]
unsafe fn try_get_folio<'a>(page: PagePtr, refs: i32) -> Option<&'a Folio> {
    loop {
        // SAFETY: `page` is a memmap entry, which stays valid while interrupts are off (memory
        // hot-unplug synchronizes with GUP-fast like page-table freeing does).
        let folio = unsafe { bindings::page_folio(page) };
        // SAFETY: `folio` is the head of a memmap entry, readable even if the folio is free.
        let count = unsafe { bindings::folio_ref_count(folio) };
        if warn_on_once!(count < 0) {
            return None;
        }
        // SAFETY: As above; the add fails on a zero count, so a freed folio is left alone.
        if !unsafe { bindings::folio_ref_try_add(folio, refs) } {
            return None;
        }
        // SAFETY: We hold `refs` references on `folio`, so it cannot be freed or split now.
        if unsafe { bindings::page_folio(page) } != folio {
            // SAFETY: The references were taken just above.
            unsafe { bindings::folio_put_refs(folio, refs) };
            continue;
        }
        // SAFETY: `folio` is valid and referenced by us until the caller gives the references
        // back.
        return Some(unsafe { Folio::from_raw(folio) });
    }
}

/// Takes `refs` references (`FOLL_GET`) or pins (`FOLL_PIN`) on the folio of `page`
/// (C: `try_grab_folio_fast()`).
///
/// Returns `None`, with nothing taken, if the folio is being freed, if it is a P2PDMA page
/// without `FOLL_PCI_P2PDMA`, or for a `FOLL_LONGTERM` pin of a folio that may not be pinned
/// long-term (CMA, ZONE_MOVABLE, ...: the slow path migrates it). The shared zero page is never
/// pinned. With neither `FOLL_GET` nor `FOLL_PIN` it warns (a caller bug) and fails.
///
/// # Safety
///
/// `page` must be a page mapped by an entry just read from the current mm's page tables, with
/// interrupts disabled since; `refs` positive. The folio returned is borrowed for as long as the
/// caller holds what was taken.
#[inline(always)]
unsafe fn try_grab_folio_fast<'a>(page: PagePtr, refs: i32, flags: FollFlags) -> Option<&'a Folio> {
    // SAFETY: Reads the interrupt state.
    vm_warn_on_once!(!unsafe { bindings::irqs_disabled() });

    if warn_on_once!(!flags.has_any(Foll::Get | Foll::Pin)) {
        return None;
    }
    // SAFETY: `page` is a memmap entry, by the caller's guarantee.
    if !flags.contains(Foll::PciP2pdma) && unsafe { bindings::is_pci_p2pdma_page(page) } {
        return None;
    }
    if flags.contains(Foll::Get) {
        // SAFETY: By the caller's guarantee.
        return unsafe { try_get_folio(page, refs) };
    }

    // FOLL_PIN. The zero page is not going anywhere and is used in a *lot* of places: it is
    // returned without a pin (and the unpin side skips it too).
    // SAFETY: `page` is a memmap entry; only its address is compared.
    if unsafe { bindings::is_zero_page(page) } {
        // SAFETY: The zero page is never freed.
        return Some(unsafe { Folio::from_page(page) });
    }
    // SAFETY: By the caller's guarantee.
    let folio = unsafe { try_get_folio(page, refs) }?;

    // A long-term pin of a folio in the wrong zone needs the slow path, which migrates it.
    if flags.contains(Foll::Longterm) && !folio.is_longterm_pinnable() {
        // SAFETY: The references were taken just above.
        unsafe { folio.put_refs(refs) };
        return None;
    }

    // SAFETY: `refs > 0` references were just taken.
    unsafe { count_pins(folio, refs) };
    Some(folio)
}

/// Turns `refs` references just taken on `folio` into pins, as GUP-fast counts them.
///
/// A large folio counts pins exactly in `_pincount`, keeping the references (at least one normal
/// reference, so that the folio really is pinned); a small one counts `GUP_PIN_COUNTING_BIAS`
/// references per pin.
///
/// # Safety
///
/// The caller must have just taken `refs > 0` references on `folio`.
#[inline(always)]
unsafe fn count_pins(folio: &Folio, refs: i32) {
    if folio.has_pincount() {
        // SAFETY: The folio has `_pincount`; each new pin has its reference, taken by the
        // caller.
        unsafe { folio.pincount_add(refs) };
    } else {
        // SAFETY: `refs > 0`: a pin of a small folio is `PIN_BIAS` references, one of which
        // the caller took.
        unsafe { folio.ref_add(refs.wrapping_mul(pin::PIN_BIAS - 1)) };
    }
    // The pin count must be visible before the entries are re-read: a full barrier, paired with
    // the one in folio_try_share_anon_rmap_*().
    kernel::sync::barrier::smp_mb_after_atomic();

    folio.node_stat_mod(bindings::node_stat_item_NR_FOLL_PIN_ACQUIRED, refs);
}

/// Returns `true` if GUP-fast may keep `folio`, which it holds, without looking at the VMA
/// (C: `gup_fast_folio_allowed()`).
///
/// GUP-fast must refuse secretmem folios, and a long-term writable pin of a file-backed folio
/// that needs dirty tracking (see `writable_file_mapping_allowed()` in the slow path). Without
/// the VMA it cannot be as thorough as the slow path, so it accepts the known good cases and
/// leaves anything else to the slow path.
///
/// Context: interrupts disabled, with the folio still mapped by the entry just re-checked.
#[inline(always)]
fn folio_allowed(folio: &Folio, flags: FollFlags) -> bool {
    // Without a pin, no problematic write can occur; a long-term pin is the egregious case.
    let reject_file_backed = flags.has_all(Foll::Pin | Foll::Longterm | Foll::Write);
    // secretmem folios are always order 0.
    let check_secretmem = cfg!(CONFIG_SECRETMEM) && !folio.is_large();
    !(reject_file_backed || check_secretmem)
        || folio_allowed_mapping(folio, reject_file_backed, check_secretmem)
}

/// The part of [`folio_allowed`] that looks at the folio's mapping: every page of a long-term
/// writable pin (io_uring, RDMA, VFIO) goes through it, inlined; the PTE loop skips it for the
/// other flags (see [`keep_needs_checks`]).
#[inline(always)]
fn folio_allowed_mapping(folio: &Folio, reject_file_backed: bool, check_secretmem: bool) -> bool {
    if warn_on_once!(folio.is_slab()) {
        return false;
    }
    // hugetlb needs no dirty tracking and cannot be secretmem.
    if folio.is_hugetlb() {
        return true;
    }

    // Inodes, and with them their mappings, are freed under RCU, whose grace periods cannot end
    // while interrupts are off: the mapping may be dereferenced. It may still change (truncation),
    // so it is read once.
    if cfg!(CONFIG_PROVE_LOCKING) {
        // SAFETY: A lockdep check.
        unsafe { bindings::lockdep_assert_irqs_disabled() };
    }
    // SAFETY: `folio` is referenced.
    let mapping = unsafe { bindings::gup_folio_mapping_once(folio.as_ptr()) };
    // Truncated: the slow path decides.
    if mapping == 0 {
        return false;
    }
    // CAST: The low bits of `folio->mapping` tag anonymous and KSM folios.
    let tag = mapping & bindings::FOLIO_MAPPING_FLAGS as c_ulong;
    if tag != 0 {
        return tag & bindings::FOLIO_MAPPING_ANON as c_ulong != 0;
    }
    // An untagged, non-NULL value is a `struct address_space` pointer.
    let mapping = mapping as *mut bindings::address_space;
    // SAFETY: `mapping` cannot be freed while interrupts are off (see above).
    if check_secretmem && unsafe { bindings::secretmem_mapping(mapping) } {
        return false;
    }
    // The only file system allowed to be pinned long-term and writable here is shmem.
    // SAFETY: As above.
    !reject_file_backed || unsafe { bindings::shmem_mapping(mapping) }
}

/// Returns `false` if [`keep_folio`] keeps every folio with these flags: without a long-term
/// writable pin (no file-backed folio to refuse), secretmem, or a read-only pin (no page to
/// unshare). Worked out once per call, so that the PTE loop and the leaves test one value for
/// the common cases (references, writable pins).
#[inline(always)]
fn keep_needs_checks(flags: FollFlags) -> bool {
    // A pin that is read-only (unsharing) or long-term (file-backed folios): the same as
    // `has_all(Pin | Longterm | Write) || Pin without Write`, in fewer instructions, as the
    // compiler computes it once at the entry of GUP-fast, whatever the call.
    cfg!(CONFIG_SECRETMEM)
        || flags.contains(Foll::Pin)
            && flags & (Foll::Write | Foll::Longterm) != FollFlags::from(Foll::Write)
}

/// The checks shared by the PTE and leaf cases once the folio is grabbed and the entry found
/// unchanged: `true` if the folio may be kept. Always `true` where [`keep_needs_checks`] is
/// `false`.
///
/// # Safety
///
/// `page` must be a page of `folio`, which the caller grabbed with `flags`.
#[inline(always)]
unsafe fn keep_folio(folio: &Folio, page: PagePtr, writable: bool, flags: FollFlags) -> bool {
    if !folio_allowed(folio, flags) {
        return false;
    }
    if writable {
        return true;
    }
    // A R/O pin of an anonymous page that is not exclusive would need unsharing: a fault.
    // SAFETY: `page` is a page of `folio`, which the caller grabbed: referenced, and not split
    // while the reference lasts.
    !walk::must_unshare(None, flags, unsafe { FolioPage::from_raw(page) })
}

/// The most PTEs whose pages [`pte_range`] grabs with one reference update.
const PTE_BATCH: usize = 16;

/// Returns `true` if GUP-fast may follow the PTE `pte` at all: not PROT_NONE, access permitted
/// for `write`, not special (special entries have no struct page to grab).
///
/// PROT_NONE always goes to the slow path: `pte_access_permitted()` should reject it anyway, or
/// GUP-fast could succeed where the slow path fails for the VMA's rights.
#[inline(always)]
fn pte_followable(pte: Pte, write: bool) -> bool {
    !pte.is_protnone() && pte.access_permitted(write) && !pte.is_special()
}

/// A page that [`pte_range`] took and keeps: the PTE it was read from and its folio.
#[derive(Clone, Copy)]
struct Taken<'a> {
    pte: Pte,
    page: PagePtr,
    folio: &'a Folio,
}

/// Counts the PTEs from `ptep` on that map the pages after the page `taken` in its folio with
/// the same rights, at most `max`, and stores their values in `vals` for the re-check.
///
/// # Safety
///
/// `taken.pte` must have been read from the entry before `ptep`, and map `taken.page`, a page of
/// the held `taken.folio`; the `max` entries from `ptep` on must lie in the page table being
/// walked, with interrupts disabled since the walk began.
#[inline(always)]
unsafe fn pte_batch(
    ptep: *mut bindings::pte_t,
    taken: &Taken<'_>,
    write: bool,
    max: usize,
    vals: &mut [u64; PTE_BATCH],
) -> usize {
    let Taken { pte, page, folio } = *taken;
    // SAFETY: `page` is a page of `folio`, by the caller's guarantee.
    let idx = unsafe { folio.page_idx(page) };
    // The pages after `page` in the folio.
    let max = max.min(folio.nr_pages().saturating_sub(idx).saturating_sub(1));
    let (pfn, writable) = (pte.pfn(), pte.is_write());
    let mut n = 0;
    while n < max {
        // SAFETY: `n < max`: the entry is in the page table, by the caller's guarantee.
        let next = unsafe { Pte::read_lockless(ptep.wrapping_add(n)) };
        let same = next.pfn() == pfn.wrapping_add(n).wrapping_add(1) && next.is_write() == writable;
        if !same || !pte_followable(next, write) {
            break;
        }
        match vals.get_mut(n) {
            Some(v) => *v = next.val(),
            None => break,
        }
        n = n.wrapping_add(1);
    }
    n
}

/// Adds `refs` references or pins to the large `folio`, which GUP-fast already holds with
/// `flags` (C: the part of `try_grab_folio_fast()` after the first reference).
///
/// # Safety
///
/// `refs` must be positive; the caller owns what is added.
#[inline(always)]
unsafe fn add_refs(folio: &Folio, refs: i32, flags: FollFlags) {
    // SAFETY: `refs > 0`, held by the caller, which holds the folio already.
    unsafe { folio.ref_add(refs) };
    if flags.contains(Foll::Pin) {
        // SAFETY: The `refs` references were just taken.
        unsafe { count_pins(folio, refs) };
    }
}

/// Takes the pages after `page` in its large folio that the PTEs from `ptep` on map, with one
/// reference update for all of them: the PTE loop's fast way through a PTE-mapped large folio.
/// Returns how many it kept (at most `max`), and `false` if the walk must stop after them.
///
/// The entries are read first, then the references taken, then the PMD and each entry checked
/// again, in order; the pages kept are those before the first entry that changed (or the first
/// page that would need unsharing), where the page-by-page walk would have stopped too. An
/// entry that does not continue the run (another folio, other rights) is left to that walk.
///
/// # Safety
///
/// As for [`pte_batch`]; `pmdp` is the entry `pmd` was read from, and the caller holds the folio
/// with `flags` through the page `taken`, which it already keeps (so the folio-wide checks were
/// made). `dst` must be valid for writing `max` entries.
///
/// Not inlined: the PTE loop's registers are better spent on the common case, a page of a small
/// folio, and a run amortises the call over up to [`PTE_BATCH`] pages. It writes the pages at
/// `dst` and the caller counts them, so that the walk's [`Out`] never has its address taken
/// and stays in registers.
#[inline(never)]
unsafe fn pte_run(
    pmd: Pmd,
    pmdp: *mut bindings::pmd_t,
    ptep: *mut bindings::pte_t,
    taken: &Taken<'_>,
    flags: FollFlags,
    max: usize,
    dst: *mut PagePtr,
) -> (usize, bool) {
    let Taken { pte, page, folio } = *taken;
    let mut vals = [0u64; PTE_BATCH];
    let write = flags.contains(Foll::Write);
    // SAFETY: By the caller's guarantee.
    let n = unsafe { pte_batch(ptep, taken, write, max, &mut vals) };
    if n == 0 {
        return (0, true);
    }
    // CAST: `0 < n <= PTE_BATCH`.
    // SAFETY: `n > 0`; the pages are kept or given back below.
    unsafe { add_refs(folio, n as i32, flags) };

    // SAFETY: `pmdp` is the entry the copy was read from.
    let pmd_same = pmd.same(unsafe { Pmd::read_lockless(pmdp) });
    let mut good = 0;
    if pmd_same {
        while good < n {
            // SAFETY: `good < n <= max`: in the page table.
            let now = unsafe { Pte::read_lockless(ptep.wrapping_add(good)) }.val();
            if vals.get(good) != Some(&now) {
                break;
            }
            good = good.wrapping_add(1);
        }
    }
    // The entries kept have the rights of `pte`.
    if !pte.is_write() {
        // A R/O pin of an anonymous page that is not exclusive would need unsharing.
        let mut i = 0;
        while i < good {
            // SAFETY: `page + 1 + i` is a page of the grabbed `folio`, mapped by an entry just
            // re-checked: referenced and not split.
            let next = unsafe { FolioPage::from_raw(page.wrapping_add(i).wrapping_add(1)) };
            if walk::must_unshare(None, flags, next) {
                good = i;
                break;
            }
            i = i.wrapping_add(1);
        }
    }
    if good < n {
        // SAFETY: The references or pins of the pages not kept, taken above with `flags`.
        // CAST: `good < n <= PTE_BATCH`.
        unsafe { pin::put_folio(folio, n.wrapping_sub(good) as i32, flags) };
    }
    let mut i = 0;
    while i < good {
        // SAFETY: `i < good <= max`: `dst` has room, by the caller's guarantee.
        unsafe {
            dst.wrapping_add(i)
                .write(page.wrapping_add(i).wrapping_add(1))
        };
        i = i.wrapping_add(1);
    }
    (good, good == n)
}

/// Walks the PTEs of `[addr, end)` under the copied `pmd` (C: `gup_fast_pte_range()`).
///
/// GUP-fast relies on change detection here: it (1) grabs the page from the PTE it read, then
/// (2) checks that neither the PTE nor the PMD changed. Whoever changes them in a way that
/// matters (zap, THP split or collapse, migration) first clears the entry, then checks whether
/// the page is pinned. The PMD check catches a THP collapse, where the page table being walked
/// is freed while its PTEs still look valid (`pmdp_collapse_flush()`).
///
/// Unlike C, which takes one reference (or pin) per PTE, once a page of a large folio (an mTHP,
/// or a THP mapped by PTEs) is taken, the next PTEs that map the next pages of that folio are
/// taken with one reference update, up to [`PTE_BATCH`] at a time (see [`pte_run`]). The pages
/// returned and the counts left are those of the page-by-page walk.
///
/// # Safety
///
/// `pmdp` must be the entry `pmd` was read from, in the current mm, with interrupts disabled
/// since; `[addr, end)` lies under it.
unsafe fn pte_range(
    pmd: Pmd,
    pmdp: *mut bindings::pmd_t,
    mut addr: usize,
    end: usize,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) -> bool {
    let write = flags.contains(Foll::Write);
    let mut pmd_copy = pmd.into_raw();
    // SAFETY: `pmd_copy` is a copy of a present, non-leaf PMD; the page table it points to
    // cannot be freed while interrupts are off. NULL if the PMD changed type meanwhile.
    let ptem = unsafe { bindings::pte_offset_map(&mut pmd_copy, addr) };
    if ptem.is_null() {
        return false;
    }
    let mut ptep = ptem;
    // The page-by-page loop leaves the outer one at a page of a large folio, whose next pages
    // are then taken as a run: the inner loop calls nothing but the grab, which keeps its state
    // in registers.
    let done = 'walk: loop {
        let taken = loop {
            // SAFETY: `ptep` is within the page table mapped above (one entry per page of
            // `[addr, end)`, which lies under one PMD).
            let pte = unsafe { Pte::read_lockless(ptep) };
            if !pte_followable(pte, write) {
                break 'walk false;
            }
            // Not special: it must have a memmap entry.
            vm_warn_on_once!(!pgtable::pfn_valid(pte.pfn()));
            // SAFETY: A present entry that is not special has a `struct page`.
            let page = unsafe { pte.page() };

            // `addr < end`: the page has room (see `Out`).
            debug_assert!(out.has_room(1));
            // SAFETY: `page` was just read from the page tables, with interrupts disabled.
            let Some(folio) = (unsafe { try_grab_folio_fast(page, 1, flags) }) else {
                break 'walk false;
            };

            // Each check leaves by the one way out, as C's gotos do: so the compiler branches
            // instead of combining the outcomes into flags.
            let keep = 'keep: {
                // SAFETY: `pmdp` and `ptep` are the entries the copies were read from.
                let unchanged = unsafe {
                    pmd.same(Pmd::read_lockless(pmdp)) && pte.same(Pte::read_lockless(ptep))
                };
                if !unchanged {
                    break 'keep false;
                }
                // SAFETY: The folio is held; `page` belongs to it.
                if checks && !unsafe { keep_folio(folio, page, pte.is_write(), flags) } {
                    break 'keep false;
                }
                // The content is about to be accessed (the FOLL_PIN case): make it accessible
                // (see Documentation/core-api/pin_user_pages.rst).
                !flags.contains(Foll::Pin) || folio.make_accessible().is_ok()
            };
            if !keep {
                // SAFETY: The reference or pin was taken above with `flags`.
                unsafe { pin::put_folio(folio, 1, flags) };
                break 'walk false;
            }
            folio.set_referenced();
            // SAFETY: `addr < end`: it has room (see `Out`); one page.
            unsafe { out.push_run(page, 1) };

            ptep = ptep.wrapping_add(1);
            addr = addr.wrapping_add(PAGE_SIZE);
            if addr == end {
                break 'walk true;
            }
            // Any large folio, hugetlb included (arm64 maps 64K hugetlb pages with contiguous
            // PTEs): the rest of the run is taken in one go. (cow's io_uring R/O case hangs
            // on arm64 with or without this, on the stock C kernel too: the request never
            // completes in io_uring; see docs/reliability.md.)
            if folio.is_large() {
                break Taken { pte, page, folio };
            }
        };
        // No wrap: `addr < end`, both page aligned. `[addr, end)` has room (see `Out`).
        let max = (end.wrapping_sub(addr) >> PAGE_SHIFT).min(PTE_BATCH);
        debug_assert!(out.has_room(max));
        // SAFETY: `taken.pte` was read from the entry before `ptep` and maps `taken.page`, kept
        // with its folio; the `max` entries from `ptep` on map `[addr, end)`, under one PMD.
        let (n, go_on) = unsafe { pte_run(pmd, pmdp, ptep, &taken, flags, max, out.next) };
        // SAFETY: `pte_run()` wrote `n <= max` pages of `[addr, end)`, which has room.
        unsafe { out.add(n) };
        if !go_on {
            break false;
        }
        ptep = ptep.wrapping_add(n);
        addr = addr.wrapping_add(n << PAGE_SHIFT);
        if addr == end {
            break true;
        }
    };
    // SAFETY: Mapped above.
    unsafe { bindings::pte_unmap(ptem) };
    done
}

/// Grabs the `nr` pages of `[addr, end)` in the folio of a PMD or PUD leaf, with one reference
/// update for all of them (C: the body of `gup_fast_pmd_leaf()`/`gup_fast_pud_leaf()`).
///
/// `first` is the page at `addr`, `still_same` re-reads the entry and compares it with the copy
/// the walk followed, `writable` tells whether the copy is writable (asked only when needed, as
/// C does).
///
/// # Safety
///
/// `first` must be the page the copied leaf maps at `addr`, read with interrupts disabled
/// since, and `[addr, end)` must lie under that leaf.
#[inline(always)]
unsafe fn leaf(
    first: PagePtr,
    writable: impl FnOnce() -> bool,
    nr: usize,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
    still_same: impl FnOnce() -> bool,
) -> bool {
    // `[addr, end)` is part of the walk's range still to go: it has room (see `Out`).
    debug_assert!(out.has_room(nr));
    // CAST: `nr` is at most the number of pages of a PUD.
    let refs = nr as i32;
    // SAFETY: By the caller's guarantee.
    let Some(folio) = (unsafe { try_grab_folio_fast(first, refs, flags) }) else {
        return false;
    };
    let allowed = || {
        // SAFETY: The folio is held; its first page is valid.
        unsafe { keep_folio(folio, folio.page(0), writable(), flags) }
    };
    if !still_same() || checks && !allowed() {
        // SAFETY: Taken above with `flags`.
        unsafe { pin::put_folio(folio, refs, flags) };
        return false;
    }
    // SAFETY: `[addr, end)` has room (see `Out`), and its pages are consecutive pages of the
    // folio.
    unsafe { out.push_run(first, nr) };
    folio.set_referenced();
    true
}

/// A PMD leaf (THP or hugetlb) (C: `gup_fast_pmd_leaf()`).
///
/// # Safety
///
/// As for [`pte_range`]; `orig` is a present leaf.
#[inline(always)]
unsafe fn pmd_leaf(
    orig: Pmd,
    pmdp: *mut bindings::pmd_t,
    addr: usize,
    end: usize,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) -> bool {
    if !orig.access_permitted(flags.contains(Foll::Write)) || orig.is_special() {
        return false;
    }
    // SAFETY: A present leaf that is not special maps a folio, whose memmap entries are
    // consecutive.
    let head = unsafe { orig.page() };
    let first = head.wrapping_add((addr & !PMD_MASK) >> PAGE_SHIFT);
    // SAFETY: By the caller's guarantee; `pmdp` is the entry `orig` was read from.
    unsafe {
        leaf(
            first,
            || orig.is_write(),
            // At most a PUD's worth of pages (fits the `i32` count of references).
            end.wrapping_sub(addr) >> PAGE_SHIFT,
            flags,
            checks,
            out,
            || orig.same(Pmd::read_lockless(pmdp)),
        )
    }
}

/// A PUD leaf (hugetlb, or a PUD-sized THP) (C: `gup_fast_pud_leaf()`).
///
/// # Safety
///
/// As for [`pte_range`], one level up; `orig` is a present leaf.
#[inline(always)]
unsafe fn pud_leaf(
    orig: Pud,
    pudp: *mut bindings::pud_t,
    addr: usize,
    end: usize,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) -> bool {
    if !orig.access_permitted(flags.contains(Foll::Write)) || orig.is_special() {
        return false;
    }
    // SAFETY: A present leaf that is not special maps a folio, whose memmap entries are
    // consecutive.
    let head = unsafe { orig.page() };
    let first = head.wrapping_add((addr & !PUD_MASK) >> PAGE_SHIFT);
    // SAFETY: By the caller's guarantee; `pudp` is the entry `orig` was read from.
    unsafe {
        leaf(
            first,
            || orig.is_write(),
            // At most a PUD's worth of pages (fits the `i32` count of references).
            end.wrapping_sub(addr) >> PAGE_SHIFT,
            flags,
            checks,
            out,
            || orig.same(Pud::read(pudp)),
        )
    }
}

/// The PMDs of `[addr, end)` under the copied `pud` (C: `gup_fast_pmd_range()`).
///
/// # Safety
///
/// `pudp` must be the entry `pud` was read from, with interrupts disabled since.
///
/// `ONE` as for [`pgd_range`]: then `[addr, end)` is one page.
unsafe fn pmd_range<const ONE: bool>(
    pudp: *mut bindings::pud_t,
    pud: Pud,
    mut addr: usize,
    end: usize,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) -> bool {
    // Lives until the loop ends: a folded level's pointer points into it.
    let mut pud = pud.into_raw();
    // SAFETY: `pud` is a present table entry read from `pudp`.
    let mut pmdp = unsafe { bindings::gup_pmd_offset_lockless(pudp, &mut pud, addr) };
    loop {
        // SAFETY: `pmdp` is within the PMD table (or the copy) of `[addr, end)`.
        let pmd = unsafe { Pmd::read_lockless(pmdp) };
        // One page lies under one entry of every level.
        let next = if ONE { end } else { Pmd::addr_end(addr, end) };
        if !pmd.is_present() {
            return false;
        }
        // SAFETY: `pmdp` is the entry `pmd` was read from, interrupts are still off.
        let ok = unsafe {
            if pmd.is_leaf() {
                // PROT_NONE goes to the slow path, as in pte_range().
                !pmd.is_protnone() && pmd_leaf(pmd, pmdp, addr, next, flags, checks, out)
            } else {
                pte_range(pmd, pmdp, addr, next, flags, checks, out)
            }
        };
        if !ok {
            return false;
        }
        pmdp = pmdp.wrapping_add(1);
        addr = next;
        if addr == end {
            return true;
        }
    }
}

/// The PUDs of `[addr, end)` under the copied `p4d` (C: `gup_fast_pud_range()`).
///
/// # Safety
///
/// `p4dp` must be the entry `p4d` was read from, with interrupts disabled since.
///
/// `ONE` as for [`pgd_range`]: then `[addr, end)` is one page.
unsafe fn pud_range<const ONE: bool>(
    p4dp: *mut bindings::p4d_t,
    p4d: P4d,
    mut addr: usize,
    end: usize,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) -> bool {
    let mut p4d = p4d.into_raw();
    // SAFETY: `p4d` is a present entry read from `p4dp`.
    let mut pudp = unsafe { bindings::gup_pud_offset_lockless(p4dp, &mut p4d, addr) };
    loop {
        // SAFETY: `pudp` is within the PUD table (or the copy) of `[addr, end)`.
        let pud = unsafe { Pud::read(pudp) };
        // One page lies under one entry of every level.
        let next = if ONE { end } else { Pud::addr_end(addr, end) };
        if !pud.is_present() {
            return false;
        }
        // SAFETY: `pudp` is the entry `pud` was read from, interrupts are still off.
        let ok = unsafe {
            if pud.is_leaf() {
                pud_leaf(pud, pudp, addr, next, flags, checks, out)
            } else {
                pmd_range::<ONE>(pudp, pud, addr, next, flags, checks, out)
            }
        };
        if !ok {
            return false;
        }
        pudp = pudp.wrapping_add(1);
        addr = next;
        if addr == end {
            return true;
        }
    }
}

/// The P4Ds of `[addr, end)` under the copied `pgd` (C: `gup_fast_p4d_range()`).
///
/// # Safety
///
/// `pgdp` must be the entry `pgd` was read from, with interrupts disabled since.
///
/// `ONE` as for [`pgd_range`]: then `[addr, end)` is one page.
unsafe fn p4d_range<const ONE: bool>(
    pgdp: *mut bindings::pgd_t,
    pgd: Pgd,
    mut addr: usize,
    end: usize,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) -> bool {
    let mut pgd = pgd.into_raw();
    // SAFETY: `pgd` is a present entry read from `pgdp`.
    let mut p4dp = unsafe { bindings::gup_p4d_offset_lockless(pgdp, &mut pgd, addr) };
    loop {
        // SAFETY: `p4dp` is within the P4D table (or the copy) of `[addr, end)`.
        let p4d = unsafe { P4d::read(p4dp) };
        // One page lies under one entry of every level.
        let next = if ONE { end } else { P4d::addr_end(addr, end) };
        // No P4D leaves on the architectures GUP-fast supports.
        if !p4d.is_present() {
            return false;
        }
        // SAFETY: `p4dp` is the entry `p4d` was read from, interrupts are still off.
        if !unsafe { pud_range::<ONE>(p4dp, p4d, addr, next, flags, checks, out) } {
            return false;
        }
        p4dp = p4dp.wrapping_add(1);
        addr = next;
        if addr == end {
            return true;
        }
    }
}

/// Walks `[addr, end)` of `mm` and grabs what it can, stopping at the first entry it cannot
/// take (C: `gup_fast_pgd_range()`).
///
/// `checks` is [`keep_needs_checks`] of `flags`, worked out once by the caller and passed down
/// to the PTE and leaf functions with `flags`.
///
/// `ONE` says that `[addr, end)` is a single page (so is `[addr, next)` at every level, down to
/// the PTEs): one entry per level, and the compiler folds the loops and the boundary arithmetic
/// away. One-page calls are common (`get_user_pages_fast_only()` of a page, futexes, ...), and
/// most of what they cost is the walk's fixed part; C walks them with the general loops.
///
/// # Safety
///
/// `mm` must be the current task's mm, interrupts disabled, `addr < end <= TASK_SIZE_MAX` and
/// both page aligned; with `ONE`, `end == addr + PAGE_SIZE`.
#[inline(always)]
unsafe fn pgd_range<const ONE: bool>(
    mm: MmPtr,
    mut addr: usize,
    end: usize,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) {
    // SAFETY: `mm` is the current, live mm; its PGD is never freed while it runs.
    let mut pgdp = unsafe { bindings::pgd_offset(mm, addr) };
    loop {
        // SAFETY: `pgdp` is within the PGD of `[addr, end)`.
        let pgd = unsafe { Pgd::read(pgdp) };
        // One page lies under one entry of every level.
        let next = if ONE { end } else { Pgd::addr_end(addr, end) };
        // No PGD leaves either.
        if pgd.is_none() {
            return;
        }
        // SAFETY: `pgdp` is the entry `pgd` was read from, interrupts are still off.
        if !unsafe { p4d_range::<ONE>(pgdp, pgd, addr, next, flags, checks, out) } {
            return;
        }
        pgdp = pgdp.wrapping_add(1);
        addr = next;
        if addr == end {
            return;
        }
    }
}

/// [`pgd_range`] for one page, in a frame of its own.
///
/// The many-page walk is inlined into [`gup_fast_fallback`], as C's is (a frame less per
/// call, and per leaf); the one-page walk is kept apart so that it stays a single function
/// with every level folded in, which is what makes it cheaper than C's.
///
/// # Safety
///
/// As for [`pgd_range`] with `ONE`.
#[inline(never)]
unsafe fn pgd_range_one(
    mm: MmPtr,
    addr: usize,
    end: usize,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) {
    // SAFETY: By the caller's guarantee.
    unsafe { pgd_range::<true>(mm, addr, end, flags, checks, out) }
}

/// The lockless part: grabs the pages of `[start, end)` into `pages` from the first on, and
/// returns how many (C: `gup_fast()`).
///
/// # Safety
///
/// `start < end <= TASK_SIZE_MAX`, page aligned; `pages` valid for writing
/// `(end - start) >> PAGE_SHIFT` entries. Process context.
#[inline(always)]
unsafe fn gup_fast(
    mm: MmPtr,
    start: usize,
    end: usize,
    flags: FollFlags,
    pages: *mut PagePtr,
) -> usize {
    // SAFETY: Checks a user address range.
    if !unsafe { bindings::gup_fast_permitted(start, end) } {
        return 0;
    }

    let pin = flags.contains(Foll::Pin);
    let mut seq = 0;
    // An odd count: fork() is write-protecting right now, and the walk would fail anyway.
    // SAFETY: `mm` is the current mm.
    if pin && !unsafe { bindings::gup_write_protect_seq_try_begin(mm, &mut seq) } {
        return 0;
    }

    // INVARIANT: The caller gives room for the `(end - start) >> PAGE_SHIFT` entries from
    // `pages` on (no wrap: `start < end`).
    let mut out = Out {
        next: pages,
        limit: pages.wrapping_add(end.wrapping_sub(start) >> PAGE_SHIFT),
    };
    // Worked out here, before the walk, rather than at every leaf: a register or stack slot to
    // test instead of the flag arithmetic.
    let checks = keep_needs_checks(flags);
    // The nested form, so that any context can call this. With interrupts off, page-table pages
    // cannot be freed under the walk (see the module documentation).
    // SAFETY: Restored below, on the only path out.
    let irq = unsafe { bindings::gup_local_irq_save() };
    // SAFETY: Interrupts are off; `mm` is current's and the range was checked by the caller.
    unsafe {
        if end.wrapping_sub(start) == PAGE_SIZE {
            pgd_range_one(mm, start, end, flags, checks, &mut out)
        } else {
            pgd_range::<false>(mm, start, end, flags, checks, &mut out)
        }
    };
    // SAFETY: Saved above.
    unsafe { bindings::local_irq_restore(irq) };

    let nr = out.count(pages);
    if pin {
        // SAFETY: The first `nr` entries are the pages just pinned, whose pins are handed back
        // below or, if kept, go to the caller with the array.
        let pinned = unsafe { PinnedPages::from_raw(pages, nr) };
        // SAFETY: `mm` is the current mm.
        if unsafe { bindings::gup_write_protect_seq_retry(mm, seq) } {
            // fork() write-protected the mm meanwhile: some of these anonymous pages may now be
            // shared, so no sanity check, just give the pins back.
            pinned.put_back();
            return 0;
        }
        pinned.sanity_check();
    }
    nr
}

/// GUP-fast, then the slow path for what it left (C: `gup_fast_fallback()`).
///
/// Returns the number of pages taken, possibly fewer than `nr_pages`; an error only if none
/// was: once pages are held, the caller must release them, so an error of the slow path is
/// dropped then. `-EINVAL` (with a warning) for flags GUP-fast does not take, `-EOVERFLOW` if
/// the range wraps, `-EFAULT` if it ends above `TASK_SIZE_MAX`. With `FOLL_FAST_ONLY` there is
/// no slow path: what the walk took is the result.
///
/// # Safety
///
/// `pages` must have room for `nr_pages` entries; `flags` come from the entry point's argument
/// checks. Process context; without `FOLL_FAST_ONLY` it may sleep.
///
/// One copy for the three entry points, with the walk inlined: a GUP-fast call of one page is
/// mostly fixed cost, and a frame less is a good part of it.
#[inline(never)]
pub(crate) unsafe fn gup_fast_fallback(
    start: c_ulong,
    nr_pages: c_ulong,
    flags: FollFlags,
    pages: *mut PagePtr,
) -> c_long {
    if warn_on_once!(flags.has_bits_outside(FAST_ALLOWED)) {
        return basics::errno_long(EINVAL);
    }
    let mm = basics::current_mm();
    if flags.contains(Foll::Pin) {
        // SAFETY: `mm` is the current, live mm.
        unsafe { basics::mm_set_has_pinned_flag(mm) };
    }
    if cfg!(CONFIG_LOCKDEP) && !flags.contains(Foll::FastOnly) {
        // SAFETY: `mm` is the current, live mm.
        unsafe { bindings::gup_might_lock_mmap_read(mm) };
    }

    let start = kernel::mm::untagged_addr(start) & PAGE_MASK;
    // As C: a count too large for the address space wraps here and is caught below.
    let len = nr_pages << PAGE_SHIFT;
    // (C's check_add_overflow(); `checked_add()` made the compiler keep the carry in a register
    // and test it again.)
    let end = start.wrapping_add(len);
    if end < start {
        return basics::errno_long(EOVERFLOW);
    }
    if end > kernel::mm::task_size_max() {
        return basics::errno_long(EFAULT);
    }

    // Nothing to walk for `nr_pages == 0` (or a count that wrapped to an empty range).
    let nr_pinned = if start < end {
        // SAFETY: `start < end <= TASK_SIZE_MAX`, page aligned; `pages` has room for `nr_pages`
        // entries, at least `(end - start) >> PAGE_SHIFT`.
        unsafe { gup_fast(mm, start, end, flags, pages) }
    } else {
        0
    };
    // CAST: `usize` and `c_ulong` are the same width on the kernel's 64-bit targets.
    let nr_pinned = nr_pinned as c_ulong;
    // (`nr_pinned <= nr_pages` below: the walk takes at most one page per page of the range.)
    if nr_pinned == nr_pages || flags.contains(Foll::FastOnly) {
        // CAST: At most `nr_pages`, which came from an `int`.
        return nr_pinned as c_long;
    }

    // The slow path for the rest of the range.
    let mut locked = 0;
    // SAFETY: `mm` is current's; the rest of `pages` has room for the rest of the range.
    let ret = unsafe {
        crate::longterm::gup_longterm_locked_call(
            mm,
            start.wrapping_add(nr_pinned << PAGE_SHIFT),
            nr_pages.wrapping_sub(nr_pinned),
            pages.wrapping_add(nr_pinned),
            &mut locked,
            flags | Foll::Touch | Foll::Unlockable,
        )
    };
    if ret < 0 {
        // The caller must release the pages already taken, so an errno cannot be returned.
        // CAST: As above.
        return if nr_pinned != 0 {
            nr_pinned as c_long
        } else {
            ret
        };
    }
    // CAST: Both at most `nr_pages`.
    ret.wrapping_add(nr_pinned as c_long)
}

#[cfg(CONFIG_RUST_GUP_KUNIT_TEST)]
#[kunit_tests(rust_gup_fast)]
mod tests {
    //! The GUP-fast entry points on mappings of a KUnit-owned mm, which is the test thread's
    //! current mm (`kunit_vm_mmap()` attaches it), as GUP-fast needs.
    //!
    //! References and pins are released before asserting: a failed assertion returns from the
    //! test and must leave nothing behind.

    use super::*;
    use crate::slow::tests::map;
    use core::ptr;
    use kernel::ffi::c_int;

    const PROT_READ: c_ulong = bindings::PROT_READ as c_ulong;
    const PROT_RW: c_ulong = (bindings::PROT_READ | bindings::PROT_WRITE) as c_ulong;
    const PRIVATE: c_ulong = (bindings::MAP_PRIVATE | bindings::MAP_ANONYMOUS) as c_ulong;
    const WRITE: u32 = bindings::FOLL_WRITE;

    type Fast = unsafe extern "C" fn(c_ulong, c_int, u32, *mut PagePtr) -> c_int;

    /// Calls a GUP-fast entry point for at most 4 pages; releases what it took (unpins with
    /// `unpin`) and returns the result and the pages (which may be dangling by then: only
    /// compared).
    fn call(f: Fast, addr: usize, n: c_int, flags: u32, unpin: bool) -> (c_int, [PagePtr; 4]) {
        let mut pages = [ptr::null_mut(); 4];
        // SAFETY: `pages` has room for 4 entries, and callers ask for at most 4 (or for a
        // count the range checks refuse before any page is taken).
        let ret = unsafe { f(addr, n, flags, pages.as_mut_ptr()) };
        for &p in pages.iter().filter(|p| !p.is_null()) {
            let how = if unpin { Foll::Pin } else { Foll::Get };
            // SAFETY: `p` carries a reference or pin taken by the call.
            unsafe { pin::put_folio(Folio::from_page(p), 1, how.into()) };
        }
        (ret, pages)
    }

    fn err(e: Error) -> c_int {
        e.to_errno()
    }

    #[test]
    fn fast_only_takes_what_is_mapped() -> Result {
        let a = map(4, PROT_RW, PRIVATE)?;
        // Nothing populated: GUP-fast finds no entry, and fast-only has no slow path.
        let (none, _) = call(crate::get_user_pages_fast_only, a, 4, WRITE, false);
        // get_user_pages_fast() falls back and faults the pages in.
        let (faulted, first) = call(crate::get_user_pages_fast, a, 4, WRITE, false);
        // Now they are mapped writable: the lockless walk takes them all, the same pages.
        let (fast, again) = call(crate::get_user_pages_fast_only, a, 4, WRITE, false);
        // A range starting inside and running past the mapping: GUP-fast stops at the hole.
        let (partial, _) = call(
            crate::get_user_pages_fast_only,
            a + 2 * PAGE_SIZE,
            4,
            0,
            false,
        );
        assert_eq!(none, 0);
        assert_eq!(faulted, 4);
        assert_eq!(fast, 4);
        assert_eq!(first, again);
        assert_eq!(partial, 2);
        Ok(())
    }

    #[test]
    fn pin_fast_partial_results_and_range_errors() -> Result {
        let a = map(3, PROT_RW, PRIVATE)?;
        // SAFETY: Unmaps the middle page of our own mapping.
        unsafe { bindings::vm_munmap(a + PAGE_SIZE, PAGE_SIZE) };
        // The slow path fails at the hole after the first page: the page counts, the error
        // does not.
        let (partial, _) = call(crate::pin_user_pages_fast, a, 3, WRITE, true);
        let (hole, _) = call(crate::pin_user_pages_fast, a + PAGE_SIZE, 1, WRITE, true);
        let (zero, _) = call(crate::pin_user_pages_fast, a, 0, WRITE, true);
        // A negative count sign-extends, and the range wraps.
        let (negative, _) = call(crate::pin_user_pages_fast, a, -1, WRITE, true);
        let (wraps, _) = call(
            crate::pin_user_pages_fast,
            usize::MAX & PAGE_MASK,
            2,
            0,
            true,
        );
        let top = kernel::mm::task_size_max();
        let (above, _) = call(crate::pin_user_pages_fast, top - PAGE_SIZE, 2, 0, true);
        assert_eq!(partial, 1);
        assert_eq!(hole, err(EFAULT));
        assert_eq!(zero, 0);
        assert_eq!(negative, err(EOVERFLOW));
        assert_eq!(wraps, err(EOVERFLOW));
        assert_eq!(above, err(EFAULT));
        Ok(())
    }

    #[test]
    fn pin_fast_pins_and_read_only_rules() -> Result {
        let rw = map(1, PROT_RW, PRIVATE)?;
        let ro = map(1, PROT_READ, PRIVATE)?;
        let (populated, _) = call(crate::get_user_pages_fast, rw, 1, WRITE, false);

        let mut pages = [ptr::null_mut(); 1];
        // SAFETY: `pages` has room for one entry.
        let pinned = unsafe { crate::pin_user_pages_fast(rw, 1, WRITE, pages.as_mut_ptr()) };
        let dma_pinned = pinned == 1 && {
            // SAFETY: The page is pinned.
            unsafe { Folio::from_page(pages[0]) }.maybe_dma_pinned()
        };
        if pinned == 1 {
            // SAFETY: Gives the pin back.
            unsafe { crate::unpin_user_page(pages[0]) };
        }

        // A write to a read-only mapping: the walk refuses, the slow path fails.
        let (ro_write, _) = call(crate::pin_user_pages_fast, ro, 1, WRITE, true);
        // A read of an untouched read-only page: the slow path maps the zero page, whose
        // special entry GUP-fast leaves to the slow path every time.
        let (ro_read, _) = call(crate::get_user_pages_fast, ro, 1, 0, false);
        let (ro_fast_only, _) = call(crate::get_user_pages_fast_only, ro, 1, 0, false);
        assert_eq!(populated, 1);
        assert_eq!(pinned, 1);
        assert!(dma_pinned);
        assert_eq!(ro_write, err(EFAULT));
        assert_eq!(ro_read, 1);
        assert_eq!(ro_fast_only, 0);
        Ok(())
    }
}
