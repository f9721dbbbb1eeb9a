"""Faults of the machine or of other programs, not of the materials: a full disk, a read-only
folder, a second build into the same output, SIGTERM, a killed parent. Each ends a build with one
line that says what became of the output, never a traceback; the last good output stays as it was
(the build writes into a staging folder and swaps it in only at the end)."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Iterator

from .errors import KitError


class Fault(KitError):
    """A fault, not a problem of the materials: its message is the whole line `error: ...`."""


class Interrupted(KeyboardInterrupt):
    """SIGINT (Ctrl+C) or SIGTERM, raised in the main thread so that every cleanup runs: the staging
    folder is removed and the workers are stopped. Its message, if any, says what became of the
    output (`building`)."""

    def __init__(self, signum: int, message: str = ""):
        super().__init__(message)
        self.signum = signum


def exit_status(exc: KeyboardInterrupt) -> int:
    """128 + the signal's number, as a shell reports a command a signal stopped: 130 for Ctrl+C,
    143 for SIGTERM."""
    return 128 + (exc.signum if isinstance(exc, Interrupted) else signal.SIGINT)


STOPPING = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM (what `kill`, systemd, docker stop and CI send) is handled as
    Ctrl+C is: `Interrupted` is raised in the main thread. After the first, the signals get their
    default action back: a second one, during the cleanup, ends the process at once."""
    if threading.current_thread() is not threading.main_thread():
        yield  # `signal.signal` works in the main thread only
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        for each in STOPPING:
            signal.signal(each, signal.SIG_DFL)
        raise Interrupted(signum)

    previous = {each: signal.getsignal(each) for each in STOPPING}
    for each in STOPPING:
        signal.signal(each, interrupt)
    try:
        yield
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)


@contextmanager
def building(out: Path) -> Iterator[None]:
    """Faults while the block builds `out`, as one line each that says what became of `out`:
    an OSError becomes a `Fault`, an interrupt an `Interrupted` with that message."""
    before = _published(out)
    try:
        yield
    except OSError as exc:
        raise Fault(f"{describe(exc)}; {_outcome(out, before)}") from None
    except KeyboardInterrupt as exc:
        raise Interrupted(exit_status(exc) - 128, _outcome(out, before)) from None


def describe(exc: OSError) -> str:
    """`path: reason` of an OSError (`a -> b: reason` for a rename), the reason alone when the
    system did not say which file (a failed `write` on a full disk)."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason += " (free some space and build again)"
    paths = [_shown(p) for p in (exc.filename, exc.filename2) if p is not None]
    return f"{' -> '.join(paths)}: {reason}" if paths else reason


def _shown(path: object) -> str:
    """A path as given by the system, relative to the current folder when it is inside it."""
    text = os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else str(path)
    try:
        return Path(text).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return text


def _published(out: Path) -> tuple[int, int, int] | None:
    """Which output `out` holds: its manifest's device, inode and time (a swap changes them)."""
    try:
        st = os.stat(out / "manifest.json")
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns


def _outcome(out: Path, before: tuple[int, int, int] | None) -> str:
    if _published(out) == before:
        return f"{out}/ left as it was"
    # Stopped after the swap, while recording what the output was made from.
    return f"{out}/ has the new output (the next build checks it again)"


# --- one build at a time into an output ------------------------------------------------------------

def lock_path(out: Path) -> Path:
    """`<out>.lock`, beside the output and its staging folder: keyed by the output folder, wherever
    `--cache` puts the cache (two builds with two caches into one output would still race)."""
    out = out.resolve()
    return out.with_name(out.name + ".lock")


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the output's lock while the block runs; a second build into the same output stops at
    once with a `Fault` naming the build that holds it.

    `flock` is released by the system when its holder ends, however it ends: a killed build leaves
    no stale lock. The file is removed while still held, so the next build makes a new one; a build
    that locked the file just removed sees it is not at the path any more and tries again."""
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            pid = f" (pid {holder})" if holder.isdigit() else ""
            raise Fault(f"another build{pid} is writing {out}/: wait for it to finish") from None
        except BaseException:
            os.close(fd)
            raise
        try:
            current = os.stat(path).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(fd).st_ino:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


# --- pool workers end with the build --------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Pool initializer: the worker ends as soon as the build's process `parent` does, even one
    killed with SIGKILL, instead of rendering on for nobody. Linux: the kernel sends it SIGKILL
    (PR_SET_PDEATHSIG: when the thread that spawned it ends, the main thread here). Elsewhere a
    thread looks for a new parent twice a second."""
    if not _parent_death_signal():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before the request was made
        os._exit(1)


def _parent_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
