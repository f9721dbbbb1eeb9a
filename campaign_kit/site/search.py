"""The site search, made to find what readers type.

Query and index are folded the same way: the index gets, after each entry's text, its words
without diacritics (`fold_index`), and the page folds every query before the theme's search worker
sees it (`FOLD_QUERY_JS`, the same mapping as `campaign_kit.text.fold`: marks on Latin letters go,
đ becomes d). So "dang ky" and "đăng ký" are one query and give the same results. Each page's
entry also holds its title in the other languages' Latin words (`synonyms`), so "bluetooth" finds
the Chinese page titled 开启蓝牙 and "android" the Khmer page about Android.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Mapping

from ..text import fold

_TAGS = re.compile(r"<[^>]+>")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{2,}")

# Folds the query the way the index is folded, before the theme's worker gets it (message type 2
# is a query in mkdocs-material 9's search protocol; every other message passes unchanged).
FOLD_QUERY_JS = (
    "(function(){var W=window.Worker;if(!W)return;var post=W.prototype.postMessage;"
    "W.prototype.postMessage=function(m){if(m&&m.type===2&&typeof m.data==='string'){"
    "m={type:2,data:m.data.normalize('NFD').replace(/[\\u0300-\\u036f]/g,'')"
    ".replace(/\\u0111/g,'d').replace(/\\u0110/g,'D').normalize('NFC')}}"
    "return post.apply(this,[m].concat([].slice.call(arguments,1)))}})();")


def synonyms(titles: Mapping[str, list[str]]) -> dict[str, str]:
    """Page URL -> the Latin words (folded, lower case, 3 letters or more) of its titles in
    every language: what a Chinese or Khmer reader may type in Latin letters."""
    result = {}
    for url, names in sorted(titles.items()):
        words = sorted({w.lower() for name in names for w in _LATIN_WORD.findall(fold(name))})
        if words:
            result[url] = " ".join(words)
    return result


def fold_index(path: Path, extra: Mapping[str, str] | None = None) -> int:
    """Append, to every entry whose text has diacritics, the same words without them, and to a
    page's own entry (its location is the page URL) the words `extra` gives it. The worker
    indexes them like any word; result previews show the start of the text, so the copy at the
    end stays out of sight. Returns the number of entries changed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    extra = extra or {}
    changed = 0
    for doc in data.get("docs", []):
        plain = _TAGS.sub(" ", f"{doc.get('title', '')} {doc.get('text', '')}")
        folded = fold(plain)
        words = set(folded.split()) - set(plain.split())
        # Always added, even when the text has the word: the separator splits "iPhone" in two.
        words |= set(extra.get(doc.get("location", ""), "").split())
        if words:
            doc["text"] = f"{doc.get('text', '')}<p hidden>{' '.join(sorted(words))}</p>"
            changed += 1
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False),
                    encoding="utf-8")
    return changed
