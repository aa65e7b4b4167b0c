"""SMS: templates, a durable outbox in the registry database, gateways and the worker.

    templates     the texts, Arabic and English, and their segment counts (pure)
    encoding      GSM-7 or UCS-2, segments, UDH-concatenated parts (pure)
    outbox        enqueue in the caller's transaction; claim, mark, receipts (database only)
    gateway       what a gateway is, and its errors (pure)
    smpp          SMPP 3.4 to an operator's SMSC (smpplib)
    http_gateway  an SMS HTTP API (httpx)
    worker        the drain loop behind `sanad registry sms work`

Callers need only `from registry.sms import outbox` and `outbox.enqueue(...)`.
"""
