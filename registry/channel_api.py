"""The registry's routes for orders and the portal's sign-in (signed channel requests).

Portal only: sign-in (PIN, then the SMS code: `registry.portal_sign_in`), the offices a
citizen may collect at, placing and listing orders, paying one. Kiosk only: collecting an
order (its code and the PIN of the citizen who ordered it) and saying it was printed. Each
route checks the channel's kind first (`registry.channels`); a citizen session is bound to
the channel that opened it, as a kiosk's is. Errors are `registry.errors` with their
`ErrorCode`, answered by `registry.http_errors` like every other route.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import citizens, portal_sign_in
from registry import http_views as views
from registry.codes import ErrorCode
from registry.errors import Conflict, SessionInvalid
from registry.http_schema import DocumentSlug, Text, _Strict, errors_for
from registry.http_state import Auth, Kiosk_, KioskIdentity, Registry, bearer
from registry.issuance import IssuedAt
from registry.models import Office, Order, Person
from registry.orders import fulfil, store
from registry.orders import payment as order_payment
from registry.orders.states import Channel, Collection, OrderState
from registry.payments import http as payments_http
from registry.payments import setup as payments_setup
from verifier.documents import DocumentType, schema_for

__all__ = ["install_channels", "order_json"]


class SignInBody(_Strict):
    national_id: Text = Field(max_length=32)
    pin: Text = Field(max_length=16)
    language: Literal["ar", "en"] = "ar"


class VerifyBody(_Strict):
    challenge: Text = Field(max_length=64)
    code: Text = Field(max_length=12)


class ResendBody(_Strict):
    challenge: Text = Field(max_length=64)
    language: Literal["ar", "en"] = "ar"


class AddressBody(_Strict):
    name: Text = Field(max_length=120)
    line1: Text = Field(max_length=160)
    line2: Text = Field(default="", max_length=160)
    city: Text = Field(max_length=80)
    postcode: Text = Field(default="", max_length=16)


class OrderBody(_Strict):
    document_type: DocumentSlug
    subject: Text = Field(max_length=32)
    collection: Collection
    office: Text | None = Field(default=None, max_length=8)
    address: AddressBody | None = None
    idempotency_key: Text = Field(max_length=64)
    language: Literal["ar", "en"] = "ar"


class PayBody(_Strict):
    msisdn: Text = Field(max_length=20, description="the mobile-money account, E.164")
    idempotency_key: Text = Field(max_length=64)


class CollectBody(_Strict):
    order_code: Text = Field(max_length=64)
    pin: Text = Field(max_length=16)
    idempotency_key: Text | None = Field(default=None, max_length=64)


class ChallengeOut(BaseModel):
    challenge: str
    expires_at: str
    phone_hint: str


class SignedInOut(BaseModel):
    token: str
    expires_at: str
    name: dict[str, str | None]


def order_json(
    view: store.OrderView, minor: int, payment: dict[str, Any] | None = None
) -> dict[str, Any]:
    schema = schema_for(view.document_type)
    out = view.as_json()
    out["title"] = {"ar": schema.title_ar, "en": schema.title_en}
    out["fee"] = views.fee_json(view.fee_amount, view.fee_currency, minor)
    out["payment"] = payment
    out["serial"] = view.serial
    return out


def install_channels(app: FastAPI, reg: Registry) -> None:
    minor = reg.settings.identity.minor_units
    payments_http.install(app, reg, on_settlement=order_payment.on_settlement)

    def shown(s: Session, order: Order) -> dict[str, Any]:
        return order_json(store.view(s, order), minor, order_payment.payment_json(s, order.id))

    def citizen(kiosk: KioskIdentity, authorization: str | None) -> int:
        token = bearer(authorization)
        if token is None:
            raise SessionInvalid("no session token")
        return reg.person_for(token, kiosk)

    # -- portal sign-in -------------------------------------------------------------------

    @app.post(
        "/api/v1/portal/sign-in",
        response_model=ChallengeOut,
        responses=errors_for(400, 401, 403, 423, 429, 503),
    )
    def sign_in(body: SignInBody, kiosk: Kiosk_) -> dict[str, Any]:
        kiosk.require_portal()
        ch = portal_sign_in.start(
            reg.db,
            reg.settings,
            kiosk.id,
            national_id_text=body.national_id,
            pin=body.pin,
            language=body.language,
            now=reg.now(),
        )
        return {
            "challenge": ch.id,
            "expires_at": ch.expires_at.isoformat(),
            "phone_hint": ch.phone_hint,
        }

    @app.post(
        "/api/v1/portal/sign-in/verify",
        response_model=SignedInOut,
        responses=errors_for(400, 401, 403, 503),
    )
    def verify(body: VerifyBody, kiosk: Kiosk_) -> dict[str, Any]:
        kiosk.require_portal()
        done = portal_sign_in.verify(
            reg.db,
            reg.settings,
            kiosk.id,
            challenge_id=body.challenge,
            code=body.code,
            now=reg.now(),
        )
        return {
            "token": done.token,
            "expires_at": done.expires_at.isoformat(),
            "name": {"ar": done.name_ar, "latin": done.name_latin},
        }

    @app.post(
        "/api/v1/portal/sign-in/resend",
        responses=errors_for(400, 401, 403, 429, 503),
    )
    def resend(body: ResendBody, kiosk: Kiosk_) -> dict[str, str]:
        kiosk.require_portal()
        expires = portal_sign_in.resend(
            reg.db, kiosk.id, challenge_id=body.challenge, language=body.language, now=reg.now()
        )
        return {"expires_at": expires.isoformat()}

    @app.get("/api/v1/offices", responses=errors_for(401, 403, 503))
    def offices(kiosk: Kiosk_) -> dict[str, Any]:
        with reg.db.session() as s:
            rows = s.execute(
                select(Office).where(Office.closed_at.is_(None)).order_by(Office.code)
            ).scalars()
            return {
                "offices": [
                    {"code": o.code, "name": {"ar": o.name_ar, "latin": o.name_latin}} for o in rows
                ]
            }

    # -- orders (portal) ------------------------------------------------------------------

    @app.post(
        "/api/v1/orders",
        status_code=201,
        responses=errors_for(400, 401, 403, 404, 409, 503),
    )
    def place_order(body: OrderBody, kiosk: Kiosk_, authorization: Auth = None) -> Response:
        kiosk.require_portal()
        person_id = citizen(kiosk, authorization)
        req = store.OrderRequest(
            document_type=DocumentType.from_slug(body.document_type.value),
            subject=body.subject,
            collection=body.collection,
            idempotency_key=body.idempotency_key,
            office=body.office,
            address=store.Address.parse(body.address.model_dump()) if body.address else None,
            language=body.language,
        )
        with reg.db.session() as s:
            order, replayed = store.place(
                s,
                reg.settings,
                channel=Channel.PORTAL,
                channel_id=kiosk.id,
                requester_id=person_id,
                req=req,
                now=reg.now(),
            )
            out = shown(s, order)
        return JSONResponse(out, status_code=200 if replayed else 201)

    @app.get("/api/v1/orders", responses=errors_for(401, 403, 503))
    def list_orders(kiosk: Kiosk_, authorization: Auth = None) -> dict[str, Any]:
        kiosk.require_portal()
        person_id = citizen(kiosk, authorization)
        with reg.db.session() as s:
            return {"orders": [shown(s, o) for o in store.list_for(s, person_id)]}

    @app.get("/api/v1/orders/{code}", responses=errors_for(400, 401, 403, 404, 503))
    def get_order(code: str, kiosk: Kiosk_, authorization: Auth = None) -> dict[str, Any]:
        kiosk.require_portal()
        person_id = citizen(kiosk, authorization)
        with reg.db.session() as s:
            return shown(s, store.find_for(s, person_id, code))

    @app.post("/api/v1/orders/{code}/pay", responses=errors_for(400, 401, 403, 404, 409, 503))
    def pay_order(
        code: str, body: PayBody, kiosk: Kiosk_, authorization: Auth = None
    ) -> dict[str, Any]:
        kiosk.require_portal()
        person_id = citizen(kiosk, authorization)
        # a client per request: nothing is left open when an app (or a test's) goes away
        with payments_setup.provider(reg.data, reg.settings.payments) as provider:
            order_id = order_payment.pay(
                reg.db,
                provider,
                person_id=person_id,
                code=code,
                msisdn=body.msisdn,
                idempotency_key=body.idempotency_key,
                callback_url=payments_setup.callback_url(reg.settings.payments),
                now=reg.now(),
            )
        with reg.db.session() as s:
            return shown(s, s.get_one(Order, order_id))

    # -- collection at a kiosk ------------------------------------------------------------

    @app.post(
        "/api/v1/orders/collect", responses=errors_for(400, 401, 403, 404, 409, 423, 429, 503)
    )
    def collect(body: CollectBody, kiosk: Kiosk_) -> dict[str, Any]:
        kiosk.require_kiosk()
        with reg.db.session() as s:  # the code alone tells nothing about the order's state
            order = store.find(s, body.order_code)
            nid = s.get_one(Person, order.requester_id).national_id
            order_id = order.id
        citizens.check_pin(
            reg.db,
            reg.settings,
            kiosk.id,
            pin=body.pin,
            national_id_text=nid,
            now=reg.now(),
            then=lambda _s, person_id: person_id,
        )
        with reg.db.session() as s:
            order = s.execute(
                select(Order).where(Order.id == order_id).with_for_update()
            ).scalar_one()
            fulfil.check_collectable(order, Collection.KIOSK)
            issued = fulfil.issue_for_order(
                s,
                reg.keys,
                reg.places,
                reg.settings,
                order,
                where=IssuedAt(kiosk_id=kiosk.id),
                channel_id=kiosk.id,
                centre=kiosk.centre,
                now=reg.now(),
            )
            out = views.issued_json(issued, minor)
            out["order"] = shown(s, order)
        return out

    @app.post("/api/v1/orders/{code}/collected", responses=errors_for(400, 401, 403, 404, 409, 503))
    def collected(code: str, kiosk: Kiosk_) -> dict[str, Any]:
        kiosk.require_kiosk()
        with reg.db.session() as s:
            order = store.find(s, code, lock=True)
            fulfil.check_collected_here(s, order, kiosk.id)
            if order.state == OrderState.READY.value and order.document_id is not None:
                order.state = OrderState.COLLECTED.value
                order.collected_by = kiosk.id
                order.updated_at = reg.now().replace(microsecond=0)
            elif order.state != OrderState.COLLECTED.value:
                fulfil.check_collectable(order, Collection.KIOSK)
                raise Conflict(
                    "this order's document was not issued yet", code=ErrorCode.ORDER_NOT_READY
                )
            return shown(s, order)
