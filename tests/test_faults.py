"""Faults (issue 15, finding 5): a full disk, a read-only folder, a second build into the same
output, SIGTERM or Ctrl+C, a killed build. Each gives one line and an exit status, never a
traceback; the last good output stays as it was, no staging folder or worker is left behind.

The tests run as root, so a read-only folder or a full disk is simulated where the build writes."""

from __future__ import annotations

import errno
import os
import pathlib
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from campaign_kit import cli, faults, freshness
from campaign_kit.errors import BuildError
from campaign_kit.printing.render import parallel_map

from .conftest import ROOT

FAST = ["--only", "forms"]
"""A build of one quick stage (0.3 s): the last good output."""
SLOW = ["--only", "print", "--jobs", "2"]
"""A build that renders for a few seconds on two workers: the one stopped."""
RENDERING = "print: posters, leaflets, standees: "
"""Its progress lines: the workers are rendering."""


def run_cli(materials: Path, *extra: str) -> int:
    return cli.main(["build", "--materials", str(materials), "--out", "site", *extra])


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file of an output and its bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def built(small_materials: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str]) -> Iterator[dict[str, bytes]]:
    """A last good output in `tmp_path/site` (the current folder), as its files were."""
    monkeypatch.chdir(tmp_path)
    assert run_cli(small_materials, *FAST) == 0
    capsys.readouterr()
    before = snapshot(tmp_path / "site")
    assert "manifest.json" in before and len(before) > 1
    yield before


def left_alone(tmp_path: Path, before: dict[str, bytes]) -> None:
    """The last good output as it was, and nothing of the stopped build beside it."""
    assert snapshot(tmp_path / "site") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["materials", "site", "site.cache"]


# --- OSError: one line naming the file and the reason -----------------------------------------------

def _failing_lock_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only file system: the build's first write, its lock file beside the output, fails."""
    real = os.open

    def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if os.fspath(path).endswith(".lock"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))
        return real(path, flags, *args, **kwargs)
    monkeypatch.setattr(os, "open", open_)


def _full_disk_in_staging(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk once the staging folder is being written: `write` fails, naming no file."""
    real = pathlib.Path.write_bytes

    def write_bytes(self: Path, data: Any) -> int:
        if "site.staging" in self.parts:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, data)
    monkeypatch.setattr(pathlib.Path, "write_bytes", write_bytes)


def _denied_swap(monkeypatch: pytest.MonkeyPatch) -> None:
    """The new output cannot be renamed into place."""
    import campaign_kit.output as output

    def exchange(a: Path, b: Path) -> bool:
        raise OSError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(a), None, os.fspath(b))
    monkeypatch.setattr(output, "_exchange", exchange)


FAULTS: list[tuple[Callable[[pytest.MonkeyPatch], None], str]] = [
    (_failing_lock_file, "error: site.lock: Read-only file system; site/ left as it was"),
    (_full_disk_in_staging,
     "error: No space left on device (free some space and build again); site/ left as it was"),
    (_denied_swap, "error: site.staging -> site: Permission denied; site/ left as it was"),
]


@pytest.mark.parametrize(("fault", "expected"), FAULTS, ids=["read-only", "full disk", "denied"])
def test_a_fault_is_one_line_and_the_last_output_stays(
        fault: Callable[[pytest.MonkeyPatch], None], expected: str, built: dict[str, bytes],
        small_materials: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    fault(monkeypatch)
    assert run_cli(small_materials, *FAST, "--force") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == expected
    assert [line for line in err.splitlines() if line.startswith("error")] == [expected]
    left_alone(tmp_path, built)


def test_a_fault_after_the_swap_says_the_new_output_is_there(
        built: dict[str, bytes], small_materials: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def record(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(freshness, "record", record)
    assert run_cli(small_materials, "--only", "messages") == 1  # another stage: another output
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: No space left on device (free some space and build again); "
        "site/ has the new output (the next build checks it again)")
    assert snapshot(tmp_path / "site") != built
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    assert run_cli(small_materials, "--only", "messages") == 0


def test_describe_names_both_paths_of_a_rename_and_the_reason() -> None:
    assert faults.describe(OSError(errno.ENOTEMPTY, "Directory not empty", "/x/a", None, "/x/b")) == \
        "/x/a -> /x/b: Directory not empty"
    assert faults.describe(OSError("no errno")) == "no errno"


# --- one build at a time into an output --------------------------------------------------------------

def test_a_second_build_into_the_same_output_stops_at_once(
        built: dict[str, bytes], small_materials: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from campaign_kit import faults\n"
         "with faults.output_lock(Path('site')):\n    print('locked', flush=True); time.sleep(60)"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        started = time.monotonic()
        assert run_cli(small_materials, *FAST, "--force") == 1
        assert time.monotonic() - started < 2
        err = capsys.readouterr().err
        assert err.splitlines() == [f"error: another build (pid {holder.pid}) is writing site/: "
                                    "wait for it to finish"]
        assert snapshot(tmp_path / "site") == built and (tmp_path / "site.lock").exists()
    finally:
        holder.kill()  # as a build killed outright: the system releases its lock
        holder.wait()
    assert run_cli(small_materials, *FAST, "--force") == 0
    assert not (tmp_path / "site.lock").exists()


def test_the_lock_is_the_output_folders_whatever_the_path_or_cache(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert faults.lock_path(Path("site")) == faults.lock_path(tmp_path / "x" / ".." / "site") == \
        tmp_path / "site.lock"
    with faults.output_lock(Path("site")):
        with pytest.raises(faults.Fault, match=rf"another build \(pid {os.getpid()}\) is writing {tmp_path}/site/"):
            with faults.output_lock(tmp_path / "site"):
                pass
        with faults.output_lock(Path("site-other")):  # another output: its own lock
            pass
    with faults.output_lock(Path("site")):  # released
        pass


# --- signals: SIGTERM as Ctrl+C; workers end with the build ---------------------------------------

def start_slow_build(materials: Path, cwd: Path, **popen: Any) -> subprocess.Popen[str]:
    """The slow build in a process of its own, once its two workers are starting."""
    process = subprocess.Popen([sys.executable, str(ROOT / "build_posters.py"), "build", "--materials",
                                str(materials), "--out", "site", *SLOW], cwd=cwd, stderr=subprocess.PIPE,
                               text=True, **popen)
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("stage prepare"):
            break
    deadline = time.monotonic() + 10
    while len(workers(process.pid)) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(workers(process.pid)) == 2, f"no workers started: {process.poll()}"
    time.sleep(0.2)  # they are importing (a second or so): a KeyboardInterrupt there is a traceback
    return process


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid`: its workers, multiprocessing's resource tracker."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def workers(pid: int) -> set[int]:
    """The pool workers of `pid`."""
    found = set()
    for child in children(pid):
        try:
            if b"multiprocessing.spawn" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(child)
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended, whoever reaps it


def survivors(pids: set[int], within: float = 1.0) -> list[str]:
    """The command lines of `pids` still running after `within` seconds (the resource tracker
    ends a moment after the build, on reading the end of its pipe)."""
    deadline = time.monotonic() + within
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    found = []
    for pid in pids:
        if alive(pid):
            try:
                found.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
            except OSError:
                continue
    return found


SIGNALS = [(signal.SIGTERM, False, 143), (signal.SIGINT, True, 130)]
"""SIGTERM to the build; Ctrl+C to the whole process group, as a terminal sends it (the workers
must not print a KeyboardInterrupt of their own)."""


@pytest.mark.parametrize(("signum", "group", "status"), SIGNALS, ids=["SIGTERM", "Ctrl+C"])
def test_a_signal_stops_the_build_with_one_line(
        signum: int, group: bool, status: int, built: dict[str, bytes], small_materials: Path,
        tmp_path: Path) -> None:
    process = start_slow_build(small_materials, tmp_path, start_new_session=group)
    started = children(process.pid)
    (os.killpg if group else os.kill)(process.pid, signum)
    stopped = time.monotonic()
    assert process.wait(timeout=10) == status
    assert time.monotonic() - stopped < 3
    assert process.stderr is not None
    rest = process.stderr.read()
    assert "Traceback" not in rest
    assert rest.splitlines()[-1] == "interrupted: site/ left as it was"
    assert survivors(started) == []
    left_alone(tmp_path, built)


def _announce_and_sleep(seconds: float) -> float:
    print(f"working {os.getpid()}", flush=True)
    time.sleep(seconds)
    return seconds


def test_workers_leave_stop_signals_to_the_build_and_end_with_it() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", "from campaign_kit.printing.render import parallel_map\n"
         "from tests.test_faults import _announce_and_sleep\n"
         "for _ in parallel_map(_announce_and_sleep, [30, 30], jobs=2): pass\n"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    working = {int(parent.stdout.readline().split()[1]) for _ in range(2)}
    assert working == workers(parent.pid)
    started = children(parent.pid)
    # Ctrl+C and SIGTERM sent to the process group reach the workers too: only the build acts.
    for pid in working:
        os.kill(pid, signal.SIGINT)
        os.kill(pid, signal.SIGTERM)
    time.sleep(0.3)
    assert parent.poll() is None and all(alive(pid) for pid in working)
    parent.kill()
    parent.wait()
    assert survivors(started) == []


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _die(status: int) -> int:
    os._exit(status)


def test_a_pool_left_early_kills_its_workers_instead_of_waiting_for_them() -> None:
    results = parallel_map(_sleep, [0, 10, 10], jobs=2)
    assert next(results) == 0  # the other two are being worked on
    started = workers(os.getpid())
    assert len(started) == 2
    stopped = time.monotonic()
    results.close()  # as when the stage fails, or Ctrl+C lands in the stage's loop
    assert time.monotonic() - stopped < 2
    assert survivors(started, within=0) == []


def test_a_worker_that_dies_is_a_build_error() -> None:
    with pytest.raises(BuildError, match=r"^a worker process ended abruptly \(out of memory\? build with "
                                         r"fewer --jobs\)$"):
        list(parallel_map(_die, [1, 1], jobs=2))
