// SPDX-License-Identifier: GPL-2.0

//! What the slow path, GUP-fast and the long-term code all use: errno conversions, page and leaf
//! sizes, the current mm, the mmap lock with C's `*locked` protocol ([`Locked`]) and VMA lookup
//! through it, with its stack warning, and `MMF_HAS_PINNED`.

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
/// Dropping the value does not release the lock: GUP's callers own it. The slow path gets one
/// from a [`Locked`] that is held ([`Locked::held`]), and a fault that may drop the lock
/// consumes it ([`InVma::handle_mm_fault`]).
///
/// # Invariants
///
/// `self.mm` is a valid mm whose mmap lock the current thread holds while the value lives (at
/// most `'a`).
pub(crate) struct MmapLocked<'a> {
    mm: MmPtr,
    _lock: PhantomData<&'a bindings::mm_struct>,
}

impl<'a> MmapLocked<'a> {
    /// Stands for the mmap lock of `mm`, which the caller holds.
    ///
    /// # Safety
    ///
    /// `mm` must be a valid mm whose mmap lock the current thread holds, for read or write, while
    /// the value lives (at most `'a`).
    #[inline(always)]
    unsafe fn assume(mm: MmPtr) -> Self {
        // SAFETY: A valid mm, by the caller's guarantee.
        unsafe { bindings::mmap_assert_locked(mm) };
        // INVARIANT: By the caller's guarantee.
        Self {
            mm,
            _lock: PhantomData,
        }
    }

    /// The mm, for C calls.
    #[inline(always)]
    pub(crate) fn as_raw(&self) -> MmPtr {
        self.mm
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

    /// The mm of the current task, borrowed from `task` (as [`CurrentTask::mm`] is); `None` in
    /// a kernel thread without one.
    ///
    /// [`CurrentTask::mm`]: kernel::task::CurrentTask::mm
    #[inline(always)]
    pub(crate) fn current(task: &'a kernel::task::CurrentTask) -> Option<Self> {
        let mm = task.mm()?;
        // INVARIANT: An `MmWithUser` is a valid mm with a user (`mm_users`) for as long as it is
        // borrowed, and it is borrowed for `'a`.
        Some(Self {
            mm: mm.as_raw(),
            _mm: PhantomData,
        })
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

    /// Tells lockdep that the mmap lock may be taken for read here (C: `might_lock_read()` on
    /// it, as `gup_fast_fallback()` does when it may fall back to the slow path); nothing without
    /// lockdep.
    #[inline(always)]
    pub(crate) fn might_lock_read(&self) {
        // SAFETY: A valid mm (type invariant); only lockdep's state is looked at.
        unsafe { bindings::gup_might_lock_mmap_read(self.as_raw()) };
    }

    /// Starts a read of `mm->write_protect_seq` (C: `raw_seqcount_try_begin()`): the count, or
    /// `None` while fork() is write-protecting the mm (an odd count).
    #[inline(always)]
    pub(crate) fn write_protect_seq_try_begin(&self) -> Option<c_uint> {
        let mut seq = 0;
        // SAFETY: A valid mm (type invariant); `seq` is a local the helper writes.
        unsafe { bindings::gup_write_protect_seq_try_begin(self.as_raw(), &mut seq) }.then_some(seq)
    }

    /// Whether fork() write-protected the mm since [`Self::write_protect_seq_try_begin`] gave
    /// `seq` (C: `read_seqcount_retry()`).
    #[inline(always)]
    pub(crate) fn write_protect_seq_retry(&self, seq: c_uint) -> bool {
        // SAFETY: A valid mm (type invariant); the count is only read.
        unsafe { bindings::gup_write_protect_seq_retry(self.as_raw(), seq) }
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

/// The mmap lock of an mm as the slow path holds it, with C's `int *locked`: held or not, and, for
/// a read lock handed over by the caller, released and taken again on the way (a fault may drop
/// it); what `*locked` says at the end is what the caller holds.
///
/// VMAs are found through a [`Held`], which borrows the value exclusively, and a fault that may
/// drop the lock consumes the [`InVma`] it faults in ([`InVma::handle_mm_fault`]): no VMA found
/// before a fault survives it, the borrow checker sees to that.
///
/// # Invariants
///
/// `self.mm` is valid for `'a`. When `*self.locked != 0`, the current thread holds `mm`'s mmap
/// lock: if `self.read`, for read, a hold this value stands for (it may release it, and then
/// sets `*self.locked` to 0); otherwise for read or write, a hold its caller keeps for `'a`, and
/// `*self.locked` is 1 for `'a`.
pub(crate) struct Locked<'a> {
    mm: MmRef<'a>,
    locked: &'a mut c_int,
    read: bool,
}

impl<'a> Locked<'a> {
    /// The caller's read lock as C's `*locked` says: held if and only if `*locked != 0`. The value
    /// may release it and take it again (a fault may drop it); `*locked` then says which.
    ///
    /// # Safety
    ///
    /// If `*locked != 0`, the current thread holds `mm`'s mmap lock for read, and hands the hold
    /// over: on return, it holds the lock if and only if `*locked != 0`.
    #[inline(always)]
    pub(crate) unsafe fn read(mm: MmRef<'a>, locked: &'a mut c_int) -> Self {
        // INVARIANT: By the caller's guarantee; `read` may release what it holds.
        Self {
            mm,
            locked,
            read: true,
        }
    }

    /// The lock the caller holds, for read or write, and keeps: never released here, nor dropped
    /// by a fault. `*local` is set to 1 (C's `local_locked`).
    ///
    /// # Safety
    ///
    /// The current thread holds `mm`'s mmap lock, for read or write, for `'a`.
    #[inline(always)]
    pub(crate) unsafe fn kept(mm: MmRef<'a>, local: &'a mut c_int) -> Self {
        *local = 1;
        // INVARIANT: Held for `'a` by the caller's guarantee, and `*local` is 1; nothing sets it
        // to 0 without `read`.
        Self {
            mm,
            locked: local,
            read: false,
        }
    }

    /// The lock not held: taken for read when needed, and released again. `*local` is set to 0.
    ///
    /// (If the current thread held the lock meanwhile, taking it again could deadlock; nothing
    /// worse.)
    #[inline(always)]
    pub(crate) fn not_held(mm: MmRef<'a>, local: &'a mut c_int) -> Self {
        *local = 0;
        // INVARIANT: `*local` is 0: nothing is held.
        Self {
            mm,
            locked: local,
            read: true,
        }
    }

    /// The mm.
    #[inline(always)]
    pub(crate) fn mm(&self) -> &MmRef<'a> {
        &self.mm
    }

    /// Whether the lock is held (C: `*locked`).
    #[inline(always)]
    pub(crate) fn is_held(&self) -> bool {
        *self.locked != 0
    }

    /// Whether this is a read lock the value may release, and a fault drop (C: `locked` was
    /// given, or GUP takes the lock itself).
    #[inline(always)]
    pub(crate) fn may_drop(&self) -> bool {
        self.read
    }

    /// Takes the lock for read unless held (C: `mmap_read_lock()`, `*locked = 1`).
    #[inline(always)]
    pub(crate) fn read_lock(&mut self) {
        if *self.locked == 0 {
            self.mm.read_lock();
            // INVARIANT: Now held for read, a hold this value stands for (only a value with
            // `read` is ever not held).
            *self.locked = 1;
        }
    }

    /// Takes the lock for read unless held or a fatal signal comes first
    /// (C: `mmap_read_lock_killable()`, `*locked = 1`); 0 when held, else a negative errno.
    #[inline(always)]
    pub(crate) fn read_lock_killable(&mut self) -> c_int {
        if *self.locked != 0 {
            return 0;
        }
        let ret = self.mm.read_lock_killable();
        if ret == 0 {
            // INVARIANT: As in `read_lock()`.
            *self.locked = 1;
        }
        ret
    }

    /// Releases a read lock this value holds (C: `mmap_read_unlock()`, `*locked = 0`); nothing if
    /// it is not held, or is the caller's to keep.
    #[inline(always)]
    pub(crate) fn read_unlock(&mut self) {
        if self.read && *self.locked != 0 {
            // SAFETY: Held for read, a hold this value stands for (type invariant); `&mut self`
            // ends every borrow of a `Held` and of what was found through it.
            unsafe { self.mm.read_unlock() };
            // INVARIANT: Released.
            *self.locked = 0;
        }
    }

    /// The lock, if held, as a proof to find VMAs with (C: `mmap_assert_locked()`).
    #[inline(always)]
    pub(crate) fn held(&mut self) -> Option<Held<'_, 'a>> {
        if *self.locked == 0 {
            return None;
        }
        // SAFETY: The mm is valid and its lock held (type invariant, `*locked != 0`) while the
        // `Held` lives: it borrows `self` exclusively, and only a fault that consumes it may
        // drop the lock.
        let token = unsafe { MmapLocked::assume(self.mm.as_raw()) };
        // INVARIANT: Held, see above.
        Some(Held { lock: self, token })
    }
}

/// A [`Locked`] known to be held, borrowed exclusively: what VMAs are found through.
///
/// # Invariants
///
/// `*self.lock.locked != 0` while the value lives, and `self.token` is the lock of
/// `self.lock.mm`.
pub(crate) struct Held<'l, 'a> {
    lock: &'l mut Locked<'a>,
    token: MmapLocked<'l>,
}

impl<'l, 'a> Held<'l, 'a> {
    /// The held lock, for lookups whose results borrow it.
    #[inline(always)]
    pub(crate) fn locked(&self) -> &MmapLocked<'l> {
        &self.token
    }

    /// Whether the lock is one a fault may drop ([`Locked::may_drop`]).
    #[inline(always)]
    pub(crate) fn may_drop(&self) -> bool {
        self.lock.may_drop()
    }

    /// Enters `vma`, found through `self.token`.
    #[inline(always)]
    fn enter(self, vma: NonNull<bindings::vm_area_struct>) -> InVma<'l, 'a> {
        // INVARIANT: The caller found `vma` through `self.token`.
        InVma { held: self, vma }
    }

    /// Enters the VMA at `vma`, or gives the lock back for NULL.
    ///
    /// # Safety
    ///
    /// `vma` must be NULL or a valid VMA of this lock's mm, which stays valid while the lock is
    /// held.
    #[inline(always)]
    pub(crate) unsafe fn enter_raw(
        self,
        vma: *mut bindings::vm_area_struct,
    ) -> core::result::Result<InVma<'l, 'a>, Self> {
        match NonNull::new(vma) {
            // INVARIANT: A VMA of the mm, valid while its lock is held, by the caller's
            // guarantee: as good as one found through the lock.
            Some(vma) => Ok(self.enter(vma)),
            None => Err(self),
        }
    }

    /// The VMA that contains `addr` (C: `vma_lookup()`), or the lock back.
    #[inline(always)]
    pub(crate) fn vma_lookup(self, addr: usize) -> core::result::Result<InVma<'l, 'a>, Self> {
        match self.token.vma_lookup(addr).map(NonNull::from) {
            Some(vma) => Ok(self.enter(vma.cast())),
            None => Err(self),
        }
    }

    /// The VMA [`MmapLocked::gup_vma_lookup`] finds for `addr`, or the lock back.
    #[inline(always)]
    pub(crate) fn gup_vma_lookup(self, addr: usize) -> core::result::Result<InVma<'l, 'a>, Self> {
        match self.token.gup_vma_lookup(addr).map(NonNull::from) {
            Some(vma) => Ok(self.enter(vma.cast())),
            None => Err(self),
        }
    }

    /// The first VMA that intersects `[start, end)` (C: `find_vma_intersection()`), or the lock
    /// back.
    pub(crate) fn find_vma_intersection(
        self,
        start: usize,
        end: usize,
    ) -> core::result::Result<InVma<'l, 'a>, Self> {
        match self
            .token
            .find_vma_intersection(start, end)
            .map(NonNull::from)
        {
            Some(vma) => Ok(self.enter(vma.cast())),
            None => Err(self),
        }
    }

    /// [`crate::walk::get_gate_page`]: the gate VMA, entered, and the page if `want_page`.
    pub(crate) fn gate_page(
        self,
        addr: usize,
        flags: crate::flags::FollFlags,
        want_page: bool,
    ) -> Result<(InVma<'l, 'a>, Option<crate::folio::PagePtr>)> {
        let (vma, page) = crate::walk::get_gate_page(&self.token, addr, flags, want_page)?;
        let vma = NonNull::from(vma).cast();
        Ok((self.enter(vma), page))
    }
}

/// What [`InVma::handle_mm_fault`] left.
pub(crate) enum Faulted<'l, 'a> {
    /// The lock is still held: the VMA back, and the fault's `vm_fault_t`.
    Held(InVma<'l, 'a>, c_uint),
    /// The fault handler released the lock (`*locked` is now 0); the `vm_fault_t`.
    Dropped(c_uint),
}

/// A VMA found through a [`Held`] lock, which it holds on to: a fault may drop the lock, so it
/// consumes the value.
///
/// # Invariants
///
/// `self.vma` was found through `self.held.token` (a VMA of the mm, or the gate VMA): valid while
/// the lock stays held, which it does while the value lives.
pub(crate) struct InVma<'l, 'a> {
    held: Held<'l, 'a>,
    vma: NonNull<bindings::vm_area_struct>,
}

impl<'l, 'a> InVma<'l, 'a> {
    /// The VMA.
    #[inline(always)]
    pub(crate) fn vma(&self) -> &VmaRef {
        // SAFETY: Valid, and its mm's mmap lock held, while `self` is borrowed (type invariant).
        unsafe { VmaRef::from_raw(self.vma.as_ptr()) }
    }

    /// Whether the lock is one a fault may drop ([`Locked::may_drop`]).
    #[inline(always)]
    pub(crate) fn may_drop(&self) -> bool {
        self.held.may_drop()
    }

    /// Leaves the VMA, keeping the lock.
    #[inline(always)]
    pub(crate) fn leave(self) -> Held<'l, 'a> {
        self.held
    }

    /// Faults `address` in the VMA (C: `handle_mm_fault()`), telling which way the lock went as
    /// C's callers read the result: `VM_FAULT_COMPLETED`, or `VM_FAULT_RETRY` without an error
    /// bit and without `FAULT_FLAG_RETRY_NOWAIT`, mean that the handler released it.
    ///
    /// `FAULT_FLAG_ALLOW_RETRY` without `FAULT_FLAG_RETRY_NOWAIT` lets the handler release the
    /// lock, so it is passed on only for a lock [`Locked::may_drop`] says may be; and
    /// `FAULT_FLAG_VMA_LOCK`, which would make it release a VMA lock nobody holds, never. Neither
    /// is asked for otherwise by GUP or its callers.
    pub(crate) fn handle_mm_fault(
        self,
        address: usize,
        mut fault_flags: c_uint,
    ) -> Faulted<'l, 'a> {
        let allow = bindings::fault_flag_FAULT_FLAG_ALLOW_RETRY;
        let nowait = bindings::fault_flag_FAULT_FLAG_RETRY_NOWAIT;
        fault_flags &= !bindings::fault_flag_FAULT_FLAG_VMA_LOCK;
        if !self.may_drop() && fault_flags & (allow | nowait) == allow {
            fault_flags &= !allow;
        }
        // SAFETY: The VMA is valid and its mm's mmap lock held (type invariant); the handler may
        // release the lock only as the flags allow, for a read lock this value stands for.
        let ret = unsafe {
            bindings::handle_mm_fault(
                self.vma.as_ptr(),
                address,
                fault_flags,
                core::ptr::null_mut(),
            )
        };
        let retry = bindings::vm_fault_reason_VM_FAULT_RETRY;
        if ret & bindings::vm_fault_reason_VM_FAULT_COMPLETED != 0
            || (ret & (bindings::VM_FAULT_ERROR | retry) == retry && fault_flags & nowait == 0)
        {
            // INVARIANT: The handler released the lock.
            *self.held.lock.locked = 0;
            return Faulted::Dropped(ret);
        }
        Faulted::Held(self, ret)
    }
}
