"""Keywords that name a company or a service are forbidden in an evidence search (③: 기업 또는
서비스를 특정할 수 있는 검색어(기업명, 서비스명 등)는 절대 사용할 수 없으며).

Names are compared after NFKC (full and half width), case folding and with spaces removed, and a
company's legal-form marks — ㈜, (주), 주식회사, Co., Ltd., Inc. — are ignored, since "한빛클라우드"
names "한빛클라우드㈜" as surely as its full name does. Punctuation, separators and invisible format
characters (Unicode categories P*, Z*, Cf) are removed on both sides too: "Garam-Approval",
"누리·협업" and a name with a zero-width space, soft hyphen or word joiner inside read as the name
itself to whoever sees the search, so they name it just as well.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from domain.text import normalise, squeeze

_LEGAL_FORMS = re.compile(
    r"\(주\)|\(유\)|\(사\)|주식회사|유한회사|co\.?,?\s*ltd\.?|inc\.?|corp\.?|corporation|ltd\.?"
)
# A short name ("메일", "누리") is only taken as named when a keyword is exactly that name: as a
# fragment it would forbid ordinary words.
_MIN_FRAGMENT = 4


def _bare(text: str) -> str:
    """Without punctuation, separators or format characters (P*, Z*, Cf)."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZ"
                   and unicodedata.category(ch) != "Cf")


def _words(text: str) -> set[str]:
    """The words of a normalised text, split at punctuation and separators (a hyphen or a middle
    dot parts two words as a space does), joined across format characters (a zero-width space
    inside a word is not seen), each also kept whole with its inner punctuation removed."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    split = "".join(" " if unicodedata.category(ch)[0] in "PZ" else ch for ch in visible)
    return {word for word in split.split() if word} | {
        bare for bare in (_bare(word) for word in visible.split()) if bare}


def core_name(name: str) -> str:
    return _bare(squeeze(_LEGAL_FORMS.sub(" ", normalise(name))))


def vendor_names_in(keywords: str, names: Iterable[str]) -> list[str]:
    """The registered names that the keywords name, in the order given."""
    normalised = normalise(keywords)
    terms = _words(normalised)
    joined = _bare(normalised)
    named = []
    for name in names:
        core = core_name(name)
        if not core:
            continue
        if core in terms or (len(core) >= _MIN_FRAGMENT and core in joined):
            named.append(name)
    return named
