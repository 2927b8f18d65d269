// SPDX-License-Identifier: GPL-2.0

//! Faulting in without taking pages: `populate_vma_page_range()`, `faultin_page_range()`
//! (`MADV_POPULATE_*`), `__mm_populate()` (`mlock()`, `MAP_POPULATE`), `get_dump_page()` for core
//! dumps, and the `fault_in_*()` helpers of the uaccess paths.
//!
//! C source this replaces: the same functions of [`mm/gup.c`](srctree/mm/gup.c).

use core::{
    mem::MaybeUninit,
    ptr, //
};

use kernel::{
    bindings,
    ffi::{
        c_char,
        c_int,
        c_long, //
    },
    prelude::*,
    vm_warn_on_once,
    warn_on_once, //
};

use crate::{
    basics::{
        access_ok,
        errno_long,
        InVma,
        Locked,
        MmRef,
        PAGE_MASK,
        PAGE_SIZE, //
    },
    fault::{
        fault_flag,
        fixup_user_fault, //
    },
    flags::{
        Foll,
        FollFlags, //
    },
    folio::PagePtr, //
    slow::{
        get_user_pages_locked,
        get_user_pages_walk,
        PagesOut, //
    },
};

/// Faults in (and, for `VM_LOCKED`, mlocks) the pages of `[start, end)` in `vma`
/// (C: `populate_vma_page_range()`).
///
/// Returns the number of pages done, or a negative errno. If the lock is one that may be dropped
/// ([`Locked::may_drop`], C: `locked` given), the walk may drop it.
pub(crate) fn populate_vma_page_range(at: InVma<'_, '_>, start: usize, end: usize) -> c_long {
    let vma = at.vma();
    let nr_pages = end.wrapping_sub(start) / PAGE_SIZE;

    vm_warn_on_once!(start & !PAGE_MASK != 0);
    vm_warn_on_once!(end & !PAGE_MASK != 0);
    vm_warn_on_once!(start < vma.start());
    vm_warn_on_once!(end > vma.end());

    // VM_LOCKONFAULT has never used faultin_page() to break COW: nothing to do.
    if vma.flags() & bindings::VM_LOCKONFAULT != 0 {
        // CAST: A page count of an address space.
        return nr_pages as c_long;
    }
    // PROT_NONE pages have never been faulted in either.
    if !vma.is_accessible() {
        return errno_long(EFAULT);
    }

    let mut flags = FollFlags::from(Foll::Touch);
    // Write-fault writable private mappings to break COW; shared ones do not COW and would be
    // dirtied for nothing. Otherwise read-fault, with FOLL_FORCE for write-only or exec-only
    // mappings.
    if vma.flags() & (bindings::VM_WRITE | bindings::VM_SHARED) == bindings::VM_WRITE {
        flags |= Foll::Write;
    } else {
        flags |= Foll::Force;
    }
    if at.may_drop() {
        flags |= Foll::Unlockable;
    }
    // `start` is inside a VMA, so this cannot expand a stack and recurse back here. What the
    // walk drops, the caller learns from the lock.
    let ret = get_user_pages_walk(at.leave(), start, nr_pages, flags, PagesOut::none());
    kernel::mm::lru_add_drain();
    ret
}

/// Prefaults `[start, end)` of `mm` readable or writable, for `MADV_POPULATE_(READ|WRITE)`
/// (C: `faultin_page_range()`).
///
/// Returns the number of pages done, or a negative errno, reporting VMA problems as
/// `MADV_POPULATE_*` expects (`ENOMEM` for a hole, `EINVAL` for an unsuitable VMA). The lock,
/// held on entry, may be dropped.
pub(crate) fn faultin_page_range(
    lock: &mut Locked<'_>,
    start: usize,
    end: usize,
    write: bool,
) -> c_long {
    let nr_pages = end.wrapping_sub(start) / PAGE_SIZE;

    vm_warn_on_once!(start & !PAGE_MASK != 0);
    vm_warn_on_once!(end & !PAGE_MASK != 0);
    // (The walk asserts that the lock is held.)

    // FOLL_TOUCH marks the pages accessed (and dirty for a write); FOLL_HWPOISON reports
    // poisoned pages as such; no FOLL_FORCE: the access permissions apply.
    let mut flags = Foll::Touch | Foll::HwPoison | Foll::Unlockable | Foll::MadvPopulate;
    if write {
        flags |= Foll::Write;
    }
    let ret = get_user_pages_locked(lock, start, nr_pages, PagesOut::none(), flags);
    kernel::mm::lru_add_drain();
    ret
}

/// Populates (and, for `VM_LOCKED` VMAs, mlocks) `[start, start + len)` of the current mm, for
/// mlock() and `MAP_POPULATE`/`MAP_LOCKED` (C: `__mm_populate()`).
///
/// The VMAs already carry the wanted flags; the mmap lock must not be held. Returns 0 or a
/// negative errno.
pub(crate) fn mm_populate(start: usize, len: usize, ignore_errors: bool) -> c_int {
    let task = kernel::current!();
    // mlock() and mmap() call this in the user context of a task with an mm.
    let Some(mm) = MmRef::current(task) else {
        warn_on_once!(true);
        return -(bindings::EFAULT as c_int);
    };
    let end = start.wrapping_add(len);
    // The end of the VMA of the last round, while the lock has stayed held since.
    let mut vma_end: Option<usize> = None;
    let mut locked: c_int = 0;
    let mut lock = Locked::not_held(mm, &mut locked);
    let mut ret: c_long = 0;
    let mut nstart = start;

    while nstart < end {
        if !lock.is_held() {
            lock.read_lock();
            vma_end = None;
        }
        let Some(held) = lock.held() else {
            // Cannot happen: taken just above.
            break;
        };
        // Find the first VMA of [nstart, end): with the lock held since the last round, the VMA
        // after that round's, if `nstart` has moved past it (otherwise that VMA again).
        let from = match vma_end {
            Some(e) if nstart >= e => e,
            _ => nstart,
        };
        let Ok(w) = held.find_vma_intersection(from, end) else {
            break;
        };
        let v = w.vma();
        vma_end = Some(v.end());
        // [nstart, nend) is the part of the range in this VMA; skip VMAs GUP cannot handle.
        let mut nend = end.min(v.end());
        if v.flags() & (bindings::VM_IO | bindings::VM_PFNMAP) != 0 {
            nstart = nend;
            continue;
        }
        if nstart < v.start() {
            nstart = v.start();
        }
        // populate_vma_page_range() checks the VMA flags again, so that pages of a VMA that
        // was munlocked meanwhile are not mlocked.
        // [nstart, nend) is in the VMA; the lock is one populate may drop (`locked` given).
        ret = populate_vma_page_range(w, nstart, nend);
        if ret < 0 {
            if ignore_errors {
                // Go on with the next VMA.
                ret = 0;
                nstart = nend;
                continue;
            }
            break;
        }
        // CAST: `ret` is a non-negative page count.
        nend = nstart.wrapping_add(ret as usize * PAGE_SIZE);
        ret = 0;
        nstart = nend;
    }
    // Released if held: taken above, and not dropped by the last populate.
    lock.read_unlock();
    // CAST: 0 or a negative errno.
    ret as c_int
}

/// Returns the page at `addr` of `lock`'s mm (the current one), with a reference, for a core
/// dump; NULL for a hole, the zero page or any failure (C: `get_dump_page()`). The lock is taken
/// if not held, and released then.
#[cfg(CONFIG_ELF_CORE)]
pub(crate) fn get_dump_page(lock: &mut Locked<'_>, addr: usize) -> PagePtr {
    let mut page = MaybeUninit::uninit();
    let ret = get_user_pages_locked(
        lock,
        addr,
        1,
        PagesOut::one(&mut page),
        Foll::Force | Foll::Dump | Foll::Get,
    );
    if ret == 1 {
        // SAFETY: One page done: the walk wrote the entry.
        unsafe { page.assume_init() }
    } else {
        ptr::null_mut()
    }
}

/// Per-page loop of the `fault_in_*()` helpers: calls `touch` on one byte of each page of
/// `[start, start + size)` until it fails, and returns the number of bytes not faulted in.
pub(crate) fn fault_in_loop(
    start: usize,
    size: usize,
    mut touch: impl FnMut(usize) -> bool,
) -> usize {
    let end = start.wrapping_add(size);
    let mut cur = start;
    // Stop once the address wraps to 0.
    while cur != 0 && cur < end {
        if !touch(cur) {
            break;
        }
        cur = cur.wrapping_add(PAGE_SIZE) & PAGE_MASK;
    }
    let faulted = cur.wrapping_sub(start);
    size.saturating_sub(faulted)
}

/// Faults in a user range for writing by writing a zero byte to each page; destructive
/// (C: `fault_in_writeable()`). Returns the number of bytes not faulted in.
pub(crate) fn fault_in_writeable(uaddr: usize, size: usize) -> usize {
    if size == 0 {
        return 0;
    }
    if !access_ok(uaddr, size) {
        return size;
    }
    fault_in_loop(uaddr, size, |cur| {
        // SAFETY: `cur` is a user address in a range access_ok() accepted; a fault is caught by
        // the exception table and reported.
        unsafe { bindings::gup_put_user_zero(cur as *mut c_char) == 0 }
    })
}

/// [`fault_in_writeable`], then the architecture's sub-page probe (arm64 MTE tags)
/// (C: `fault_in_subpage_writeable()`).
pub(crate) fn fault_in_subpage_writeable(uaddr: usize, size: usize) -> usize {
    let mut faulted = size.saturating_sub(fault_in_writeable(uaddr, size));
    if faulted != 0 {
        // SAFETY: Probes the user range, catching faults.
        let missed = unsafe { bindings::probe_subpage_writeable(uaddr as *mut c_char, faulted) };
        faulted = faulted.saturating_sub(missed);
    }
    size - faulted
}

/// Faults in a user range for writing without writing to it, with `fixup_user_fault()`
/// (C: `fault_in_safe_writeable()`). Returns the number of bytes not faulted in.
pub(crate) fn fault_in_safe_writeable(uaddr: usize, size: usize) -> usize {
    if size == 0 {
        return 0;
    }
    let task = kernel::current!();
    // Callers are in the user context of a task with an mm (C would oops on a NULL one); without
    // one, nothing can be faulted in.
    let Some(mm) = MmRef::current(task) else {
        warn_on_once!(true);
        return size;
    };
    let mut unlocked = false;
    let mut locked: c_int = 0;
    let mut lock = Locked::not_held(mm, &mut locked);
    lock.read_lock();
    let rest = fault_in_loop(uaddr, size, |cur| {
        // The lock is held for read, and may be dropped and retaken.
        fixup_user_fault(&mut lock, cur, fault_flag::WRITE, Some(&mut unlocked)) == 0
    });
    // Held (again) after fixup_user_fault(), which returns with it held.
    lock.read_unlock();
    rest
}

/// Faults in a user range for reading by reading a byte of each page
/// (C: `fault_in_readable()`). Returns the number of bytes not faulted in.
pub(crate) fn fault_in_readable(uaddr: usize, size: usize) -> usize {
    if size == 0 {
        return 0;
    }
    if !access_ok(uaddr, size) {
        return size;
    }
    fault_in_loop(uaddr, size, |cur| {
        // SAFETY: As in fault_in_writeable().
        unsafe { bindings::gup_get_user_byte(cur as *const c_char) == 0 }
    })
}
