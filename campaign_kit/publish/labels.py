"""The kit's fixed wording (`templates/kit/labels.yml`), typed.

`{setting}` placeholders are filled from the settings in force, like `materials/text`; `$name`
fields are filled by the stage that uses the text (`Wording.render`).
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml
from pydantic import BaseModel, ConfigDict

from ..model import Settings, fill

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "kit"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DocxWords(_Frozen):
    follows: str
    language: str
    sms_count: str
    reading_time: str
    text_heading: str
    folded_title: str


class Column(_Frozen):
    title: str
    width: float
    number_format: str | None = None
    """Excel number format of the cells to fill in ("#,##0", "0.0%")."""


class FormWords(_Frozen):
    file: str
    """Output file name (without .xlsx)."""
    sheet: str
    owner: str
    nation: str
    motto: str
    code: str
    """The form's code line when the letter names none ("" for none)."""
    title: str
    subtitle: str
    annex: str
    """The annex line when the letter attaches the form (`$annex`: the letter's words)."""
    reports_under: str
    """The line naming the letter when it asks for the report but attaches no form."""
    deadline: str
    columns: tuple[Column, ...]
    total: str


class ChangeWords(_Frozen):
    summary: str
    first_build: str
    follows: str
    added: str
    changed: str
    removed: str
    labels: Mapping[str, str]
    actions: Mapping[str, str]
    other_label: str
    other_action: str

    def label(self, kind: str) -> str:
        return self.labels.get(kind, self.other_label)

    def action(self, kind: str) -> str:
        return self.actions.get(kind, self.other_action)


class BundleWords(_Frozen):
    """Bundle titles; `$name` is the carrier, district or language."""

    carrier: str
    district: str
    lang: str
    screens: str


class KitWords(_Frozen):
    docx: DocxWords
    bundles: BundleWords
    forms: Mapping[str, FormWords]
    """By form id (`installs`, `staff`): the ids directives name in `forms:` and deadlines."""
    changes: Mapping[str, ChangeWords]


@lru_cache(maxsize=1)
def kit_words() -> KitWords:
    data = yaml.safe_load((TEMPLATES / "labels.yml").read_text(encoding="utf-8"))
    return KitWords.model_validate(data)


def render(text: str, settings: Settings, **values: Any) -> str:
    """Fill `{setting}` placeholders from the settings, then `$name` fields from `values`."""
    return string.Template(fill(text, settings)).substitute(
        {k: str(v) for k, v in values.items()})
