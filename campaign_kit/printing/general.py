"""What the general items (posters, leaflets, standees, screens) print, and the letter they
name: one place for the print and screens stages (and `check`, through `model.PRINTED`)."""

from __future__ import annotations

from typing import Any

from ..model import PRINTED, Directive, Project

GENERAL_KINDS = PRINTED.general_kinds
PRINT_TEXTS = PRINTED.texts
"""The texts posters, leaflets, standees and screens print (`model.PRINTED`: `check` reads it too)."""
GENERAL_SETTINGS = PRINTED.general_settings


def texts(project: Project, lang: str) -> dict[str, Any]:
    """The printed texts of a language, placeholders filled (Vietnamese where one is missing)."""
    return {key: project.text(lang, key) for key in PRINT_TEXTS}


def general_directive(project: Project, lang: str) -> Directive | None:
    """The letter a poster, leaflet, standee or screen of `lang` names: the newest that set a
    setting it shows."""
    return project.cite(GENERAL_SETTINGS | project.settings_in(lang, PRINT_TEXTS))
