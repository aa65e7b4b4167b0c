"""The payments ledger and the mobile-money provider (issue 14).

Every fee from every channel is one row of `payments` (`registry.models.PaymentRow`):

    states.py        the pure rules: what each provider answer does in each state
    ledger.py        the ledger's operations (record a fee paid on the spot, open, send,
                     apply a callback, poll, refund); provider calls never inside a transaction
    provider.py      the seam: the `Provider` protocol and the values it takes and gives
    mobile_money.py  the provider adapter over httpx (request-to-pay, status, refund)
    reconcile.py     the provider's daily statement matched against the ledger (pure)
    http.py          the provider's callback route, POST /api/v1/payments/callback
    setup.py         the `[payments]` settings turned into a provider and its secrets
    cli.py           `sanad registry payments reconcile | poll`
    errors.py        the exceptions, with their tree

docs/payments.md describes the states, the provider's API and the drills.
"""
