"""The Agency aggregate (수요기관): the directory entry of a public organisation that buys digital
services, registered by the operator.

Tokens name an agency by its id (``AG-SEOUL``); the directory gives that id its administrative
standard agency code (행정표준기관코드), its names, its kind and its region (시·도), so pages, the
OCDS publication and evidence packs can say who the agency is. A procurement is only opened for an
agency the directory knows (``agency.not-registered``).

The code is unique across the directory: a second aggregate, :class:`AgencyCode`, whose id is
derived from the code, is created in the same transaction as the agency, so two registrations
claiming one code cannot both be recorded (the log's (originator_id, version) key decides).
"""

from __future__ import annotations

import re
import unicodedata
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain import bounds, rules
from domain.actor import Role, current_context
from domain.aggregate import LedgerAggregate
from domain.rules import refuse, require
from domain.values import LabelledEnum

AGENCY_NAMESPACE = UUID("6b604e2a-2b5f-4f30-9d5e-000000000007")
AGENCY_CODE_NAMESPACE = UUID("6b604e2a-2b5f-4f30-9d5e-000000000008")

# 7 ASCII digits (central agencies, local governments, education offices: 1741000, 6110000…).
# Public institutions' codes in the 행정표준코드 system carry one upper-case letter in front of six
# digits (국민건강보험공단 B550928, as its data.go.kr services are addressed), so that form is
# admitted too; nothing else (no full-width digits, no spaces).
_CODE = re.compile(r"[0-9]{7}|[A-Z][0-9]{6}", re.ASCII)


class AgencyKind(LabelledEnum):
    CENTRAL = "central"
    LOCAL = "local"
    PUBLIC_INSTITUTION = "public-institution"
    EDUCATION_OFFICE = "education-office"
    OTHER = "other"

    @property
    def ko(self) -> str:
        return _KIND_KO[self]


class Region(LabelledEnum):
    """The 17 시·도 (metropolitan and provincial governments)."""

    SEOUL = "seoul"
    BUSAN = "busan"
    DAEGU = "daegu"
    INCHEON = "incheon"
    GWANGJU = "gwangju"
    DAEJEON = "daejeon"
    ULSAN = "ulsan"
    SEJONG = "sejong"
    GYEONGGI = "gyeonggi"
    GANGWON = "gangwon"
    CHUNGBUK = "chungbuk"
    CHUNGNAM = "chungnam"
    JEONBUK = "jeonbuk"
    JEONNAM = "jeonnam"
    GYEONGBUK = "gyeongbuk"
    GYEONGNAM = "gyeongnam"
    JEJU = "jeju"

    @property
    def ko(self) -> str:
        return _REGION_KO[self]


_KIND_KO = {
    AgencyKind.CENTRAL: "중앙행정기관",
    AgencyKind.LOCAL: "지방자치단체",
    AgencyKind.PUBLIC_INSTITUTION: "공공기관",
    AgencyKind.EDUCATION_OFFICE: "교육청",
    AgencyKind.OTHER: "기타",
}
_REGION_KO = {
    Region.SEOUL: "서울특별시", Region.BUSAN: "부산광역시", Region.DAEGU: "대구광역시",
    Region.INCHEON: "인천광역시", Region.GWANGJU: "광주광역시", Region.DAEJEON: "대전광역시",
    Region.ULSAN: "울산광역시", Region.SEJONG: "세종특별자치시", Region.GYEONGGI: "경기도",
    Region.GANGWON: "강원특별자치도", Region.CHUNGBUK: "충청북도", Region.CHUNGNAM: "충청남도",
    Region.JEONBUK: "전북특별자치도", Region.JEONNAM: "전라남도", Region.GYEONGBUK: "경상북도",
    Region.GYEONGNAM: "경상남도", Region.JEJU: "제주특별자치도",
}


def normalized_agency_id(agency_id: str) -> str:
    return unicodedata.normalize("NFKC", agency_id).strip()


def agency_uuid(agency_id: str) -> UUID:
    """The id a token carries fixes the aggregate's id, so the agency is found by it (and the same
    agency registered twice is refused instead of creating a twin)."""
    return uuid5(AGENCY_NAMESPACE, normalized_agency_id(agency_id))


def agency_code_uuid(code: str) -> UUID:
    return uuid5(AGENCY_CODE_NAMESPACE, code)


def _require_operator() -> None:
    actor = current_context().actor
    if actor.role is not Role.OPERATOR:
        refuse(rules.AUTH_ROLE_FORBIDDEN, role=actor.role.value, allowed="operator")


def _check_names(name_ko: str, name_en: str) -> None:
    for field, value in (("name_ko", name_ko), ("name_en", name_en)):
        bounds.text(value, field, bounds.NAME_LENGTH)
        require(bool(value.strip()), rules.AGENCY_TEXT_REQUIRED, field, name=field)


class Agency(LedgerAggregate):
    @staticmethod
    def create_id(agency_id: str) -> UUID:
        return agency_uuid(agency_id)

    # --- commands ---------------------------------------------------------------------------
    @classmethod
    def register(cls, *, agency_id: str, code: str, name_ko: str, name_en: str,
                 kind: AgencyKind, region: Region) -> Agency:
        _require_operator()
        bounds.text(agency_id, "agency_id", bounds.ID_LENGTH)
        require(bool(agency_id.strip()), rules.AGENCY_TEXT_REQUIRED, "agency_id",
                name="agency_id")
        bounds.text(code, "code", bounds.ID_LENGTH)
        require(_CODE.fullmatch(code) is not None, rules.AGENCY_CODE_FORMAT, "code", code=code)
        _check_names(name_ko, name_en)
        return cls(agency_id=normalized_agency_id(agency_id), code=code,
                   name_ko=name_ko.strip(), name_en=name_en.strip(), kind=kind, region=region)

    def change(self, *, name_ko: str, name_en: str, kind: AgencyKind, region: Region) -> None:
        """The directory entry as it should read now; the code and the id never change."""
        _require_operator()
        _check_names(name_ko, name_en)
        after = (name_ko.strip(), name_en.strip(), kind, region)
        require(after != (self.name_ko, self.name_en, self.kind, self.region),
                rules.AGENCY_NO_CHANGE)
        self._changed(name_ko=after[0], name_en=after[1], kind=kind, region=region)

    # --- events -----------------------------------------------------------------------------
    @event("AgencyRegistered")
    def __init__(self, agency_id: str, code: str, name_ko: str, name_en: str,
                 kind: AgencyKind, region: Region) -> None:
        self.agency_id = agency_id
        self.code = code
        self.name_ko = name_ko
        self.name_en = name_en
        self.kind = kind
        self.region = region

    @event("AgencyChanged")
    def _changed(self, name_ko: str, name_en: str, kind: AgencyKind, region: Region) -> None:
        self.name_ko = name_ko
        self.name_en = name_en
        self.kind = kind
        self.region = region


class AgencyCode(LedgerAggregate):
    """The claim of one administrative standard agency code by one agency: its only purpose is
    that the log refuses a second claim of the same code (see the module's docstring)."""

    @staticmethod
    def create_id(code: str) -> UUID:
        return agency_code_uuid(code)

    @classmethod
    def claim(cls, *, code: str, agency_id: str) -> AgencyCode:
        return cls(code=code, agency_id=agency_id)

    @event("AgencyCodeClaimed")
    def __init__(self, code: str, agency_id: str) -> None:
        self.code = code
        self.agency_id = agency_id
