"""The small exception tree of the pipeline, and the one shape every content problem takes."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, located as precisely as we can.

    ``line`` is a YAML/Markdown line or a spreadsheet row number (header = row 1),
    exactly what a person sees in their editor or spreadsheet.
    """

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            unit = "row" if self.file.lower().endswith((".csv", ".xlsx")) else "line"
            parts.append(f"{unit} {self.line}")
        if self.field:
            parts.append(self.field)
        return ", ".join(parts) + f": {self.message}"


class KitError(Exception):
    """Base of every error the pipeline raises on purpose (never shown as a traceback)."""


class ContentError(KitError):
    """The materials have problems; all of them, found in one pass."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems), key=_problem_order)
        super().__init__(f"{len(self.problems)} problem(s) in the materials")


class BuildError(KitError):
    """A stage could not produce its output (for example a QR code that does not decode back)."""


def _problem_order(p: Problem) -> tuple[str, int, str, str]:
    return (p.file, p.line or 0, p.field, p.message)


def rel(path: Path, root: Path) -> str:
    """A path as people should read it in messages: relative to ``root``'s parent when possible."""
    try:
        return path.resolve().relative_to(root.resolve().parent).as_posix()
    except ValueError:
        return path.as_posix()


@contextmanager
def logged_warnings(logger: str) -> Iterator[list[str]]:
    """Collect what a library logs at WARNING or above (WeasyPrint, mkdocs) while the block runs:
    the caller decides whether that fails the build."""
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = _Collect(logging.WARNING)
    target = logging.getLogger(logger)
    target.addHandler(handler)
    try:
        yield messages
    finally:
        target.removeHandler(handler)
