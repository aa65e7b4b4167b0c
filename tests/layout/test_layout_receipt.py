"""The printed certificate: every type at both widths scans back to the same VALID document,
the image is what a thermal printer needs, and nothing leaves the paper."""

from __future__ import annotations

import datetime as dt

import pytest
from layout_support import (
    CHECK_AT,
    MASTHEAD,
    PILOT_AUTHORITY,
    TYPES,
    WIDTHS,
    Authority,
    Signed,
    contains,
    decode_qr_texts,
)
from PIL import Image, ImageChops

from hardware.layout import (
    DPI,
    LangOrder,
    LayoutError,
    NotVerifiedError,
    PaperWidth,
    QrEcc,
    Receipt,
    TextRole,
    render_receipt,
    render_text,
    render_verdict,
)
from hardware.layout.qr import QUIET_ZONE
from hardware.layout.receipt import Masthead
from verifier.documents import Bilingual, DocumentType
from verifier.fixtures import IDENTITY
from verifier.presentation import display_fields
from verifier.verify import Status, verify

CASES = [(t, int(w)) for t in TYPES for w in WIDTHS]
IDS = [f"{t.slug}-{w}" for t, w in CASES]
MARGIN = {384: 6, 576: 8}


def _ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    box = ImageChops.invert(image.convert("L")).getbbox()
    assert box is not None
    return box


@pytest.mark.parametrize(("doc_type", "width"), CASES, ids=IDS)
def test_printed_qr_scans_back_to_the_same_valid_document(
    doc_type: DocumentType,
    width: int,
    receipts: dict[tuple[DocumentType, int], Receipt],
    signed: dict[DocumentType, Signed],
    authority: Authority,
) -> None:
    receipt = receipts[(doc_type, width)]
    texts = decode_qr_texts(receipt.image)
    assert texts == [signed[doc_type].qr_text]
    verdict = verify(texts[0], authority.trust, CHECK_AT)
    assert verdict.status is Status.VALID
    assert verdict.claims == signed[doc_type].verdict.claims
    assert display_fields(verdict.claims.document) == display_fields(
        signed[doc_type].verdict.claims.document  # type: ignore[union-attr]
    )


@pytest.mark.parametrize(("doc_type", "width"), CASES, ids=IDS)
def test_image_is_one_bit_at_the_exact_dot_width(
    doc_type: DocumentType, width: int, receipts: dict[tuple[DocumentType, int], Receipt]
) -> None:
    receipt = receipts[(doc_type, width)]
    assert receipt.image.mode == "1"
    assert receipt.image.width == receipt.width_dots == width
    assert receipt.dpi == DPI == 203
    assert set(dict(receipt.image.convert("L").getcolors() or []).values()) <= {0, 255}
    assert receipt.height_mm == pytest.approx(receipt.image.height * 25.4 / 203)


@pytest.mark.parametrize(("doc_type", "width"), CASES, ids=IDS)
def test_qr_modules_are_whole_dots_with_the_quiet_zone_kept(
    doc_type: DocumentType, width: int, receipts: dict[tuple[DocumentType, int], Receipt]
) -> None:
    receipt = receipts[(doc_type, width)]
    qr, image = receipt.qr, receipt.image.convert("L")
    m, n = qr.module_dots, qr.modules
    assert m >= 4
    assert qr.ecc is QrEcc.Q  # the samples fit at the default level on both widths
    # As large as fits: one more dot per module would not fit with the quiet zone.
    assert (n + 2 * QUIET_ZONE) * (m + 1) > width >= (n + 2 * QUIET_ZONE) * m
    left, top = qr.left_dots, qr.top_dots
    # Every module is a uniform m×m block: no grey, no split modules.
    for row in range(n):
        for col in range(n):
            block = image.crop(
                (left + col * m, top + row * m, left + (col + 1) * m, top + (row + 1) * m)
            )
            colours = block.getcolors()
            assert colours is not None
            assert len(colours) == 1, (row, col)
    # The quiet zone (4 modules on every side) is white.
    q = QUIET_ZONE * m
    ring = image.crop((left - q, top - q, left + n * m + q, top + n * m + q))
    assert ring.size == ((n + 8) * m, (n + 8) * m)
    assert left - q >= 0
    assert left + n * m + q <= width
    inner = Image.new("L", (n * m, n * m), 255)
    ring.paste(inner, (q, q))
    assert ring.getextrema() == (255, 255)


@pytest.mark.parametrize(("doc_type", "width"), CASES, ids=IDS)
def test_raster_parts_and_qr_stack_up_to_the_image(
    doc_type: DocumentType, width: int, receipts: dict[tuple[DocumentType, int], Receipt]
) -> None:
    receipt = receipts[(doc_type, width)]
    qr = receipt.qr
    assert receipt.above.mode == receipt.below.mode == "1"
    assert receipt.above.width == receipt.below.width == width
    assert receipt.above.height == qr.top_dots
    assert receipt.above.height + qr.size_dots + receipt.below.height == receipt.height_dots
    # The white rows of the quiet zone belong to the raster parts, so a printer's native QR
    # (no quiet zone of its own) lands with the zone intact.
    q = QUIET_ZONE * qr.module_dots
    assert (
        ImageChops.invert(receipt.above.convert("L"))
        .crop((0, qr.top_dots - q, width, qr.top_dots))
        .getbbox()
        is None
    )
    assert ImageChops.invert(receipt.below.convert("L")).crop((0, 0, width, q)).getbbox() is None
    stacked = Image.new("1", receipt.image.size, 1)
    stacked.paste(receipt.above, (0, 0))
    stacked.paste(
        receipt.image.crop((0, qr.top_dots, width, qr.top_dots + qr.size_dots)), (0, qr.top_dots)
    )
    stacked.paste(receipt.below, (0, qr.top_dots + qr.size_dots))
    assert ImageChops.difference(stacked.convert("L"), receipt.image.convert("L")).getbbox() is None
    assert decode_qr_texts(receipt.image) == [qr.text]


@pytest.mark.parametrize(("doc_type", "width"), CASES, ids=IDS)
def test_ink_stays_inside_the_margins_and_no_paper_is_wasted(
    doc_type: DocumentType, width: int, receipts: dict[tuple[DocumentType, int], Receipt]
) -> None:
    receipt = receipts[(doc_type, width)]
    left, top, right, bottom = _ink_box(receipt.image)
    margin = MARGIN[width]
    assert left >= margin
    assert right <= width - margin
    assert top >= margin
    assert bottom <= receipt.height_dots - margin
    # Tight top and bottom: at most the margin and two dots of white.
    assert top <= margin + 2
    assert receipt.height_dots - bottom <= margin + 2
    # No blank run longer than the QR's quiet zone anywhere on the paper.
    longest = _longest_blank_run(receipt.image)
    assert longest <= QUIET_ZONE * receipt.qr.module_dots + 4


def _longest_blank_run(image: Image.Image) -> int:
    inverted = ImageChops.invert(image.convert("L"))
    longest = run = 0
    for y in range(image.height):
        if inverted.crop((0, y, image.width, y + 1)).getbbox() is None:
            run += 1
            longest = max(longest, run)
        else:
            run = 0
    return longest


def test_english_first_order_puts_english_above_arabic(
    signed: dict[DocumentType, Signed],
) -> None:
    s = signed[DocumentType.BIRTH_CERTIFICATE]
    ar_first = render_verdict(s.verdict, s.qr_text, width_dots=576, masthead=MASTHEAD)
    en_first = render_verdict(
        s.verdict,
        s.qr_text,
        width_dots=576,
        masthead=MASTHEAD,
        lang_order=LangOrder.EN_FIRST,
    )
    assert PILOT_AUTHORITY.latin is not None
    english = _ink(render_text(PILOT_AUTHORITY.latin, width_dots=576, role=TextRole.HEADER))
    arabic = _ink(render_text(PILOT_AUTHORITY.ar, width_dots=576, role=TextRole.HEADER))

    def first_line(receipt: Receipt) -> Image.Image:
        top = _ink_box(receipt.image)[1]
        return receipt.image.crop((0, top - 2, 576, top + max(english.height, arabic.height) + 2))

    assert contains(first_line(en_first), english)
    assert contains(first_line(ar_first), arabic)
    assert not contains(first_line(ar_first), english)
    assert decode_qr_texts(en_first.image) == [s.qr_text]


def _ink(image: Image.Image) -> Image.Image:
    grey = image.convert("L")
    return grey.crop(_ink_box(grey))


def test_issue_time_is_printed_in_the_given_time_zone(signed: dict[DocumentType, Signed]) -> None:
    s = signed[DocumentType.NON_EMPLOYMENT]
    utc = render_verdict(s.verdict, s.qr_text, width_dots=576, masthead=MASTHEAD)
    amman = render_verdict(
        s.verdict,
        s.qr_text,
        width_dots=576,
        masthead=MASTHEAD,
        timezone=dt.timezone(dt.timedelta(hours=3)),
    )
    assert (
        ImageChops.difference(
            utc.image.convert("L"), amman.image.convert("L").crop((0, 0, *utc.image.size))
        ).getbbox()
        is not None
    )


def test_a_verdict_that_is_not_valid_is_never_rendered(
    signed: dict[DocumentType, Signed], authority: Authority
) -> None:
    s = signed[DocumentType.BIRTH_CERTIFICATE]
    tampered = s.qr_text[:-6] + ("A" if s.qr_text[-6] != "A" else "B") + s.qr_text[-5:]
    verdict = verify(tampered, authority.trust, CHECK_AT)
    assert not verdict.valid
    with pytest.raises(NotVerifiedError, match="did not verify"):
        render_verdict(verdict, tampered, width_dots=384, masthead=MASTHEAD)


def test_claims_that_the_qr_text_does_not_sign_are_refused(
    signed: dict[DocumentType, Signed],
) -> None:
    birth, death = signed[DocumentType.BIRTH_CERTIFICATE], signed[DocumentType.DEATH_CERTIFICATE]
    assert birth.verdict.claims is not None
    with pytest.raises(NotVerifiedError, match="not the ones the QR text signs"):
        render_receipt(birth.verdict.claims, death.qr_text, width_dots=384, masthead=MASTHEAD)
    with pytest.raises(NotVerifiedError, match="cannot be read"):
        render_receipt(
            birth.verdict.claims, "SN1D:NOT-A-DOCUMENT", width_dots=384, masthead=MASTHEAD
        )


@pytest.mark.parametrize("width", [0, 383, 512, 577])
def test_other_paper_widths_are_refused(width: int, signed: dict[DocumentType, Signed]) -> None:
    s = signed[DocumentType.BIRTH_CERTIFICATE]
    with pytest.raises(LayoutError, match=r"384 .* or 576"):
        render_verdict(s.verdict, s.qr_text, width_dots=width, masthead=MASTHEAD)


def test_paper_widths_are_58_and_80_mm() -> None:
    assert [int(w) for w in PaperWidth] == [384, 576]


def test_a_document_type_newer_than_this_code_still_prints_every_signed_value() -> None:
    import cbor2

    from hardware.layout import render_receipt as render
    from verifier import codec, cose
    from verifier.keys import SigningKey
    from verifier.trust import SignerEntry, TrustList, load_trust_list, sign_trust_list

    root, signer = SigningKey.generate(), SigningKey.generate()
    at = dt.datetime(2026, 11, 2, 9, 41, 7, tzinfo=dt.UTC)
    entry = SignerEntry(
        signer.public.raw, "CSR", at - dt.timedelta(days=1), at + dt.timedelta(days=1),
        frozenset({99}),
    )  # fmt: skip
    tl = TrustList(1, at, at + dt.timedelta(days=1), entry_authority(), (entry,), identity=IDENTITY)
    trust = load_trust_list(sign_trust_list(tl, root), [root.public])
    payload = cbor2.dumps(
        {1: "CSR", 6: int(at.timestamp()), 7: b"NEW-1",
         -65537: [99, 1, "K-AMM-0417", ["مركز", "Centre"], {1: ["نص جديد", "new text"], 2: 7}]},
        canonical=True,
    )  # fmt: skip
    text = codec.encode_text(cose.sign1(payload, signer))
    verdict = verify(text, trust, at)
    assert verdict.valid, verdict.reason
    assert verdict.claims is not None
    assert not verdict.claims.document.known
    receipt = render(verdict.claims, text, width_dots=384, masthead=MASTHEAD)
    assert decode_qr_texts(receipt.image) == [text]


def entry_authority() -> Bilingual:
    return Bilingual("دائرة الأحوال المدنية والجوازات", "Civil Status and Passports Department")


def test_the_masthead_is_the_trust_lists_authority_and_address(authority: Authority) -> None:
    masthead = Masthead.from_trust_list(authority.trust)
    assert masthead == MASTHEAD
    assert masthead.authority == authority.trust.authority
    assert masthead.verify_url == authority.trust.identity.verify_url


def test_the_qr_payload_stays_out_of_reprs(
    receipts: dict[tuple[DocumentType, int], Receipt],
) -> None:
    receipt = receipts[(DocumentType.BIRTH_CERTIFICATE, 384)]
    assert receipt.qr.text not in repr(receipt)
    assert receipt.qr.text[5:25] not in repr(receipt.qr)


def test_without_a_verifier_address_the_note_only_says_to_scan(
    signed: dict[DocumentType, Signed],
) -> None:
    s = signed[DocumentType.MARRIAGE_CERTIFICATE]
    with_url = render_verdict(s.verdict, s.qr_text, width_dots=384, masthead=MASTHEAD)
    without = render_verdict(
        s.verdict, s.qr_text, width_dots=384, masthead=Masthead(PILOT_AUTHORITY, "  ")
    )
    assert without.height_dots < with_url.height_dots  # the address lines are gone
    assert decode_qr_texts(without.image) == [s.qr_text]
    assert with_url.image.info["dpi"] == (203, 203)


def test_the_authority_and_address_printed_are_whatever_the_trust_list_says() -> None:
    from verifier.fixtures import sample_documents
    from verifier.keys import SigningKey
    from verifier.sign import sign_document
    from verifier.trust import Identity, SignerEntry, TrustList, load_trust_list, sign_trust_list

    at = dt.datetime(2026, 11, 2, 9, 41, 7, tzinfo=dt.UTC)
    root, signer = SigningKey.generate(), SigningKey.generate()
    entry = SignerEntry(
        signer.public.raw, "XX-TEST", at - dt.timedelta(days=1), at + dt.timedelta(days=1),
        frozenset(int(t) for t in DocumentType),
    )  # fmt: skip
    other = Bilingual("هيئة التسجيل التجريبية", "Test Registration Board")
    identity = Identity("XX", "XXX", 2, "https://check.test.example/", Bilingual("وحدة", "unit"))
    tl = TrustList(1, at, at + dt.timedelta(days=1), other, (entry,), identity=identity)
    trust = load_trust_list(sign_trust_list(tl, root), [root.public])
    document = sample_documents()[DocumentType.MARRIAGE_CERTIFICATE]
    text = sign_document(document, serial="MA26-1", issuer="XX-TEST", issued_at=at, key=signer)
    verdict = verify(text, trust, at)
    assert verdict.valid, verdict.reason
    receipt = render_verdict(
        verdict, text, width_dots=576, masthead=Masthead.from_trust_list(trust)
    )
    assert other.latin is not None
    for line in (other.ar, other.latin, "https://check.test.example/"):
        role = TextRole.HEADER if line != identity.verify_url else TextRole.NOTE
        assert contains(receipt.image, _ink(render_text(line, width_dots=576, role=role)))
    assert not contains(
        receipt.image, _ink(render_text(PILOT_AUTHORITY.ar, width_dots=576, role=TextRole.HEADER))
    )
