// SPDX-License-Identifier: GPL-2.0

//! get_user_pages() and pin_user_pages(), in Rust (`CONFIG_RUST_GUP`).
//!
//! This crate replaces `mm/gup.c` piece by piece. Every function it defines keeps the C
//! prototype from `include/linux/mm.h` or `mm/internal.h` (checked by `#[export]`) and the C
//! semantics; `mm/gup/exports.c` exports them with the same `EXPORT_SYMBOL`/`EXPORT_SYMBOL_GPL`
//! split as `mm/gup.c`, and `mm/gup.c` leaves out what is defined here.
//!
//! Layout:
//! - `mod.rs`: the C entry points, which convert their arguments once and call the modules below.
//! - [`flags`]: `FOLL_*` as a typed set, and the `is_valid_gup_args()` rules.
//! - [`folio`]: the folio operations the accounting needs.
//! - [`pin`]: reference and pin accounting (`try_grab_folio()`, the `unpin_*()` family).
//!
//! See `Documentation/core-api/pin_user_pages.rst` for what a pin is and which call to use.

use kernel::{
    bindings,
    ffi::{
        c_int,
        c_uint,
        c_ulong, //
    },
    prelude::*, //
};

/// Warns once per call site if `cond` is true, and returns `cond` (C: `WARN_ON_ONCE()`).
macro_rules! warn_on_once {
    ($cond:expr) => {{
        let cond: bool = $cond;
        if cond {
            ::kernel::warn_flags!(
                file!(),
                ::kernel::bug::bugflag_taint(::kernel::bindings::TAINT_WARN)
                    | ::kernel::bindings::BUGFLAG_ONCE
            );
        }
        cond
    }};
}

/// [`warn_on_once!`] with `CONFIG_DEBUG_VM`; without it `cond` is not even evaluated
/// (C: `VM_WARN_ON_ONCE()`).
macro_rules! vm_warn_on_once {
    ($cond:expr) => {{
        if cfg!(CONFIG_DEBUG_VM) {
            warn_on_once!($cond)
        } else {
            false
        }
    }};
}

/// With `CONFIG_DEBUG_VM`, dumps `page` and warns, once per call site, if `cond` is true
/// (C: `VM_WARN_ON_ONCE_PAGE()`/`VM_WARN_ON_ONCE_FOLIO()`).
macro_rules! vm_warn_on_once_page {
    ($cond:expr, $page:expr, $what:literal) => {{
        static WARNED: ::core::sync::atomic::AtomicBool =
            ::core::sync::atomic::AtomicBool::new(false);
        if cfg!(CONFIG_DEBUG_VM)
            && $cond
            && !WARNED.swap(true, ::core::sync::atomic::Ordering::Relaxed)
        {
            // SAFETY: `$page` is a valid page and the reason a NUL-terminated string.
            unsafe {
                ::kernel::bindings::dump_page(
                    $page,
                    concat!("VM_WARN_ON_ONCE_PAGE(", $what, ")\0")
                        .as_ptr()
                        .cast(),
                )
            };
            ::kernel::warn_on!(true);
        }
    }};
}

mod flags;
mod folio;
mod pin;

use flags::{
    Foll,
    FollFlags, //
};
use folio::Folio;
use pin::PageArray;

/// `IS_ERR_VALUE()`: a count that is really a negative errno.
fn is_err_value(x: c_ulong) -> bool {
    x > c_ulong::MAX - bindings::MAX_ERRNO as c_ulong
}

/// Adds `refs` references or pins to `folio` as `flags` say (C: `try_grab_folio()`).
///
/// Returns 0, or `-ENOMEM` if the folio could not be grabbed, or `-EREMOTEIO` for a P2PDMA folio
/// without `FOLL_PCI_P2PDMA`. Does nothing (and returns 0) without `FOLL_GET` and `FOLL_PIN`.
///
/// # Safety
///
/// `folio` must be a valid folio the caller holds a stable reference to (for example under the
/// page table lock).
#[export]
pub unsafe extern "C" fn try_grab_folio(
    folio: *mut bindings::folio,
    refs: c_int,
    flags: c_uint,
) -> c_int {
    // SAFETY: `folio` is valid and stably referenced, by the caller's guarantee.
    let Some(folio) = (unsafe { Folio::from_raw(folio) }) else {
        return ENOMEM.to_errno();
    };
    match pin::try_grab_folio(folio, refs, FollFlags::from_raw(flags)) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Releases a page pinned with `pin_user_pages*()` (C: `unpin_user_page()`).
///
/// # Safety
///
/// `page` must be a page the caller pinned; the pin is given up.
#[export]
pub unsafe extern "C" fn unpin_user_page(page: *mut bindings::page) {
    let mut one = page;
    // SAFETY: `one` is a single readable entry.
    let pages = unsafe { PageArray::from_raw(&mut one, 1) };
    // SAFETY: `page` is pinned by the caller, who gives up the pin.
    unsafe { pin::unpin_pages(&pages, false) };
}

/// Releases a folio pinned with `memfd_pin_folios()` or similar (C: `unpin_folio()`).
///
/// # Safety
///
/// `folio` must be a folio the caller pinned; one pin is given up.
#[export]
pub unsafe extern "C" fn unpin_folio(folio: *mut bindings::folio) {
    // SAFETY: The caller pinned `folio`.
    if let Some(folio) = unsafe { Folio::from_raw(folio) } {
        // SAFETY: The caller gives up its pin.
        unsafe { pin::put_folio(folio, 1, Foll::Pin.into()) };
    }
}

/// Adds a pin to a folio the caller has already pinned; nothing for the zero page
/// (C: `folio_add_pin()`).
///
/// # Safety
///
/// `folio` must be a folio the caller pinned.
#[export]
pub unsafe extern "C" fn folio_add_pin(folio: *mut bindings::folio) {
    // SAFETY: The caller pinned `folio`.
    if let Some(folio) = unsafe { Folio::from_raw(folio) } {
        // SAFETY: The caller holds a pin.
        unsafe { pin::add_pin(folio) };
    }
}

/// Releases pinned pages, first marking them dirty if `make_dirty`
/// (C: `unpin_user_pages_dirty_lock()`).
///
/// Uses `folio_lock()` + `folio_mark_dirty()`, like `set_page_dirty_lock()`.
///
/// Context: may sleep if `make_dirty`.
///
/// # Safety
///
/// `pages` must hold `npages` pages the caller pinned (NULL entries are skipped); the pins are
/// given up.
#[export]
pub unsafe extern "C" fn unpin_user_pages_dirty_lock(
    pages: *mut *mut bindings::page,
    npages: c_ulong,
    make_dirty: bool,
) {
    if !make_dirty {
        // SAFETY: The same contract.
        unsafe { unpin_user_pages(pages, npages) };
        return;
    }
    // C has no check here and would walk off the array; warn as unpin_user_pages() does.
    if ::kernel::warn_on!(is_err_value(npages)) {
        return;
    }
    // SAFETY: `pages` holds `npages` entries, by the caller's guarantee.
    let pages = unsafe { PageArray::from_raw(pages, npages) };
    // SAFETY: The caller pinned the non-NULL entries and gives the pins up.
    unsafe { pin::unpin_pages(&pages, true) };
}

/// Releases a physically contiguous range of pinned pages, first marking them dirty if
/// `make_dirty` (C: `unpin_user_page_range_dirty_lock()`).
///
/// Context: may sleep if `make_dirty`.
///
/// # Safety
///
/// The `npages` pages from `page` on must be pinned by the caller, which gives the pins up.
#[export]
pub unsafe extern "C" fn unpin_user_page_range_dirty_lock(
    page: *mut bindings::page,
    npages: c_ulong,
    make_dirty: bool,
) {
    // SAFETY: By the caller's guarantee.
    unsafe { pin::unpin_page_range(page, npages, make_dirty) };
}

/// Releases an array of pinned pages; NULL entries are skipped (C: `unpin_user_pages()`).
///
/// # Safety
///
/// `pages` must hold `npages` entries; the non-NULL ones are pages the caller pinned, whose pins
/// are given up.
#[export]
pub unsafe extern "C" fn unpin_user_pages(pages: *mut *mut bindings::page, npages: c_ulong) {
    // If this fires, the system *might* be leaking pins, but more likely a caller passed a -errno
    // returned by GUP as a count.
    if ::kernel::warn_on!(is_err_value(npages)) {
        return;
    }
    // SAFETY: `pages` holds `npages` entries, by the caller's guarantee.
    let pages = unsafe { PageArray::from_raw(pages, npages) };
    // SAFETY: The caller pinned the non-NULL entries and gives the pins up.
    unsafe { pin::unpin_pages(&pages, false) };
}

/// Releases `npages` pins of one folio (C: `unpin_user_folio()`).
///
/// # Safety
///
/// The caller must hold `npages` pins of `folio`, which it gives up.
#[export]
pub unsafe extern "C" fn unpin_user_folio(folio: *mut bindings::folio, npages: c_ulong) {
    // SAFETY: The caller pinned `folio`.
    if let Some(folio) = unsafe { Folio::from_raw(folio) } {
        // CAST: C passes the count on as an `int` too.
        // SAFETY: The caller gives up `npages` pins.
        unsafe { pin::put_folio(folio, npages as i32, Foll::Pin.into()) };
    }
}

/// Releases an array of pinned folios, one pin per entry; NULL entries are skipped
/// (C: `unpin_folios()`).
///
/// # Safety
///
/// `folios` must hold `nfolios` entries; each non-NULL one stands for a pin the caller holds and
/// gives up.
#[export]
pub unsafe extern "C" fn unpin_folios(folios: *mut *mut bindings::folio, nfolios: c_ulong) {
    // As in unpin_user_pages(): most likely a -errno passed as a count.
    if ::kernel::warn_on!(is_err_value(nfolios)) {
        return;
    }
    // SAFETY: By the caller's guarantee.
    unsafe { pin::unpin_folio_array(folios, nfolios) };
}

/// Adds `pins` pins to a folio that is already pinned (C: `folio_add_pins()`).
///
/// Useful when a large folio was pinned once with `memfd_pin_folios()` but is unpinned page by
/// page later. The new pins have the semantics of the existing one. Returns 0 or a negative errno
/// as `try_grab_folio()` does.
///
/// # Safety
///
/// `folio` must be a folio the caller pinned.
#[export]
pub unsafe extern "C" fn folio_add_pins(folio: *mut bindings::folio, pins: c_uint) -> c_int {
    // SAFETY: The caller pinned `folio`.
    let Some(folio) = (unsafe { Folio::from_raw(folio) }) else {
        return ENOMEM.to_errno();
    };
    vm_warn_on_once!(!folio.maybe_dma_pinned());
    // CAST: C passes `pins` on as an `int` too.
    match pin::try_grab_folio(folio, pins as c_int, Foll::Pin.into()) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
