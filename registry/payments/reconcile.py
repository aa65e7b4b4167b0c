"""The provider's daily statement matched against the ledger: pure, no I/O.

A statement is CSV with a header row and the columns

    date,provider_reference,external_id,amount,currency,status

(date YYYY-MM-DD, external_id our idempotency key, amount in minor units, status SUCCESSFUL or
FAILED; further columns are ignored). Each SUCCESSFUL line is matched to a ledger entry by the
provider's reference, else by the external id, and every disagreement is an exception:

    paid_not_in_ledger   the provider collected it; the ledger has no such entry, or does
                         not record it as paid (pending, declined, failed)
    in_ledger_not_paid   the ledger records it as paid (captured, refund pending, refunded)
                         on a statement date, and the statement has no SUCCESSFUL line for it
    amount_differs       matched, but the amounts disagree
    currency_differs     matched, but the currencies disagree

Refunds are not on this statement's lines and are not reconciled here. `render` writes the
report for a person, `report_json` for a machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from registry.errors import InvalidInput

__all__ = [
    "COLUMNS",
    "Discrepancy",
    "Kind",
    "LedgerEntry",
    "Report",
    "StatementLine",
    "parse_statement",
    "reconcile",
    "render",
    "report_json",
]

COLUMNS = ("date", "provider_reference", "external_id", "amount", "currency", "status")
PAID_STATES = frozenset({"captured", "refund_pending", "refunded"})
MAX_LINES = 1_000_000


class Kind(enum.StrEnum):
    PAID_NOT_IN_LEDGER = "paid_not_in_ledger"
    IN_LEDGER_NOT_PAID = "in_ledger_not_paid"
    AMOUNT_DIFFERS = "amount_differs"
    CURRENCY_DIFFERS = "currency_differs"


@dataclass(frozen=True)
class StatementLine:
    line: int  # in the file, the header being line 1
    date: dt.date
    provider_reference: str
    external_id: str | None
    amount: int
    currency: str
    status: str


@dataclass(frozen=True)
class LedgerEntry:
    payment_id: int
    order_id: int
    provider_reference: str | None
    idempotency_key: str
    amount: int
    currency: str
    state: str
    captured_at: dt.datetime | None


@dataclass(frozen=True)
class Discrepancy:
    kind: Kind
    provider_reference: str | None
    payment_id: int | None
    order_id: int | None
    statement_amount: int | None
    ledger_amount: int | None
    statement_currency: str | None
    ledger_currency: str | None
    detail: str
    line: int | None


@dataclass(frozen=True)
class Report:
    dates: tuple[dt.date, ...]
    statement_lines: int
    matched: int
    exceptions: tuple[Discrepancy, ...]

    @property
    def ok(self) -> bool:
        return not self.exceptions

    def count(self, kind: Kind) -> int:
        return sum(1 for e in self.exceptions if e.kind is kind)


def parse_statement(text: str) -> list[StatementLine]:
    """The statement's lines; InvalidInput naming the line for anything unreadable."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise InvalidInput(f"the statement lacks the column(s) {', '.join(missing)}")
    lines = []
    for n, row in enumerate(reader, start=2):
        if n > MAX_LINES:
            raise InvalidInput(f"the statement has more than {MAX_LINES} lines")
        try:
            status = (row["status"] or "").strip().upper()
            if status not in ("SUCCESSFUL", "FAILED", "PENDING"):
                raise ValueError(f"status {status[:20]!r}")
            reference = (row["provider_reference"] or "").strip()
            if not 0 < len(reference) <= 64:
                raise ValueError("provider_reference")
            amount = (row["amount"] or "").strip()
            if not amount.isascii() or not amount.isdigit():
                raise ValueError("amount (whole minor units)")
            currency = (row["currency"] or "").strip().upper()
            if len(currency) != 3 or not currency.isalpha():
                raise ValueError("currency")
            external = (row["external_id"] or "").strip() or None
            lines.append(
                StatementLine(
                    n,
                    dt.date.fromisoformat((row["date"] or "").strip()),
                    reference,
                    external,
                    int(amount),
                    currency,
                    status,
                )
            )
        except (ValueError, TypeError, AttributeError) as exc:
            raise InvalidInput(f"statement line {n}: unreadable {exc}") from None
    return lines


def reconcile(
    lines: Iterable[StatementLine],
    entries: Iterable[LedgerEntry],
    *,
    date: dt.date | None = None,
) -> Report:
    """Every exception between the statement (its lines of `date`, or all) and the ledger."""
    chosen = [ln for ln in lines if date is None or ln.date == date]
    dates = {date} if date is not None else {ln.date for ln in chosen}
    ledger = list(entries)
    by_ref = {e.provider_reference: e for e in ledger if e.provider_reference}
    by_key = {e.idempotency_key: e for e in ledger}
    seen: set[int] = set()
    found: list[Discrepancy] = []
    matched = 0

    def exception(kind: Kind, ln: StatementLine | None, e: LedgerEntry | None, detail: str) -> None:
        found.append(
            Discrepancy(
                kind=kind,
                provider_reference=ln.provider_reference
                if ln
                else (e.provider_reference if e else None),
                payment_id=e.payment_id if e else None,
                order_id=e.order_id if e else None,
                statement_amount=ln.amount if ln else None,
                ledger_amount=e.amount if e else None,
                statement_currency=ln.currency if ln else None,
                ledger_currency=e.currency if e else None,
                detail=detail,
                line=ln.line if ln else None,
            )
        )

    for ln in chosen:
        entry = by_ref.get(ln.provider_reference) or (
            by_key.get(ln.external_id) if ln.external_id else None
        )
        if entry is not None:
            seen.add(entry.payment_id)
        if ln.status != "SUCCESSFUL":
            if entry is not None and entry.state in PAID_STATES:
                exception(Kind.IN_LEDGER_NOT_PAID, ln, entry, f"the statement says {ln.status}")
            continue
        if entry is None:
            exception(Kind.PAID_NOT_IN_LEDGER, ln, None, "no ledger entry")
        elif entry.state not in PAID_STATES:
            exception(Kind.PAID_NOT_IN_LEDGER, ln, entry, f"the ledger says {entry.state}")
        elif entry.currency != ln.currency:
            exception(Kind.CURRENCY_DIFFERS, ln, entry, "currencies differ")
        elif entry.amount != ln.amount:
            exception(Kind.AMOUNT_DIFFERS, ln, entry, "amounts differ")
        else:
            matched += 1
    for e in ledger:
        if (
            e.payment_id not in seen
            and e.state in PAID_STATES
            and e.captured_at is not None
            and e.captured_at.astimezone(dt.UTC).date() in dates
        ):
            exception(Kind.IN_LEDGER_NOT_PAID, None, e, "not on the statement")
    order = list(Kind)
    found.sort(key=lambda d: (order.index(d.kind), d.line or MAX_LINES + 1, d.payment_id or 0))
    return Report(tuple(sorted(dates)), len(chosen), matched, tuple(found))


def _money(amount: int | None, currency: str | None, minor_units: int) -> str:
    if amount is None:
        return "-"
    whole, frac = divmod(amount, 10**minor_units)
    text = f"{whole}.{frac:0{minor_units}d}" if minor_units else str(whole)
    return f"{text} {currency or ''}".strip()


_WORDS = {
    Kind.PAID_NOT_IN_LEDGER: "paid, but not in the ledger as paid",
    Kind.IN_LEDGER_NOT_PAID: "in the ledger as paid, but not paid on the statement",
    Kind.AMOUNT_DIFFERS: "the amount differs",
    Kind.CURRENCY_DIFFERS: "the currency differs",
}


def render(report: Report, *, minor_units: int) -> str:
    """The report as a person reads it."""
    days = ", ".join(d.isoformat() for d in report.dates) or "no date"
    out = [
        f"Reconciliation of {days}: {report.statement_lines} statement line(s), "
        f"{report.matched} matched, {len(report.exceptions)} exception(s)."
    ]
    for kind in Kind:
        items = [d for d in report.exceptions if d.kind is kind]
        if not items:
            continue
        out.append("")
        out.append(f"{_WORDS[kind]} ({kind.value}): {len(items)}")
        for d in items:
            where = f"line {d.line}" if d.line else "ledger"
            pay = f"payment {d.payment_id}, order {d.order_id}" if d.payment_id else "no entry"
            out.append(
                f"  {d.provider_reference or '-'} ({where}; {pay}): statement "
                f"{_money(d.statement_amount, d.statement_currency, minor_units)}, ledger "
                f"{_money(d.ledger_amount, d.ledger_currency, minor_units)}; {d.detail}"
            )
    if report.ok:
        out.append("No exceptions: the statement and the ledger agree.")
    return "\n".join(out) + "\n"


def report_json(report: Report) -> dict[str, Any]:
    return {
        "dates": [d.isoformat() for d in report.dates],
        "statement_lines": report.statement_lines,
        "matched": report.matched,
        "counts": {k.value: report.count(k) for k in Kind},
        "exceptions": [
            {
                "kind": d.kind.value,
                "provider_reference": d.provider_reference,
                "payment_id": d.payment_id,
                "order_id": d.order_id,
                "statement_amount": d.statement_amount,
                "ledger_amount": d.ledger_amount,
                "statement_currency": d.statement_currency,
                "ledger_currency": d.ledger_currency,
                "detail": d.detail,
                "line": d.line,
            }
            for d in report.exceptions
        ],
    }
