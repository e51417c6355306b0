# SPDX-License-Identifier: (MIT OR Apache-2.0)
"""Shared plumbing of the bench scripts (compare, instructions, allocs,
scaling): finding the build and the programs, the libraries to run them on,
a page-cached data file, loop devices, running and parsing, tables.

Everything is computed from this file's location and the build directory,
so the scripts run from any working directory of a clean checkout.
"""

import argparse
import contextlib
import glob
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import stat
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(BENCH_DIR)
DEFAULT_REF_LIBDIR = "/opt/ref/root/usr/lib/x86_64-linux-gnu"
SKIP = 77  # exit status meson (and CI) report as "skipped"

# Library labels used by every script.
OURS = "ours"
REF = "ref"


class BenchError(Exception):
    """A failure that ends one run (or the script) with a message."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Notes:
    """Things skipped or degraded; printed after the results."""

    def __init__(self):
        self.items = []

    def add(self, msg):
        if msg not in self.items:
            self.items.append(msg)
            log("note: " + msg)

    def print(self):
        if self.items:
            print()
            print("Notes:")
            for item in self.items:
                print("  - " + item)


def _sigterm(signum, frame):
    raise SystemExit(128 + signum)


def install_signal_handlers():
    """Turn SIGTERM/SIGHUP into SystemExit so cleanup (loop devices, pins,
    scratch files) runs in the finally blocks."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _sigterm)


# ---------------------------------------------------------------- options


def parse_size(text):
    m = re.fullmatch(r"(\d+)([kKmMgG]?)(i?B)?", text.strip())
    if not m:
        raise argparse.ArgumentTypeError("bad size: " + text)
    units = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    mult = units[m.group(2).lower()]
    size = int(m.group(1)) * mult
    if size < 1 << 20:
        raise argparse.ArgumentTypeError("size must be at least 1M")
    return size


def parse_int_list(text):
    try:
        values = [int(v) for v in text.split(",") if v]
    except ValueError:
        raise argparse.ArgumentTypeError("bad list of integers: " + text)
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError("values must be positive: " + text)
    return values


def parse_name_list(choices):
    def parse(text):
        names = [v for v in text.split(",") if v]
        for name in names:
            if name not in choices:
                raise argparse.ArgumentTypeError(
                    "unknown name %r (choose from %s)" %
                    (name, ", ".join(choices)))
        return names
    return parse


def common_parser(description):
    p = argparse.ArgumentParser(
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build-dir", default=os.environ.get(
        "BLKIO_BUILD_DIR", os.path.join(SOURCE_ROOT, "build")),
        help="meson build directory (env BLKIO_BUILD_DIR; default: "
             "<source>/build)")
    p.add_argument("--quick", action="store_true",
                   help="CI smoke: tiny sizes and run times, one round")
    p.add_argument("--dir", default=os.environ.get("BLKIO_BENCH_DIR",
                                                   "/var/tmp"),
                   help="where the data file goes: a regular filesystem, "
                        "not tmpfs (env BLKIO_BENCH_DIR; default /var/tmp)")
    p.add_argument("--ref-libdir", default=os.environ.get(
        "BLKIO_REF_LIBDIR", DEFAULT_REF_LIBDIR),
        help="directory holding the reference libblkio.so.1 (env "
             "BLKIO_REF_LIBDIR; default %s; fetched from Debian trixie "
             "into the build dir when missing)" % DEFAULT_REF_LIBDIR)
    p.add_argument("--no-fetch", action="store_true",
                   help="never download the reference library")
    p.add_argument("--bench-wait", choices=["block", "event", "poll"],
                   default="block",
                   help="blkio-bench --wait mode (default block: sleep in "
                        "do_io like uring-ref and fio; event: epoll on the "
                        "completion fd like libblkio's example)")
    return p


# ------------------------------------------------------------ environment


def machine_description():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = ", %.0f GiB RAM" % (kib / (1 << 20))
    except (OSError, ValueError, IndexError):
        pass
    return "%s, %d CPUs%s, Linux %s%s" % (cpu, os.cpu_count() or 0, mem,
                                            platform.release(), idle_policy())


# Guest halt polling (the cpuidle-haltpoll driver of a KVM guest): how long
# an idle vCPU polls for work before it halts.  A halted vCPU takes a
# VM exit to wake, so with 0 a program that sleeps between system calls
# loses against one that spends more CPU per I/O (docs/performance.md).
HALT_POLL_NS = "/sys/module/haltpoll/parameters/guest_halt_poll_ns"


def _idle_driver():
    try:
        with open("/sys/devices/system/cpu/cpuidle/current_driver") as f:
            return f.read().strip()
    except OSError:
        return None


def read_halt_poll_ns():
    """guest_halt_poll_ns, or None where the driver is not in use."""
    if _idle_driver() != "haltpoll":
        return None
    try:
        with open(HALT_POLL_NS) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


def idle_policy():
    ns = read_halt_poll_ns()
    return "" if ns is None else ", guest_halt_poll_ns=%d" % ns


@contextlib.contextmanager
def halt_poll_ns(value, notes):
    """Set guest_halt_poll_ns for the run (None: leave it) and restore
    it afterwards, also when the run is interrupted or terminated."""
    old = read_halt_poll_ns()
    if value is None:
        yield
        return
    if old is None:
        raise BenchError("--halt-poll-ns: this machine's idle driver is "
                         "not haltpoll (%s)" % HALT_POLL_NS)
    try:
        with open(HALT_POLL_NS, "w") as f:
            f.write("%d" % value)
    except OSError as e:
        raise BenchError("--halt-poll-ns: cannot write %s: %s" %
                         (HALT_POLL_NS, e))
    notes.add("guest_halt_poll_ns set to %d for this run (was %d, "
              "restored afterwards): it applies to every process on the "
              "machine" % (value, old))
    try:
        yield
    finally:
        with open(HALT_POLL_NS, "w") as f:
            f.write("%d" % old)


def _cpu_stat():
    """(busy seconds, steal seconds) of all CPUs from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    fields += [0] * (8 - len(fields))
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


class CpuWatch:
    """How much CPU other processes (and the hypervisor) took while we
    measured: the machine is shared, and a busy neighbour shows up here."""

    def __init__(self):
        self.stat = _cpu_stat()
        self.times = os.times()
        self.wall = time.monotonic()

    def summary(self, notes):
        stat, times = _cpu_stat(), os.times()
        wall = time.monotonic() - self.wall
        if not stat or not self.stat or wall <= 0:
            return "CPU use of other processes: unknown"
        ours = sum(times[i] - self.times[i] for i in range(4))
        others = max(0.0, (stat[0] - self.stat[0]) - ours) / wall
        steal = (stat[1] - self.stat[1]) / wall
        text = ("other processes used %.2f CPUs on average during the run"
                "%s" % (others, ", steal %.2f" % steal if steal >= 0.01
                        else ""))
        if others + steal > 0.1:
            notes.add("the machine was not idle (%s): absolute numbers are "
                      "depressed; interleaving keeps the ratios fair only "
                      "if the load was steady" % text)
        return text


def fs_type(path):
    """Filesystem type of the mount holding path (from /proc/self/mounts)."""
    path = os.path.realpath(path)
    best, fstype = "", "unknown"
    try:
        with open("/proc/self/mounts") as f:
            for line in f:
                fields = line.split()
                if len(fields) < 3:
                    continue
                mnt = fields[1].replace("\\040", " ")
                inside = path == mnt or path.startswith(mnt.rstrip("/") + "/")
                if inside and len(mnt) >= len(best):
                    best, fstype = mnt, fields[2]
    except OSError:
        pass
    return fstype


def is_root():
    return os.geteuid() == 0


# ------------------------------------------------------------ the build


class Build:
    """Programs and libraries of one build directory."""

    def __init__(self, args, notes):
        self.dir = os.path.abspath(args.build_dir)
        self.notes = notes
        self.args = args
        if not os.path.isdir(self.dir):
            raise BenchError("build directory %s does not exist (meson setup "
                             "it, or pass --build-dir)" % self.dir)
        self._ref_libdir = None

    def program(self, name, required=True):
        path = os.path.join(self.dir, "bench", name)
        if os.path.isfile(path) and (name.endswith(".so") or
                                     os.access(path, os.X_OK)):
            return path
        if required:
            raise BenchError("%s not built (ninja -C %s)" % (path, self.dir))
        return None

    def blkio_bench(self):
        """tools/blkio-bench, wherever the tools build put it (env
        BLKIO_BENCH overrides)."""
        candidates = [os.environ.get("BLKIO_BENCH", ""),
                      os.path.join(self.dir, "tools", "blkio-bench",
                                   "blkio-bench"),
                      os.path.join(self.dir, "tools", "blkio-bench"),
                      os.path.join(self.dir, "examples", "blkio-bench")]
        for path in candidates:
            if path and os.path.isfile(path) and os.access(path, os.X_OK):
                return path
        self.notes.add("blkio-bench not found in %s/tools (set BLKIO_BENCH "
                       "to use another build of it)" % self.dir)
        return None

    def our_libdir(self):
        libdir = os.path.join(self.dir, "src")
        if os.path.isfile(os.path.join(libdir, "libblkio.so.1")):
            return libdir
        self.notes.add("our library is not built (%s/libblkio.so.1 "
                       "missing): 'ours' skipped" % libdir)
        return None

    def ref_libdir(self):
        if self._ref_libdir is None:
            self._ref_libdir = find_reference(self.args, self.dir,
                                              self.notes) or ""
        return self._ref_libdir or None

    def libdir(self, lib):
        return self.our_libdir() if lib == OURS else self.ref_libdir()


def lib_env(libdir, extra=None):
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = libdir
    if extra:
        env.update(extra)
    return env


def loaded_libblkio(program, libdir):
    """Which libblkio.so.1 the dynamic loader picks for program when
    LD_LIBRARY_PATH=libdir (a DT_RPATH would override LD_LIBRARY_PATH and
    silently benchmark the wrong library)."""
    env = lib_env(libdir, {"LD_TRACE_LOADED_OBJECTS": "1"})
    try:
        out = subprocess.run([program], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=30,
                             universal_newlines=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"libblkio\.so\.1 => (\S+)", out)
    return os.path.realpath(m.group(1)) if m else None


def check_loads_from(program, libdir, notes):
    """True when program really runs on the libblkio in libdir."""
    got = loaded_libblkio(program, libdir)
    want = os.path.realpath(os.path.join(libdir, "libblkio.so.1"))
    if got == want:
        return True
    notes.add("%s does not load %s with LD_LIBRARY_PATH (loads %s): "
              "skipped" % (os.path.basename(program), want, got))
    return False


# ------------------------------------------------- the reference library


def _archive_uri():
    """The Debian archive this machine already uses (never a hard-coded
    host): the first non-security URIs/deb entry of its apt sources."""
    deb822 = "/etc/apt/sources.list.d/debian.sources"
    try:
        with open(deb822) as f:
            stanzas = f.read().split("\n\n")
    except OSError:
        stanzas = []
    for stanza in stanzas:
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line:
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        suites = fields.get("suites", "").split()
        uris = fields.get("uris", "").split()
        if uris and suites and not all("security" in s for s in suites):
            return uris[0], fields.get("signed-by")
    try:
        with open("/etc/apt/sources.list") as f:
            for line in f:
                m = re.match(r"\s*deb\s+(\[[^]]*\]\s+)?(\S+)\s+(\S+)", line)
                if m and "security" not in m.group(3):
                    return m.group(2), None
    except OSError:
        pass
    return None, None


def download_trixie_debs(packages, dest, notes):
    """Download the named packages' .debs from Debian trixie into dest
    with a private apt configuration (the system's apt state is
    untouched). Returns their paths, or None with a note."""
    if not shutil.which("apt-get") or not shutil.which("dpkg"):
        notes.add("cannot fetch from Debian trixie: apt-get/dpkg missing")
        return None
    uri, keyring = _archive_uri()
    if not uri:
        notes.add("cannot fetch from Debian trixie: no Debian archive in "
                  "/etc/apt/sources.list.d/debian.sources")
        return None
    keyring = keyring or "/usr/share/keyrings/debian-archive-keyring.gpg"
    work = tempfile.mkdtemp(prefix="blkio-ref-apt.")
    try:
        for sub in ("lists/partial", "cache/archives/partial", "parts",
                    "prefs"):
            os.makedirs(os.path.join(work, sub))
        slist = os.path.join(work, "sources.list")
        with open(slist, "w") as f:
            f.write("deb [signed-by=%s] %s trixie main\n" % (keyring, uri))
        # apt's sandbox user cannot write into a root-owned 0700 temp dir.
        os.chmod(work, 0o755)
        os.makedirs(dest, exist_ok=True)
        # An empty dpkg status of its own too: with the system's, a
        # libblkio1 installed at a higher version (this project's
        # package) would be apt's candidate, which trixie cannot supply.
        status = os.path.join(work, "status")
        open(status, "w").close()
        opts = ["-o", "Dir::Etc::SourceList=" + slist,
                "-o", "Dir::State::status=" + status,
                "-o", "Dir::Etc::SourceParts=" + os.path.join(work, "parts"),
                "-o", "Dir::Etc::PreferencesParts=" +
                os.path.join(work, "prefs"),
                "-o", "Dir::State::Lists=" + os.path.join(work, "lists"),
                "-o", "Dir::Cache=" + os.path.join(work, "cache"),
                "-o", "Debug::NoLocking=1",
                "-o", "Acquire::Retries=1",
                "-o", "Acquire::http::Timeout=30",
                "-q"]
        if is_root():
            opts += ["-o", "APT::Sandbox::User=root"]
        log("fetching %s from %s trixie" % (" ".join(packages), uri))
        for sub in (["update"], ["download"] + list(packages)):
            r = subprocess.run(["apt-get"] + opts + sub, cwd=dest,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=300,
                               universal_newlines=True)
            if r.returncode != 0:
                tail = r.stdout.strip().splitlines()[-1:] or [""]
                notes.add("fetching from Debian trixie failed (%s): %s" %
                          (sub[0], tail[0]))
                return None
        debs = []
        for pkg in packages:
            found = glob.glob(os.path.join(dest, pkg + "_*.deb"))
            if not found:
                notes.add("fetching from Debian trixie failed: no %s .deb "
                          "downloaded" % pkg)
                return None
            debs.append(found[0])
        return debs
    except (OSError, subprocess.SubprocessError) as e:
        notes.add("fetching from Debian trixie failed: %s" % e)
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fetch_reference(dest, notes):
    """Download libblkio1 from Debian trixie and unpack it under dest/root.
    Returns the library directory or None."""
    debdir = tempfile.mkdtemp(prefix="blkio-ref-deb.")
    try:
        debs = download_trixie_debs(["libblkio1"], debdir, notes)
        if not debs:
            return None
        root = os.path.join(dest, "root")
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        subprocess.run(["dpkg", "-x", debs[0], root], check=True, timeout=60)
        libs = glob.glob(os.path.join(root, "usr/lib/*/libblkio.so.1"))
        if not libs:
            notes.add("fetched %s holds no libblkio.so.1" %
                      os.path.basename(debs[0]))
            return None
        notes.add("reference: %s (fetched into %s)" %
                  (os.path.basename(debs[0]), root))
        return os.path.dirname(libs[0])
    except (OSError, subprocess.SubprocessError) as e:
        notes.add("fetching the reference failed: %s" % e)
        return None
    finally:
        shutil.rmtree(debdir, ignore_errors=True)


def find_reference(args, build_dir, notes):
    """The reference libblkio 1.5.0: --ref-libdir, else a copy fetched
    earlier into the build dir, else fetch one now."""
    if os.path.isfile(os.path.join(args.ref_libdir, "libblkio.so.1")):
        return args.ref_libdir
    cache = os.path.join(build_dir, "bench", "reference")
    libs = glob.glob(os.path.join(cache, "root/usr/lib/*/libblkio.so.1"))
    if libs:
        return os.path.dirname(libs[0])
    if args.no_fetch:
        notes.add("reference libblkio not found in %s: 'ref' skipped" %
                  args.ref_libdir)
        return None
    libdir = fetch_reference(cache, notes)
    if not libdir:
        notes.add("reference libblkio unavailable: 'ref' skipped")
    return libdir


# ------------------------------------------------------ data file, pinning


def make_data_file(path, size):
    """A fully written (not sparse) file, so every read hits a real page."""
    chunk = bytes(range(256)) * 4096  # 1 MiB of non-zero data
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, len(chunk))
            f.write(chunk[:n])
            left -= n
        f.flush()
        os.fsync(f.fileno())


class Pin:
    """Runs bench/pin on some files for the duration of a with block."""

    def __init__(self, pin_program, paths, notes):
        self.cmd = [pin_program] + list(paths)
        self.notes = notes
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     universal_newlines=True)
        for line in self.proc.stdout:
            line = line.strip()
            if line == "ready":
                return self
            if line.startswith("warmed "):
                self.notes.add("could not mlock %s: warmed the page cache "
                               "but did not pin it" % line.split()[1])
        self.close()
        raise BenchError("pin failed on " + " ".join(self.cmd[1:]))

    def close(self):
        if not self.proc:
            return
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def __exit__(self, *exc):
        self.close()


@contextlib.contextmanager
def scratch_dir(parent, notes):
    """A temporary directory under parent, removed on exit."""
    if not os.path.isdir(parent):
        raise BenchError("%s does not exist (pass --dir)" % parent)
    if fs_type(parent) == "tmpfs":
        notes.add("%s is on tmpfs; the page-cache file should live on a "
                  "disk filesystem (pass --dir)" % parent)
    path = tempfile.mkdtemp(prefix="blkio-bench.", dir=parent)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def pinned_file(build, parent, size, notes):
    """A data file of size bytes in a scratch dir under parent, resident
    and locked in the page cache; yields its path."""
    with scratch_dir(parent, notes) as d:
        path = os.path.join(d, "data")
        log("creating %d MiB data file in %s (%s)" %
            (size >> 20, d, fs_type(d)))
        make_data_file(path, size)
        with Pin(build.program("pin"), [path], notes):
            yield path


@contextlib.contextmanager
def qsd_export(image, notes, queues=1):
    """qemu-storage-daemon exporting image (a file or block device) over
    vhost-user-blk; yields the unix socket's path, or None (with a note)
    when the daemon is not installed. Stopped on exit."""
    qsd = shutil.which("qemu-storage-daemon")
    if not qsd:
        notes.add("vhost-user case skipped: qemu-storage-daemon not "
                  "installed (package qemu-system-common)")
        yield None
        return
    d = tempfile.mkdtemp(prefix="blkio-bench-qsd.")
    sock = os.path.join(d, "vhost-user.sock")
    drv = "host_device" if stat.S_ISBLK(os.stat(image).st_mode) else "file"
    cmd = [qsd,
           "--blockdev", "driver=%s,node-name=file0,filename=%s" %
           (drv, image.replace(",", ",,")),
           "--blockdev", "driver=raw,node-name=disk0,file=file0",
           "--export", "type=vhost-user-blk,id=exp0,node-name=disk0,"
           "addr.type=unix,addr.path=%s,writable=on,num-queues=%d,"
           "logical-block-size=512" % (sock, queues)]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(sock):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise BenchError("qemu-storage-daemon did not start")
            time.sleep(0.01)
        log("qemu-storage-daemon exports %s on %s (%d queue%s)" %
            (image, sock, queues, "" if queues == 1 else "s"))
        yield sock
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(d, ignore_errors=True)


def _tmpfs_dir():
    for d in (os.environ.get("BLKIO_BENCH_TMPFS", ""), "/dev/shm", "/run",
              "/tmp"):
        if d and os.path.isdir(d) and fs_type(d) == "tmpfs" and \
                os.access(d, os.W_OK):
            return d
    return None


@contextlib.contextmanager
def loop_device(size, notes):
    """A loop device with direct I/O on over a file on tmpfs; yields its
    path, or None (with a note) when that is not possible. Always detached
    and removed on exit."""
    if not is_root():
        notes.add("loop-device case skipped: needs root")
        yield None
        return
    if not shutil.which("losetup"):
        notes.add("loop-device case skipped: losetup not installed")
        yield None
        return
    tmpfs = _tmpfs_dir()
    if not tmpfs:
        notes.add("loop-device case skipped: no writable tmpfs (set "
                  "BLKIO_BENCH_TMPFS)")
        yield None
        return
    fd, backing = tempfile.mkstemp(prefix="blkio-bench-loop.", dir=tmpfs)
    os.close(fd)
    dev = None
    try:
        make_data_file(backing, size)
        r = subprocess.run(["losetup", "-f", "--show", "--direct-io=on",
                            backing], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True,
                           timeout=60)
        if r.returncode != 0:
            notes.add("loop-device case skipped: losetup failed: " +
                      r.stderr.strip())
            yield None
            return
        dev = r.stdout.strip()
        dio = "?"
        try:
            with open("/sys/block/%s/loop/dio" % os.path.basename(dev)) as f:
                dio = f.read().strip()
        except OSError:
            pass
        if dio != "1":
            notes.add("%s: the kernel did not enable direct I/O on the "
                      "tmpfs backing file (loop/dio=%s)" % (dev, dio))
        log("loop device %s over %s (dio=%s)" % (dev, backing, dio))
        yield dev
    finally:
        if dev:
            detach_loop(dev, notes)
        os.unlink(backing)


def detach_loop(dev, notes):
    """losetup -d, then wait for the kernel to let go: while udev's probe
    still holds the device open, the detach only sets autoclear and
    completes at the last close."""
    backing = "/sys/block/%s/loop/backing_file" % os.path.basename(dev)
    for _ in range(10):
        r = subprocess.run(["losetup", "-d", dev], stderr=subprocess.PIPE,
                           universal_newlines=True)
        if r.returncode == 0:
            break
        time.sleep(0.2)
    else:
        notes.add("could not detach %s: %s" % (dev, r.stderr.strip()))
        return
    for _ in range(50):
        if not os.path.exists(backing):
            return
        time.sleep(0.1)
    notes.add("%s still attached 5 s after losetup -d (autoclear pending)" %
              dev)


# -------------------------------------------------------- runs and stats


def run_program(cmd, env=None, timeout=600):
    """Runs cmd; returns stdout; BenchError with the stderr tail on failure."""
    try:
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError("%s timed out" % os.path.basename(cmd[0]))
    except OSError as e:
        raise BenchError("%s: %s" % (cmd[0], e))
    if r.returncode != 0:
        tail = " / ".join(r.stderr.strip().splitlines()[-2:])
        raise BenchError("%s exited %d: %s" % (os.path.basename(cmd[0]),
                                               r.returncode, tail))
    return r.stdout, r.stderr


def parse_kiops_line(out):
    """First number of the "<n> kIOPS ..." line of uring-ref/api-loop."""
    m = re.search(r"^([0-9.]+) kIOPS", out, re.M)
    if not m:
        raise BenchError("no kIOPS in output: %r" % out[:200])
    return float(m.group(1))


def parse_blkio_bench(out):
    try:
        return float(json.loads(out)["aggregate"]["kiops"])
    except (ValueError, KeyError, TypeError):
        raise BenchError("unexpected blkio-bench output: %r" % out[:200])


# Drivers without a "direct" property: the virtio-blk ones (-ENOENT).
NO_DIRECT_DRIVERS = ("virtio-blk-vhost-user",)


def blkio_bench_cmd(program, path, depth, runtime, direct, threads=1,
                    wait="block", driver="io_uring"):
    """blkio-bench for the workload; wait="block" sleeps in
    blkioq_do_io(min_completions=1) as uring-ref and fio sleep in
    io_uring_enter (with linux-aio: in io_getevents, as fio's libaio
    engine), "event" is libblkio's example (epoll on the completion fd:
    two more system calls per wake-up)."""
    cmd = [program, "--num-threads=%d" % threads, "--iodepth=%d" % depth,
           "--readwrite=randread", "--blocksize=4096",
           "--runtime=%d" % runtime, "--wait=" + wait, driver,
           "path=" + path]
    if driver not in NO_DIRECT_DRIVERS:
        cmd.append("direct=" + ("true" if direct else "false"))
    return cmd


def median(values):
    return statistics.median(values) if values else None


def spread(values):
    """(max - min) / median, as a fraction."""
    if len(values) < 2:
        return 0.0
    m = statistics.median(values)
    return (max(values) - min(values)) / m if m else 0.0


def fmt(value, digits=1):
    if value is None:
        return "-"
    return "%.*f" % (digits, value)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def print_table(title, columns, rows, first_width=None):
    """rows: list of (label, [cell strings]). Right-aligned numbers."""
    first_width = first_width or max([len(r[0]) for r in rows] + [len(title)])
    widths = [max([len(c)] + [len(r[1][i]) for r in rows])
              for i, c in enumerate(columns)]
    print(title.ljust(first_width) + "".join(
        "  " + c.rjust(w) for c, w in zip(columns, widths)))
    for label, cells in rows:
        print(label.ljust(first_width) + "".join(
            "  " + c.rjust(w) for c, w in zip(cells, widths)))


def main_wrapper(main):
    """Runs main(), mapping BenchError to exit status 1 with a message."""
    install_signal_handlers()
    try:
        sys.exit(main())
    except BenchError as e:
        log("error: %s" % e)
        sys.exit(1)
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
