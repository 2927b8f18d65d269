// SPDX-License-Identifier: GPL-2.0

//! Pinning user memory for DMA and kernel access: `pin_user_pages_fast()`,
//! `pin_user_pages_remote()` and their release.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h). The rules are in
//! [`pin_user_pages.rst`](srctree/Documentation/core-api/pin_user_pages.rst).
//!
//! A pin is not a page reference. It adds `GUP_PIN_COUNTING_BIAS` to a small folio's reference
//! count (one to a large folio's `_pincount`), makes `folio_maybe_dma_pinned()` true, and is
//! released with `unpin_user_page*()`, never with `put_page()`: an [`ARef<Page>`] cannot hold one.
//! [`PinnedPages`] owns the pins of one range of user memory and releases them when it is dropped;
//! the pages and folios it lends borrow from it, so none of them outlives its pin.
//!
//! [`ARef<Page>`]: crate::types::ARef

use crate::{
    alloc::{flags::GFP_KERNEL, KVec},
    bindings,
    error::{code::*, Error, Result},
    ffi::{c_int, c_long},
    mm::{folio::Folio, MmapReadGuard},
    page::{BorrowedPage, PAGE_MASK, PAGE_SIZE},
    uaccess::UserPtr,
};
use core::ptr::{self, NonNull};

crate::impl_flags!(
    /// A set of [`PinFlag`]s.
    #[derive(Clone, Copy, Default, PartialEq, Eq)]
    pub struct PinFlags(u32);

    /// The `FOLL_*` flags a driver may pass when it pins user memory.
    ///
    /// GUP sets the others itself (`FOLL_PIN`, `FOLL_TOUCH`, ...) or they are not for pins
    /// (`FOLL_GET`).
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub enum PinFlag {
        /// The pages will be written, by the device or through [`PinnedPages::write`]
        /// (`FOLL_WRITE`). GUP breaks copy-on-write first, so the writes reach the process.
        Write = bindings::FOLL_WRITE,
        /// The pin may be held for an unbounded time, as a registered buffer is
        /// (`FOLL_LONGTERM`). GUP first migrates the pages out of CMA and `ZONE_MOVABLE`, and
        /// refuses file pages that writeback may need (a writable pin of a file mapping).
        Longterm = bindings::FOLL_LONGTERM,
        /// Pin despite the mapping's protections, as ptrace does (`FOLL_FORCE`). Only for
        /// debugger-like access to another process; with [`PinFlag::Write`] it writes to a
        /// private copy of a read-only mapping.
        Force = bindings::FOLL_FORCE,
        /// Accept PCI peer-to-peer DMA pages (`FOLL_PCI_P2PDMA`), for a driver that can DMA to
        /// them.
        PciP2pdma = bindings::FOLL_PCI_P2PDMA,
    }
);

impl PinFlags {
    /// The `FOLL_*` value of these flags for GUP. `PinFlags` can hold other bits (`!` sets them
    /// all): they are dropped here, so that safe code cannot pass GUP a flag it would warn about.
    #[inline]
    fn foll(self) -> u32 {
        let valid = PinFlag::Write | PinFlag::Longterm | PinFlag::Force | PinFlag::PciP2pdma;
        u32::from(self & valid)
    }
}

/// The first page, offset in it and page count of the `len` bytes at `addr`.
///
/// Errors as C's GUP gives them: [`EINVAL`] for an empty range or more pages than an `int`
/// counts, [`EOVERFLOW`] for a range that wraps around the address space.
fn span(addr: usize, len: usize) -> Result<(usize, usize, usize)> {
    if len == 0 {
        return Err(EINVAL);
    }
    let end = addr.checked_add(len).ok_or(EOVERFLOW)?;
    let first = addr & PAGE_MASK;
    // `end > addr >= first`: no underflow, and `div_ceil()` does not overflow.
    let nr = (end - first).div_ceil(PAGE_SIZE);
    if nr > c_int::MAX as usize {
        return Err(EINVAL);
    }
    Ok((first, addr - first, nr))
}

/// The pins of a range of user memory, released when this is dropped.
///
/// Made by [`PinnedPages::pin`] (the current task's memory, `pin_user_pages_fast()`) or
/// [`PinnedPages::pin_remote`] (another address space, `pin_user_pages_remote()`), or by their
/// all-or-nothing forms. The range may start and end anywhere in a page; the pins cover the
/// pages it touches.
///
/// The kernel reads and writes the pinned memory with [`PinnedPages::read`] and
/// [`PinnedPages::write`], which map each page in turn. User space may write to the same memory
/// at the same time: the copies are made by C (`memcpy_from_page()`, `memcpy_to_page()`), and
/// what they return for bytes written concurrently is unspecified, as for `copy_from_user()`.
///
/// # Examples
///
/// ```
/// use kernel::{
///     mm::pin::{PinFlag, PinnedPages},
///     page::PAGE_SIZE,
///     uaccess::UserPtr,
/// };
/// # use kernel::bindings;
/// # // A KUnit doc test runs in a kernel thread: give it an mm with four pages mapped.
/// # // SAFETY: Called from a KUnit test, whose mm the mapping goes to.
/// # let addr = unsafe {
/// #     bindings::kunit_vm_mmap(
/// #         bindings::kunit_get_current_test(),
/// #         core::ptr::null_mut(),
/// #         0,
/// #         4 * PAGE_SIZE,
/// #         (bindings::PROT_READ | bindings::PROT_WRITE) as usize,
/// #         (bindings::MAP_PRIVATE | bindings::MAP_ANONYMOUS) as usize,
/// #         0,
/// #     )
/// # };
/// # assert!(addr != 0 && addr < usize::MAX - 4095);
///
/// // Four pages of the current task's memory, from 100 bytes into the first.
/// let mut pinned = PinnedPages::pin_all(
///     UserPtr::from_addr(addr + 100),
///     4 * PAGE_SIZE - 100,
///     PinFlag::Write | PinFlag::Longterm,
/// )?;
/// assert_eq!(pinned.nr_pages(), 4);
/// assert_eq!(pinned.len(), 4 * PAGE_SIZE - 100);
/// assert!(pinned.folio(0).is_some_and(|folio| folio.maybe_dma_pinned()));
///
/// // Across the boundary of the first two pages.
/// pinned.write(PAGE_SIZE - 102, &[1, 2, 3, 4])?;
/// let mut back = [0u8; 4];
/// pinned.read(PAGE_SIZE - 102, &mut back)?;
/// assert_eq!(back, [1, 2, 3, 4]);
///
/// // Past the end: refused, nothing copied.
/// assert_eq!(pinned.read(4 * PAGE_SIZE - 102, &mut back), Err(EINVAL));
///
/// // Dropping the guard unpins the four pages, dirtying them: they were written.
/// drop(pinned);
/// # Ok::<(), Error>(())
/// ```
///
/// A page cannot outlive its pin: [`PinnedPages::page`] and [`PinnedPages::folio`] return
/// values that borrow from the guard, so the guard cannot be dropped, and its pins released,
/// while one of them is still in use. The compiler refuses this:
///
/// ```compile_fail,E0515
/// use kernel::{mm::pin::PinnedPages, page::BorrowedPage};
///
/// fn first_page<'a>(pinned: PinnedPages) -> Option<BorrowedPage<'a>> {
///     // The guard is dropped, and the page unpinned, when this function returns.
///     pinned.page(0)
/// }
/// ```
///
/// and this:
///
/// ```compile_fail,E0505
/// use kernel::{mm::folio::Folio, mm::pin::PinnedPages};
///
/// fn use_after_unpin(pinned: PinnedPages) -> bool {
///     let folio: &Folio = pinned.folio(0).unwrap();
///     drop(pinned);
///     folio.maybe_dma_pinned()
/// }
/// ```
///
/// # Invariants
///
/// - `pages` holds the pages this guard pinned, one pin each, and nothing else releases them.
/// - `offset < PAGE_SIZE`, and `offset + len <= pages.len() * PAGE_SIZE`.
/// - `dirty` implies `writable`, and `writable` that the pages were pinned with `FOLL_WRITE`.
pub struct PinnedPages {
    pages: KVec<*mut bindings::page>,
    offset: usize,
    len: usize,
    writable: bool,
    dirty: bool,
}

// SAFETY: A pin is not tied to the task that took it: `unpin_user_pages*()` may be called from
// any task, and the pages are reached only through C copies.
unsafe impl Send for PinnedPages {}

// SAFETY: The methods that take `&self` only read the page array and copy from the pages through
// C, which any number of tasks may do at once.
unsafe impl Sync for PinnedPages {}

impl PinnedPages {
    /// Pins with `pin` into `pages`, emptied and grown to `nr` entries if it has fewer, and
    /// makes the guard.
    fn new_in(
        mut pages: KVec<*mut bindings::page>,
        offset: usize,
        len: usize,
        nr: usize,
        flags: PinFlags,
        pin: impl FnOnce(*mut *mut bindings::page) -> c_long,
    ) -> Result<Self> {
        pages.clear();
        pages.reserve(nr, GFP_KERNEL)?;
        let got = pin(pages.as_mut_ptr());
        if got <= 0 {
            // GUP returns 0 only for `nr == 0`, which `span()` rules out; do not trust it.
            return Err(if got < 0 {
                Error::from_errno(got as c_int)
            } else {
                EFAULT
            });
        }
        // GUP never returns more than it was asked for.
        let got = (got as usize).min(nr);
        // SAFETY: GUP wrote `got` entries, each a pinned page, and `got <= nr <= capacity`.
        unsafe { pages.inc_len(got) };
        // INVARIANT: `pages` holds the `got` pages just pinned, with `flags`; `len` is cut to
        // the bytes of the range those pages cover.
        Ok(Self {
            len: len.min(got * PAGE_SIZE - offset),
            pages,
            offset,
            writable: flags.contains(PinFlag::Write),
            dirty: false,
        })
    }

    /// Pins the pages of the current task's memory that the `len` bytes at `start` touch
    /// (C: `pin_user_pages_fast()`), or as many of them as can be, from the first.
    ///
    /// Returns the guard of the pages pinned, at least the first: [`PinnedPages::nr_pages`] says
    /// how many. Fails with C's error when the first page cannot be pinned (e.g. [`EFAULT`] for
    /// a hole, a `PROT_NONE` or a `VM_PFNMAP` mapping), and with [`EINVAL`] or [`EOVERFLOW`] for a
    /// range that is empty, too large or wraps around.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::{
    ///     mm::pin::{PinFlag, PinnedPages},
    ///     page::PAGE_SIZE,
    ///     uaccess::UserPtr,
    /// };
    /// # use kernel::bindings;
    /// # // A KUnit doc test runs in a kernel thread: give it an mm with four pages mapped.
    /// # // SAFETY: Called from a KUnit test, whose mm the mapping goes to.
    /// # let addr = unsafe {
    /// #     bindings::kunit_vm_mmap(
    /// #         bindings::kunit_get_current_test(),
    /// #         core::ptr::null_mut(),
    /// #         0,
    /// #         4 * PAGE_SIZE,
    /// #         (bindings::PROT_READ | bindings::PROT_WRITE) as usize,
    /// #         (bindings::MAP_PRIVATE | bindings::MAP_ANONYMOUS) as usize,
    /// #         0,
    /// #     )
    /// # };
    /// # assert!(addr != 0 && addr < usize::MAX - 4095);
    /// # // SAFETY: The third page of the test's own mapping; nothing references it.
    /// # unsafe { bindings::vm_munmap(addr + 2 * PAGE_SIZE, PAGE_SIZE) };
    ///
    /// // Four pages whose third is a hole: the two before it are pinned.
    /// let pinned = PinnedPages::pin(UserPtr::from_addr(addr), 4 * PAGE_SIZE, PinFlag::Write)?;
    /// assert_eq!(pinned.nr_pages(), 2);
    /// assert_eq!(pinned.len(), 2 * PAGE_SIZE);
    ///
    /// // Starting in the hole: its error.
    /// let hole = UserPtr::from_addr(addr + 2 * PAGE_SIZE);
    /// assert_eq!(PinnedPages::pin(hole, PAGE_SIZE, PinFlag::Write).err(), Some(EFAULT));
    ///
    /// // Bad ranges.
    /// let empty = PinnedPages::pin(UserPtr::from_addr(addr), 0, PinFlag::Write);
    /// assert_eq!(empty.err(), Some(EINVAL));
    /// let wraps = PinnedPages::pin(UserPtr::from_addr(usize::MAX - 10), 20, PinFlag::Write);
    /// assert_eq!(wraps.err(), Some(EOVERFLOW));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn pin(start: UserPtr, len: usize, flags: impl Into<PinFlags>) -> Result<Self> {
        // One call for the whole range, into a fresh array.
        Self::pin_in(PinStorage(KVec::new()), start, len, usize::MAX, flags)
    }

    /// Pins all the pages of the current task's memory that the `len` bytes at `start` touch,
    /// or none (the never-merged `FOLL_COMPLETE` idea).
    ///
    /// When a page cannot be pinned, the pages pinned before it are released and the call fails
    /// with the error of that page.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::{
    ///     mm::pin::{PinFlag, PinnedPages},
    ///     page::PAGE_SIZE,
    ///     uaccess::UserPtr,
    /// };
    /// use kernel::bindings;
    /// # // A KUnit doc test runs in a kernel thread: give it an mm with four pages mapped.
    /// # // SAFETY: Called from a KUnit test, whose mm the mapping goes to.
    /// # let addr = unsafe {
    /// #     bindings::kunit_vm_mmap(
    /// #         bindings::kunit_get_current_test(),
    /// #         core::ptr::null_mut(),
    /// #         0,
    /// #         4 * PAGE_SIZE,
    /// #         (bindings::PROT_READ | bindings::PROT_WRITE) as usize,
    /// #         (bindings::MAP_PRIVATE | bindings::MAP_ANONYMOUS) as usize,
    /// #         0,
    /// #     )
    /// # };
    /// # assert!(addr != 0 && addr < usize::MAX - 4095);
    /// # // SAFETY: Called from a KUnit test: the test's own fourth page becomes `PROT_NONE`.
    /// # let none = unsafe {
    /// #     bindings::kunit_vm_mmap(
    /// #         bindings::kunit_get_current_test(),
    /// #         core::ptr::null_mut(),
    /// #         addr + 3 * PAGE_SIZE,
    /// #         PAGE_SIZE,
    /// #         bindings::PROT_NONE as usize,
    /// #         (bindings::MAP_PRIVATE | bindings::MAP_ANONYMOUS | bindings::MAP_FIXED) as usize,
    /// #         0,
    /// #     )
    /// # };
    /// # assert_eq!(none, addr + 3 * PAGE_SIZE);
    /// let start = UserPtr::from_addr(addr);
    ///
    /// // The first page, pinned on its own, to count the pins of its folio: a small folio
    /// // counts a pin as `GUP_PIN_COUNTING_BIAS` references (its other references, from the
    /// // mapping and the LRU's per-CPU batches, are fewer and come and go).
    /// let first = PinnedPages::pin(start, PAGE_SIZE, PinFlag::Write)?;
    /// let bias = bindings::GUP_PIN_COUNTING_BIAS as i32;
    /// let count = || first.folio(0).map(|folio| folio.ref_count() / bias);
    /// let before = count();
    /// assert_eq!(before, Some(1));
    ///
    /// // Three pages: all of them.
    /// let three = PinnedPages::pin_all(start, 3 * PAGE_SIZE, PinFlag::Write)?;
    /// assert_eq!(three.nr_pages(), 3);
    /// assert_ne!(count(), before);
    /// drop(three);
    /// assert_eq!(count(), before);
    ///
    /// // Four pages, the last `PROT_NONE`: an error, and the three before it not left pinned.
    /// let four = PinnedPages::pin_all(start, 4 * PAGE_SIZE, PinFlag::Write);
    /// assert_eq!(four.err(), Some(EFAULT));
    /// assert_eq!(count(), before);
    ///
    /// // An unmapped tail: the same.
    /// # // SAFETY: The test's own last two pages; nothing references them.
    /// # unsafe { bindings::vm_munmap(addr + 2 * PAGE_SIZE, 2 * PAGE_SIZE) };
    /// let tail = PinnedPages::pin_all(start, 4 * PAGE_SIZE, PinFlag::Write);
    /// assert_eq!(tail.err(), Some(EFAULT));
    /// assert_eq!(count(), before);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn pin_all(start: UserPtr, len: usize, flags: impl Into<PinFlags>) -> Result<Self> {
        let flags = flags.into();
        Self::pin(start, len, flags)?.all_or_error(start.as_const_ptr() as usize, len, |next| {
            Self::pin(UserPtr::from_addr(next), 1, flags)
        })
    }

    /// [`PinnedPages::pin`] into the page array of `storage`, in calls of at most `per_call`
    /// pages, as a driver that pins the same kind of buffer again and again, or a large one in
    /// bounded steps (as `ib_umem_get()` does), would.
    ///
    /// No allocation is made if `storage` has room for the pages of the range, and
    /// [`PinnedPages::unpin`] gives the array back for the next pin. GUP is called for the first
    /// `per_call` pages, then for the next, with a chance to reschedule every 512 pages, up to
    /// the first call that pins fewer pages than it asked for: the guard holds the pages pinned
    /// up to there, at least the first. Fails as [`PinnedPages::pin`] does, and with [`EINVAL`]
    /// for a `per_call` of 0; `storage` is freed on failure.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::{
    ///     mm::pin::{PinFlag, PinStorage, PinnedPages},
    ///     page::PAGE_SIZE,
    ///     uaccess::UserPtr,
    /// };
    /// # use kernel::bindings;
    /// # // A KUnit doc test runs in a kernel thread: give it an mm with four pages mapped.
    /// # // SAFETY: Called from a KUnit test, whose mm the mapping goes to.
    /// # let addr = unsafe {
    /// #     bindings::kunit_vm_mmap(
    /// #         bindings::kunit_get_current_test(),
    /// #         core::ptr::null_mut(),
    /// #         0,
    /// #         4 * PAGE_SIZE,
    /// #         (bindings::PROT_READ | bindings::PROT_WRITE) as usize,
    /// #         (bindings::MAP_PRIVATE | bindings::MAP_ANONYMOUS) as usize,
    /// #         0,
    /// #     )
    /// # };
    /// # assert!(addr != 0 && addr < usize::MAX - 4095);
    /// let start = UserPtr::from_addr(addr);
    ///
    /// // Room for four pages, allocated once.
    /// let storage = PinStorage::with_capacity(4)?;
    /// assert!(storage.capacity() >= 4);
    ///
    /// // Four pages, one GUP call each.
    /// let pinned = PinnedPages::pin_in(storage, start, 4 * PAGE_SIZE, 1, PinFlag::Write)?;
    /// assert_eq!(pinned.nr_pages(), 4);
    /// let mut page = [0u8; 8];
    /// pinned.read(3 * PAGE_SIZE, &mut page)?;
    ///
    /// // Unpinned, and the array back for the next pin: three pages, two per call.
    /// let storage = pinned.unpin();
    /// let pinned = PinnedPages::pin_in(storage, start, 3 * PAGE_SIZE, 2, PinFlag::Write)?;
    /// assert_eq!(pinned.nr_pages(), 3);
    ///
    /// // With a hole at the third page: the calls stop there.
    /// let storage = pinned.unpin();
    /// # // SAFETY: The third page of the test's own mapping; nothing references it.
    /// # unsafe { bindings::vm_munmap(addr + 2 * PAGE_SIZE, PAGE_SIZE) };
    /// let pinned = PinnedPages::pin_in(storage, start, 4 * PAGE_SIZE, 1, PinFlag::Write)?;
    /// assert_eq!(pinned.nr_pages(), 2);
    ///
    /// let storage = pinned.unpin();
    /// let zero = PinnedPages::pin_in(storage, start, PAGE_SIZE, 0, PinFlag::Write);
    /// assert_eq!(zero.err(), Some(EINVAL));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn pin_in(
        storage: PinStorage,
        start: UserPtr,
        len: usize,
        per_call: usize,
        flags: impl Into<PinFlags>,
    ) -> Result<Self> {
        /// Pages pinned between two chances to reschedule.
        const RESCHED_PAGES: usize = 512;
        let flags = flags.into();
        let (first, offset, nr) = span(start.as_const_ptr() as usize, len)?;
        if per_call == 0 {
            return Err(EINVAL);
        }
        Self::new_in(storage.0, offset, len, nr, flags, |pages| {
            let (mut done, mut since) = (0, 0);
            while done < nr {
                let n = per_call.min(nr - done);
                // SAFETY: `pages` has room for `nr` entries, of which `done` are written, and
                // `n <= nr - done`: GUP writes at most `n` more. `n <= nr` fits in an `int`
                // (`span()`), and the `n` pages at `first + done * PAGE_SIZE` are pages of the
                // range, whose end does not overflow. The flags are `FOLL_*` flags a caller may
                // pass (the `PinFlag` values).
                let got = unsafe {
                    bindings::pin_user_pages_fast(
                        first + done * PAGE_SIZE,
                        n as c_int,
                        flags.foll(),
                        pages.add(done),
                    )
                };
                if got <= 0 {
                    // Nothing pinned by this call: the error, if it was the first.
                    return if done == 0 {
                        got as c_long
                    } else {
                        done as c_long
                    };
                }
                // GUP never returns more than it was asked for.
                let got = (got as usize).min(n);
                done += got;
                if got < n {
                    break;
                }
                since += got;
                if since >= RESCHED_PAGES && done < nr {
                    since = 0;
                    crate::task::cond_resched();
                }
            }
            done as c_long
        })
    }

    /// Releases the pins, as dropping the guard does, and gives back the page array for
    /// [`PinnedPages::pin_in`].
    pub fn unpin(mut self) -> PinStorage {
        self.release();
        // `self` is dropped with an empty array: nothing left to release.
        PinStorage(core::mem::replace(&mut self.pages, KVec::new()))
    }

    /// Releases the pins, dirtying the pages first if [`PinnedPages::write`] wrote to them, and
    /// empties the page array.
    fn release(&mut self) {
        if self.pages.is_empty() {
            return;
        }
        // SAFETY: `pages` holds the pages this guard pinned, one pin each, which nothing else
        // releases (the invariant); they are dirtied first if `write()` wrote to them. The
        // array is emptied right after, so none of them is released twice.
        unsafe {
            bindings::unpin_user_pages_dirty_lock(
                self.pages.as_mut_ptr(),
                self.pages.len(),
                self.dirty,
            )
        };
        self.pages.clear();
        // INVARIANT: no page, no byte.
        (self.offset, self.len) = (0, 0);
    }

    /// Pins the pages of the address space whose mmap lock `mm` holds, that the `len` bytes at
    /// `start` touch, or as many of them as can be, from the first
    /// (C: `pin_user_pages_remote()`, which never drops the lock here).
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::{
    ///     mm::pin::{PinFlag, PinnedPages},
    ///     page::PAGE_SIZE,
    /// };
    /// # use kernel::bindings;
    /// # // A KUnit doc test runs in a kernel thread: give it an mm with four pages mapped.
    /// # // SAFETY: Called from a KUnit test, whose mm the mapping goes to.
    /// # let addr = unsafe {
    /// #     bindings::kunit_vm_mmap(
    /// #         bindings::kunit_get_current_test(),
    /// #         core::ptr::null_mut(),
    /// #         0,
    /// #         4 * PAGE_SIZE,
    /// #         (bindings::PROT_READ | bindings::PROT_WRITE) as usize,
    /// #         (bindings::MAP_PRIVATE | bindings::MAP_ANONYMOUS) as usize,
    /// #         0,
    /// #     )
    /// # };
    /// # assert!(addr != 0 && addr < usize::MAX - 4095);
    ///
    /// // Here the address space is the current task's; a driver would hold another's
    /// // (`ARef<MmWithUser>`).
    /// let task = kernel::current!();
    /// let mm = task.mm().ok_or(ESRCH)?;
    /// let guard = mm.mmap_read_lock();
    /// let pinned = PinnedPages::pin_remote_all(&guard, addr, 4 * PAGE_SIZE, PinFlag::Longterm)?;
    /// drop(guard);
    /// assert_eq!(pinned.nr_pages(), 4);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn pin_remote(
        mm: &MmapReadGuard<'_>,
        start: usize,
        len: usize,
        flags: impl Into<PinFlags>,
    ) -> Result<Self> {
        let flags = flags.into();
        let (first, offset, nr) = span(start, len)?;
        Self::new_in(KVec::new(), offset, len, nr, flags, |pages| {
            // SAFETY: The mmap read lock of `mm` is held (the guard's invariant), and a NULL
            // `locked` tells GUP to keep it. `pages` has room for `nr` entries.
            unsafe {
                bindings::pin_user_pages_remote(
                    mm.mm.as_raw(),
                    first,
                    nr,
                    flags.foll(),
                    pages,
                    ptr::null_mut(),
                )
            }
        })
    }

    /// [`PinnedPages::pin_remote`], all or nothing (see [`PinnedPages::pin_all`]).
    pub fn pin_remote_all(
        mm: &MmapReadGuard<'_>,
        start: usize,
        len: usize,
        flags: impl Into<PinFlags>,
    ) -> Result<Self> {
        let flags = flags.into();
        Self::pin_remote(mm, start, len, flags)?
            .all_or_error(start, len, |next| Self::pin_remote(mm, next, 1, flags))
    }

    /// Returns `self` if it pinned every page of the `len` bytes at `start`; otherwise releases its
    /// pins and fails with the error `pin_one` gives for the first page it did not pin.
    fn all_or_error(
        self,
        start: usize,
        len: usize,
        pin_one: impl FnOnce(usize) -> Result<Self>,
    ) -> Result<Self> {
        let (first, _, nr) = span(start, len)?;
        if self.nr_pages() == nr {
            return Ok(self);
        }
        // `nr_pages() < nr`: the page's address is below the range's end, so no overflow.
        let next = first + self.nr_pages() * PAGE_SIZE;
        drop(self);
        // The error of the first page that was not pinned. If it can be pinned now (a
        // concurrent fault mapped it), the range was not pinned whole in one go: try again.
        Err(pin_one(next).err().unwrap_or(EAGAIN))
    }

    /// The number of pages pinned.
    #[inline]
    pub fn nr_pages(&self) -> usize {
        self.pages.len()
    }

    /// The number of bytes of the range that the pinned pages cover, from its start.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the pinned range is empty (never: a guard holds at least one page until it is
    /// released).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`-th pinned page, borrowed from the guard.
    pub fn page(&self, i: usize) -> Option<BorrowedPage<'_>> {
        let page = NonNull::new(*self.pages.get(i)?)?;
        // SAFETY: A pinned page stays allocated until it is unpinned, which only dropping `self`
        // does, after the borrow of `self` that the result carries has ended.
        Some(unsafe { BorrowedPage::from_raw(page) })
    }

    /// The folio of the `i`-th pinned page, borrowed from the guard.
    pub fn folio(&self, i: usize) -> Option<&Folio> {
        let page = *self.pages.get(i)?;
        if page.is_null() {
            return None;
        }
        // SAFETY: The page is pinned until `self` is dropped, after the borrow ends; a pin holds
        // its folio and keeps it from being split.
        Some(unsafe { Folio::from_page(page) })
    }

    /// Calls `f(page, offset in page, offset in the buffer, length)` for each piece of the `len`
    /// bytes at `offset` into the range, or fails with [`EINVAL`] if they are not all in it.
    fn for_each_piece(
        &self,
        offset: usize,
        len: usize,
        mut f: impl FnMut(*mut bindings::page, usize, usize, usize),
    ) -> Result {
        match offset.checked_add(len) {
            Some(end) if end <= self.len => {}
            _ => return Err(EINVAL),
        }
        // `self.offset + self.len` fits (the invariant), so these do not overflow.
        let mut pos = self.offset + offset;
        let mut done = 0;
        while done < len {
            let in_page = pos % PAGE_SIZE;
            let n = (PAGE_SIZE - in_page).min(len - done);
            let page = *self.pages.get(pos / PAGE_SIZE).ok_or(EINVAL)?;
            f(page, in_page, done, n);
            pos += n;
            done += n;
        }
        Ok(())
    }

    /// Copies the `buf.len()` bytes at `offset` into the pinned range to `buf`.
    pub fn read(&self, offset: usize, buf: &mut [u8]) -> Result {
        let dst = buf.as_mut_ptr();
        self.for_each_piece(offset, buf.len(), |page, in_page, at, n| {
            // SAFETY: `page` is pinned, `in_page + n <= PAGE_SIZE`, and `dst + at` is valid for
            // `n` bytes (`at + n <= buf.len()`). The copy is C's, so a concurrent write by user
            // space is a race in C on memory Rust does not reference, as with `copy_from_user()`.
            unsafe { bindings::memcpy_from_page(dst.add(at).cast(), page, in_page, n) }
        })
    }

    /// Copies `data` to the `data.len()` bytes at `offset` into the pinned range, and marks the
    /// pages to be dirtied when they are unpinned.
    ///
    /// Fails with [`EPERM`] if the range was not pinned with [`PinFlag::Write`]: its pages may be
    /// shared with other processes or files (copy-on-write, the zero page).
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::{
    ///     mm::pin::{PinFlags, PinnedPages},
    ///     page::PAGE_SIZE,
    ///     uaccess::UserPtr,
    /// };
    /// # use kernel::bindings;
    /// # // A KUnit doc test runs in a kernel thread: give it an mm with four pages mapped.
    /// # // SAFETY: Called from a KUnit test, whose mm the mapping goes to.
    /// # let addr = unsafe {
    /// #     bindings::kunit_vm_mmap(
    /// #         bindings::kunit_get_current_test(),
    /// #         core::ptr::null_mut(),
    /// #         0,
    /// #         4 * PAGE_SIZE,
    /// #         (bindings::PROT_READ | bindings::PROT_WRITE) as usize,
    /// #         (bindings::MAP_PRIVATE | bindings::MAP_ANONYMOUS) as usize,
    /// #         0,
    /// #     )
    /// # };
    /// # assert!(addr != 0 && addr < usize::MAX - 4095);
    ///
    /// // Pinned for reading only: the kernel may not write to the pages.
    /// let mut pinned = PinnedPages::pin(UserPtr::from_addr(addr), PAGE_SIZE, PinFlags::empty())?;
    /// assert_eq!(pinned.write(0, &[1]), Err(EPERM));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn write(&mut self, offset: usize, data: &[u8]) -> Result {
        if !self.writable {
            return Err(EPERM);
        }
        let src = data.as_ptr();
        self.for_each_piece(offset, data.len(), |page, in_page, at, n| {
            // SAFETY: `page` is pinned with `FOLL_WRITE` (the invariant), so it is the process's
            // own writable page; `in_page + n <= PAGE_SIZE`; `src + at` is valid for `n` bytes.
            // The copy is C's (see `read()`).
            unsafe { bindings::memcpy_to_page(page, in_page, src.add(at).cast(), n) }
        })?;
        // INVARIANT: `writable` holds.
        self.dirty = true;
        Ok(())
    }
}

impl Drop for PinnedPages {
    fn drop(&mut self) {
        self.release();
    }
}

/// A page array for [`PinnedPages::pin_in`], kept from one pin to the next: it holds no page.
///
/// Made with [`PinStorage::with_capacity`], given back by [`PinnedPages::unpin`].
pub struct PinStorage(KVec<*mut bindings::page>);

// SAFETY: The array holds no page (its length is 0 whenever a `PinStorage` exists), only an
// allocation, which any task may use or free.
unsafe impl Send for PinStorage {}

// SAFETY: `&PinStorage` only reads the capacity.
unsafe impl Sync for PinStorage {}

impl PinStorage {
    /// An array with room for `pages` pages.
    pub fn with_capacity(pages: usize) -> Result<Self> {
        Ok(Self(KVec::with_capacity(pages, GFP_KERNEL)?))
    }

    /// How many pages [`PinnedPages::pin_in`] can pin into this array without allocating.
    pub fn capacity(&self) -> usize {
        self.0.capacity()
    }
}
