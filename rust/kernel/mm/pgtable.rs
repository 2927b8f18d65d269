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
