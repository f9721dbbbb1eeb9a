"""What a stage made: one frozen record per output file. The stages after it (bundles, the change
report, the site) are handed these (`Made`), never `materials/` or the files read back, and the
manifest lists each with its hash."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

KINDS = ("page", "asset", "poster", "leaflet", "standee", "store-banner", "store-card", "screen",
         "preview", "message", "form", "bundle", "report", "print-batch",
         "progress-summary", "progress-report", "progress-chart",
         "clip", "clip-preview", "captions", "audio", "audio-report")


@dataclass(frozen=True, slots=True)
class Artifact:
    """One file of the output and what it is; `None` fields are not listed in the manifest."""

    path: str
    kind: str
    stage: str
    lang: str | None = None
    store_id: str | None = None
    carrier: str | None = None
    """A carrier's id (store files, a carrier's bundle)."""
    district: str | None = None
    province: str | None = None
    format: str | None = None
    """Its format in formats.yml (posters, screens, store items)."""
    variant: str | None = None
    """A second file of the same item and language ("pdf/x-4")."""
    directive: str | None = None
    """The reference of the letter(s) it follows (`Directive.reference`)."""
    title: str | None = None
    audience: str | None = None
    """Whom a bundle is for: carrier, district, lang, screens."""
    form: str | None = None
    message: str | None = None
    preview_of: str | None = None
    extra: tuple[tuple[str, Any], ...] = ()
    """Anything else the manifest lists of it (an SMS's segments, a bundle's item count), sorted."""

    @classmethod
    def of(cls, path: str, kind: str, stage: str, meta: Mapping[str, Any]) -> Artifact:
        """From a stage's keyword description (`Output.describe`)."""
        if kind not in _KINDS:
            raise ValueError(f"unknown output kind {kind!r}")
        named: dict[str, Any] = {}
        extra = []
        for k, v in meta.items():  # one pass, sets: 85,000 files at 20,000 stores
            if v is not None:
                if k in _NAMED_SET:
                    named[k] = v
                else:
                    extra.append((k, v))
        return cls(path, kind, stage, extra=tuple(sorted(extra)), **named)

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> Artifact:
        """From a manifest entry (the last output's, carried over with `--only`)."""
        meta = {k: v for k, v in entry.items() if k not in _ENTRY_ONLY}
        return cls.of(entry["path"], entry["kind"], entry.get("stage", ""), meta)

    def entry(self) -> dict[str, Any]:
        """Its manifest fields (without path and hash)."""
        entry: dict[str, Any] = {"kind": self.kind, "stage": self.stage}
        for name in _NAMED:
            value = getattr(self, name)
            if value is not None:
                entry[name] = value
        entry.update(self.extra)
        return entry

    def meta(self) -> dict[str, Any]:
        """What describes it besides path, kind and stage: to describe it again (a replayed stage)."""
        entry = self.entry()
        del entry["kind"], entry["stage"]
        return entry


_NAMED = tuple(f.name for f in fields(Artifact) if f.name not in ("path", "kind", "stage", "extra"))
_NAMED_SET, _KINDS = frozenset(_NAMED), frozenset(KINDS)
_ENTRY_ONLY = frozenset({"path", "sha256", "bytes", "kind", "stage"})

Files = Mapping[str, Artifact]
"""Artifacts by output path."""


@dataclass(frozen=True)
class Made:
    """What a stage is handed of the stages before it in this build."""

    files: Files
    """Every file they made, by output path."""
    changes: Mapping[str, Any] | None = None
    """The change report (what `changes.json` holds), once the changes stage has run."""
