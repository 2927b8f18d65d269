// SPDX-License-Identifier: GPL-2.0

//! What the slow path, GUP-fast and the long-term code all use: errno conversions, page and leaf
//! sizes, the current mm, VMA lookup with its stack warning, and `MMF_HAS_PINNED`.

use core::{
    ffi::CStr,
    marker::PhantomData,
    ptr::NonNull,
    sync::atomic::{
        AtomicUsize,
        Ordering, //
    }, //
};

use kernel::{
    bindings,
    ffi::{
        c_int,
        c_long,
        c_void, //
    },
    mm::virt::VmaRef,
    prelude::*,
    str::CStrExt, //
};

pub(crate) use kernel::page::{
    PAGE_MASK,
    PAGE_SHIFT,
    PAGE_SIZE, //
};

/// Pages in a PMD leaf (C: `HPAGE_PMD_NR`; `HPAGE_PMD_SHIFT` is `PMD_SHIFT` on every
/// architecture with PMD leaves).
pub(crate) const HPAGE_PMD_NR: usize = 1 << (bindings::GUP_PMD_SHIFT as usize - PAGE_SHIFT);
/// Pages in a PUD leaf (C: `HPAGE_PUD_NR`).
pub(crate) const HPAGE_PUD_NR: usize = 1 << (bindings::GUP_PUD_SHIFT as usize - PAGE_SHIFT);
/// The address bits within a PMD leaf cleared (C: `PMD_MASK`, `PMD_MASK`).
pub(crate) const PMD_MASK: usize = !((1 << bindings::GUP_PMD_SHIFT) - 1);
/// The address bits within a PUD leaf cleared (C: `PUD_MASK`).
pub(crate) const PUD_MASK: usize = !((1 << bindings::GUP_PUD_SHIFT) - 1);

/// A negative errno as C's `long` result.
pub(crate) fn errno_long(e: Error) -> c_long {
    // CAST: Widening a negative `int`.
    e.to_errno() as c_long
}

pub(crate) type VmFlags = bindings::vm_flags_t;

/// Whether `flags` mark a shadow stack, which GUP may not write without FOLL_FORCE.
// `VM_SHADOW_STACK` is `VM_NONE` (an `u32` 0) unless the architecture has user shadow stacks.
#[allow(clippy::bad_bit_mask, clippy::unnecessary_cast)]
#[inline]
pub(crate) fn is_shadow_stack(flags: VmFlags) -> bool {
    // CAST: See above.
    flags & bindings::VM_SHADOW_STACK as VmFlags != 0
}
pub(crate) type MmPtr = *mut bindings::mm_struct;

/// A C errno as a kernel [`Error`], for the codes `kernel::error::code` does not name.
pub(crate) fn errno(code: u32) -> Error {
    // CAST: errno values are small positive integers.
    Error::from_errno(-(code as c_int))
}

/// Borrows the VMA at `vma` from C, `None` for NULL.
///
/// # Safety
///
/// `vma` must be NULL or valid, with its mm's mmap lock (or the VMA's lock) held for `'a`.
#[inline]
pub(crate) unsafe fn vma_from_c<'a>(vma: *mut bindings::vm_area_struct) -> Option<&'a VmaRef> {
    // SAFETY: Non-NULL here, valid and locked for `'a` by the caller's guarantee.
    (!vma.is_null()).then(|| unsafe { VmaRef::from_raw(vma) })
}

/// The mmap lock of an mm, held by the current thread (for read or for write): what the slow
/// path's VMA lookups need. A VMA found through it borrows it, so it cannot be used once the
/// value is gone.
///
/// Dropping the value does not release the lock: GUP's callers own it, and a fault that drops it
/// says so through the slow path's `locked` argument; the functions that may drop it are
/// `unsafe`, with what the caller must then do in their contract.
///
/// # Invariants
///
/// `self.mm` is a valid mm whose mmap lock the current thread holds for `'a`.
pub(crate) struct MmapLocked<'a> {
    mm: NonNull<bindings::mm_struct>,
    _lock: PhantomData<&'a bindings::mm_struct>,
}

impl<'a> MmapLocked<'a> {
    /// Stands for the mmap lock of `mm`, which the caller holds.
    ///
    /// # Safety
    ///
    /// `mm` must be a valid mm whose mmap lock the current thread holds, for read or write, for
    /// `'a`.
    #[inline(always)]
    pub(crate) unsafe fn assume(mm: MmPtr) -> Self {
        // SAFETY: A valid mm, by the caller's guarantee.
        unsafe { bindings::mmap_assert_locked(mm) };
        // INVARIANT: By the caller's guarantee; NULL is not a valid mm.
        Self {
            // SAFETY: A valid mm is not NULL.
            mm: unsafe { NonNull::new_unchecked(mm) },
            _lock: PhantomData,
        }
    }

    /// The mm, for C calls.
    #[inline(always)]
    pub(crate) fn as_raw(&self) -> MmPtr {
        self.mm.as_ptr()
    }

    /// The first VMA that ends above `addr` (C: `find_vma()`).
    #[inline(always)]
    pub(crate) fn find_vma(&self, addr: usize) -> Option<&VmaRef> {
        // SAFETY: A valid mm whose lock is held (type invariant); the VMA stays valid under the
        // lock, which lasts as long as `self` is borrowed.
        unsafe { vma_from_c(bindings::find_vma(self.as_raw(), addr)) }
    }

    /// The VMA that contains `addr` (C: `vma_lookup()`).
    #[inline(always)]
    pub(crate) fn vma_lookup(&self, addr: usize) -> Option<&VmaRef> {
        // SAFETY: As in `find_vma()`.
        unsafe { vma_from_c(bindings::vma_lookup(self.as_raw(), addr)) }
    }

    /// The first VMA that intersects `[start, end)` (C: `find_vma_intersection()`).
    pub(crate) fn find_vma_intersection(&self, start: usize, end: usize) -> Option<&VmaRef> {
        // SAFETY: As in `find_vma()`.
        unsafe { vma_from_c(bindings::find_vma_intersection(self.as_raw(), start, end)) }
    }

    /// `vma_lookup()` that warns (at most once an hour) where GUP used to expand the stack
    /// (C: `gup_vma_lookup()`).
    #[inline(always)]
    pub(crate) fn gup_vma_lookup(&self, addr: usize) -> Option<&VmaRef> {
        let vma = self.find_vma(addr)?;
        if addr >= vma.start() {
            return Some(vma);
        }
        below_vma(vma, addr);
        None
    }

    /// Whether `addr` is in the gate area (the x86-64 vsyscall page), which has no VMA in the
    /// mm's tree (C: `in_gate_area()`).
    pub(crate) fn in_gate_area(&self, addr: usize) -> bool {
        // SAFETY: A valid mm (type invariant).
        unsafe { bindings::in_gate_area(self.as_raw(), addr) != 0 }
    }

    /// The gate area's VMA, if the architecture has one (C: `get_gate_vma()`).
    pub(crate) fn gate_vma(&self) -> Option<&VmaRef> {
        // SAFETY: A valid mm (type invariant); the gate VMA is static, so it outlives the borrow.
        unsafe { vma_from_c(bindings::get_gate_vma(self.as_raw())) }
    }

    /// `addr` without the tag bits the mm's owner may set (C: `untagged_addr_remote()`).
    #[inline(always)]
    pub(crate) fn untagged_addr(&self, addr: usize) -> usize {
        // SAFETY: A valid mm whose lock is held (type invariant), as the C function asserts.
        unsafe { bindings::untagged_addr_remote(self.as_raw(), addr) }
    }
}

/// The part of [`MmapLocked::gup_vma_lookup`] for an address below the VMA found: the warning,
/// if due.
#[cold]
#[inline(never)]
pub(crate) fn below_vma(vma: &VmaRef, addr: usize) {
    static NEXT_WARN: AtomicUsize = AtomicUsize::new(0);

    // Only warn for half-way relevant accesses.
    if vma.flags() & bindings::VM_GROWSDOWN == 0 || vma.start() - addr > 65536 {
        return;
    }
    // SAFETY: `jiffies` is always there to read; a volatile read, as C's `volatile` declaration
    // makes every read of it.
    let now = unsafe { core::ptr::read_volatile(&raw const bindings::jiffies) };
    let next = NEXT_WARN.load(Ordering::Relaxed);
    // C: time_before(now, next).
    // CAST: jiffies comparisons are done on the signed difference.
    if next != 0 && (now.wrapping_sub(next) as isize) < 0 {
        return;
    }
    NEXT_WARN.store(
        now.wrapping_add(60 * 60 * bindings::HZ as usize),
        Ordering::Relaxed,
    );
    let task = kernel::current!();
    let pid = task.pid();
    // SAFETY: `task` is the current task, alive while we run; its `comm` array always ends in a
    // NUL (`__set_task_comm()` keeps one).
    let comm = unsafe { CStr::from_char_ptr((*task.as_ptr()).comm.as_ptr()) };
    pr_warn!(
        "GUP no longer grows the stack in {} ({}): {:x}-{:x} ({:x})\n",
        comm.to_str().unwrap_or("?"),
        pid,
        vma.start(),
        vma.end(),
        addr
    );
    kernel::bug::dump_stack();
}

/// Whether `[addr, addr + size)` may be a user range (C: `access_ok()`): compares addresses,
/// accesses nothing.
#[inline(always)]
pub(crate) fn access_ok(addr: usize, size: usize) -> bool {
    // CAST: A user address, never dereferenced.
    // SAFETY: `access_ok()` only compares the range with the user address space's limit.
    unsafe { bindings::access_ok(addr as *const c_void, size) }
}

/// `current->mm`.
pub(crate) fn current_mm() -> MmPtr {
    // SAFETY: `current` is valid in process context.
    unsafe { (*bindings::get_current()).mm }
}

/// An mm that stays valid for `'a` (its user holds a reference on it): what GUP locks and
/// flags. Taking its mmap lock for read and setting its flags ask nothing more, so they are
/// safe; releasing the lock asks that it be held, and is `unsafe`.
///
/// # Invariants
///
/// `mm` is a valid mm for `'a`.
pub(crate) struct MmRef<'a> {
    mm: MmPtr,
    _mm: PhantomData<&'a bindings::mm_struct>,
}

impl<'a> MmRef<'a> {
    /// Borrows the mm at `mm`.
    ///
    /// # Safety
    ///
    /// `mm` must be a valid mm for `'a`.
    #[inline(always)]
    pub(crate) unsafe fn from_raw(mm: MmPtr) -> Self {
        // INVARIANT: By the caller's guarantee.
        Self {
            mm,
            _mm: PhantomData,
        }
    }

    /// The mm, for C calls.
    #[inline(always)]
    pub(crate) fn as_raw(&self) -> MmPtr {
        self.mm
    }

    /// Takes the mmap lock for read (C: `mmap_read_lock()`).
    #[inline(always)]
    pub(crate) fn read_lock(&self) {
        // SAFETY: A valid mm (type invariant).
        unsafe { bindings::mmap_read_lock(self.as_raw()) };
    }

    /// Takes the mmap lock for read unless a fatal signal comes first
    /// (C: `mmap_read_lock_killable()`); 0 when taken, else a negative errno.
    #[inline(always)]
    pub(crate) fn read_lock_killable(&self) -> c_int {
        // SAFETY: A valid mm (type invariant).
        unsafe { bindings::mmap_read_lock_killable(self.as_raw()) }
    }

    /// Releases the mmap lock (C: `mmap_read_unlock()`).
    ///
    /// # Safety
    ///
    /// The current thread must hold the mmap lock for read, and not use it (nor anything found
    /// through it) afterwards.
    #[inline(always)]
    pub(crate) unsafe fn read_unlock(&self) {
        // SAFETY: A valid mm (type invariant), whose lock the caller holds for read.
        unsafe { bindings::mmap_read_unlock(self.as_raw()) };
    }

    /// Sets `MMF_HAS_PINNED`, which fork() reads to copy pinned anonymous pages; only if not yet
    /// set, to avoid cache line bouncing on concurrent pins (C: `mm_set_has_pinned_flag()`).
    #[inline(always)]
    pub(crate) fn set_has_pinned(&self) {
        // CAST: A bit number.
        let flag = bindings::MMF_HAS_PINNED as c_int;
        // SAFETY: A valid mm (type invariant); the flag word is set atomically.
        unsafe {
            if !bindings::mm_flags_test(flag, self.as_raw()) {
                bindings::mm_flags_set(flag, self.as_raw());
            }
        }
    }
}

/// [`MmRef::set_has_pinned`] on a raw mm.
///
/// # Safety
///
/// `mm` must be valid.
pub(crate) unsafe fn mm_set_has_pinned_flag(mm: MmPtr) {
    // SAFETY: Valid for this call, by the caller's guarantee.
    unsafe { MmRef::from_raw(mm) }.set_has_pinned();
}
