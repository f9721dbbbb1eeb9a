"""Stage 'changes': what this build changed since the last good output, grouped for people.

Compares the files the earlier stages made in this build (`Made.files`, sha256 of the bytes)
with the previous output's manifest (`ctx.previous`). Site pages and assets, previews (they
follow their PDFs) and the stages after this one are left out. Writes `changes.json` (kind
`report`) at the output root:

    {"first_build": bool,
     "groups": [{"kind", "count", "directive", "summary": {"vi", "en"},
                 "added": [...], "changed": [...], "removed": [...]}]}

One group per kind and language ("12 băng rôn cửa hàng thay đổi: in lại các tệp này"), naming
the directive the new files follow (their `directive` meta). With `--only`, the files carried
over from the previous output are unchanged by construction and show up nowhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import AbstractSet, Any, Callable, Mapping, NamedTuple

from ..artifacts import KINDS, Files, Made
from ..context import STAGES, BuildContext
from ..model import Project
from ..publish.labels import kit_words, render
from ..reports import corrections_group

REPORT = "changes.json"
SUMMARY_LANGS = ("vi", "en")
IGNORED_KINDS = frozenset({"page", "asset", "preview", "report"})
COMPARED_STAGES = tuple(STAGES)[:tuple(STAGES).index("changes")]  # the stages that ran before


class FileState(NamedTuple):
    path: str
    kind: str
    lang: str | None
    sha256: str
    directive: str | None


@dataclass
class Group:
    kind: str
    lang: str | None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    directives: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


def run(ctx: BuildContext, made: Made) -> dict[str, Any]:
    """Writes changes.json; returns its content, for the site's change page."""
    # A file at the same place with the same bytes is in no list: it is left out of both sides
    # (a 20,000-store rebuild compares 60,000 files to find the two that changed).
    same: set[str] = set()
    before = None if ctx.previous is None else ctx.out.previous
    current = current_files(made.files, ctx.out.has, ctx.out.digest, before, same)
    previous = None if ctx.previous is None else previous_files(ctx.previous, same)
    report = change_report(ctx.project, previous, current)
    if ctx.project.reports is not None and ctx.project.reports.corrections:
        # A carrier's day sent twice with other numbers: the later file won, and the progress
        # files it changed say so (one more group, as the others).
        touched = sorted(p for g in report["groups"] if g["kind"].startswith("progress-")
                         for p in (*g["added"], *g["changed"]))
        # Only corrections new since the last output (its summary lists the report files it read).
        last: dict[str, Any] = next((e for e in (ctx.previous or {}).get("files", [])
                                     if e.get("kind") == "progress-summary"), {})
        read_before = set(str(last.get("inputs", "")).splitlines())
        files = dict(ctx.project.reports.files)
        new = [c for c in ctx.project.reports.corrections if f"{files.get(c.file)} {c.file}" not in read_before]
        if touched and new:
            report["groups"].append(corrections_group(new, ctx.project.campaign.carriers, touched))
    text = json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True)
    ctx.out.write_text(REPORT, text + "\n", "report")
    return dict(json.loads(text))  # as the file has it (lists, not tuples)


def _compared(kind: str, stage: str | None) -> bool:
    return kind not in IGNORED_KINDS and (not stage or stage in COMPARED_STAGES)


def current_files(made: Files, exists: Callable[[str], bool],
                  digest: Callable[[str], tuple[str, int]],
                  before: Mapping[str, tuple[str, int]] | None = None,
                  same: set[str] | None = None) -> dict[str, FileState]:
    """The files of this build the report covers, with their hashes (`digest`: the output's,
    which reads a file only when its hash is not known already). `before`: the last output's
    (hash, size) by path: a file as it was there is left out, and put in `same`."""
    result = {}
    for rel, info in made.items():  # the report sorts its lists
        if not _compared(info.kind, info.stage) or not exists(rel):
            continue
        sha256 = digest(rel)[0]
        if before is not None and before.get(rel, _NONE)[0] == sha256:
            if same is not None:
                same.add(rel)
            continue
        result[rel] = FileState(rel, info.kind, info.lang, sha256, info.directive)
    return result


_NONE = ("", 0)


def previous_files(manifest: Mapping[str, Any],
                   unchanged: AbstractSet[str] = frozenset()) -> dict[str, FileState]:
    """The last output's files the report covers, but those in `unchanged`."""
    return {e["path"]: FileState(e["path"], e["kind"], e.get("lang"), e["sha256"], e.get("directive"))
            for e in manifest.get("files", []) if e["path"] not in unchanged and _compared(e["kind"], e.get("stage"))}


def change_report(project: Project, previous: Mapping[str, FileState] | None,
                  current: Mapping[str, FileState]) -> dict[str, Any]:
    """The content of changes.json."""
    groups: dict[tuple[str, str | None], Group] = {}

    def group(state: FileState) -> Group:
        key = (state.kind, state.lang)
        return groups.setdefault(key, Group(state.kind, state.lang))

    old = previous or {}
    for path, state in current.items():
        before = old.get(path)
        if before is None or before.sha256 != state.sha256:
            g = group(state)
            (g.added if before is None else g.changed).append(path)
            if state.directive:
                g.directives.add(state.directive)
    for path, state in old.items():
        if path not in current:
            group(state).removed.append(path)
    order = {kind: i for i, kind in enumerate(KINDS)}
    langs = {lang.code: i for i, lang in enumerate(project.languages)}
    ordered = sorted(groups.values(), key=lambda g: (order.get(g.kind, len(order)), g.kind,
                                                     langs.get(g.lang or "", -1)))
    first = previous is None
    return {"first_build": first,
            "groups": [_group_json(project, g, first) for g in ordered if g.count]}


def _group_json(project: Project, g: Group, first: bool) -> dict[str, Any]:
    directive = "; ".join(sorted(g.directives)) or None
    return {"kind": g.kind, "count": g.count, "directive": directive,
            "summary": {lang: summary(project, lang, g, first, directive)
                        for lang in SUMMARY_LANGS},
            "added": sorted(g.added), "changed": sorted(g.changed), "removed": sorted(g.removed)}


def summary(project: Project, in_lang: str, g: Group, first: bool, directive: str | None) -> str:
    """One sentence for people: how many of what changed, why, and what to do."""
    words = kit_words().changes[in_lang]
    settings = project.settings
    label = words.label(g.kind)
    # Languages by their own name for Vietnamese readers, by their English name otherwise.
    names = {lang.code: lang.name if in_lang == project.default_lang else lang.english_name
             for lang in project.languages}
    if g.lang and g.lang in names:
        label = f"{label} ({names[g.lang]})"
    if first:
        return render(words.first_build, settings, count=g.count, label=label)
    details = ", ".join(render(text, settings, n=len(paths)) for text, paths in
                        ((words.added, g.added), (words.changed, g.changed), (words.removed, g.removed))
                        if paths)
    follows = " " + render(words.follows, settings, directive=directive) if directive else ""
    return render(words.summary, settings, count=g.count, label=label, details=details,
                  follows=follows, action=words.action(g.kind))
