"""One mkdocs config per language, derived from the repository's base `mkdocs.yml` (INHERIT)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import material
import yaml

from ..model import Language, Project

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


def needs_language_partial(code: str) -> bool:
    """True when mkdocs-material has no UI translation for `code` (Khmer): we generate one."""
    return not (MATERIAL_LANGUAGES / f"{code}.html").is_file()


def config_text(base: Path, build: LangBuild, project: Project, site_name: str, nav: list[str]) -> str:
    """The per-language config (for `build.config_file`): INHERIT the base, set what differs
    between languages."""
    languages = []
    for other in project.languages:
        other_prefix = "" if other.code == project.default_lang else f"{other.code}/"
        up = "../" if build.prefix else ""
        languages.append({"code": other.code, "name": other.name, "root": up + other_prefix,
                          "current": other.code == build.code})
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
        "extra": {"alternate": True, "site_languages": languages},
        "nav": nav,
        "plugins": [{"search": search}],
        "exclude_docs": "*.j2\n",
    }
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
