// SPDX-License-Identifier: GPL-2.0

//! Faulting for GUP and the VMA checks that decide whether it may: `faultin_page()`,
//! `check_vma_flags()`, and `fixup_user_fault()`.
//!
//! C source this replaces: the same functions of [`mm/gup.c`](srctree/mm/gup.c).

use kernel::{
    bindings,
    ffi::{
        c_int,
        c_uint, //
    },
    mm::virt::VmaRef,
    prelude::*,
    vm_warn_on_once,
    warn_on_once, //
};

use crate::{
    basics::{
        errno,
        is_shadow_stack,
        Faulted,
        InVma,
        Locked, //
    },
    flags::{
        Foll,
        FollFlags, //
    }, //
    walk::is_cow_mapping,
};

/// `vm_fault_t` bits (C: `enum vm_fault_reason`).
pub(crate) mod vm_fault {
    use kernel::bindings;

    pub(crate) const OOM: u32 = bindings::vm_fault_reason_VM_FAULT_OOM;
    pub(crate) const SIGBUS: u32 = bindings::vm_fault_reason_VM_FAULT_SIGBUS;
    pub(crate) const SIGSEGV: u32 = bindings::vm_fault_reason_VM_FAULT_SIGSEGV;
    pub(crate) const RETRY: u32 = bindings::vm_fault_reason_VM_FAULT_RETRY;
    pub(crate) const COMPLETED: u32 = bindings::vm_fault_reason_VM_FAULT_COMPLETED;
    pub(crate) const ERROR: u32 = bindings::VM_FAULT_ERROR;
    pub(crate) const HWPOISON_ANY: u32 = bindings::VM_FAULT_HWPOISON_ANY;
}

/// `FAULT_FLAG_*` (C: `enum fault_flag`).
pub(crate) mod fault_flag {
    use kernel::bindings;

    pub(crate) const WRITE: u32 = bindings::fault_flag_FAULT_FLAG_WRITE;
    pub(crate) const ALLOW_RETRY: u32 = bindings::fault_flag_FAULT_FLAG_ALLOW_RETRY;
    pub(crate) const RETRY_NOWAIT: u32 = bindings::fault_flag_FAULT_FLAG_RETRY_NOWAIT;
    pub(crate) const KILLABLE: u32 = bindings::fault_flag_FAULT_FLAG_KILLABLE;
    pub(crate) const TRIED: u32 = bindings::fault_flag_FAULT_FLAG_TRIED;
    pub(crate) const REMOTE: u32 = bindings::fault_flag_FAULT_FLAG_REMOTE;
    pub(crate) const INTERRUPTIBLE: u32 = bindings::fault_flag_FAULT_FLAG_INTERRUPTIBLE;
    pub(crate) const UNSHARE: u32 = bindings::fault_flag_FAULT_FLAG_UNSHARE;
}

/// The errno of a failed fault, or `None` if `ret` is not a hard error
/// (C: `vm_fault_to_errno()`).
pub(crate) fn vm_fault_to_errno(ret: u32, hwpoison: bool) -> Option<Error> {
    if ret & vm_fault::OOM != 0 {
        Some(ENOMEM)
    } else if ret & vm_fault::HWPOISON_ANY != 0 {
        Some(if hwpoison {
            errno(bindings::EHWPOISON)
        } else {
            EFAULT
        })
    } else if ret & (vm_fault::SIGBUS | vm_fault::SIGSEGV) != 0 {
        Some(EFAULT)
    } else {
        None
    }
}

/// Why [`faultin_page`] did not fault the page in.
pub(crate) enum Faultin {
    /// The fault handler dropped the mmap lock and wants a retry (`-EBUSY` in C); with
    /// `FOLL_NOWAIT` the lock is still held.
    Retry,
    /// The fault completed with the mmap lock dropped (`-EAGAIN` in C).
    Completed,
    /// A hard error.
    Err(Error),
}

/// Faults in `address` as `flags` ask, or unshares it (C: `faultin_page()`).
///
/// With `FOLL_UNLOCKABLE` and without `FOLL_NOWAIT`, the fault handler may drop the mmap lock
/// (then `*locked` is 0). The VMA comes back only when the page was faulted in: every other
/// outcome ends the walk, and a dropped lock takes the VMA with it.
///
/// Not inlined (C's is): inlined into the walk, its fault flags, computed from `flags` alone,
/// were hoisted out of the walk's loop, some twenty instructions on every call of the slow path,
/// faulting or not.
#[inline(never)]
pub(crate) fn faultin_page<'l, 'a>(
    vma: InVma<'l, 'a>,
    address: usize,
    flags: FollFlags,
    unshare: bool,
) -> core::result::Result<InVma<'l, 'a>, Faultin> {
    if flags.contains(Foll::NoFault) {
        return Err(Faultin::Err(EFAULT));
    }
    let mut fault_flags = 0u32;
    if flags.contains(Foll::Write) {
        fault_flags |= fault_flag::WRITE;
    }
    if flags.contains(Foll::Remote) {
        fault_flags |= fault_flag::REMOTE;
    }
    if flags.contains(Foll::Unlockable) {
        fault_flags |= fault_flag::ALLOW_RETRY | fault_flag::KILLABLE;
        // Interruption by non-fatal signals is opt-in: not every caller is ready for an early
        // exit.
        if flags.contains(Foll::Interruptible) {
            fault_flags |= fault_flag::INTERRUPTIBLE;
        }
    }
    if flags.contains(Foll::NoWait) {
        fault_flags |= fault_flag::ALLOW_RETRY | fault_flag::RETRY_NOWAIT;
    }
    if flags.contains(Foll::Tried) {
        // ALLOW_RETRY and TRIED may be set together.
        fault_flags |= fault_flag::TRIED;
    }
    if unshare {
        fault_flags |= fault_flag::UNSHARE;
        // A write fault and an unshare fault are incompatible.
        vm_warn_on_once!(fault_flags & fault_flag::WRITE != 0);
    }

    match vma.handle_mm_fault(address, fault_flags) {
        Faulted::Dropped(ret) if ret & vm_fault::COMPLETED != 0 => {
            // The handler never drops the lock with RETRY_NOWAIT.
            warn_on_once!(fault_flags & fault_flag::RETRY_NOWAIT != 0);
            // The fault is done, with the lock dropped: take the lock again and go on.
            Err(Faultin::Completed)
        }
        // VM_FAULT_RETRY, and the lock dropped.
        Faulted::Dropped(_) => Err(Faultin::Retry),
        Faulted::Held(vma, ret) => {
            if ret & vm_fault::ERROR != 0 {
                return Err(Faultin::Err(
                    // C BUG()s on an error bit without an errno (VM_FAULT_FALLBACK escaping a
                    // handler); warn and fail the access instead.
                    vm_fault_to_errno(ret, flags.contains(Foll::HwPoison)).unwrap_or_else(|| {
                        warn_on_once!(true);
                        EFAULT
                    }),
                ));
            }
            if ret & vm_fault::RETRY != 0 {
                // FOLL_NOWAIT: the lock is still held.
                return Err(Faultin::Retry);
            }
            Ok(vma)
        }
    }
}

/// Whether GUP may write to file-backed memory of `vma` (C: `writable_file_mapping_allowed()`).
///
/// A long-term pin would let the kernel write to the folio behind the file system's back after
/// writeback cleaned it (the page table entry made read-only, the DMA mapping still writable),
/// so FOLL_LONGTERM write pins of mappings that need dirty tracking are refused.
pub(crate) fn writable_file_mapping_allowed(vma: &VmaRef, flags: FollFlags) -> bool {
    if !flags.has_all(Foll::Pin | Foll::Longterm) {
        return true;
    }
    // SAFETY: `vma` is locked, by the type invariant of `VmaRef`.
    !unsafe { bindings::vma_needs_dirty_tracking(vma.as_ptr()) }
}

/// Whether `flags` may access `vma` at all (C: `check_vma_flags()`).
///
/// Inlined, as in C, where it is `static`: the slow path checks each VMA it enters, and a call
/// of the slow path for one page enters one.
#[inline]
pub(crate) fn check_vma_flags(vma: &VmaRef, flags: FollFlags) -> Result {
    let vm = vma.flags();
    let write = flags.contains(Foll::Write);
    let foreign = flags.contains(Foll::Remote);
    let anon = vma.is_anonymous();

    // No struct pages (or none GUP may touch) behind these; VFIO falls back to
    // follow_pfnmap_start() on this error.
    if vm & (bindings::VM_IO | bindings::VM_PFNMAP) != 0 {
        return Err(EFAULT);
    }
    if flags.contains(Foll::Anon) && !anon {
        return Err(EFAULT);
    }
    if flags.contains(Foll::Longterm) && vma.is_fsdax() {
        return Err(errno(bindings::EOPNOTSUPP));
    }
    if flags.contains(Foll::SplitPmd) && vma.is_hugetlb() {
        return Err(errno(bindings::EOPNOTSUPP));
    }
    if vma.is_secretmem() {
        return Err(EFAULT);
    }
    if write {
        if !anon && !writable_file_mapping_allowed(vma, flags) {
            return Err(EFAULT);
        }
        if vm & bindings::VM_WRITE == 0 || is_shadow_stack(vm) {
            if !flags.contains(Foll::Force) {
                return Err(EFAULT);
            }
            // FOLL_FORCE writes break COW; anonymous pages in shared mappings would be
            // surprising, so shared mappings are refused (ptrace used to COW them).
            if !is_cow_mapping(vm) {
                return Err(EFAULT);
            }
        }
    } else if vm & bindings::VM_READ == 0 {
        if !flags.contains(Foll::Force) || vm & bindings::VM_MAYREAD == 0 {
            return Err(EFAULT);
        }
    }
    // GUP is a data access, never an instruction fetch.
    if !vma.arch_access_permitted(write, false, foreign) {
        return Err(EFAULT);
    }
    Ok(())
}

/// Whether a fault with `fault_flags` is allowed in `vma` (C: `vma_permits_fault()`).
pub(crate) fn vma_permits_fault(vma: &VmaRef, fault_flags: c_uint) -> bool {
    let write = fault_flags & fault_flag::WRITE != 0;
    let foreign = fault_flags & fault_flag::REMOTE != 0;
    let needed = if write {
        bindings::VM_WRITE
    } else {
        bindings::VM_READ
    };
    vma.flags() & needed != 0 && vma.arch_access_permitted(write, false, foreign)
}

/// Resolves a user page fault by hand, for code that hit `EFAULT` with page faults disabled
/// (C: `fixup_user_fault()`).
///
/// Retries with the lock dropped only if `unlocked` is given; returns with the lock held either
/// way and sets `*unlocked` if it was dropped. The lock must be held on entry (a `lock` that is
/// not held is refused with `-EFAULT`).
pub(crate) fn fixup_user_fault(
    lock: &mut Locked<'_>,
    address: usize,
    mut fault_flags: c_uint,
    mut unlocked: Option<&mut bool>,
) -> c_int {
    if unlocked.is_some() {
        fault_flags |= fault_flag::ALLOW_RETRY | fault_flag::KILLABLE;
    }
    let Some(held) = lock.held() else {
        return EFAULT.to_errno();
    };
    let address = held.locked().untagged_addr(address);
    loop {
        // Held: by the caller in the first round, taken again below after a fault dropped it.
        let Some(held) = lock.held() else {
            return EFAULT.to_errno();
        };
        let Ok(vma) = held.gup_vma_lookup(address) else {
            return EFAULT.to_errno();
        };
        if !vma_permits_fault(vma.vma(), fault_flags) {
            return EFAULT.to_errno();
        }
        if fault_flags & fault_flag::KILLABLE != 0 && kernel::current!().fatal_signal_pending() {
            return EINTR.to_errno();
        }
        let ret = match vma.handle_mm_fault(address, fault_flags) {
            Faulted::Dropped(ret) => ret,
            Faulted::Held(_, ret) => ret,
        };

        if ret & vm_fault::COMPLETED != 0 {
            // The lock was dropped; take it again for the caller's unlock.
            lock.read_lock();
            if let Some(u) = unlocked.as_deref_mut() {
                *u = true;
            }
            return 0;
        }
        if ret & vm_fault::ERROR != 0 {
            // C BUG()s on an error bit without an errno; warn and fail the access instead.
            return vm_fault_to_errno(ret, false)
                .unwrap_or_else(|| {
                    warn_on_once!(true);
                    EFAULT
                })
                .to_errno();
        }
        if ret & vm_fault::RETRY != 0 {
            // Taken again if the handler dropped it (not with FAULT_FLAG_RETRY_NOWAIT, which C
            // would take a second time).
            lock.read_lock();
            if let Some(u) = unlocked.as_deref_mut() {
                *u = true;
            }
            fault_flags |= fault_flag::TRIED;
            continue;
        }
        return 0;
    }
}
