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

use kernel::{
    bindings,
    ffi::{
        c_int,
        c_long,
        c_uint,
        c_ulong, //
    },
    prelude::*,
};

use crate::{
    flags::{
        Foll,
        FollFlags, //
    },
    folio::{
        Folio,
        PagePtr, //
    },
    follow::{
        self,
        MmPtr,
        PagesOut, //
    },
    pin,
};

/// `PF_MEMALLOC_PIN` set for the current task while it lives: allocations it makes (faults taken
/// by the slow path, migration targets) avoid memory that must stay movable
/// (C: `memalloc_pin_save()`/`memalloc_pin_restore()`).
struct MemallocPin(c_uint);

impl MemallocPin {
    fn save() -> Self {
        // SAFETY: Sets a flag of `current`, in process context.
        Self(unsafe { bindings::gup_memalloc_pin_save() })
    }
}

impl Drop for MemallocPin {
    fn drop(&mut self) {
        // SAFETY: Restores what `save()` returned, on the same task.
        unsafe { bindings::gup_memalloc_pin_restore(self.0) };
    }
}

/// The slow path with `FOLL_LONGTERM` handled: pins, then migrates what may not stay pinned and
/// pins again, until every folio of the range may be pinned long term
/// (C: `__gup_longterm_locked()`).
///
/// Without `FOLL_LONGTERM` this is the slow path. Returns as
/// [`follow::get_user_pages_locked`] does; on a migration failure, the errno, with nothing left
/// pinned.
///
/// # Safety
///
/// As for [`follow::get_user_pages_locked`]: `mm` valid, `pages` NULL or with room for
/// `nr_pages` entries (never NULL with `FOLL_LONGTERM`, which implies `FOLL_PIN`), `*locked` the
/// caller's lock state.
///
/// Inlined: without `FOLL_LONGTERM` this is the slow path and nothing more, and the entry points
/// go straight to it, as C's do.
#[inline(always)]
pub(crate) unsafe fn gup_longterm_locked(
    mm: MmPtr,
    start: usize,
    nr_pages: usize,
    pages: *mut PagePtr,
    locked: &mut c_int,
    flags: FollFlags,
) -> c_long {
    if !flags.contains(Foll::Longterm) {
        // SAFETY: By the caller's guarantee.
        return unsafe { slow_path(mm, start, nr_pages, pages, locked, flags) };
    }
    // SAFETY: By the caller's guarantee.
    unsafe { gup_longterm_migrate(mm, start, nr_pages, pages, locked, flags) }
}

/// The slow path on the caller's page array (NULL for none).
///
/// # Safety
///
/// As for [`gup_longterm_locked`].
#[inline(always)]
unsafe fn slow_path(
    mm: MmPtr,
    start: usize,
    nr_pages: usize,
    pages: *mut PagePtr,
    locked: &mut c_int,
    flags: FollFlags,
) -> c_long {
    // SAFETY: By the caller's guarantee.
    unsafe {
        follow::get_user_pages_locked(
            mm,
            start,
            nr_pages,
            PagesOut::from_raw(pages, nr_pages),
            locked,
            flags,
        )
    }
}

/// [`gup_longterm_locked`], not inlined: for GUP-fast's fallback to the slow path, so that the
/// lockless walk's function does not carry the slow path in its frame and registers (C calls
/// `__gup_longterm_locked()` there).
///
/// # Safety
///
/// As for [`gup_longterm_locked`].
#[inline(never)]
pub(crate) unsafe fn gup_longterm_locked_call(
    mm: MmPtr,
    start: usize,
    nr_pages: usize,
    pages: *mut PagePtr,
    locked: &mut c_int,
    flags: FollFlags,
) -> c_long {
    // SAFETY: By the caller's guarantee.
    unsafe { gup_longterm_locked(mm, start, nr_pages, pages, locked, flags) }
}

/// [`gup_longterm_locked`] with `FOLL_LONGTERM`: the slow path, then the migration of what it
/// pinned where it may not stay, until all of it may.
///
/// # Safety
///
/// As for [`gup_longterm_locked`].
#[inline(never)]
unsafe fn gup_longterm_migrate(
    mm: MmPtr,
    start: usize,
    nr_pages: usize,
    pages: *mut PagePtr,
    locked: &mut c_int,
    flags: FollFlags,
) -> c_long {
    let _pin = MemallocPin::save();
    loop {
        // SAFETY: By the caller's guarantee.
        let nr_pinned = unsafe { slow_path(mm, start, nr_pages, pages, locked, flags) };
        if nr_pinned <= 0 {
            return nr_pinned;
        }
        // CAST: Positive, and at most `nr_pages`.
        let pinned = Pinned::Pages(pages, nr_pinned as usize);
        // SAFETY: The slow path filled the first `nr_pinned` entries with pins (FOLL_LONGTERM
        // implies FOLL_PIN), which are handed over.
        match unsafe { check_and_migrate(&pinned) } {
            Ok(()) => return nr_pinned,
            Err(e) if e == EAGAIN => continue,
            Err(e) => return follow::errno_long(e),
        }
    }
}

/// A caller's array of pins to check: pages from GUP, or folios from `memfd_pin_folios()`
/// (C: `struct pages_or_folios`).
enum Pinned {
    /// `len` pinned pages, one pin each; pages of one large folio may follow each other.
    Pages(*mut PagePtr, usize),
    /// `len` pinned folios, one pin each, all different.
    Folios(*mut *mut bindings::folio, usize),
}

// Without `CONFIG_MIGRATION` nothing is checked, so only the constructors are used.
#[cfg_attr(not(CONFIG_MIGRATION), allow(dead_code))]
impl Pinned {
    fn len(&self) -> usize {
        match *self {
            Self::Pages(_, len) | Self::Folios(_, len) => len,
        }
    }

    /// The folio of entry `i < len`, which must not have been cleared.
    ///
    /// # Safety
    ///
    /// `i < self.len()`, and entry `i` is still pinned (not cleared), for as long as the
    /// folio returned is used.
    unsafe fn folio<'a>(&self, i: usize) -> &'a Folio {
        match *self {
            // SAFETY: Entry `i` is in the array and is a pinned page.
            Self::Pages(pages, _) => unsafe { Folio::from_page(pages.add(i).read()) },
            // SAFETY: Entry `i` is in the array and is a pinned folio.
            Self::Folios(folios, _) => unsafe { Folio::from_raw(folios.add(i).read()) },
        }
    }

    /// Forgets entry `i`, whose pin the caller has dropped or converted (C: `pofs_clear_entry()`).
    ///
    /// # Safety
    ///
    /// `i < self.len()`.
    unsafe fn clear(&self, i: usize) {
        match *self {
            // SAFETY: Entry `i` is in the caller's array, which is writable.
            Self::Pages(pages, _) => unsafe { pages.add(i).write(core::ptr::null_mut()) },
            // SAFETY: As above.
            Self::Folios(folios, _) => unsafe { folios.add(i).write(core::ptr::null_mut()) },
        }
    }

    /// The index after the entries of `folio`, the folio of entry `i` (C: `pofs_next_folio()`):
    /// consecutive pages of one large folio are looked at once.
    ///
    /// # Safety
    ///
    /// Entries `i..len` are pinned.
    unsafe fn next(&self, folio: &Folio, i: usize) -> usize {
        let mut next = i + 1;
        if let Self::Pages(pages, len) = *self {
            if folio.is_large() {
                // SAFETY: `folio` is pinned, so its head page is valid.
                let start_pfn = unsafe { bindings::page_to_pfn(folio.page(0)) };
                let end_pfn = start_pfn + folio.nr_pages();
                while next < len {
                    // SAFETY: Entry `next < len` is a pinned page.
                    let pfn = unsafe { bindings::page_to_pfn(pages.add(next).read()) };
                    if !(start_pfn..end_pfn).contains(&pfn) {
                        break;
                    }
                    next += 1;
                }
            }
        }
        next
    }

    /// Drops every pin still held (C: `pofs_unpin()`).
    ///
    /// # Safety
    ///
    /// Every non-NULL entry is a pin the caller holds and gives up.
    unsafe fn unpin_all(&self) {
        match *self {
            Self::Pages(pages, len) => {
                // SAFETY: The array holds `len` entries.
                let pages = unsafe { pin::PageArray::from_raw(pages, len) };
                // SAFETY: By the caller's guarantee.
                unsafe { pin::unpin_pages(&pages, false) };
            }
            // SAFETY: By the caller's guarantee.
            Self::Folios(folios, len) => unsafe { pin::unpin_folio_array(folios, len) },
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
/// # Safety
///
/// Every entry of `pinned` is a pin the caller holds; on `Err` the pins are given up.
#[cfg(CONFIG_MIGRATION)]
unsafe fn check_and_migrate(pinned: &Pinned) -> Result {
    let mut movable = ListHead::new();
    // SAFETY: `movable` is not moved again while the list is in use (it lives in this frame).
    let list = unsafe { movable.init() };
    // SAFETY: The entries are pinned, by the caller's guarantee.
    let collected = unsafe { collect_unpinnable(pinned, list) };
    if collected == 0 {
        return Ok(());
    }
    // SAFETY: As above; `list` holds the isolated folios.
    unsafe { migrate_unpinnable(pinned, list) }
}

/// Without `CONFIG_MIGRATION` nothing can be moved, so everything stays pinned.
///
/// # Safety
///
/// None needed; kept `unsafe` like the migrating version.
#[cfg(not(CONFIG_MIGRATION))]
unsafe fn check_and_migrate(_pinned: &Pinned) -> Result {
    Ok(())
}

/// An empty C list head on the stack (C: `LIST_HEAD()`).
#[cfg(CONFIG_MIGRATION)]
struct ListHead(bindings::list_head);

#[cfg(CONFIG_MIGRATION)]
impl ListHead {
    fn new() -> Self {
        Self(bindings::list_head {
            next: core::ptr::null_mut(),
            prev: core::ptr::null_mut(),
        })
    }

    /// Makes the list empty (pointing to itself) and returns a pointer to it.
    ///
    /// # Safety
    ///
    /// `self` must not move while the returned pointer is used.
    unsafe fn init(&mut self) -> *mut bindings::list_head {
        let head = &raw mut self.0;
        // SAFETY: `head` is valid for writes.
        unsafe { bindings::INIT_LIST_HEAD(head) };
        head
    }
}

/// Whether `folio` holds references beyond its mappings, its cache and the pin it is checked
/// for, which an LRU drain may give back.
#[cfg(CONFIG_MIGRATION)]
fn has_extra_refs(folio: &Folio, pin_refs: i32) -> bool {
    // SAFETY: `folio` is pinned, hence valid.
    let cached = unsafe { bindings::gup_folio_may_be_lru_cached(folio.as_ptr()) };
    // SAFETY: As above.
    let expected = unsafe { bindings::gup_folio_expected_ref_count(folio.as_ptr()) };
    cached && folio.ref_count() != expected.wrapping_add(pin_refs)
}

/// Puts every folio of `pinned` that may not be pinned long term on `list` (isolated from the
/// LRU, or from the hugetlb active list) as far as it can be isolated, and returns how many
/// there were, isolated or not (C: `collect_longterm_unpinnable_folios()`).
///
/// # Safety
///
/// Every entry of `pinned` is a pin held by the caller; `list` is a valid list head.
#[cfg(CONFIG_MIGRATION)]
unsafe fn collect_unpinnable(pinned: &Pinned, list: *mut bindings::list_head) -> usize {
    let mut collected = 0usize;
    let mut drained = 0;
    let mut i = 0;
    while i < pinned.len() {
        // SAFETY: `i < len` and nothing has been cleared yet.
        let folio = unsafe { pinned.folio(i) };
        // SAFETY: Entries from `i` on are pinned.
        i = unsafe { pinned.next(folio, i) };
        let pin_refs = if folio.has_pincount() {
            1
        } else {
            pin::PIN_BIAS
        };
        if folio.is_longterm_pinnable() {
            continue;
        }
        collected += 1;
        // SAFETY: `folio` is pinned, hence valid.
        if unsafe { bindings::gup_folio_is_device_coherent(folio.as_ptr()) } {
            // Migrated by `migrate_unpinnable()`, pin by pin.
            continue;
        }
        if folio.is_hugetlb() {
            // A folio that cannot be isolated stays where it is; the next round sees it again.
            // SAFETY: `folio` is valid and `list` a valid list head.
            unsafe { bindings::gup_folio_isolate_hugetlb(folio.as_ptr(), list) };
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
        // SAFETY: `folio` is valid; on success the isolation holds a reference of its own.
        if !unsafe { bindings::folio_isolate_lru(folio.as_ptr()) } {
            continue;
        }
        // SAFETY: `folio` was just isolated, so its `lru` links are free to use.
        unsafe { bindings::gup_folio_list_add_tail(folio.as_ptr(), list) };
        // SAFETY: As above.
        let file = unsafe { bindings::gup_folio_is_file_lru(folio.as_ptr()) };
        // CAST: `folio_is_file_lru()` is 0 or 1, a node_stat_item offset; a folio has at most
        // `1 << MAX_PAGE_ORDER` pages.
        folio.node_stat_mod(
            bindings::node_stat_item_NR_ISOLATED_ANON + file as bindings::node_stat_item,
            folio.nr_pages() as i32,
        );
    }
    collected
}

/// Drops every pin of `pinned` and migrates the folios on `list` and the device-coherent ones
/// (C: `migrate_longterm_unpinnable_folios()`).
///
/// Returns `EAGAIN` when everything was migrated, so the caller pins again; another error if
/// migration failed. Every pin is gone either way, and `list` is empty.
///
/// # Safety
///
/// Every entry of `pinned` is a pin held by the caller, which gives them up; `list` holds the
/// folios [`collect_unpinnable`] isolated.
#[cfg(CONFIG_MIGRATION)]
unsafe fn migrate_unpinnable(pinned: &Pinned, list: *mut bindings::list_head) -> Result {
    let ret = 'migrate: {
        for i in 0..pinned.len() {
            // SAFETY: `i < len`, and entry `i` has not been cleared yet.
            let folio = unsafe { pinned.folio(i) };
            // SAFETY: `folio` is pinned, hence valid.
            if unsafe { bindings::gup_folio_is_device_coherent(folio.as_ptr()) } {
                // Migration fails on a pinned folio: turn the pin into a plain reference, which
                // the migration drops.
                // SAFETY: `i < len`.
                unsafe { pinned.clear(i) };
                // SAFETY: One reference, which the migration below consumes.
                unsafe { folio.ref_add(1) };
                // SAFETY: The pin of entry `i` is given up; the reference keeps `folio` alive.
                unsafe { pin::put_folio(folio, 1, Foll::Pin.into()) };
                // SAFETY: `folio` is a device-coherent folio we hold a reference on.
                if unsafe { migrate_device_coherent(folio) } {
                    break 'migrate EBUSY;
                }
                continue;
            }
            // A folio with unexpected references cannot be migrated, so drop the pin; folios on
            // `list` are kept alive by their isolation reference.
            // SAFETY: `i < len`.
            unsafe { pinned.clear(i) };
            // SAFETY: The pin of entry `i` is given up.
            unsafe { pin::put_folio(folio, 1, Foll::Pin.into()) };
        }

        // SAFETY: `list` is a valid list head.
        if unsafe { (*list).next } != list {
            // SAFETY: All-zero is a valid `migration_target_control` (integers and a NULL node
            // mask), completed below.
            let mut mtc: bindings::migration_target_control = unsafe { core::mem::zeroed() };
            mtc.nid = bindings::NUMA_NO_NODE;
            mtc.gfp_mask = bindings::GUP_GFP_LONGTERM_MIGRATE;
            mtc.reason = bindings::migrate_reason_MR_LONGTERM_PIN;
            // SAFETY: `list` holds isolated folios; `alloc_migration_target()` takes a
            // `migration_target_control` as its private argument, which outlives the call.
            let failed = unsafe {
                bindings::migrate_pages(
                    list,
                    Some(bindings::alloc_migration_target),
                    None,
                    &raw mut mtc as usize,
                    bindings::migrate_mode_MIGRATE_SYNC,
                    bindings::migrate_reason_MR_LONGTERM_PIN as c_int,
                    core::ptr::null_mut(),
                )
            };
            if failed != 0 {
                break 'migrate ENOMEM;
            }
        }
        // SAFETY: `list` is a valid list head; whatever is left on it goes back to the LRU.
        unsafe { bindings::putback_movable_pages(list) };
        return Err(EAGAIN);
    };
    // SAFETY: The entries not cleared above are pins still held.
    unsafe { pinned.unpin_all() };
    // SAFETY: As above.
    unsafe { bindings::putback_movable_pages(list) };
    Err(ret)
}

/// Migrates a device-coherent folio to system memory; `true` if that failed.
///
/// # Safety
///
/// The caller holds a reference on `folio`, which the migration consumes.
#[cfg(all(CONFIG_MIGRATION, CONFIG_DEVICE_MIGRATION))]
unsafe fn migrate_device_coherent(folio: &Folio) -> bool {
    // SAFETY: By the caller's guarantee.
    unsafe { bindings::migrate_device_coherent_folio(folio.as_ptr()) != 0 }
}

/// Without `CONFIG_DEVICE_MIGRATION` there is no `ZONE_DEVICE`, hence no device-coherent folio
/// to get here.
///
/// # Safety
///
/// None needed.
#[cfg(all(CONFIG_MIGRATION, not(CONFIG_DEVICE_MIGRATION)))]
unsafe fn migrate_device_coherent(_folio: &Folio) -> bool {
    true
}

/// Pins the folios of a shmem or hugetlbfs memfd for the byte range `start..=end`, allocating
/// the missing ones, and migrates them first where they may not stay pinned
/// (C: `memfd_pin_folios()`).
///
/// Returns the number of folios pinned (at most `max_folios`, fewer when large folios cover the
/// range) with `*offset` the offset of `start` in the first one; or a negative errno with nothing
/// pinned. The pins are long-term ones, released with `unpin_folios()` or `unpin_folio()`.
///
/// # Safety
///
/// `memfd` NULL or a valid file; `folios` with room for `max_folios` entries; `offset` valid for
/// writes.
pub(crate) unsafe fn memfd_pin_folios(
    memfd: *mut bindings::file,
    start: i64,
    end: i64,
    folios: *mut *mut bindings::folio,
    max_folios: c_uint,
    offset: *mut c_ulong,
) -> Result<c_uint> {
    if start < 0 || start > end || max_folios == 0 || memfd.is_null() {
        return Err(EINVAL);
    }
    // SAFETY: `memfd` is a valid file.
    let (shmem, hugetlb) = unsafe {
        (
            bindings::gup_shmem_file(memfd),
            bindings::gup_is_file_hugepages(memfd),
        )
    };
    if !shmem && !hugetlb {
        return Err(EINVAL);
    }
    // SAFETY: As above.
    if end >= unsafe { bindings::gup_file_i_size(memfd) } {
        return Err(EINVAL);
    }
    // Page-cache indices are in base pages, also for hugetlbfs: an index is the first page of
    // its folio, found by rounding down to the huge page size.
    let (shift, order) = if hugetlb {
        // SAFETY: A hugetlbfs file.
        let order = unsafe { bindings::gup_file_huge_page_order(memfd) };
        (bindings::PAGE_SHIFT + order, order)
    } else {
        (bindings::PAGE_SHIFT, 0)
    };
    // CAST: `0 <= start <= end`, and `loff_t` fits the 64-bit `pgoff_t`.
    let (start, end) = (start as usize, end as usize);
    let first = (start >> shift) << order;
    let last = (end >> shift) << order;

    let _pin = MemallocPin::save();
    loop {
        // SAFETY: By the caller's guarantee.
        let nr = unsafe { memfd_pin_range(memfd, start, first, last, folios, max_folios, offset) }?;
        // SAFETY: The first `nr` entries of `folios` are pins, which are handed over.
        match unsafe { check_and_migrate(&Pinned::Folios(folios, nr as usize)) } {
            Ok(()) => return Ok(nr),
            Err(e) if e == EAGAIN => continue,
            Err(e) => return Err(e),
        }
    }
}

/// One round of [`memfd_pin_folios`]: pins the folios from page-cache index `first` to `last`,
/// allocating missing ones, until `max_folios` are pinned; returns how many.
///
/// # Safety
///
/// As for [`memfd_pin_folios`], with `memfd` a valid shmem or hugetlbfs file.
unsafe fn memfd_pin_range(
    memfd: *mut bindings::file,
    start: usize,
    first: usize,
    last: usize,
    folios: *mut *mut bindings::folio,
    max_folios: c_uint,
    offset: *mut c_ulong,
) -> Result<c_uint> {
    let mut nr: c_uint = 0;
    let mut idx = first;
    // A folio allocated into the page cache below, whose allocation reference is dropped once
    // the next lookup has found (and pinned) it.
    let mut allocated: *mut bindings::folio = core::ptr::null_mut();
    let mut fbatch = FolioBatch::new();
    let err = 'pin: {
        while idx <= last && nr < max_folios {
            // In most cases the folios are in the page cache; a missing one is allocated and
            // added to it, then found by the next lookup.
            // SAFETY: `memfd` is valid and so is its mapping; `fbatch` is an initialised batch.
            let found = unsafe {
                bindings::filemap_get_folios_contig(
                    (*memfd).f_mapping,
                    &mut idx,
                    last,
                    &mut fbatch.0,
                )
            };
            if !allocated.is_null() {
                // SAFETY: `allocated` is the folio `memfd_alloc_folio()` returned with a reference,
                // which is dropped here.
                unsafe { Folio::from_raw(allocated).put_refs(1) };
                allocated = core::ptr::null_mut();
            }
            for i in 0..found as usize {
                let folio = fbatch.0.folios[i];
                // SAFETY: The batch holds a reference on each of its first `found` folios, until
                // it is released below; one pin, not a negative count.
                if unsafe { pin::try_grab_folio(Folio::from_raw(folio), 1, Foll::Pin.into()) }
                    .is_err()
                {
                    fbatch.release();
                    break 'pin EINVAL;
                }
                if nr == 0 {
                    // C: `offset_in_folio(folio, start)`.
                    // SAFETY: Pinned just above.
                    let size = unsafe { Folio::from_raw(folio) }.nr_pages() << bindings::PAGE_SHIFT;
                    // SAFETY: `offset` is valid for writes by the caller's guarantee.
                    unsafe { offset.write(start & (size - 1)) };
                }
                // SAFETY: `nr < max_folios`, the room `folios` has.
                unsafe { folios.add(nr as usize).write(folio) };
                nr += 1;
                if nr == max_folios {
                    break;
                }
            }
            fbatch.release();
            if found == 0 {
                // SAFETY: `memfd` is a valid shmem or hugetlbfs file, `idx` an index in it.
                let folio = unsafe { bindings::gup_memfd_alloc_folio(memfd, idx) };
                match kernel::error::from_err_ptr(folio) {
                    Ok(folio) => allocated = folio,
                    // Someone else added it meanwhile: the next lookup finds it.
                    Err(e) if e == EEXIST => {}
                    Err(e) => break 'pin e,
                }
            }
        }
        if !allocated.is_null() {
            // Not reached (the lookup after an allocation drops its reference), but a reference
            // must never leak.
            // SAFETY: As above.
            unsafe { Folio::from_raw(allocated).put_refs(1) };
        }
        return Ok(nr);
    };
    // SAFETY: The first `nr` entries are pins taken above.
    unsafe { pin::unpin_folio_array(folios, nr as usize) };
    Err(err)
}

/// A `struct folio_batch` on the stack, each folio in it holding a reference.
struct FolioBatch(bindings::folio_batch);

impl FolioBatch {
    fn new() -> Self {
        // SAFETY: An all-zero batch is an empty one (C: `folio_batch_init()`).
        Self(unsafe { core::mem::zeroed() })
    }

    /// Drops the batch's references and empties it (C: `folio_batch_release()`).
    fn release(&mut self) {
        // SAFETY: `self.0` is a valid batch.
        unsafe { bindings::gup_folio_batch_release(&mut self.0) };
    }
}

#[cfg(CONFIG_RUST_GUP_KUNIT_TEST)]
#[kunit_tests(rust_gup_longterm)]
mod tests {
    //! `memfd_pin_folios()` on an unlinked shmem file of the test's own, and the long-term check
    //! on folios that may stay pinned. Pins are released before asserting: a failed assertion
    //! returns from the test and must leave nothing behind.

    use super::*;
    use kernel::str::CStrExt;

    const PAGE: usize = 1 << bindings::PAGE_SHIFT;

    /// An unlinked shmem file of `pages` pages, released on drop.
    struct Shmem(*mut bindings::file);

    impl Shmem {
        fn new(pages: usize) -> Result<Self> {
            // CAST: A handful of pages.
            let size = (pages * PAGE) as bindings::loff_t;
            // SAFETY: A NUL-terminated name; empty VMA flags (C: `EMPTY_VMA_FLAGS`) are all
            // zero.
            let file = unsafe {
                bindings::shmem_file_setup(
                    c"rust_gup_kunit".as_char_ptr(),
                    size,
                    core::mem::zeroed(),
                )
            };
            kernel::error::from_err_ptr(file).map(Self)
        }
    }

    impl Drop for Shmem {
        fn drop(&mut self) {
            // SAFETY: The reference `shmem_file_setup()` returned.
            unsafe { bindings::fput(self.0) };
        }
    }

    /// `memfd_pin_folios()` through the export, as a driver calls it.
    fn pin(
        file: *mut bindings::file,
        start: i64,
        end: i64,
        folios: &mut [*mut bindings::folio],
        max: c_uint,
        offset: &mut c_ulong,
    ) -> c_long {
        assert!(max as usize <= folios.len());
        // SAFETY: `folios` has room for `max` entries; `file` is NULL or a live file.
        unsafe { crate::memfd_pin_folios(file, start, end, folios.as_mut_ptr(), max, offset) }
    }

    #[test]
    fn memfd_bad_arguments() -> Result {
        let shmem = Shmem::new(4)?;
        let mut folios = [core::ptr::null_mut(); 4];
        let mut off = 0;
        let size = (4 * PAGE) as i64;
        // CAST: Widening a negative `int`.
        let einval = EINVAL.to_errno() as c_long;
        let results = [
            pin(shmem.0, -1, 10, &mut folios, 4, &mut off),
            pin(shmem.0, 20, 10, &mut folios, 4, &mut off),
            pin(shmem.0, 0, 10, &mut folios, 0, &mut off),
            pin(core::ptr::null_mut(), 0, 10, &mut folios, 4, &mut off),
            // `end` is inclusive and must be below the file size.
            pin(shmem.0, 0, size, &mut folios, 4, &mut off),
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
        let nr = pin(
            shmem.0,
            100,
            (4 * PAGE - 1) as i64,
            &mut folios,
            4,
            &mut off,
        );
        let pinned = folios.map(|f| {
            // SAFETY: Each non-NULL entry is a folio pinned above.
            unsafe { crate::folio::folio_from_c(f) }.is_some_and(|f| f.maybe_dma_pinned())
        });
        let distinct = (0..4).all(|i| (i + 1..4).all(|j| folios[i] != folios[j]));
        if nr > 0 {
            // CAST: At most 4.
            // SAFETY: The first `nr` entries are pins taken above.
            unsafe { crate::unpin_folios(folios.as_mut_ptr(), nr as usize) };
        }
        assert_eq!(nr, 4);
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
        let nr = pin(
            shmem.0,
            PAGE as i64 + 5,
            (4 * PAGE - 1) as i64,
            &mut folios,
            2,
            &mut off,
        );
        if nr > 0 {
            // CAST: At most 2.
            // SAFETY: The first `nr` entries are pins taken above.
            unsafe { crate::unpin_folios(folios.as_mut_ptr(), nr as usize) };
        }
        assert_eq!(nr, 2);
        assert_eq!(off, 5);
        assert!(folios[2].is_null());
        Ok(())
    }

    #[test]
    fn pinnable_folios_stay_pinned() -> Result {
        // A folio allocated by the kernel for itself is never in CMA or ZONE_MOVABLE, so the
        // check keeps the pin and migrates nothing.
        let page = kernel::page::Page::alloc_page(GFP_KERNEL)?;
        // SAFETY: `page` owns a reference.
        let folio = unsafe { Folio::from_page(page.as_ptr()) };
        // SAFETY: One pin.
        unsafe { pin::try_grab_folio(folio, 1, Foll::Pin.into()) }?;
        let mut pages = [page.as_ptr()];
        // SAFETY: The one entry is pinned.
        let ret = unsafe { check_and_migrate(&Pinned::Pages(pages.as_mut_ptr(), 1)) };
        let still_pinned = folio.maybe_dma_pinned();
        if ret.is_ok() {
            // SAFETY: The pin taken above, kept by a successful check.
            unsafe { pin::put_folio(folio, 1, Foll::Pin.into()) };
        }
        assert!(ret.is_ok());
        assert!(still_pinned);
        assert_eq!(pages[0], page.as_ptr());
        Ok(())
    }
}
