// SPDX-License-Identifier: GPL-2.0

//! Page-table entries as values.
//!
//! An entry read out of a page table is a plain value: asking whether it is present, which pfn
//! it maps or whether it allows writes touches no memory, so those questions are safe methods
//! of [`Pte`], [`Pmd`], [`Pud`], [`P4d`] and [`Pgd`]. What needs `unsafe` is reading an entry
//! through a pointer into a page table, since only the caller knows that the table is still
//! there (the page-table lock, the mmap lock, or interrupts off for a lockless walker).
//!
//! C headers: [`include/linux/pgtable.h`](srctree/include/linux/pgtable.h),
//! [`include/linux/mm.h`](srctree/include/linux/mm.h) and each architecture's
//! `asm/pgtable.h`.
//!
//! # Examples
//!
//! ```
//! use kernel::mm::pgtable::Pte;
//!
//! let none = Pte::from_raw(kernel::bindings::pte_t::default());
//! assert!(none.is_none());
//! assert!(!none.is_present());
//! assert!(none.same(none));
//! ```

use crate::bindings;

/// The address of the end of the page-table entry that maps `addr`, or `end` if that comes
/// first (C: `pgd_addr_end()` and its peers).
macro_rules! addr_end_fn {
    ($(#[$meta:meta])* $name:ident, $helper:ident) => {
        $(#[$meta])*
        #[inline(always)]
        pub fn $name(addr: usize, end: usize) -> usize {
            // SAFETY: Address arithmetic; no memory is accessed.
            unsafe { bindings::$helper(addr, end) }
        }
    };
}

/// Defines safe predicates of an entry value, each calling the C function of the same name.
macro_rules! entry_predicates {
    ($ty:ident: $($(#[$meta:meta])* $name:ident => $helper:ident;)*) => {
        impl $ty {
            $(
                $(#[$meta])*
                #[inline(always)]
                pub fn $name(self) -> bool {
                    // SAFETY: A predicate on a value: no memory is accessed.
                    unsafe { bindings::$helper(self.0) }
                }
            )*
        }
    };
}

/// Defines an entry value type over its C type.
macro_rules! entry_type {
    ($(#[$meta:meta])* $ty:ident, $raw:ident, $val:ident) => {
        $(#[$meta])*
        #[repr(transparent)]
        #[derive(Clone, Copy)]
        pub struct $ty(bindings::$raw);

        impl $ty {
            /// Wraps an entry value.
            #[inline(always)]
            pub fn from_raw(entry: bindings::$raw) -> Self {
                Self(entry)
            }

            /// Returns the C value.
            #[inline(always)]
            pub fn into_raw(self) -> bindings::$raw {
                self.0
            }

            /// Returns the entry's bits, to compare two readings of one entry.
            #[inline(always)]
            pub fn val(self) -> u64 {
                // SAFETY: Reads the bits of a value.
                unsafe { bindings::$val(self.0) }
            }

            /// Returns `true` if both values have the same bits.
            #[inline(always)]
            pub fn same(self, other: Self) -> bool {
                self.val() == other.val()
            }
        }
    };
}

entry_type!(
    /// A page-table entry of the lowest level, as read (C: `pte_t`).
    Pte,
    pte_t,
    pte_val_u64
);

entry_type!(
    /// A page middle directory entry, as read (C: `pmd_t`).
    Pmd,
    pmd_t,
    pmd_val_u64
);

entry_type!(
    /// A page upper directory entry, as read (C: `pud_t`).
    Pud,
    pud_t,
    pud_val_u64
);

/// A fourth-level directory entry, as read (C: `p4d_t`).
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct P4d(bindings::p4d_t);

/// A page global directory entry, as read (C: `pgd_t`).
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct Pgd(bindings::pgd_t);

entry_predicates!(Pte:
    /// Returns `true` for an empty entry (C: `pte_none()`).
    is_none => pte_none;
    /// Returns `true` if the entry maps a page the MMU can reach, PROT_NONE included
    /// (C: `pte_present()`).
    is_present => pte_present;
    /// Returns `true` for a PROT_NONE (NUMA hinting) entry (C: `pte_protnone()`).
    is_protnone => pte_protnone;
    /// Returns `true` if the entry allows writes (C: `pte_write()`).
    is_write => pte_write;
    /// Returns `true` if the entry is dirty (C: `pte_dirty()`).
    is_dirty => pte_dirty;
    /// Returns `true` for a special entry, one without a `struct page` to refcount
    /// (C: `pte_special()`).
    is_special => pte_special;
);

impl Pte {
    /// Returns the page frame number the entry maps (C: `pte_pfn()`).
    #[inline(always)]
    pub fn pfn(self) -> usize {
        // SAFETY: Reads the bits of a value.
        unsafe { bindings::pte_pfn(self.0) }
    }

    /// Returns the `struct page` of [`Pte::pfn`] (C: `pte_page()`).
    ///
    /// The page is not accessed, and the reference is not taken.
    ///
    /// # Safety
    ///
    /// The pfn must have a `struct page` ([`pfn_valid`]): true of a present entry that is not
    /// special. (With `SPARSEMEM` and no `VMEMMAP` the lookup reads the section table, which
    /// has no entry for other pfns.)
    #[inline(always)]
    pub unsafe fn page(self) -> *mut bindings::page {
        // SAFETY: The pfn is in the memmap, by the caller's guarantee.
        unsafe { bindings::pte_page(self.0) }
    }

    /// Returns `true` if the hardware would allow the access, a write if `write`
    /// (C: `pte_access_permitted()`).
    #[inline(always)]
    pub fn access_permitted(self, write: bool) -> bool {
        // SAFETY: A predicate on a value.
        unsafe { bindings::pte_access_permitted(self.0, write) }
    }

    /// Returns the entry marked dirty (C: `pte_mkdirty()`).
    #[inline(always)]
    pub fn mkdirty(self) -> Self {
        // SAFETY: Computes a value.
        Self(unsafe { bindings::pte_mkdirty(self.0) })
    }

    /// Returns the entry marked young (C: `pte_mkyoung()`).
    #[inline(always)]
    pub fn mkyoung(self) -> Self {
        // SAFETY: Computes a value.
        Self(unsafe { bindings::pte_mkyoung(self.0) })
    }

    /// Reads the entry at `ptep` (C: `ptep_get()`).
    ///
    /// # Safety
    ///
    /// `ptep` must point to an entry of a page table that stays allocated for the read: mapped
    /// with `pte_offset_map()` and not yet unmapped.
    #[inline(always)]
    pub unsafe fn read(ptep: *mut bindings::pte_t) -> Self {
        // SAFETY: `ptep` is a mapped entry, by the caller's guarantee.
        Self(unsafe { bindings::ptep_get(ptep) })
    }

    /// Reads the entry at `ptep` without its lock, so that a concurrent update is seen either
    /// before or after, never torn (C: `ptep_get_lockless()`).
    ///
    /// # Safety
    ///
    /// As for [`Pte::read`]; lockless walkers keep the table from being freed by disabling
    /// interrupts.
    #[inline(always)]
    pub unsafe fn read_lockless(ptep: *mut bindings::pte_t) -> Self {
        // SAFETY: `ptep` is a mapped entry, by the caller's guarantee.
        Self(unsafe { bindings::ptep_get_lockless(ptep) })
    }
}

entry_predicates!(Pmd:
    /// Returns `true` for an empty entry (C: `pmd_none()`).
    is_none => pmd_none;
    /// Returns `true` if the entry points to a page table or maps a huge page the MMU can
    /// reach, PROT_NONE included (C: `pmd_present()`).
    is_present => pmd_present;
    /// Returns `true` if the entry maps a huge page rather than a page table
    /// (C: `pmd_leaf()`).
    is_leaf => pmd_leaf;
    /// Returns `true` for a PROT_NONE (NUMA hinting) entry (C: `pmd_protnone()`).
    is_protnone => pmd_protnone;
    /// Returns `true` for a transparent huge page leaf (C: `pmd_trans_huge()`).
    is_trans_huge => pmd_trans_huge;
    /// Returns `true` if the leaf allows writes (C: `pmd_write()`).
    is_write => pmd_write;
    /// Returns `true` for a special leaf, one without a `struct page` to refcount
    /// (C: `pmd_special()`).
    is_special => pmd_special;
    /// Returns `true` if the entry maps the huge zero folio (C: `is_huge_zero_pmd()`).
    is_huge_zero => is_huge_zero_pmd;
);

impl Pmd {
    /// Returns the first `struct page` the leaf maps (C: `pmd_page()`).
    ///
    /// # Safety
    ///
    /// As for [`Pte::page`]: a present leaf that is not special.
    #[inline(always)]
    pub unsafe fn page(self) -> *mut bindings::page {
        // SAFETY: The pfn is in the memmap, by the caller's guarantee.
        unsafe { bindings::pmd_page(self.0) }
    }

    /// Returns `true` if the hardware would allow the access, a write if `write`
    /// (C: `pmd_access_permitted()`).
    #[inline(always)]
    pub fn access_permitted(self, write: bool) -> bool {
        // SAFETY: A predicate on a value.
        unsafe { bindings::pmd_access_permitted(self.0, write) }
    }

    /// Reads the entry at `pmdp` (C: `pmdp_get()`).
    ///
    /// # Safety
    ///
    /// `pmdp` must point to an entry of a PMD table that stays allocated for the read.
    #[inline(always)]
    pub unsafe fn read(pmdp: *mut bindings::pmd_t) -> Self {
        // SAFETY: By the caller's guarantee.
        Self(unsafe { bindings::pmdp_get(pmdp) })
    }

    /// Reads the entry at `pmdp` without its lock, never torn (C: `pmdp_get_lockless()`).
    ///
    /// # Safety
    ///
    /// As for [`Pmd::read`].
    #[inline(always)]
    pub unsafe fn read_lockless(pmdp: *mut bindings::pmd_t) -> Self {
        // SAFETY: By the caller's guarantee.
        Self(unsafe { bindings::pmdp_get_lockless(pmdp) })
    }

    addr_end_fn!(
        /// The end of the PMD entry that maps `addr`, or `end` if that comes first
        /// (C: `pmd_addr_end()`).
        addr_end,
        pmd_addr_end
    );
}

entry_predicates!(Pud:
    /// Returns `true` for an empty entry (C: `pud_none()`).
    is_none => pud_none;
    /// Returns `true` if the entry points to a PMD table or maps a huge page
    /// (C: `pud_present()`).
    is_present => pud_present;
    /// Returns `true` if the entry maps a huge page rather than a PMD table (C: `pud_leaf()`).
    is_leaf => pud_leaf;
    /// Returns `true` for an entry that is neither empty, nor a leaf, nor a valid table
    /// (C: `pud_bad()`).
    is_bad => pud_bad;
    /// Returns `true` if the leaf allows writes (C: `pud_write()`).
    is_write => pud_write;
    /// Returns `true` for a special leaf (C: `pud_special()`).
    is_special => pud_special;
);

impl Pud {
    /// Returns the page frame number the leaf maps (C: `pud_pfn()`).
    #[inline(always)]
    pub fn pfn(self) -> usize {
        // SAFETY: Reads the bits of a value.
        unsafe { bindings::pud_pfn(self.0) }
    }

    /// Returns the first `struct page` the leaf maps (C: `pud_page()`).
    ///
    /// # Safety
    ///
    /// As for [`Pte::page`]: a present leaf that is not special.
    #[inline(always)]
    pub unsafe fn page(self) -> *mut bindings::page {
        // SAFETY: The pfn is in the memmap, by the caller's guarantee.
        unsafe { bindings::pud_page(self.0) }
    }

    /// Returns `true` if the hardware would allow the access, a write if `write`
    /// (C: `pud_access_permitted()`).
    #[inline(always)]
    pub fn access_permitted(self, write: bool) -> bool {
        // SAFETY: A predicate on a value.
        unsafe { bindings::pud_access_permitted(self.0, write) }
    }

    /// Reads the entry at `pudp` (C: `pudp_get()`).
    ///
    /// # Safety
    ///
    /// `pudp` must point to an entry of a PUD table (or a folded level's copy) that stays
    /// allocated for the read.
    #[inline(always)]
    pub unsafe fn read(pudp: *mut bindings::pud_t) -> Self {
        // SAFETY: By the caller's guarantee.
        Self(unsafe { bindings::pudp_get(pudp) })
    }

    addr_end_fn!(
        /// The end of the PUD entry that maps `addr`, or `end` if that comes first
        /// (C: `pud_addr_end()`).
        addr_end,
        pud_addr_end
    );
}

impl P4d {
    /// Wraps an entry value.
    #[inline(always)]
    pub fn from_raw(entry: bindings::p4d_t) -> Self {
        Self(entry)
    }

    /// Returns the C value.
    #[inline(always)]
    pub fn into_raw(self) -> bindings::p4d_t {
        self.0
    }

    /// Reads the entry at `p4dp` (C: `p4dp_get()`).
    ///
    /// # Safety
    ///
    /// `p4dp` must point to an entry of a P4D table (or a folded level's copy) that stays
    /// allocated for the read.
    #[inline(always)]
    pub unsafe fn read(p4dp: *mut bindings::p4d_t) -> Self {
        // SAFETY: By the caller's guarantee.
        Self(unsafe { bindings::p4dp_get(p4dp) })
    }

    addr_end_fn!(
        /// The end of the P4D entry that maps `addr`, or `end` if that comes first
        /// (C: `p4d_addr_end()`).
        addr_end,
        p4d_addr_end
    );
}

entry_predicates!(P4d:
    /// Returns `true` for an empty entry (C: `p4d_none()`).
    is_none => p4d_none;
    /// Returns `true` if the entry points to a PUD table (C: `p4d_present()`).
    is_present => p4d_present;
    /// Returns `true` for a malformed entry (C: `p4d_bad()`).
    is_bad => p4d_bad;
);

impl Pgd {
    /// Wraps an entry value.
    #[inline(always)]
    pub fn from_raw(entry: bindings::pgd_t) -> Self {
        Self(entry)
    }

    /// Returns the C value.
    #[inline(always)]
    pub fn into_raw(self) -> bindings::pgd_t {
        self.0
    }

    /// Reads the entry at `pgdp` (C: `pgdp_get()`).
    ///
    /// # Safety
    ///
    /// `pgdp` must point to an entry of the PGD of an mm that stays alive for the read.
    #[inline(always)]
    pub unsafe fn read(pgdp: *mut bindings::pgd_t) -> Self {
        // SAFETY: By the caller's guarantee.
        Self(unsafe { bindings::pgdp_get(pgdp) })
    }

    addr_end_fn!(
        /// The end of the PGD entry that maps `addr`, or `end` if that comes first
        /// (C: `pgd_addr_end()`).
        addr_end,
        pgd_addr_end
    );
}

entry_predicates!(Pgd:
    /// Returns `true` for an empty entry (C: `pgd_none()`).
    is_none => pgd_none;
    /// Returns `true` for a malformed entry (C: `pgd_bad()`).
    is_bad => pgd_bad;
);

/// Returns `true` if `pfn` has a `struct page` in the memmap (C: `pfn_valid()`).
#[inline(always)]
pub fn pfn_valid(pfn: usize) -> bool {
    // SAFETY: A lookup in the memory sections; no page is accessed.
    unsafe { bindings::pfn_valid(pfn) != 0 }
}

/// Returns `true` if `pfn` is the shared zero page's (C: `is_zero_pfn()`).
#[inline(always)]
pub fn is_zero_pfn(pfn: usize) -> bool {
    // SAFETY: Compares a number.
    unsafe { bindings::is_zero_pfn(pfn) }
}

/// Returns the `struct page` of `pfn` (C: `pfn_to_page()`).
///
/// # Safety
///
/// `pfn` must have a `struct page`: [`pfn_valid`].
#[inline(always)]
pub unsafe fn pfn_to_page(pfn: usize) -> *mut bindings::page {
    // SAFETY: The pfn is in the memmap, by the caller's guarantee.
    unsafe { bindings::pfn_to_page(pfn) }
}

// Entries of a VMA's live page tables: the page-table walk of a thread holding the mmap lock.
//
// A slot is the entry that maps one address of a VMA, at one level. The walk starts at the PGD
// ([`PgtableWalk::pgd`]) and goes down only through an entry just found to be a table, so a slot
// always points into a table that is there; reading it is safe. The tables above the PTE level
// are not freed while the mmap lock is held (and, for hugetlb, the VMA's page-table walk lock
// keeps shared PMD tables), so the slots live as long as the walk. PTE tables can go at any
// time (khugepaged retracts them under the mmap read lock): [`PmdSlot::map_lock`] maps and locks
// one, or fails, as C's `pte_offset_map_lock()`.
//
// The C helpers of the walk are in rust/helpers/pgtable.c, but for `pte_needs_soft_dirty_wp()`,
// which is mm/internal.h's: rust/helpers/gup.c has it, under CONFIG_RUST_GUP, hence the `cfg` on
// [`PresentPte::needs_soft_dirty_wp`].

pub use self::walk::{
    P4dSlot,
    PgdSlot,
    PgtableWalk,
    PmdLocked,
    PmdSlot,
    PresentPte,
    PteLocked,
    PudEntry,
    PudLocked,
    PudSlot, //
};

/// The types of a page-table walk; re-exported above.
mod walk {
    use super::{
        P4d,
        Pgd,
        Pmd,
        Pte,
        Pud, //
    };
    use crate::{
        bindings,
        mm::{
            folio::FolioPage,
            virt::VmaRef, //
        },
    };

    /// A page-table walk of one address of a VMA (C: `vma_pgtable_walk_begin()`, and
    /// `vma_pgtable_walk_end()` on drop).
    ///
    /// # Invariants
    ///
    /// The current thread holds the mmap lock of `vma`'s mm for `'a`, `addr` is in `vma`, and
    /// `vma_pgtable_walk_begin()` was called for `vma` (once; the value ends it).
    pub struct PgtableWalk<'a> {
        vma: &'a VmaRef,
        mm: *mut bindings::mm_struct,
        addr: usize,
    }

    impl<'a> PgtableWalk<'a> {
        /// Starts a walk of `addr` in `vma`: takes the hugetlb VMA lock of a hugetlb VMA, which
        /// keeps shared PMD tables from being unshared meanwhile.
        ///
        /// # Safety
        ///
        /// The current thread must hold the mmap lock of `vma`'s mm (for read or write) for `'a`,
        /// and `addr` must be in `vma`.
        #[inline(always)]
        pub unsafe fn begin(vma: &'a VmaRef, addr: usize) -> Self {
            // SAFETY: `vma` is valid and locked (type invariant of `VmaRef`).
            unsafe { bindings::vma_pgtable_walk_begin(vma.as_ptr()) };
            // INVARIANT: By the caller's guarantee; begun just above.
            Self {
                vma,
                mm: vma.mm().as_raw(),
                addr,
            }
        }

        /// The PGD entry of the address (C: `pgd_offset()`).
        #[inline(always)]
        pub fn pgd(&self) -> PgdSlot<'_> {
            // SAFETY: `mm` is valid while its mmap lock is held (type invariant); `pgd_offset()`
            // only computes the address of the entry in its PGD, which lives as long as the mm.
            let ptr = unsafe { bindings::pgd_offset(self.mm, self.addr) };
            // INVARIANT: The entry of `addr` in the PGD of `vma`'s mm; the tables above the PTE
            // level that map `addr` stay while the walk (the mmap lock, and for hugetlb the walk
            // lock) lasts, which the borrow of `self` bounds.
            PgdSlot(Slot {
                ptr,
                vma: self.vma,
                mm: self.mm,
                addr: self.addr,
            })
        }
    }

    impl Drop for PgtableWalk<'_> {
        #[inline(always)]
        fn drop(&mut self) {
            // SAFETY: Paired with the `vma_pgtable_walk_begin()` of `begin()` (type invariant).
            unsafe { bindings::vma_pgtable_walk_end(self.vma.as_ptr()) };
        }
    }

    /// What the slots of all levels hold.
    ///
    /// # Invariants
    ///
    /// `ptr` is the entry of `addr` in a table of `vma`'s mm (`mm`), at the slot's level; `addr` is
    /// in `vma`; the current thread holds `mm`'s mmap lock, and the table is not freed, for `'a`.
    struct Slot<'a, T> {
        ptr: *mut T,
        vma: &'a VmaRef,
        mm: *mut bindings::mm_struct,
        addr: usize,
    }

    impl<'a, T> Slot<'a, T> {
        /// The slot of the next level, at `ptr`.
        ///
        /// # Safety
        ///
        /// `ptr` must be the entry of the same address in the table the entry of `self` points
        /// to, which must be a table that is not freed for `'a`.
        #[inline(always)]
        unsafe fn down<U>(&self, ptr: *mut U) -> Slot<'a, U> {
            // INVARIANT: By the caller's guarantee, with the rest as in `self`.
            Slot {
                ptr,
                vma: self.vma,
                mm: self.mm,
                addr: self.addr,
            }
        }
    }

    macro_rules! slot_accessors {
        ($slot:ident, $raw:ident) => {
            impl<'a> $slot<'a> {
                /// The VMA walked.
                #[inline(always)]
                pub fn vma(&self) -> &'a VmaRef {
                    self.0.vma
                }

                /// The address walked, in [`Self::vma`].
                #[inline(always)]
                pub fn addr(&self) -> usize {
                    self.0.addr
                }

                /// The entry's address, for C calls that take it.
                #[inline(always)]
                pub fn as_ptr(&self) -> *mut bindings::$raw {
                    self.0.ptr
                }
            }
        };
    }

    /// The PGD entry of an address of a VMA, during a [`PgtableWalk`].
    pub struct PgdSlot<'a>(Slot<'a, bindings::pgd_t>);
    slot_accessors!(PgdSlot, pgd_t);

    impl<'a> PgdSlot<'a> {
        /// Reads the entry (C: `pgdp_get()`).
        #[inline(always)]
        pub fn read(&self) -> Pgd {
            // SAFETY: An entry of a table that is there for `'a` (type invariant of `Slot`).
            unsafe { Pgd::read(self.0.ptr) }
        }

        /// Reads the entry and, unless it is none or bad, returns the P4D entry of the address
        /// (C: `pgd_none() || pgd_bad()`, else `p4d_offset()`).
        ///
        /// Where the P4D level is folded into the PGD, a PGD entry is never none or bad (it is
        /// the P4D entry, checked at that level), and the entry is not read: C's compiler drops
        /// that read too, but here it is a `pgdp_get()`, which is volatile.
        #[inline(always)]
        pub fn p4d(&self) -> Option<P4dSlot<'a>> {
            // SAFETY: `mm` is valid while its mmap lock is held (type invariant of `Slot`).
            let folded = unsafe { bindings::mm_p4d_folded(self.0.mm) };
            if !folded {
                let pgd = self.read();
                if pgd.is_none() || pgd.is_bad() {
                    return None;
                }
            }
            // SAFETY: A PGD entry that is neither none nor bad points to a P4D table (or is the P4D
            // entry itself, folded); the mmap lock keeps it from being freed or cleared, as only
            // `free_pgtables()` under the mmap write lock does that.
            Some(P4dSlot(unsafe {
                self.0.down(bindings::p4d_offset(self.0.ptr, self.0.addr))
            }))
        }
    }

    /// The P4D entry of an address of a VMA, during a [`PgtableWalk`].
    pub struct P4dSlot<'a>(Slot<'a, bindings::p4d_t>);
    slot_accessors!(P4dSlot, p4d_t);

    impl<'a> P4dSlot<'a> {
        /// Reads the entry (C: `p4dp_get()`).
        #[inline(always)]
        pub fn read(&self) -> P4d {
            // SAFETY: An entry of a table that is there for `'a` (type invariant of `Slot`).
            unsafe { P4d::read(self.0.ptr) }
        }

        /// Reads the entry and, if it is present and not bad, returns the PUD entry of the address
        /// (C: `!p4d_present() || p4d_bad()`, else `pud_offset()`). P4D leaves do not exist on the
        /// architectures with Rust support.
        #[inline(always)]
        pub fn pud(&self) -> Option<PudSlot<'a>> {
            let p4d = self.read();
            if !p4d.is_present() || p4d.is_bad() {
                return None;
            }
            // SAFETY: A present P4D entry that is not bad points to a PUD table (or is the PUD
            // entry, folded), kept by the mmap lock as in `PgdSlot::p4d()`.
            Some(PudSlot(unsafe {
                self.0.down(bindings::pud_offset(self.0.ptr, self.0.addr))
            }))
        }
    }

    /// What a PUD entry is, for the walk (see [`PudSlot::classify`]).
    pub enum PudEntry<'a> {
        /// Not present, or bad.
        Hole,
        /// A leaf (a huge page, hugetlb or device-dax): look at it under [`PudSlot::lock`].
        Leaf,
        /// A table: the PMD entry of the address.
        Table(PmdSlot<'a>),
    }

    /// The PUD entry of an address of a VMA, during a [`PgtableWalk`].
    pub struct PudSlot<'a>(Slot<'a, bindings::pud_t>);
    slot_accessors!(PudSlot, pud_t);

    impl<'a> PudSlot<'a> {
        /// Reads the entry (C: `pudp_get()`).
        #[inline(always)]
        pub fn read(&self) -> Pud {
            // SAFETY: An entry of a table that is there for `'a` (type invariant of `Slot`).
            unsafe { Pud::read(self.0.ptr) }
        }

        /// Reads the entry once and tells what it is: in this order, not present, a leaf, bad, or
        /// else a table, whose PMD entry of the address it returns (C: `pud_present()`,
        /// `pud_leaf()`, `pud_bad()`, `pmd_offset()`).
        #[inline(always)]
        pub fn classify(&self) -> PudEntry<'a> {
            let pud = self.read();
            if !pud.is_present() {
                return PudEntry::Hole;
            }
            if pud.is_leaf() {
                return PudEntry::Leaf;
            }
            if pud.is_bad() {
                return PudEntry::Hole;
            }
            // SAFETY: A present PUD entry that is neither a leaf nor bad points to a PMD table
            // (or is the PMD entry, folded). The mmap lock keeps the table from being freed or
            // the entry from being cleared or made a leaf (which needs the table freed), and for
            // hugetlb the walk lock keeps a shared PMD table from being unshared
            // (`PgtableWalk`).
            PudEntry::Table(PmdSlot(unsafe {
                self.0.down(bindings::pmd_offset(self.0.ptr, self.0.addr))
            }))
        }

        /// Takes the entry's page-table lock (C: `pud_lock()`).
        #[inline(always)]
        pub fn lock(&self) -> PudLocked<'_> {
            // SAFETY: An entry of `mm`'s page tables that stays while the slot lives (type
            // invariant of `Slot`).
            let ptl = unsafe { bindings::pud_lock(self.0.mm, self.0.ptr) };
            // INVARIANT: Locked just above.
            PudLocked { slot: self, ptl }
        }
    }

    /// The PMD entry of an address of a VMA, during a [`PgtableWalk`].
    pub struct PmdSlot<'a>(Slot<'a, bindings::pmd_t>);
    slot_accessors!(PmdSlot, pmd_t);

    impl<'a> PmdSlot<'a> {
        /// Reads the entry (C: `pmdp_get()`).
        #[inline(always)]
        pub fn read(&self) -> Pmd {
            // SAFETY: An entry of a table that is there for `'a` (type invariant of `Slot`).
            unsafe { Pmd::read(self.0.ptr) }
        }

        /// Reads the entry once, without the lock (C: `pmdp_get_lockless()`).
        #[inline(always)]
        pub fn read_lockless(&self) -> Pmd {
            // SAFETY: As in `read()`.
            unsafe { Pmd::read_lockless(self.0.ptr) }
        }

        /// Takes the entry's page-table lock (C: `pmd_lock()`).
        #[inline(always)]
        pub fn lock(&self) -> PmdLocked<'_> {
            // SAFETY: An entry of `mm`'s page tables that stays while the slot lives (type
            // invariant of `Slot`).
            let ptl = unsafe { bindings::pmd_lock(self.0.mm, self.0.ptr) };
            // INVARIANT: Locked just above.
            PmdLocked { slot: self, ptl }
        }

        /// Puts a PTE table under the entry if it is none (C: `pte_alloc()`); `ENOMEM` if that
        /// fails.
        #[inline(always)]
        pub fn pte_alloc(&self) -> crate::error::Result {
            // SAFETY: An entry of `mm`'s page tables, whose mmap lock is held (type invariant of
            // `Slot`); `pte_alloc()` installs a table under the PMD lock only if the entry is none.
            if unsafe { bindings::pte_alloc(self.0.mm, self.0.ptr) } {
                return Err(crate::error::code::ENOMEM);
            }
            Ok(())
        }

        /// Maps the PTE table under the entry and takes its lock, for the address's PTE; `None` if
        /// there is no PTE table there (any more) (C: `pte_offset_map_lock()`).
        #[inline(always)]
        pub fn map_lock(&self) -> Option<PteLocked<'_>> {
            let mut ptl = core::ptr::null_mut();
            // SAFETY: An entry of `mm`'s page tables, whose mmap lock is held (type invariant of
            // `Slot`); `pte_offset_map_lock()` checks what the entry is under RCU and its lock.
            let ptep = unsafe {
                bindings::pte_offset_map_lock(self.0.mm, self.0.ptr, self.0.addr, &mut ptl)
            };
            // INVARIANT: Mapped and locked when non-NULL. (Not `then_some()`, which would build
            // the value, and drop it, unlocking, when there is nothing to unlock.)
            core::ptr::NonNull::new(ptep).map(|ptep| PteLocked {
                ptep,
                ptl,
                vma: self.0.vma,
                mm: self.0.mm,
                addr: self.0.addr,
                _slot: core::marker::PhantomData,
            })
        }
    }

    /// A [`PudSlot`] with its page-table lock held, released on drop (C: `pud_lock()`,
    /// `spin_unlock()`).
    ///
    /// # Invariants
    ///
    /// `ptl` is the lock of `slot`'s entry, held by the current thread for as long as the value
    /// lives.
    pub struct PudLocked<'s> {
        slot: &'s PudSlot<'s>,
        ptl: *mut bindings::spinlock_t,
    }

    impl<'s> PudLocked<'s> {
        /// Reads the entry, stable under the lock (C: `pudp_get()`).
        #[inline(always)]
        pub fn read(&self) -> Pud {
            self.slot.read()
        }

        /// The slot.
        #[inline(always)]
        pub fn slot(&self) -> &'s PudSlot<'s> {
            self.slot
        }
    }

    impl Drop for PudLocked<'_> {
        #[inline(always)]
        fn drop(&mut self) {
            // SAFETY: Taken by `PudSlot::lock()`, released once (type invariant).
            unsafe { bindings::spin_unlock(self.ptl) };
        }
    }

    /// A [`PmdSlot`] with its page-table lock held, released on drop (C: `pmd_lock()`,
    /// `spin_unlock()`).
    ///
    /// # Invariants
    ///
    /// `ptl` is the lock of `slot`'s entry, held by the current thread for as long as the value
    /// lives.
    pub struct PmdLocked<'s> {
        slot: &'s PmdSlot<'s>,
        ptl: *mut bindings::spinlock_t,
    }

    impl<'s> PmdLocked<'s> {
        /// Reads the entry, stable under the lock (C: `pmdp_get()`).
        #[inline(always)]
        pub fn read(&self) -> Pmd {
            self.slot.read()
        }

        /// The slot.
        #[inline(always)]
        pub fn slot(&self) -> &'s PmdSlot<'s> {
            self.slot
        }
    }

    impl Drop for PmdLocked<'_> {
        #[inline(always)]
        fn drop(&mut self) {
            // SAFETY: Taken by `PmdSlot::lock()`, released once (type invariant).
            unsafe { bindings::spin_unlock(self.ptl) };
        }
    }

    /// The PTE of an address of a VMA, its table mapped and locked; unmapped and unlocked on drop
    /// (C: `pte_offset_map_lock()`, `pte_unmap_unlock()`).
    ///
    /// # Invariants
    ///
    /// `ptep` is the entry of `addr` (in `vma`, of mm `mm`) in a PTE table mapped by
    /// `pte_offset_map_lock()`, whose lock `ptl` the current thread holds for as long as the value
    /// lives; the mmap lock of `mm` is held meanwhile.
    pub struct PteLocked<'s> {
        ptep: core::ptr::NonNull<bindings::pte_t>,
        ptl: *mut bindings::spinlock_t,
        vma: &'s VmaRef,
        mm: *mut bindings::mm_struct,
        addr: usize,
        _slot: core::marker::PhantomData<&'s PmdSlot<'s>>,
    }

    impl<'s> PteLocked<'s> {
        /// Reads the entry, stable under the lock (C: `ptep_get()`).
        #[inline(always)]
        pub fn read(&self) -> Pte {
            // SAFETY: Mapped and locked (type invariant).
            unsafe { Pte::read(self.ptep.as_ptr()) }
        }

        /// The entry's address, for C calls that update it.
        #[inline(always)]
        pub fn as_ptr(&self) -> *mut bindings::pte_t {
            self.ptep.as_ptr()
        }

        /// The VMA walked.
        #[inline(always)]
        pub fn vma(&self) -> &'s VmaRef {
            self.vma
        }

        /// The mm of [`Self::vma`], for C calls.
        #[inline(always)]
        pub fn mm(&self) -> *mut bindings::mm_struct {
            self.mm
        }

        /// The address walked.
        #[inline(always)]
        pub fn addr(&self) -> usize {
            self.addr
        }
    }

    impl Drop for PteLocked<'_> {
        #[inline(always)]
        fn drop(&mut self) {
            // SAFETY: Mapped and locked by `PmdSlot::map_lock()`, released once (type invariant).
            unsafe { bindings::pte_unmap_unlock(self.ptep.as_ptr(), self.ptl) };
        }
    }

    impl<'s> PteLocked<'s> {
        /// Reads the entry (C: `ptep_get()`) and, if it is present (C: `pte_present()`),
        /// returns it tied to the lock; else returns the value.
        #[inline(always)]
        pub fn read_present(&self) -> Result<PresentPte<'_>, Pte> {
            let pte = self.read();
            if !pte.is_present() {
                return Err(pte);
            }
            // INVARIANT: Read from `self`'s entry under its lock, just found present.
            Ok(PresentPte { pte, locked: self })
        }
    }

    /// A present PTE read under its lock, which it borrows (see [`PteLocked::read_present`]).
    ///
    /// # Invariants
    ///
    /// `pte` is the value of `locked`'s entry, present, read under the lock; the entry does not
    /// change while the lock is held (but for hardware-set young and dirty bits).
    pub struct PresentPte<'s> {
        pte: Pte,
        locked: &'s PteLocked<'s>,
    }

    impl<'s> PresentPte<'s> {
        /// The value.
        #[inline(always)]
        pub fn value(&self) -> Pte {
            self.pte
        }

        /// The locked entry it was read from.
        #[inline(always)]
        pub fn locked(&self) -> &'s PteLocked<'s> {
            self.locked
        }

        /// The page the entry maps, if it is a normal one (C: `vm_normal_page()`): `None` for
        /// special entries (pfn maps, the zero page) and pages without a `struct page`.
        #[inline(always)]
        pub fn normal_page(&self) -> Option<&'s FolioPage> {
            // SAFETY: `vma` is locked and `pte` its present entry of `addr`, read under the PTE
            // lock (type invariants).
            let page = unsafe {
                bindings::vm_normal_page(
                    self.locked.vma.as_ptr(),
                    self.locked.addr,
                    self.pte.into_raw(),
                )
            };
            // SAFETY: A normal page mapped by the entry; the PTE lock, held for `'s`, keeps it
            // mapped, so its folio stays referenced and is not split.
            (!page.is_null()).then(|| unsafe { FolioPage::from_raw(page) })
        }

        /// Whether a write must fault first, to track soft-dirty (C:
        /// `pte_needs_soft_dirty_wp()`); reads only the VMA's flags and the value.
        #[cfg(CONFIG_RUST_GUP)]
        #[inline(always)]
        pub fn needs_soft_dirty_wp(&self) -> bool {
            // SAFETY: `vma` is locked (type invariants), which keeps its flags readable.
            unsafe {
                bindings::pte_needs_soft_dirty_wp(self.locked.vma.as_ptr(), self.pte.into_raw())
            }
        }

        /// Whether the entry is write-protected by userfaultfd (C: `userfaultfd_pte_wp()`).
        #[inline(always)]
        pub fn is_uffd_wp(&self) -> bool {
            // SAFETY: `vma` is locked (type invariants); the call reads its `VM_UFFD_WP` flag and
            // the value's uffd-wp bit.
            unsafe { bindings::userfaultfd_pte_wp(self.locked.vma.as_ptr(), self.pte.into_raw()) }
        }
    }

    impl Pte {
        /// The shared zero page, if the entry maps it (C: `is_zero_pfn(pte_pfn())`, then
        /// `pte_page()`).
        #[inline(always)]
        pub fn zero_page(self) -> Option<&'static FolioPage> {
            if !super::is_zero_pfn(self.pfn()) {
                return None;
            }
            // SAFETY: The zero page has a `struct page`, and is never freed or split.
            Some(unsafe { FolioPage::from_raw(self.page()) })
        }
    }
}
