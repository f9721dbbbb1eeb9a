"""Where a line may break: between words, never inside one, and not before a heading's last word.

Vietnamese is written one syllable per space-separated token ("cộng đồng" is one word of two
syllables), so a line breaking at any space splits words. `Lexicon` groups the tokens into words
by longest match against a word list (materials/text/vi.words.txt: pyvi's lexicon of 31,000
words, MIT, with the campaign's own words and the names never split, such as "CH Play"); a run
of capitalised syllables is a proper name ("Lạng Sơn", "Cao Lộc") and is kept too. Chosen by
measuring it against pyvi's and underthesea's models on every Vietnamese text of the campaign:
it splits none of the 64 words of the printed texts (pyvi's model 3, underthesea's 9), needs no
model or dependency (pyvi brings 330 MB of scikit-learn and SciPy, underthesea 96 MB) and loads
in 0.07 s (pyvi 1.2 s).

Two users, one implementation: the print templates (`keep_words`, `heading`: Jinja filters that
join a word's syllables with U+00A0 NO-BREAK SPACE, which WeasyPrint never breaks at and text
extraction reads as a space) and the fast store path (`printing.fit.wrap` breaks only between the
`words` of a text). Headings also keep their last two words together (`heading`), so no heading
ends on a one-word line; Chinese (no spaces) keeps its last two characters together with U+2060
WORD JOINER. Khmer breaks only at its spaces, where each space-separated run is a phrase: its last
run is kept with the one before when it is short.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

NBSP = "\u00a0"
WORD_JOINER = "\u2060"
ZWSP = "\u200b"
WORDS_FILE = Path(__file__).resolve().parents[1] / "materials" / "text" / "vi.words.txt"
"""The word list: content the department may extend (a word per line, its syllables separated by
single spaces; `#` starts a comment). A line in other than lower case is a name, matched as
written; any other line matches in any case."""
LONGEST = 4
"""Syllables of the longest word kept together: longer lexicon entries (idioms) are phrases."""
NAME_LONGEST = 3
"""Syllables of the longest run of capitals kept as one name (a person's name has three)."""
KHMER_SHORT = 8
"""A Khmer run of at most this many characters is too short to end a heading on its own."""

_EDGE = re.compile(r"^([\W_]*)(.*?)([\W_]*)$", re.S)


def _capitalised(syllable: str) -> bool:
    """A capital letter, then lower-case letters only (not an acronym, not a number)."""
    return syllable[:1].isupper() and syllable.isalpha() and (len(syllable) == 1 or syllable[1:].islower())


def _key(token: str) -> tuple[str, str, str]:
    """(leading punctuation, the syllable, trailing punctuation) of a space-separated token."""
    match = _EDGE.match(token)
    assert match is not None  # the pattern matches any string
    return match.group(1), match.group(2), match.group(3)


@dataclass(frozen=True, eq=False)
class Lexicon:
    words: frozenset[str]
    """Lower-case words of 2 to `LONGEST` syllables, syllables joined by one space."""
    names: frozenset[str]
    """Names matched as written ("CH Play", "App Store")."""
    digest: str
    starts: dict[str, int] = field(default_factory=dict, repr=False)
    """A word's or name's first syllable (lower case) -> the most syllables a word starting with
    it has: most tokens start no word, and are passed over with one look-up."""

    def __post_init__(self) -> None:
        for entry in (*self.words, *self.names):
            first, n = entry.split(" ", 1)[0].lower(), entry.count(" ") + 1
            self.starts[first] = max(n, self.starts.get(first, 0))

    @classmethod
    def parse(cls, text: str) -> Lexicon:
        words: set[str] = set()
        names: set[str] = set()
        for line in text.splitlines():
            entry = " ".join(unicodedata.normalize("NFC", line.split("#", 1)[0]).split())
            if not 2 <= entry.count(" ") + 1 <= LONGEST:
                continue
            (words if entry == entry.lower() else names).add(entry)
        return cls(frozenset(words), frozenset(names), hashlib.sha256(text.encode()).hexdigest())

    def split(self, text: str) -> list[str]:
        """The words of `text`, each its syllables joined by one space (the text's own spacing
        between words is not kept: callers join words as they set lines)."""
        return list(self._split(text))

    @functools.lru_cache(maxsize=65536)  # noqa: B019 (one lexicon a build): planner and composer split each name
    def _split(self, text: str) -> tuple[str, ...]:
        tokens = text.split()
        keys = [_key(t) for t in tokens]
        out: list[str] = []
        i = 0
        while i < len(tokens):
            n = self._match(keys, i)
            out.append(" ".join(tokens[i:i + n]))
            i += n
        return tuple(out)

    def _match(self, keys: list[tuple[str, str, str]], i: int, names: bool = True) -> int:
        """Syllables of the word starting at token i: the longest lexicon word whose tokens carry
        no punctuation between them, else a proper name, else one."""
        longest = 1
        for n in range(2, min(self.starts.get(keys[i][1].lower(), 1), len(keys) - i) + 1):
            inner = keys[i:i + n]
            if inner[-2][2] or inner[-1][0]:
                break  # a comma, a quote or a dash between two syllables ends the word
            joined = " ".join(k[1] for k in inner)
            if joined in self.names or joined.lower() in self.words:
                longest = n
        if longest == 1 and names:
            longest = self._name(keys, i)
        return longest

    def _name(self, keys: list[tuple[str, str, str]], i: int) -> int:
        """A run of capitalised syllables with no punctuation between them: a place or a person
        ("Lạng Sơn", "Trần Hưng Đạo"); it stops where a lexicon word starts ("Bộ | Y tế"). A
        sentence's first word is one capitalised syllable and the next in lower case: no run."""
        n = 1
        while (i + n < len(keys) and n < NAME_LONGEST and _capitalised(keys[i][1]) and _capitalised(keys[i + n][1])
               and not keys[i + n][0] and not keys[i + n - 1][2] and self._match(keys, i + n, names=False) == 1):
            n += 1
        return n


@functools.lru_cache(maxsize=4)
def load(path: Path = WORDS_FILE) -> Lexicon:
    return Lexicon.parse(path.read_text(encoding="utf-8"))


def digest() -> str:
    """Of the word list: part of every print's cache key (line breaks follow it)."""
    return load().digest


def split_words(text: str) -> list[str]:
    """`text`'s words (see `Lexicon.split`), by the shipped word list."""
    return load().split(text)


def keep_words(text: object, lang: str = "vi") -> str:
    """`text` with the syllables of each word joined by NO-BREAK SPACE (a Jinja filter): a line
    then breaks only between words. Names are kept in every language, words in Vietnamese."""
    text = str(text)
    lexicon = load()
    lines = text.split("\n")
    if lang != "vi":
        return "\n".join(_keep_names(line, lexicon) for line in lines)
    return "\n".join(" ".join(w.replace(" ", NBSP) for w in lexicon.split(line)) for line in lines)


def _keep_names(text: str, lexicon: Lexicon) -> str:
    for name in sorted(lexicon.names, key=len, reverse=True):
        if name in text:
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", name.replace(" ", NBSP), text)
    return text


def heading(text: object, lang: str = "vi") -> str:
    """`keep_words`, and the last two words (Chinese: characters) kept together, so the last line
    is never one word alone (a Jinja filter): for headings, and the short texts set under them
    (the lead, list items, the warning, the FAQ)."""
    kept = keep_words(text, lang)
    if lang == "zh" or (lang or "").startswith("zh-"):
        return _join_last_characters(kept)
    if lang == "km":  # Khmer breaks at spaces and at U+200B ZERO WIDTH SPACE (between words)
        cut = max(kept.rfind(" "), kept.rfind(ZWSP))
        head, last = kept[:max(cut, 0)], kept[cut + 1:]
        if cut <= 0 or len(last) > KHMER_SHORT:
            return kept
        return f"{head}{NBSP}{last}" if kept[cut] == " " else f"{head}{WORD_JOINER}{last}"
    head, _, last = kept.rstrip().rpartition(" ")
    return f"{head}{NBSP}{last}" if head else kept


def _join_last_characters(text: str) -> str:
    """A word joiner before the last Chinese character when the one before it is Chinese too: the
    last line then has two (and whatever Latin or punctuation follows them, "搜索“Bluezone”")."""
    cjk = [i for i, c in enumerate(text) if _cjk(c) and unicodedata.category(c)[0] in "LN"]
    if len(cjk) < 2 or cjk[-1] - cjk[-2] != 1:
        return text
    return text[:cjk[-1]] + WORD_JOINER + text[cjk[-1]:]


def _cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) == "W"


FILTERS = {"keep_words": keep_words, "heading": heading}
"""The Jinja filters of the print templates."""


HEADINGS = frozenset({"h1", "h2", "h3", "li", "dt", "dd"})
HEADING_CLASSES = frozenset({"headline", "tagline", "qr-caption", "title", "subtitle", "section", "lead",
                             "warning", "hint"})
"""What `lonely_last_lines` looks at in a laid-out page: headings, list items, and the blocks of
these classes (what `heading` sets)."""


def lonely(line: str, lang: str) -> bool:
    """Whether `line`, a heading's last line (of several), is one word alone: one Vietnamese or
    Latin word, one Chinese character, one short Khmer run."""
    text = line.replace(NBSP, " ").replace(WORD_JOINER, "").strip()
    if lang == "zh" or lang.startswith("zh-"):
        hanzi = sum(1 for c in text if _cjk(c) and unicodedata.category(c)[0] in "LN")
        latin = re.sub(r"[^\W\d_]", "a", "".join(c if not _cjk(c) else " " for c in text))
        return hanzi + len(re.findall(r"[a0-9]+", latin)) == 1
    if lang == "km":  # runs that `heading` joined (a word joiner) are two words, not one
        return not {" ", ZWSP, WORD_JOINER} & set(line.replace(NBSP, " ").strip()) and len(text) <= KHMER_SHORT
    return len(split_words(text) if lang == "vi" else text.split()) == 1


def last_lines(document: object) -> list[tuple[str, str, list[str]]]:
    """Every heading of a laid-out WeasyPrint document (`HEADINGS`, `HEADING_CLASSES`): its tag
    and classes, its language (the nearest `lang` attribute) and the text of each of its lines."""
    found: list[tuple[str, str, list[str]]] = []
    for page in getattr(document, "pages"):
        found += _headings(page._page_box, "")
    return found


def _headings(box: object, lang: str) -> list[tuple[str, str, list[str]]]:
    box = getattr(box, "_box", box)  # an absolutely placed box sits behind a placeholder
    element = getattr(box, "element", None)
    if element is not None and getattr(box, "element_tag", None) is not None:
        lang = element.get("lang") or lang
        classes = set((element.get("class") or "").split())
        if type(box).__name__ in ("BlockBox", "InlineBlockBox") and (
                element.tag in HEADINGS or classes & HEADING_CLASSES):
            lines = ["".join(_texts(line)) for line in _boxes(box) if type(line).__name__ == "LineBox"]
            lines = [line for line in lines if line.strip()]  # a list item's marker: a line of its own
            return [(f"{element.tag}.{'.'.join(sorted(classes))}", lang, lines)] if lines else []
    return [h for child in getattr(box, "children", ()) for h in _headings(child, lang)]


def lonely_last_lines(document: object) -> list[str]:
    """The headings of `document` whose last line is one word alone (`lonely`), as problems."""
    return [f"{what} ({lang}): last line {lines[-1].strip()!r} is one word alone ({' | '.join(lines)})"
            for what, lang, lines in last_lines(document) if len(lines) > 1 and lonely(lines[-1], lang)]


def _boxes(box: object) -> Iterator[object]:
    box = getattr(box, "_box", box)  # an absolutely placed box sits behind a placeholder
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _texts(box: object) -> Iterator[str]:
    if getattr(box, "pseudo_type", None) == "marker":
        return
    text = getattr(box, "text", None)
    if isinstance(text, str):
        yield text
    for child in getattr(box, "children", ()):
        yield from _texts(child)
