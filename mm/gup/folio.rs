// SPDX-License-Identifier: GPL-2.0

//! GUP's names for the kernel crate's folio types, and the C page-array element.
//!
//! C header: [`include/linux/page-flags.h`](srctree/include/linux/page-flags.h).
//!
//! Folios and their pages are [`kernel::mm::folio::Folio`] and [`FolioPage`]: `&Folio` and
//! `&FolioPage` where GUP borrows what it holds through a page-table lock, a reference or a pin;
//! [`PagePtr`] only where pages go to and come from C arrays.

use kernel::bindings;

pub(crate) use kernel::mm::folio::{
    Folio,
    FolioPage, //
};

/// A `struct page` pointer handed to GUP by a caller.
pub(crate) type PagePtr = *mut bindings::page;

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
