"""Lines of code of campaign_kit/ per concern, now or at a git revision.

    .venv/bin/python benchmarks/loc.py            # the working tree
    .venv/bin/python benchmarks/loc.py 51af9cf    # a commit, for a before/after table

Counts lines that are neither blank nor only a comment (docstrings count: they are read).
`output.py` holds two concerns: the output contract (safe paths, writing, the manifest, the
swap) and the bookkeeping that links kept files only once checked (and, before issue 14,
recycled the staging folder); its top-level names and `Output`'s members are counted as one or
the other by `CONTRACT` (everything else in it is bookkeeping, counted with "caching"; names of
older revisions stay in it, so that they are counted the same way).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONCERNS = (
    # (concern, module path prefixes under campaign_kit/), first match wins
    ("caching", ("cache.py", "memo.py", "freshness.py")),  # and output.py's bookkeeping
    ("output", ()),  # output.py's contract: see `CONTRACT`
    ("loading", ("materials.py", "model.py", "stores.py", "yamlsrc.py", "text.py", "errors.py", "identity.py",
                 "reports.py")),
    ("rendering", ("printing/", "compose/", "words.py", "stages/print_pdfs.py", "stages/screens.py")),
    ("media", ("media/", "stages/media.py")),
    ("site", ("site/", "stages/site.py")),
    ("publish", ("publish/", "stages/messages.py", "stages/forms.py", "stages/progress.py", "stages/bundles.py",
                 "stages/changes.py")),
    ("spine", ("pipeline.py", "context.py", "artifacts.py", "cli.py", "faults.py", "__init__.py",
               "stages/__init__.py")),
)


CONTRACT = {
    "MANIFEST", "KINDS", "Hashes", "safe_join", "_inside", "_real_folders", "_checked_parts", "Output",
    "root", "memo", "made", "stage", "hashes", "written", "manifest_sha256", "_checked_dirs", "previous",
    "path", "write_bytes", "write_text", "digest", "describe", "has", "files", "manifest", "write_manifest",
    "check_files", "differences", "_remove_empty_parents", "file_sha256", "manifest_hashes", "read_manifest", "parse_manifest",
    "swap_in", "_exchange", "_RENAME_EXCHANGE", "_AT_FDCWD", "_hard_link",
}
"""Names in output.py that are the output contract (the rest of it is bookkeeping)."""


def split_output(text: str) -> tuple[int, int]:
    """(contract, bookkeeping) code lines of output.py: each top-level statement, and each member
    of `Output`, by its name (a docstring goes with the statement before it)."""
    lines = text.splitlines()
    owner = ["contract"] * (len(lines) + 1)  # the module docstring and imports: contract

    def mark(body: list[ast.stmt], depth: int) -> None:
        name = None
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                name = node.name
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                name = node.target.id
            elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
            elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                continue  # imports and the like: left as they are
            start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            for n in range(start, (node.end_lineno or node.lineno) + 1):
                owner[n] = "contract" if name is None or name in CONTRACT else "bookkeeping"
            if isinstance(node, ast.ClassDef) and node.name == "Output":
                mark(node.body, depth + 1)

    mark(ast.parse(text).body, 0)
    counts = {"contract": 0, "bookkeeping": 0}
    for n, line in enumerate(lines, start=1):
        if line.strip() and not line.strip().startswith("#"):
            counts[owner[n]] += 1
    return counts["contract"], counts["bookkeeping"]


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
        if rel == "output.py":
            contract, bookkeeping = split_output(text)
            counts["output"] += contract
            counts["caching"] += bookkeeping
        else:
            counts[concern(rel)] += code_lines(text)
    total = sum(counts.values())
    print(f"campaign_kit/ at {rev or 'the working tree'}: {total} lines of code")
    for name, _ in (*CONCERNS, ("other", ())):
        if counts[name]:
            print(f"  {name:<10} {counts[name]:>5}  ({counts[name] / total:.0%})")


if __name__ == "__main__":
    main(sys.argv[1:])
