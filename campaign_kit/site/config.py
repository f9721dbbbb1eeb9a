"""One mkdocs config per language, derived from the repository's base `mkdocs.yml` (INHERIT)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

import material
import yaml

from ..model import Language, Project
from .search import FOLD_QUERY_JS

MATERIAL_LANGUAGES = Path(str(material.__file__)).parent / "templates" / "partials" / "languages"
# Default separator of mkdocs-material, plus a split around every CJK ideograph (no jieba needed:
# "安装" is searched as 安 + 装, which the index holds as separate terms too).
SEPARATOR = (r'[\s\u200b\-_,:!=\[\]()"`/]+|\.(?!\d)|&[lg]t;|(?!\b)(?=[A-Z][a-z])'
             r'|(?<=[\u3400-\u9fff])|(?=[\u3400-\u9fff])')


# Languages whose lunr stemmer/trimmer handle the script (mkdocs-material ships lunr.vi and English).
LUNR_LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class LangBuild:
    """Where one language's build lives and where its output goes."""

    lang: Language
    prefix: str
    """'' for the default language (site root), else '<code>/'."""
    work: Path

    @property
    def code(self) -> str:
        return self.lang.code

    @property
    def docs(self) -> Path:
        return self.work / "docs"

    @property
    def overrides(self) -> Path:
        return self.work / "overrides"

    @property
    def site(self) -> Path:
        return self.work / "site"

    @property
    def config_file(self) -> Path:
        return self.work / "mkdocs.yml"


def config_text(base: Path, build: LangBuild, project: Project, site_name: str, nav: list[str],
                page_extra: Mapping[str, object] | None = None) -> str:
    """The per-language config (for `build.config_file`): INHERIT the base, set what differs
    between languages. `page_extra`: more `extra` values for the templates (the 404 page's)."""
    languages = []
    site_path = urlsplit(project.campaign.site_url).path or "/"
    for other in project.languages:
        other_prefix = "" if other.code == project.default_lang else f"{other.code}/"
        up = "../" if build.prefix else ""
        # `path`: from the host's root, for the 404 page (served at any URL, so nothing relative).
        languages.append({"code": other.code, "name": other.name, "root": up + other_prefix,
                          "path": site_path + other_prefix, "current": other.code == build.code})
    search: dict[str, object] = {"separator": SEPARATOR}
    if build.lang.search_lang in LUNR_LANGUAGES:
        search["lang"] = [build.lang.search_lang]
    else:
        # No lunr support (Khmer; Chinese without jieba): English tokenising, and no pipeline,
        # since lunr's trimmer strips every non-ASCII letter off a token.
        search["lang"] = ["en"]
        search["pipeline"] = []
    config = {
        "INHERIT": str(base.resolve()),
        "site_name": site_name,
        "site_url": project.campaign.site_url + build.prefix,
        "docs_dir": str(build.docs),
        "site_dir": str(build.site),
        "theme": {"language": build.code, "custom_dir": str(build.overrides)},
        "extra": {"alternate": True, "site_languages": languages, "search_fold": FOLD_QUERY_JS,
                  **(page_extra or {})},
        "nav": _with_progress(nav, project),
        "plugins": [{"search": search}],
        "exclude_docs": "*.j2\n",
    }
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False)


def _with_progress(nav: list[str], project: Project) -> list[str]:
    """The progress page (made when the kit has reports) in the nav, before the change report."""
    if "progress.md" in nav or project.reports is None:
        return nav
    at = nav.index("changes.md") if "changes.md" in nav else len(nav)
    return [*nav[:at], "progress.md", *nav[at:]]

