"""The evidence pack as the printout an officer attaches to an internal approval (내부결재): a
cover page, then each step of the procurement as Korean tables — requirements, searches with their
results by name, quotes in won, exclusions with their clause, the evaluation with totals and ranks,
the award — and an appendix that tells a reader how to check it all.

Everything printed comes from the pack's sections and events, which ``verify_bundle`` proves equal
to the stored events; times are Korea Standard Time to the second.

Korean text needs a real CJK font embedded in the file: NanumGothic from Debian's ``fonts-nanum``
(installed by ``scripts/setup``), or any TrueType font named by ``DSLEDGER_PDF_FONT``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from domain.procurement import ProcurementMethod
from domain.requirements import BudgetCategory, BudgetItem, Clause
from domain.values import (
    CertificationKind,
    CompanySize,
    LabelledEnum,
    PricingModel,
    ProviderType,
    ServiceType,
    SupportChannel,
)
from dsledger.evidence import Bundle, BundleKind, verify_bundle

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
    Path("/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
KST = ZoneInfo("Asia/Seoul")
NOTHING = "기록 없음"
REQUIREMENT_LABELS = (
    ("purpose", "1-1 도입 목적"), ("usage_environment", "2-1 이용 환경"),
    ("network_separation", "2-1 망분리 필요"), ("usage_months", "이용 기간(개월)"),
    ("functional_requirements", "2-2 기능 요구사항"), ("budget_krw", "3-1 예산"),
    ("service_types", "4-1 서비스 유형"), ("provider_type", "5-1 제공자 유형"),
    ("required_certifications", "6-1 필요 인증"), ("mandatory_security_items", "6-2 필수 보안 항목"),
    ("sla_minimums", "7-1 SLA 최소 수준"), ("required_support_channels", "8-1 지원 채널"),
    ("penalties", "9-1 지체상금·손해배상"), ("data_protection", "9-2 데이터 보호"),
    ("migration_support", "9-3 이전 지원"),
)
SLA_LABELS = {
    "availability_percent": "가용률(%) 이상", "max_recovery_minutes": "장애 복구 시간(분) 이하",
    "max_response_time_ms": "응답시간(ms) 이하", "backup_compliance_percent": "백업준수율(%) 이상",
    "max_support_handling_hours": "고객요청 처리시간(시간) 이하",
    "support_handling_rate_percent": "고객요청 처리율(%) 이상",
}
CONDITION_LABELS = {
    "page": "검색 화면", "keywords": "검색어", "service_type": "서비스 유형",
    "support_kind": "지원서비스 종류", "company_size": "기업 규모", "provider_type": "제공자 유형",
    "mall_listed": "디지털서비스몰 등록", "innovation_product": "혁신제품",
    "certification": "인증", "document": "서류", "support_channel": "지원 채널",
}
_ENUMS: tuple[type[LabelledEnum], ...] = (
    ServiceType, CompanySize, ProviderType, CertificationKind, SupportChannel, PricingModel)
# Codes whose enums carry no Korean label of their own yet.
_LOCAL = {
    ProcurementMethod.CENTRAL.value: "중앙조달 (디지털서비스몰 납품요구)",
    ProcurementMethod.SELF.value: "자체조달 (수의계약)",
    BudgetCategory.PUBLIC_UTILITY.value: "공공요금", BudgetCategory.RENT.value: "임차료",
    BudgetCategory.SERVICE_FEE.value: "용역비", BudgetItem.USAGE_FEE.value: "이용료",
    BudgetItem.CONSULTING.value: "컨설팅", BudgetItem.MIGRATION.value: "이전(마이그레이션)",
    BudgetItem.OPERATIONS.value: "운영관리",
}
_CLAUSES = {clause.value: label for clause, label in zip(
    Clause, ("도입 목적", "이용 환경", "기능 요구사항", "예산", "서비스 유형", "제공자 유형", "인증",
             "필수 보안 항목", "SLA", "지원 채널", "지체상금·손해배상", "데이터 보호", "이전 지원"),
    strict=True)}


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


def won(amount: Any) -> str:
    """₩ with thousands separators, whole won."""
    try:
        return f"₩{Decimal(str(amount)):,.0f}"
    except (InvalidOperation, ValueError):
        return str(amount)


def kst(moment: Any) -> str:
    """A time in Korea Standard Time, to the second."""
    if moment is None:
        return "—"
    value = moment if isinstance(moment, datetime) else datetime.fromisoformat(
        str(moment).replace("Z", "+00:00"))
    return value.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S KST")


def label(value: Any) -> str:
    """A stored code (enum value, boolean) as the guideline names it in Korean."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "예" if value else "아니오"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(label(item) for item in value) or "—"
    if value in _LOCAL:
        return _LOCAL[value]
    for enum_type in _ENUMS:
        try:
            return enum_type(value).ko
        except ValueError:
            continue
    return str(value)


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
        self.ln(3)
        self.set_font("kr", size=size)
        self.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(120, 120, 120)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def paragraph(self, text: str, size: float = 9) -> None:
        self.set_font("kr", size=size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT",
                        wrapmode=WrapMode.CHAR)

    def table_of(self, header: Sequence[str], rows: Sequence[Sequence[str]],
                 widths: Sequence[float] | None = None, size: float = 8.5) -> None:
        if not rows:
            self.paragraph(NOTHING)
            return
        self.set_font("kr", size=size)
        # Headings shaded rather than bold: one embedded face keeps the file small.
        headings = FontFace(emphasis="NONE", fill_color=(228, 232, 240))
        with self.table(col_widths=tuple(widths) if widths else None, text_align="LEFT",
                        line_height=size * 0.55, wrapmode=WrapMode.CHAR,
                        headings_style=headings, first_row_as_headings=True) as table:
            for row in [header, *rows]:
                cells = table.row()
                for cell in row:
                    cells.cell(cell)
        self.ln(1.5)

    def pairs(self, rows: Sequence[tuple[str, str]]) -> None:
        self.table_of(("항목", "내용"), rows, widths=(1, 3))


class _Names:
    """Service and provider names as the searches recorded them, by service id."""

    def __init__(self, sections: dict[str, Any]) -> None:
        self.services: dict[str, dict[str, Any]] = {}
        for search in sections.get("searches") or []:
            for hit in search.get("results") or []:
                self.services.setdefault(hit["service_id"], hit)

    def service(self, service_id: str) -> str:
        hit = self.services.get(service_id)
        return hit["name"] if hit else f"서비스 {service_id[:8]}"

    def provider(self, service_id: str) -> str:
        hit = self.services.get(service_id)
        return hit["provider_name"] if hit else "—"


def render_pdf(bundle: Bundle) -> bytes:
    pdf = _Document(korean_font(), f"dsledger {bundle.subject_id}")
    pdf.alias_nb_pages()
    if bundle.kind is BundleKind.PROCUREMENT_EVIDENCE:
        _procurement(pdf, bundle)
    else:
        _contract(pdf, bundle)
    _appendix(pdf, bundle)
    return bytes(pdf.output())


def _procurement(pdf: _Document, bundle: Bundle) -> None:
    sections, names = bundle.sections, _Names(bundle.sections)
    award = sections.get("award") or {}
    awarded = award.get("service_ids") or []
    quotes = sections.get("quotes") or {}
    problems = verify_bundle(bundle)
    pdf.add_page()
    pdf.heading("디지털서비스 이용계약 조달 증빙자료", 17)
    pdf.paragraph("내부결재 첨부용 · 원장(dsledger)에 기록된 이벤트에서 작성")
    pdf.ln(2)
    pdf.pairs([
        ("건명", str(sections.get("title") or "—")),
        ("관리번호", str(sections.get("reference") or "—")),
        ("수요기관", _agency(sections)),
        ("담당자", str((sections.get("budget") or award or {}).get("by") or "—")),
        ("회계연도", str(sections.get("fiscal_year") or "—")),
        ("계약 방법", label(sections.get("method"))),
        ("선정 서비스", ", ".join(f"{names.service(s)} ({names.provider(s)})" for s in awarded)
         or "선정 전"),
        ("선정 서비스 견적 금액", ", ".join(won(quotes[s]["amount_krw"]) for s in awarded
                                      if s in quotes) or "—"),
        ("조달 개시", kst(bundle.events[0].at if bundle.events else None)),
        ("선정일", kst(award.get("at"))),
        ("작성 시각", kst(bundle.generated_at)),
        ("무결성", (f"이벤트 {len(bundle.events)}건, 서명된 로그(트리 크기 {bundle.tree_head.tree_size})에 "
                 "포함 증명됨 — 검증 통과") if not problems else
         f"검증 실패 {len(problems)}건: {problems[0].detail}"),
    ])
    _budget(pdf, sections)
    _requirements(pdf, sections)
    _searches(pdf, sections)
    pdf.heading("4. 계약 방법")
    pdf.paragraph(label(sections.get("method")))
    pdf.heading("5. 견적")
    pdf.table_of(("서비스", "제공자", "금액", "유효기한", "견적서 번호", "제출 시각"), [
        (names.service(sid), names.provider(sid), won(quote["amount_krw"]),
         str(quote.get("valid_until") or "—"), str(quote.get("document_ref") or "—"),
         kst(quote.get("at"))) for sid, quote in quotes.items()], widths=(2, 1.6, 1.5, 1.3, 1.6, 2.2))
    _proposals_and_talks(pdf, sections, names)
    pdf.heading("7. 후보 제외와 사유")
    pdf.table_of(("서비스", "조항", "사유", "근거"), [
        (names.service(item["service_id"]),
         f"{item['clause']} {_CLAUSES.get(item['clause'], '')}".strip(), str(item["reason"]),
         str(item.get("evidence") or "—")) for item in sections.get("exclusions") or []],
        widths=(2, 1.5, 3, 1.5))
    _evaluations(pdf, sections, names)
    pdf.heading("9. 선정과 사유")
    if award:
        pdf.pairs([
            ("선정 서비스", ", ".join(f"{names.service(s)} ({names.provider(s)})"
                                   for s in awarded)),
            ("선정 사유", str(award.get("rationale") or "—")),
            ("순위와 다른 선정의 사유", str(award.get("deviation_reason") or "—")),
            ("선정 시각", kst(award.get("at"))),
        ])
    else:
        pdf.paragraph(NOTHING)


def _budget(pdf: _Document, sections: dict[str, Any]) -> None:
    pdf.heading("1. 예산 확정")
    budget = (sections.get("budget") or {}).get("budget")
    if not budget:
        pdf.paragraph(NOTHING)
        return
    lines = [(label(line["item"]), won(line["amount_krw"])) for line in budget["lines"]]
    total = sum(Decimal(str(line["amount_krw"])) for line in budget["lines"])
    pdf.table_of(("항목", "금액"), [*lines, ("합계", won(total))])
    pdf.paragraph(f"예산 과목: {label(budget.get('category'))} · 요금 방식: "
                  f"{label(budget.get('pricing_model'))}")


def _requirements(pdf: _Document, sections: dict[str, Any]) -> None:
    pdf.heading("2. 요구사항 정의서 (판별 체크리스트)")
    versions = sections.get("requirements") or []
    if not versions:
        pdf.paragraph(NOTHING)
        return
    latest = versions[-1]
    pdf.paragraph(f"제{latest['version']}판 · {kst(latest.get('at'))} (기록된 판 {len(versions)}개)")
    stated = latest["requirements"]
    rows = []
    for key, text in REQUIREMENT_LABELS:
        value = stated.get(key)
        if key == "budget_krw":
            rows.append((text, won(value)))
        elif key == "sla_minimums":
            rows.append((text, ", ".join(f"{SLA_LABELS[name]} {level}" for name, level in
                                         (value or {}).items() if level is not None) or "—"))
        else:
            rows.append((text, label(value)))
    pdf.pairs(rows)


def _searches(pdf: _Document, sections: dict[str, Any]) -> None:
    pdf.heading("3. 검색 기록 (조건 · 시각 · 결과)")
    searches = sections.get("searches") or []
    if not searches:
        pdf.paragraph(NOTHING)
    for search in searches:
        conditions = ", ".join(f"{CONDITION_LABELS.get(key, key)}: {label(value)}"
                               for key, value in search["conditions"].items()
                               if value not in (None, "", [], False))
        saved = " · 후보군으로 저장됨" if search.get("saved") else ""
        pdf.paragraph(f"검색 {search['search_id']} · {kst(search.get('performed_at'))} · 결과 "
                      f"{search.get('total', len(search['results']))}건{saved}", size=9.5)
        pdf.paragraph(f"조건 — {conditions or '전체'}")
        pdf.table_of(("서비스", "제공자", "유형", "기업 규모", "제공자 유형", "인증"), [
            (hit["name"], hit["provider_name"], label(hit["service_type"]),
             label(hit["company_size"]), label(hit["provider_type"]),
             label(hit.get("certifications") or [])) for hit in search["results"]])


def _proposals_and_talks(pdf: _Document, sections: dict[str, Any], names: _Names) -> None:
    pdf.heading("6. 제안 · 문의 · 소통")
    rows = [(f"제안서 — {names.service(sid)}", kst(item.get("at")))
            for sid, item in (sections.get("proposals") or {}).items()]
    rows += [(f"견적 거절 — {names.service(sid)}", kst(item.get("at")))
             for sid, item in (sections.get("declines") or {}).items()]
    rows += [("공급자 문의", f"{len(sections.get('inquiries') or [])}건")]
    rows += [("소통 기록", f"{len(sections.get('communications') or [])}건")]
    pdf.pairs(rows)


def _evaluations(pdf: _Document, sections: dict[str, Any], names: _Names) -> None:
    pdf.heading("8. 평가")
    evaluations = sections.get("evaluations") or []
    if not evaluations:
        pdf.paragraph(NOTHING)
        return
    evaluation = evaluations[-1]
    criteria = evaluation["criteria"]
    pdf.table_of(("평가 기준", "가중치(%)"),
                 [(criterion["label"], str(criterion["weight"])) for criterion in criteria])
    scored = []
    for entry in evaluation["scores"]:
        total = sum(Decimal(str(entry["scores"][c["key"]])) * Decimal(str(c["weight"]))
                    for c in criteria) / 100
        scored.append((total, entry))
    scored.sort(key=lambda item: item[0], reverse=True)
    pdf.table_of(("순위", "서비스", *(c["label"] for c in criteria), "가중 합계"), [
        (str(rank), names.service(entry["service_id"]),
         *(str(entry["scores"][c["key"]]) for c in criteria), f"{total:.2f}")
        for rank, (total, entry) in enumerate(scored, start=1)])
    pdf.paragraph(f"평가 기록 시각: {kst(evaluation.get('at'))}")


def _agency(sections: dict[str, Any]) -> str:
    """The agency's name as the procurement's Opened event recorded it (a cited event, so the
    pack's verifier recomputes it), with its id; the id alone for a procurement opened before
    the directory existed."""
    agency_id = str(sections.get("agency_id") or "—")
    name = sections.get("agency_name")
    return f"{name} ({agency_id})" if name else agency_id


def _contract(pdf: _Document, bundle: Bundle) -> None:
    sections = bundle.sections
    pdf.add_page()
    pdf.heading("디지털서비스 이용계약 이력", 17)
    pdf.pairs([
        ("계약", bundle.subject_id),
        ("수요기관", str(sections.get("agency_id") or "—")),
        ("상태", str(sections.get("status") or "—")),
        ("작성 시각", kst(bundle.generated_at)),
        ("인용 이벤트", f"{len(bundle.events)}건"),
    ])
    pdf.heading("기록된 이벤트")
    pdf.table_of(("순번", "판", "이벤트", "시각", "행위자"), [
        (str(event.sequence), str(event.version), event.type, kst(event.at),
         f"{event.actor} ({event.role})") for event in bundle.events])


def _appendix(pdf: _Document, bundle: Bundle) -> None:
    head = bundle.tree_head
    pdf.add_page()
    pdf.heading("부록 — 무결성 확인 방법")
    fingerprint = hashlib.sha256(bytes.fromhex(bundle.public_key)).hexdigest()
    pdf.pairs([
        ("서명된 로그 크기", f"{head.tree_size:,}"),
        ("루트 해시 (RFC 9162)", head.root_hash),
        ("서명 시각", kst(head.issued_at)),
        ("서명 키 지문 (SHA-256)", " ".join(fingerprint[i:i + 8] for i in range(0, 64, 8))),
    ])
    pdf.paragraph("체크포인트 (C2SP signed note):", size=9.5)
    pdf.set_font("kr", size=7.5)
    pdf.multi_cell(0, 4, head.checkpoint or "—", new_x="LMARGIN", new_y="NEXT",
                   wrapmode=WrapMode.CHAR)
    pdf.ln(2)
    pdf.paragraph("확인 명령 (이 증빙자료의 JSON 판과 신뢰하는 공개키로):", size=9.5)
    pdf.paragraph(f"dsledger verify --pack 증빙자료.json --public-key {bundle.public_key}")
    pdf.paragraph("각 이벤트의 포함 증명과 서명된 마지막 판은 JSON 판에 있습니다. 인쇄된 모든 내용은 "
                  "저장된 이벤트에서 다시 계산되어 확인됩니다.")
