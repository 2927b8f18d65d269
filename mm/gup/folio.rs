// SPDX-License-Identifier: GPL-2.0

//! The folio operations GUP's reference and pin accounting needs.
//!
//! C headers: [`include/linux/mm.h`](srctree/include/linux/mm.h),
//! [`include/linux/page_ref.h`](srctree/include/linux/page_ref.h).
//!
//! This is the one place of the crate that touches `struct folio` through raw bindings; the
//! accounting in [`crate::pin`] is written against [`Folio`].

use core::ptr::NonNull;

use kernel::bindings;

/// A folio on which the caller holds a reference or a pin.
///
/// # Invariants
///
/// `self.0` points to a valid `struct folio` whose reference count the holder of this value keeps
/// above zero for as long as it is used.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Folio(NonNull<bindings::folio>);

/// A `struct page` pointer handed to GUP by a caller.
pub(crate) type PagePtr = *mut bindings::page;

impl Folio {
    /// Wraps a folio pointer received from C.
    ///
    /// # Safety
    ///
    /// `folio` must point to a valid folio that stays referenced (or pinned) while the returned
    /// value is used.
    #[inline]
    pub(crate) unsafe fn from_raw(folio: *mut bindings::folio) -> Option<Self> {
        // INVARIANT: Non-null by the check, valid and referenced by the caller's guarantee.
        NonNull::new(folio).map(Self)
    }

    /// Wraps a folio pointer that the caller knows to be a folio it holds a reference or pin on.
    ///
    /// # Safety
    ///
    /// `folio` must be non-NULL and point to a valid folio that stays referenced (or pinned)
    /// while the returned value is used.
    #[inline]
    pub(crate) unsafe fn from_pinned(folio: *mut bindings::folio) -> Self {
        // INVARIANT: Non-null, valid and referenced by the caller's guarantee.
        // SAFETY: Non-null by the caller's guarantee.
        Self(unsafe { NonNull::new_unchecked(folio) })
    }

    /// Returns the folio that contains `page` (C: `page_folio()`).
    ///
    /// # Safety
    ///
    /// `page` must be a valid page on which the caller holds a reference or a pin.
    #[inline]
    pub(crate) unsafe fn of_page(page: PagePtr) -> Self {
        // SAFETY: `page` is valid by the caller's guarantee.
        let folio = unsafe { bindings::page_folio(page) };
        // INVARIANT: `page_folio()` of a valid page is its (non-null) folio, which the caller's
        // reference on the page keeps alive.
        // SAFETY: `page_folio()` never returns NULL for a valid page.
        Self(unsafe { NonNull::new_unchecked(folio) })
    }

    /// Returns the raw pointer, for C calls.
    #[inline]
    pub(crate) fn as_ptr(self) -> *mut bindings::folio {
        self.0.as_ptr()
    }

    /// Returns `true` for the shared zero page, which GUP never pins (C: `is_zero_folio()`).
    #[inline]
    pub(crate) fn is_zero(self) -> bool {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::is_zero_folio(self.as_ptr()) }
    }

    /// Returns `true` if pins are counted in `_pincount` rather than by
    /// `GUP_PIN_COUNTING_BIAS` references (C: `folio_has_pincount()`).
    #[inline]
    pub(crate) fn has_pincount(self) -> bool {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::folio_has_pincount(self.as_ptr()) }
    }

    /// Returns `true` for a large (multi-page) folio (C: `folio_test_large()`).
    #[inline]
    pub(crate) fn is_large(self) -> bool {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::folio_test_large(self.as_ptr()) }
    }

    /// Returns the number of pages in the folio (C: `folio_nr_pages()`).
    #[inline]
    pub(crate) fn nr_pages(self) -> usize {
        // SAFETY: `self.0` is valid by the type invariant.
        let nr = unsafe { bindings::folio_nr_pages(self.as_ptr()) };
        // CAST: A folio has at least one page, so the count is positive.
        nr as usize
    }

    /// Returns the index of `page` within the folio (C: `folio_page_idx()`).
    ///
    /// # Safety
    ///
    /// `page` must be a page of this folio.
    #[inline]
    pub(crate) unsafe fn page_idx(self, page: PagePtr) -> usize {
        // SAFETY: `self.0` is valid and `page` belongs to it, by the caller's guarantee.
        unsafe { bindings::folio_page_idx(self.as_ptr(), page) }
    }

    /// Returns the reference count (C: `folio_ref_count()`).
    #[inline]
    pub(crate) fn ref_count(self) -> i32 {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::folio_ref_count(self.as_ptr()) }
    }

    /// Adds `nr` references (C: `folio_ref_add()`).
    #[inline]
    pub(crate) fn ref_add(self, nr: i32) {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::folio_ref_add(self.as_ptr(), nr) }
    }

    /// Drops `refs` references, freeing the folio when the last one goes (C: `folio_put_refs()`).
    ///
    /// # Safety
    ///
    /// The caller must own `refs` references, and must not use the folio afterwards unless it
    /// still holds another one.
    #[inline]
    pub(crate) unsafe fn put_refs(self, refs: i32) {
        // SAFETY: The caller owns `refs` references of this valid folio.
        unsafe { bindings::folio_put_refs(self.as_ptr(), refs) }
    }

    /// Returns the pin count of a folio that [`has_pincount`](Self::has_pincount).
    #[inline]
    pub(crate) fn pincount(self) -> i32 {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::folio_pincount_read(self.as_ptr()) }
    }

    /// Adds `nr` to `_pincount` (may be negative).
    #[inline]
    pub(crate) fn pincount_add(self, nr: i32) {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::folio_pincount_add(self.as_ptr(), nr) }
    }

    /// Adds `nr` to a per-node vmstat counter of the folio's node (C: `node_stat_mod_folio()`).
    #[inline]
    pub(crate) fn node_stat_mod(self, item: bindings::node_stat_item, nr: i32) {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::node_stat_mod_folio(self.as_ptr(), item, nr) }
    }

    /// Returns `true` if the folio is dirty (C: `folio_test_dirty()`).
    #[inline]
    pub(crate) fn is_dirty(self) -> bool {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::folio_test_dirty(self.as_ptr()) }
    }

    /// Marks the folio dirty under the folio lock (C: `folio_lock()`, `folio_mark_dirty()`,
    /// `folio_unlock()`).
    ///
    /// Context: may sleep.
    #[inline]
    pub(crate) fn mark_dirty_locked(self) {
        // SAFETY: `self.0` is valid by the type invariant; the lock is taken and released here.
        unsafe {
            bindings::folio_lock(self.as_ptr());
            bindings::folio_mark_dirty(self.as_ptr());
            bindings::folio_unlock(self.as_ptr());
        }
    }

    /// Returns `true` for a PCI peer-to-peer DMA folio (C: `folio_is_pci_p2pdma()`).
    #[inline]
    pub(crate) fn is_pci_p2pdma(self) -> bool {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::folio_is_pci_p2pdma(self.as_ptr()) }
    }

    /// Returns `true` if the folio may be pinned (C: `folio_maybe_dma_pinned()`).
    #[inline]
    pub(crate) fn maybe_dma_pinned(self) -> bool {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::folio_maybe_dma_pinned(self.as_ptr()) }
    }

    /// Returns `true` for an anonymous folio (C: `folio_test_anon()`).
    #[inline]
    pub(crate) fn is_anon(self) -> bool {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::folio_test_anon(self.as_ptr()) }
    }

    /// Returns `true` for a hugetlb folio (C: `folio_test_hugetlb()`).
    #[inline]
    pub(crate) fn is_hugetlb(self) -> bool {
        // SAFETY: `self.0` is valid by the type invariant.
        unsafe { bindings::folio_test_hugetlb(self.as_ptr()) }
    }

    /// Returns the folio's first page.
    #[inline]
    pub(crate) fn head_page(self) -> PagePtr {
        // SAFETY: `self.0` is valid by the type invariant, and every folio has a page 0.
        unsafe { bindings::folio_page(self.as_ptr(), 0) }
    }
}

/// Returns `true` if `page` is an exclusive anonymous page (C: `PageAnonExclusive()`).
///
/// # Safety
///
/// `page` must be a valid page of an anonymous folio the caller holds a reference on.
#[inline]
pub(crate) unsafe fn page_anon_exclusive(page: PagePtr) -> bool {
    // SAFETY: By the caller's guarantee.
    unsafe { bindings::PageAnonExclusive(page) }
}

/// Returns `true` for the shared zero page (C: `is_zero_page()`).
///
/// # Safety
///
/// `page` must be a valid page.
#[inline]
pub(crate) unsafe fn is_zero_page(page: PagePtr) -> bool {
    // SAFETY: By the caller's guarantee.
    unsafe { bindings::is_zero_page(page) }
}
