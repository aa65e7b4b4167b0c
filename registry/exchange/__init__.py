"""The data exchange: agencies query the registry over mutual TLS (docs/exchange.md)."""
