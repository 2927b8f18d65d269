// SPDX-License-Identifier: GPL-2.0

//! get_user_pages() and pin_user_pages(), in Rust (`CONFIG_RUST_GUP`).
//!
//! This crate replaces `mm/gup.c` piece by piece. Every function it defines keeps the C
//! prototype from `include/linux/mm.h` or `mm/internal.h` (checked by `#[export]`) and the C
//! semantics; `mm/gup/exports.c` exports them with the same `EXPORT_SYMBOL`/`EXPORT_SYMBOL_GPL`
//! split as `mm/gup.c`.
//!
//! Layout:
//! - `mod.rs`: the C entry points, which convert their arguments once and call the modules below.
//! - [`flags`]: `FOLL_*` as a typed set, and the `is_valid_gup_args()` rules.
//! - [`folio`]: the page-level checks the accounting needs beside `kernel::mm::folio::Folio`.
//! - [`basics`]: what the other modules share: errno conversions, page and leaf sizes, the
//!   current mm, the mmap lock and `*locked` as types (`Locked`, and `Held`/`InVma` to find
//!   VMAs and fault with), VMA lookup, `MMF_HAS_PINNED`.
//! - [`pin`]: reference and pin accounting (`try_grab_folio()`, the `unpin_*()` family), with
//!   the types that own pins (`FolioPin`, `PinnedPages`, `PinnedFolios`).
//! - [`walk`]: the slow path's page-table walk (`follow_page_mask()`, `follow_page()`).
//! - [`fault`]: `faultin_page()`, the VMA checks, `fixup_user_fault()`.
//! - [`slow`]: the slow path's loop and mmap-lock protocol (`__get_user_pages()`,
//!   `__get_user_pages_locked()`).
//! - [`populate`]: populate, `MADV_POPULATE_*`, `get_dump_page()` and `fault_in_*()`.
//! - [`fast`]: GUP-fast, the lockless walk with interrupts off, and its fallback to the slow
//!   path.
//! - [`lockless`]: GUP-fast's types: `IrqsOff` (interrupts are off), cursors over the entries of
//!   each level, the mapped PTE table, and the speculative reference of `try_get_folio()`.
//! - [`longterm`]: `FOLL_LONGTERM` migration out of CMA, `ZONE_MOVABLE` and device memory, and
//!   `memfd_pin_folios()`.
//!
//! With `CONFIG_RUST_GUP` `mm/gup.c` is not built at all; the C left here is `exports.c` (the
//! `EXPORT_SYMBOL` lines) and `rust/helpers/gup.c`, the C helpers that only this crate calls.
//!
//! Folios, page-table entries and VMAs are the kernel crate's types: `&Folio` and `&VmaRef`
//! borrowed from whoever keeps them alive (a page-table lock, a pin, the mmap lock),
//! `kernel::mm::pgtable::{Pte, Pmd, Pud, P4d, Pgd}` for entries read out of a table, whose
//! predicates are safe, and `kernel::mm::pgtable::PgtableWalk` and its slots for the slow
//! path's walk. What stays `unsafe` here is the lockless walk's raw reads, turning a page
//! pointer into its folio, giving up references and pins, and the C entry points' conversion
//! of their raw arguments.
//!
//! See `Documentation/core-api/pin_user_pages.rst` for what a pin is and which call to use.

use kernel::{
    bindings,
    ffi::{
        c_char,
        c_int,
        c_long,
        c_uint,
        c_ulong, //
    },
    prelude::*,
    vm_warn_on_once,
    warn_on_once, //
};

/// The prefix of this crate's `pr_*!()` messages (as a module's name would be).
const __LOG_PREFIX: &[u8] = b"gup\0";

mod basics;
mod fast;
mod fault;
mod flags;
mod folio;
mod lockless;
mod longterm;
mod pin;
mod populate;
mod slow;
mod walk;

use basics::{
    current_mm,
    Locked, //
};
use core::ptr;
use flags::{
    Entry,
    Foll,
    FollFlags, //
};
use folio::{
    folio_from_c,
    Folio, //
};
use pin::{
    PinnedFolios,
    PinnedPages, //
};
use slow::PagesOut;

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
/// page table lock). A negative `refs`, which C would add, is refused with a warning.
#[export]
pub unsafe extern "C" fn try_grab_folio(
    folio: *mut bindings::folio,
    refs: c_int,
    flags: c_uint,
) -> c_int {
    // SAFETY: `folio` is valid and stably referenced, by the caller's guarantee.
    let Some(folio) = (unsafe { folio_from_c(folio) }) else {
        return ENOMEM.to_errno();
    };
    // A negative count is the caller's bug (C would subtract): refuse it as too large.
    let refs = u32::try_from(refs).unwrap_or(u32::MAX);
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
    // SAFETY: `one` is a single readable entry, a page pinned by the caller, who gives up the
    // pin.
    unsafe { PinnedPages::from_raw(&mut one, 1) }.unpin(false);
}

/// Releases a folio pinned with `memfd_pin_folios()` or similar (C: `unpin_folio()`).
///
/// # Safety
///
/// `folio` must be a folio the caller pinned (not NULL, which C does not take either); one pin
/// is given up.
#[export]
pub unsafe extern "C" fn unpin_folio(folio: *mut bindings::folio) {
    debug_assert!(!folio.is_null());
    // SAFETY: The caller pinned `folio` (so it is not NULL), and gives up its pin.
    unsafe { pin::put_folio(Folio::from_raw(folio), 1, Foll::Pin.into()) };
}

/// Adds a pin to a folio the caller has already pinned; nothing for the zero page
/// (C: `folio_add_pin()`).
///
/// # Safety
///
/// `folio` must be a folio the caller pinned.
#[export]
pub unsafe extern "C" fn folio_add_pin(folio: *mut bindings::folio) {
    // SAFETY: The caller pinned `folio` (if not NULL) and holds that pin meanwhile, which keeps
    // it valid and is what `add_pin()` asks for.
    unsafe {
        if let Some(folio) = folio_from_c(folio) {
            pin::add_pin(folio);
        }
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
    // Without `make_dirty` this is unpin_user_pages(), and its check. C has none with
    // `make_dirty` and would walk off the array; the same warning here.
    if ::kernel::warn_on!(is_err_value(npages)) {
        return;
    }
    // SAFETY: `pages` holds `npages` entries, the non-NULL ones pinned by the caller, who gives
    // the pins up.
    unsafe { PinnedPages::from_raw(pages, npages) }.unpin(make_dirty);
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
    // SAFETY: `pages` holds `npages` entries, the non-NULL ones pinned by the caller, who gives
    // the pins up.
    unsafe { PinnedPages::from_raw(pages, npages) }.unpin(false);
}

/// Releases `npages` pins of one folio (C: `unpin_user_folio()`).
///
/// # Safety
///
/// The caller must hold `npages` pins of `folio` (not NULL, which C does not take either), which
/// it gives up.
///
/// Called once per folio when io_uring unregisters a buffer and when a bio's pages are
/// released: no check beyond C's, its cost counts.
#[export]
pub unsafe extern "C" fn unpin_user_folio(folio: *mut bindings::folio, npages: c_ulong) {
    debug_assert!(!folio.is_null());
    // CAST: C passes the count on as an `int` too.
    // SAFETY: The caller pinned `folio` (so it is not NULL), and gives up `npages` pins.
    unsafe { pin::put_folio(Folio::from_raw(folio), npages as i32, Foll::Pin.into()) };
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
    // SAFETY: `folios` holds `nfolios` entries, each non-NULL one a pin the caller gives up.
    unsafe { PinnedFolios::from_raw(folios, nfolios) }.unpin();
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
    let Some(folio) = (unsafe { folio_from_c(folio) }) else {
        return ENOMEM.to_errno();
    };
    vm_warn_on_once!(!folio.maybe_dma_pinned());
    match pin::try_grab_folio(folio, pins, Foll::Pin.into()) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Pins the folios that back the bytes `start..=end` of a memfd (C: `memfd_pin_folios()`).
///
/// The memfd must be shmem or hugetlbfs, and `end` below its size. Missing folios are allocated
/// into its page cache; folios that may not stay pinned long term (CMA, `ZONE_MOVABLE`) are
/// migrated first, as with `FOLL_LONGTERM`, since these pins last as long as the caller wants.
/// Returns the number of folios pinned, at most `max_folios` and fewer when large folios cover
/// the range, with `*offset` set to the offset of `start` in the first one; or a negative errno
/// (`-EINVAL` for bad arguments) with nothing pinned. Release the pins with `unpin_folios()` or
/// `unpin_folio()`.
///
/// # Safety
///
/// `memfd` NULL or a valid file; `folios` with room for `max_folios` entries, and `offset` valid
/// for writes, unless NULL (which C does not take; here `-EINVAL`).
#[export]
pub unsafe extern "C" fn memfd_pin_folios(
    memfd: *mut bindings::file,
    start: bindings::loff_t,
    end: bindings::loff_t,
    folios: *mut *mut bindings::folio,
    max_folios: c_uint,
    offset: *mut c_ulong,
) -> c_long {
    if folios.is_null() || offset.is_null() {
        return basics::errno_long(EINVAL);
    }
    // CAST: An `unsigned int` count fits `usize`.
    // SAFETY: `memfd` is NULL or a file the caller holds; `folios` has room for `max_folios`
    // entries and `offset` is writable, neither NULL, both not otherwise accessed during the
    // call.
    let (memfd, folios, offset) = unsafe {
        (
            longterm::Memfd::from_raw(memfd),
            core::slice::from_raw_parts_mut(folios, max_folios as usize),
            &mut *offset,
        )
    };
    match longterm::memfd_pin_folios(memfd, start, end, folios, offset) {
        // CAST: At most `max_folios`, an `unsigned int`, which a 64-bit `long` holds.
        Ok(nr) => nr as c_long,
        Err(e) => basics::errno_long(e),
    }
}

/// The common body of the `get_user_pages*()` entry points: checks the arguments as `entry`
/// does (`locked_given`: the caller's `*locked`, if it passed one), then runs the slow path with
/// the mmap lock protocol `lock` stands for.
///
/// Inlined into each entry point, so that the checks fold for its `entry`, as with
/// [`gup_fast_entry`].
#[inline(always)]
fn gup_entry(
    entry: Entry,
    lock: Locked<'_>,
    locked_given: Option<c_int>,
    start: c_ulong,
    nr_pages: c_ulong,
    gup_flags: c_uint,
    pages: PagesOut<'_>,
) -> c_long {
    let Some(flags) = entry.check_args(
        pages.is_some(),
        locked_given,
        FollFlags::from_raw(gup_flags),
    ) else {
        // CAST: 0 or -EINVAL.
        return entry.invalid_args_return() as c_long;
    };
    longterm::gup_longterm_locked(lock, start, nr_pages, pages, flags)
}

/// The body of `get_user_pages_remote()` and `pin_user_pages_remote()`: converts the raw
/// arguments once, then [`gup_entry`].
///
/// The lock is the caller's `*locked` (its value kept for the argument checks) if given, else
/// the lock the caller holds and keeps.
///
/// # Safety
///
/// `mm` must be valid for the call, and `locked` NULL or valid for the call and not accessed
/// otherwise meanwhile. With `locked`, the current thread holds `mm`'s mmap lock for read if
/// `*locked != 0`, and hands the hold over; without, it holds the lock, for read or write, for
/// the call. `pages` NULL or with room for `nr_pages` entries, which nobody else accesses
/// meanwhile.
#[inline(always)]
unsafe fn remote_entry(
    entry: Entry,
    mm: *mut bindings::mm_struct,
    start: c_ulong,
    nr_pages: c_ulong,
    gup_flags: c_uint,
    pages: *mut *mut bindings::page,
    locked: *mut c_int,
) -> c_long {
    let mut local = 0;
    // SAFETY: By the caller's guarantee, for each case: `mm` valid for the call; with `locked`,
    // its read lock held iff `*locked != 0` and handed over (`Locked::read()`), without, held
    // for the call (`Locked::kept()`); `pages` as `PagesOut::from_raw()` asks. The values
    // borrow for the length of this call only.
    let ((lock, given), pages) = unsafe {
        let mm = basics::MmRef::from_raw(mm);
        let lock = match locked.as_mut() {
            Some(l) => {
                let val = *l;
                (Locked::read(mm, l), Some(val))
            }
            None => (Locked::kept(mm, &mut local), None),
        };
        (lock, PagesOut::from_raw(pages, nr_pages))
    };
    gup_entry(entry, lock, given, start, nr_pages, gup_flags, pages)
}

/// The body of the entry points on the current mm (`get_user_pages()`, `pin_user_pages()` and
/// their `_unlocked()` forms): converts the raw arguments once, then [`gup_entry`].
///
/// # Safety
///
/// The current task has an mm. If `held`, the current thread holds its mmap lock, for read or
/// write, for the call; if not, it does not hold it (GUP takes it). `pages` NULL or with room
/// for `nr_pages` entries, which nobody else accesses meanwhile.
#[inline(always)]
unsafe fn current_entry(
    entry: Entry,
    held: bool,
    start: c_ulong,
    nr_pages: c_ulong,
    gup_flags: c_uint,
    pages: *mut *mut bindings::page,
) -> c_long {
    let mut local = 0;
    // SAFETY: `current->mm` is valid while the task runs in it (the caller's guarantee that it
    // has one); the lock is held for the call if `held` (`kept()`'s precondition), else not
    // held, which `not_held()` expects; `pages` as the caller guarantees.
    let (lock, pages) = unsafe {
        let mm = basics::MmRef::from_raw(current_mm());
        let lock = if held {
            Locked::kept(mm, &mut local)
        } else {
            Locked::not_held(mm, &mut local)
        };
        (lock, PagesOut::from_raw(pages, nr_pages))
    };
    gup_entry(entry, lock, None, start, nr_pages, gup_flags, pages)
}

/// Takes references on the pages of another process's memory (C: `get_user_pages_remote()`).
///
/// Returns the number of pages taken (possibly fewer than `nr_pages`), 0 for `nr_pages == 0`,
/// or a negative errno if none was; `-EINVAL` for invalid arguments. The pages are released with
/// `put_page()`. `FOLL_LONGTERM` is refused (with a warning) as without `FOLL_PIN` it does not
/// exist; long-term users call [`pin_user_pages_remote`].
///
/// # Safety
///
/// `mm` must be valid and its mmap lock held for read or write (for read if `locked` is given,
/// which must then point to 1; the lock may be dropped, and `*locked` is then 0); `pages` NULL or
/// with room for `nr_pages` entries.
#[export]
pub unsafe extern "C" fn get_user_pages_remote(
    mm: *mut bindings::mm_struct,
    start: c_ulong,
    nr_pages: c_ulong,
    gup_flags: c_uint,
    pages: *mut *mut bindings::page,
    locked: *mut c_int,
) -> c_long {
    // SAFETY: C's contract for get_user_pages_remote(): `mm` is valid (the caller holds a
    // reference) and its mmap lock held, for read if `locked` is given (which is then valid and
    // 1), else for read or write, throughout the call; `pages` is NULL or has room for
    // `nr_pages` entries, which nobody else accesses meanwhile.
    unsafe {
        remote_entry(
            Entry::GetUserPagesRemote,
            mm,
            start,
            nr_pages,
            gup_flags,
            pages,
            locked,
        )
    }
}

/// [`get_user_pages_remote`] on the current mm, without `locked` (C: `get_user_pages()`).
///
/// # Safety
///
/// The caller holds the current mm's mmap lock; `pages` NULL or with room for `nr_pages`.
#[export]
pub unsafe extern "C" fn get_user_pages(
    start: c_ulong,
    nr_pages: c_ulong,
    gup_flags: c_uint,
    pages: *mut *mut bindings::page,
) -> c_long {
    // SAFETY: C's contract for get_user_pages(): the caller holds the current mm's mmap
    // lock, for read or write, throughout the call (and the current task its mm); `pages` is NULL
    // or has room for `nr_pages` entries, which nobody else accesses meanwhile.
    unsafe { current_entry(Entry::GetUserPages, true, start, nr_pages, gup_flags, pages) }
}

/// [`get_user_pages`] that takes and releases the mmap lock itself
/// (C: `get_user_pages_unlocked()`).
///
/// # Safety
///
/// The caller must not hold the current mm's mmap lock; `pages` as for [`get_user_pages`].
#[export]
pub unsafe extern "C" fn get_user_pages_unlocked(
    start: c_ulong,
    nr_pages: c_ulong,
    pages: *mut *mut bindings::page,
    gup_flags: c_uint,
) -> c_long {
    // SAFETY: C's contract for get_user_pages_unlocked(): the current task keeps its mm
    // (and does not hold its mmap lock: GUP takes it); `pages` is NULL
    // or has room for `nr_pages` entries, which nobody else accesses meanwhile.
    unsafe {
        current_entry(
            Entry::GetUserPagesUnlocked,
            false,
            start,
            nr_pages,
            gup_flags,
            pages,
        )
    }
}

/// Pins the pages of another process's memory (C: `pin_user_pages_remote()`).
///
/// As [`get_user_pages_remote`], with `FOLL_PIN`: release with `unpin_user_page*()`. Returns 0
/// (not an errno) for invalid arguments, as C does. `FOLL_LONGTERM` is allowed, with or without
/// `locked`.
///
/// # Safety
///
/// As for [`get_user_pages_remote`]; `pages` must not be NULL.
#[export]
pub unsafe extern "C" fn pin_user_pages_remote(
    mm: *mut bindings::mm_struct,
    start: c_ulong,
    nr_pages: c_ulong,
    gup_flags: c_uint,
    pages: *mut *mut bindings::page,
    locked: *mut c_int,
) -> c_long {
    // SAFETY: C's contract for pin_user_pages_remote(), as for get_user_pages_remote(): `mm`
    // valid with its mmap lock held (for read if `locked` is given, which is then valid and 1)
    // throughout the call; `pages` NULL (refused by the checks) or with room for `nr_pages`
    // entries, which nobody else accesses meanwhile.
    unsafe {
        remote_entry(
            Entry::PinUserPagesRemote,
            mm,
            start,
            nr_pages,
            gup_flags,
            pages,
            locked,
        )
    }
}

/// Pins pages of the current mm for DMA and the like (C: `pin_user_pages()`).
///
/// No `FOLL_TOUCH`, unlike [`get_user_pages`]. Returns 0 for invalid arguments.
///
/// # Safety
///
/// As for [`get_user_pages`]; `pages` must not be NULL.
#[export]
pub unsafe extern "C" fn pin_user_pages(
    start: c_ulong,
    nr_pages: c_ulong,
    gup_flags: c_uint,
    pages: *mut *mut bindings::page,
) -> c_long {
    // SAFETY: C's contract for pin_user_pages(): the caller holds the current mm's mmap
    // lock, for read or write, throughout the call (and the current task its mm); `pages` is NULL
    // or has room for `nr_pages` entries, which nobody else accesses meanwhile.
    unsafe { current_entry(Entry::PinUserPages, true, start, nr_pages, gup_flags, pages) }
}

/// [`pin_user_pages`] that takes and releases the mmap lock itself
/// (C: `pin_user_pages_unlocked()`).
///
/// # Safety
///
/// As for [`get_user_pages_unlocked`]; `pages` must not be NULL.
#[export]
pub unsafe extern "C" fn pin_user_pages_unlocked(
    start: c_ulong,
    nr_pages: c_ulong,
    pages: *mut *mut bindings::page,
    gup_flags: c_uint,
) -> c_long {
    // SAFETY: C's contract for pin_user_pages_unlocked(): the current task keeps its mm
    // (and does not hold its mmap lock: GUP takes it); `pages` is NULL
    // or has room for `nr_pages` entries, which nobody else accesses meanwhile.
    unsafe {
        current_entry(
            Entry::PinUserPagesUnlocked,
            false,
            start,
            nr_pages,
            gup_flags,
            pages,
        )
    }
}

/// The common body of the GUP-fast entry points: checks the arguments as `entry` does, then
/// runs GUP-fast and, unless `entry` is fast-only, the slow path for the rest.
///
/// # Safety
///
/// As for the exported functions: `pages` with room for `nr_pages` entries.
///
/// Inlined into each entry point, as C's `is_valid_gup_args()` is: with `entry` a constant the
/// checks fold to a test or two, and the call goes straight to [`fast::gup_fast_fallback`].
#[inline(always)]
unsafe fn gup_fast_entry(
    entry: Entry,
    start: c_ulong,
    nr_pages: c_int,
    gup_flags: c_uint,
    pages: *mut *mut bindings::page,
) -> c_int {
    let Some(flags) = entry.check_args(!pages.is_null(), None, FollFlags::from_raw(gup_flags))
    else {
        // CAST: -EINVAL.
        return entry.invalid_args_return() as c_int;
    };
    // CAST: As C, which converts the `int` count to `unsigned long`: a negative one
    // sign-extends to a huge count, refused by the range checks.
    let nr_pages = nr_pages as c_long as c_ulong;
    // SAFETY: `pages` has room for the caller's `nr_pages` entries (this function's contract),
    // and `check_args()` refused a NULL `pages`; the count is the same after the conversion.
    let ret = unsafe { fast::gup_fast_fallback(start, nr_pages, flags, pages) };
    // CAST: At most `nr_pages`, which came from an `int`, or a negative errno.
    ret as c_int
}

/// Takes references on user pages of the current process with GUP-fast only, never the slow
/// path: callable where the mmap lock cannot be taken (C: `get_user_pages_fast_only()`).
///
/// Returns the number of pages taken, from 0 (nothing mapped as needed, or GUP-fast not
/// possible) to `nr_pages`; `-EINVAL` for invalid arguments. Release the pages with
/// `put_page()`.
///
/// Careful: a read (no `FOLL_WRITE`) of a COW page may return either the old or the new page.
///
/// # Safety
///
/// `pages` must have room for `nr_pages` entries.
#[export]
pub unsafe extern "C" fn get_user_pages_fast_only(
    start: c_ulong,
    nr_pages: c_int,
    gup_flags: c_uint,
    pages: *mut *mut bindings::page,
) -> c_int {
    // SAFETY: C's contract for get_user_pages_fast_only(), callable in atomic context: `pages`
    // has room for `nr_pages` entries; nothing else is asked (no mmap lock, no sleeping).
    unsafe {
        gup_fast_entry(
            Entry::GetUserPagesFastOnly,
            start,
            nr_pages,
            gup_flags,
            pages,
        )
    }
}

/// Takes references on user pages of the current process, without the mmap lock where the
/// lockless walk can, with it for the rest (C: `get_user_pages_fast()`).
///
/// Returns the number of pages taken, possibly fewer than `nr_pages`; a negative errno only if
/// none was; `-EINVAL` for invalid arguments. Release the pages with `put_page()`.
///
/// # Safety
///
/// `pages` must have room for `nr_pages` entries. May sleep.
#[export]
pub unsafe extern "C" fn get_user_pages_fast(
    start: c_ulong,
    nr_pages: c_int,
    gup_flags: c_uint,
    pages: *mut *mut bindings::page,
) -> c_int {
    // SAFETY: C's contract for get_user_pages_fast(): `pages` has room for `nr_pages`
    // entries, and the caller may sleep (the slow path takes the mmap lock).
    unsafe { gup_fast_entry(Entry::GetUserPagesFast, start, nr_pages, gup_flags, pages) }
}

/// Pins user pages of the current process, without the mmap lock where the lockless walk can
/// (C: `pin_user_pages_fast()`).
///
/// As [`get_user_pages_fast`], with `FOLL_PIN`: release the pages with `unpin_user_page()` or
/// `unpin_user_pages()`. The zero page is returned without a pin (and unpinning it is a no-op).
/// `FOLL_LONGTERM` pins of pages in CMA or ZONE_MOVABLE go to the slow path, which migrates
/// them first.
///
/// # Safety
///
/// `pages` must have room for `nr_pages` entries. May sleep.
#[export]
pub unsafe extern "C" fn pin_user_pages_fast(
    start: c_ulong,
    nr_pages: c_int,
    gup_flags: c_uint,
    pages: *mut *mut bindings::page,
) -> c_int {
    // SAFETY: C's contract for pin_user_pages_fast(): `pages` has room for `nr_pages` entries,
    // which become pins the caller owns, and the caller may sleep.
    unsafe { gup_fast_entry(Entry::PinUserPagesFast, start, nr_pages, gup_flags, pages) }
}

/// Looks up the page mapped at `address` in `vma` (C: `follow_page()`, removed upstream in 6.12
/// and kept here for out-of-tree users).
///
/// Takes a reference with `FOLL_GET` (release it with `put_page()`); `FOLL_PIN` is refused with
/// a warning, pins come from `pin_user_pages*()`. Never faults, and follows PROT_NONE (NUMA
/// hinting) entries. Returns:
///
/// - the page;
/// - NULL if nothing is mapped there, the entry is not present, or the access (`FOLL_WRITE`)
///   would need a fault; also for secretmem VMAs;
/// - `ERR_PTR(-EEXIST)` for a present entry without a `struct page` (a pfn-only entry of a
///   `VM_MIXEDMAP` or `VM_PFNMAP` mapping, `vm_normal_page()` == NULL), which GUP cannot return;
/// - `ERR_PTR(-EFAULT)` with `FOLL_DUMP` for a hole or the zero page;
/// - `ERR_PTR(-EMLINK)` never (only `FOLL_PIN` reads ask for unsharing), or another error from
///   taking the reference (`-ENOMEM`).
///
/// # Safety
///
/// `vma` must be valid, the caller must hold its mm's mmap lock, and `address` must be in `vma`.
#[export]
pub unsafe extern "C" fn follow_page(
    vma: *mut bindings::vm_area_struct,
    address: c_ulong,
    foll_flags: c_uint,
) -> *mut bindings::page {
    // SAFETY: By the caller's guarantee.
    let Some(vma) = (unsafe { basics::vma_from_c(vma) }) else {
        return ptr::null_mut();
    };
    let flags = FollFlags::from_raw(foll_flags);
    if vma.is_secretmem() {
        return ptr::null_mut();
    }
    if warn_on_once!(flags.contains(Foll::Pin)) {
        return ptr::null_mut();
    }
    // FOLL_HONOR_NUMA_FAULT is not set for the caller: callers do not expect PROT_NONE-mapped
    // pages to fail.
    let mut page_mask = 0;
    // SAFETY: The caller holds the mmap lock, and `address` is in `vma`.
    unsafe { walk::follow_page_mask(vma, address, flags, &mut page_mask) }.into_raw()
}

/// Resolves a user page fault by hand (C: `fixup_user_fault()`).
///
/// For code that hit `-EFAULT` accessing user memory with page faults disabled (futexes, KVM,
/// VFIO). Unlike GUP, always calls `handle_mm_fault()`, so architectures that keep young and
/// dirty in software get them set. With `unlocked` the mmap lock may be dropped and retaken
/// (`*unlocked` is then set); it is held on return either way. Returns 0 or a negative errno.
///
/// # Safety
///
/// `mm` valid with its mmap lock held (for read if `unlocked` is given); `unlocked` NULL or
/// valid, and NULL only if `fault_flags` has no `FAULT_FLAG_ALLOW_RETRY`.
#[export]
pub unsafe extern "C" fn fixup_user_fault(
    mm: *mut bindings::mm_struct,
    address: c_ulong,
    fault_flags: c_uint,
    unlocked: *mut bool,
) -> c_int {
    let mut local = 0;
    // SAFETY: C's contract for fixup_user_fault(): `mm` is valid and the caller holds its mmap
    // lock throughout the call, for read if `unlocked` is given (which is then valid, and says
    // whether the lock was dropped and taken again), and gets it back held either way.
    let (mut lock, unlocked) = unsafe {
        let mm = basics::MmRef::from_raw(mm);
        match unlocked.as_mut() {
            Some(u) => {
                local = 1;
                (Locked::read(mm, &mut local), Some(u))
            }
            None => (Locked::kept(mm, &mut local), None),
        }
    };
    fault::fixup_user_fault(&mut lock, address, fault_flags, unlocked)
}

/// Faults in a user range for writing, writing a zero byte to each page
/// (C: `fault_in_writeable()`). Returns the number of bytes not faulted in.
///
/// # Safety
///
/// Any user address may be passed: it is checked with `access_ok()` or looked up in the current
/// mm, and faults are handled.
#[export]
pub unsafe extern "C" fn fault_in_writeable(uaddr: *mut c_char, size: usize) -> usize {
    // CAST: A user address, never dereferenced here.
    populate::fault_in_writeable(uaddr as usize, size)
}

/// [`fault_in_writeable`], checked at sub-page granularity where the architecture has it
/// (arm64 MTE) (C: `fault_in_subpage_writeable()`).
///
/// # Safety
///
/// Any user address may be passed: it is checked with `access_ok()` or looked up in the current
/// mm, and faults are handled.
#[export]
pub unsafe extern "C" fn fault_in_subpage_writeable(uaddr: *mut c_char, size: usize) -> usize {
    // CAST: As above.
    populate::fault_in_subpage_writeable(uaddr as usize, size)
}

/// Faults in a user range for writing without writing to it (C: `fault_in_safe_writeable()`).
///
/// # Safety
///
/// Any user address may be passed: it is checked with `access_ok()` or looked up in the current
/// mm, and faults are handled.
#[export]
pub unsafe extern "C" fn fault_in_safe_writeable(uaddr: *const c_char, size: usize) -> usize {
    // CAST: As above.
    populate::fault_in_safe_writeable(uaddr as usize, size)
}

/// Faults in a user range for reading (C: `fault_in_readable()`).
///
/// # Safety
///
/// Any user address may be passed: it is checked with `access_ok()` or looked up in the current
/// mm, and faults are handled.
#[export]
pub unsafe extern "C" fn fault_in_readable(uaddr: *const c_char, size: usize) -> usize {
    // CAST: As above.
    populate::fault_in_readable(uaddr as usize, size)
}

/// Populates `[start, end)` of `vma`, mlocking for `VM_LOCKED` (C: `populate_vma_page_range()`).
///
/// # Safety
///
/// `vma` valid with its mm's mmap lock held; for read if `locked` is non-NULL, in which case the
/// lock may be dropped and `*locked` set to 0.
#[export]
pub unsafe extern "C" fn populate_vma_page_range(
    vma: *mut bindings::vm_area_struct,
    start: c_ulong,
    end: c_ulong,
    locked: *mut c_int,
) -> c_long {
    if vma.is_null() {
        return basics::errno_long(EFAULT);
    }
    let mut local = 0;
    // SAFETY: C's contract for populate_vma_page_range(): `vma` is valid and the caller holds its
    // mm's mmap lock (which keeps the mm) throughout the call, for read if `locked` is given
    // (which is then valid and 1; the lock may be dropped, and `*locked` then says so), else
    // for read or write.
    let mut lock = unsafe {
        let mm = basics::MmRef::from_raw((*vma).vm_mm);
        match locked.as_mut() {
            Some(l) => Locked::read(mm, l),
            None => Locked::kept(mm, &mut local),
        }
    };
    let Some(held) = lock.held() else {
        // `*locked == 0`, which C does not take.
        return basics::errno_long(EFAULT);
    };
    // SAFETY: `vma` is a valid VMA of the mm whose held lock `held` stands for (C's contract).
    let Ok(at) = (unsafe { held.enter_raw(vma) }) else {
        return basics::errno_long(EFAULT);
    };
    populate::populate_vma_page_range(at, start, end)
}

/// Prefaults `[start, end)` for `MADV_POPULATE_(READ|WRITE)` (C: `faultin_page_range()`).
///
/// # Safety
///
/// `mm` valid with its mmap lock held for read; `locked` valid (the lock may be dropped, and
/// `*locked` is then 0).
#[export]
pub unsafe extern "C" fn faultin_page_range(
    mm: *mut bindings::mm_struct,
    start: c_ulong,
    end: c_ulong,
    write: bool,
    locked: *mut c_int,
) -> c_long {
    // SAFETY: C's contract for faultin_page_range(): `mm` is valid, and `locked` valid and 1,
    // with the mm's mmap lock held for read, a hold the call may drop (`*locked` then says so).
    let mut lock = unsafe { Locked::read(basics::MmRef::from_raw(mm), &mut *locked) };
    populate::faultin_page_range(&mut lock, start, end, write)
}

/// Populates and/or mlocks a range of the current mm, for mlock() and
/// `MAP_POPULATE`/`MAP_LOCKED` (C: `__mm_populate()`). Returns 0 or a negative errno.
///
/// # Safety
///
/// The caller must not hold the current mm's mmap lock.
#[export]
pub unsafe extern "C" fn __mm_populate(
    start: c_ulong,
    len: c_ulong,
    ignore_errors: c_int,
) -> c_int {
    populate::mm_populate(start, len, ignore_errors != 0)
}

/// Takes a reference on the page at `addr` of the current mm for a core dump; NULL for holes,
/// the zero page and failures (C: `get_dump_page()`).
///
/// # Safety
///
/// `locked` must be valid; with `*locked == 1` the caller holds the mmap lock for read.
#[cfg(CONFIG_ELF_CORE)]
#[export]
pub unsafe extern "C" fn get_dump_page(addr: c_ulong, locked: *mut c_int) -> *mut bindings::page {
    // SAFETY: C's contract for get_dump_page(): `locked` is valid, 1 with the current mm's mmap
    // lock held for read (a hold the call may release: `*locked` then says so), or 0 without
    // it; the current task keeps its mm.
    let mut lock = unsafe { Locked::read(basics::MmRef::from_raw(current_mm()), &mut *locked) };
    populate::get_dump_page(&mut lock, addr)
}
