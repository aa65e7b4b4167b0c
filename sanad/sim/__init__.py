"""Simulators of what cannot exist here, as real processes speaking the real protocol
(`sanad sim ...`): `smsc` (an operator's SMSC, SMPP 3.4)."""
