"""Make the site search find "dang ky" as well as "đăng ký": add the folded words to each entry."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..text import fold

_TAGS = re.compile(r"<[^>]+>")


def fold_index(path: Path) -> int:
    """Append, to every entry whose text has diacritics, the same words without them. The
    worker indexes them like any word; result previews show the start of the text, so the
    folded copy at the end stays out of sight. Returns the number of entries changed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    changed = 0
    for doc in data.get("docs", []):
        plain = _TAGS.sub(" ", f"{doc.get('title', '')} {doc.get('text', '')}")
        folded = fold(plain)
        if folded != plain:
            words = sorted(set(folded.split()) - set(plain.split()))
            doc["text"] = f"{doc.get('text', '')}<p hidden>{' '.join(words)}</p>"
            changed += 1
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False),
                    encoding="utf-8")
    return changed
