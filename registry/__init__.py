"""The registry: the authority's back office.

Citizen records and civil events, citizen and kiosk authentication, entitlements, issuance and
signing through the `verifier` format, the document-signer keys and the root-signed trust
list, revocation, the hash-chained issuance log and the kiosk fleet.

Layout (pure modules beside thin I/O adapters):

- `errors`: the exception tree; `refusals`: machine codes a kiosk can translate.
- `models`, `db`, `migrations/`: SQLAlchemy 2 mapped classes, engine set-up, Alembic.
- `names`, `population`: demo data (pure generator, then a bulk insert).
- `pins`, `throttle`, `citizens`: PIN hashing, the throttling policy, login and sessions.
- `signing`: the kiosk request-signature scheme (pure; shared with `client`).
- `entitlements`: who may obtain which document for whom (pure rules).
- `issuance`, `audit`, `keyring`: issuing, the hash chain, signer keys and the trust list.
- `service`: the FastAPI app; `client`: the kiosk's httpx client; `cli`: `sanad registry`.

`registry.client` imports only `registry.signing`, `registry.refusals`, `registry.errors`
and `verifier`, so a kiosk does not pull in SQLAlchemy or FastAPI.
"""
