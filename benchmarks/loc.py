"""Lines of code of campaign_kit/ per concern, now or at a git revision.

    .venv/bin/python benchmarks/loc.py            # the working tree
    .venv/bin/python benchmarks/loc.py 51af9cf    # a commit, for a before/after table

Counts lines that are neither blank nor only a comment (docstrings count: they are read).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONCERNS = (
    # (concern, module path prefixes under campaign_kit/), first match wins
    ("caching", ("cache.py", "memo.py", "freshness.py")),
    ("output", ("output.py",)),
    ("loading", ("materials.py", "model.py", "stores.py", "yamlsrc.py", "text.py", "errors.py")),
    ("rendering", ("printing/", "compose/", "stages/print_pdfs.py", "stages/screens.py")),
    ("site", ("site/", "stages/site.py")),
    ("publish", ("publish/", "stages/messages.py", "stages/forms.py", "stages/bundles.py", "stages/changes.py")),
    ("spine", ("pipeline.py", "context.py", "artifacts.py", "cli.py", "faults.py", "__init__.py",
               "stages/__init__.py")),
)


def concern(rel: str) -> str:
    for name, prefixes in CONCERNS:
        if rel.startswith(prefixes):
            return name
    return "other"


def code_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))


def files(rev: str | None) -> dict[str, str]:
    if rev is None:
        return {p.relative_to(ROOT / "campaign_kit").as_posix(): p.read_text(encoding="utf-8")
                for p in sorted((ROOT / "campaign_kit").rglob("*.py"))}
    names = subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "campaign_kit/"], cwd=ROOT,
                           check=True, capture_output=True, text=True).stdout.split()
    return {n.removeprefix("campaign_kit/"): subprocess.run(["git", "show", f"{rev}:{n}"], cwd=ROOT, check=True,
                                                            capture_output=True, text=True).stdout
            for n in names if n.endswith(".py")}


def main(argv: list[str]) -> None:
    rev = argv[0] if argv else None
    counts: Counter[str] = Counter()
    for rel, text in files(rev).items():
        counts[concern(rel)] += code_lines(text)
    total = sum(counts.values())
    print(f"campaign_kit/ at {rev or 'the working tree'}: {total} lines of code")
    for name, _ in (*CONCERNS, ("other", ())):
        if counts[name]:
            print(f"  {name:<10} {counts[name]:>5}  ({counts[name] / total:.0%})")


if __name__ == "__main__":
    main(sys.argv[1:])
