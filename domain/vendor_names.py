"""Keywords that name a company or a service are forbidden in an evidence search (③: 기업 또는
서비스를 특정할 수 있는 검색어(기업명, 서비스명 등)는 절대 사용할 수 없으며).

Names are compared after NFKC (full and half width), case folding and with spaces removed, and a
company's legal-form marks — ㈜, (주), 주식회사, Co., Ltd., Inc. — are ignored, since "한빛클라우드"
names "한빛클라우드㈜" as surely as its full name does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.text import normalise, squeeze

_LEGAL_FORMS = re.compile(
    r"\(주\)|\(유\)|\(사\)|주식회사|유한회사|co\.?,?\s*ltd\.?|inc\.?|corp\.?|corporation|ltd\.?"
)
# A short name ("메일", "누리") is only taken as named when a keyword is exactly that name: as a
# fragment it would forbid ordinary words.
_MIN_FRAGMENT = 4


def core_name(name: str) -> str:
    return squeeze(_LEGAL_FORMS.sub(" ", normalise(name)))


def vendor_names_in(keywords: str, names: Iterable[str]) -> list[str]:
    """The registered names that the keywords name, in the order given."""
    terms = {squeeze(term) for term in normalise(keywords).split()}
    joined = squeeze(keywords)
    named = []
    for name in names:
        core = core_name(name)
        if not core:
            continue
        if core in terms or (len(core) >= _MIN_FRAGMENT and core in joined):
            named.append(name)
    return named
