// SPDX-License-Identifier: GPL-2.0

//! Rust misc device sample: pins user memory with [`kernel::mm::pin`].
//!
//! `/dev/rust-misc-pin` holds one long-term pin of user memory per open file, as a driver that
//! registers a user buffer for DMA does, and reads and writes the buffer through the kernel
//! mapping of its pages. Every argument is a sequence of `__u64`s:
//!
//! - `RUST_MISC_PIN_PIN` (`_IOWR('|', 0x90, __u64[5])`: addr, len, flags, then out: nr_pages,
//!   pinned_len) pins the `len` bytes at `addr` long-term. Flags: `RUST_MISC_PIN_WRITE` (1) pins
//!   for writing, `RUST_MISC_PIN_PARTIAL` (2) accepts the pages up to the first that cannot be
//!   pinned instead of failing. [`EBUSY`] if the file already holds a pin, [`E2BIG`] past
//!   [`MAX_PAGES`] pages, [`EINVAL`] for unknown flags or an empty range, [`EOVERFLOW`] for one
//!   that wraps, and GUP's error otherwise ([`EFAULT`] for a hole, `PROT_NONE` or `VM_PFNMAP`).
//! - `RUST_MISC_PIN_PROCESS` (`_IOWR('|', 0x91, __u64[2])`: store_offset, then out: hash) hashes
//!   the pinned bytes (64-bit FNV-1a) and, unless store_offset is `~0`, writes the hash there, into
//!   the pinned range, through the kernel mapping. [`ENOENT`] without a pin, [`EPERM`] if the pin
//!   is not writable, [`EINVAL`] if the 8 bytes are not all in the range.
//! - `RUST_MISC_PIN_UNPIN` (`_IO('|', 0x92)`) releases the pin ([`ENOENT`] without one). Closing
//!   the file releases it too. Unmapping the memory does not: the pages stay pinned, and the
//!   driver's, until the pin is released.
//! - `RUST_MISC_PIN_BENCH` (`_IOWR('|', 0x93, __u64[6])`: addr, len, pages_per_call, flags, then
//!   out: pin_ns, unpin_ns) is gup_test's `PIN_FAST_BENCHMARK` through the safe API: it pins the
//!   range (up to [`MAX_BENCH_PAGES`] pages) in calls of `pin_user_pages_fast()` of
//!   `pages_per_call` pages ([`PinnedPages::pin_in`]), then releases the pins, and says how long
//!   each half took.

use kernel::{
    fs::File,
    ioctl::{_IO, _IOWR},
    miscdevice::{MiscDevice, MiscDeviceOptions, MiscDeviceRegistration},
    mm::pin::{PinFlag, PinFlags, PinStorage, PinnedPages},
    new_mutex,
    page::PAGE_SIZE,
    prelude::*,
    sync::Mutex,
    task::cond_resched,
    time::{Instant, Monotonic},
    uaccess::{UserPtr, UserSlice, UserSliceReader},
};

const RUST_MISC_PIN_PIN: u32 = _IOWR::<[u64; 5]>('|' as u32, 0x90);
const RUST_MISC_PIN_PROCESS: u32 = _IOWR::<[u64; 2]>('|' as u32, 0x91);
const RUST_MISC_PIN_UNPIN: u32 = _IO('|' as u32, 0x92);
const RUST_MISC_PIN_BENCH: u32 = _IOWR::<[u64; 6]>('|' as u32, 0x93);

/// Pin for writing.
const RUST_MISC_PIN_WRITE: u64 = 1;
/// Keep the pages up to the first that cannot be pinned, instead of failing.
const RUST_MISC_PIN_PARTIAL: u64 = 2;

/// The most pages one pin may cover.
const MAX_PAGES: usize = 1 << 16;
/// The most pages one benchmark run may cover (gup_bench's largest run is 512 MiB).
const MAX_BENCH_PAGES: usize = 1 << 20;

module! {
    type: RustMiscPinModule,
    name: "rust_misc_pin",
    authors: ["rust-gup"],
    description: "Rust misc device sample: pinning user memory",
    license: "GPL",
}

#[pin_data]
struct RustMiscPinModule {
    #[pin]
    _miscdev: MiscDeviceRegistration<RustMiscPin>,
}

impl kernel::InPlaceModule for RustMiscPinModule {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        let options = MiscDeviceOptions {
            name: c"rust-misc-pin",
        };
        try_pin_init!(Self {
            _miscdev <- MiscDeviceRegistration::register(options),
        })
    }
}

/// The state of one open file: the pin it holds, if any.
#[pin_data]
struct RustMiscPin {
    #[pin]
    pinned: Mutex<Option<PinnedPages>>,
}

/// Reads the `N` `__u64`s of an ioctl argument.
fn read_args<const N: usize>(reader: &mut UserSliceReader) -> Result<[u64; N]> {
    let mut args = [0u64; N];
    for arg in &mut args {
        *arg = reader.read::<u64>()?;
    }
    Ok(args)
}

/// Writes the `N` `__u64`s of an ioctl argument back.
fn write_args<const N: usize>(arg: UserPtr, args: &[u64; N]) -> Result {
    let mut writer = UserSlice::new(arg, N * size_of::<u64>()).writer();
    for value in args {
        writer.write(value)?;
    }
    Ok(())
}

/// The pin flags of the ioctls' `flags`, of which `allowed` may be set.
fn pin_flags(flags: u64, allowed: u64) -> Result<PinFlags> {
    if flags & !allowed != 0 {
        return Err(EINVAL);
    }
    let mut pin = PinFlags::empty();
    if flags & RUST_MISC_PIN_WRITE != 0 {
        pin |= PinFlag::Write;
    }
    Ok(pin)
}

/// The address, length and page count of a user range, refusing ranges of more than `max`
/// pages.
fn range(addr: u64, len: u64, max: usize) -> Result<(usize, usize, usize)> {
    let addr = usize::try_from(addr).map_err(|_| EOVERFLOW)?;
    let len = usize::try_from(len).map_err(|_| E2BIG)?;
    // The pages the range touches: its length and the offset into the first page.
    let pages = len
        .checked_add(addr % PAGE_SIZE)
        .ok_or(E2BIG)?
        .div_ceil(PAGE_SIZE);
    if pages > max {
        return Err(E2BIG);
    }
    Ok((addr, len, pages))
}

/// 64-bit FNV-1a of the pinned bytes, read through the kernel mapping of the pages.
fn fnv1a(pinned: &PinnedPages) -> Result<u64> {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut buf = [0u8; 256];
    let mut offset = 0;
    while offset < pinned.len() {
        let n = buf.len().min(pinned.len() - offset);
        let chunk = &mut buf[..n];
        pinned.read(offset, chunk)?;
        for &byte in chunk.iter() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        offset += n;
        if offset % PAGE_SIZE == 0 {
            cond_resched();
        }
    }
    Ok(hash)
}

/// Nanoseconds since `start`, as the `__u64` the ioctl returns.
fn ns_since(start: Instant<Monotonic>) -> u64 {
    u64::try_from(start.elapsed().as_nanos()).unwrap_or(0)
}

#[vtable]
impl MiscDevice for RustMiscPin {
    type Ptr = Pin<KBox<Self>>;

    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<Pin<KBox<Self>>> {
        KBox::try_pin_init(
            try_pin_init!(RustMiscPin {
                pinned <- new_mutex!(None),
            }),
            GFP_KERNEL,
        )
    }

    fn ioctl(me: Pin<&RustMiscPin>, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        let arg = UserPtr::from_addr(arg);
        match cmd {
            RUST_MISC_PIN_PIN => {
                let mut args = read_args::<5>(&mut UserSlice::new(arg, 40).reader())?;
                let (pages, bytes) = me.pin_range(args[0], args[1], args[2])?;
                (args[3], args[4]) = (pages as u64, bytes as u64);
                if let Err(err) = write_args(arg, &args) {
                    // User space cannot learn what it pinned: do not keep it.
                    drop(me.pinned.lock().take());
                    return Err(err);
                }
            }
            RUST_MISC_PIN_PROCESS => {
                let mut args = read_args::<2>(&mut UserSlice::new(arg, 16).reader())?;
                args[1] = me.process(args[0])?;
                write_args(arg, &args)?;
            }
            RUST_MISC_PIN_UNPIN => {
                // Dropped after the lock is released, as on close.
                let pinned = me.pinned.lock().take().ok_or(ENOENT)?;
                drop(pinned);
            }
            RUST_MISC_PIN_BENCH => {
                let mut args = read_args::<6>(&mut UserSlice::new(arg, 48).reader())?;
                (args[4], args[5]) = bench(args[0], args[1], args[2], args[3])?;
                write_args(arg, &args)?;
            }
            _ => return Err(ENOTTY),
        }
        Ok(0)
    }
}

impl RustMiscPin {
    /// `RUST_MISC_PIN_PIN`: returns the number of pages and of bytes pinned.
    fn pin_range(&self, addr: u64, len: u64, flags: u64) -> Result<(usize, usize)> {
        let pin = pin_flags(flags, RUST_MISC_PIN_WRITE | RUST_MISC_PIN_PARTIAL)?;
        let (addr, len, _) = range(addr, len, MAX_PAGES)?;
        let mut held = self.pinned.lock();
        if held.is_some() {
            return Err(EBUSY);
        }
        let start = UserPtr::from_addr(addr);
        let pin = pin | PinFlag::Longterm;
        let pinned = if flags & RUST_MISC_PIN_PARTIAL != 0 {
            PinnedPages::pin(start, len, pin)?
        } else {
            PinnedPages::pin_all(start, len, pin)?
        };
        let got = (pinned.nr_pages(), pinned.len());
        *held = Some(pinned);
        Ok(got)
    }

    /// `RUST_MISC_PIN_PROCESS`: returns the hash of the pinned bytes.
    fn process(&self, store_offset: u64) -> Result<u64> {
        let mut held = self.pinned.lock();
        let Some(pinned) = &mut *held else {
            return Err(ENOENT);
        };
        let hash = fnv1a(pinned)?;
        if store_offset != u64::MAX {
            let offset = usize::try_from(store_offset).map_err(|_| EINVAL)?;
            pinned.write(offset, &hash.to_ne_bytes())?;
        }
        Ok(hash)
    }
}

/// `RUST_MISC_PIN_BENCH`: returns the nanoseconds spent pinning and unpinning.
///
/// gup_test allocates its page array before it starts the clock and frees it after, and so does
/// this, with a [`PinStorage`]: what is timed is the API's work and GUP's.
fn bench(addr: u64, len: u64, pages_per_call: u64, flags: u64) -> Result<(u64, u64)> {
    let flags = pin_flags(flags, RUST_MISC_PIN_WRITE)?;
    let (addr, len, pages) = range(addr, len, MAX_BENCH_PAGES)?;
    let per_call = usize::try_from(pages_per_call).map_err(|_| EINVAL)?;
    let storage = PinStorage::with_capacity(pages)?;

    let start = Instant::<Monotonic>::now();
    let pinned = PinnedPages::pin_in(storage, UserPtr::from_addr(addr), len, per_call, flags)?;
    let pin_ns = ns_since(start);

    let start = Instant::<Monotonic>::now();
    let storage = pinned.unpin();
    let unpin_ns = ns_since(start);

    drop(storage);
    Ok((pin_ns, unpin_ns))
}
