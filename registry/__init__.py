"""The registry: the authority's back office.

Citizen records and civil events, citizen and kiosk authentication, entitlements, issuance and
signing through the `verifier` format, the document-signer keys and the root-signed trust
list, revocation, the hash-chained issuance log and the kiosk fleet.

Layout (pure modules beside thin I/O adapters):

- `errors`: the exception tree; `codes`: machine codes a kiosk can translate, with words.
- `config`: the data directory's layout and settings (including the throttling policy).
- `models`, `db`, `migrations/`: SQLAlchemy 2 mapped classes, engines, Alembic.
- `names`, `population`, `seed`: demo data (a pure generator, then bulk inserts) and `init`.
- `pins`, `citizens`: PIN hashing (Argon2id) and login, throttling, kiosk-bound sessions.
- `signing`: the kiosk request-signature scheme (pure; shared with `client`).
- `kiosks`: enrolment, request authentication, heartbeats, what needs a technician.
- `entitlements`: who may obtain which document for whom (pure rules).
- `issuance`, `audit`, `keyring`, `places`: issuing and status, the hash chain, signer
  keys and the trust list, place codes.
- `counter`, `counter_paper`: issuing at an office's counter, and its A4 PDF and receipt
  printer (the one place `registry` uses `hardware`).
- `service`: the FastAPI app; `client`: the kiosk's httpx client; `cli`: `sanad registry`.

`registry.client` imports only `registry.signing`, `registry.codes`, `registry.errors` and
`verifier`, so a kiosk does not pull in SQLAlchemy or FastAPI. The HTTP API and the
signature scheme are described in docs/registry-api.md.
"""
