"""Jinja2 for the kit's templates (`templates/kit/`): autoescaped, strict about undefined names."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .labels import TEMPLATES


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Store names and addresses are data, never markup: autoescape every HTML template;
    # plain-text templates (README.txt) are rendered unescaped.
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html", "html.j2"]),
                       keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def render_template(name: str, **values: Any) -> str:
    return environment().get_template(name).render(**values)
