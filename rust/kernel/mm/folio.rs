// SPDX-License-Identifier: GPL-2.0

//! Folios: a physically contiguous, power-of-two set of pages managed as one.
//!
//! [`Folio`] is always behind a reference: `&Folio` borrows a folio on which someone else holds
//! a reference (a page-table lock, a pin, a page-cache lookup), and [`ARef<Folio>`] owns one
//! reference, dropped with `folio_put()`. The queries are safe; the operations that give up
//! references or pins the type cannot see are `unsafe`, and say what the caller must own.
//!
//! C headers: [`include/linux/mm.h`](srctree/include/linux/mm.h),
//! [`include/linux/page_ref.h`](srctree/include/linux/page_ref.h),
//! [`include/linux/page-flags.h`](srctree/include/linux/page-flags.h).
//!
//! # Examples
//!
//! ```
//! use kernel::{mm::folio::Folio, page::Page, prelude::*, sync::aref::ARef};
//!
//! // An allocated page is an order-0 folio, whose reference the `ARef` owns.
//! let owner: ARef<Folio> = Page::alloc_page(GFP_KERNEL)?.into();
//! let folio: &Folio = &owner;
//! assert!(!folio.is_large());
//! assert_eq!(folio.nr_pages(), 1);
//! // Its one page, borrowed as the folio is.
//! let first = folio.page_ref(0).ok_or(EINVAL)?;
//! assert!(core::ptr::eq(first.folio(), folio));
//! assert_eq!(first.index_in_folio(), 0);
//! assert!(!first.is_anon() && !first.is_zero());
//! assert!(folio.page_ref(1).is_none());
//! let before = folio.ref_count();
//! let owned: ARef<Folio> = folio.into();
//! assert_eq!(owned.ref_count(), before + 1);
//! drop(owned);
//! assert_eq!(folio.ref_count(), before);
//! # Ok::<(), Error>(())
//! ```
//!
//! [`ARef<Folio>`]: crate::sync::aref::ARef

use crate::{
    bindings,
    error::{Error, Result},
    page::Page,
    str::{CStr, CStrExt},
    sync::aref::{ARef, AlwaysRefCounted},
    types::Opaque,
};
use core::{mem::ManuallyDrop, ptr::NonNull};

/// A wrapper for the kernel's `struct folio`.
///
/// # Invariants
///
/// A `&Folio` points to a valid `struct folio` whose reference count is kept above zero (by a
/// reference, a pin or a lock that keeps the folio mapped) for as long as the borrow lasts.
#[repr(transparent)]
pub struct Folio(Opaque<bindings::folio>);

// SAFETY: A folio's references may be taken and dropped from any thread.
unsafe impl Send for Folio {}

// SAFETY: The methods of `&Folio` use atomic operations or the folio lock.
unsafe impl Sync for Folio {}

// SAFETY: `folio_get()` and `folio_put()` keep the folio alive while the count is above zero.
unsafe impl AlwaysRefCounted for Folio {
    #[inline]
    fn inc_ref(&self) {
        // SAFETY: The folio is referenced, by the type invariant.
        unsafe { bindings::folio_get(self.as_ptr()) };
    }

    #[inline]
    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up one reference it owns.
        unsafe { bindings::folio_put(obj.cast().as_ptr()) };
    }
}

/// An allocated page is an order-0 folio: the page's reference becomes the folio's, dropped with
/// `folio_put()` instead of `__free_pages()`.
///
/// # Examples
///
/// ```
/// use kernel::{mm::folio::Folio, page::Page, prelude::*, sync::aref::ARef};
///
/// let folio: ARef<Folio> = Page::alloc_page(GFP_KERNEL)?.into();
/// assert!(!folio.is_large() && !folio.is_zero());
/// assert!(folio.ref_count() >= 1);
/// // Its one page is the folio's first.
/// assert_eq!(folio.page_ref(0).ok_or(EINVAL)?.index_in_folio(), 0);
/// assert!(folio.page_ref(1).is_none());
/// # Ok::<(), Error>(())
/// ```
impl From<Page> for ARef<Folio> {
    #[inline]
    fn from(page: Page) -> Self {
        let page = ManuallyDrop::new(page);
        // SAFETY: `page` owns (type invariant) one reference to a valid order-0 page, which is
        // its own folio; that reference is handed to the `ARef` (`page` is not dropped), and
        // `folio_put()` frees an order-0 page as `__free_pages(page, 0)` does.
        unsafe {
            let folio = bindings::page_folio(page.as_ptr());
            ARef::from_raw(NonNull::new_unchecked(folio.cast()))
        }
    }
}

impl Folio {
    /// Borrows the folio at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a valid folio that stays referenced for `'a`.
    #[inline(always)]
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::folio) -> &'a Self {
        // INVARIANT: Valid and referenced for `'a`, by the caller's guarantee.
        // SAFETY: `Folio` is a transparent wrapper of `struct folio`.
        unsafe { &*ptr.cast() }
    }

    /// Borrows the folio that contains `page` (C: `page_folio()`).
    ///
    /// # Safety
    ///
    /// `page` must be a valid page whose folio stays referenced for `'a`, and which no one
    /// splits meanwhile (a reference on the page prevents that).
    #[inline(always)]
    pub unsafe fn from_page<'a>(page: *mut bindings::page) -> &'a Self {
        // SAFETY: `page` is valid, by the caller's guarantee.
        let folio = unsafe { bindings::page_folio(page) };
        // SAFETY: The folio of a referenced page is valid and referenced.
        unsafe { Self::from_raw(folio) }
    }

    /// Returns the raw pointer, for C calls.
    #[inline(always)]
    pub fn as_ptr(&self) -> *mut bindings::folio {
        self.0.get()
    }

    /// Returns `true` for the shared zero page's folio (C: `is_zero_folio()`).
    #[inline(always)]
    pub fn is_zero(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::is_zero_folio(self.as_ptr()) }
    }

    /// Returns `true` for a large (multi-page) folio (C: `folio_test_large()`).
    #[inline(always)]
    pub fn is_large(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_test_large(self.as_ptr()) }
    }

    /// Returns the number of pages in the folio (C: `folio_nr_pages()`).
    #[inline(always)]
    pub fn nr_pages(&self) -> usize {
        // SAFETY: Valid by the type invariant.
        let nr = unsafe { bindings::folio_nr_pages(self.as_ptr()) };
        // CAST: A folio has at least one page and at most `1 << MAX_FOLIO_ORDER`.
        nr as usize
    }

    /// Returns the number of pages of a large folio, or `None` for a single-page one.
    ///
    /// This is [`Folio::nr_pages`] for callers that treat the two kinds differently: the folio's
    /// flags are tested once, where `if folio.is_large() { folio.nr_pages() }` tests them twice
    /// (C: `folio_test_large()`, then `folio_large_nr_pages()`).
    #[inline(always)]
    pub fn large_nr_pages(&self) -> Option<usize> {
        if !self.is_large() {
            return None;
        }
        // SAFETY: Valid by the type invariant, and large: the helper reads the size that only a
        // large folio stores (in its first tail page, which a large folio has).
        let nr = unsafe { bindings::folio_large_nr_pages(self.as_ptr()) };
        // CAST: At most `1 << MAX_FOLIO_ORDER`.
        Some(nr as usize)
    }

    /// Returns the folio's page `n` (C: `folio_page()`).
    ///
    /// The page is not accessed; it is a page of the folio if `n < self.nr_pages()`.
    #[inline(always)]
    pub fn page(&self, n: usize) -> *mut bindings::page {
        // SAFETY: Valid by the type invariant; this computes an address.
        unsafe { bindings::folio_page(self.as_ptr(), n) }
    }

    /// Borrows the folio's page `n`, or `None` past the folio's end.
    #[inline(always)]
    pub fn page_ref(&self, n: usize) -> Option<&FolioPage> {
        if n >= self.nr_pages() {
            return None;
        }
        // SAFETY: A page of this folio, which stays referenced while `self` is borrowed.
        Some(unsafe { FolioPage::from_raw(self.page(n)) })
    }

    /// Returns the index of `page` within the folio (C: `folio_page_idx()`).
    ///
    /// For a page of another folio the number means nothing (it is a distance in the memmap),
    /// which is why callers that know only the page use [`FolioPage::index_in_folio`]; this one
    /// is for callers that hold the folio already and save the lookup.
    #[inline(always)]
    pub fn index_of(&self, page: &FolioPage) -> usize {
        // SAFETY: Both are valid (type invariants); the helper only computes the distance of
        // two page addresses (or their pfns), reading neither.
        unsafe { bindings::folio_page_idx(self.as_ptr(), page.as_ptr()) }
    }

    /// Returns the reference count (C: `folio_ref_count()`).
    #[inline(always)]
    pub fn ref_count(&self) -> i32 {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_ref_count(self.as_ptr()) }
    }

    /// Adds `nr` references, which the caller then owns (C: `folio_ref_add()`).
    ///
    /// # Safety
    ///
    /// `nr` must not be negative, and the count must not overflow: the caller checks the count
    /// it adds to, as GUP does with `GUP_PIN_COUNTING_BIAS`.
    #[inline(always)]
    pub unsafe fn ref_add(&self, nr: i32) {
        // SAFETY: Valid by the type invariant; the count stays positive by the caller's
        // guarantee.
        unsafe { bindings::folio_ref_add(self.as_ptr(), nr) }
    }

    /// Drops `refs` references, freeing the folio when the last one goes
    /// (C: `folio_put_refs()`).
    ///
    /// # Safety
    ///
    /// The caller must own `refs` references and give them up. If they are the last, the
    /// folio is freed: the borrow must not be used after this unless another reference is held.
    #[inline(always)]
    pub unsafe fn put_refs(&self, refs: i32) {
        // SAFETY: The caller owns `refs` references of this valid folio.
        unsafe { bindings::folio_put_refs(self.as_ptr(), refs) }
    }

    /// Returns `true` if pins are counted in `_pincount` rather than by `GUP_PIN_COUNTING_BIAS`
    /// references (C: `folio_has_pincount()`).
    #[inline(always)]
    pub fn has_pincount(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_has_pincount(self.as_ptr()) }
    }

    /// Returns the pin count of a folio that [`has_pincount`](Self::has_pincount), `None` for
    /// one that counts pins in its references.
    #[inline(always)]
    pub fn pincount(&self) -> Option<i32> {
        if !self.has_pincount() {
            return None;
        }
        // SAFETY: Valid by the type invariant, and large, so `_pincount` is a field of its
        // second page.
        Some(unsafe { bindings::folio_pincount_read(self.as_ptr()) })
    }

    /// Adds `nr` to `_pincount`; `nr` may be negative to give pins up.
    ///
    /// Only the pin accounting of `mm/gup` does this, together with the references each pin
    /// stands for.
    ///
    /// # Safety
    ///
    /// The folio must [`has_pincount`](Self::has_pincount). A positive `nr` adds pins the
    /// caller then owns (with their references); a negative one gives up `-nr` pins the caller
    /// owns.
    #[inline(always)]
    pub unsafe fn pincount_add(&self, nr: i32) {
        // SAFETY: Valid by the type invariant; `_pincount` exists and the caller owns what it
        // removes, by the caller's guarantee.
        unsafe { bindings::folio_pincount_add(self.as_ptr(), nr) }
    }

    /// Returns `true` if the folio may be pinned for DMA (C: `folio_maybe_dma_pinned()`).
    ///
    /// False positives are possible for small folios with many references, never false
    /// negatives.
    #[inline(always)]
    pub fn maybe_dma_pinned(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_maybe_dma_pinned(self.as_ptr()) }
    }

    /// Returns `true` if the folio is dirty (C: `folio_test_dirty()`).
    #[inline(always)]
    pub fn is_dirty(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_test_dirty(self.as_ptr()) }
    }

    /// Returns `true` for an anonymous folio (C: `folio_test_anon()`).
    #[inline(always)]
    pub fn is_anon(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_test_anon(self.as_ptr()) }
    }

    /// Returns `true` for a hugetlb folio (C: `folio_test_hugetlb()`).
    #[inline(always)]
    pub fn is_hugetlb(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_test_hugetlb(self.as_ptr()) }
    }

    /// Returns `true` for a slab folio (C: `folio_test_slab()`).
    #[inline(always)]
    pub fn is_slab(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_test_slab(self.as_ptr()) }
    }

    /// Returns `true` for a PCI peer-to-peer DMA folio (C: `folio_is_pci_p2pdma()`).
    #[inline(always)]
    pub fn is_pci_p2pdma(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_is_pci_p2pdma(self.as_ptr()) }
    }

    /// Returns `true` if the folio may stay pinned for long: not in CMA or `ZONE_MOVABLE`, and
    /// not device memory that must migrate (C: `folio_is_longterm_pinnable()`).
    #[inline(always)]
    pub fn is_longterm_pinnable(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_is_longterm_pinnable(self.as_ptr()) }
    }

    /// Returns `true` for device-coherent `ZONE_DEVICE` memory, which must be migrated to
    /// system memory before it is pinned long term (C: `folio_is_device_coherent()`).
    #[inline(always)]
    pub fn is_device_coherent(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_is_device_coherent(self.as_ptr()) }
    }

    /// Returns `true` if the folio may sit in a per-CPU LRU cache, which then holds a reference
    /// that an LRU drain gives back (C: `folio_may_be_lru_cached()`).
    #[inline(always)]
    pub fn may_be_lru_cached(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_may_be_lru_cached(self.as_ptr()) }
    }

    /// Returns the references the folio's mappings, page cache and private data account for:
    /// more than that, and someone else holds it (C: `folio_expected_ref_count()`).
    #[inline(always)]
    pub fn expected_ref_count(&self) -> i32 {
        // SAFETY: Valid by the type invariant; only its flags and mapping counts are read.
        unsafe { bindings::folio_expected_ref_count(self.as_ptr()) }
    }

    /// Marks the folio referenced, for reclaim's ageing (C: `folio_set_referenced()`).
    #[inline(always)]
    pub fn set_referenced(&self) {
        // SAFETY: Valid by the type invariant; an atomic bit operation.
        unsafe { bindings::folio_set_referenced(self.as_ptr()) }
    }

    /// Marks the folio dirty under the folio lock (C: `folio_lock()`, `folio_mark_dirty()`,
    /// `folio_unlock()`, as `set_page_dirty_lock()` does).
    ///
    /// Context: may sleep.
    #[inline]
    pub fn mark_dirty_locked(&self) {
        // SAFETY: Valid by the type invariant; the lock is taken and released here.
        unsafe {
            bindings::folio_lock(self.as_ptr());
            bindings::folio_mark_dirty(self.as_ptr());
            bindings::folio_unlock(self.as_ptr());
        }
    }

    /// Marks the folio dirty (C: `folio_mark_dirty()`).
    ///
    /// # Safety
    ///
    /// The caller must hold the folio lock, or the page-table lock of an entry that maps the
    /// folio: either keeps the folio's mapping from going away under the call.
    #[inline(always)]
    pub unsafe fn mark_dirty(&self) {
        // SAFETY: Valid by the type invariant; the mapping is stable, by the caller's guarantee.
        unsafe { bindings::folio_mark_dirty(self.as_ptr()) };
    }

    /// Marks the folio accessed, for reclaim's LRU ageing (C: `folio_mark_accessed()`).
    #[inline(always)]
    pub fn mark_accessed(&self) {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::folio_mark_accessed(self.as_ptr()) }
    }

    /// Adds `nr` to a per-node vmstat counter of the folio's node (C: `node_stat_mod_folio()`).
    #[inline(always)]
    pub fn node_stat_mod(&self, item: bindings::node_stat_item, nr: i32) {
        // SAFETY: Valid by the type invariant; a per-CPU counter update.
        unsafe { bindings::node_stat_mod_folio(self.as_ptr(), item, nr) }
    }

    /// Makes the folio's contents accessible to the kernel where the architecture can hide them
    /// (s390 protected guests) (C: `arch_make_folio_accessible()`).
    ///
    /// Called for every page GUP pins: the common case (0, a constant where the architecture has
    /// nothing to do) must fold away, so this does not go through [`to_result`], which is not
    /// inlined across crates.
    ///
    /// [`to_result`]: crate::error::to_result
    #[inline(always)]
    pub fn make_accessible(&self) -> Result {
        // SAFETY: Valid by the type invariant.
        let ret = unsafe { bindings::arch_make_folio_accessible(self.as_ptr()) };
        if ret == 0 {
            Ok(())
        } else {
            Err(Error::from_errno(ret))
        }
    }

    /// Prints the state of the folio's page `n` to the kernel log, with `reason`
    /// (C: `dump_page()`); page 0 if `n` is past the folio's end.
    #[cold]
    pub fn dump_page(&self, n: usize, reason: &CStr) {
        let n = if n < self.nr_pages() { n } else { 0 };
        // SAFETY: A page of this valid folio; `reason` is NUL-terminated.
        unsafe { bindings::dump_page(self.page(n), reason.as_char_ptr()) }
    }
}

/// A page of a folio (C: `struct page`), borrowed as the folio is: `&FolioPage` lives no longer
/// than whatever keeps the folio referenced (a page-table lock, a reference, a pin).
///
/// # Invariants
///
/// A `&FolioPage` points to a valid `struct page` whose folio stays referenced, and is not
/// split, for as long as the borrow lasts.
#[repr(transparent)]
pub struct FolioPage(Opaque<bindings::page>);

impl FolioPage {
    /// Borrows the page at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a valid page whose folio stays referenced, and is not split, for
    /// `'a` (a reference on the page or its folio, or the lock of a page-table entry that maps
    /// it, ensures both).
    #[inline(always)]
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::page) -> &'a Self {
        // SAFETY: `FolioPage` is a transparent wrapper of `struct page`; valid for `'a` by the
        // caller's guarantee.
        unsafe { &*ptr.cast() }
    }

    /// Returns the raw pointer, for C calls.
    #[inline(always)]
    pub fn as_ptr(&self) -> *mut bindings::page {
        self.0.get()
    }

    /// The folio this page is part of (C: `page_folio()`).
    #[inline(always)]
    pub fn folio(&self) -> &Folio {
        // SAFETY: The page's folio is referenced and not split while `self` is borrowed (type
        // invariant), which is what `Folio::from_page()` asks for.
        unsafe { Folio::from_page(self.as_ptr()) }
    }

    /// The page's index within its folio (C: `folio_page_idx()`).
    #[inline(always)]
    pub fn index_in_folio(&self) -> usize {
        self.folio().index_of(self)
    }

    /// Returns `true` for a page of an anonymous folio (C: `PageAnon()`).
    #[inline(always)]
    pub fn is_anon(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::PageAnon(self.as_ptr()) }
    }

    /// Returns `true` if the page is mapped by one process only, which may then write to it
    /// without copying (C: `PageAnonExclusive()`); only meaningful for anonymous pages.
    #[inline(always)]
    pub fn is_anon_exclusive(&self) -> bool {
        // SAFETY: Valid by the type invariant.
        unsafe { bindings::PageAnonExclusive(self.as_ptr()) }
    }

    /// Returns `true` for the shared zero page (C: `is_zero_page()`).
    #[inline(always)]
    pub fn is_zero(&self) -> bool {
        // SAFETY: Valid by the type invariant; only the address is compared.
        unsafe { bindings::is_zero_page(self.as_ptr()) }
    }
}

/// With `CONFIG_DEBUG_VM`, dumps the folio (its page `n` if given) and warns, once per call
/// site, if `cond` is true; returns `cond`. Without `CONFIG_DEBUG_VM`, `cond` is type-checked
/// but not evaluated, and the result is `false` (C: `VM_WARN_ON_ONCE_FOLIO()`,
/// `VM_WARN_ON_ONCE_PAGE()`).
#[macro_export]
macro_rules! vm_warn_on_once_folio {
    ($cond:expr, $folio:expr) => {
        $crate::vm_warn_on_once_folio!($cond, $folio, 0)
    };
    ($cond:expr, $folio:expr, $n:expr) => {{
        if cfg!(CONFIG_DEBUG_VM) {
            static WARNED: ::core::sync::atomic::AtomicBool =
                ::core::sync::atomic::AtomicBool::new(false);
            let cond: bool = $cond;
            if cond && !WARNED.swap(true, ::core::sync::atomic::Ordering::Relaxed) {
                let folio: &$crate::mm::folio::Folio = $folio;
                folio.dump_page(
                    $n,
                    $crate::c_str!(concat!("VM_WARN_ON_ONCE_FOLIO(", stringify!($cond), ")")),
                );
                $crate::warn_on!(true);
            }
            cond
        } else {
            false
        }
    }};
}
