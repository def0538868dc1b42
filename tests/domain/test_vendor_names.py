"""③: 기업 또는 서비스를 특정할 수 있는 검색어(기업명, 서비스명 등)는 절대 사용할 수 없다 — however the
name is spelt: punctuation, separators and invisible characters inside it do not hide it."""

from __future__ import annotations

import pytest

from domain.vendor_names import vendor_names_in

NAMES = ["Garam Approval", "누리 협업", "하늘클라우드㈜", "메일"]


@pytest.mark.parametrize("keywords", [
    "Garam-Approval",
    "garam‐approval 결재",  # U+2010 hyphen
    "Garam_Approval",
    "Garam\u00adApproval",  # soft hyphen
    "Garam\u200bApproval",  # zero-width space
    "Garam\u2060Approval",  # word joiner
    "누리·협업",  # middle dot
    "누리\u200b협업",
    "누리\u00ad협업",
    "누리\u2060협업",
    "누리.협업 메신저",
    "（누리）협업",
    "하늘-클라우드",
    "전자결재 하늘·클라우드",
])
def test_keywords_that_can_identify_a_company_or_service_are_never_used_however_spelt(
    keywords: str
) -> None:
    assert vendor_names_in(keywords, NAMES), keywords


@pytest.mark.parametrize("keywords", ["이메일·메신저,메일", "메일-보안"])
def test_a_short_name_is_named_when_punctuation_parts_it_off_as_its_own_word(
    keywords: str
) -> None:
    assert vendor_names_in(keywords, NAMES) == ["메일"]


@pytest.mark.parametrize("keywords", ["전자결재 협업도구", "이메일", "클라우드 GPU-서버"])
def test_ordinary_words_are_not_taken_for_names(keywords: str) -> None:
    assert vendor_names_in(keywords, NAMES) == []
