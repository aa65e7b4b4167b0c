"""The citizen portal: order a civil-status document from a phone, pay with a mobile wallet,
collect it at any kiosk, a centre's counter, or by post.

A separate, internet-facing process that never touches the registry's database: it talks to
the registry only through `registry.client` as an enrolled channel with its own Ed25519 key
(as a kiosk does), so a compromised portal host holds no database credentials and the registry
refuses it the moment its key is revoked.

Layout (pure modules beside thin I/O adapters):

- `config`: portal.toml with environment overrides; `initialise` (`sanad portal init`).
- `registry_port`: the one module that calls the registry (views: Order, Challenge…).
- `sessions`: sealed cookies (AES-GCM) carrying the registry's session token, CSRF tokens.
- `forms`: what the citizen types, checked (national number, PIN, code, phone, address).
- `words`: every word shown, Arabic first and English (the kiosk's where it has them).
- `qr`: the order code as inline SVG.
- `app`: `create_app(config)`, the FastAPI app and its Jinja2 pages; `cli`: `sanad portal`.

docs/portal.md describes running it and its security model.
"""
