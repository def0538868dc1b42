"""The evidence pack as a printable PDF, for the internal approval it is attached to.

Korean text needs a real CJK font embedded in the file: NanumGothic from Debian's ``fonts-nanum``
(installed by ``scripts/setup``), or any TrueType font named by ``DSLEDGER_PDF_FONT``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import WrapMode

from dsledger.evidence import Bundle, BundleKind

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
    Path("/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
# (record key, Korean heading, English heading) in the order the guideline's steps take them.
PROCUREMENT_SECTIONS = (
    ("budget", "예산 확정", "Budget"),
    ("requirements", "요구사항 (판별 체크리스트)", "Requirements"),
    ("searches", "검색 기록 (조건·시각·결과)", "Searches with conditions, time and results"),
    ("saved_search_id", "저장된 검색 (후보군)", "Saved search (candidate set)"),
    ("method", "계약 방법", "Procurement method"),
    ("quote_requests", "견적 요청", "Quote requests"),
    ("quotes", "견적서", "Quotes"),
    ("declines", "견적 거절", "Declined quotes"),
    ("proposal_requests", "제안 요청", "Proposal requests"),
    ("proposals", "제안서", "Proposals"),
    ("inquiries", "공급자 문의", "Provider inquiries"),
    ("communications", "소통 기록", "Communications"),
    ("exclusions", "후보 제외와 사유", "Exclusions and their grounds"),
    ("evaluations", "평가표", "Evaluation table"),
    ("award", "선정과 사유", "Award and rationale"),
    ("abandoned", "중단", "Abandoned"),
)


class FontMissing(RuntimeError):
    pass


def korean_font() -> Path:
    configured = os.environ.get("DSLEDGER_PDF_FONT")
    candidates = [Path(configured)] if configured else list(FONT_CANDIDATES)
    for path in candidates:
        if path.is_file():
            return path
    raise FontMissing("no Korean font for the PDF: install Debian's fonts-nanum (scripts/setup "
                      "does) or set DSLEDGER_PDF_FONT to a TrueType font with Hangul")


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "예 (yes)" if value else "아니오 (no)"
    return str(value)


def _lines(value: Any, depth: int = 0) -> Iterator[tuple[int, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list | tuple) and item:
                yield depth, f"{key}:"
                yield from _lines(item, depth + 1)
            else:
                yield depth, f"{key}: {_scalar(item) if item not in ({}, [], ()) else '—'}"
    elif isinstance(value, list | tuple):
        for number, item in enumerate(value, start=1):
            if isinstance(item, dict | list | tuple):
                yield depth, f"[{number}]"
                yield from _lines(item, depth + 1)
            else:
                yield depth, f"- {_scalar(item)}"
    else:
        yield depth, _scalar(value)


class _Document(FPDF):
    def __init__(self, font: Path, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.add_font("kr", "", str(font))
        self.set_auto_page_break(True, margin=16)
        self.set_margins(16, 16, 16)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("kr", size=7)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")

    def heading(self, text: str, size: float = 12) -> None:
        self.ln(2)
        self.set_font("kr", size=size)
        self.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(120, 120, 120)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def text_lines(self, value: Any, size: float = 8.5) -> None:
        self.set_font("kr", size=size)
        for depth, line in _lines(value):
            self.set_x(self.l_margin + 4 * depth)
            self.multi_cell(self.epw - 4 * depth, size * 0.5, line, new_x="LMARGIN",
                            new_y="NEXT", wrapmode=WrapMode.CHAR)


def render_pdf(bundle: Bundle) -> bytes:
    head = bundle.tree_head
    pdf = _Document(korean_font(), f"dsledger {bundle.kind.value} {bundle.subject_id}")
    pdf.alias_nb_pages()
    pdf.add_page()
    title = ("조달 증빙자료 — Procurement evidence pack"
             if bundle.kind is BundleKind.PROCUREMENT_EVIDENCE
             else "계약 이력 — Contract history")
    pdf.heading(title, 16)
    sections = bundle.sections
    pdf.text_lines({
        "대상 (subject)": bundle.subject_id,
        "수요기관 (agency)": sections.get("agency_id"),
        "건명 (title)": sections.get("title"),
        "상태 (status)": sections.get("status"),
        "작성 시각 (generated at)": bundle.generated_at.isoformat(),
        "인용 이벤트 수 (events cited)": len(bundle.events),
    }, size=9.5)
    if bundle.kind is BundleKind.PROCUREMENT_EVIDENCE:
        for key, korean, english in PROCUREMENT_SECTIONS:
            pdf.heading(f"{korean} — {english}")
            pdf.text_lines(sections.get(key) or "기록 없음 (nothing recorded)")
    else:
        pdf.heading("계약 기록 — Contract record")
        pdf.text_lines(sections)
    pdf.heading("인용된 이벤트 — Cited events (each with an inclusion proof in the JSON pack)")
    pdf.text_lines([
        f"#{event.sequence} v{event.version} {event.type} · {event.at} · {event.actor} "
        f"({event.role}) · leaf {event.leaf_hash[:16]}…" for event in bundle.events])
    pdf.heading("무결성 — Integrity (signed tree head, RFC 9162)")
    pdf.text_lines({
        "트리 크기 (tree size)": head.tree_size,
        "루트 해시 (root hash)": head.root_hash,
        "서명 시각 (issued at)": head.issued_at.isoformat(),
        "서명 키 (key id)": head.key_id,
        "공개키 (public key)": bundle.public_key,
        "서명 (Ed25519 signature)": head.signature,
        "검증 (verify)": "dsledger verify --pack <JSON 증빙자료> --public-key <신뢰하는 공개키>",
    })
    return bytes(pdf.output())
