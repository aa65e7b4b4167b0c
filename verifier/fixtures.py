"""Development fixtures: keys, a trust list and one signed sample of every document type.

The samples are deliberately long (four-part Arabic names with Latin forms for the person and
both parents, long place and office names) so that size and layout are measured on the worst
realistic case. Used by `sanad verify dev-fixtures`, the tests, the corpus generator and the
benchmarks; nothing here is used in production.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from verifier.documents import (
    Bilingual,
    Document,
    DocumentType,
    FamilyMember,
    MaritalStatus,
    Place,
    Relation,
    Sex,
)
from verifier.keys import SigningKey, save_public_key, save_signing_key
from verifier.national_id import make as make_nid
from verifier.sign import sign_document
from verifier.trust import Identity, SignerEntry, TrustList, sign_trust_list

__all__ = [
    "AUTHORITY",
    "IDENTITY",
    "ISSUER",
    "PLACES",
    "DevFixtures",
    "make_dev_fixtures",
    "sample_documents",
    "sample_trust_list",
]

# The pilot jurisdiction of the demo and the tests (contracts.md): configuration, not code.
ISSUER = "JO-CSPD"
AUTHORITY = Bilingual("دائرة الأحوال المدنية والجوازات", "Civil Status and Passports Department")
IDENTITY = Identity(
    country="JO",
    currency="JOD",
    minor_units=3,
    verify_url="https://verify.sanad.example/",
    currency_name=Bilingual("دينار", "dinar"),
)
# The place table the sample trust list publishes: offices, service centres, hospitals, courts.
PLACES: dict[int, Bilingual] = {
    1101: Bilingual(
        "أمانة السجل المدني في وادي السير - محافظة العاصمة",
        "Civil Registry Office of Wadi al-Sir - Capital Governorate",
    ),
    1102: Bilingual(
        "أمانة السجل المدني في الزرقاء الجديدة - محافظة الزرقاء",
        "Civil Registry Office of New Zarqa - Zarqa Governorate",
    ),
    2101: Bilingual(
        "مركز خدمة المواطن - وادي السير - عمان", "Citizen Service Centre - Wadi al-Sir - Amman"
    ),
    3101: Bilingual(
        "مستشفى الأمير حمزة - ماركا الشمالية - عمان", "Prince Hamza Hospital - North Marka - Amman"
    ),
    3102: Bilingual(
        "مستشفى الجامعة الأردنية - الجبيهة - عمان", "Jordan University Hospital - Jubeiha - Amman"
    ),
    3103: Bilingual("مستشفى البشير الحكومي - عمان", "Al-Bashir Government Hospital - Amman"),
    3201: Bilingual(
        "مستشفى الأمير فيصل - الرصيفة - محافظة الزرقاء",
        "Prince Faisal Hospital - Russeifa - Zarqa Governorate",
    ),
    5301: Bilingual(
        "دير علا - لواء دير علا - محافظة البلقاء",
        "Deir Alla - Deir Alla District - Balqa Governorate",
    ),
    4101: Bilingual("المحكمة الشرعية في وادي السير - عمان", "Sharia Court of Wadi al-Sir - Amman"),
    4201: Bilingual("المحكمة الشرعية في الزرقاء الجديدة", "Sharia Court of New Zarqa"),
}
CENTRE = Place(2101)
KIOSK = "K-AMM-0417"
SAMPLE_ISSUED_AT = dt.datetime(2026, 11, 2, 9, 41, 7, tzinfo=dt.UTC)


def _office(record: str, registered: dt.date, office: int = 1101) -> dict[str, object]:
    return {
        "registration_office": Place(office),
        "record_number": record,
        "registration_date": registered,
    }


_FATHER = Bilingual(
    "عبد الرحمن محمود عبد الكريم الشوابكة", "Abdulrahman Mahmoud Abdulkarim Al-Shawabkeh"
)
_MOTHER = Bilingual(
    "فاطمة الزهراء عبد الله إسماعيل الرواشدة", "Fatima Al-Zahraa Abdullah Ismail Al-Rawashdeh"
)
_HUSBAND = Bilingual("محمد عبد الرحمن محمود الشوابكة", "Mohammad Abdulrahman Mahmoud Al-Shawabkeh")
_WIFE = Bilingual("رنا عبد العزيز يوسف الكيلاني", "Rana Abdulaziz Yousef Al-Kilani")
_PLACE_BIRTH = Place(3101)


def sample_documents() -> dict[DocumentType, Document]:
    """One realistic, long sample of every document type."""
    husband_id, wife_id = make_nid("198512345"), make_nid("298803214")
    father_id = make_nid("195904417")
    child_id = make_nid("201511298")

    def doc(t: DocumentType, fields: dict[str, object]) -> Document:
        return Document(t, fields, KIOSK, CENTRE)

    return {
        DocumentType.BIRTH_CERTIFICATE: doc(
            DocumentType.BIRTH_CERTIFICATE,
            {
                "name": Bilingual(
                    "عبد الله محمد عبد الرحمن الشوابكة",
                    "Abdullah Mohammad Abdulrahman Al-Shawabkeh",
                ),
                "national_id": child_id,
                "sex": Sex.MALE,
                "date_of_birth": dt.date(2015, 3, 14),
                "place_of_birth": _PLACE_BIRTH,
                "father_name": _HUSBAND,
                "mother_name": _WIFE,
                "father_national_id": husband_id,
                "mother_national_id": wife_id,
                **_office("1437/2015", dt.date(2015, 3, 22)),
            },
        ),
        DocumentType.DEATH_CERTIFICATE: doc(
            DocumentType.DEATH_CERTIFICATE,
            {
                "name": _FATHER,
                "national_id": father_id,
                "sex": Sex.MALE,
                "date_of_birth": dt.date(1959, 7, 1),
                "place_of_birth": Place(5301),
                "date_of_death": dt.date(2024, 12, 29),
                "place_of_death": Place(3102),
                "father_name": Bilingual(
                    "محمود عبد الكريم سليمان الشوابكة", "Mahmoud Abdulkarim Suleiman Al-Shawabkeh"
                ),
                "mother_name": Bilingual(
                    "خديجة أحمد مصطفى العدوان", "Khadija Ahmad Mustafa Al-Adwan"
                ),
                **_office("88/2025", dt.date(2025, 1, 2)),
            },
        ),
        DocumentType.MARRIAGE_CERTIFICATE: doc(
            DocumentType.MARRIAGE_CERTIFICATE,
            {
                "husband_name": _HUSBAND,
                "husband_national_id": husband_id,
                "wife_name": _WIFE,
                "wife_national_id": wife_id,
                "date_of_marriage": dt.date(2012, 6, 21),
                "place_of_marriage": Place(4101),
                **_office("512/2012", dt.date(2012, 6, 28)),
            },
        ),
        DocumentType.DIVORCE_CERTIFICATE: doc(
            DocumentType.DIVORCE_CERTIFICATE,
            {
                "husband_name": Bilingual(
                    "خالد عبد الحميد إبراهيم النمري", "Khaled Abdulhamid Ibrahim Al-Nimri"
                ),
                "husband_national_id": make_nid("198001552"),
                "wife_name": Bilingual(
                    "سوسن عبد اللطيف حسن الخطيب", "Sawsan Abdullatif Hassan Al-Khatib"
                ),
                "wife_national_id": make_nid("298207761"),
                "date_of_marriage": dt.date(2004, 9, 2),
                "date_of_divorce": dt.date(2019, 2, 11),
                "place_of_divorce": Place(4201),
                **_office("203/2019", dt.date(2019, 2, 18), office=1102),
            },
        ),
        DocumentType.INDIVIDUAL_EXTRACT: doc(
            DocumentType.INDIVIDUAL_EXTRACT,
            {
                "name": _HUSBAND,
                "national_id": husband_id,
                "sex": Sex.MALE,
                "date_of_birth": dt.date(1985, 11, 30),
                "place_of_birth": Place(3103),
                "marital_status": MaritalStatus.MARRIED,
                "father_name": _FATHER,
                "mother_name": _MOTHER,
                **_office("2291/1985", dt.date(1985, 12, 9)),
            },
        ),
        DocumentType.FAMILY_EXTRACT: doc(
            DocumentType.FAMILY_EXTRACT,
            {
                "members": (
                    FamilyMember(
                        _HUSBAND,
                        husband_id,
                        Relation.HEAD,
                        Sex.MALE,
                        dt.date(1985, 11, 30),
                        MaritalStatus.MARRIED,
                    ),
                    FamilyMember(
                        _WIFE,
                        wife_id,
                        Relation.WIFE,
                        Sex.FEMALE,
                        dt.date(1988, 4, 17),
                        MaritalStatus.MARRIED,
                    ),
                    FamilyMember(
                        Bilingual(
                            "عبد الله محمد عبد الرحمن الشوابكة",
                            "Abdullah Mohammad Abdulrahman Al-Shawabkeh",
                        ),
                        child_id,
                        Relation.SON,
                        Sex.MALE,
                        dt.date(2015, 3, 14),
                        MaritalStatus.SINGLE,
                    ),
                    FamilyMember(
                        Bilingual(
                            "ليلى محمد عبد الرحمن الشوابكة",
                            "Layla Mohammad Abdulrahman Al-Shawabkeh",
                        ),
                        make_nid("201809935"),
                        Relation.DAUGHTER,
                        Sex.FEMALE,
                        dt.date(2018, 10, 5),
                        MaritalStatus.SINGLE,
                    ),
                ),
                **_office("3310/2012", dt.date(2012, 6, 28)),
            },
        ),
        DocumentType.NON_EMPLOYMENT: doc(
            DocumentType.NON_EMPLOYMENT,
            {
                "name": _WIFE,
                "national_id": wife_id,
                "date_of_birth": dt.date(1988, 4, 17),
                "place_of_birth": Place(3201),
                "father_name": Bilingual(
                    "عبد العزيز يوسف عبد القادر الكيلاني", "Abdulaziz Yousef Abdulqader Al-Kilani"
                ),
                "mother_name": Bilingual(
                    "هالة سامي عبد الفتاح الحسيني", "Hala Sami Abdulfattah Al-Husseini"
                ),
                "as_of": dt.date(2026, 11, 2),
                "registration_office": Place(1101),
            },
        ),
    }


def sample_serial(doc_type: DocumentType) -> str:
    return f"{doc_type.slug[:2].upper()}26-{1000417 + int(doc_type):08d}"


def sample_trust_list(
    root: SigningKey,
    signers: list[SignerEntry],
    *,
    sequence: int = 1,
    issued_at: dt.datetime = SAMPLE_ISSUED_AT,
    revoked_serials: frozenset[bytes] = frozenset(),
) -> bytes:
    """A signed trust list (COSE bytes) holding the given signers."""
    tl = TrustList(
        sequence=sequence,
        issued_at=issued_at,
        next_update=issued_at + dt.timedelta(days=1),
        authority=AUTHORITY,
        signers=tuple(signers),
        revoked_serials=revoked_serials,
        places=PLACES,
        identity=IDENTITY,
    )
    return sign_trust_list(tl, root)


def signer_entry(
    key: SigningKey, *, not_before: dt.datetime, days: int = 90, **kw: object
) -> SignerEntry:
    return SignerEntry(
        public_key=key.public.raw,
        issuer=ISSUER,
        not_before=not_before,
        not_after=not_before + dt.timedelta(days=days),
        document_types=frozenset(int(t) for t in DocumentType),
        **kw,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class DevFixtures:
    trust_list: Path
    root_key: Path
    root_private_key: Path
    signer_key: Path
    samples: dict[str, Path]

    def to_json(self) -> dict[str, object]:
        return {
            "trust_list": str(self.trust_list),
            "root_key": str(self.root_key),
            "samples": {k: str(v) for k, v in self.samples.items()},
        }


def make_dev_fixtures(out: Path, *, now: dt.datetime | None = None) -> DevFixtures:
    """Fresh keys, a trust list and one signed sample per type, written under out."""
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    out.mkdir(parents=True, exist_ok=True)
    root, signer = SigningKey.generate(), SigningKey.generate()
    paths = DevFixtures(
        trust_list=out / "trust-list.cose",
        root_key=out / "root.pub.jwk",
        root_private_key=out / "root.key.jwk",
        signer_key=out / "signer.key.jwk",
        samples={},
    )
    save_signing_key(root, paths.root_private_key)
    save_public_key(root.public, paths.root_key)
    save_signing_key(signer, paths.signer_key)
    entry = signer_entry(signer, not_before=now - dt.timedelta(days=1))
    paths.trust_list.write_bytes(sample_trust_list(root, [entry], issued_at=now))
    samples_dir = out / "samples"
    samples_dir.mkdir(exist_ok=True)
    for doc_type, document in sample_documents().items():
        text = sign_document(
            document, serial=sample_serial(doc_type), issuer=ISSUER, issued_at=now, key=signer
        )
        path = samples_dir / f"{doc_type.slug}.txt"
        path.write_text(text + "\n", encoding="ascii")
        paths.samples[doc_type.slug] = path
    (out / "fixtures.json").write_text(json.dumps(paths.to_json(), indent=2) + "\n")
    return paths
