// SPDX-License-Identifier: GPL-2.0

//! The lockless page-table walk's types: what GUP-fast may read with interrupts off.
//!
//! C original: the pointer arithmetic of `gup_fast_pgd_range()` and the levels below it in
//! `mm/gup.c` (`pgd_offset()`, `p?d_offset_lockless()`, `pte_offset_map()`).
//!
//! With interrupts disabled on this CPU, the page tables of the current mm cannot be freed (see
//! the documentation of `mm/gup/fast.rs`), and neither can the memmap. [`IrqsOff`] is the proof
//! that interrupts are off, borrowed for the section; everything reachable from the current mm's
//! PGD through it lives at least as long:
//!
//! - [`Entries`] is a cursor over the entries of one level that map `[addr, end)`, a range that
//!   lies under one entry of the level above: reading the entry at the cursor is safe, and
//!   moving on stops at `end`, so safe code cannot read outside the table;
//! - [`Entry`] is an entry as read (a copy) with the slot it was read from and the part of the
//!   range under it. Only a present table entry ([`Table`]), classified by the very checks the
//!   walk makes, leads to the level below, and that level's cursor borrows the copy (on a
//!   folded level, the next level's "table" is that copy: see `p4d_offset_lockless()`);
//! - [`PteTable`] maps the PTE table under a PMD for `[addr, end)` and unmaps it when dropped;
//!   [`Ptes`] and [`PteRun`] read its entries, bounded by the range; [`Ptes::skip`] is `unsafe`
//!   only so that a run's length can move the cursor without a second bound check;
//! - [`Leaf`] is a present leaf entry, and [`LeafPages`] the pages it maps in the range;
//!   [`MappedPage`] is a page mapped by an entry read with interrupts off (a memmap entry, its
//!   folio not held), [`MappedFolio`] the folio it was part of when asked, and [`Speculative`]
//!   the references taken on it before the page is known to be still in it (C's
//!   `try_get_folio()`); [`Refs`] is a positive count of references that fits an `int`.
//!
//! All of these are values of at most four words with `#[inline(always)]` methods that do what
//! the walk did with raw pointers: the same reads, in the same order, and no other check.
//! What stays `unsafe` is the root (the current mm, a page-aligned user range), a page from an
//! entry (`MappedPage::new()`: only the caller knows the entry was present and not special),
//! and [`PteTable::map`], which fast.rs calls with a PMD table's parts in a function that is not
//! inlined: the Rust ABI passes an aggregate of more than two words in memory, the parts go in
//! registers.

use core::{
    marker::PhantomData,
    mem::MaybeUninit, //
};

use kernel::{
    bindings,
    mm::pgtable::{
        P4d, //
        Pgd,
        Pmd,
        Pte,
        Pud,
    },
};

use crate::folio::{
    Folio,
    FolioPage, //
};

use crate::basics::{
    MmPtr,
    PAGE_SHIFT,
    PAGE_SIZE,
    PMD_MASK,
    PUD_MASK, //
};

/// Proof that interrupts are disabled on this CPU, for `'a`.
///
/// A zero-sized token: passing it costs nothing. The only way to get one is [`IrqsOff::with`],
/// which disables interrupts for the closure it calls and gives it a token borrowed for that
/// call only.
///
/// # Invariants
///
/// Interrupts are disabled on the current CPU for all of `'a`, and the token does not leave the
/// CPU (it is neither `Send` nor `Sync`). (Covariant: a shorter `'a` is as true.)
#[derive(Clone, Copy)]
pub(crate) struct IrqsOff<'a>(PhantomData<(*mut (), &'a ())>);

impl IrqsOff<'_> {
    /// Calls `f` with interrupts disabled on this CPU, then restores the previous state
    /// (C: `local_irq_save()` ... `local_irq_restore()`).
    ///
    /// The nested form: any context may call it. `f` must not sleep.
    #[inline(always)]
    pub(crate) fn with<R>(f: impl for<'a> FnOnce(IrqsOff<'a>) -> R) -> R {
        // SAFETY: Disables interrupts and returns the previous state, restored below.
        let flags = unsafe { bindings::gup_local_irq_save() };
        // INVARIANT: Interrupts are off until the restore below, after `f` returns; the token's
        // lifetime is `f`'s own (higher-ranked), so it cannot outlive the call.
        let ret = f(IrqsOff(PhantomData));
        // SAFETY: `flags` was saved above, and every `local_irq_save()` in `f` has been undone
        // by then (the only way to disable interrupts here is this function, which nests).
        unsafe { bindings::local_irq_restore(flags) };
        ret
    }

    /// Returns `true` if interrupts are disabled (C: `irqs_disabled()`): a debugging check of
    /// the invariant.
    #[inline(always)]
    pub(crate) fn check(self) -> bool {
        // SAFETY: Reads this CPU's interrupt flag.
        unsafe { bindings::irqs_disabled() }
    }

    /// Lockdep's check of the invariant (C: `lockdep_assert_irqs_disabled()`).
    #[inline(always)]
    pub(crate) fn lockdep_assert(self) {
        // SAFETY: A lockdep check of this CPU's interrupt state.
        unsafe { bindings::lockdep_assert_irqs_disabled() };
    }
}

/// A level of the page tables above the PTEs, as the lockless walk reads it.
///
/// # Safety
///
/// `Raw` must be the level's C entry type, of which `Self` is a `#[repr(transparent)]` copy;
/// [`Level::read_at`] must read one entry at the pointer and nothing else, and
/// [`Level::addr_end`] must be the level's `p?d_addr_end()`.
pub(crate) unsafe trait Level: Copy {
    /// The C entry type.
    type Raw;

    /// Reads the entry at `ptr`, as GUP-fast reads this level (lockless where C is).
    ///
    /// # Safety
    ///
    /// `ptr` must point to an entry of a table (or a folded level's copy) that stays allocated
    /// for the read.
    unsafe fn read_at(ptr: *mut Self::Raw) -> Self;

    /// The end of the entry that maps `addr`, or `end` if that comes first.
    fn addr_end(addr: usize, end: usize) -> usize;
}

/// Implements [`Level`] for an entry type.
macro_rules! level {
    ($ty:ident, $raw:ident, $read:ident) => {
        // SAFETY: `$ty` is the `#[repr(transparent)]` copy of `$raw`; `$read` reads one entry.
        unsafe impl Level for $ty {
            type Raw = bindings::$raw;

            #[inline(always)]
            unsafe fn read_at(ptr: *mut bindings::$raw) -> Self {
                // SAFETY: `ptr` is an entry of a table that stays allocated for the read, which
                // is what `$read` asks (the caller's guarantee); it reads that one entry.
                unsafe { $ty::$read(ptr) }
            }

            #[inline(always)]
            fn addr_end(addr: usize, end: usize) -> usize {
                $ty::addr_end(addr, end)
            }
        }
    };
}

level!(Pgd, pgd_t, read);
level!(P4d, p4d_t, read);
level!(Pud, pud_t, read);
level!(Pmd, pmd_t, read_lockless);

/// The slot of an entry of level `L` that the walk read, which it may read again.
///
/// # Invariants
///
/// `ptr` points to an entry of a table of the current mm (or of a folded level's copy) that
/// cannot be freed for `'t`, interrupts being off.
pub(crate) struct Slot<'t, L: Level> {
    ptr: *mut L::Raw,
    irqs: IrqsOff<'t>,
    _p: PhantomData<&'t L>,
}

// A derive would ask for `L::Raw: Copy`.
impl<L: Level> Clone for Slot<'_, L> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}

impl<L: Level> Copy for Slot<'_, L> {}

impl<'t, L: Level> Slot<'t, L> {
    /// Reads the entry again, locklessly.
    #[inline(always)]
    pub(crate) fn read(self) -> L {
        // SAFETY: The table is there for `'t`, by the type invariant.
        unsafe { L::read_at(self.ptr) }
    }

    /// Interrupts are off while the slot is borrowed.
    #[inline(always)]
    pub(crate) fn irqs(self) -> IrqsOff<'t> {
        self.irqs
    }
}

/// A copy of an entry of level `L` and the slot it was read from: the pair GUP-fast re-checks
/// once it holds what the entry mapped.
pub(crate) struct Seen<'t, L: Level> {
    value: L,
    slot: Slot<'t, L>,
}

impl<L: Level> Clone for Seen<'_, L> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}

impl<L: Level> Copy for Seen<'_, L> {}

impl Seen<'_, Pmd> {
    /// Returns `true` if the entry still has the value read (C: `pmd_same(pmd,
    /// pmdp_get_lockless(pmdp))`).
    #[inline(always)]
    pub(crate) fn unchanged(&self) -> bool {
        self.value.same(self.slot.read())
    }
}

impl Seen<'_, Pud> {
    /// Returns `true` if the entry still has the value read (C: `pud_same(pud,
    /// pudp_get(pudp))`).
    #[inline(always)]
    pub(crate) fn unchanged(&self) -> bool {
        self.value.same(self.slot.read())
    }
}

/// The entries of level `L` that map `[addr, end)`, from the one for `addr` on: a cursor.
///
/// `ONE` says that `[addr, end)` is one page: then so is the part under every entry, down to
/// the PTEs, and the boundary arithmetic folds away.
///
/// # Invariants
///
/// `addr < end`, both page aligned, and with `ONE`, `end == addr + PAGE_SIZE`. `[addr, end)`
/// lies under one entry of the level above (for the PGD, in the user address space), so that
/// the entries for `[addr, end)` are consecutive entries of one table from `ptr` on, and `ptr`
/// is the one for `addr`; that table cannot be freed for `'t`. `next` is `end` or the end of
/// the entry at `ptr` (see [`Entries::read`]).
pub(crate) struct Entries<'t, L: Level, const ONE: bool> {
    ptr: *mut L::Raw,
    addr: usize,
    next: usize,
    end: usize,
    irqs: IrqsOff<'t>,
    _p: PhantomData<&'t mut L>,
}

impl<'t, L: Level, const ONE: bool> Entries<'t, L, ONE> {
    /// Reads the entry for the cursor's address, with the part of `[addr, end)` it maps.
    #[inline(always)]
    pub(crate) fn read(&mut self) -> Entry<'t, L, ONE> {
        // SAFETY: `ptr` is in a live table, by the type invariant.
        let value = unsafe { L::read_at(self.ptr) };
        // One page lies under one entry of every level.
        // INVARIANT: `next` is the end of the entry at `ptr`, or `end`.
        self.next = if ONE {
            self.end
        } else {
            L::addr_end(self.addr, self.end)
        };
        // INVARIANT: `[addr, next)` lies under the entry just read, in the table at `ptr`.
        Entry {
            seen: Seen {
                value,
                slot: Slot {
                    ptr: self.ptr,
                    irqs: self.irqs,
                    _p: PhantomData,
                },
            },
            addr: self.addr,
            end: self.next,
        }
    }

    /// Moves on to the entry after the one last read, `None` at the end of the range.
    #[inline(always)]
    pub(crate) fn advance(self) -> Option<Self> {
        if self.next == self.end {
            return None;
        }
        // INVARIANT: `next < end` is where the next entry of the table starts (it was set by
        // `read()`; without a read since, `next == end`). Without `read()` in between, the next
        // call returns `None`.
        Some(Self {
            ptr: self.ptr.wrapping_add(1),
            addr: self.next,
            next: self.end,
            ..self
        })
    }
}

impl<'a, const ONE: bool> Entries<'a, Pgd, ONE> {
    /// The PGD entries of `[addr, end)` of `mm` (C: `pgd_offset(mm, addr)`).
    ///
    /// # Safety
    ///
    /// `mm` must be the current task's mm, `addr < end <= TASK_SIZE_MAX`, both page aligned;
    /// with `ONE`, `end == addr + PAGE_SIZE`.
    #[inline(always)]
    pub(crate) unsafe fn current(irqs: IrqsOff<'a>, mm: MmPtr, addr: usize, end: usize) -> Self {
        // INVARIANT: The current mm is live while it runs, and so is its PGD; the user range is
        // within it. By the caller's guarantee for the rest.
        Self {
            // SAFETY: `mm` is live; this computes an address.
            ptr: unsafe { bindings::pgd_offset(mm, addr) },
            addr,
            next: end,
            end,
            irqs,
            _p: PhantomData,
        }
    }
}

/// An entry of level `L` as read by [`Entries::read`], with the part `[addr, end)` of the
/// walk's range that lies under it.
pub(crate) struct Entry<'t, L: Level, const ONE: bool> {
    seen: Seen<'t, L>,
    addr: usize,
    end: usize,
}

impl<'t, L: Level, const ONE: bool> Entry<'t, L, ONE> {
    /// The entry as read.
    #[inline(always)]
    pub(crate) fn value(&self) -> L {
        self.seen.value
    }
}

/// An [`Entry`] found to point to a table of the level below.
///
/// # Invariants
///
/// The entry's value is a present table entry: not none, not a leaf.
pub(crate) struct Table<'t, L: Level, const ONE: bool>(Entry<'t, L, ONE>);

/// What an entry of a level that may have leaves holds, as the walk tells it apart.
pub(crate) enum Kind<'t, L: Level, const ONE: bool> {
    /// Not present (C: `!p?d_present()`).
    Absent,
    /// A leaf (C: `p?d_leaf()`).
    Leaf(Leaf<'t, L, ONE>),
    /// A table.
    Table(Table<'t, L, ONE>),
}

impl<'t, const ONE: bool> Entry<'t, Pgd, ONE> {
    /// The table the entry points to, `None` for an empty entry (C: `pgd_none()`; there are no
    /// PGD leaves on the architectures with GUP-fast).
    #[inline(always)]
    pub(crate) fn table(self) -> Option<Table<'t, Pgd, ONE>> {
        // INVARIANT: A PGD entry that is not none is a table.
        (!self.value().is_none()).then_some(Table(self))
    }
}

impl<'t, const ONE: bool> Entry<'t, P4d, ONE> {
    /// The table the entry points to, `None` if not present (C: `p4d_present()`; there are no
    /// P4D leaves on the architectures with GUP-fast).
    #[inline(always)]
    pub(crate) fn table(self) -> Option<Table<'t, P4d, ONE>> {
        // INVARIANT: A present P4D entry is a table.
        self.value().is_present().then_some(Table(self))
    }
}

/// Implements `kind()` for a level that has leaves.
macro_rules! kind {
    ($ty:ident) => {
        impl<'t, const ONE: bool> Entry<'t, $ty, ONE> {
            /// Tells a table from a leaf and from an absent entry, as the walk does: present
            /// first, then leaf.
            #[inline(always)]
            pub(crate) fn kind(self) -> Kind<'t, $ty, ONE> {
                let value = self.value();
                if !value.is_present() {
                    Kind::Absent
                } else if value.is_leaf() {
                    // INVARIANT: Present, and a leaf.
                    Kind::Leaf(Leaf(self))
                } else {
                    // INVARIANT: Present and not a leaf: a table.
                    Kind::Table(Table(self))
                }
            }
        }
    };
}

kind!(Pud);
kind!(Pmd);

/// Implements `lower()` for a table entry.
macro_rules! lower {
    ($ty:ident => $lower:ident, $offset:ident) => {
        impl<'t, const ONE: bool> Table<'t, $ty, ONE> {
            /// The entries of the level below that map the entry's part of the range
            /// (C: `p?d_offset_lockless()`).
            ///
            /// The entry's value is copied to `copy`, which the cursor borrows: where the level
            /// below is folded, its entries are that copy. (A local of the caller's, so that
            /// only the copy has its address taken, not the other fields of the entry.)
            #[inline(always)]
            pub(crate) fn lower<'c>(
                self,
                copy: &'c mut MaybeUninit<$ty>,
            ) -> Entries<'c, $lower, ONE>
            where
                't: 'c,
            {
                let Entry { seen, addr, end } = self.0;
                // CAST: `$ty` is a `#[repr(transparent)]` copy of the C entry.
                let copy = core::ptr::from_mut(copy.write(seen.value)).cast();
                // INVARIANT: The entry is a present table (type invariant) read from `ptr`; the
                // table it points to is freed only after an IPI or RCU-sched grace period that
                // cannot complete while interrupts are off; a folded level points into `copy`,
                // borrowed for the cursor's lifetime. `[addr, end)` lies under the entry.
                Entries {
                    // SAFETY: `seen.slot.ptr` is the live slot the copy was read from.
                    ptr: unsafe { bindings::$offset(seen.slot.ptr, copy, addr) },
                    addr,
                    next: end,
                    end,
                    irqs: seen.slot.irqs,
                    _p: PhantomData,
                }
            }
        }
    };
}

lower!(Pgd => P4d, gup_p4d_offset_lockless);
lower!(P4d => Pud, gup_pud_offset_lockless);
lower!(Pud => Pmd, gup_pmd_offset_lockless);

impl<'t, const ONE: bool> Table<'t, Pmd, ONE> {
    /// The entry's value and slot, and its part of the range: what [`PteTable::map`] takes,
    /// for a function that is not inlined (four words in registers, where the table, an
    /// aggregate of more than two words, would be passed in memory).
    #[inline(always)]
    pub(crate) fn parts(&self) -> (Pmd, Slot<'t, Pmd>, usize, usize) {
        (self.0.seen.value, self.0.seen.slot, self.0.addr, self.0.end)
    }
}

/// The PTE table under a PMD entry, mapped for `[addr, end)` (C: `pte_offset_map()`), unmapped
/// when dropped (C: `pte_unmap()`).
///
/// # Invariants
///
/// `base` is the mapped entry for `addr` of the PTE table the PMD copy pointed to, `[addr,
/// end)` lies under that PMD, `addr < end`, page aligned, and the table cannot be freed for
/// `'t`.
pub(crate) struct PteTable<'t> {
    base: *mut bindings::pte_t,
    addr: usize,
    end: usize,
    _p: PhantomData<&'t ()>,
}

impl<'t> PteTable<'t> {
    /// Maps the PTE table the copy `pmd` points to, `None` if the copy is not a table after all
    /// (C: `pte_offset_map()` of a copy returns NULL then).
    ///
    /// # Safety
    ///
    /// `pmd`, `pmdp`, `addr` and `end` must be the [`Table::parts`] of a PMD table entry. (The
    /// slot is not read: it bounds the mapping's lifetime by the walk's.)
    #[inline(always)]
    pub(crate) unsafe fn map(
        pmd: Pmd,
        _pmdp: Slot<'t, Pmd>,
        addr: usize,
        end: usize,
    ) -> Option<Self> {
        let mut copy = pmd.into_raw();
        // SAFETY: `copy` is a copy of a present, non-leaf PMD read with interrupts off: the
        // page table it points to cannot be freed meanwhile. NULL if it changed type.
        let base = unsafe { bindings::pte_offset_map(&mut copy, addr) };
        // Not `then_some()`: that would build the value, and drop it (unmapping NULL) if false.
        if base.is_null() {
            return None;
        }
        // INVARIANT: Mapped for `addr`; the range lies under the PMD, by the caller's
        // guarantee.
        Some(Self {
            base,
            addr,
            end,
            _p: PhantomData,
        })
    }

    /// The entries for `[addr, end)`, from the first.
    #[inline(always)]
    pub(crate) fn ptes(&self) -> Ptes<'_> {
        // INVARIANT: As the table's.
        Ptes {
            ptep: self.base,
            addr: self.addr,
            end: self.end,
            _p: PhantomData,
        }
    }
}

impl Drop for PteTable<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: Mapped by `map()`, and not unmapped since.
        unsafe { bindings::pte_unmap(self.base) };
    }
}

/// A cursor over the PTEs of a mapped [`PteTable`] for `[addr, end)`, at the one for `addr`.
///
/// # Invariants
///
/// `addr < end`, page aligned, and `ptep` is the entry for `addr` of the table mapped for `'m`,
/// which has the entries of `[addr, end)`.
pub(crate) struct Ptes<'m> {
    ptep: *mut bindings::pte_t,
    addr: usize,
    end: usize,
    _p: PhantomData<&'m PteTable<'m>>,
}

impl<'m> Ptes<'m> {
    /// Reads the entry for the cursor's address, locklessly (C: `ptep_get_lockless()`).
    #[inline(always)]
    pub(crate) fn read(&self) -> Pte {
        // SAFETY: `ptep` is a mapped entry, by the type invariant.
        unsafe { Pte::read_lockless(self.ptep) }
    }

    /// Returns `true` if the entry still has the value `pte`.
    #[inline(always)]
    pub(crate) fn unchanged(&self, pte: Pte) -> bool {
        pte.same(self.read())
    }

    /// Moves on by a page, `None` at the end of the range.
    #[inline(always)]
    pub(crate) fn advance(self) -> Option<Self> {
        // No wrap: `addr < end`, both page aligned.
        let addr = self.addr.wrapping_add(PAGE_SIZE);
        if addr == self.end {
            return None;
        }
        // INVARIANT: `addr < end`, and its entry is the next one.
        Some(Self {
            ptep: self.ptep.wrapping_add(1),
            addr,
            ..self
        })
    }

    /// The entries from the cursor's on, at most `cap`, within the range.
    #[inline(always)]
    pub(crate) fn run(&self, cap: usize) -> PteRun<'m> {
        // INVARIANT: No wrap: `addr < end`, both page aligned; at most the entries left.
        PteRun {
            ptep: self.ptep,
            len: (self.end.wrapping_sub(self.addr) >> PAGE_SHIFT).min(cap),
            _p: PhantomData,
        }
    }

    /// Moves on by `n` pages, `None` at the end of the range.
    ///
    /// # Safety
    ///
    /// `n` must be at most the number of pages left, `(end - addr) >> PAGE_SHIFT` (for example
    /// the length of a [`PteRun`] from [`Ptes::run`] of this cursor, or less).
    #[inline(always)]
    pub(crate) unsafe fn skip(self, n: usize) -> Option<Self> {
        // No wrap: at most `end`, by the caller's guarantee.
        let addr = self.addr.wrapping_add(n << PAGE_SHIFT);
        if addr == self.end {
            return None;
        }
        // INVARIANT: `addr < end` (`n` pages on, at most the pages left), and its entry is
        // `ptep + n`.
        Some(Self {
            ptep: self.ptep.wrapping_add(n),
            addr,
            ..self
        })
    }
}

/// Up to `len` consecutive PTEs of a mapped [`PteTable`], within its range.
///
/// # Invariants
///
/// The `len` entries from `ptep` on are entries of the table mapped for `'m`, in its range.
#[derive(Clone, Copy)]
pub(crate) struct PteRun<'m> {
    ptep: *mut bindings::pte_t,
    len: usize,
    _p: PhantomData<&'m PteTable<'m>>,
}

impl PteRun<'_> {
    /// The number of entries.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// One reference per entry, `None` for an empty run.
    #[inline(always)]
    pub(crate) fn refs(&self) -> Option<Refs> {
        if self.len == 0 {
            return None;
        }
        // INVARIANT: Positive; at most the entries of one PTE table, the pages of a PMD.
        Some(Refs(self.len))
    }

    /// Reads the entry `i` locklessly, `None` past the run.
    #[inline(always)]
    pub(crate) fn get(&self, i: usize) -> Option<Pte> {
        if i >= self.len {
            return None;
        }
        // SAFETY: `i < len`: a mapped entry, by the type invariant.
        Some(unsafe { Pte::read_lockless(self.ptep.wrapping_add(i)) })
    }

    /// The first `n` entries, or all if there are fewer.
    #[inline(always)]
    pub(crate) fn truncate(self, n: usize) -> Self {
        // INVARIANT: A prefix of the run.
        Self {
            len: self.len.min(n),
            ..self
        }
    }

    /// The first entries for which `f(i, entry)` holds: entry `i` is read, and the run stops
    /// before the first `i` for which `f` returns `false`.
    #[inline(always)]
    pub(crate) fn prefix_while(self, mut f: impl FnMut(usize, Pte) -> bool) -> Self {
        let mut n = 0;
        while let Some(pte) = self.get(n) {
            if !f(n, pte) {
                break;
            }
            n = n.wrapping_add(1);
        }
        // INVARIANT: `n <= len`: a prefix of the run.
        Self { len: n, ..self }
    }
}

/// A present leaf entry: one that maps a huge page rather than a table.
///
/// # Invariants
///
/// The entry's value is present, and a leaf.
pub(crate) struct Leaf<'t, L: Level, const ONE: bool>(Entry<'t, L, ONE>);

/// The pages a leaf maps in its part of the walk's range.
///
/// # Invariants
///
/// The `refs.pages()` pages from `first` on are consecutive pages of the folio one present,
/// non-special leaf maps, the ones under `[addr, end)` of the entry.
pub(crate) struct LeafPages<'a> {
    first: MappedPage<'a>,
    refs: Refs,
}

impl<'a> LeafPages<'a> {
    /// The page at the range's start.
    #[inline(always)]
    pub(crate) fn first(&self) -> MappedPage<'a> {
        self.first
    }

    /// One reference per page.
    #[inline(always)]
    pub(crate) fn refs(&self) -> Refs {
        self.refs
    }
}

/// Implements the leaf queries of a level with leaves.
macro_rules! leaf {
    ($ty:ident, $mask:ident) => {
        impl<'t, const ONE: bool> Leaf<'t, $ty, ONE> {
            /// The leaf as read.
            #[inline(always)]
            pub(crate) fn value(&self) -> $ty {
                self.0.seen.value
            }

            /// The value and the slot, to check the entry again later.
            #[inline(always)]
            pub(crate) fn seen(&self) -> Seen<'t, $ty> {
                self.0.seen
            }

            /// The pages of the leaf's part of the range, `None` if the leaf does not permit
            /// the access (a write if `write`) or is special (no `struct page` to refcount):
            /// `p?d_access_permitted()`, then `p?d_special()`, as GUP-fast asks.
            #[inline(always)]
            pub(crate) fn pages(&self, write: bool) -> Option<LeafPages<'t>> {
                let Entry { seen, addr, end } = self.0;
                if !seen.value.access_permitted(write) || seen.value.is_special() {
                    return None;
                }
                // SAFETY: A present leaf (type invariant) that is not special maps a folio,
                // which has a `struct page` per page.
                let head = unsafe { seen.value.page() };
                // INVARIANT: Memmap entries of one folio are consecutive: `first` is the page
                // at `addr`, followed by those of `[addr, end)`, under the leaf. Read with
                // interrupts off, which they still are. The count: `addr < end`, page aligned,
                // at least one page; at most the pages of one entry of this level.
                Some(LeafPages {
                    first: MappedPage {
                        page: head.wrapping_add((addr & !$mask) >> PAGE_SHIFT),
                        irqs: seen.slot.irqs,
                    },
                    refs: Refs(end.wrapping_sub(addr) >> PAGE_SHIFT),
                })
            }
        }
    };
}

leaf!(Pud, PUD_MASK);
leaf!(Pmd, PMD_MASK);

/// A number of references (or pins) to take on a folio at once.
///
/// # Invariants
///
/// Positive, and at most the number of pages one PUD entry maps (far below `i32::MAX`, so that
/// it fits the C reference counts' `int`).
#[derive(Clone, Copy)]
pub(crate) struct Refs(usize);

impl Refs {
    /// One reference.
    pub(crate) const ONE: Self = Self(1);

    /// The count, as the C reference counts take it.
    #[inline(always)]
    pub(crate) fn get(self) -> i32 {
        // CAST: Fits, by the type invariant.
        self.0 as i32
    }

    /// The count, as a number of pages.
    #[inline(always)]
    pub(crate) fn pages(self) -> usize {
        self.0
    }
}

/// A page mapped by an entry the lockless walk read.
///
/// Nothing is held: the folio may be freed, split or reused at any time, but the `struct page`
/// itself is a memmap entry, which stays valid while interrupts are off (memory hot-unplug
/// synchronizes with GUP-fast as page-table freeing does). Only queries that read the memmap
/// entry and no more are safe.
///
/// # Invariants
///
/// `page` is a `struct page` of the memmap, and interrupts are off for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct MappedPage<'a> {
    page: *mut bindings::page,
    irqs: IrqsOff<'a>,
}

impl<'a> MappedPage<'a> {
    /// Wraps `page`.
    ///
    /// # Safety
    ///
    /// `page` must be the page a present, non-special entry of the current mm's page tables
    /// maps (for a leaf, one of the pages of the folio it maps), read with interrupts off
    /// since.
    #[inline(always)]
    pub(crate) unsafe fn new(irqs: IrqsOff<'a>, page: *mut bindings::page) -> Self {
        // INVARIANT: By the caller's guarantee; `irqs` proves interrupts are off.
        Self { page, irqs }
    }

    /// The raw pointer.
    #[inline(always)]
    pub(crate) fn as_ptr(self) -> *mut bindings::page {
        self.page
    }

    /// Interrupts are off while the page is borrowed.
    #[inline(always)]
    pub(crate) fn irqs(self) -> IrqsOff<'a> {
        self.irqs
    }

    /// Returns `true` for a PCI peer-to-peer DMA page (C: `is_pci_p2pdma_page()`).
    #[inline(always)]
    pub(crate) fn is_pci_p2pdma(self) -> bool {
        // SAFETY: `page` is a memmap entry (type invariant); its zone is read.
        unsafe { bindings::is_pci_p2pdma_page(self.page) }
    }

    /// Returns `true` for the shared zero page (C: `is_zero_page()`).
    #[inline(always)]
    pub(crate) fn is_zero(self) -> bool {
        // SAFETY: `page` is a memmap entry (type invariant); only its pfn is compared.
        unsafe { bindings::is_zero_page(self.page) }
    }
}

impl<'a> MappedPage<'a> {
    /// The folio the page belongs to now (C: `page_folio()`); nothing is held, so it may be
    /// free, or be split or freed at any time.
    #[inline(always)]
    pub(crate) fn folio(self) -> MappedFolio<'a> {
        // INVARIANT: The compound head of a memmap entry is a memmap entry.
        MappedFolio {
            // SAFETY: `page` is a memmap entry (type invariant): its compound head is read.
            folio: unsafe { bindings::page_folio(self.page) },
            _irqs: self.irqs,
        }
    }
}

/// The folio a [`MappedPage`] belonged to when asked.
///
/// Its memmap entry stays valid while interrupts are off, but nothing is held: the folio may be
/// free, or be split or reused at any time. This is the state in which GUP-fast takes its
/// speculative reference (C: `try_get_folio()`).
///
/// # Invariants
///
/// `folio` is the head of a memmap entry, and interrupts are off for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct MappedFolio<'a> {
    folio: *mut bindings::folio,
    _irqs: IrqsOff<'a>,
}

impl<'a> MappedFolio<'a> {
    /// The reference count (C: `folio_ref_count()`): zero for a free folio.
    #[inline(always)]
    pub(crate) fn ref_count(self) -> i32 {
        // SAFETY: A memmap entry (type invariant), readable even if the folio is free.
        unsafe { bindings::folio_ref_count(self.folio) }
    }

    /// Takes `refs` references unless the count is zero (C: `folio_ref_try_add()`).
    ///
    /// The folio cannot be freed then, but it may have been split, or freed and reused, since
    /// the page was part of it: [`Speculative::confirm`] tells.
    #[inline(always)]
    pub(crate) fn try_get(self, refs: Refs) -> Option<Speculative<'a>> {
        // SAFETY: A memmap entry (type invariant); the add fails on a zero count, so a free
        // folio is left alone. `refs` is positive (`Refs`).
        if !unsafe { bindings::folio_ref_try_add(self.folio, refs.get()) } {
            return None;
        }
        // INVARIANT: `refs` references taken just above.
        Some(Speculative { folio: self, refs })
    }
}

/// References taken on a [`MappedFolio`], not yet known to be on the folio of the page.
///
/// # Invariants
///
/// `refs` references of `folio` were taken, and are owned by this value.
#[must_use]
pub(crate) struct Speculative<'a> {
    folio: MappedFolio<'a>,
    refs: Refs,
}

impl<'a> Speculative<'a> {
    /// Gives the references back (C: `folio_put_refs()`).
    #[inline(always)]
    pub(crate) fn put(self) {
        // SAFETY: Owned by `self` (type invariant), which goes.
        unsafe { bindings::folio_put_refs(self.folio.folio, self.refs.get()) };
    }

    /// Borrows the folio and `page` if `page` still belongs to the folio (C: `page_folio(page)
    /// == folio`), which the references now keep from being split or freed: they are the
    /// caller's from then on, and given back with the folio. Otherwise gives them back and
    /// returns `None` (C: `folio_put_refs()`).
    #[inline(always)]
    pub(crate) fn confirm(self, page: MappedPage<'a>) -> Option<(&'a Folio, &'a FolioPage, Refs)> {
        if page.folio().folio != self.folio.folio {
            self.put();
            return None;
        }
        // SAFETY: `page` is a page of the folio, on which we hold `refs` references: neither can
        // be freed or split while the caller keeps them, and interrupts are off for `'a`. The
        // head of a memmap entry is not NULL (said, so that no caller tests it).
        Some(unsafe {
            core::hint::assert_unchecked(!self.folio.folio.is_null());
            (
                Folio::from_raw(self.folio.folio),
                FolioPage::from_raw(page.page),
                self.refs,
            )
        })
    }
}
