// SPDX-License-Identifier: GPL-2.0

//! `gup_test.rs`: a Rust twin of `tools/testing/selftests/mm/gup_test.c`.
//!
//! It drives the kernel's `CONFIG_GUP_TEST` debugfs interface
//! (`/sys/kernel/debug/gup_test`, see `mm/gup_test.c` and `mm/gup_test.h`)
//! exactly like the C selftest does: same command line, same defaults, same
//! `mmap()`/`madvise()`/userspace fault-in/thread flow, same ioctls on the same
//! `struct gup_test`, and the same KTAP output (as produced by `kselftest.h`)
//! byte for byte, with the same exit codes.
//!
//! It is a single file built with plain `rustc` (no cargo, no crates); the few
//! libc functions it needs are declared by hand below, for 64-bit Linux with
//! the generic ioctl encoding and the generic `mman.h` values (x86-64, arm64,
//! riscv64), e.g.:
//!
//! ```text
//! rustc --edition 2021 -O -C target-feature=+crt-static -o gup_test_rs gup_test.rs
//! ```
//!
//! Usage (as for the C tool): `gup_test [options] [page_index ...]`, see
//! [`usage`]. The trailing operands are 0-based page indices (`strtol()` base
//! 0, at most `GUP_TEST_MAX_PAGES_TO_DUMP`) sent 1-based in `which_pages`, so
//! `./gup_test -ct -F 0x1 0 19 0x1000` dumps pages 0, 19 and 4096. Options and
//! operands may be mixed: like glibc `getopt()` (which permutes `argv` unless
//! `POSIXLY_CORRECT` is set), options are taken in order wherever they appear,
//! `--` ends them, and the operands keep their relative order.
//!
//! Deliberate differences from the C tool:
//!
//! * `-z` (listed in the C tool's getopt string, but with no `case` left, so the
//!   C tool bails out with "Wrong argument") means what it was added for in
//!   2021 ("fault pages in gup, do not fault in userland"): skip the userspace
//!   fault-in loop so that GUP itself faults the pages in, which lets one
//!   compare the two. The C tool then also set `FOLL_TOUCH` (0x02) in
//!   `gup_flags`; that flag has since become kernel-internal (`mm/internal.h`,
//!   rejected in `gup_flags` by `is_valid_gup_args()`) and `get_user_pages*()` /
//!   `pin_user_pages*()` add it themselves, so `-z` leaves `gup_flags` alone.
//!   The `case 'z'` was dropped later on, with `FOLL_TOUCH` gone from the
//!   flags userspace may pass, while `z` stayed in the getopt string; that is
//!   read as an oversight, not as an intent to reject `-z`.
//! * A bad argument (unknown option, missing option argument, or a number that
//!   does not parse completely or does not fit the C type) prints a diagnostic
//!   and a usage message to stderr, then the same `Bail out! Wrong argument`
//!   and `# Totals:` lines as the C tool on stdout, and exits with `KSFT_FAIL`.
//!   The C tool's `atoi()`/`strtol()` silently turn garbage into 0 instead.
//! * Test result lines are printed under a lock (the C tool updates the
//!   kselftest counters from several threads without one).
//! * With `-r` 0 or negative, a benchmark thread reports `ioctl status 0`
//!   (the C tool prints an uninitialized variable).
//! * The hugetlb settings restore on `SIGTERM`/`SIGINT`/`SIGHUP`/`SIGQUIT` (after `-H`)
//!   only uses async-signal-safe calls and ignores errors silently.
//! * A thread that cannot be created aborts the process like the C tool's
//!   `assert()`, with a different message on stderr.

use std::ffi::{CStr, CString, OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::mem::{offset_of, size_of};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread;

#[cfg(not(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64"
    )
)))]
compile_error!("gup_test.rs supports 64-bit Linux with the generic ABI: x86-64, arm64, riscv64");

/// Hand-written libc bindings (glibc prototypes, LP64: long = i64).
mod sys {
    use std::ffi::{c_char, c_void};

    pub const O_WRONLY: i32 = 0o1;

    pub const PROT_READ: i32 = 0x1;
    pub const PROT_WRITE: i32 = 0x2;
    pub const MAP_SHARED: i32 = 0x01;
    pub const MAP_PRIVATE: i32 = 0x02;
    pub const MAP_ANONYMOUS: i32 = 0x20;
    pub const MAP_HUGETLB: i32 = 0x40000;
    pub const MAP_FAILED: usize = usize::MAX;
    pub const MADV_HUGEPAGE: i32 = 14;
    pub const MADV_NOHUGEPAGE: i32 = 15;

    pub const SC_PAGESIZE: i32 = 30;

    pub const ENOENT: i32 = 2;
    pub const EACCES: i32 = 13;
    pub const EINVAL: i32 = 22;

    pub const SIGHUP: i32 = 1;
    pub const SIGINT: i32 = 2;
    pub const SIGQUIT: i32 = 3;
    pub const SIGPIPE: i32 = 13;
    pub const SIGTERM: i32 = 15;
    pub const SIG_DFL: usize = 0;

    // SAFETY: each declaration matches the glibc prototype on 64-bit Linux
    // (int = i32, long/off_t = i64, size_t = usize, ssize_t = isize,
    // uid_t = u32, sighandler_t = a function pointer passed as usize).
    unsafe extern "C" {
        pub fn open(pathname: *const c_char, flags: i32, ...) -> i32;
        pub fn write(fd: i32, buf: *const c_void, count: usize) -> isize;
        pub fn close(fd: i32) -> i32;
        pub fn ioctl(fd: i32, request: u64, ...) -> i32;
        pub fn mmap(
            addr: *mut c_void,
            length: usize,
            prot: i32,
            flags: i32,
            fd: i32,
            offset: i64,
        ) -> *mut c_void;
        pub fn madvise(addr: *mut c_void, length: usize, advice: i32) -> i32;
        pub fn getuid() -> u32;
        pub fn sysconf(name: i32) -> i64;
        pub fn strerror(errnum: i32) -> *const c_char;
        pub fn signal(signum: i32, handler: usize) -> usize;
        pub fn _exit(status: i32) -> !;
    }
}

// ---------------------------------------------------------------------------
// mm/gup_test.h
// ---------------------------------------------------------------------------

const GUP_TEST_MAX_PAGES_TO_DUMP: usize = 8;
const GUP_TEST_FLAG_DUMP_PAGES_USE_PIN: u32 = 0x1;

/// `struct gup_test` from `mm/gup_test.h`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct GupTest {
    get_delta_usec: u64,
    put_delta_usec: u64,
    addr: u64,
    size: u64,
    nr_pages_per_call: u32,
    gup_flags: u32,
    test_flags: u32,
    /// Each non-zero entry is the number of the page (1-based: first page is
    /// page 1, so that zero entries mean "do nothing") from the .addr base.
    which_pages: [u32; GUP_TEST_MAX_PAGES_TO_DUMP],
}

const _: () = assert!(size_of::<GupTest>() == 80);
const _: () = assert!(offset_of!(GupTest, get_delta_usec) == 0);
const _: () = assert!(offset_of!(GupTest, put_delta_usec) == 8);
const _: () = assert!(offset_of!(GupTest, addr) == 16);
const _: () = assert!(offset_of!(GupTest, size) == 24);
const _: () = assert!(offset_of!(GupTest, nr_pages_per_call) == 32);
const _: () = assert!(offset_of!(GupTest, gup_flags) == 36);
const _: () = assert!(offset_of!(GupTest, test_flags) == 40);
const _: () = assert!(offset_of!(GupTest, which_pages) == 44);

// Generic ioctl number encoding (include/uapi/asm-generic/ioctl.h).
const IOC_NRSHIFT: u32 = 0;
const IOC_TYPESHIFT: u32 = 8;
const IOC_SIZESHIFT: u32 = 16;
const IOC_DIRSHIFT: u32 = 30;
const IOC_SIZEBITS: u32 = 14;
const IOC_WRITE: u64 = 1;
const IOC_READ: u64 = 2;

/// `_IOC(dir, type, nr, size)`.
const fn ioc(dir: u64, ty: u8, nr: u8, size: usize) -> u64 {
    assert!(size < (1 << IOC_SIZEBITS));
    (dir << IOC_DIRSHIFT)
        | ((size as u64) << IOC_SIZESHIFT)
        | ((ty as u64) << IOC_TYPESHIFT)
        | ((nr as u64) << IOC_NRSHIFT)
}

/// `_IOWR(type, nr, struct gup_test)`.
const fn iowr_gup_test(ty: u8, nr: u8) -> u64 {
    ioc(IOC_READ | IOC_WRITE, ty, nr, size_of::<GupTest>())
}

const GUP_FAST_BENCHMARK: u64 = iowr_gup_test(b'g', 1);
const PIN_FAST_BENCHMARK: u64 = iowr_gup_test(b'g', 2);
const PIN_LONGTERM_BENCHMARK: u64 = iowr_gup_test(b'g', 3);
const GUP_BASIC_TEST: u64 = iowr_gup_test(b'g', 4);
const PIN_BASIC_TEST: u64 = iowr_gup_test(b'g', 5);
const DUMP_USER_PAGES_TEST: u64 = iowr_gup_test(b'g', 6);

const _: () = assert!(GUP_FAST_BENCHMARK == 0xC050_6701);
const _: () = assert!(PIN_FAST_BENCHMARK == 0xC050_6702);
const _: () = assert!(PIN_LONGTERM_BENCHMARK == 0xC050_6703);
const _: () = assert!(GUP_BASIC_TEST == 0xC050_6704);
const _: () = assert!(PIN_BASIC_TEST == 0xC050_6705);
const _: () = assert!(DUMP_USER_PAGES_TEST == 0xC050_6706);

// ---------------------------------------------------------------------------
// gup_test.c constants
// ---------------------------------------------------------------------------

const MB: u64 = 1 << 20;

/// Just the flags we need, copied from the kernel internals.
const FOLL_WRITE: u32 = 0x01;

const GUP_TEST_FILE: &str = "/sys/kernel/debug/gup_test";

/// The C tool's `getopt()` option string.
const OPTSTRING: &[u8] = b"m:r:n:F:f:abcj:tTLUuwWSHpz";

fn cmd_to_str(cmd: u64) -> &'static str {
    match cmd {
        GUP_FAST_BENCHMARK => "GUP_FAST_BENCHMARK",
        PIN_FAST_BENCHMARK => "PIN_FAST_BENCHMARK",
        PIN_LONGTERM_BENCHMARK => "PIN_LONGTERM_BENCHMARK",
        GUP_BASIC_TEST => "GUP_BASIC_TEST",
        PIN_BASIC_TEST => "PIN_BASIC_TEST",
        DUMP_USER_PAGES_TEST => "DUMP_USER_PAGES_TEST",
        _ => "Unknown command",
    }
}

// ---------------------------------------------------------------------------
// kselftest.h
// ---------------------------------------------------------------------------

const KSFT_PASS: i32 = 0;
const KSFT_FAIL: i32 = 1;
const KSFT_SKIP: i32 = 4;

/// `struct ksft_count` plus `ksft_plan`.
struct Ksft {
    pass: u32,
    fail: u32,
    xfail: u32,
    xpass: u32,
    xskip: u32,
    error: u32,
    plan: u32,
}

impl Ksft {
    const fn new() -> Self {
        Ksft {
            pass: 0,
            fail: 0,
            xfail: 0,
            xpass: 0,
            xskip: 0,
            error: 0,
            plan: 0,
        }
    }

    fn test_num(&self) -> u32 {
        self.pass
            .wrapping_add(self.fail)
            .wrapping_add(self.xfail)
            .wrapping_add(self.xpass)
            .wrapping_add(self.xskip)
            .wrapping_add(self.error)
    }

    /// The text `ksft_print_cnts()` prints.
    fn cnts(&self) -> String {
        let mut s = String::new();
        if self.xskip > 0 {
            s.push_str(&format!(
                "# {} skipped test(s) detected. Consider enabling relevant config options to \
                 improve coverage.\n",
                self.xskip
            ));
        }
        if self.plan != self.test_num() {
            s.push_str(&format!(
                "# Planned tests != run tests ({} != {})\n",
                self.plan,
                self.test_num()
            ));
        }
        s.push_str(&format!(
            "# Totals: pass:{} fail:{} xfail:{} xpass:{} skip:{} error:{}\n",
            self.pass, self.fail, self.xfail, self.xpass, self.xskip, self.error
        ));
        s
    }
}

static KSFT: Mutex<Ksft> = Mutex::new(Ksft::new());

/// Serializes the multi-part messages of the worker threads.
static PRINT_MUTEX: Mutex<()> = Mutex::new(());

fn ksft() -> MutexGuard<'static, Ksft> {
    KSFT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Writes to stdout at once; like `printf()`, write errors are ignored.
fn out(bytes: &[u8]) {
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(bytes);
    let _ = stdout.flush();
}

fn ksft_print_header() {
    if std::env::var_os("KSFT_TAP_LEVEL").is_none() {
        out(b"TAP version 13\n");
    }
}

fn ksft_set_plan(plan: u32) {
    ksft().plan = plan;
    out(format!("1..{plan}\n").as_bytes());
}

fn ksft_print_msg(msg: &[u8]) {
    out(&[b"# ", msg].concat());
}

fn ksft_print_cnts() {
    let cnts = ksft().cnts();
    out(cnts.as_bytes());
}

/// `ksft_test_result()`: `ok N msg` or `not ok N msg`.
fn ksft_test_result(condition: bool, msg: &str) {
    let mut k = ksft();
    let line = if condition {
        k.pass += 1;
        format!("ok {} {msg}", k.test_num())
    } else {
        k.fail += 1;
        format!("not ok {} {msg}", k.test_num())
    };
    out(line.as_bytes());
}

fn ksft_test_result_skip(msg: &str) {
    let mut k = ksft();
    k.xskip += 1;
    let line = format!("ok {} # SKIP {msg}", k.test_num());
    out(line.as_bytes());
}

fn ksft_exit_pass() -> ! {
    ksft_print_cnts();
    exit(KSFT_PASS)
}

fn ksft_exit_fail_msg(msg: &[u8]) -> ! {
    out(&[b"Bail out! ", msg].concat());
    ksft_print_cnts();
    exit(KSFT_FAIL)
}

/// `ksft_exit_fail_perror()` with an explicit errno.
fn ksft_exit_fail_perror(msg: &str, errnum: i32) -> ! {
    ksft_exit_fail_msg(format!("{msg}: {} ({errnum})\n", strerror(errnum)).as_bytes())
}

fn ksft_exit_skip(msg: &str) -> ! {
    let (line, print_cnts) = {
        let mut k = ksft();
        let line = if k.plan != 0 || k.test_num() != 0 {
            k.xskip += 1;
            format!("ok {} # SKIP {msg}", k.test_num())
        } else {
            format!("1..0 # SKIP {msg}")
        };
        (line, k.test_num() != 0)
    };
    out(line.as_bytes());
    if print_cnts {
        ksft_print_cnts();
    }
    exit(KSFT_SKIP)
}

// ---------------------------------------------------------------------------
// exit() and its atexit() handler
// ---------------------------------------------------------------------------

/// Set once `hugepage_save_settings()` has registered the restore handler.
static ATEXIT_REGISTERED: AtomicBool = AtomicBool::new(false);
/// Set when the restore handler starts, so that it runs at most once.
static RESTORE_STARTED: AtomicBool = AtomicBool::new(false);

/// `exit()`: runs the registered restore handler, then exits. A failure in the
/// handler exits with `KSFT_FAIL` from within, as a nested `exit()` would.
fn exit(code: i32) -> ! {
    if ATEXIT_REGISTERED.load(Ordering::SeqCst) && !RESTORE_STARTED.swap(true, Ordering::SeqCst) {
        hugetlb_restore_settings();
    }
    let _ = io::stdout().lock().flush();
    std::process::exit(code)
}

// ---------------------------------------------------------------------------
// libc helpers
// ---------------------------------------------------------------------------

fn strerror(errnum: i32) -> String {
    // SAFETY: strerror() accepts any errno value and returns a NUL-terminated
    // string (or NULL) that stays valid until the next strerror() call on this
    // thread; it is copied right away, and only the main thread calls it.
    let msg = unsafe { sys::strerror(errnum) };
    if msg.is_null() {
        return format!("Unknown error {errnum}");
    }
    // SAFETY: `msg` is a non-NULL NUL-terminated string (see above).
    let msg = unsafe { CStr::from_ptr(msg) };
    String::from_utf8_lossy(msg.to_bytes()).into_owned()
}

fn os_errno(err: &io::Error) -> i32 {
    err.raw_os_error().unwrap_or(0)
}

fn last_errno() -> i32 {
    os_errno(&io::Error::last_os_error())
}

/// `psize()` from `vm_util.h`: `sysconf(_SC_PAGESIZE)` as an unsigned int.
fn psize() -> u32 {
    static PAGE_SIZE: OnceLock<u32> = OnceLock::new();
    // SAFETY: sysconf() has no preconditions.
    *PAGE_SIZE.get_or_init(|| unsafe { sys::sysconf(sys::SC_PAGESIZE) } as u32)
}

fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Strict `strtol()`: optional leading white space and sign, then digits in
/// `radix` (or, with `radix` 0, a C integer constant: `0x` hex, `0` octal,
/// else decimal) up to the end of the string, within the range of a long.
fn parse_c_long(s: &[u8], radix: u32) -> Option<i64> {
    let mut s = s;
    while let [first, rest @ ..] = s {
        if !is_c_space(*first) {
            break;
        }
        s = rest;
    }
    let negative = s.first() == Some(&b'-');
    if matches!(s.first(), Some(b'-' | b'+')) {
        s = &s[1..];
    }
    let (radix, digits) = match radix {
        0 if s.starts_with(b"0x") || s.starts_with(b"0X") => (16, &s[2..]),
        0 if s.starts_with(b"0") => (8, s),
        0 => (10, s),
        _ => (radix, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut magnitude: u64 = 0;
    for &d in digits {
        let digit = char::from(d).to_digit(radix)?;
        magnitude = magnitude
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(digit))?;
    }
    if negative {
        if magnitude > i64::MAX as u64 + 1 {
            return None;
        }
        Some((magnitude as i64).wrapping_neg())
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Strict `atoi()`: a decimal number that fits in an int.
fn parse_atoi(s: &[u8]) -> Option<i32> {
    parse_c_long(s, 10).and_then(|v| i32::try_from(v).ok())
}

/// Strict `strtol(s, NULL, 0)`.
fn parse_strtol0(s: &[u8]) -> Option<i64> {
    parse_c_long(s, 0)
}

/// The `%lu` of scanf()/strtoul(s, NULL, 10): leading white space, optional
/// sign, decimal digits (at least one), saturating on overflow; trailing text
/// is ignored. `None` if there are no digits.
fn scan_ulong(s: &[u8]) -> Option<u64> {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let start = i;
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).filter(|d| d.is_ascii_digit()) {
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        None
    } else if overflow {
        Some(u64::MAX)
    } else if negative {
        Some(value.wrapping_neg())
    } else {
        Some(value)
    }
}

// ---------------------------------------------------------------------------
// vm_util.c: read_file(), read_num(), write_num_ignore_einval()
// ---------------------------------------------------------------------------

/// `read_file(path, buf, 21)`: one `read()` of at most 20 bytes; `Err(errno)`
/// if the file cannot be opened or nothing was read.
fn read_file(path: &str) -> Result<Vec<u8>, i32> {
    let mut file = File::open(path).map_err(|e| os_errno(&e))?;
    let mut buf = [0u8; 20];
    match file.read(&mut buf) {
        Ok(0) => Err(last_errno()),
        Ok(n) => Ok(buf[..n].to_vec()),
        Err(e) => Err(os_errno(&e)),
    }
}

fn read_num(path: &str) -> u64 {
    match read_file(path) {
        Ok(buf) => scan_ulong(&buf).unwrap_or(0),
        Err(errnum) => ksft_exit_fail_perror("read_file()", errnum),
    }
}

fn write_num_ignore_einval(path: &str, num: u64) {
    let buf = num.to_string();
    let mut file = match OpenOptions::new().write(true).open(path) {
        Ok(file) => file,
        Err(e) => ksft_exit_fail_msg(
            format!("{path} open failed: {}\n", strerror(os_errno(&e))).as_bytes(),
        ),
    };
    let written = file.write(buf.as_bytes());
    drop(file);
    match written {
        Err(e) if os_errno(&e) == sys::EINVAL => {}
        Err(e) => ksft_exit_fail_msg(
            format!("{path} write({buf}) failed: {}\n", strerror(os_errno(&e))).as_bytes(),
        ),
        Ok(n) if n != buf.len() => ksft_exit_fail_msg(
            format!(
                "{path} write({buf}) is truncated, expected {} bytes, got {n} bytes\n",
                buf.len()
            )
            .as_bytes(),
        ),
        Ok(_) => {}
    }
}

// ---------------------------------------------------------------------------
// hugepage_settings.c: the HugeTLB part
// ---------------------------------------------------------------------------

const HUGETLB_MAX_NR_PAGESIZES: usize = 10;
const HUGETLB_SYSFS: &str = "/sys/kernel/mm/hugepages/";

/// One `nr_hugepages` value to write back at exit.
struct RestoreEntry {
    path: String,
    value: u64,
    /// `path` for the signal handler (`None` if it cannot be a C string).
    c_path: Option<CString>,
    /// `value` in decimal, for the signal handler.
    c_value: Vec<u8>,
}

/// The saved `struct hugetlb_settings`; set once saving succeeded.
struct HugetlbSettings {
    default_size: u64,
    restore: Vec<RestoreEntry>,
}

static HUGETLB_SAVED: OnceLock<HugetlbSettings> = OnceLock::new();

fn hugetlb_sysfs_path(size: u64, attr: &str) -> String {
    format!("{HUGETLB_SYSFS}hugepages-{}kB/{attr}", size / 1024)
}

fn default_huge_page_size() -> u64 {
    if let Some(saved) = HUGETLB_SAVED.get() {
        if saved.default_size != 0 {
            return saved.default_size;
        }
    }
    let Ok(meminfo) = std::fs::read("/proc/meminfo") else {
        return 0;
    };
    for line in meminfo.split(|&b| b == b'\n') {
        if let Some(kb) = line.strip_prefix(b"Hugepagesize:").and_then(scan_ulong) {
            return kb << 10;
        }
    }
    0
}

fn detect_hugetlb_page_sizes(max: usize) -> Vec<u64> {
    let mut sizes = Vec::new();
    let Ok(mut dir) = std::fs::read_dir(HUGETLB_SYSFS) else {
        return sizes;
    };
    while sizes.len() < max {
        let Some(Ok(entry)) = dir.next() else {
            break;
        };
        if !entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            continue;
        }
        let name = entry.file_name();
        let Some(kb) = name
            .as_bytes()
            .strip_prefix(b"hugepages-")
            .and_then(scan_ulong)
        else {
            continue;
        };
        sizes.push(kb.wrapping_mul(1024));
        ksft_print_msg(format!("[INFO] detected hugetlb page size: {kb} KiB\n").as_bytes());
    }
    sizes
}

fn hugetlb_nr_pages(size: u64) -> u64 {
    read_num(&hugetlb_sysfs_path(size, "nr_hugepages"))
}

fn hugetlb_set_nr_pages(size: u64, nr: u64) {
    write_num_ignore_einval(&hugetlb_sysfs_path(size, "nr_hugepages"), nr);
}

fn hugetlb_free_pages(size: u64) -> u64 {
    read_num(&hugetlb_sysfs_path(size, "free_hugepages"))
}

/// `__hugetlb_save_settings()`.
fn hugetlb_save_current_settings() {
    if HUGETLB_SAVED.get().is_some() {
        return;
    }
    let default_size = default_huge_page_size();
    if default_size == 0 {
        return;
    }
    let sizes = detect_hugetlb_page_sizes(HUGETLB_MAX_NR_PAGESIZES);
    if sizes.is_empty() {
        return;
    }
    let mut restore = Vec::new();
    for size in sizes.into_iter().filter(|&size| size != 0) {
        let path = hugetlb_sysfs_path(size, "nr_hugepages");
        let value = read_num(&path);
        restore.push(RestoreEntry {
            c_path: CString::new(path.clone()).ok(),
            c_value: value.to_string().into_bytes(),
            path,
            value,
        });
    }
    let _ = HUGETLB_SAVED.set(HugetlbSettings {
        default_size,
        restore,
    });
}

/// `hugetlb_restore_settings()`, the `atexit()` handler.
fn hugetlb_restore_settings() {
    let Some(saved) = HUGETLB_SAVED.get() else {
        return;
    };
    if saved.default_size == 0 {
        return;
    }
    for entry in &saved.restore {
        write_num_ignore_einval(&entry.path, entry.value);
    }
}

/// `hugepage_restore_settings_sighandler()`: restore, then exit with
/// `KSFT_FAIL`, using only async-signal-safe calls.
extern "C" fn hugepage_restore_settings_sighandler(_sig: i32) {
    if !RESTORE_STARTED.swap(true, Ordering::SeqCst) {
        if let Some(saved) = HUGETLB_SAVED.get() {
            for entry in &saved.restore {
                let Some(path) = &entry.c_path else {
                    continue;
                };
                // SAFETY: open() is async-signal-safe and `path` is a
                // NUL-terminated string owned by a static that is never
                // modified again.
                let fd = unsafe { sys::open(path.as_ptr(), sys::O_WRONLY) };
                if fd < 0 {
                    continue;
                }
                let value = &entry.c_value;
                // SAFETY: write() is async-signal-safe and `value` is valid
                // for `value.len()` bytes (same static as above).
                unsafe { sys::write(fd, value.as_ptr().cast(), value.len()) };
                // SAFETY: close() is async-signal-safe; `fd` was opened above.
                unsafe { sys::close(fd) };
            }
        }
    }
    // SAFETY: _exit() is async-signal-safe and never returns.
    unsafe { sys::_exit(KSFT_FAIL) }
}

/// `hugepage_save_settings(false, true)`.
fn hugetlb_save_settings() {
    hugetlb_save_current_settings();
    ATEXIT_REGISTERED.store(true, Ordering::SeqCst);
    let handler = hugepage_restore_settings_sighandler as extern "C" fn(i32) as usize;
    for sig in [sys::SIGTERM, sys::SIGINT, sys::SIGHUP, sys::SIGQUIT] {
        // SAFETY: the handler has the `void (*)(int)` signature and only
        // performs async-signal-safe operations.
        unsafe { sys::signal(sig, handler) };
    }
}

fn hugetlb_setup_default(nr: u64) -> bool {
    hugetlb_save_settings();
    let size = default_huge_page_size();
    if size == 0 {
        return false;
    }
    let free = hugetlb_free_pages(size);
    let total = hugetlb_nr_pages(size);
    if free >= nr {
        return true;
    }
    hugetlb_set_nr_pages(size, total.wrapping_add(nr - free));
    hugetlb_free_pages(size) >= nr
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

/// What the command line asks for, with the C tool's defaults.
struct Config {
    cmd: u64,
    repeats: i32,
    size: u64,
    gup: GupTest,
    nr_pages: i32,
    /// `-t`: Some(true), `-T`: Some(false).
    thp: Option<bool>,
    write: bool,
    nthreads: i32,
    map_flags: i32,
    file: OsString,
    hugetlb: bool,
    /// Cleared by `-z`: leave the faulting-in to GUP.
    fault_in_from_user: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cmd: GUP_FAST_BENCHMARK,
            repeats: 1,
            size: 128 * MB,
            gup: GupTest::default(),
            nr_pages: 1,
            thp: None,
            write: true,
            nthreads: 1,
            map_flags: sys::MAP_PRIVATE,
            file: OsString::from("/dev/zero"),
            hugetlb: false,
            fault_in_from_user: true,
        }
    }
}

#[derive(Debug)]
enum ArgError<'a> {
    InvalidOption(u8),
    MissingArgument(u8),
    BadNumber(u8, &'a [u8]),
    BadPageIndex(&'a [u8]),
}

/// A `getopt()` that behaves like glibc's for an option string without `+`,
/// `-` or `:` prefixes and without long options.
struct Getopt<'a> {
    args: &'a [OsString],
    /// The next element of `args` to look at.
    index: usize,
    /// Inside a cluster of options: (element, byte offset of the next option).
    cluster: Option<(usize, usize)>,
    /// Stop at the first operand (`POSIXLY_CORRECT`), instead of permuting.
    require_order: bool,
    operands: Vec<&'a [u8]>,
}

impl<'a> Getopt<'a> {
    fn new(args: &'a [OsString], require_order: bool) -> Self {
        Getopt {
            args,
            index: 1,
            cluster: None,
            require_order,
            operands: Vec::new(),
        }
    }

    /// Whether option `c` exists and whether it takes an argument.
    fn lookup(c: u8) -> Option<bool> {
        if c == b':' {
            return None;
        }
        let pos = OPTSTRING.iter().position(|&o| o == c)?;
        Some(OPTSTRING.get(pos + 1) == Some(&b':'))
    }

    fn take_rest_as_operands(&mut self) {
        for arg in &self.args[self.index..] {
            self.operands.push(arg.as_bytes());
        }
        self.index = self.args.len();
    }

    /// The next option and its argument (empty if it takes none), or `None`
    /// once the options are exhausted.
    fn next_opt(&mut self) -> Option<Result<(u8, &'a [u8]), ArgError<'a>>> {
        loop {
            if let Some((elem, offset)) = self.cluster {
                let bytes = self.args[elem].as_bytes();
                let c = bytes[offset];
                let rest = &bytes[offset + 1..];
                self.cluster = if rest.is_empty() {
                    None
                } else {
                    Some((elem, offset + 1))
                };
                return Some(match Self::lookup(c) {
                    None => Err(ArgError::InvalidOption(c)),
                    Some(false) => Ok((c, &[][..])),
                    Some(true) if !rest.is_empty() => {
                        self.cluster = None;
                        Ok((c, rest))
                    }
                    Some(true) => match self.args.get(self.index) {
                        Some(arg) => {
                            self.index += 1;
                            Ok((c, arg.as_bytes()))
                        }
                        None => Err(ArgError::MissingArgument(c)),
                    },
                });
            }
            let arg = self.args.get(self.index)?.as_bytes();
            if arg == b"--" {
                self.index += 1;
                self.take_rest_as_operands();
                return None;
            }
            if arg.len() < 2 || arg[0] != b'-' {
                if self.require_order {
                    self.take_rest_as_operands();
                    return None;
                }
                self.operands.push(arg);
                self.index += 1;
                continue;
            }
            self.cluster = Some((self.index, 1));
            self.index += 1;
        }
    }
}

fn parse_args(args: &[OsString]) -> Result<Config, ArgError<'_>> {
    let mut cfg = Config::default();
    let mut getopt = Getopt::new(args, std::env::var_os("POSIXLY_CORRECT").is_some());

    while let Some(opt) = getopt.next_opt() {
        let (c, optarg) = opt?;
        let atoi = || parse_atoi(optarg).ok_or(ArgError::BadNumber(c, optarg));
        match c {
            b'a' => cfg.cmd = PIN_FAST_BENCHMARK,
            b'b' => cfg.cmd = PIN_BASIC_TEST,
            b'L' => cfg.cmd = PIN_LONGTERM_BENCHMARK,
            b'c' => {
                cfg.cmd = DUMP_USER_PAGES_TEST;
                // Dump page 0 (index 1). May be overridden later, by user's
                // non-option arguments.
                cfg.gup.which_pages[0] = 1;
            }
            // works only with DUMP_USER_PAGES_TEST
            b'p' => cfg.gup.test_flags |= GUP_TEST_FLAG_DUMP_PAGES_USE_PIN,
            // strtol, so you can pass flags in hex form
            b'F' => {
                let flags = parse_strtol0(optarg).ok_or(ArgError::BadNumber(c, optarg))?;
                cfg.gup.gup_flags = flags as u32;
            }
            b'j' => cfg.nthreads = atoi()?,
            b'm' => cfg.size = (i64::from(atoi()?) as u64).wrapping_mul(MB),
            b'r' => cfg.repeats = atoi()?,
            b'n' => {
                cfg.nr_pages = atoi()?;
                if cfg.nr_pages < 0 {
                    cfg.nr_pages = (cfg.size / u64::from(psize())) as i32;
                }
            }
            b't' => cfg.thp = Some(true),
            b'T' => cfg.thp = Some(false),
            b'U' => cfg.cmd = GUP_BASIC_TEST,
            b'u' => cfg.cmd = GUP_FAST_BENCHMARK,
            b'w' => cfg.write = true,
            b'W' => cfg.write = false,
            b'f' => cfg.file = OsStr::from_bytes(optarg).to_os_string(),
            b'S' => {
                cfg.map_flags &= !sys::MAP_PRIVATE;
                cfg.map_flags |= sys::MAP_SHARED;
            }
            b'H' => {
                cfg.map_flags |= sys::MAP_HUGETLB | sys::MAP_ANONYMOUS;
                cfg.hugetlb = true;
            }
            b'z' => cfg.fault_in_from_user = false,
            _ => return Err(ArgError::InvalidOption(c)),
        }
    }

    // For example "./gup_test -c 0 1 0x1001" dumps pages 0, 1, and 4097. Do
    // the 1-based indexing here, so that the user can use normal 0-based
    // indexing on the command line. Operands beyond the first
    // GUP_TEST_MAX_PAGES_TO_DUMP are ignored, as in the C tool.
    for (slot, &operand) in cfg.gup.which_pages.iter_mut().zip(&getopt.operands) {
        let index = parse_strtol0(operand).ok_or(ArgError::BadPageIndex(operand))?;
        *slot = index.wrapping_add(1) as u32;
    }
    Ok(cfg)
}

fn usage(prog: &[u8]) -> Vec<u8> {
    let text = " [options] [page_index ...]
Run one get_user_pages()/pin_user_pages() test through /sys/kernel/debug/gup_test.
  -u           GUP_FAST_BENCHMARK: get_user_pages_fast() (default)
  -a           PIN_FAST_BENCHMARK: pin_user_pages_fast()
  -L           PIN_LONGTERM_BENCHMARK: pin_user_pages(FOLL_LONGTERM)
  -U           GUP_BASIC_TEST: get_user_pages()
  -b           PIN_BASIC_TEST: pin_user_pages()
  -c           DUMP_USER_PAGES_TEST: dump page 0, or the given page indices
  -p           with -c: pin the pages instead of getting them
  -m MB        size of the mapping in MiB (default 128)
  -n PAGES     pages per GUP call (default 1; negative: the whole mapping)
  -r COUNT     benchmark repetitions per thread (default 1)
  -j THREADS   number of threads, one ioctl each (default 1)
  -F FLAGS     gup_flags, any C integer constant, e.g. 0x1 (default 0)
  -w / -W      add FOLL_WRITE to gup_flags (default) / do not
  -f FILE      file to map (default /dev/zero)
  -S           MAP_SHARED instead of MAP_PRIVATE
  -H           MAP_HUGETLB | MAP_ANONYMOUS, in default-size huge pages
  -t / -T      madvise(MADV_HUGEPAGE) / madvise(MADV_NOHUGEPAGE)
  -z           do not fault the pages in from user space, let GUP do it
page_index: 0-based page numbers for -c (C integer constants, at most 8)
";
    [b"Usage: ", prog, text.as_bytes()].concat()
}

/// A bad argument: diagnostic and usage on stderr, then the C tool's
/// `ksft_exit_fail_msg("Wrong argument\n")`.
fn bad_argument(args: &[OsString], err: &ArgError<'_>) -> ! {
    let prog = args.first().map_or(&b"gup_test"[..], |a| a.as_bytes());
    let diag: Vec<u8> = match *err {
        ArgError::InvalidOption(c) => [&b": invalid option -- '"[..], &[c], b"'\n"].concat(),
        ArgError::MissingArgument(c) => {
            [&b": option requires an argument -- '"[..], &[c], b"'\n"].concat()
        }
        ArgError::BadNumber(c, value) => [
            &b": invalid number for option -- '"[..],
            &[c],
            b"': '",
            value,
            b"'\n",
        ]
        .concat(),
        ArgError::BadPageIndex(value) => [&b": invalid page index: '"[..], value, b"'\n"].concat(),
    };
    let _ = io::stderr()
        .lock()
        .write_all(&[prog, &diag, &usage(prog)].concat());
    ksft_exit_fail_msg(b"Wrong argument\n")
}

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

/// What one thread needs: a copy of the request and the globals of the C tool.
#[derive(Clone, Copy)]
struct ThreadCtx {
    gup: GupTest,
    cmd: u64,
    size: u64,
    repeats: i32,
    gup_fd: RawFd,
}

fn gup_ioctl(fd: RawFd, cmd: u64, gup: &mut GupTest) -> i32 {
    // SAFETY: `cmd` is one of the _IOWR('g', n, struct gup_test) requests, for
    // which the kernel reads and writes size_of::<GupTest>() bytes at the
    // pointer; it points to a live GupTest that is exclusively borrowed here.
    unsafe { sys::ioctl(fd, cmd, std::ptr::from_mut(gup)) }
}

fn gup_thread(ctx: ThreadCtx) {
    let mut gup = ctx.gup;
    let mut status = 0;
    let name = cmd_to_str(ctx.cmd);

    // Only report timing information on the *_BENCHMARK commands:
    if matches!(
        ctx.cmd,
        PIN_FAST_BENCHMARK | GUP_FAST_BENCHMARK | PIN_LONGTERM_BENCHMARK
    ) {
        for _ in 0..ctx.repeats {
            gup.size = ctx.size;
            status = gup_ioctl(ctx.gup_fd, ctx.cmd, &mut gup);
            if status != 0 {
                break;
            }
            let _print = PRINT_MUTEX.lock().unwrap_or_else(PoisonError::into_inner);
            // Three ksft_print_msg() calls, each with its "# " prefix.
            let mut msg = format!(
                "# {name}: Time: get:{} put:{} us",
                gup.get_delta_usec as i64, gup.put_delta_usec as i64
            );
            if gup.size != ctx.size {
                msg.push_str(&format!("# , truncated (size: {})", gup.size as i64));
            }
            msg.push_str("# \n");
            out(msg.as_bytes());
        }
    } else {
        gup.size = ctx.size;
        status = gup_ioctl(ctx.gup_fd, ctx.cmd, &mut gup);
        if status == 0 {
            let _print = PRINT_MUTEX.lock().unwrap_or_else(PoisonError::into_inner);
            let mut msg = format!("# {name}: done\n");
            if gup.size != ctx.size {
                msg.push_str(&format!("# Truncated (size: {})\n", gup.size as i64));
            }
            out(msg.as_bytes());
        }
    }

    ksft_test_result(status == 0, &format!("ioctl status {status}\n"));
}

/// Stands in for the C tool's failing `assert()`s around the threads.
fn thread_failure(what: &str) -> ! {
    let _ = writeln!(io::stderr().lock(), "gup_test: {what}");
    std::process::abort()
}

/// Runs `gup_thread()` in `nthreads` threads and waits for them.
fn run_threads(ctx: ThreadCtx, nthreads: i32) {
    let Ok(nthreads) = usize::try_from(nthreads) else {
        thread_failure("cannot allocate the thread handles");
    };
    let mut threads = Vec::new();
    for _ in 0..nthreads {
        match thread::Builder::new().spawn(move || gup_thread(ctx)) {
            Ok(handle) => threads.push(handle),
            Err(e) => thread_failure(&format!("cannot create a thread: {e}")),
        }
    }
    for handle in threads {
        if handle.join().is_err() {
            thread_failure("a thread failed");
        }
    }
}

/// Opens the debugfs file, or explains why not and skips, as the C tool does.
fn open_gup_test_file() -> File {
    match OpenOptions::new()
        .read(true)
        .write(true)
        .open(GUP_TEST_FILE)
    {
        Ok(file) => file,
        Err(e) => {
            match os_errno(&e) {
                sys::EACCES => {
                    // SAFETY: getuid() has no preconditions and cannot fail.
                    if unsafe { sys::getuid() } != 0 {
                        ksft_print_msg(b"Please run this test as root\n");
                    }
                }
                sys::ENOENT => {
                    if std::fs::read_dir("/sys/kernel/debug").is_err() {
                        ksft_print_msg(b"mount debugfs at /sys/kernel/debug\n");
                    }
                    ksft_print_msg(b"check if CONFIG_GUP_TEST is enabled in kernel config\n");
                }
                errnum => ksft_print_msg(
                    format!("failed to open {GUP_TEST_FILE}: {}\n", strerror(errnum)).as_bytes(),
                ),
            }
            ksft_test_result_skip("Please run this test as root\n");
            ksft_exit_pass();
        }
    }
}

fn run(cfg: &Config) -> ! {
    let mut size = cfg.size;

    ksft_print_header();

    if cfg.hugetlb {
        let hp_size = default_huge_page_size();
        if hp_size == 0 {
            ksft_exit_skip("HugeTLB is unavailable\n");
        }
        size = size.wrapping_add(hp_size - 1) & !(hp_size - 1);
        if !hugetlb_setup_default(size / hp_size) {
            ksft_exit_skip("Not enough huge pages\n");
        }
    }

    ksft_set_plan(cfg.nthreads as u32);

    let filed = match OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o664)
        .open(&cfg.file)
    {
        Ok(file) => file,
        Err(e) => ksft_exit_fail_msg(
            &[
                &b"Unable to open "[..],
                cfg.file.as_bytes(),
                b": ",
                strerror(os_errno(&e)).as_bytes(),
                b"\n",
            ]
            .concat(),
        ),
    };

    let mut gup = cfg.gup;
    gup.nr_pages_per_call = cfg.nr_pages as u32;
    if cfg.write {
        gup.gup_flags |= FOLL_WRITE;
    }

    let gup_file = open_gup_test_file();

    // SAFETY: a new mapping at an address of the kernel's choosing cannot
    // overlap memory Rust knows about; failure is checked below.
    let p = unsafe {
        sys::mmap(
            std::ptr::null_mut(),
            size as usize,
            sys::PROT_READ | sys::PROT_WRITE,
            cfg.map_flags,
            filed.as_raw_fd(),
            0,
        )
    };
    if p as usize == sys::MAP_FAILED {
        ksft_exit_fail_msg(format!("mmap: {}\n", strerror(last_errno())).as_bytes());
    }
    gup.addr = p as u64;

    if let Some(thp) = cfg.thp {
        let advice = if thp {
            sys::MADV_HUGEPAGE
        } else {
            sys::MADV_NOHUGEPAGE
        };
        // SAFETY: madvise() on the mapping just created; these advices do not
        // change its contents. The result is ignored, as in the C tool.
        unsafe { sys::madvise(p, size as usize, advice) };
    }

    // Fault them in here, from user space (unless -z leaves that to GUP).
    if cfg.fault_in_from_user {
        let base = p.cast::<u8>();
        let step = u64::from(psize());
        let mut offset = 0;
        while offset < size {
            let page = base.wrapping_add(offset as usize);
            // SAFETY: `offset` < `size`, the length of the readable and
            // writable mapping at `base`, which nothing else references.
            unsafe { page.write_volatile(0) };
            offset += step;
        }
    }

    let ctx = ThreadCtx {
        gup,
        cmd: cfg.cmd,
        size,
        repeats: cfg.repeats,
        gup_fd: gup_file.as_raw_fd(),
    };
    run_threads(ctx, cfg.nthreads);

    ksft_exit_pass()
}

fn main() {
    // Like a C program, die from SIGPIPE instead of ignoring it (the Rust
    // runtime sets it to SIG_IGN before main()).
    // SAFETY: restoring the default disposition of SIGPIPE has no
    // preconditions.
    unsafe { sys::signal(sys::SIGPIPE, sys::SIG_DFL) };

    let args: Vec<OsString> = std::env::args_os().collect();
    let cfg = match parse_args(&args) {
        Ok(cfg) => cfg,
        Err(err) => bad_argument(&args, &err),
    };
    run(&cfg)
}
