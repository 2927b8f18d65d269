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
//! The walk goes through the types of [`crate::lockless`]: [`IrqsOff`] for the section with
//! interrupts off, cursors over each level's entries for the range, an entry's copy with its
//! slot to re-read, and the mapped PTE table. Only a present table entry leads to the level
//! below, so the walk reads no entry through a pointer it made itself. What it takes on a folio
//! is a value that owns it ([`Grabbed`]) until the page is kept or the references given back.
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

use core::mem::MaybeUninit;
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
        MmRef,
        PAGE_MASK,
        PAGE_SHIFT,
        PAGE_SIZE, //
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
    lockless::{
        Entries,
        IrqsOff,
        Kind,
        Leaf,
        LeafPages,
        MappedPage,
        PteRun,
        PteTable,
        Refs,
        Slot,
        Table, //
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

    /// Writes the `B` consecutive pages from `page + i` at `next + i`, unrolled.
    ///
    /// # Safety
    ///
    /// `next + i + B <= limit`.
    #[inline(always)]
    unsafe fn write_block<const B: usize>(&mut self, page: PagePtr, i: usize) {
        let mut k = 0;
        while k < B {
            let at = i.wrapping_add(k);
            // SAFETY: `at < i + B`, so `next + at < limit`: valid for writing by the type
            // invariant and the caller's guarantee.
            unsafe { self.next.wrapping_add(at).write(page.wrapping_add(at)) };
            k = k.wrapping_add(1);
        }
    }

    /// Appends the `n` consecutive pages starting at `page`.
    ///
    /// # Safety
    ///
    /// `has_room(n)` must be true, and the `n` pages must be pages of one folio.
    #[inline(always)]
    unsafe fn push_run(&mut self, page: PagePtr, n: usize) {
        let mut i = 0;
        // For a PMD leaf (512 pages) this loop is most of what GUP-fast does. Each page costs an
        // address computation and a store; the loop's own three instructions are paid once per
        // block: sixteen at a time while there are, then eight, then one by one. (The compiler
        // unrolls the plain loop only by four, C's record_subpages() by eight.) Counting up to a
        // precomputed bound keeps the loop to one index, as C's.
        let whole = n & !15;
        while i != whole {
            // SAFETY: `i + 16 <= whole <= n`, and `next + n <= limit` by `has_room(n)`.
            unsafe { self.write_block::<16>(page, i) };
            i = i.wrapping_add(16);
        }
        if n & 8 != 0 {
            // SAFETY: `i + 8 <= n`, since `n - i` is `n & 15` and has bit 3 set.
            unsafe { self.write_block::<8>(page, i) };
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

/// References GUP-fast just took on a folio through one of its pages, before they become what
/// the caller asked for (references or pins).
///
/// # Invariants
///
/// `refs` references of `folio` were taken and are owned by this value; `page` is a page of
/// `folio`.
#[must_use]
struct Refd<'a> {
    folio: &'a Folio,
    page: &'a FolioPage,
    refs: Refs,
}

impl<'a> Refd<'a> {
    /// Gives the references back.
    #[inline(always)]
    fn put(self) {
        self.into_refs(Foll::Get.into()).put();
    }

    /// Keeps them as references (`FOLL_GET`).
    #[inline(always)]
    fn into_refs(self, flags: FollFlags) -> Grabbed<'a> {
        // INVARIANT: `refs` references, which is what `FOLL_GET` takes.
        Grabbed {
            folio: self.folio,
            page: self.page,
            refs: self.refs,
            flags,
        }
    }

    /// Turns them into pins (`FOLL_PIN`), as GUP-fast counts them.
    ///
    /// A large folio counts pins exactly in `_pincount`, keeping the references (at least one
    /// normal reference, so that the folio really is pinned); a small one counts
    /// `GUP_PIN_COUNTING_BIAS` references per pin.
    #[inline(always)]
    fn into_pins(self, flags: FollFlags) -> Grabbed<'a> {
        let folio = self.folio;
        let refs = self.refs.get();
        if folio.has_pincount() {
            // SAFETY: The folio has `_pincount`; each new pin has its reference, owned by
            // `self`.
            unsafe { folio.pincount_add(refs) };
        } else {
            // SAFETY: `refs > 0` (`Refs`): a pin of a small folio is `PIN_BIAS` references, one
            // of which `self` owns. `refs` is 1 here unless the folio was split since its
            // entry was read (which the re-check then undoes), and at most a PUD's pages
            // (`Refs`): the product, C's too, fits an `int` with 4K pages.
            unsafe { folio.ref_add(refs.wrapping_mul(pin::PIN_BIAS - 1)) };
        }
        // The pin count must be visible before the entries are re-read: a full barrier, paired
        // with the one in folio_try_share_anon_rmap_*().
        kernel::sync::barrier::smp_mb_after_atomic();

        folio.node_stat_mod(bindings::node_stat_item_NR_FOLL_PIN_ACQUIRED, refs);
        // INVARIANT: `refs` pins now.
        Grabbed {
            folio,
            page: self.page,
            refs: self.refs,
            flags,
        }
    }
}

/// The references or pins GUP-fast took on a folio through one of its pages, until it keeps
/// them (the page goes to the caller's array) or gives them back.
///
/// # Invariants
///
/// `refs` references (`FOLL_GET`) or pins (`FOLL_PIN`; none for the zero page, which the unpin
/// side skips) of `folio` were taken with `flags` and are owned by this value; `page` is a page
/// of `folio`.
#[must_use]
struct Grabbed<'a> {
    folio: &'a Folio,
    page: &'a FolioPage,
    refs: Refs,
    flags: FollFlags,
}

impl<'a> Grabbed<'a> {
    /// The folio, held.
    #[inline(always)]
    fn folio(&self) -> &Folio {
        self.folio
    }

    /// The page grabbed.
    #[inline(always)]
    fn page(&self) -> &FolioPage {
        self.page
    }

    /// Gives the references or pins back.
    #[inline(always)]
    fn put(self) {
        self.keep_first(0);
    }

    /// Keeps the first `n` of the references or pins, and gives the others back.
    #[inline(always)]
    fn keep_first(self, n: usize) {
        let refs = self.refs.pages();
        if n < refs {
            // CAST: `0 < refs - n <= refs`, which fits (`Refs`).
            let rest = refs.wrapping_sub(n) as i32;
            // SAFETY: `refs - n` of them are owned by `self` (type invariant), which goes.
            unsafe { pin::put_folio(self.folio, rest, self.flags) };
        }
    }

    /// Keeps the references or pins, with the pages they go to the caller with.
    ///
    /// The folio stays borrowed for `'a`: what is kept is given back, if at all, only after
    /// the walk, once interrupts are on again.
    #[inline(always)]
    fn keep(self) -> Kept<'a> {
        // INVARIANT: `page` is a page of `folio`, held by what is kept.
        Kept {
            folio: self.folio,
            page: self.page,
        }
    }
}

/// A page GUP-fast took and keeps, with its folio.
///
/// # Invariants
///
/// `page` is a page of `folio`, which is held for `'a`.
#[derive(Clone, Copy)]
struct Kept<'a> {
    folio: &'a Folio,
    page: &'a FolioPage,
}

impl<'a> Kept<'a> {
    /// The page's index in the folio (C: `folio_page_idx()`).
    #[inline(always)]
    fn index(&self) -> usize {
        // `page` is a page of `folio` (type invariant): the index is its own.
        self.folio.index_of(self.page)
    }

    /// Takes `refs` more references or pins with `flags` on the folio, for the `refs` pages
    /// after the page kept (C: the part of `try_grab_folio_fast()` after the first reference).
    ///
    /// Their pages must be in the folio: [`pte_batch`] counts only those.
    #[inline(always)]
    fn add(self, refs: Refs, flags: FollFlags) -> Grabbed<'a> {
        // SAFETY: `refs > 0` (`Refs`) references on a folio held (type invariant); the count
        // cannot overflow: each reference is for a page mapped by the caller's entries.
        unsafe { self.folio.ref_add(refs.get()) };
        // INVARIANT: `refs` references taken just above; `page` is a page of `folio`.
        let refd = Refd {
            folio: self.folio,
            page: self.page,
            refs,
        };
        if flags.contains(Foll::Pin) {
            refd.into_pins(flags)
        } else {
            refd.into_refs(flags)
        }
    }
}

/// Takes `refs` references on the folio of `page` unless its count is zero, and rechecks that
/// `page` still belongs to that folio (C: `try_get_folio()`).
///
/// Between `page_folio()` and the reference, the folio may have been split or freed and reused;
/// once the reference is held the folio is stable, and a page that moved to another folio makes
/// us drop the reference and start again.
///
/// `refs` counts pages from `page` on, as the walk found them (one, or those of a leaf).
#[inline(always)]
fn try_get_folio<'a>(page: MappedPage<'a>, refs: Refs) -> Option<Refd<'a>> {
    loop {
        let folio = page.folio();
        if warn_on_once!(folio.ref_count() < 0) {
            return None;
        }
        // Fails on a zero count: a free folio is left alone.
        let speculative = folio.try_get(refs)?;
        // Split or reused meanwhile (the references are given back): again.
        let Some((folio, page, refs)) = speculative.confirm(page) else {
            continue;
        };
        // INVARIANT: `refs` references are ours; `page` is a page of `folio`.
        return Some(Refd { folio, page, refs });
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
/// `refs` counts pages from `page` on, as the walk found them (one, or those of a leaf).
#[inline(always)]
fn try_grab_folio_fast<'a>(
    page: MappedPage<'a>,
    refs: Refs,
    flags: FollFlags,
) -> Option<Grabbed<'a>> {
    vm_warn_on_once!(!page.irqs().check());

    if warn_on_once!(!flags.has_any(Foll::Get | Foll::Pin)) {
        return None;
    }
    if !flags.contains(Foll::PciP2pdma) && page.is_pci_p2pdma() {
        return None;
    }
    if flags.contains(Foll::Get) {
        return Some(try_get_folio(page, refs)?.into_refs(flags));
    }

    // FOLL_PIN. The zero page is not going anywhere and is used in a *lot* of places: it is
    // returned without a pin (and the unpin side skips it too).
    if page.is_zero() {
        // SAFETY: The zero page is never freed, nor split.
        let (folio, page) = unsafe {
            (
                Folio::from_page(page.as_ptr()),
                FolioPage::from_raw(page.as_ptr()),
            )
        };
        // INVARIANT: No pin of the zero page: `put_folio()` skips it for `FOLL_PIN`.
        return Some(Grabbed {
            folio,
            page,
            refs,
            flags,
        });
    }
    let refd = try_get_folio(page, refs)?;

    // A long-term pin of a folio in the wrong zone needs the slow path, which migrates it.
    if flags.contains(Foll::Longterm) && !refd.folio.is_longterm_pinnable() {
        refd.put();
        return None;
    }
    Some(refd.into_pins(flags))
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
fn folio_allowed(irqs: IrqsOff<'_>, folio: &Folio, flags: FollFlags) -> bool {
    // Without a pin, no problematic write can occur; a long-term pin is the egregious case.
    let reject_file_backed = flags.has_all(Foll::Pin | Foll::Longterm | Foll::Write);
    // secretmem folios are always order 0.
    let check_secretmem = cfg!(CONFIG_SECRETMEM) && !folio.is_large();
    !(reject_file_backed || check_secretmem)
        || folio_allowed_mapping(irqs, folio, reject_file_backed, check_secretmem)
}

/// The part of [`folio_allowed`] that looks at the folio's mapping: every page of a long-term
/// writable pin (io_uring, RDMA, VFIO) goes through it, inlined; the PTE loop skips it for the
/// other flags (see [`keep_needs_checks`]).
#[inline(always)]
fn folio_allowed_mapping(
    irqs: IrqsOff<'_>,
    folio: &Folio,
    reject_file_backed: bool,
    check_secretmem: bool,
) -> bool {
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
        irqs.lockdep_assert();
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
    // SAFETY: `mapping` is an RCU-freed `struct address_space`, live while interrupts are off.
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
/// `page` is the page of `folio`, which the caller grabbed with `flags`, that decides on
/// unsharing; `writable` tells whether the entry is writable, asked after the folio checks, as
/// C asks it (evaluated first, its answer was kept in a register across them).
#[inline(always)]
fn keep_folio(
    irqs: IrqsOff<'_>,
    folio: &Folio,
    page: &FolioPage,
    writable: impl FnOnce() -> bool,
    flags: FollFlags,
) -> bool {
    if !folio_allowed(irqs, folio, flags) {
        return false;
    }
    if writable() {
        return true;
    }
    // A R/O pin of an anonymous page that is not exclusive would need unsharing: a fault.
    !walk::must_unshare(None, flags, page)
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

/// A page that [`pte_range`] took and keeps, with the PTE it was read from.
#[derive(Clone, Copy)]
struct Taken<'a> {
    pte: Pte,
    kept: Kept<'a>,
}

/// Counts the entries of `run` that map the pages after the page `taken` in its folio with the
/// same rights, and stores their values in `vals` for the re-check: returns them as a run.
///
/// `taken.pte` is the entry before `run`.
#[inline(always)]
fn pte_batch<'m>(
    run: PteRun<'m>,
    taken: &Taken<'_>,
    write: bool,
    vals: &mut [u64; PTE_BATCH],
) -> PteRun<'m> {
    let Taken { pte, kept } = *taken;
    // The pages after the page kept in the folio.
    let run = run.truncate(
        kept.folio
            .nr_pages()
            .saturating_sub(kept.index())
            .saturating_sub(1),
    );
    let (pfn, writable) = (pte.pfn(), pte.is_write());
    run.prefix_while(|n, next| {
        let same = next.pfn() == pfn.wrapping_add(n).wrapping_add(1) && next.is_write() == writable;
        if !same || !pte_followable(next, write) {
            return false;
        }
        match vals.get_mut(n) {
            Some(v) => {
                *v = next.val();
                true
            }
            None => false,
        }
    })
}

/// Takes the pages after `page` in its large folio that the PTEs of `run` map, with one
/// reference update for all of them: the PTE loop's fast way through a PTE-mapped large folio.
/// Returns how many it kept (at most `run.len()`), and `false` if the walk must stop after them.
///
/// The entries are read first, then the references taken, then the PMD and each entry checked
/// again, in order; the pages kept are those before the first entry that changed (or the first
/// page that would need unsharing), where the page-by-page walk would have stopped too. An
/// entry that does not continue the run (another folio, other rights) is left to that walk.
///
/// # Safety
///
/// `taken.pte` must be the entry before `run`, `pmd` the PMD above it, and the caller holds the
/// folio with `flags` through the page `taken`, which it already keeps (so the folio-wide checks
/// were made). `dst` must be valid for writing `run.len()` entries.
///
/// Not inlined: the PTE loop's registers are better spent on the common case, a page of a small
/// folio, and a run amortises the call over up to [`PTE_BATCH`] pages. It writes the pages at
/// `dst` and the caller counts them, so that the walk's [`Out`] never has its address taken
/// and stays in registers.
#[inline(never)]
unsafe fn pte_run(
    pmd: Pmd,
    pmdp: Slot<'_, Pmd>,
    run: PteRun<'_>,
    taken: &Taken<'_>,
    flags: FollFlags,
    dst: *mut PagePtr,
) -> (usize, bool) {
    let Taken { pte, kept } = *taken;
    let page = kept.page.as_ptr();
    let mut vals = [0u64; PTE_BATCH];
    let write = flags.contains(Foll::Write);
    let batch = pte_batch(run, taken, write, &mut vals);
    // Nothing to take: the page-by-page walk goes on.
    let Some(refs) = batch.refs() else {
        return (0, true);
    };
    let n = refs.pages();
    // The pages are kept or given back below.
    let grabbed = kept.add(refs, flags);

    let mut good = 0;
    if pmd.same(pmdp.read()) {
        good = batch
            .prefix_while(|i, now| vals.get(i) == Some(&now.val()))
            .len();
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
    grabbed.keep_first(good);
    let mut i = 0;
    while i < good {
        // SAFETY: `i < good <= run.len()`: `dst` has room, by the caller's guarantee.
        unsafe {
            dst.wrapping_add(i)
                .write(page.wrapping_add(i).wrapping_add(1))
        };
        i = i.wrapping_add(1);
    }
    (good, good == n)
}

/// Walks the PTEs of `[addr, end)` under the PMD table entry `pmd` (C: `gup_fast_pte_range()`).
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
/// `pmd`, `pmdp`, `addr` and `end` must be the [`Table::parts`] of a PMD table entry of the
/// current mm.
unsafe fn pte_range(
    pmd: Pmd,
    pmdp: Slot<'_, Pmd>,
    addr: usize,
    end: usize,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) -> bool {
    let write = flags.contains(Foll::Write);
    let irqs = pmdp.irqs();
    // SAFETY: The parts of a PMD table entry, by the caller's guarantee.
    let Some(table) = (unsafe { PteTable::map(pmd, pmdp, addr, end) }) else {
        return false;
    };
    let mut ptes = table.ptes();
    // The page-by-page loop leaves the outer one at a page of a large folio, whose next pages
    // are then taken as a run: the inner loop calls nothing but the grab, which keeps its state
    // in registers.
    'walk: loop {
        let taken = loop {
            let pte = ptes.read();
            if !pte_followable(pte, write) {
                break 'walk false;
            }
            // Not special: it must have a memmap entry.
            vm_warn_on_once!(!pgtable::pfn_valid(pte.pfn()));
            // SAFETY: A present entry that is not special has a `struct page`; read from the
            // page table just now, with interrupts off.
            let page = unsafe { MappedPage::new(irqs, pte.page()) };

            // `addr < end`: the page has room (see `Out`).
            debug_assert!(out.has_room(1));
            let Some(grabbed) = try_grab_folio_fast(page, Refs::ONE, flags) else {
                break 'walk false;
            };
            let folio = grabbed.folio();

            // Each check leaves by the one way out, as C's gotos do: so the compiler branches
            // instead of combining the outcomes into flags.
            let keep = 'keep: {
                if !(pmd.same(pmdp.read()) && ptes.unchanged(pte)) {
                    break 'keep false;
                }
                if checks && !keep_folio(irqs, folio, grabbed.page(), || pte.is_write(), flags) {
                    break 'keep false;
                }
                // The content is about to be accessed (the FOLL_PIN case): make it accessible
                // (see Documentation/core-api/pin_user_pages.rst).
                !flags.contains(Foll::Pin) || folio.make_accessible().is_ok()
            };
            if !keep {
                grabbed.put();
                break 'walk false;
            }
            let kept = grabbed.keep();
            kept.folio.set_referenced();
            // SAFETY: `addr < end`: it has room (see `Out`); one page.
            unsafe { out.push_run(page.as_ptr(), 1) };

            ptes = match ptes.advance() {
                Some(next) => next,
                None => break 'walk true,
            };
            // Any large folio, hugetlb included (arm64 maps 64K hugetlb pages with contiguous
            // PTEs): the rest of the run is taken in one go. (cow's io_uring R/O case hangs
            // on arm64 with or without this, on the stock C kernel too: the request never
            // completes in io_uring; see docs/reliability.md.)
            if kept.folio.is_large() {
                break Taken { pte, kept };
            }
        };
        // At most `PTE_BATCH` entries of `[addr, end)`, which has room (see `Out`).
        let run = ptes.run(PTE_BATCH);
        debug_assert!(out.has_room(run.len()));
        // SAFETY: `taken.pte` was read from the entry before `run` and maps `taken.page`, kept
        // with its folio; `pmd` is the PMD above; `[addr, end)` has room for `run`.
        let (n, go_on) = unsafe { pte_run(pmd, pmdp, run, &taken, flags, out.next) };
        // SAFETY: `pte_run()` wrote `n <= run.len()` pages of `[addr, end)`, which has room.
        unsafe { out.add(n) };
        if !go_on {
            break false;
        }
        // SAFETY: `n <= run.len()`, at most the pages left.
        ptes = match unsafe { ptes.skip(n) } {
            Some(next) => next,
            None => break true,
        };
    }
}

/// Grabs the pages of a PMD or PUD leaf in the walk's range, with one reference update for all
/// of them (C: the body of `gup_fast_pmd_leaf()`/`gup_fast_pud_leaf()`).
///
/// `still_same` re-reads the entry and compares it with the copy the walk followed, `writable`
/// tells whether the copy is writable (asked only when needed, as C does).
#[inline(always)]
fn leaf<const ONE: bool>(
    pages: LeafPages<'_>,
    writable: impl FnOnce() -> bool,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
    still_same: impl FnOnce() -> bool,
) -> bool {
    let (first, refs) = (pages.first(), pages.refs());
    let nr = refs.pages();
    // `[addr, end)` is part of the walk's range still to go: it has room (see `Out`).
    debug_assert!(out.has_room(nr));
    let Some(grabbed) = try_grab_folio_fast(first, refs, flags) else {
        return false;
    };
    let folio = grabbed.folio();
    // One-page walks call the check out of line (see `leaf_allowed()`); the others, whose
    // leaves are many per call (2 MiB each for a long-term pin of hugetlb or THP memory), take
    // it inline and keep the walk's values in registers across it.
    let allowed = |irqs| {
        if ONE {
            leaf_allowed(irqs, folio, writable, flags)
        } else {
            leaf_keep(irqs, folio, writable, flags)
        }
    };
    if !still_same() || checks && !allowed(first.irqs()) {
        grabbed.put();
        return false;
    }
    let kept = grabbed.keep();
    // SAFETY: `[addr, end)` has room (see `Out`), and its `nr` pages are consecutive pages of
    // the folio (`LeafPages`).
    unsafe { out.push_run(first.as_ptr(), nr) };
    kept.folio.set_referenced();
    true
}

/// [`keep_folio`] for the folio of a leaf, which decides on unsharing by its first page.
#[inline(always)]
fn leaf_keep(
    irqs: IrqsOff<'_>,
    folio: &Folio,
    writable: impl FnOnce() -> bool,
    flags: FollFlags,
) -> bool {
    // SAFETY: The folio is held: its first page is a page of it, kept from being split.
    let head = unsafe { FolioPage::from_raw(folio.page(0)) };
    keep_folio(irqs, folio, head, writable, flags)
}

/// [`leaf_keep`], out of line, for one-page walks.
///
/// Only some flags need it (see [`keep_needs_checks`]), and inlined it would take registers
/// from the one-page walk's common path, the PTE (which spills a register more).
#[inline(never)]
fn leaf_allowed(
    irqs: IrqsOff<'_>,
    folio: &Folio,
    writable: impl FnOnce() -> bool,
    flags: FollFlags,
) -> bool {
    leaf_keep(irqs, folio, writable, flags)
}

/// A PMD leaf (THP or hugetlb) (C: `gup_fast_pmd_leaf()`).
#[inline(always)]
fn pmd_leaf<const ONE: bool>(
    entry: Leaf<'_, Pmd, ONE>,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) -> bool {
    let Some(pages) = entry.pages(flags.contains(Foll::Write)) else {
        return false;
    };
    let (orig, seen) = (entry.value(), entry.seen());
    leaf::<ONE>(
        pages,
        || orig.is_write(),
        flags,
        checks,
        out,
        || seen.unchanged(),
    )
}

/// A PUD leaf (hugetlb, or a PUD-sized THP) (C: `gup_fast_pud_leaf()`).
#[inline(always)]
fn pud_leaf<const ONE: bool>(
    entry: Leaf<'_, Pud, ONE>,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) -> bool {
    let Some(pages) = entry.pages(flags.contains(Foll::Write)) else {
        return false;
    };
    let (orig, seen) = (entry.value(), entry.seen());
    leaf::<ONE>(
        pages,
        || orig.is_write(),
        flags,
        checks,
        out,
        || seen.unchanged(),
    )
}

/// The PMDs under the PUD table entry `pud` (C: `gup_fast_pmd_range()`).
#[inline(always)]
fn pmd_range<const ONE: bool>(
    pud: Table<'_, Pud, ONE>,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) -> bool {
    // Lives until the loop ends: a folded level's entries are this copy.
    let mut copy = MaybeUninit::uninit();
    let mut pmds = pud.lower(&mut copy);
    loop {
        let ok = match pmds.read().kind() {
            Kind::Absent => return false,
            // PROT_NONE goes to the slow path, as in pte_range().
            Kind::Leaf(leaf) => !leaf.value().is_protnone() && pmd_leaf(leaf, flags, checks, out),
            Kind::Table(table) => {
                let (pmd, pmdp, addr, end) = table.parts();
                // SAFETY: The parts of a PMD table entry.
                unsafe { pte_range(pmd, pmdp, addr, end, flags, checks, out) }
            }
        };
        if !ok {
            return false;
        }
        pmds = match pmds.advance() {
            Some(next) => next,
            None => return true,
        };
    }
}

/// The PUDs under the P4D table entry `p4d` (C: `gup_fast_pud_range()`).
#[inline(always)]
fn pud_range<const ONE: bool>(
    p4d: Table<'_, P4d, ONE>,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) -> bool {
    // As in pmd_range().
    let mut copy = MaybeUninit::uninit();
    let mut puds = p4d.lower(&mut copy);
    loop {
        let ok = match puds.read().kind() {
            Kind::Absent => return false,
            Kind::Leaf(leaf) => pud_leaf(leaf, flags, checks, out),
            Kind::Table(table) => pmd_range(table, flags, checks, out),
        };
        if !ok {
            return false;
        }
        puds = match puds.advance() {
            Some(next) => next,
            None => return true,
        };
    }
}

/// The P4Ds under the PGD table entry `pgd` (C: `gup_fast_p4d_range()`).
#[inline(always)]
fn p4d_range<const ONE: bool>(
    pgd: Table<'_, Pgd, ONE>,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) -> bool {
    // As in pmd_range().
    let mut copy = MaybeUninit::uninit();
    let mut p4ds = pgd.lower(&mut copy);
    loop {
        // No P4D leaves on the architectures GUP-fast supports.
        let Some(table) = p4ds.read().table() else {
            return false;
        };
        if !pud_range(table, flags, checks, out) {
            return false;
        }
        p4ds = match p4ds.advance() {
            Some(next) => next,
            None => return true,
        };
    }
}

/// Walks the range of `pgds` and grabs what it can, stopping at the first entry it cannot take
/// (C: `gup_fast_pgd_range()`).
///
/// `checks` is [`keep_needs_checks`] of `flags`, worked out once by the caller and passed down
/// to the PTE and leaf functions with `flags`.
///
/// `ONE` says that `[addr, end)` is a single page (so is `[addr, next)` at every level, down to
/// the PTEs): one entry per level, and the compiler folds the loops and the boundary arithmetic
/// away. One-page calls are common (`get_user_pages_fast_only()` of a page, futexes, ...), and
/// most of what they cost is the walk's fixed part; C walks them with the general loops.
#[inline(always)]
fn pgd_range<const ONE: bool>(
    mut pgds: Entries<'_, Pgd, ONE>,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) {
    loop {
        // No PGD leaves either.
        let Some(table) = pgds.read().table() else {
            return;
        };
        if !p4d_range(table, flags, checks, out) {
            return;
        }
        pgds = match pgds.advance() {
            Some(next) => next,
            None => return,
        };
    }
}

/// [`pgd_range`] in a frame of its own: `ONE` for one page, or a range of more for a pin.
///
/// The one-page walk is kept apart so that it stays a single function with every level folded
/// in, which is what makes it cheaper than C's. A pin's many-page walk is kept apart so that the
/// values [`gup_fast_fallback`] needs after the walk (the range, the array, the flags) are saved
/// once around this call: inlined, they were reloaded after every call inside the walk (the
/// folio's pin statistics, the long-term pinnability check), which cost each 2 MiB leaf of a
/// long-term pin about 10 instructions more than this call costs once per GUP-fast call. A
/// reference's walk calls nothing per folio, so it stays inlined into `gup_fast_fallback()`, a
/// frame less per call.
///
/// # Safety
///
/// `mm` must be the current task's mm, `addr < end <= TASK_SIZE_MAX`, both page aligned, and
/// with `ONE`, `end == addr + PAGE_SIZE`.
#[inline(never)]
unsafe fn pgd_range_at<const ONE: bool>(
    irqs: IrqsOff<'_>,
    mm: MmPtr,
    addr: usize,
    end: usize,
    flags: FollFlags,
    checks: bool,
    out: &mut Out,
) {
    // SAFETY: The caller's guarantee is what `current()` asks, with `ONE` only for one page.
    let pgds = unsafe { Entries::<Pgd, ONE>::current(irqs, mm, addr, end) };
    pgd_range(pgds, flags, checks, out)
}

/// The lockless part: grabs the pages of `[start, end)` into `pages` from the first on, and
/// returns how many (C: `gup_fast()`).
///
/// # Safety
///
/// `mm` is the current task's mm; `start < end <= TASK_SIZE_MAX`, page aligned; `pages` valid
/// for writing `(end - start) >> PAGE_SHIFT` entries. Process context.
#[inline(always)]
unsafe fn gup_fast(
    mm: &MmRef<'_>,
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
    if pin {
        // An odd count: fork() is write-protecting right now, and the walk would fail anyway.
        match mm.write_protect_seq_try_begin() {
            Some(s) => seq = s,
            None => return 0,
        }
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
    // With interrupts off, page-table pages cannot be freed under the walk (see the module
    // documentation).
    IrqsOff::with(|irqs| {
        if end.wrapping_sub(start) == PAGE_SIZE {
            // SAFETY: `mm` is current's and the range was checked by the caller; one page.
            unsafe { pgd_range_at::<true>(irqs, mm.as_raw(), start, end, flags, checks, &mut out) }
        } else if pin {
            // SAFETY: `mm` is current's and the range was checked by the caller; more than one
            // page, so `ONE` is false.
            unsafe { pgd_range_at::<false>(irqs, mm.as_raw(), start, end, flags, checks, &mut out) }
        } else {
            // SAFETY: `mm` is current's, `start < end <= TASK_SIZE_MAX` page aligned (the
            // caller's checks), as `current()` asks for a walk of many pages.
            let pgds = unsafe { Entries::<Pgd, false>::current(irqs, mm.as_raw(), start, end) };
            pgd_range(pgds, flags, checks, &mut out)
        }
    });

    let nr = out.count(pages);
    if pin {
        // SAFETY: The first `nr` entries are the pages just pinned, whose pins are handed back
        // below or, if kept, go to the caller with the array.
        let pinned = unsafe { PinnedPages::from_raw(pages, nr) };
        if mm.write_protect_seq_retry(seq) {
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
/// One copy for the three entry points, with `gup_fast()` inlined, and the walk too but for one
/// page or a pin (see [`pgd_range_at`]).
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
    // SAFETY: GUP-fast runs in process context on a task with an mm (the entry points' contract:
    // C dereferences `current->mm` here without a check), and the task keeps its mm while it
    // runs, which is longer than this call.
    let mm = unsafe { MmRef::from_raw(basics::current_mm()) };
    if flags.contains(Foll::Pin) {
        mm.set_has_pinned();
    }
    if cfg!(CONFIG_LOCKDEP) && !flags.contains(Foll::FastOnly) {
        mm.might_lock_read();
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
        unsafe { gup_fast(&mm, start, end, flags, pages) }
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
            mm.as_raw(),
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
    use crate::slow::tests::{
        gup_fast,
        map,
        Fast, //
    };
    use kernel::ffi::c_int;

    const PROT_READ: c_ulong = bindings::PROT_READ as c_ulong;
    const PROT_RW: c_ulong = (bindings::PROT_READ | bindings::PROT_WRITE) as c_ulong;
    const PRIVATE: c_ulong = (bindings::MAP_PRIVATE | bindings::MAP_ANONYMOUS) as c_ulong;
    const WRITE: u32 = bindings::FOLL_WRITE;

    /// Calls a GUP-fast entry point for at most 4 pages; releases what it took and returns the
    /// result and the pages (which may be dangling by then: only compared).
    fn call(which: Fast, addr: usize, n: c_int, flags: u32) -> (c_int, [PagePtr; 4]) {
        let (ret, taken) = gup_fast(which, addr, n, flags);
        (ret, taken.ptrs())
    }

    fn err(e: Error) -> c_int {
        e.to_errno()
    }

    #[test]
    fn fast_only_takes_what_is_mapped() -> Result {
        let a = map(4, PROT_RW, PRIVATE)?;
        // Nothing populated: GUP-fast finds no entry, and fast-only has no slow path.
        let (none, _) = call(Fast::GetOnly, a, 4, WRITE);
        // get_user_pages_fast() falls back and faults the pages in.
        let (faulted, first) = call(Fast::Get, a, 4, WRITE);
        // Now they are mapped writable: the lockless walk takes them all, the same pages.
        let (fast, again) = call(Fast::GetOnly, a, 4, WRITE);
        // A range starting inside and running past the mapping: GUP-fast stops at the hole.
        let (partial, _) = call(Fast::GetOnly, a + 2 * PAGE_SIZE, 4, 0);
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
        let (partial, _) = call(Fast::Pin, a, 3, WRITE);
        let (hole, _) = call(Fast::Pin, a + PAGE_SIZE, 1, WRITE);
        let (zero, _) = call(Fast::Pin, a, 0, WRITE);
        // A negative count sign-extends, and the range wraps.
        let (negative, _) = call(Fast::Pin, a, -1, WRITE);
        let (wraps, _) = call(Fast::Pin, usize::MAX & PAGE_MASK, 2, 0);
        let top = kernel::mm::task_size_max();
        let (above, _) = call(Fast::Pin, top - PAGE_SIZE, 2, 0);
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
        let (populated, _) = call(Fast::Get, rw, 1, WRITE);

        // The pin is seen on the folio while it is held, and given back with `held`.
        let (pinned, held) = gup_fast(Fast::Pin, rw, 1, WRITE);
        let dma_pinned = held.page(0).is_some_and(|p| p.folio().maybe_dma_pinned());
        drop(held);

        // A write to a read-only mapping: the walk refuses, the slow path fails.
        let (ro_write, _) = call(Fast::Pin, ro, 1, WRITE);
        // A read of an untouched read-only page: the slow path maps the zero page, whose
        // special entry GUP-fast leaves to the slow path every time.
        let (ro_read, _) = call(Fast::Get, ro, 1, 0);
        let (ro_fast_only, _) = call(Fast::GetOnly, ro, 1, 0);
        assert_eq!(populated, 1);
        assert_eq!(pinned, 1);
        assert!(dma_pinned);
        assert_eq!(ro_write, err(EFAULT));
        assert_eq!(ro_read, 1);
        assert_eq!(ro_fast_only, 0);
        Ok(())
    }
}
