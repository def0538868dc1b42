"""Request bodies a contract officer at NIA would send."""

from __future__ import annotations

from typing import Any


def profile_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "나래 클라우드 메일",
        "provider_id": "PRV-0100",
        "provider_name": "나래소프트㈜",
        "service_type": "SaaS",
        "company_size": "sme",
        "provider_type": "original",
        "description": "공공기관용 클라우드 전자메일 서비스. 망분리 환경 지원.",
        "features": ["대용량 첨부", "스팸 차단", "모바일 앱"],
        "keywords": ["전자메일", "협업"],
        "documents": ["SLA", "terms"],
        "support_channels": ["call_center", "email_online"],
        "price_plans": [
            {"name": "기본형", "model": "flat", "unit_price_krw": "5500", "unit": "사용자-월"}
        ],
        "spec": {"지원 브라우저": "Chrome, Edge, Whale"},
    }
    body.update(overrides)
    return body


def selection_body(notice_number: str = "NIA-TEST-0001", **profile: Any) -> dict[str, Any]:
    return {
        "notice_number": notice_number,
        "selection_date": "2025-03-02",
        "valid_until": "2028-03-01",
        "profile": profile_body(**profile),
    }
