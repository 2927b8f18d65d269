// SPDX-License-Identifier: GPL-2.0

//! Typed `FOLL_*` flags and the argument rules of the `get_user_pages*()` family.
//!
//! C headers: [`include/linux/mm_types.h`](srctree/include/linux/mm_types.h) (public flags),
//! [`mm/internal.h`](srctree/mm/internal.h) (flags only GUP itself sets).
//!
//! The values are part of an ABI (`tools/testing/selftests/mm/gup_test.c` passes `FOLL_WRITE` as
//! `0x01`, `hmm-tests.c` passes `FOLL_LONGTERM` as `0x100`), so they are written out here and
//! checked against the C enums at build time rather than copied from them.

use kernel::{
    bindings,
    prelude::*,
    warn_on_once, //
};

kernel::impl_flags!(
    /// A set of [`Foll`] flags, as carried in C's `unsigned int gup_flags`.
    #[derive(Clone, Copy, Default, PartialEq, Eq)]
    pub(crate) struct FollFlags(u32);

    /// A single `FOLL_*` flag.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Foll {
        /// Check that the PTE is writable (`FOLL_WRITE`).
        Write = 1 << 0,
        /// Take a page reference, released with `put_page()` (`FOLL_GET`).
        Get = 1 << 1,
        /// Give an error on a hole or the zero page, for core dumps (`FOLL_DUMP`).
        Dump = 1 << 2,
        /// Get access despite the VMA's permissions, as ptrace does (`FOLL_FORCE`).
        Force = 1 << 3,
        /// Start I/O if needed but do not wait for it; the mmap lock may be dropped
        /// (`FOLL_NOWAIT`).
        NoWait = 1 << 4,
        /// Do not fault in pages (`FOLL_NOFAULT`).
        NoFault = 1 << 5,
        /// Return `-EHWPOISON` for a poisoned page (`FOLL_HWPOISON`).
        HwPoison = 1 << 6,
        /// Do not follow non-anonymous mappings (`FOLL_ANON`).
        Anon = 1 << 7,
        /// The pin may be held indefinitely; migrate out of CMA and `ZONE_MOVABLE` first
        /// (`FOLL_LONGTERM`).
        Longterm = 1 << 8,
        /// Split a huge PMD before following it (`FOLL_SPLIT_PMD`).
        SplitPmd = 1 << 9,
        /// Allow returning PCI P2PDMA pages (`FOLL_PCI_P2PDMA`).
        PciP2pdma = 1 << 10,
        /// Let non-fatal signals interrupt a fault that waits (`FOLL_INTERRUPTIBLE`).
        Interruptible = 1 << 11,
        /// Fail on PROT_NONE-mapped pages used for NUMA hinting (`FOLL_HONOR_NUMA_FAULT`).
        HonorNumaFault = 1 << 12,
        /// Internal: mark the page accessed (`FOLL_TOUCH`).
        Touch = 1 << 16,
        /// Internal: a retry after the fault handler dropped the lock (`FOLL_TRIED`).
        Tried = 1 << 17,
        /// Internal: access to another process's memory (`FOLL_REMOTE`).
        Remote = 1 << 18,
        /// Internal: DMA pin, released with `unpin_user_page()`; only `pin_user_pages*()` set
        /// it (`FOLL_PIN`).
        Pin = 1 << 19,
        /// Internal: GUP-fast only, never the slow path (`FOLL_FAST_ONLY`).
        FastOnly = 1 << 20,
        /// Internal: the caller allows the mmap lock to be dropped (`FOLL_UNLOCKABLE`).
        Unlockable = 1 << 21,
        /// Internal: the request comes from `MADV_POPULATE_(READ|WRITE)` (`FOLL_MADV_POPULATE`).
        MadvPopulate = 1 << 22,
    }
);

// The values above must be C's, bit for bit.
const _: () = {
    assert!(Foll::Write as u32 == bindings::FOLL_WRITE);
    assert!(Foll::Get as u32 == bindings::FOLL_GET);
    assert!(Foll::Dump as u32 == bindings::FOLL_DUMP);
    assert!(Foll::Force as u32 == bindings::FOLL_FORCE);
    assert!(Foll::NoWait as u32 == bindings::FOLL_NOWAIT);
    assert!(Foll::NoFault as u32 == bindings::FOLL_NOFAULT);
    assert!(Foll::HwPoison as u32 == bindings::FOLL_HWPOISON);
    assert!(Foll::Anon as u32 == bindings::FOLL_ANON);
    assert!(Foll::Longterm as u32 == bindings::FOLL_LONGTERM);
    assert!(Foll::SplitPmd as u32 == bindings::FOLL_SPLIT_PMD);
    assert!(Foll::PciP2pdma as u32 == bindings::FOLL_PCI_P2PDMA);
    assert!(Foll::Interruptible as u32 == bindings::FOLL_INTERRUPTIBLE);
    assert!(Foll::HonorNumaFault as u32 == bindings::FOLL_HONOR_NUMA_FAULT);
    assert!(Foll::Touch as u32 == bindings::FOLL_TOUCH);
    assert!(Foll::Tried as u32 == bindings::FOLL_TRIED);
    assert!(Foll::Remote as u32 == bindings::FOLL_REMOTE);
    assert!(Foll::Pin as u32 == bindings::FOLL_PIN);
    assert!(Foll::FastOnly as u32 == bindings::FOLL_FAST_ONLY);
    assert!(Foll::Unlockable as u32 == bindings::FOLL_UNLOCKABLE);
    assert!(Foll::MadvPopulate as u32 == bindings::FOLL_MADV_POPULATE);
};

/// Flags only GUP itself may set (C: `INTERNAL_GUP_FLAGS`).
pub(crate) const INTERNAL: FollFlags = FollFlags(
    Foll::Touch as u32
        | Foll::Tried as u32
        | Foll::Remote as u32
        | Foll::Pin as u32
        | Foll::FastOnly as u32
        | Foll::Unlockable as u32
        | Foll::MadvPopulate as u32,
);

/// Flags GUP-fast accepts; anything else warns and gives `-EINVAL` (C: `gup_fast_fallback()`).
pub(crate) const FAST_ALLOWED: FollFlags = FollFlags(
    Foll::Write as u32
        | Foll::Longterm as u32
        | Foll::Force as u32
        | Foll::Pin as u32
        | Foll::Get as u32
        | Foll::FastOnly as u32
        | Foll::NoFault as u32
        | Foll::PciP2pdma as u32
        | Foll::HonorNumaFault as u32,
);

impl FollFlags {
    /// Converts `gup_flags` received from C.
    ///
    /// Bits outside the known flags are kept, so that the argument checks see exactly what the
    /// caller passed (C compares them against masks too).
    #[inline]
    pub(crate) const fn from_raw(raw: u32) -> Self {
        Self(raw)
    }

    /// Returns the C representation (the tests compare flags with C's; the code passes the
    /// typed set on).
    #[cfg(CONFIG_RUST_GUP_KUNIT_TEST)]
    #[inline]
    pub(crate) const fn as_raw(self) -> u32 {
        self.0
    }

    /// Returns `true` if every flag of `other` is set in `self`.
    #[inline]
    pub(crate) const fn has_all(self, other: FollFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Returns `true` if any flag of `other` is set in `self`.
    #[inline]
    pub(crate) const fn has_any(self, other: FollFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// Returns `true` if some bit outside `allowed` is set.
    #[inline]
    pub(crate) const fn has_bits_outside(self, allowed: FollFlags) -> bool {
        self.0 & !allowed.0 != 0
    }
}

/// An exported entry point that validates its arguments with `is_valid_gup_args()`.
///
/// Each one adds its own flags before the checks, and each reports invalid arguments in its own
/// way: that difference is part of the API and is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// `get_user_pages_remote()`.
    GetUserPagesRemote,
    /// `get_user_pages()`.
    GetUserPages,
    /// `get_user_pages_unlocked()`.
    GetUserPagesUnlocked,
    /// `get_user_pages_fast_only()`.
    GetUserPagesFastOnly,
    /// `get_user_pages_fast()`.
    GetUserPagesFast,
    /// `pin_user_pages_fast()`.
    PinUserPagesFast,
    /// `pin_user_pages_remote()`.
    PinUserPagesRemote,
    /// `pin_user_pages()`.
    PinUserPages,
    /// `pin_user_pages_unlocked()`.
    PinUserPagesUnlocked,
}

impl Entry {
    /// The flags the entry point adds to the caller's (C: `to_set` of `is_valid_gup_args()`).
    pub(crate) fn to_set(self) -> FollFlags {
        match self {
            Entry::GetUserPagesRemote => Foll::Touch | Foll::Remote,
            Entry::GetUserPages => Foll::Touch.into(),
            Entry::GetUserPagesUnlocked => Foll::Touch | Foll::Unlockable,
            Entry::GetUserPagesFastOnly => Foll::Get | Foll::FastOnly,
            Entry::GetUserPagesFast => Foll::Get.into(),
            Entry::PinUserPagesFast => Foll::Pin.into(),
            Entry::PinUserPagesRemote => Foll::Pin | Foll::Touch | Foll::Remote,
            // No FOLL_TOUCH here: C has never set it for pin_user_pages().
            Entry::PinUserPages => Foll::Pin.into(),
            Entry::PinUserPagesUnlocked => Foll::Pin | Foll::Touch | Foll::Unlockable,
        }
    }

    /// What the entry point returns when its arguments are invalid.
    ///
    /// The `pin_user_pages{,_remote,_unlocked}()` family returns 0 (no page pinned), every other
    /// entry point `-EINVAL`. Callers depend on both, so both are kept.
    pub(crate) fn invalid_args_return(self) -> i64 {
        match self {
            Entry::PinUserPagesRemote | Entry::PinUserPages | Entry::PinUserPagesUnlocked => 0,
            _ => EINVAL.to_errno().into(),
        }
    }

    /// Applies `is_valid_gup_args()` and returns the flags to use, or the rule that failed.
    ///
    /// This does not warn; [`Entry::check_args`] does, as C does. For the tests, which check
    /// each rule without tripping the warnings.
    #[cfg(CONFIG_RUST_GUP_KUNIT_TEST)]
    pub(crate) fn validate(
        self,
        pages_given: bool,
        locked: Option<i32>,
        gup_flags: FollFlags,
    ) -> core::result::Result<FollFlags, ArgError> {
        self.apply_rules::<false>(pages_given, locked, gup_flags)
    }

    /// Applies `is_valid_gup_args()` with C's `WARN_ON_ONCE()` for a caller bug, and returns
    /// the flags to use, or `None` if a rule failed.
    #[inline(always)]
    pub(crate) fn check_args(
        self,
        pages_given: bool,
        locked: Option<i32>,
        gup_flags: FollFlags,
    ) -> Option<FollFlags> {
        self.apply_rules::<true>(pages_given, locked, gup_flags)
            .ok()
    }

    /// The rules of `is_valid_gup_args()`; with `WARN`, each broken rule warns once at a site
    /// of its own.
    ///
    /// As in C, the report's line then names the rule, and the compiler keeps each check a
    /// test and a branch: with one warning site after the checks, it merged the checks of an
    /// entry point into flag arithmetic (three instructions more on every
    /// `get_user_pages_fast()` call).
    #[inline(always)]
    fn apply_rules<const WARN: bool>(
        self,
        pages_given: bool,
        locked: Option<i32>,
        gup_flags: FollFlags,
    ) -> core::result::Result<FollFlags, ArgError> {
        macro_rules! fail {
            ($rule:expr) => {{
                if WARN {
                    warn_on_once!(true);
                }
                return Err($rule);
            }};
        }
        if gup_flags.has_any(INTERNAL) {
            fail!(ArgError::InternalFlags);
        }
        let mut flags = gup_flags | self.to_set();
        if let Some(locked) = locked {
            // At the external interface `*locked` must be 1.
            if locked != 1 {
                fail!(ArgError::NotLocked);
            }
            flags |= Foll::Unlockable;
        }
        let get_pin = Foll::Get | Foll::Pin;
        if flags.has_all(get_pin) {
            fail!(ArgError::GetAndPin);
        }
        if flags.contains(Foll::Longterm) && !flags.contains(Foll::Pin) {
            fail!(ArgError::LongtermWithoutPin);
        }
        if flags.has_any(get_pin) && !pages_given {
            fail!(ArgError::NoPages);
        }
        // The pgmap of a P2PDMA page must be hot-unpluggable at all times.
        if flags.contains(Foll::Longterm) && flags.contains(Foll::PciP2pdma) {
            fail!(ArgError::LongtermP2pdma);
        }
        Ok(flags)
    }
}

/// The `is_valid_gup_args()` rule a call broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgError {
    /// The caller passed a flag only GUP may set.
    InternalFlags,
    /// `locked` was given but `*locked` was not 1.
    NotLocked,
    /// `FOLL_GET` and `FOLL_PIN` together.
    GetAndPin,
    /// `FOLL_LONGTERM` without `FOLL_PIN`.
    LongtermWithoutPin,
    /// `FOLL_GET` or `FOLL_PIN` without a `pages` array.
    NoPages,
    /// `FOLL_LONGTERM` together with `FOLL_PCI_P2PDMA`.
    LongtermP2pdma,
}

#[cfg(CONFIG_RUST_GUP_KUNIT_TEST)]
#[kunit_tests(rust_gup_flags)]
mod tests {
    use super::*;

    const ALL_ENTRIES: [Entry; 9] = [
        Entry::GetUserPagesRemote,
        Entry::GetUserPages,
        Entry::GetUserPagesUnlocked,
        Entry::GetUserPagesFastOnly,
        Entry::GetUserPagesFast,
        Entry::PinUserPagesFast,
        Entry::PinUserPagesRemote,
        Entry::PinUserPages,
        Entry::PinUserPagesUnlocked,
    ];

    #[test]
    fn values_match_c() {
        // The same check as the build-time one, kept visible in the test report.
        assert_eq!(Foll::Write as u32, bindings::FOLL_WRITE);
        assert_eq!(Foll::Longterm as u32, bindings::FOLL_LONGTERM);
        assert_eq!(Foll::HonorNumaFault as u32, bindings::FOLL_HONOR_NUMA_FAULT);
        assert_eq!(Foll::Pin as u32, bindings::FOLL_PIN);
        assert_eq!(Foll::MadvPopulate as u32, bindings::FOLL_MADV_POPULATE);
        assert_eq!(INTERNAL.as_raw(), 0x7f_0000);
    }

    #[test]
    fn internal_flags_are_rejected() {
        for entry in ALL_ENTRIES {
            for bit in 16..23 {
                let flags = FollFlags::from_raw(1 << bit);
                assert_eq!(
                    entry.validate(true, None, flags),
                    Err(ArgError::InternalFlags)
                );
            }
        }
    }

    #[test]
    fn to_set_flags() {
        assert_eq!(Entry::GetUserPages.to_set().as_raw(), bindings::FOLL_TOUCH);
        assert_eq!(
            Entry::GetUserPagesRemote.to_set().as_raw(),
            bindings::FOLL_TOUCH | bindings::FOLL_REMOTE
        );
        assert_eq!(
            Entry::GetUserPagesFastOnly.to_set().as_raw(),
            bindings::FOLL_GET | bindings::FOLL_FAST_ONLY
        );
        assert_eq!(Entry::PinUserPages.to_set().as_raw(), bindings::FOLL_PIN);
        assert_eq!(
            Entry::PinUserPagesUnlocked.to_set().as_raw(),
            bindings::FOLL_PIN | bindings::FOLL_TOUCH | bindings::FOLL_UNLOCKABLE
        );
    }

    #[test]
    fn locked_adds_unlockable_and_must_be_one() {
        let write = FollFlags::from(Foll::Write);
        let got = Entry::GetUserPagesRemote.validate(true, Some(1), write);
        assert_eq!(
            got.map(FollFlags::as_raw),
            Ok(bindings::FOLL_WRITE
                | bindings::FOLL_TOUCH
                | bindings::FOLL_REMOTE
                | bindings::FOLL_UNLOCKABLE)
        );
        assert_eq!(
            Entry::GetUserPagesRemote.validate(true, Some(0), write),
            Err(ArgError::NotLocked)
        );
    }

    #[test]
    fn get_and_pin_are_exclusive() {
        let get = FollFlags::from(Foll::Get);
        assert_eq!(
            Entry::PinUserPages.validate(true, None, get),
            Err(ArgError::GetAndPin)
        );
        assert_eq!(
            Entry::PinUserPagesFast.validate(true, None, get),
            Err(ArgError::GetAndPin)
        );
        // get_user_pages() adds neither, so FOLL_GET from the caller is fine there.
        assert!(Entry::GetUserPages.validate(true, None, get).is_ok());
    }

    #[test]
    fn longterm_needs_pin() {
        let longterm = FollFlags::from(Foll::Longterm);
        assert_eq!(
            Entry::GetUserPages.validate(true, None, longterm),
            Err(ArgError::LongtermWithoutPin)
        );
        assert_eq!(
            Entry::GetUserPagesFast.validate(true, None, longterm),
            Err(ArgError::LongtermWithoutPin)
        );
        assert!(Entry::PinUserPages.validate(true, None, longterm).is_ok());
        assert!(Entry::PinUserPagesFast
            .validate(true, None, longterm)
            .is_ok());
    }

    #[test]
    fn pages_needed_for_get_or_pin() {
        let none = FollFlags::empty();
        assert_eq!(
            Entry::PinUserPages.validate(false, None, none),
            Err(ArgError::NoPages)
        );
        assert_eq!(
            Entry::GetUserPagesFast.validate(false, None, none),
            Err(ArgError::NoPages)
        );
        // Faulting in without pages (no GET, no PIN) is allowed.
        assert!(Entry::GetUserPages.validate(false, None, none).is_ok());
    }

    #[test]
    fn longterm_excludes_p2pdma() {
        let flags = Foll::Longterm | Foll::PciP2pdma;
        assert_eq!(
            Entry::PinUserPagesFast.validate(true, None, flags),
            Err(ArgError::LongtermP2pdma)
        );
        assert!(Entry::PinUserPagesFast
            .validate(true, None, Foll::PciP2pdma.into())
            .is_ok());
    }

    #[test]
    fn invalid_args_return_quirk() {
        let einval: i64 = EINVAL.to_errno().into();
        for entry in ALL_ENTRIES {
            let want = match entry {
                Entry::PinUserPages | Entry::PinUserPagesRemote | Entry::PinUserPagesUnlocked => 0,
                _ => einval,
            };
            assert_eq!(entry.invalid_args_return(), want);
        }
    }

    #[test]
    fn fast_path_mask() {
        assert!(FollFlags::from(Foll::Interruptible).has_bits_outside(FAST_ALLOWED));
        assert!(FollFlags::from(Foll::NoWait).has_bits_outside(FAST_ALLOWED));
        assert!(FollFlags::from_raw(1 << 31).has_bits_outside(FAST_ALLOWED));
        assert!(!(Foll::Write | Foll::Longterm | Foll::Pin).has_bits_outside(FAST_ALLOWED));
    }
}
