"""The campaign's visual identity as content: the app's icon, the department's mark and the step
pictograms, SVG files in `materials/identity/` (a kit's own `kits/<kit>/identity/` file of the same
name replaces the shared one) that the department swaps for its own.

An SVG file is data, not code: it is parsed with the standard library's expat (no DOCTYPE, so no
entities; no processing instructions), and only plain drawing gets through: the elements and
attributes listed here, each attribute value matched whole by its own pattern (numbers, path data,
`currentColor`), no script, event handler, style, external reference or embedded HTML. What passes
is written out again from what was read (never the file's own text), so the templates inline it
(`<svg>` in the page, where WeasyPrint paints `currentColor` in the colour the template gives:
sRGB or, in the PDF/X-4 file, device-cmyk). Every break is one `Problem` naming file, line and
element, all found in one pass.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from markupsafe import Markup, escape

from .errors import Problem

FOLDER = "identity"
"""The folder of materials/ (and of a kit's folder) that holds the marks."""
FILES = {"app-icon.svg": "app_icon", "department-mark.svg": "department_mark",
         "scan.svg": "scan", "install.svg": "install", "bluetooth.svg": "bluetooth"}
"""File name -> `Identity` field. Each is optional: a missing mark is left out of the prints."""
MAX_BYTES = 100_000
"""The bundled marks are 1-2 KB; a traced logo saved as plain SVG stays well under this."""
MAX_ELEMENTS = 2_000
MAX_DEPTH = 32

SVG_NS = "http://www.w3.org/2000/svg"
_PREFIXES = {SVG_NS: "", "http://www.w3.org/1999/xlink": "xlink:", "http://www.w3.org/XML/1998/namespace": "xml:",
             "http://www.inkscape.org/namespaces/inkscape": "inkscape:",
             "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd": "sodipodi:"}

ELEMENTS = ("svg", "g", "path", "circle", "rect", "ellipse", "line", "polyline", "polygon", "title", "desc")
_UNSAID = ("title", "desc")
"""Read (their text is allowed) but not printed: nothing typeset from a file reaches the page."""

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_LENGTH = rf"{_NUM}(?:px|%)?"
_NUMBERS = r"[-+0-9.eE,\s]*"
_IDENT = r"[A-Za-z_][A-Za-z0-9_.-]{0,63}"
_GEOMETRY = ("x", "y", "width", "height", "cx", "cy", "r", "rx", "ry", "x1", "y1", "x2", "y2",
             "stroke-width", "stroke-dashoffset")
_PATTERNS: dict[str, str] = {
    **{name: _LENGTH for name in _GEOMETRY},
    "id": _IDENT,
    "d": r"[MmZzLlHhVvCcSsQqTtAa0-9eE.,+\-\s]*",
    "points": _NUMBERS,
    "viewBox": rf"\s*{_NUM}(?:[\s,]+{_NUM}){{3}}\s*",
    "transform": r"(?:\s*(?:matrix|translate|scale|rotate|skewX|skewY)\s*\([-+0-9.eE,\s]*\)\s*,?)*",
    "fill": r"currentColor|none",
    "stroke": r"currentColor|none",
    "stroke-linecap": r"butt|round|square",
    "stroke-linejoin": r"miter|round|bevel",
    "stroke-miterlimit": _NUM,
    "stroke-dasharray": rf"none|{_NUMBERS}",
    "fill-rule": r"nonzero|evenodd",
    "clip-rule": r"nonzero|evenodd",
    "opacity": _NUM, "fill-opacity": _NUM, "stroke-opacity": _NUM,
    "preserveAspectRatio": r"none|x(?:Min|Mid|Max)Y(?:Min|Mid|Max)(?: meet| slice)?",
    "version": r"1\.[01]",
    "href": rf"#{_IDENT}",
    "xlink:href": rf"#{_IDENT}",
}
ATTRIBUTES = {name: re.compile(pattern) for name, pattern in _PATTERNS.items()}
"""Geometry and presentation attributes, each value matched whole: no `url(`, no `javascript:`."""
_DROPPED = frozenset({"width", "height", "version"})
"""Of the root <svg>: the templates size a mark by its viewBox."""
_PAINTS = {"fill", "stroke"}
_LINKS = {"href", "xlink:href"}


@dataclass(frozen=True)
class Svg:
    """One mark, sanitized: its viewBox, the root's own presentation attributes and its drawing,
    written out again from what was read (ASCII only: numbers, path data, names)."""

    name: str
    view_box: str
    attrs: str
    body: str

    def inline(self, colour: str, cls: str = "") -> Markup:
        """The mark as an `<svg>` element for a page, `currentColor` painted in `colour` (a CSS
        value of the template's: `#rrggbb` or `device-cmyk(c m y k)`)."""
        if not _COLOUR.fullmatch(colour):
            raise ValueError(f"{self.name}: not a colour for a mark: {colour!r}")
        classes = f"mark mark-{self.name} {cls}".strip()
        return Markup(f'<svg xmlns="{SVG_NS}" class="{escape(classes)}" viewBox="{self.view_box}" '
                      f'color="{colour}"{self.attrs} aria-hidden="true">{self.body}</svg>')


_COLOUR = re.compile(r"#[0-9A-Fa-f]{3,8}|device-cmyk\([0-9. ]+\)")


@dataclass(frozen=True)
class Identity:
    """The marks the prints show (None: no file, left out)."""

    app_icon: Svg | None = None
    department_mark: Svg | None = None
    scan: Svg | None = None
    install: Svg | None = None
    bluetooth: Svg | None = None

    @property
    def pictograms(self) -> tuple[Svg | None, ...]:
        """The install steps' pictograms, in the order of the steps (`steps` in the texts)."""
        return (self.scan, self.install, self.bluetooth)


def load_identity(root: Path, kit: str, problems: list[Problem], name: Callable[[Path], str]) -> Identity:
    """The marks of `root` (materials/) for `kit`: its own folder's file, else the shared one.
    Problems are appended to `problems`, files shown by `name`."""
    folders = [root / FOLDER, root / "kits" / kit / FOLDER]
    chosen: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.svg")):
            if path.name not in FILES:
                problems.append(Problem(name(path), None, "", f"unknown identity file (known: {', '.join(FILES)})"))
            else:
                chosen[path.name] = path  # the kit's folder comes last: it wins
    marks: dict[str, Svg] = {}
    for file, path in sorted(chosen.items()):
        svg, found = read_svg(path, name(path), FILES[file].replace("_", "-"))
        problems.extend(found)
        if svg is not None:
            marks[FILES[file]] = svg
    return Identity(**marks)


def read_svg(path: Path, shown_as: str, mark: str) -> tuple[Svg | None, list[Problem]]:
    """One file, size checked before it is read."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        return None, [Problem(shown_as, None, "", f"{size:,} bytes: at most {MAX_BYTES:,} are allowed "
                                                  "(simplify the drawing, or save it as plain SVG)")]
    return sanitize(path.read_bytes(), shown_as, mark)


class _Stop(Exception):
    """Raised in a handler to end the parse (a DOCTYPE: nothing after it is read)."""


@dataclass
class _Sanitizer:
    file: str
    mark: str
    parser: xml.parsers.expat.XMLParserType
    problems: list[Problem] = field(default_factory=list)
    out: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    """The open elements, qualified ('path', 'inkscape:label')."""
    written: list[bool] = field(default_factory=list)
    """For each open element: whether it is written out (its end tag too)."""
    elements: int = 0
    root: tuple[str, str] | None = None
    """The root's viewBox and presentation attributes, as written out."""

    def problem(self, where: str, message: str) -> None:
        found = Problem(self.file, self.parser.CurrentLineNumber, where, message)
        if found not in self.problems:  # one line for the same break repeated on a line
            self.problems.append(found)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = _qualified(tag)
        element = f"<{name}>"
        is_root = not self.names
        self.elements += 1
        if self.elements == MAX_ELEMENTS + 1:
            self.problem(element, f"more than {MAX_ELEMENTS:,} elements: simplify the drawing")
        if len(self.names) >= MAX_DEPTH:
            self.problem(element, f"nested deeper than {MAX_DEPTH} elements")
            raise _Stop
        if is_root and name != "svg":
            self.problem(element, "the root element must be <svg>")
        elif name == "script":
            self.problem(element, "a script is not allowed (a mark is a drawing)")
        elif name == "foreignObject":
            self.problem(element, "<foreignObject> embeds HTML: not allowed")
        elif name in ("text", "tspan", "textPath"):
            self.problem(element, "text is not allowed in a mark (its font is not the print's): convert it to paths")
        elif name not in ELEMENTS:
            self.problem(element, f"not an allowed element (allowed: {', '.join(ELEMENTS)}; save it as plain SVG)")
        elif name == "svg" and not is_root:
            self.problem(element, "a nested <svg> is not allowed: use <g>")
        written = []
        for key, value in attrs.items():
            attr = _qualified(key)
            if problem := _attribute_problem(attr, value):
                self.problem(f"{element} {attr}", problem)
            elif not (is_root and attr in _DROPPED | {"viewBox"}):
                value = value.strip()
                if attr == "id" or attr in _LINKS:  # ids are per page: prefixed by the mark's name
                    value = f"#{self.mark}-{value[1:]}" if attr in _LINKS else f"{self.mark}-{value}"
                written.append(f' {"href" if attr in _LINKS else attr}="{escape(value)}"')
        if is_root:
            view_box = attrs.get("viewBox", "").strip()
            if name == "svg" and not view_box:
                self.problem(element, 'no viewBox: the prints size a mark by it (viewBox="0 0 48 48")')
            self.root = (" ".join(view_box.replace(",", " ").split()), "".join(written))
        keep = (not is_root and name in ELEMENTS and name not in _UNSAID and name != "svg"
                and all(self.written[1:]))
        if keep:
            self.out.append(f"<{name}{''.join(written)}>")
        self.names.append(name)
        self.written.append(keep)

    def end(self, _tag: str) -> None:
        name = self.names.pop()
        if self.written.pop():
            self.out.append(f"</{name}>")

    def text(self, data: str) -> None:
        if data.strip() and self.names and self.names[-1] in ELEMENTS and self.names[-1] not in _UNSAID:
            self.problem(f"<{self.names[-1]}>", "text outside <title> and <desc> is not allowed: convert it to paths")

    def doctype(self, *_: object) -> None:
        self.problem("DOCTYPE", "a DOCTYPE is not allowed (its entities can expand or read files): remove it")
        raise _Stop

    def instruction(self, target: str, _data: str) -> None:
        self.problem(f"<?{target}?>", "a processing instruction is not allowed (a stylesheet is not read)")


def _qualified(tag: str) -> str:
    """expat's 'namespace local' -> 'local' (SVG or none) or 'prefix:local'."""
    ns, _, local = tag.rpartition(" ")
    if not ns:
        return local
    return _PREFIXES.get(ns, "{" + ns + "}") + local


def _attribute_problem(attr: str, value: str) -> str | None:
    if attr.lower().startswith("on"):
        return f"'{attr}=' is an event handler (it runs script): not allowed"
    if attr in _LINKS and not value.startswith("#"):
        return f"external reference '{_short(value)}': only a local '#id' is allowed"
    if attr == "style":
        return "style= is not allowed: use presentation attributes (fill=, stroke=, stroke-width=)"
    pattern = ATTRIBUTES.get(attr)
    if pattern is None:
        return "not an allowed attribute (geometry and presentation only: see materials/identity/README.md)"
    if not pattern.fullmatch(value.strip()):
        if attr in _PAINTS:
            return (f"'{_short(value)}': only currentColor or none (the prints colour a mark, in RGB "
                    "or in CMYK for the press)")
        return f"'{_short(value)}' is not a valid {attr} value"
    return None


def _short(value: str) -> str:
    """A value as a message shows it: cut, controls escaped."""
    cut = value if len(value) <= 60 else value[:57] + "…"
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in cut)


def sanitize(data: bytes, file: str, mark: str) -> tuple[Svg | None, list[Problem]]:
    """`data` as a mark named `mark` (ids are prefixed with it), or None and every problem."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    s = _Sanitizer(file, mark, parser)
    parser.StartElementHandler = s.start
    parser.EndElementHandler = s.end
    parser.CharacterDataHandler = s.text
    parser.StartDoctypeDeclHandler = s.doctype
    parser.EntityDeclHandler = s.doctype
    parser.ProcessingInstructionHandler = s.instruction
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except _Stop:
        pass
    except xml.parsers.expat.ExpatError as exc:
        s.problems.append(Problem(file, exc.lineno, "", f"not well-formed XML: {xml.parsers.expat.errors.messages[exc.code]}"))
    if s.root is None and not s.problems:
        s.problems.append(Problem(file, None, "", "no <svg> element"))
    if s.problems or s.root is None:
        return None, s.problems
    view_box, attrs = s.root
    return Svg(name=mark, view_box=view_box, attrs=attrs, body="".join(s.out)), []
