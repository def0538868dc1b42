"""Text is compared the way a person reads it: full-width Latin is Latin, case does not matter,
and Korean matches however it was spaced."""

from __future__ import annotations

import pytest

from domain.text import normalise, squeeze


@pytest.mark.parametrize(("typed", "read"), [
    ("Ｃｌｏｕｄ", "cloud"),
    ("ＧＰＵ　서버", "gpu 서버"),
    ("ＣＳＡＰ　인증　ＩａａＳ", "csap 인증 iaas"),
    ("ＡＢＣ１２３", "abc123"),
    ("（주）하늘", "(주)하늘"),
])
def test_full_width_latin_digits_and_signs_read_as_their_ordinary_forms(
        typed: str, read: str) -> None:
    assert normalise(typed) == read


@pytest.mark.parametrize(("typed", "read"), [
    ("CLOUD Mail", "cloud mail"),
    ("iaas", "iaas"),
    ("SaaS", "saas"),
    ("Straße", "strasse"),
])
def test_case_does_not_matter(typed: str, read: str) -> None:
    assert normalise(typed) == read


@pytest.mark.parametrize("typed", [
    "클라우드 서비스",
    "  클라우드   서비스  ",
    "클라우드\u3000서비스",
    "\t클라우드\n서비스\r\n",
    "클라우드\u00a0 \u2003서비스",
])
def test_korean_with_odd_spacing_reads_with_single_spaces(typed: str) -> None:
    assert normalise(typed) == "클라우드 서비스"


@pytest.mark.parametrize("typed", [
    "클라우드서비스",
    "클라우드 서비스",
    " 클 라 우 드　서 비 스 ",
    "클라우드\t\n서비스",
])
def test_squeezed_korean_matches_however_it_was_spaced(typed: str) -> None:
    assert squeeze(typed) == "클라우드서비스"


def test_squeezing_also_folds_width_and_case() -> None:
    assert squeeze(" Ｃｌｏｕｄ　Ｍａｉｌ 메일 ") == squeeze("cloudmail메일") == "cloudmail메일"


def test_korean_typed_as_compatibility_jamo_of_open_syllables_reads_as_syllables() -> None:
    assert normalise("ㄷㅔㅇㅣㅌㅓ") == "데이터"


def test_precomposed_and_decomposed_korean_read_the_same() -> None:
    decomposed = "\u1112\u1161\u11ab\u1100\u1173\u11af"  # 한글 as conjoining jamo

    assert normalise(decomposed) == normalise("한글") == "한글"


@pytest.mark.parametrize("blank", ["", " ", "\u3000", "\t\n"])
def test_blank_text_reads_as_nothing(blank: str) -> None:
    assert normalise(blank) == ""
    assert squeeze(blank) == ""
