"""Text normalisation for matching Korean and Latin text the way a person reads it."""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """NFKC (full-width Ｃｌｏｕｄ → Cloud, halfwidth katakana and compatibility characters to
    their standard forms), case-folded, with runs of white space collapsed to one space."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def squeeze(text: str) -> str:
    """:func:`normalise` without any spaces: '클라우드 서비스' and '클라우드서비스' match."""
    return normalise(text).replace(" ", "")
