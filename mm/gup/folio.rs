// SPDX-License-Identifier: GPL-2.0

//! The page-level checks GUP's accounting needs beside [`Folio`].
//!
//! C header: [`include/linux/page-flags.h`](srctree/include/linux/page-flags.h).
//!
//! Folios themselves are [`kernel::mm::folio::Folio`]: `&Folio` where GUP borrows a folio it
//! holds through a page-table lock, a reference or a pin.

use kernel::bindings;

pub(crate) use kernel::mm::folio::Folio;

/// A `struct page` pointer handed to GUP by a caller.
pub(crate) type PagePtr = *mut bindings::page;

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

/// Borrows the folio at `folio` from C, `None` for NULL.
///
/// # Safety
///
/// `folio` must be NULL or point to a valid folio that stays referenced for `'a`.
#[inline(always)]
pub(crate) unsafe fn folio_from_c<'a>(folio: *mut bindings::folio) -> Option<&'a Folio> {
    // SAFETY: Non-NULL here, and valid and referenced for `'a` by the caller's guarantee.
    (!folio.is_null()).then(|| unsafe { Folio::from_raw(folio) })
}
