// SPDX-License-Identifier: GPL-2.0

//! The slow path's loop and its mmap-lock protocol: `__get_user_pages()` (walk, fault, repeat)
//! over the caller's page array, and `__get_user_pages_locked()`, which retakes the lock when a
//! fault dropped it.
//!
//! C source this replaces: `__get_user_pages()` and `__get_user_pages_locked()` of
//! [`mm/gup.c`](srctree/mm/gup.c).

use core::{
    mem::MaybeUninit,
    ptr, //
};

use kernel::{
    bindings,
    ffi::{
        c_int,
        c_long, //
    },
    mm::virt::VmaRef,
    prelude::*,
    vm_warn_on_once,
    warn_on_once, //
};

use crate::{
    basics::{
        errno_long,
        Held,
        InVma,
        Locked,
        PAGE_MASK,
        PAGE_SHIFT,
        PAGE_SIZE, //
    },
    fault::{
        check_vma_flags,
        faultin_page,
        Faultin, //
    },
    flags::{
        Foll,
        FollFlags, //
    },
    folio::{
        Folio,
        PagePtr, //
    },
    pin,
    walk::follow_page_mask,
};

/// The caller's array of page pointers that GUP fills in, from the next entry to write on; or
/// none (fault-in only).
///
/// The entries are `MaybeUninit`: callers pass arrays GUP writes before anyone reads them.
pub(crate) struct PagesOut<'a>(Option<&'a mut [MaybeUninit<PagePtr>]>);

impl<'a> PagesOut<'a> {
    /// No array: the pages are faulted in, not returned.
    pub(crate) fn none() -> Self {
        Self(None)
    }

    /// An array of one entry.
    pub(crate) fn one(page: &'a mut MaybeUninit<PagePtr>) -> Self {
        Self(Some(core::slice::from_mut(page)))
    }

    /// Wraps a C array of `len` entries; none for NULL.
    ///
    /// # Safety
    ///
    /// A non-NULL `pages` must be valid for writing `len` entries for `'a`, and not be accessed
    /// otherwise meanwhile.
    #[inline(always)]
    pub(crate) unsafe fn from_raw(pages: *mut PagePtr, len: usize) -> Self {
        if pages.is_null() {
            return Self(None);
        }
        // SAFETY: Valid for writing `len` entries and exclusive for `'a`, by the caller's
        // guarantee: an array, so no larger than `isize::MAX` bytes, as no object is (a longer
        // `len` is a caller that would write past its array, in C as here). `MaybeUninit` needs
        // no initialised contents.
        Self(Some(unsafe {
            core::slice::from_raw_parts_mut(pages.cast(), len)
        }))
    }

    /// Whether there is an array.
    pub(crate) fn is_some(&self) -> bool {
        self.0.is_some()
    }

    /// The same array, borrowed for a run of the slow path, which fills it from the start.
    #[inline(always)]
    pub(crate) fn reborrow(&mut self) -> PagesOut<'_> {
        PagesOut(self.0.as_deref_mut())
    }

    /// The first `n` entries (fewer if the array is shorter; none without an array), once the
    /// slow path has filled them.
    pub(crate) fn first(&mut self, n: usize) -> &mut [MaybeUninit<PagePtr>] {
        let s = self.0.as_deref_mut().unwrap_or_default();
        let n = n.min(s.len());
        s.get_mut(..n).unwrap_or_default()
    }

    /// Drops the first `n` entries, which the caller has filled.
    fn advance(&mut self, n: usize) {
        if let Some(s) = self.0.take() {
            self.0 = Some(s.get_mut(n..).unwrap_or_default());
        }
    }

    /// The entries, for a walk that fills them from the first on.
    fn cursor(&mut self) -> &mut [MaybeUninit<PagePtr>] {
        self.0.as_deref_mut().unwrap_or_default()
    }
}

/// Writes `page` and the pages after it, subpages of one folio (one leaf), to `out`, one per
/// entry; with the architecture's cache flushes of each (C: the subpage loop of
/// `__get_user_pages()`) if it has them.
///
/// The stores go eight at a time: for a huge leaf this loop is most of the slow path's work,
/// and the compiler does not unroll the plain loop over the slice. Where `flush_dcache_page()`
/// is the folio's flush (arm64), one `flush_dcache_folio()` after the stores does what C's call
/// per subpage does. Where flushes are per page, one loop stores and flushes, as C's does.
#[inline(always)]
pub(crate) fn fill_run(out: &mut [MaybeUninit<PagePtr>], page: PagePtr, vma: &VmaRef, addr: usize) {
    let mut next = page;
    if bindings::GUP_FLUSH_ANON_PAGE
        || (bindings::GUP_FLUSH_DCACHE_PAGE && !bindings::GUP_FLUSH_DCACHE_BY_FOLIO)
    {
        // No wraps: the subpages of a leaf are contiguous in the memmap, and their addresses
        // lie in `vma`.
        let mut addr = addr;
        for slot in out {
            slot.write(next);
            // SAFETY: The subpage is valid and mapped by `vma` at `addr`.
            unsafe {
                if bindings::GUP_FLUSH_ANON_PAGE {
                    bindings::flush_anon_page(vma.as_ptr(), next, addr);
                }
                if bindings::GUP_FLUSH_DCACHE_PAGE {
                    bindings::flush_dcache_page(next);
                }
            }
            next = next.wrapping_add(1);
            addr = addr.wrapping_add(PAGE_SIZE);
        }
        return;
    }
    let flush = bindings::GUP_FLUSH_DCACHE_PAGE && !out.is_empty();
    let mut chunks = out.chunks_exact_mut(8);
    for chunk in &mut chunks {
        for slot in chunk {
            slot.write(next);
            next = next.wrapping_add(1);
        }
    }
    for slot in chunks.into_remainder() {
        slot.write(next);
        next = next.wrapping_add(1);
    }
    if flush {
        // SAFETY: `page` is valid and referenced by the walk, and so is its folio, whose
        // pages the run's are; `flush_dcache_page()` of any of them is this call
        // (`GUP_FLUSH_DCACHE_BY_FOLIO`).
        unsafe { bindings::flush_dcache_folio(Folio::from_page(page).as_ptr()) };
    }
}

/// Walks and faults `nr_pages` pages from `start` on, filling `pages` when given
/// (C: `__get_user_pages()`).
///
/// Returns the number of pages done, which may be less than `nr_pages`; or 0 if the mmap lock
/// was dropped (the lock `held` borrows is then not held) before any page was done; or a
/// negative errno if no page was done. With `FOLL_UNLOCKABLE` and without `FOLL_NOWAIT` the mmap
/// lock may be dropped, if it is one that may be ([`Locked::may_drop`]).
///
/// The lock comes as a [`Held`], which its caller made with [`Locked::held`]: two words, passed
/// in registers, where a `&mut Locked` would make each entry point build a `Locked` in memory.
pub(crate) fn get_user_pages_walk(
    held: Held<'_, '_>,
    start: usize,
    nr_pages: usize,
    flags: FollFlags,
    pages: PagesOut<'_>,
) -> c_long {
    if nr_pages == 0 {
        return 0;
    }
    let start = held.locked().untagged_addr(start);

    vm_warn_on_once!(pages.is_some() != flags.has_any(Foll::Get | Foll::Pin));
    // FOLL_GET and FOLL_PIN are mutually exclusive.
    vm_warn_on_once!(flags.has_all(Foll::Get | Foll::Pin));

    let mut done = 0usize;
    let err = walk_range(held, start, nr_pages, flags, pages, &mut done);
    if done != 0 {
        // CAST: `done <= nr_pages`, a count of pages of an address space.
        done as c_long
    } else {
        match err {
            Ok(()) => 0,
            Err(e) => errno_long(e),
        }
    }
}

/// Why [`walk_vma`] found no VMA to go on in: an errno, held in 64 bits.
///
/// Not an [`Error`]: a 32-bit payload in the result that also carries the VMA handle (three
/// pointers) is laid over the low half of one of them, and LLVM then splits those pointers into
/// halves and joins them again in the walk's loop, ten instructions per call of the slow path
/// (docs/bench.md, 2026-12-04).
#[derive(Clone, Copy)]
struct NoVma(isize);

impl From<Error> for NoVma {
    #[inline(always)]
    fn from(e: Error) -> Self {
        // CAST: An errno is a small negative `int`.
        Self(e.to_errno() as isize)
    }
}

impl From<NoVma> for Error {
    #[inline(always)]
    fn from(e: NoVma) -> Self {
        // CAST: Made from an `Error`'s errno above, so it fits an `int` and is one.
        Error::from_errno(e.0 as c_int)
    }
}

/// The VMA the walk goes on in from `start` (C: the VMA lookup of `__get_user_pages()`, on its
/// first page and on crossing a VMA's end), checked for `flags`. For the gate area, the gate VMA,
/// with the gate page (NULL if `want_pages` is not set) put in `*gate`.
#[inline(always)]
fn walk_vma<'l, 'a>(
    held: Held<'l, 'a>,
    start: usize,
    flags: FollFlags,
    want_pages: bool,
    gate: &mut Option<PagePtr>,
) -> core::result::Result<InVma<'l, 'a>, NoVma> {
    if flags.contains(Foll::MadvPopulate) {
        // MADV_POPULATE_(READ|WRITE) reports VMA problems its own way.
        let v = held.vma_lookup(start).map_err(|_| NoVma::from(ENOMEM))?;
        check_vma_flags(v.vma(), flags).map_err(|_| NoVma::from(EINVAL))?;
        return Ok(v);
    }
    match held.gup_vma_lookup(start) {
        Ok(v) => match check_vma_flags(v.vma(), flags) {
            Ok(()) => Ok(v),
            Err(e) => Err(e.into()),
        },
        Err(held) if held.locked().in_gate_area(start) => {
            match held.gate_page(start & PAGE_MASK, flags, want_pages) {
                Ok((v, p)) => {
                    *gate = Some(p.unwrap_or(ptr::null_mut()));
                    Ok(v)
                }
                Err(e) => Err(e.into()),
            }
        }
        Err(_) => Err(EFAULT.into()),
    }
}

/// The loop of [`get_user_pages_walk`]: counts the pages done in `*done` and returns why it
/// stopped early (`Ok` when it stopped because the lock was dropped, or when all is done).
fn walk_range(
    held: Held<'_, '_>,
    mut start: usize,
    mut nr_pages: usize,
    flags: FollFlags,
    mut pages: PagesOut<'_>,
    done: &mut usize,
) -> Result {
    if nr_pages == 0 {
        return Ok(());
    }
    let mut page_mask = 0usize;
    let want_pages = pages.is_some();
    // The entries still to fill: the walk writes them in order, one per page done.
    let mut out = pages.cursor();

    // The VMA `start` is in, looked up again when `start` crosses its end; the gate page, if
    // `start` is the gate area's.
    let mut gate = None;
    let mut cur = walk_vma(held, start, flags, want_pages, &mut gate)?;
    loop {
        let mut page: PagePtr = ptr::null_mut();

        if let Some(p) = gate.take() {
            page = p;
            page_mask = 0;
        } else {
            // Follow the page, faulting it in until it is there.
            loop {
                // With a fatal signal pending, stop faulting (and allocating).
                if kernel::current!().fatal_signal_pending() {
                    return Err(EINTR);
                }
                kernel::task::cond_resched();

                // SAFETY: `cur` is a VMA of the locked mm (the lock is held while `cur` lives),
                // and `start` is in it: `start` was at or above its start when it was looked up,
                // has only grown since, and is below its end.
                let followed = unsafe { follow_page_mask(cur.vma(), start, flags, &mut page_mask) };
                let unshare = match followed.get() {
                    Ok(Some(p)) => {
                        page = p;
                        break;
                    }
                    Ok(None) => false,
                    // A shared anonymous page must be unshared before a read-only pin.
                    Err(e) if e == EMLINK => true,
                    Err(e) if e == EEXIST => {
                        // A proper entry without a struct page: a caller that wants the pages
                        // cannot have this one; one that only faults in is done with it.
                        if want_pages {
                            return Err(e);
                        }
                        break;
                    }
                    Err(e) => return Err(e),
                };
                cur = match faultin_page(cur, start, flags, unshare) {
                    Ok(cur) => cur,
                    Err(Faultin::Retry | Faultin::Completed) => return Ok(()),
                    Err(Faultin::Err(e)) => return Err(e),
                };
            }
        }

        // The pages of this leaf from `start` on, at most the rest of the request. No
        // overflow checks on this per-page arithmetic (CONFIG_RUST_OVERFLOW_CHECKS would add a
        // branch to each): `page_mask` is a leaf's page count minus one, `page_increm` is at
        // least 1 and at most `nr_pages`, `*done` counts pages of the request, and `start` stays
        // in the VMA.
        let page_increm = (!(start >> PAGE_SHIFT) & page_mask)
            .wrapping_add(1)
            .min(nr_pages);

        if want_pages {
            if page_increm > 1 {
                // A part of a large folio: take the references of the other subpages too. The
                // folio is referenced already, so this cannot fail unless the folio is broken.
                // SAFETY: `page` is valid and referenced by the walk.
                let folio = unsafe { Folio::from_page(page) };
                // CAST: `page_increm` is at most the number of pages of a PUD leaf.
                if pin::try_grab_folio(folio, (page_increm - 1) as u32, flags).is_err() {
                    // SAFETY: Releases the reference the walk took.
                    unsafe { pin::put_folio(folio, 1, flags) };
                    return Err(EFAULT);
                }
            }
            // The array has room for the `nr_pages >= page_increm` pages left (fewer only if
            // the caller's array is shorter than its count, which C would write past).
            let n = page_increm.min(out.len());
            let (run, rest) = core::mem::take(&mut out).split_at_mut(n);
            fill_run(run, page, cur.vma(), start);
            out = rest;
        }

        *done = done.wrapping_add(page_increm);
        start = start.wrapping_add(page_increm << PAGE_SHIFT);
        nr_pages -= page_increm;
        if nr_pages == 0 {
            return Ok(());
        }
        // Crossing a VMA boundary.
        if start >= cur.vma().end() {
            cur = walk_vma(cur.leave(), start, flags, want_pages, &mut gate)?;
        }
    }
}

/// Whether GUP should stop for a signal: always for a fatal one, for any with
/// `FOLL_INTERRUPTIBLE` (C: `gup_signal_pending()`).
pub(crate) fn gup_signal_pending(flags: FollFlags) -> bool {
    if kernel::current!().fatal_signal_pending() {
        return true;
    }
    if !flags.contains(Foll::Interruptible) {
        return false;
    }
    kernel::current!().signal_pending()
}

/// [`get_user_pages_walk`] with the mmap lock protocol of the exported entry points
/// (C: `__get_user_pages_locked()`).
///
/// `lock` held: the caller's lock; it may be dropped (with `FOLL_UNLOCKABLE`, if
/// [`Locked::may_drop`]), and is then not held on return. Not held: the lock is taken and released
/// here, and is not held on return. Unlike [`get_user_pages_walk`], this does not return 0 for
/// `nr_pages > 0` unless `FOLL_NOWAIT` is set.
///
/// Inlined into each entry point, as C's `__always_inline` original is: their calls then go
/// straight to the walk.
#[inline(always)]
pub(crate) fn get_user_pages_locked(
    lock: &mut Locked<'_>,
    mut start: usize,
    mut nr_pages: usize,
    mut pages: PagesOut<'_>,
    mut flags: FollFlags,
) -> c_long {
    if nr_pages == 0 {
        return 0;
    }
    let mut must_unlock = false;
    // Callers with `*locked == 0` expect GUP to take and release the lock.
    if !lock.is_held() {
        if lock.read_lock_killable() != 0 {
            return errno_long(EAGAIN);
        }
        must_unlock = true;
    }

    if flags.contains(Foll::Pin) {
        lock.mm().set_has_pinned();
    }
    // Callers that pass pages without FOLL_PIN traditionally get FOLL_GET implied.
    if pages.is_some() && !flags.contains(Foll::Pin) {
        flags |= Foll::Get;
    }

    let mut pages_done: c_long = 0;
    loop {
        // Held: the caller's lock, or taken above (not held, the walk would do nothing, as
        // if it had dropped the lock).
        let ret = match lock.held() {
            Some(held) => get_user_pages_walk(held, start, nr_pages, flags, pages.reborrow()),
            None => 0,
        };
        if !flags.contains(Foll::Unlockable) {
            // VM_FAULT_RETRY could not happen.
            pages_done = ret;
            break;
        }
        // VM_FAULT_RETRY and VM_FAULT_COMPLETED never come with an error.
        // CAST: `nr_pages` is a page count of an address space.
        vm_warn_on_once!(!lock.is_held() && (ret < 0 || ret >= nr_pages as c_long));

        if ret > 0 {
            // CAST: Positive and at most `nr_pages`.
            let n = ret as usize;
            nr_pages -= n;
            pages_done += ret;
            if nr_pages == 0 {
                break;
            }
        }
        if lock.is_held() {
            // VM_FAULT_RETRY did not happen, or it was FOLL_NOWAIT.
            if pages_done == 0 {
                pages_done = ret;
            }
            break;
        }
        // VM_FAULT_RETRY: continue at the faulting address. For the prefault case (no pages)
        // only the counts move.
        // CAST: `ret` is not negative here (warned above otherwise) and at most `nr_pages`.
        let n = ret.max(0) as usize;
        pages.advance(n);
        start = start.wrapping_add(n << PAGE_SHIFT);
        // The lock was dropped, so it must be released at the end.
        must_unlock = true;

        // Retry the faulting address with FAULT_FLAG_TRIED until it is done, checking for
        // signals first so that this cannot loop forever.
        let ret = loop {
            if gup_signal_pending(flags) {
                break Err(errno_long(EINTR));
            }
            let r = lock.read_lock_killable();
            if r != 0 {
                // CAST: Widening a negative `int`.
                break Err(r as c_long);
            }
            let r = match lock.held() {
                Some(held) => {
                    get_user_pages_walk(held, start, 1, flags | Foll::Tried, pages.reborrow())
                }
                // Taken just above.
                None => 0,
            };
            if !lock.is_held() {
                // The lock was dropped again: retry until done.
                vm_warn_on_once!(r != 0);
                continue;
            }
            break Ok(r);
        };
        match ret {
            Err(e) => {
                if pages_done == 0 {
                    pages_done = e;
                }
                break;
            }
            Ok(r) if r != 1 => {
                vm_warn_on_once!(r > 1);
                if pages_done == 0 {
                    pages_done = r;
                }
                break;
            }
            Ok(_) => {}
        }
        nr_pages -= 1;
        pages_done += 1;
        if nr_pages == 0 {
            break;
        }
        pages.advance(1);
        start = start.wrapping_add(PAGE_SIZE);
    }
    if must_unlock {
        // The lock was dropped on the way, or the caller asked GUP to take it: release it if
        // held, and tell the caller.
        lock.read_unlock();
    }

    // Pinning nothing means something went wrong, except with FOLL_NOWAIT.
    if warn_on_once!(pages_done == 0 && !flags.contains(Foll::NoWait)) {
        return errno_long(EFAULT);
    }
    pages_done
}

#[cfg(CONFIG_RUST_GUP_KUNIT_TEST)]
#[kunit_tests(rust_gup_follow)]
pub(crate) mod tests {
    //! The walk and the slow path on real mappings of a KUnit-owned mm (`kunit_vm_mmap()`).
    //!
    //! Values are collected with the mmap lock held and references released before asserting:
    //! a failed assertion returns from the test, and must leave neither a lock nor a reference
    //! behind.

    use super::*;
    use crate::{
        basics::{
            current_mm,
            vma_from_c,
            MmPtr,
            MmRef, //
        },
        folio::FolioPage,
        populate::{
            faultin_page_range,
            populate_vma_page_range, //
        },
    };
    use kernel::{
        error::from_err_ptr,
        page::Page, //
    };

    const PROT_NONE: c_ulong = bindings::PROT_NONE as c_ulong;
    const PROT_READ: c_ulong = bindings::PROT_READ as c_ulong;
    const PROT_RW: c_ulong = (bindings::PROT_READ | bindings::PROT_WRITE) as c_ulong;
    const PRIVATE: c_ulong = (bindings::MAP_PRIVATE | bindings::MAP_ANONYMOUS) as c_ulong;
    const SHARED: c_ulong = (bindings::MAP_SHARED | bindings::MAP_ANONYMOUS) as c_ulong;

    /// Maps `pages` anonymous pages in the test's mm (created on first use).
    pub(crate) fn map(pages: usize, prot: c_ulong, flags: c_ulong) -> Result<usize> {
        // SAFETY: Called from a KUnit test, whose mm this maps into.
        let addr = unsafe {
            bindings::kunit_vm_mmap(
                bindings::kunit_get_current_test(),
                ptr::null_mut(),
                0,
                pages * PAGE_SIZE,
                prot,
                flags,
                0,
            )
        };
        if addr == 0 || addr > usize::MAX - bindings::MAX_ERRNO as usize {
            return Err(ENOMEM);
        }
        Ok(addr)
    }

    /// A mapping made by [`map`], unmapped on drop.
    struct Mapping {
        addr: usize,
        pages: usize,
    }

    impl Mapping {
        fn new(pages: usize, prot: c_ulong, flags: c_ulong) -> Result<Self> {
            Ok(Self {
                addr: map(pages, prot, flags)?,
                pages,
            })
        }

        /// The address of page `i` of the mapping.
        fn at(&self, i: usize) -> usize {
            self.addr.wrapping_add(i.wrapping_mul(PAGE_SIZE))
        }

        /// Unmaps pages `first..first + n` of the mapping (those of them it has).
        fn unmap(&self, first: usize, n: usize) {
            let n = n.min(self.pages.saturating_sub(first));
            // SAFETY: A range of this mapping, in the current (the test's) mm, whose mmap lock
            // the test does not hold here (the `ReadLocked` of a test is dropped first). The
            // kernel reaches user memory only through uaccess, which handles faults, or
            // through page references, which keep the pages: nothing is left dangling.
            unsafe { bindings::vm_munmap(self.at(first), n * PAGE_SIZE) };
        }
    }

    impl Drop for Mapping {
        fn drop(&mut self) {
            self.unmap(0, self.pages);
        }
    }

    /// Page pointers from a GUP entry point, each non-NULL one with a reference (`FOLL_GET`) or
    /// a pin (`FOLL_PIN`), as `how` says, given up on drop.
    ///
    /// # Invariants
    ///
    /// Every non-NULL entry of `pages` is a page with a reference or pin (`how`) the value owns.
    pub(crate) struct Refs<const N: usize> {
        pages: [PagePtr; N],
        how: Foll,
    }

    impl<const N: usize> Refs<N> {
        /// Entry `i`, NULL if empty (or out of range).
        pub(crate) fn ptr(&self, i: usize) -> PagePtr {
            self.pages.get(i).copied().unwrap_or(ptr::null_mut())
        }

        /// The entries (only to compare once the value is gone: the pages may be freed then).
        pub(crate) fn ptrs(&self) -> [PagePtr; N] {
            self.pages
        }

        /// The page of entry `i`, borrowed as long as its reference is held.
        pub(crate) fn page(&self, i: usize) -> Option<&FolioPage> {
            let p = self.ptr(i);
            // SAFETY: A non-NULL entry is a page with a reference or pin held while `self` lives
            // (type invariant), which keeps its folio and keeps it from being split; the result
            // borrows `self`.
            (!p.is_null()).then(|| unsafe { FolioPage::from_raw(p) })
        }
    }

    impl<const N: usize> Drop for Refs<N> {
        fn drop(&mut self) {
            for &p in self.pages.iter().filter(|p| !p.is_null()) {
                // SAFETY: `p` carries a reference or pin (`how`) this value owns (type
                // invariant), given up once, here.
                unsafe { pin::put_folio(Folio::from_page(p), 1, self.how.into()) };
            }
        }
    }

    /// The test's mm, with its mmap lock held for read through the kernel crate's guard.
    struct ReadLocked {
        guard: kernel::mm::MmapReadGuard<'static>,
        mm: MmPtr,
    }

    impl ReadLocked {
        fn new() -> Self {
            let mm = current_mm();
            // SAFETY: The test's task keeps its mm, with `mm_users` above zero, until it exits,
            // after the test.
            let guard = unsafe { kernel::mm::MmWithUser::from_raw(mm) }.mmap_read_lock();
            Self { guard, mm }
        }

        fn vma(&self, addr: usize) -> Option<&VmaRef> {
            self.guard.vma_lookup(addr)
        }

        /// The lock as the slow path takes it: one the guard keeps (so nothing called with it
        /// can drop it), with `local` as its `*locked`.
        fn kept<'a>(&'a self, local: &'a mut c_int) -> Locked<'a> {
            // SAFETY: `mm` is the test's, and the guard holds its mmap lock for read while
            // `self` is borrowed.
            unsafe { Locked::kept(MmRef::from_raw(self.mm), local) }
        }
    }

    /// `get_user_pages()` of the test's mm, with the lock held (`_lock`); the result and the
    /// pages.
    fn gup(
        _lock: &ReadLocked,
        addr: usize,
        n: usize,
        flags: u32,
        want_pages: bool,
    ) -> (c_long, Refs<4>) {
        let mut pages = [ptr::null_mut(); 4];
        let out = if want_pages {
            pages.as_mut_ptr()
        } else {
            ptr::null_mut()
        };
        // SAFETY: The current mm's mmap lock is held (`_lock`); `pages` has room for 4 entries
        // and at most 4 are asked for.
        let ret = unsafe { crate::get_user_pages(addr, n.min(4), flags, out) };
        // INVARIANT: Without FOLL_PIN, `get_user_pages()` takes a reference on each page it
        // writes; the other entries stay NULL.
        (
            ret,
            Refs {
                pages,
                how: Foll::Get,
            },
        )
    }

    /// The GUP-fast entry points, for [`gup_fast`].
    #[derive(Clone, Copy)]
    pub(crate) enum Fast {
        /// `get_user_pages_fast_only()`.
        GetOnly,
        /// `get_user_pages_fast()`.
        Get,
        /// `pin_user_pages_fast()`.
        Pin,
    }

    /// Calls GUP-fast entry point `which` on the current mm for at most 4 pages: the result,
    /// and the pages with what it took on them.
    pub(crate) fn gup_fast(which: Fast, addr: usize, n: c_int, flags: u32) -> (c_int, Refs<4>) {
        type FastFn = unsafe extern "C" fn(c_ulong, c_int, u32, *mut PagePtr) -> c_int;
        let (f, how): (FastFn, Foll) = match which {
            Fast::GetOnly => (crate::get_user_pages_fast_only, Foll::Get),
            Fast::Get => (crate::get_user_pages_fast, Foll::Get),
            Fast::Pin => (crate::pin_user_pages_fast, Foll::Pin),
        };
        let mut pages = [ptr::null_mut(); 4];
        // SAFETY: A GUP-fast entry point, called from the test's task, which has an mm; `pages`
        // has room for 4 entries and at most 4 are asked for.
        let ret = unsafe { f(addr, n.min(4), flags, pages.as_mut_ptr()) };
        // INVARIANT: Each entry `f` wrote carries what `how` says (its own choice of entry
        // point); the others stay NULL.
        (ret, Refs { pages, how })
    }

    /// `follow_page()` as errno, 0 for NULL, 1 for a page (whose reference, if any, is dropped);
    /// the page, and whether it is the zero page (asked with `FOLL_GET` only).
    fn follow(vma: &VmaRef, addr: usize, flags: u32) -> (c_int, PagePtr, bool) {
        // SAFETY: `vma` borrows a `ReadLocked`, so the mmap lock is held; the tests pass
        // addresses of the VMA they looked up.
        let p = unsafe { crate::follow_page(vma.as_ptr(), addr, flags) };
        match from_err_ptr(p) {
            Err(e) => (e.to_errno(), ptr::null_mut(), false),
            Ok(p) if p.is_null() => (0, p, false),
            Ok(p) if flags & bindings::FOLL_GET != 0 => {
                // INVARIANT: FOLL_GET took a reference on `p`.
                let got = Refs {
                    pages: [p],
                    how: Foll::Get,
                };
                (1, p, got.page(0).is_some_and(FolioPage::is_zero))
            }
            Ok(p) => (1, p, false),
        }
    }

    fn err(e: Error) -> c_long {
        errno_long(e)
    }

    #[test]
    fn holes_and_zero_pages() -> Result {
        let m = Mapping::new(2, PROT_RW, PRIVATE)?;
        m.unmap(1, 1);
        let a = m.at(0);
        let lock = ReadLocked::new();
        let (zero, _) = gup(&lock, a, 0, 0, true);
        let (hole, _) = gup(&lock, a + PAGE_SIZE, 1, 0, true);
        let (partial, pages) = gup(&lock, a, 2, 0, true);
        drop(pages);
        drop(lock);
        assert_eq!(zero, 0);
        assert_eq!(hole, err(EFAULT));
        // The first page (the zero page: read fault of an untouched page) and no error.
        assert_eq!(partial, 1);
        Ok(())
    }

    #[test]
    fn vma_permissions_and_force() -> Result {
        let none = Mapping::new(1, PROT_NONE, PRIVATE)?;
        let ro = Mapping::new(1, PROT_READ, PRIVATE)?;
        let ro_shared = Mapping::new(1, PROT_READ, SHARED)?;
        let (none, ro, ro_shared) = (none.at(0), ro.at(0), ro_shared.at(0));
        let lock = ReadLocked::new();
        let (none_read, _) = gup(&lock, none, 1, 0, true);
        let (none_forced, p1) = gup(&lock, none, 1, bindings::FOLL_FORCE, true);
        drop(p1);
        let (ro_write, _) = gup(&lock, ro, 1, bindings::FOLL_WRITE, true);
        let (ro_forced, p2) = gup(
            &lock,
            ro,
            1,
            bindings::FOLL_WRITE | bindings::FOLL_FORCE,
            true,
        );
        // FOLL_FORCE broke COW: the page is an exclusive anonymous page.
        let cow = p2.page(0).is_some_and(FolioPage::is_anon_exclusive);
        drop(p2);
        let (shared_forced, _) = gup(
            &lock,
            ro_shared,
            1,
            bindings::FOLL_WRITE | bindings::FOLL_FORCE,
            true,
        );
        drop(lock);
        assert_eq!(none_read, err(EFAULT));
        assert_eq!(none_forced, 1);
        assert_eq!(ro_write, err(EFAULT));
        assert_eq!(ro_forced, 1);
        assert!(cow);
        // FOLL_FORCE does not write to shared mappings.
        assert_eq!(shared_forced, err(EFAULT));
        Ok(())
    }

    #[test]
    fn follow_page_results() -> Result {
        let m = Mapping::new(1, PROT_RW, PRIVATE)?;
        let a = m.at(0);
        let lock = ReadLocked::new();
        let vma = lock.vma(a).ok_or(EFAULT)?;
        let hole = follow(vma, a, 0).0;
        let hole_dump = follow(vma, a, bindings::FOLL_DUMP).0;
        // Read-fault the zero page in.
        let (faulted, _) = gup(&lock, a, 1, 0, false);
        let zero_dump = follow(vma, a, bindings::FOLL_DUMP).0;
        let (zero_get, _, is_zero) = follow(vma, a, bindings::FOLL_GET);
        // The zero page is not writable: following it for a write needs a fault.
        let zero_write = follow(vma, a, bindings::FOLL_WRITE).0;
        let (written, pages) = gup(&lock, a, 1, bindings::FOLL_WRITE, true);
        let (again, p, _) = follow(vma, a, bindings::FOLL_GET | bindings::FOLL_WRITE);
        let first = pages.ptr(0);
        drop(pages);
        drop(lock);
        assert_eq!(hole, 0);
        assert_eq!(hole_dump, EFAULT.to_errno());
        assert_eq!(faulted, 1);
        assert_eq!(zero_dump, EFAULT.to_errno());
        assert_eq!(zero_get, 1);
        assert!(is_zero);
        assert_eq!(zero_write, 0);
        assert_eq!(written, 1);
        assert_eq!(again, 1);
        assert!(p == first);
        Ok(())
    }

    #[test]
    fn madv_populate_errors() -> Result {
        let m = Mapping::new(2, PROT_NONE, PRIVATE)?;
        m.unmap(1, 1);
        let none = m.at(0);
        let lock = ReadLocked::new();
        let mut local = 0;
        let mut locked = lock.kept(&mut local);
        let inaccessible = faultin_page_range(&mut locked, none, none + PAGE_SIZE, false);
        let still = locked.is_held();
        let hole = faultin_page_range(&mut locked, none + PAGE_SIZE, none + 2 * PAGE_SIZE, false);
        let still2 = locked.is_held();
        drop(lock);
        // Errors keep the lock.
        assert!(still && still2);
        // MADV_POPULATE_* reports an unsuitable VMA as EINVAL and a hole as ENOMEM.
        assert_eq!(inaccessible, err(EINVAL));
        assert_eq!(hole, err(ENOMEM));
        Ok(())
    }

    /// The `-EEXIST` contract: a present entry without a `struct page` (a special PTE in a
    /// `VM_MIXEDMAP` VMA, `vm_normal_page()` == NULL) can be faulted in but not returned.
    #[test]
    fn pfn_only_entry_gives_eexist() -> Result {
        // Declared before the mapping, so that it is freed after the mapping is gone.
        let target = Page::alloc_page(GFP_KERNEL)?;
        let m = Mapping::new(2, PROT_RW, PRIVATE)?;
        let a = m.at(0);
        let mm = current_mm();
        let lock = ReadLocked::new();
        let (r0, p0) = gup(&lock, a, 1, bindings::FOLL_WRITE, true);
        drop(p0);
        drop(lock);
        // Turn the VMA into a mixed map and put a pfn-only entry at the second page; the first
        // stays a normal anonymous page.
        // SAFETY: The test's mm; the write lock is held while the VMA flags change.
        let vma = unsafe {
            bindings::mmap_write_lock(mm);
            let vma = bindings::vma_lookup(mm, a);
            if !vma.is_null() {
                bindings::vm_flags_set(vma, bindings::VM_MIXEDMAP);
            }
            bindings::mmap_write_unlock(mm);
            vma_from_c(vma)
        }
        .ok_or(EFAULT)?;
        let lock = ReadLocked::new();
        // SAFETY: `vma` is a VM_MIXEDMAP VMA of the locked mm; `target` outlives the mapping
        // (unmapped below before it is freed).
        let inserted = unsafe {
            bindings::vmf_insert_mixed(
                vma.as_ptr(),
                a + PAGE_SIZE,
                bindings::page_to_pfn(target.as_ptr()),
            )
        };
        let followed = follow(vma, a + PAGE_SIZE, 0).0;
        let followed_get = follow(vma, a + PAGE_SIZE, bindings::FOLL_GET).0;
        let (with_pages, _) = gup(&lock, a + PAGE_SIZE, 1, 0, true);
        let (partial, pp) = gup(&lock, a, 2, 0, true);
        drop(pp);
        let (no_pages, _) = gup(&lock, a, 2, 0, false);
        let mut pinned = [ptr::null_mut(); 1];
        // SAFETY: `pinned` has room for one entry.
        let pin = unsafe { crate::pin_user_pages(a + PAGE_SIZE, 1, 0, pinned.as_mut_ptr()) };
        let mut local = 0;
        let mut locked = lock.kept(&mut local);
        // The VMA of `vma`, which covers the range.
        let populated = match locked.held().map(|held| held.vma_lookup(a)) {
            Some(Ok(at)) => populate_vma_page_range(at, a, a + 2 * PAGE_SIZE),
            _ => err(EFAULT),
        };
        drop(lock);
        // Unmapped before `target` is freed.
        drop(m);
        drop(target);

        assert_eq!(r0, 1);
        assert_eq!(inserted, bindings::vm_fault_reason_VM_FAULT_NOPAGE);
        assert_eq!(followed, EEXIST.to_errno());
        assert_eq!(followed_get, EEXIST.to_errno());
        // A caller that wants pages fails on the entry ...
        assert_eq!(with_pages, err(EEXIST));
        assert_eq!(pin, err(EEXIST));
        assert!(pinned[0].is_null());
        // ... after the pages before it ...
        assert_eq!(partial, 1);
        // ... and one that only faults in is done with it.
        assert_eq!(no_pages, 2);
        assert_eq!(populated, 2);
        Ok(())
    }
}
