// SPDX-License-Identifier: GPL-2.0

//! `FOLL_LONGTERM`: moving pinned folios out of memory that must stay movable, and
//! `memfd_pin_folios()`.
//!
//! C original: the `CONFIG_MIGRATION` block of `mm/gup.c` (`check_and_migrate_movable_*()`,
//! `__gup_longterm_locked()`) and `memfd_pin_folios()`.
//!
//! A long-term pin can last as long as user space wants (RDMA memory registration, VFIO DMA
//! mappings, io_uring fixed buffers, udmabuf), so a pinned folio must not sit where the kernel
//! relies on being able to move memory: a CMA area, `ZONE_MOVABLE`, an isolated pageblock, or
//! device-coherent memory (`folio_is_longterm_pinnable()` says which). The rule is pin first,
//! then look: everything in the range is pinned with the slow path; if any folio is not
//! long-term pinnable, every pin is dropped, those folios are isolated and migrated (allocating
//! their new homes with `PF_MEMALLOC_PIN` set, so outside such memory), and the whole range is
//! pinned again. A folio that cannot be isolated still counts: it was probably being freed or
//! migrated already, and the next round finds out.
//!
//! The VMA rules of `FOLL_LONGTERM` (no fsdax, no writable file mapping unless the filesystem
//! allows it, no secretmem) are checked by the walk in [`crate::follow`] and by GUP-fast.
//!
//! `FOLL_LONGTERM` callers without a `locked` argument were the only ones allowed once, because
//! the fsdax check was made on the VMAs before the mmap lock could be dropped. The check is now
//! made on every VMA the walk looks up, also after the lock was dropped and taken again, so, as
//! in C since v6.3, `locked` may be given too (`pin_user_pages_remote()` with `locked`).

use core::{
    marker::PhantomData,
    mem::MaybeUninit,
    ptr::NonNull, //
};

use kernel::{
    bindings,
    ffi::{
        c_int,
        c_long,
        c_uint,
        c_ulong, //
    },
    prelude::*,
    sync::aref::ARef,
    types::{
        NotThreadSafe,
        Opaque, //
    },
};

use crate::{
    basics::{
        self,
        Locked,
        MmPtr, //
    },
    flags::{
        Foll,
        FollFlags, //
    },
    folio::{
        Folio,
        PagePtr, //
    },
    pin::{
        self,
        FolioPin,
        PinnedFolios,
        PinnedPages, //
    },
    slow::{
        self,
        PagesOut, //
    },
};

/// `PF_MEMALLOC_PIN` set for the current task while it lives: allocations it makes (faults taken
/// by the slow path, migration targets) avoid memory that must stay movable
/// (C: `memalloc_pin_save()`/`memalloc_pin_restore()`).
///
/// # Invariants
///
/// `self.0` is what `memalloc_pin_save()` returned on the task that holds the value (which is not
/// `Send`, so it is restored on that task).
struct MemallocPin(c_uint, NotThreadSafe);

impl MemallocPin {
    fn save() -> Self {
        // SAFETY: Sets `PF_MEMALLOC_PIN` in `current`'s flags, which only `current` changes
        // (GUP runs in process context); returns the previous state.
        let old = unsafe { bindings::memalloc_pin_save() };
        // INVARIANT: Saved on this task, and the value stays on it.
        Self(old, NotThreadSafe)
    }
}

impl Drop for MemallocPin {
    fn drop(&mut self) {
        // SAFETY: Restores the state `save()` returned, on the task that saved it (type
        // invariant).
        unsafe { bindings::memalloc_pin_restore(self.0) };
    }
}

/// The slow path with `FOLL_LONGTERM` handled: pins, then migrates what may not stay pinned and
/// pins again, until every folio of the range may be pinned long term
/// (C: `__gup_longterm_locked()`).
///
/// Without `FOLL_LONGTERM` this is the slow path. Returns as
/// [`slow::get_user_pages_locked`] does; on a migration failure, the errno, with nothing left
/// pinned.
///
/// `pages` is the caller's array of `nr_pages` entries, which `FOLL_LONGTERM` (implying
/// `FOLL_PIN`) needs; without one, `FOLL_LONGTERM` does nothing more (the entry points refuse
/// that).
///
/// Inlined: without `FOLL_LONGTERM` this is the slow path and nothing more, and the entry points
/// go straight to it, as C's do.
#[inline(always)]
pub(crate) fn gup_longterm_locked(
    mut lock: Locked<'_>,
    start: usize,
    nr_pages: usize,
    pages: PagesOut<'_>,
    flags: FollFlags,
) -> c_long {
    match LongtermFlags::new(flags) {
        Some(flags) => gup_longterm_migrate(&mut lock, start, nr_pages, pages, flags),
        None => slow::get_user_pages_locked(&mut lock, start, nr_pages, pages, flags),
    }
}

/// [`gup_longterm_locked`], not inlined: for GUP-fast's fallback to the slow path, so that the
/// lockless walk's function does not carry the slow path in its frame and registers (C calls
/// `__gup_longterm_locked()` there).
///
/// # Safety
///
/// `mm` must be valid for the call, and the current thread hold its mmap lock for read if and
/// only if `*locked != 0` (GUP-fast passes 0: the slow path takes the lock); `pages` NULL or
/// valid for reads and writes of `nr_pages` entries, which nobody else accesses during the call.
#[inline(never)]
pub(crate) unsafe fn gup_longterm_locked_call(
    mm: MmPtr,
    start: usize,
    nr_pages: usize,
    pages: *mut PagePtr,
    locked: &mut c_int,
    flags: FollFlags,
) -> c_long {
    // SAFETY: `mm` is valid for the call and `*locked` says whether its read lock is held, a
    // hold handed over to the slow path; `pages` is NULL or an array of `nr_pages` entries the
    // call may use alone.
    let (lock, pages) = unsafe {
        (
            basics::Locked::read(basics::MmRef::from_raw(mm), locked),
            PagesOut::from_raw(pages, nr_pages),
        )
    };
    gup_longterm_locked(lock, start, nr_pages, pages, flags)
}

/// GUP flags with `FOLL_LONGTERM`: what the slow path puts in the page array are pins that must
/// be checked, and moved if they may not stay.
///
/// # Invariants
///
/// `FOLL_LONGTERM` and `FOLL_PIN` are set in `self.0`.
#[derive(Clone, Copy)]
struct LongtermFlags(FollFlags);

impl LongtermFlags {
    /// `flags` if `FOLL_LONGTERM` (with `FOLL_PIN`) is set.
    #[inline(always)]
    fn new(flags: FollFlags) -> Option<Self> {
        // (The entry points refuse `FOLL_LONGTERM` without `FOLL_PIN`: testing both costs no more
        // than testing one.)
        // INVARIANT: Both are set.
        flags
            .has_all(Foll::Longterm | Foll::Pin)
            .then_some(Self(flags))
    }
}

/// [`gup_longterm_locked`] with `FOLL_LONGTERM`: the slow path, then the migration of what it
/// pinned where it may not stay, until all of it may.
///
/// Not inlined (C's `__gup_longterm_locked()` is not either), and with the lock by reference and
/// the rest by value, so that every argument comes in a register.
#[inline(never)]
fn gup_longterm_migrate(
    lock: &mut Locked<'_>,
    start: usize,
    nr_pages: usize,
    mut pages: PagesOut<'_>,
    flags: LongtermFlags,
) -> c_long {
    let _pin = MemallocPin::save();
    loop {
        let nr_pinned =
            slow::get_user_pages_locked(lock, start, nr_pages, pages.reborrow(), flags.0);
        if nr_pinned <= 0 {
            return nr_pinned;
        }
        // CAST: Positive. The slow path pins at most `nr_pages`, and `first()` keeps to the
        // array, so that the slice below does not depend on it.
        let filled: *mut [MaybeUninit<PagePtr>] = pages.first(nr_pinned as usize);
        // SAFETY: The slow path just filled the first `nr_pinned` entries (at least these) with
        // pins (`FOLL_PIN`: `LongtermFlags` invariant), so they are initialised, and the pins are
        // handed over; they stay borrowed until the next run.
        let pinned = unsafe { Pinned::pages(&mut *(filled as *mut [PagePtr])) };
        match check_and_migrate(pinned) {
            Ok(()) => return nr_pinned,
            Err(e) if e == EAGAIN => continue,
            Err(e) => return basics::errno_long(e),
        }
    }
}

/// A caller's array of pins to check: pages from GUP, or folios from `memfd_pin_folios()`
/// (C: `struct pages_or_folios`).
///
/// # Invariants
///
/// Every non-NULL entry stands for one pin of its folio that the holder of this value owns.
enum Pinned<'a> {
    /// Pinned pages, one pin each; pages of one large folio may follow each other.
    Pages(&'a mut [PagePtr]),
    /// Pinned folios, one pin each, all different.
    Folios(&'a mut [*mut bindings::folio]),
}

// Without `CONFIG_MIGRATION` nothing is checked, so only the constructors are used.
#[cfg_attr(not(CONFIG_MIGRATION), allow(dead_code))]
impl<'a> Pinned<'a> {
    /// Takes over the pins of `pages`.
    ///
    /// # Safety
    ///
    /// Each entry is a page pinned by the caller, which hands the pin over.
    unsafe fn pages(pages: &'a mut [PagePtr]) -> Self {
        // INVARIANT: By the caller's guarantee.
        Self::Pages(pages)
    }

    fn len(&self) -> usize {
        match self {
            Self::Pages(p) => p.len(),
            Self::Folios(f) => f.len(),
        }
    }

    /// The folio of entry `i`, or `None` past the end or for a cleared entry.
    fn folio(&self, i: usize) -> Option<&Folio> {
        // SAFETY: A non-NULL entry is a pinned page or folio (type invariant), the folio kept by
        // the pin while `self` is borrowed.
        unsafe {
            match self {
                Self::Pages(p) => Some(Folio::from_page(NonNull::new(*p.get(i)?)?.as_ptr())),
                Self::Folios(f) => Some(Folio::from_raw(NonNull::new(*f.get(i)?)?.as_ptr())),
            }
        }
    }

    /// Clears entry `i` and returns its pin, or `None` past the end or for a cleared entry
    /// (C: `pofs_clear_entry()`, with what it leaves to the caller).
    fn take(&mut self, i: usize) -> Option<FolioPin> {
        let folio = NonNull::from(self.folio(i)?);
        match self {
            Self::Pages(p) => {
                if let Some(e) = p.get_mut(i) {
                    *e = core::ptr::null_mut();
                }
            }
            Self::Folios(f) => {
                if let Some(e) = f.get_mut(i) {
                    *e = core::ptr::null_mut();
                }
            }
        }
        // SAFETY: The pin entry `i` stood for (type invariant), which the array no longer has;
        // the folio is alive, as the pin was held until here.
        Some(unsafe { FolioPin::from_folio(folio.as_ref()) })
    }

    /// The index after the entries of `folio`, the folio of entry `i` (C: `pofs_next_folio()`):
    /// consecutive pages of one large folio are looked at once.
    fn next(&self, folio: &Folio, i: usize) -> usize {
        let mut next = i + 1;
        if let Self::Pages(pages) = self {
            if folio.is_large() {
                // The pages of a folio are contiguous in the memmap: an entry is in `folio` when
                // it points into its page range (the pointer is only compared).
                let head = folio.page(0);
                let end = head.wrapping_add(folio.nr_pages());
                while pages.get(next).is_some_and(|p| (head..end).contains(p)) {
                    next += 1;
                }
            }
        }
        next
    }

    /// Whether every folio may stay pinned long term, up to the first cleared entry (where
    /// [`collect_unpinnable`] stops as well).
    #[inline(always)]
    fn all_longterm_pinnable(&self) -> bool {
        let mut i = 0;
        while let Some(folio) = self.folio(i) {
            if !folio.is_longterm_pinnable() {
                return false;
            }
            i = self.next(folio, i);
        }
        true
    }

    /// Drops every pin still held (C: `pofs_unpin()`).
    fn unpin_all(self) {
        // SAFETY: The non-NULL entries are pins `self` owns (type invariant), handed over as
        // `self` is consumed.
        unsafe {
            match self {
                Self::Pages(p) => PinnedPages::from_slice(p).unpin(false),
                Self::Folios(f) => PinnedFolios::from_slice(f).unpin(),
            }
        }
    }
}

/// Checks that every pinned folio may stay pinned long term and migrates the others away
/// (C: `check_and_migrate_movable_pages_or_folios()`).
///
/// Returns `Ok(())` with every pin kept if all folios may stay pinned. Otherwise drops every pin
/// and returns `EAGAIN` if the folios that may not were migrated (the caller pins the range
/// again), or another error if migration failed.
///
/// Inlined: what it costs when every folio may stay, the common case, is one look at each; the
/// rest is [`migrate_unpinnable_folios`].
#[cfg(CONFIG_MIGRATION)]
#[inline(always)]
fn check_and_migrate(pinned: Pinned<'_>) -> Result {
    if pinned.all_longterm_pinnable() {
        return Ok(());
    }
    migrate_unpinnable_folios(pinned)
}

/// [`check_and_migrate`] once a folio that may not stay pinned was seen.
#[cfg(CONFIG_MIGRATION)]
#[inline(never)]
fn migrate_unpinnable_folios(mut pinned: Pinned<'_>) -> Result {
    pin_init::stack_pin_init!(let list = IsolatedList::new());
    let collected = collect_unpinnable(&pinned, &list);
    if collected == 0 {
        return Ok(());
    }
    migrate_unpinnable(&mut pinned, &list).inspect_err(|_| pinned.unpin_all())
}

/// Without `CONFIG_MIGRATION` nothing can be moved, so everything stays pinned.
#[cfg(not(CONFIG_MIGRATION))]
fn check_and_migrate(_pinned: Pinned<'_>) -> Result {
    Ok(())
}

/// A list of folios isolated for migration (C: a `LIST_HEAD()` on the stack); whatever is left
/// on it goes back to the LRU when it is dropped.
#[cfg(CONFIG_MIGRATION)]
#[pin_data(PinnedDrop)]
struct IsolatedList {
    #[pin]
    head: Opaque<bindings::list_head>,
}

#[cfg(CONFIG_MIGRATION)]
impl IsolatedList {
    fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            head <- Opaque::ffi_init(|head| {
                // SAFETY: `head` is valid for writes; pinned, it keeps the address the list's
                // links will point to.
                unsafe { bindings::INIT_LIST_HEAD(head) }
            }),
        })
    }

    fn as_ptr(&self) -> *mut bindings::list_head {
        self.head.get()
    }

    fn is_empty(&self) -> bool {
        // SAFETY: An initialised list head, pinned.
        unsafe { (*self.as_ptr()).next == self.as_ptr() }
    }

    /// Isolates a hugetlb folio onto the list, if it can be (C: `folio_isolate_hugetlb()`).
    fn isolate_hugetlb(&self, folio: &Folio) {
        // SAFETY: `folio` is valid (borrowed); the list head is initialised and pinned.
        unsafe { bindings::folio_isolate_hugetlb(folio.as_ptr(), self.as_ptr()) };
    }

    /// Isolates `folio` from the LRU onto the list, as an isolated anonymous or file folio;
    /// `false` if it could not be isolated.
    fn isolate_lru(&self, folio: &Folio) -> bool {
        // SAFETY: `folio` is valid (borrowed); on success the isolation holds a reference of its
        // own, and the folio's `lru` links are free for the list, which is initialised and
        // pinned.
        let file = unsafe {
            if !bindings::folio_isolate_lru(folio.as_ptr()) {
                return false;
            }
            bindings::gup_folio_list_add_tail(folio.as_ptr(), self.as_ptr());
            bindings::folio_is_file_lru(folio.as_ptr())
        };
        // CAST: `folio_is_file_lru()` is 0 or 1, a node_stat_item offset; a folio has at most
        // `1 << MAX_PAGE_ORDER` pages.
        folio.node_stat_mod(
            bindings::node_stat_item_NR_ISOLATED_ANON + file as bindings::node_stat_item,
            folio.nr_pages() as i32,
        );
        true
    }

    /// Migrates the folios on the list away from where they may not stay pinned; `false` if
    /// some could not be.
    fn migrate(&self) -> bool {
        let mut mtc = bindings::migration_target_control {
            nid: bindings::NUMA_NO_NODE,
            nmask: core::ptr::null_mut(),
            gfp_mask: bindings::GUP_GFP_LONGTERM_MIGRATE,
            reason: bindings::migrate_reason_MR_LONGTERM_PIN,
        };
        // SAFETY: The list holds isolated folios; `alloc_migration_target()` takes a
        // `migration_target_control` as its private argument, which outlives the call.
        let failed = unsafe {
            bindings::migrate_pages(
                self.as_ptr(),
                Some(bindings::alloc_migration_target),
                None,
                &raw mut mtc as usize,
                bindings::migrate_mode_MIGRATE_SYNC,
                bindings::migrate_reason_MR_LONGTERM_PIN as c_int,
                core::ptr::null_mut(),
            )
        };
        failed == 0
    }
}

#[cfg(CONFIG_MIGRATION)]
#[pinned_drop]
impl PinnedDrop for IsolatedList {
    fn drop(self: Pin<&mut Self>) {
        // Almost always empty (every folio may stay pinned): no call then, as in C, where
        // only the migration path puts folios back.
        if self.is_empty() {
            return;
        }
        // SAFETY: An initialised list of isolated folios; each goes back to the LRU (or the
        // hugetlb active list) with its isolation reference.
        unsafe { bindings::putback_movable_pages(self.as_ptr()) };
    }
}

/// Whether `folio` holds references beyond its mappings, its cache and the pin it is checked
/// for, which an LRU drain may give back.
#[cfg(CONFIG_MIGRATION)]
fn has_extra_refs(folio: &Folio, pin_refs: i32) -> bool {
    folio.may_be_lru_cached()
        && folio.ref_count() != folio.expected_ref_count().wrapping_add(pin_refs)
}

/// Puts every folio of `pinned` that may not be pinned long term on `list` (isolated from the
/// LRU, or from the hugetlb active list) as far as it can be isolated, and returns how many
/// there were, isolated or not (C: `collect_longterm_unpinnable_folios()`).
#[cfg(CONFIG_MIGRATION)]
fn collect_unpinnable(pinned: &Pinned<'_>, list: &IsolatedList) -> usize {
    let mut collected = 0usize;
    let mut drained = 0;
    let mut i = 0;
    while i < pinned.len() {
        // Nothing is cleared yet, but a NULL entry would end the walk rather than fault.
        let Some(folio) = pinned.folio(i) else {
            break;
        };
        i = pinned.next(folio, i);
        let pin_refs = if folio.has_pincount() {
            1
        } else {
            pin::PIN_BIAS
        };
        if folio.is_longterm_pinnable() {
            continue;
        }
        collected += 1;
        if folio.is_device_coherent() {
            // Migrated by `migrate_unpinnable()`, pin by pin.
            continue;
        }
        if folio.is_hugetlb() {
            // A folio that cannot be isolated stays where it is; the next round sees it again.
            list.isolate_hugetlb(folio);
            continue;
        }
        // Drain not only so that isolation succeeds, but also to get back references that the
        // per-CPU LRU caches hold, which would make migration fail: the local cache first, then
        // every CPU's (which is expensive), each at most once per call.
        if drained == 0 && has_extra_refs(folio, pin_refs) {
            kernel::mm::lru_add_drain();
            drained = 1;
        }
        if drained == 1 && has_extra_refs(folio, pin_refs) {
            kernel::mm::lru_add_drain_all();
            drained = 2;
        }
        list.isolate_lru(folio);
    }
    collected
}

/// Drops every pin of `pinned` and migrates the folios on `list` and the device-coherent ones
/// (C: `migrate_longterm_unpinnable_folios()`).
///
/// Returns `EAGAIN` when everything was migrated, so the caller pins again; another error if
/// migration failed, with the pins not yet dropped left in `pinned`. Whatever stays on `list`
/// goes back to the LRU when the list is dropped.
#[cfg(CONFIG_MIGRATION)]
fn migrate_unpinnable(pinned: &mut Pinned<'_>, list: &IsolatedList) -> Result {
    for i in 0..pinned.len() {
        let Some(pin) = pinned.take(i) else {
            continue;
        };
        if pin.folio().is_device_coherent() {
            // Migration fails on a pinned folio: turn the pin into a plain reference, which the
            // migration consumes.
            if migrate_device_coherent(pin.into_ref()) {
                return Err(EBUSY);
            }
            continue;
        }
        // A folio with unexpected references cannot be migrated, so drop the pin; folios on
        // `list` are kept alive by their isolation reference.
        drop(pin);
    }
    if !list.is_empty() && !list.migrate() {
        return Err(ENOMEM);
    }
    Err(EAGAIN)
}

/// Migrates a device-coherent folio to system memory, consuming the reference; `true` if that
/// failed.
#[cfg(all(CONFIG_MIGRATION, CONFIG_DEVICE_MIGRATION))]
fn migrate_device_coherent(folio: ARef<Folio>) -> bool {
    let folio = ARef::into_raw(folio);
    // SAFETY: A device-coherent folio whose reference, from the `ARef`, the call consumes
    // (dropped on failure, carried to the new folio on success).
    unsafe { bindings::migrate_device_coherent_folio(folio.cast().as_ptr()) != 0 }
}

/// Without `CONFIG_DEVICE_MIGRATION` there is no `ZONE_DEVICE`, hence no device-coherent folio
/// to get here.
#[cfg(all(CONFIG_MIGRATION, not(CONFIG_DEVICE_MIGRATION)))]
fn migrate_device_coherent(_folio: ARef<Folio>) -> bool {
    true
}

/// A shmem or hugetlbfs file borrowed for `'a` (the caller's reference keeps it).
///
/// # Invariants
///
/// `self.0` is a valid shmem or hugetlbfs file for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct Memfd<'a>(NonNull<bindings::file>, PhantomData<&'a bindings::file>);

impl<'a> Memfd<'a> {
    /// Borrows `file`, or `None` if it is NULL or neither shmem nor hugetlbfs.
    ///
    /// # Safety
    ///
    /// `file` must be NULL or a file the caller holds a reference to for `'a`.
    pub(crate) unsafe fn from_raw(file: *mut bindings::file) -> Option<Self> {
        let file = NonNull::new(file)?;
        // SAFETY: A valid file, by the caller's guarantee.
        let ok = unsafe {
            bindings::shmem_file(file.as_ptr()) || bindings::is_file_hugepages(file.as_ptr())
        };
        // INVARIANT: Valid for `'a`, shmem or hugetlbfs, checked just above.
        ok.then_some(Self(file, PhantomData))
    }

    fn as_ptr(self) -> *mut bindings::file {
        self.0.as_ptr()
    }

    /// The file's size in bytes (C: `i_size_read(file_inode(file))`).
    fn size(self) -> i64 {
        // SAFETY: A valid file (type invariant).
        unsafe { bindings::gup_file_i_size(self.as_ptr()) }
    }

    /// The order of the huge pages of a hugetlbfs file, 0 for shmem (C: `is_file_hugepages()`,
    /// then `huge_page_order(hstate_file())`, in the helper).
    fn huge_page_order(self) -> u32 {
        // SAFETY: A valid file (type invariant).
        unsafe { bindings::gup_file_huge_page_order(self.as_ptr()) }
    }

    /// Fills `batch` with the folios of the file's page cache that follow each other from `*idx`
    /// to at most `last`, moving `*idx` past them; returns how many
    /// (C: `filemap_get_folios_contig()`).
    fn get_folios_contig(self, idx: &mut usize, last: usize, batch: &mut FolioBatch) -> usize {
        // SAFETY: A valid file (type invariant), so is its mapping; `batch.0` is an initialised
        // batch.
        let found = unsafe {
            bindings::filemap_get_folios_contig((*self.as_ptr()).f_mapping, idx, last, &mut batch.0)
        };
        // CAST: At most `PAGEVEC_SIZE`.
        found as usize
    }

    /// Allocates the folio at page-cache index `idx` and adds it to the page cache
    /// (C: `memfd_alloc_folio()`); `EEXIST` if someone else added one meanwhile.
    fn alloc_folio(self, idx: usize) -> Result<ARef<Folio>> {
        // SAFETY: A valid shmem or hugetlbfs file (type invariant); the folio returned, unless
        // an error, comes with a reference, which the `ARef` owns.
        unsafe {
            let folio =
                kernel::error::from_err_ptr(bindings::memfd_alloc_folio(self.as_ptr(), idx))?;
            let folio = NonNull::new(folio.cast::<Folio>()).ok_or(ENOMEM)?;
            Ok(ARef::from_raw(folio))
        }
    }
}

/// Pins the folios of a shmem or hugetlbfs memfd for the byte range `start..=end`, allocating
/// the missing ones, and migrates them first where they may not stay pinned
/// (C: `memfd_pin_folios()`).
///
/// Returns the number of folios pinned (at most `folios.len()`, fewer when large folios cover
/// the range) into the first entries of `folios`, with `*offset` the offset of `start` in the
/// first one; or a negative errno with nothing pinned. The pins are long-term ones, released
/// with `unpin_folios()` or `unpin_folio()`. `memfd` is `None` when the caller passed NULL or
/// a file that is neither shmem nor hugetlbfs (both `EINVAL`).
pub(crate) fn memfd_pin_folios(
    memfd: Option<Memfd<'_>>,
    start: i64,
    end: i64,
    folios: &mut [*mut bindings::folio],
    offset: &mut c_ulong,
) -> Result<usize> {
    if start < 0 || start > end || folios.is_empty() {
        return Err(EINVAL);
    }
    let memfd = memfd.ok_or(EINVAL)?;
    if end >= memfd.size() {
        return Err(EINVAL);
    }
    // Page-cache indices are in base pages, also for hugetlbfs: an index is the first page of
    // its folio, found by rounding down to the huge page size.
    let order = memfd.huge_page_order();
    let shift = bindings::PAGE_SHIFT + order;
    // CAST: `0 <= start <= end`, and `loff_t` fits the 64-bit `pgoff_t`.
    let (start, end) = (start as usize, end as usize);
    let first = (start >> shift) << order;
    let last = (end >> shift) << order;

    let _pin = MemallocPin::save();
    loop {
        let pinned = memfd_pin_range(memfd, start, first, last, folios, offset)?;
        let nr = pinned.len();
        match check_and_migrate(pinned) {
            Ok(()) => return Ok(nr),
            Err(e) if e == EAGAIN => continue,
            Err(e) => return Err(e),
        }
    }
}

/// A caller's folio array as [`memfd_pin_range`] fills it with pins, from the first entry on:
/// what it holds is given up if the value goes before [`Self::into_pinned`].
///
/// # Invariants
///
/// The first `nr` entries of `folios` are pins this value owns (`nr <= folios.len()`).
struct FolioPins<'a> {
    folios: &'a mut [*mut bindings::folio],
    nr: usize,
}

impl<'a> FolioPins<'a> {
    fn new(folios: &'a mut [*mut bindings::folio]) -> Self {
        // INVARIANT: No entry holds a pin yet.
        Self { folios, nr: 0 }
    }

    /// How many pins the array holds.
    fn len(&self) -> usize {
        self.nr
    }

    fn is_full(&self) -> bool {
        self.nr >= self.folios.len()
    }

    /// Puts `pin` in the next entry; gives it up if the array is full.
    fn push(&mut self, pin: FolioPin) {
        if let Some(slot) = self.folios.get_mut(self.nr) {
            *slot = pin.into_raw();
            // INVARIANT: Entry `nr` now holds the pin `pin` owned.
            self.nr += 1;
        }
    }

    /// The entries filled, with their pins handed over.
    fn into_pinned(mut self) -> Pinned<'a> {
        let folios = core::mem::take(&mut self.folios);
        let nr = core::mem::take(&mut self.nr);
        // INVARIANT: The first `nr` entries are pins `self` owned; it is left with none.
        Pinned::Folios(folios.get_mut(..nr).unwrap_or_default())
    }
}

impl Drop for FolioPins<'_> {
    fn drop(&mut self) {
        if let Some(held) = self.folios.get_mut(..self.nr) {
            // INVARIANT: The pins `self` owns, handed over as it goes.
            Pinned::Folios(held).unpin_all();
        }
    }
}

/// One round of [`memfd_pin_folios`]: pins the folios from page-cache index `first` to `last`,
/// allocating missing ones, until `folios` is full; returns the first entries of `folios`,
/// filled with the pins. On an error, nothing is left pinned.
fn memfd_pin_range<'a>(
    memfd: Memfd<'_>,
    start: usize,
    first: usize,
    last: usize,
    folios: &'a mut [*mut bindings::folio],
    offset: &mut c_ulong,
) -> Result<Pinned<'a>> {
    let mut pins = FolioPins::new(folios);
    let mut idx = first;
    // A folio allocated into the page cache below, whose allocation reference is dropped once
    // the next lookup has found (and pinned) it.
    let mut allocated: Option<ARef<Folio>> = None;
    let mut fbatch = FolioBatch::new();
    let res = 'pin: {
        while idx <= last && !pins.is_full() {
            // In most cases the folios are in the page cache; a missing one is allocated and
            // added to it, then found by the next lookup.
            let found = memfd.get_folios_contig(&mut idx, last, &mut fbatch);
            // Found and pinned (if anything): the allocation reference is no longer needed.
            drop(allocated.take());
            for i in 0..found {
                let Some(folio) = fbatch.folio(i) else {
                    break;
                };
                let Ok(pin) = FolioPin::new(folio) else {
                    fbatch.release();
                    break 'pin Err(EINVAL);
                };
                if pins.len() == 0 {
                    // C: `offset_in_folio(folio, start)`.
                    *offset = start & ((folio.nr_pages() << bindings::PAGE_SHIFT) - 1);
                }
                // The pin goes to the caller's array: given up with `pins` on an error, else
                // handed over to the caller.
                pins.push(pin);
                if pins.is_full() {
                    break;
                }
            }
            fbatch.release();
            if found == 0 {
                match memfd.alloc_folio(idx) {
                    Ok(folio) => allocated = Some(folio),
                    // Someone else added it meanwhile: the next lookup finds it.
                    Err(e) if e == EEXIST => {}
                    Err(e) => break 'pin Err(e),
                }
            }
        }
        Ok(())
    };
    // On an error, `pins` goes, and gives up what it holds.
    res.map(|()| pins.into_pinned())
}

/// A `struct folio_batch` on the stack, each folio in it holding a reference.
struct FolioBatch(bindings::folio_batch);

impl FolioBatch {
    fn new() -> Self {
        // An all-zero batch is an empty one (C: `folio_batch_init()`).
        Self(pin_init::zeroed())
    }

    /// Folio `i` of the batch, referenced by it while borrowed.
    fn folio(&self, i: usize) -> Option<&Folio> {
        if i >= usize::from(self.0.nr) {
            return None;
        }
        let folio = NonNull::new(*self.0.folios.get(i)?)?;
        // SAFETY: One of the batch's first `nr` folios, each holding a reference of the batch,
        // which is not released while `self` is borrowed.
        Some(unsafe { folio.cast::<Folio>().as_ref() })
    }

    /// Drops the batch's references and empties it (C: `folio_batch_release()`).
    fn release(&mut self) {
        // SAFETY: `self.0` is a valid batch.
        unsafe { bindings::folio_batch_release(&mut self.0) };
    }
}

#[cfg(CONFIG_RUST_GUP_KUNIT_TEST)]
#[kunit_tests(rust_gup_longterm)]
mod tests {
    //! `memfd_pin_folios()` on an unlinked shmem file of the test's own, and the long-term check
    //! on folios that may stay pinned. Pins are released before asserting: a failed assertion
    //! returns from the test and must leave nothing behind.

    use super::*;
    use kernel::{
        fs::File,
        str::CStrExt, //
    };

    const PAGE: usize = 1 << bindings::PAGE_SHIFT;

    /// An unlinked shmem file of `pages` pages, released on drop.
    struct Shmem(ARef<File>);

    impl Shmem {
        fn new(pages: usize) -> Result<Self> {
            // CAST: A handful of pages.
            let size = (pages * PAGE) as bindings::loff_t;
            // SAFETY: A NUL-terminated name; empty VMA flags (C: `EMPTY_VMA_FLAGS`) are all
            // zero. The file returned, unless an error, is a new one (no `fdget_pos()` on it)
            // with one reference, which the `ARef` owns; `File` is `struct file`, transparently.
            unsafe {
                let file = kernel::error::from_err_ptr(bindings::shmem_file_setup(
                    c"rust_gup_kunit".as_char_ptr(),
                    size,
                    core::mem::zeroed(),
                ))?;
                let file = NonNull::new(file.cast::<File>()).ok_or(ENOMEM)?;
                Ok(Self(ARef::from_raw(file)))
            }
        }
    }

    /// What `memfd_pin_folios()` returned, with the folios it pinned, unpinned with
    /// `unpin_folios()` when dropped.
    ///
    /// # Invariants
    ///
    /// The first `self.nr` entries of `self.folios` are folios pinned once each, pins this value
    /// owns.
    struct MemfdPins<'a> {
        ret: c_long,
        nr: usize,
        folios: &'a mut [*mut bindings::folio],
    }

    impl MemfdPins<'_> {
        /// Borrows folio `i` of those pinned, `None` past them.
        fn folio(&self, i: usize) -> Option<&Folio> {
            if i >= self.nr {
                return None;
            }
            let folio = *self.folios.get(i)?;
            // SAFETY: One of the first `nr` entries, a folio pinned by the pin this value owns
            // (type invariant) while it is borrowed.
            Some(unsafe { Folio::from_raw(folio) })
        }
    }

    impl Drop for MemfdPins<'_> {
        fn drop(&mut self) {
            if self.nr == 0 {
                return;
            }
            // CAST: At most the array's length.
            // SAFETY: The first `nr` entries are pins this value owns (type invariant), given up
            // once.
            unsafe { crate::unpin_folios(self.folios.as_mut_ptr(), self.nr as c_ulong) };
        }
    }

    /// `memfd_pin_folios()` through the export, as a driver calls it, into the first `max`
    /// entries of `folios` (all of them if `max` is larger).
    fn pin<'a>(
        file: Option<&Shmem>,
        start: i64,
        end: i64,
        folios: &'a mut [*mut bindings::folio],
        max: c_uint,
        offset: &mut c_ulong,
    ) -> MemfdPins<'a> {
        // CAST: A test's array is short.
        let max = max.min(folios.len() as c_uint);
        let file = file.map_or(core::ptr::null_mut(), |f| f.0.as_ptr());
        // SAFETY: `folios` has room for `max` entries; `file` is NULL or a live file, the
        // reference of a `Shmem`.
        let ret =
            unsafe { crate::memfd_pin_folios(file, start, end, folios.as_mut_ptr(), max, offset) };
        // CAST: A count at most `max` when not negative.
        let nr = if ret > 0 { ret as usize } else { 0 };
        // INVARIANT: `memfd_pin_folios()` pinned the folios it put in the first `nr` entries,
        // and the pins are the caller's, now this value's.
        MemfdPins { ret, nr, folios }
    }

    #[test]
    fn memfd_bad_arguments() -> Result {
        let shmem = Shmem::new(4)?;
        let mut folios = [core::ptr::null_mut(); 4];
        let mut off = 0;
        let size = (4 * PAGE) as i64;
        // CAST: Widening a negative `int`.
        let einval = EINVAL.to_errno() as c_long;
        let mut ret = |file, start, end, max| pin(file, start, end, &mut folios, max, &mut off).ret;
        let results = [
            ret(Some(&shmem), -1, 10, 4),
            ret(Some(&shmem), 20, 10, 4),
            ret(Some(&shmem), 0, 10, 0),
            ret(None, 0, 10, 4),
            // `end` is inclusive and must be below the file size.
            ret(Some(&shmem), 0, size, 4),
        ];
        assert_eq!(results, [einval; 5]);
        assert!(folios.iter().all(|f| f.is_null()));
        Ok(())
    }

    #[test]
    fn memfd_allocates_and_pins() -> Result {
        let shmem = Shmem::new(4)?;
        let mut folios = [core::ptr::null_mut(); 4];
        let mut off = c_ulong::MAX;
        // The file has no folio yet: all four are allocated, then pinned.
        let end = (4 * PAGE - 1) as i64;
        let pins = pin(Some(&shmem), 100, end, &mut folios, 4, &mut off);
        let pinned = [0, 1, 2, 3].map(|i| pins.folio(i).is_some_and(|f| f.maybe_dma_pinned()));
        let distinct = (0..4).all(|i| (i + 1..4).all(|j| pins.folios[i] != pins.folios[j]));
        assert_eq!(pins.ret, 4);
        assert_eq!(off, 100);
        assert_eq!(pinned, [true; 4]);
        assert!(distinct);
        Ok(())
    }

    #[test]
    fn memfd_stops_at_max_folios() -> Result {
        let shmem = Shmem::new(4)?;
        let mut folios = [core::ptr::null_mut(); 4];
        let mut off = 0;
        let (start, end) = (PAGE as i64 + 5, (4 * PAGE - 1) as i64);
        let pins = pin(Some(&shmem), start, end, &mut folios, 2, &mut off);
        assert_eq!(pins.ret, 2);
        assert_eq!(off, 5);
        assert!(pins.folios[2].is_null());
        Ok(())
    }

    #[test]
    fn pinnable_folios_stay_pinned() -> Result {
        // A folio allocated by the kernel for itself is never in CMA or ZONE_MOVABLE, so the
        // check keeps the pin and migrates nothing.
        let owner: ARef<Folio> = kernel::page::Page::alloc_page(GFP_KERNEL)?.into();
        let folio = &*owner;
        let mut pages = [folio.page(0)];
        let _ = FolioPin::new(folio)?.into_raw();
        // SAFETY: The one entry is pinned, by the pin just handed over.
        let ret = check_and_migrate(unsafe { Pinned::pages(&mut pages) });
        let still_pinned = folio.maybe_dma_pinned();
        if ret.is_ok() {
            // SAFETY: The pin taken above, kept by a successful check, is given up.
            drop(unsafe { FolioPin::from_folio(folio) });
        }
        assert!(ret.is_ok());
        assert!(still_pinned);
        assert_eq!(pages[0], folio.page(0));
        Ok(())
    }
}
