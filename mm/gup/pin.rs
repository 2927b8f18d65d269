// SPDX-License-Identifier: GPL-2.0

//! Reference and pin accounting: grabbing folios for GUP and releasing them.
//!
//! C original: the first part of `mm/gup.c` (`try_grab_folio()`, `gup_put_folio()` and the
//! `unpin_*()` family).
//!
//! A `FOLL_GET` reference is a plain folio reference. A `FOLL_PIN` pin is counted so that
//! `folio_maybe_dma_pinned()` can see it: a small folio gets `GUP_PIN_COUNTING_BIAS` references
//! per pin, a large folio one reference plus one `_pincount` per pin. The shared zero page is
//! never pinned: it is not going anywhere and it is used in a *lot* of places. Every pin taken is
//! counted in `NR_FOLL_PIN_ACQUIRED` and every pin dropped in `NR_FOLL_PIN_RELEASED`, so the two
//! match when nothing is pinned.

use core::ptr::NonNull;

use kernel::{
    bindings,
    prelude::*,
    sync::aref::ARef,
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
        FolioPage,
        PagePtr, //
    },
};

/// References a pin stands for on a folio without `_pincount` (C: `GUP_PIN_COUNTING_BIAS`).
pub(crate) const PIN_BIAS: i32 = 1024;
const _: () = assert!(PIN_BIAS as u32 == bindings::GUP_PIN_COUNTING_BIAS);

/// The most references or pins one [`try_grab_folio`] adds: few enough that the references of
/// as many pins of a small folio (`PIN_BIAS` each) fit an `i32`, as C's `int` count does.
pub(crate) const MAX_GRAB: u32 = (i32::MAX / PIN_BIAS) as u32;

/// Adds `refs` references or pins to `folio`, as `flags` say (C: `try_grab_folio()`).
///
/// Does nothing without `FOLL_GET` or `FOLL_PIN`. Fails with `ENOMEM` if the folio's reference
/// count is not positive (it has wrapped, or the folio is being freed) or if `refs` is above
/// [`MAX_GRAB`], and with `EREMOTEIO` for a P2PDMA folio unless `FOLL_PCI_P2PDMA` is set.
///
/// Safe: `&Folio` is a folio someone holds a reference to, and what is added is owned by the
/// caller (a leak at worst, if never given back). The count cannot be driven through zero: one
/// call adds less than 2^31 to a positive `i32`, so the sum is either still positive or has
/// wrapped to negative, and a negative count refuses every later grab (C's protection against
/// refcount overflow, CVE-2019-11487).
///
/// Context: the caller keeps `folio` stably referenced, typically by the page table lock.
#[inline(always)]
pub(crate) fn try_grab_folio(folio: &Folio, refs: u32, flags: FollFlags) -> Result {
    if warn_on_once!(folio.ref_count() <= 0 || refs > MAX_GRAB) {
        return Err(ENOMEM);
    }
    // CAST: `refs <= MAX_GRAB < i32::MAX`.
    let refs = refs as i32;
    if !flags.contains(Foll::PciP2pdma) && folio.is_pci_p2pdma() {
        // CAST: errno values are small positive integers.
        return Err(Error::from_errno(-(bindings::EREMOTEIO as i32)));
    }
    if flags.contains(Foll::Get) {
        // SAFETY: `0 <= refs`; the references added are the caller's.
        unsafe { folio.ref_add(refs) };
    } else if flags.contains(Foll::Pin) {
        if folio.is_zero() {
            return Ok(());
        }
        // Take at least one normal reference too, so that the folio really is pinned.
        if folio.has_pincount() {
            // SAFETY: `0 <= refs`, and the folio has `_pincount`; the caller owns the new pins,
            // one reference each.
            unsafe {
                folio.ref_add(refs);
                folio.pincount_add(refs);
            }
        } else {
            // SAFETY: `0 <= refs * PIN_BIAS <= i32::MAX` as `refs <= MAX_GRAB`: the `PIN_BIAS`
            // references of each pin of a small folio, owned by the caller.
            unsafe { folio.ref_add(refs.wrapping_mul(PIN_BIAS)) };
        }
        folio.node_stat_mod(bindings::node_stat_item_NR_FOLL_PIN_ACQUIRED, refs);
    }
    Ok(())
}

/// Drops `refs` references or pins taken with `flags` (C: `gup_put_folio()`).
///
/// # Safety
///
/// The caller must own `refs` references (`FOLL_GET`) or pins (`FOLL_PIN`) of `folio`, and must
/// not use it afterwards through them.
pub(crate) unsafe fn put_folio(folio: &Folio, refs: i32, flags: FollFlags) {
    let mut refs = refs;
    if flags.contains(Foll::Pin) {
        if folio.is_zero() {
            return;
        }
        folio.node_stat_mod(bindings::node_stat_item_NR_FOLL_PIN_RELEASED, refs);
        if folio.has_pincount() {
            // SAFETY: The folio has `_pincount`, and the caller owns the `refs` pins given up.
            unsafe { folio.pincount_add(refs.wrapping_neg()) };
        } else {
            refs = refs.wrapping_mul(PIN_BIAS);
        }
    }
    // SAFETY: The caller owns the references (a pin is `refs` references after the scaling).
    unsafe { folio.put_refs(refs) };
}

/// Adds one pin to a folio that is already pinned (C: `folio_add_pin()`).
///
/// # Safety
///
/// The caller must hold a pin on `folio`.
pub(crate) unsafe fn add_pin(folio: &Folio) {
    if folio.is_zero() {
        return;
    }
    // As in `try_grab_folio()`, also take a normal reference, so that the folio really is pinned.
    if folio.has_pincount() {
        warn_on_once!(folio.pincount().is_some_and(|pins| pins < 1));
        // SAFETY: One more pin and its reference, owned by the caller; the folio has
        // `_pincount`.
        unsafe {
            folio.ref_add(1);
            folio.pincount_add(1);
        }
    } else {
        warn_on_once!(folio.ref_count() < PIN_BIAS);
        // SAFETY: One more pin of a small folio, owned by the caller.
        unsafe { folio.ref_add(PIN_BIAS) };
    }
}

/// One pin of a folio, given up when the value is dropped.
///
/// # Invariants
///
/// `self.0` is a folio with one pin (`FOLL_PIN`) that this value owns.
pub(crate) struct FolioPin(NonNull<Folio>);

impl FolioPin {
    /// Pins `folio` once (C: `try_grab_folio(folio, 1, FOLL_PIN)`); the zero page's folio is
    /// never really pinned, and giving up its "pin" does nothing either.
    pub(crate) fn new(folio: &Folio) -> Result<Self> {
        try_grab_folio(folio, 1, Foll::Pin.into())?;
        // INVARIANT: The pin just taken, owned by nobody else.
        Ok(Self(NonNull::from(folio)))
    }

    /// Takes over a pin of `folio`.
    ///
    /// # Safety
    ///
    /// The caller owns a pin of `folio` and hands it over.
    pub(crate) unsafe fn from_folio(folio: &Folio) -> Self {
        // INVARIANT: By the caller's guarantee.
        Self(NonNull::from(folio))
    }

    /// The pinned folio.
    pub(crate) fn folio(&self) -> &Folio {
        // SAFETY: The pin (type invariant) keeps the folio while `self` lives.
        unsafe { self.0.as_ref() }
    }

    /// Hands the pin over to C (an entry of a folio array that the caller fills), which gives
    /// it up later.
    pub(crate) fn into_raw(self) -> *mut bindings::folio {
        core::mem::ManuallyDrop::new(self).folio().as_ptr()
    }

    /// Turns the pin into a plain reference (as before migrating the folio, which fails on a
    /// pinned one).
    ///
    /// C: `folio_get()`, then `gup_put_folio(folio, 1, FOLL_PIN)`.
    pub(crate) fn into_ref(self) -> ARef<Folio> {
        // The new reference is taken while the pin still keeps the folio.
        let folio = ARef::from(self.folio());
        drop(self);
        folio
    }
}

impl Drop for FolioPin {
    fn drop(&mut self) {
        // SAFETY: The pin this value owns (type invariant), given up once.
        unsafe { put_folio(self.folio(), 1, Foll::Pin.into()) };
    }
}

/// An array of pinned pages, as passed to the `unpin_user_pages*()` family: the value owns one
/// pin per non-NULL entry, and giving them up consumes it.
///
/// # Invariants
///
/// Every non-NULL entry is a page with a pin (`FOLL_PIN`) that the holder of this value owns.
pub(crate) struct PinnedPages<'a>(&'a [PagePtr]);

impl<'a> PinnedPages<'a> {
    /// Takes over the pins of a C page array.
    ///
    /// # Safety
    ///
    /// `pages` must be valid for reading `len` entries, which nobody writes, for `'a` (it may be
    /// NULL when `len` is 0); each non-NULL entry must be a page pinned by the caller, which
    /// hands that pin over to the returned value.
    pub(crate) unsafe fn from_raw(pages: *mut PagePtr, len: usize) -> Self {
        if pages.is_null() || len == 0 {
            return Self(&[]);
        }
        // A length no array can have is the caller's bug (C would read past the end).
        let len = len.min(isize::MAX as usize / core::mem::size_of::<PagePtr>());
        // SAFETY: Non-NULL, readable for `len` entries and not written for `'a`, by the caller's
        // guarantee. INVARIANT: The caller hands over the pins of the non-NULL entries.
        Self(unsafe { core::slice::from_raw_parts(pages, len) })
    }

    /// Takes over the pins of the non-NULL entries of `pages`.
    ///
    /// # Safety
    ///
    /// Each non-NULL entry must be a page pinned by the caller, which hands the pin over.
    pub(crate) unsafe fn from_slice(pages: &'a [PagePtr]) -> Self {
        // INVARIANT: By the caller's guarantee.
        Self(pages)
    }

    /// The number of entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Returns entry `i`, or NULL past the end.
    #[inline]
    fn get(&self, i: usize) -> PagePtr {
        self.0.get(i).copied().unwrap_or(core::ptr::null_mut())
    }

    /// Borrows the page of entry `i`, or `None` for a NULL entry or past the end.
    #[inline(always)]
    fn page(&self, i: usize) -> Option<&FolioPage> {
        let page = self.get(i);
        // SAFETY: A non-NULL entry is a pinned page (type invariant); the pin, which `self`
        // owns until it is consumed, keeps the page's folio referenced and unsplit while `self`
        // is borrowed.
        (!page.is_null()).then(|| unsafe { FolioPage::from_raw(page) })
    }

    /// Returns the folio of entry `i` and how many entries from `i` on belong to it, or `None`
    /// for a NULL entry (C: `gup_folio_next()`).
    #[inline]
    fn folio_run(&self, i: usize) -> Option<(&Folio, usize)> {
        let page = self.page(i)?;
        let first = page.as_ptr();
        let folio = page.folio();
        // No wraps below: `i < next <= len`, and the pointers stay within the memmap (or one
        // past a folio's last page). (GUP-fast gives pins back through this with interrupts just
        // re-enabled; it is kept free of overflow checks anyway.)
        let mut next = i.wrapping_add(1);
        if folio.is_large() {
            // The pages of a folio are contiguous in the memmap, and GUP returns them in order:
            // an entry that is the page after the previous one, and not past the folio's last
            // page, is in the folio without a look at its `struct page`. Others are checked as
            // below.
            let end = folio.page(0).wrapping_add(folio.nr_pages());
            let mut expect = first.wrapping_add(1);
            while next < self.len() {
                let page = self.get(next);
                if (page != expect || page >= end)
                    && !self
                        .page(next)
                        .is_some_and(|p| core::ptr::eq(p.folio(), folio))
                {
                    break;
                }
                expect = page.wrapping_add(1);
                next = next.wrapping_add(1);
            }
            return Some((folio, next.wrapping_sub(i)));
        }
        // A small folio has one page, `first`: an entry is in it exactly when it is `first`
        // again (the zero page or a KSM page mapped at consecutive addresses). Comparing the
        // pointers spares reading every next entry's `struct page`, which is most of the work
        // when each page is its own folio; a NULL entry ends the run as any other page does.
        while next < self.len() && self.get(next) == first {
            next = next.wrapping_add(1);
        }
        Some((folio, next.wrapping_sub(i)))
    }

    /// Checks, with `CONFIG_DEBUG_VM`, that pinned anonymous pages are still exclusive
    /// (C: `sanity_check_pinned_pages()`).
    ///
    /// Anonymous pages are only pinned if they are exclusive, and once pinned they cannot become
    /// shared, so `PageAnonExclusive()` sticks until the page is freed. For an anonymous THP it is
    /// not known how the THP was mapped when it was pinned, but either the page (PTE-mapped) or
    /// the head page (PMD-mapped) must be exclusive.
    pub(crate) fn sanity_check(&self) {
        if !cfg!(CONFIG_DEBUG_VM) {
            return;
        }
        for i in 0..self.len() {
            let Some(page) = self.page(i) else {
                continue;
            };
            let folio = page.folio();
            if page.is_zero() || !folio.is_anon() {
                continue;
            }
            let head_excl = folio.page_ref(0).is_some_and(FolioPage::is_anon_exclusive);
            let (page_excl, idx) = (page.is_anon_exclusive(), page.index_in_folio());
            if !folio.is_large() || folio.is_hugetlb() {
                vm_warn_on_once_folio!(!head_excl, folio, idx);
            } else {
                vm_warn_on_once_folio!(!head_excl && !page_excl, folio, idx);
            }
        }
    }
}

impl PinnedPages<'_> {
    /// Unpins every non-NULL page, one `gup_put_folio()` per run of pages of the same folio,
    /// marking the folios dirty first if `make_dirty` (C: `unpin_user_pages()` and
    /// `unpin_user_pages_dirty_lock()` after their argument check).
    pub(crate) fn unpin(self, make_dirty: bool) {
        self.sanity_check();
        if make_dirty {
            self.release::<true>();
        } else {
            self.release::<false>();
        }
    }

    /// Unpins every non-NULL page without the sanity check, for GUP-fast giving back pins that
    /// raced with fork(), which may have made anonymous pages shared since
    /// (C: `gup_fast_unpin_user_pages()`).
    pub(crate) fn put_back(self) {
        self.release::<false>();
    }

    /// The loop of [`Self::unpin`] and [`Self::put_back`], made once with and once without
    /// marking the folios dirty.
    fn release<const MAKE_DIRTY: bool>(self) {
        let mut i = 0;
        while i < self.len() {
            let Some((folio, nr)) = self.folio_run(i) else {
                i = i.wrapping_add(1);
                continue;
            };
            // Checking the dirty flag here may race with `clear_page_dirty_for_io()`, which is
            // fine either way: seen dirty, the folio is about to be written back, which was the
            // point of dirtying it; seen clean, the folio is dirtied and written back once more.
            if MAKE_DIRTY && !folio.is_dirty() {
                folio.mark_dirty_locked();
            }
            // CAST: `nr` is at most the length of a folio run, which C counts in an `int` too.
            // SAFETY: The `nr` entries of the run are pins of `folio` that `self` owns (type
            // invariant); each is given up once, as `self` is consumed and `i` moves past them.
            unsafe { put_folio(folio, nr as i32, Foll::Pin.into()) };
            // No wrap: `i + nr <= len`.
            i = i.wrapping_add(nr);
        }
    }
}

/// Unpins `npages` physically contiguous pages starting at `page`
/// (C: `unpin_user_page_range_dirty_lock()`).
///
/// # Safety
///
/// The `npages` pages from `page` on must be pinned by the caller, which gives the pins up.
pub(crate) unsafe fn unpin_page_range(page: PagePtr, npages: usize, make_dirty: bool) {
    if cfg!(CONFIG_DEBUG_VM) {
        // SAFETY: `page` starts a range of `npages` pages by the caller's guarantee.
        let contiguous = unsafe { bindings::page_range_contiguous(page, npages) };
        warn_on_once!(!contiguous);
    }
    let mut i = 0;
    while i < npages {
        // No wrap: `i < npages`, and the range is in the memmap.
        let next = page.wrapping_add(i);
        // SAFETY: `i < npages`, so `next` is a page of the caller's pinned range, pinned until
        // the put below (which keeps its folio referenced and whole).
        let next = unsafe { FolioPage::from_raw(next) };
        let folio = next.folio();
        let nr = match folio.large_nr_pages() {
            // `next` is a page of `folio` (`FolioPage::folio()`), so its index is below the
            // folio's size: the difference is at least 1 and the loop moves on (C's reasoning;
            // `wrapping_sub` only spares the check that the invariant makes dead).
            Some(size) => core::cmp::min(npages - i, size.wrapping_sub(folio.index_of(next))),
            None => 1,
        };
        if make_dirty && !folio.is_dirty() {
            folio.mark_dirty_locked();
        }
        // CAST: `nr` is at most the size of one folio.
        // SAFETY: The caller gives up its `nr` pins of `folio`.
        unsafe { put_folio(folio, nr as i32, Foll::Pin.into()) };
        // No wrap: `nr <= npages - i`.
        i = i.wrapping_add(nr);
    }
}

/// An array of pinned folios, as passed to `unpin_folios()`: the value owns one pin per non-NULL
/// entry, and giving them up consumes it.
///
/// # Invariants
///
/// Every non-NULL entry is a folio with a pin that the holder of this value owns; an entry that
/// repeats stands for one more pin.
pub(crate) struct PinnedFolios<'a>(&'a [*mut bindings::folio]);

impl<'a> PinnedFolios<'a> {
    /// Takes over the pins of a C folio array.
    ///
    /// # Safety
    ///
    /// `folios` must be valid for reading `len` entries, which nobody writes, for `'a` (it may be
    /// NULL when `len` is 0); each non-NULL entry must stand for one pin held by the caller,
    /// which hands it over to the returned value.
    pub(crate) unsafe fn from_raw(folios: *mut *mut bindings::folio, len: usize) -> Self {
        if folios.is_null() || len == 0 {
            return Self(&[]);
        }
        // A length no array can have is the caller's bug (C would read past the end).
        let len = len.min(isize::MAX as usize / core::mem::size_of::<*mut bindings::folio>());
        // SAFETY: Non-NULL, readable for `len` entries and not written for `'a`, by the caller's
        // guarantee. INVARIANT: The caller hands over the pins of the non-NULL entries.
        Self(unsafe { core::slice::from_raw_parts(folios, len) })
    }

    /// Takes over the pins of the non-NULL entries of `folios`.
    ///
    /// # Safety
    ///
    /// Each non-NULL entry must stand for a pin held by the caller, which hands it over.
    pub(crate) unsafe fn from_slice(folios: &'a [*mut bindings::folio]) -> Self {
        // INVARIANT: By the caller's guarantee.
        Self(folios)
    }

    /// Unpins every non-NULL entry, one `gup_put_folio()` per run of equal entries
    /// (C: `unpin_folios()` after its argument check).
    pub(crate) fn unpin(self) {
        let mut rest = self.0;
        while let Some(&cur) = rest.first() {
            // At least 1: `cur` itself.
            let run = rest.iter().take_while(|&&f| f == cur).count();
            if !cur.is_null() {
                // CAST: As C, which passes the run length as an `int`.
                // SAFETY: A non-NULL entry is a folio pinned once per entry of its run, pins that
                // `self` owns (type invariant) and gives up once, as `self` is consumed.
                unsafe { put_folio(Folio::from_raw(cur), run as i32, Foll::Pin.into()) };
            }
            rest = rest.get(run..).unwrap_or(&[]);
        }
    }
}

#[cfg(CONFIG_RUST_GUP_KUNIT_TEST)]
#[kunit_tests(rust_gup_pin)]
mod tests {
    //! The pin accounting and the unpin exports. The fixtures own what a test takes: folios as
    //! `ARef<Folio>`, references and pins as [`Grabbed`] (given back when dropped), and they pass
    //! pins to the C exports only in arrays that stand for exactly those pins, so the test bodies
    //! are safe code. A failed assertion returns from the test, and what it still owns is given
    //! back on the way out: a pin left behind would show up as unbalanced nr_foll_pin_*
    //! counters. (Those counters are per-CPU deltas folded lazily, so the tests do not read them;
    //! the harness checks their balance at the end.)

    use super::*;

    use kernel::{
        ffi::{
            c_uint,
            c_ulong, //
        },
        page::Page,
    };

    /// A small folio of the test's own.
    fn small_folio() -> Result<ARef<Folio>> {
        Ok(Page::alloc_page(GFP_KERNEL)?.into())
    }

    /// A large folio of `1 << order` pages.
    fn large_folio(order: u32) -> Result<ARef<Folio>> {
        // SAFETY: Allocating a folio has no precondition; a folio allocated comes with one
        // reference, which the `ARef` owns.
        unsafe {
            let raw = bindings::folio_alloc(bindings::GFP_KERNEL, order);
            let raw = NonNull::new(raw.cast::<Folio>()).ok_or(ENOMEM)?;
            Ok(ARef::from_raw(raw))
        }
    }

    /// The shared zero page's folio.
    fn zero_folio() -> &'static Folio {
        // SAFETY: `ZERO_PAGE()` has no precondition; the page it returns is never freed nor
        // split.
        unsafe { Folio::from_page(bindings::ZERO_PAGE(0)) }
    }

    /// References or pins of a folio, given back (C: `gup_put_folio()`) when dropped.
    ///
    /// # Invariants
    ///
    /// The value owns `refs` references (`FOLL_GET`) or pins (`FOLL_PIN`) of `folio`, as `flags`
    /// say, and `refs <= MAX_GRAB`.
    struct Grabbed<'a> {
        folio: &'a Folio,
        refs: u32,
        flags: FollFlags,
    }

    impl<'a> Grabbed<'a> {
        /// Takes `refs` references or pins with `try_grab_folio()`.
        fn new(folio: &'a Folio, refs: u32, flags: FollFlags) -> Result<Self> {
            try_grab_folio(folio, refs, flags)?;
            // INVARIANT: What the grab just took, which it refuses above `MAX_GRAB`.
            Ok(Self { folio, refs, flags })
        }

        /// Takes `pins` pins.
        fn pins(folio: &'a Folio, pins: u32) -> Result<Self> {
            Self::new(folio, pins, Foll::Pin.into())
        }

        /// Whether the value holds pins rather than references.
        fn is_pins(&self) -> bool {
            self.flags == Foll::Pin.into()
        }
    }

    impl Drop for Grabbed<'_> {
        fn drop(&mut self) {
            // CAST: At most `MAX_GRAB` (type invariant).
            // SAFETY: What the value owns (type invariant), given up once.
            unsafe { put_folio(self.folio, self.refs as i32, self.flags) };
        }
    }

    /// Whether the non-NULL `entries` stand for exactly `pins`: pins of different folios, each
    /// with as many entries in its folio (`in_folio`) as it holds pins, and no other entry.
    fn are_pins<T>(
        pins: &[Grabbed<'_>],
        entries: &[*mut T],
        in_folio: impl Fn(&Folio, *mut T) -> bool,
    ) -> bool {
        let mut total = 0usize;
        for (i, pin) in pins.iter().enumerate() {
            if !pin.is_pins()
                || pins
                    .iter()
                    .take(i)
                    .any(|p| core::ptr::eq(p.folio, pin.folio))
            {
                return false;
            }
            let n = entries
                .iter()
                .filter(|&&e| !e.is_null() && in_folio(pin.folio, e))
                .count();
            if n != pin.refs as usize {
                return false;
            }
            total += n;
        }
        entries.iter().filter(|e| !e.is_null()).count() == total
    }

    /// Whether `page` is a page of `folio` (the pointers are only compared).
    fn in_folio(folio: &Folio, page: PagePtr) -> bool {
        let first = folio.page(0);
        first <= page && page < first.wrapping_add(folio.nr_pages())
    }

    /// The export [`unpin_pages`] calls.
    #[derive(Clone, Copy)]
    enum Unpin {
        /// `unpin_user_page()`, on the one entry.
        Page,
        /// `unpin_user_pages()`.
        Pages,
        /// `unpin_user_pages_dirty_lock()`, with its `make_dirty`.
        PagesDirtyLock(bool),
    }

    /// Gives `pins` up through the export `how` says, with `pages` as its array; `EINVAL`, with
    /// the pins given back by their drop, unless the non-NULL entries stand for exactly `pins`
    /// (and, for `unpin_user_page()`, are one entry).
    fn unpin_pages<const N: usize>(
        how: Unpin,
        pins: [Grabbed<'_>; N],
        pages: &mut [PagePtr],
    ) -> Result {
        if !are_pins(&pins, pages, in_folio) {
            return Err(EINVAL);
        }
        let one = match (how, &*pages) {
            (Unpin::Page, [page]) if !page.is_null() => *page,
            (Unpin::Page, _) => return Err(EINVAL),
            _ => core::ptr::null_mut(),
        };
        core::mem::forget(pins);
        // CAST: A test's array is short.
        let (ptr, len) = (pages.as_mut_ptr(), pages.len() as c_ulong);
        // SAFETY: `pages` holds `len` entries, and `one` is its only one for `Unpin::Page`; the
        // non-NULL entries stand for exactly the pins of `pins` (checked above), which are
        // handed over, as `pins` is forgotten.
        unsafe {
            match how {
                Unpin::Page => crate::unpin_user_page(one),
                Unpin::Pages => crate::unpin_user_pages(ptr, len),
                Unpin::PagesDirtyLock(dirty) => crate::unpin_user_pages_dirty_lock(ptr, len, dirty),
            }
        }
        Ok(())
    }

    /// Gives `pins` up with `unpin_folios()`, `folios` as its array; as [`unpin_pages`].
    fn unpin_folios<const N: usize>(
        pins: [Grabbed<'_>; N],
        folios: &mut [*mut bindings::folio],
    ) -> Result {
        if !are_pins(&pins, folios, |f, e| core::ptr::eq(f.as_ptr(), e)) {
            return Err(EINVAL);
        }
        core::mem::forget(pins);
        // CAST: A test's array is short.
        // SAFETY: `folios` holds its length in entries, whose non-NULL ones stand for exactly the
        // pins of `pins` (checked above), which are handed over, as `pins` is forgotten.
        unsafe { crate::unpin_folios(folios.as_mut_ptr(), folios.len() as c_ulong) };
        Ok(())
    }

    /// Gives up all pins of `pins` with `unpin_user_folio()`; `EINVAL` for references.
    fn unpin_user_folio(pins: Grabbed<'_>) -> Result {
        if !pins.is_pins() {
            return Err(EINVAL);
        }
        // CAST: At most `MAX_GRAB` (type invariant).
        let n = pins.refs as c_ulong;
        let pins = core::mem::ManuallyDrop::new(pins);
        // SAFETY: `n` pins of the folio, which `pins` owned and hands over (it is not
        // dropped).
        unsafe { crate::unpin_user_folio(pins.folio.as_ptr(), n) };
        Ok(())
    }

    /// Gives up the pins of `pins` with `unpin_user_page_range_dirty_lock()`, one per page from
    /// the folio's page `first` on; `EINVAL` for references or a range past the folio's end.
    fn unpin_range(pins: Grabbed<'_>, first: usize, make_dirty: bool) -> Result {
        let n = pins.refs as usize;
        if !pins.is_pins()
            || first
                .checked_add(n)
                .is_none_or(|end| end > pins.folio.nr_pages())
        {
            return Err(EINVAL);
        }
        let pins = core::mem::ManuallyDrop::new(pins);
        // SAFETY: The `n` pages from `first` on are pages of the folio (checked above), pinned
        // once each by the pins `pins` owned and hands over (it is not dropped).
        unsafe {
            crate::unpin_user_page_range_dirty_lock(
                pins.folio.page(first),
                n as c_ulong,
                make_dirty,
            )
        };
        Ok(())
    }

    /// Adds `n` pins with `folio_add_pins()` to the folio of `pinned`, which must hold pins.
    fn folio_add_pins<'a>(pinned: &Grabbed<'a>, n: c_uint) -> Result<Grabbed<'a>> {
        if !pinned.is_pins() || pinned.refs == 0 {
            return Err(EINVAL);
        }
        // SAFETY: The folio is pinned, by `pinned`.
        let ret = unsafe { crate::folio_add_pins(pinned.folio.as_ptr(), n) };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: `folio_add_pins()` is `try_grab_folio(folio, n, FOLL_PIN)`, which took the
        // `n` pins (at most `MAX_GRAB`, as it succeeded).
        Ok(Grabbed {
            folio: pinned.folio,
            refs: n,
            flags: Foll::Pin.into(),
        })
    }

    /// A pin added with `folio_add_pin()`, which does not count in `NR_FOLL_PIN_ACQUIRED` (as in
    /// C): dropped, it is given back without counting a release either.
    ///
    /// # Invariants
    ///
    /// The value owns the pin `folio_add_pin()` added to `self.0`.
    struct AddedPin<'a>(&'a Folio);

    impl Drop for AddedPin<'_> {
        fn drop(&mut self) {
            let folio = self.0;
            if folio.is_zero() {
                return;
            }
            // SAFETY: The pin this value owns (type invariant), as `folio_add_pin()` took it: one
            // `_pincount` and one reference, or `PIN_BIAS` references.
            unsafe {
                if folio.has_pincount() {
                    folio.pincount_add(-1);
                    folio.put_refs(1);
                } else {
                    folio.put_refs(PIN_BIAS);
                }
            }
        }
    }

    /// Adds a pin with `folio_add_pin()` to the folio of `pinned`, which must hold pins.
    fn folio_add_pin<'a>(pinned: &Grabbed<'a>) -> Result<AddedPin<'a>> {
        if !pinned.is_pins() || pinned.refs == 0 {
            return Err(EINVAL);
        }
        // SAFETY: The folio is pinned, by `pinned`.
        unsafe { crate::folio_add_pin(pinned.folio.as_ptr()) };
        // INVARIANT: The pin just added.
        Ok(AddedPin(pinned.folio))
    }

    #[test]
    fn pin_small_folio() -> Result {
        let owner = small_folio()?;
        let folio = &*owner;
        let before = folio.ref_count();

        let pin = Grabbed::pins(folio, 1)?;
        let (pinned_refs, pinned) = (folio.ref_count(), folio.maybe_dma_pinned());
        unpin_pages(Unpin::Page, [pin], &mut [folio.page(0)])?;
        assert_eq!(pinned_refs, before + PIN_BIAS);
        assert!(pinned);
        assert_eq!(folio.ref_count(), before);
        assert!(!folio.maybe_dma_pinned());
        Ok(())
    }

    #[test]
    fn pin_large_folio_uses_pincount() -> Result {
        let owner = large_folio(2)?;
        let folio = &*owner;
        let before = folio.ref_count();

        // Three pins, one per page as GUP would take them, then one more through
        // folio_add_pins().
        let three = Grabbed::pins(folio, 3)?;
        let (refs3, pins3) = (folio.ref_count(), folio.pincount());
        let added = folio_add_pins(&three, 1);
        let pins4 = folio.pincount();

        // unpin_user_pages() batches the run of three pages of one folio.
        let pages = &mut [folio.page(0), folio.page(1), folio.page(2)];
        unpin_pages(Unpin::Pages, [three], pages)?;
        let pins1 = folio.pincount();
        let added = added.map(|one| unpin_range(one, 3, false));
        assert_eq!((refs3, pins3), (before + 3, Some(3)));
        assert!(matches!(added, Ok(Ok(()))));
        assert_eq!(pins4, Some(4));
        assert_eq!(pins1, Some(1));
        assert_eq!(folio.pincount(), Some(0));
        assert_eq!(folio.ref_count(), before);
        Ok(())
    }

    #[test]
    fn get_takes_plain_references() -> Result {
        let owner = small_folio()?;
        let folio = &*owner;
        let before = folio.ref_count();
        let refs = Grabbed::new(folio, 2, Foll::Get.into())?;
        assert_eq!(folio.ref_count(), before + 2);
        assert!(!folio.maybe_dma_pinned());
        drop(refs);
        assert_eq!(folio.ref_count(), before);
        // Without FOLL_GET or FOLL_PIN nothing is taken.
        assert!(try_grab_folio(folio, 1, FollFlags::empty()).is_ok());
        assert_eq!(folio.ref_count(), before);
        Ok(())
    }

    #[test]
    fn zero_page_is_never_pinned() -> Result {
        let folio = zero_folio();
        let before = folio.ref_count();
        let pin = Grabbed::pins(folio, 1)?;
        let pinned = folio.ref_count();
        // A no-op for the zero page, as the grab was.
        drop(folio_add_pin(&pin)?);
        let added = folio.ref_count();
        // As above.
        unpin_pages(Unpin::Page, [pin], &mut [folio.page(0)])?;
        assert_eq!((pinned, added), (before, before));
        assert_eq!(folio.ref_count(), before);
        Ok(())
    }

    #[test]
    fn unpin_skips_null_and_batches_folios() -> Result {
        let (a, b) = (small_folio()?, small_folio()?);
        let (fa, fb) = (&*a, &*b);
        let (pa, pb, null) = (
            fa.page(0),
            fb.page(0),
            core::ptr::null_mut::<bindings::page>(),
        );
        let (ra, rb) = (fa.ref_count(), fb.ref_count());

        let pins = [Grabbed::pins(fa, 2)?, Grabbed::pins(fb, 1)?];
        unpin_folios(
            pins,
            &mut [fa.as_ptr(), fa.as_ptr(), null.cast(), fb.as_ptr()],
        )?;
        assert_eq!((fa.ref_count(), fb.ref_count()), (ra, rb));

        let pins = [Grabbed::pins(fa, 1)?, Grabbed::pins(fb, 1)?];
        unpin_pages(Unpin::Pages, pins, &mut [null, pa, null, pb])?;
        assert_eq!((fa.ref_count(), fb.ref_count()), (ra, rb));

        // A small folio's run is its page repeated (as the zero page or a KSM page mapped at
        // consecutive addresses); a NULL or another page ends it.
        let pins = [Grabbed::pins(fa, 4)?, Grabbed::pins(fb, 1)?];
        unpin_pages(Unpin::Pages, pins, &mut [pa, pa, null, pa, pb, pa])?;
        assert_eq!((fa.ref_count(), fb.ref_count()), (ra, rb));
        Ok(())
    }

    #[test]
    fn unpin_dirty_marks_folios_dirty() -> Result {
        let owner = small_folio()?;
        let folio = &*owner;
        let before = folio.ref_count();
        assert!(!folio.is_dirty());
        let pin = Grabbed::pins(folio, 1)?;
        unpin_pages(Unpin::PagesDirtyLock(true), [pin], &mut [folio.page(0)])?;
        assert!(folio.is_dirty());
        assert_eq!(folio.ref_count(), before);
        Ok(())
    }

    #[test]
    fn folio_add_pin_small_and_unpin_user_folio() -> Result {
        let owner = small_folio()?;
        let folio = &*owner;
        let before = folio.ref_count();
        let pin = Grabbed::pins(folio, 1)?;
        let added = folio_add_pin(&pin)?;
        let pinned_twice = folio.ref_count();
        // folio_add_pin() does not count in NR_FOLL_PIN_ACQUIRED, so its pin is dropped without
        // an unpin call, which would count a release.
        drop(added);
        unpin_user_folio(pin)?;
        let after_one = folio.ref_count();

        // Both pins at once.
        unpin_user_folio(Grabbed::pins(folio, 2)?)?;
        assert_eq!(pinned_twice, before + 2 * PIN_BIAS);
        assert_eq!(after_one, before);
        assert_eq!(folio.ref_count(), before);
        Ok(())
    }
}
