"""Site UI strings (`materials/text/<lang>.site.yml`) for one language, with their real language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..model import Project

# Keys this stage reads; each must exist in the default language (the loader checks that).
SITE_KEYS: tuple[str, ...] = (
    "site_name", "tagline", "install_button", "steps", "why", "sample_notice", "lookalike_warning",
    "hotline_label", "official_site_label", "fallback_notice",
    "support_title", "support_intro", "support_filter_label", "support_count", "support_hours",
    "support_phone", "support_banner", "support_card", "support_none", "support_part",
    "support_by_district", "directives_title", "directives_intro", "directive_number",
    "directive_date", "directive_issuer", "directive_scope", "directive_date_note", "directives_letters_link",
    "downloads_title", "downloads_intro", "downloads_none",
    "download_format", "download_size", "download_checksum", "download_language",
    "download_preview", "download_kinds", "download_titles", "downloads_grouped", "audiences",
    "measures_title", "measures_intro", "measures_none", "measures_national", "measures_province",
    "measures_deadlines", "measures_no_measures", "measure_audience", "measure_pages",
    "measure_not_yet", "changes_title", "changes_first_build", "changes_added",
    "changes_changed", "changes_removed", "go_title", "go_scanned_at", "go_android", "go_ios",
    "go_intro", "go_guide", "go_opening", "go_stay", "go_language", "embed_title", "embed_more",
    "go_android_other", "go_no_play", "not_found_title", "not_found_text", "not_found_steps", "not_found_home",
)


@dataclass(frozen=True)
class SiteTexts:
    project: Project
    lang: str

    def __call__(self, key: str) -> Any:
        return self.project.text(self.lang, key)

    def lang_of(self, key: str) -> str:
        return self.project.texts.lang_of(self.lang, key)

    def entry(self, key: str, name: str) -> tuple[str, str] | None:
        """One entry of a mapping text (`audiences`, `download_titles`) and the language it is in:
        the language's own, else the default language's (a translation may lag one entry behind)."""
        own: Mapping[str, str] = self(key)
        if name in own:
            return own[name], self.lang_of(key)
        default = self.project.texts.default_lang
        fallback: Mapping[str, str] = self.project.text(default, key)
        return (fallback[name], default) if name in fallback else None

    def missing(self) -> list[str]:
        return [k for k in SITE_KEYS if self.lang_of(k) != self.lang]
