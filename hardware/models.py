"""Printer models: python-escpos capability profiles plus what those profiles do not record.

python-escpos's profiles (``escpos.capabilities``) say whether a model has a cutter and native
QR (``GS ( k``) and give its dot width and resolution. They do not say whether the printer
answers Epson's ``GS ( H`` process-ID request (printing confirmed by the printer) or accepts
``DLE ENQ`` error recovery; ``_VENDOR_EXTRAS`` adds that by vendor, ``_MODEL_EXTRAS`` by model.
Adding a printer model is described in docs/hardware.md.

Importing python-escpos has side effects this module contains (``load_escpos``): it calls
``logging.basicConfig()`` (configuring the root logger of whoever imports it) and pickles its
capability database into a fresh ``mkdtemp()`` directory on every start. Both are undone or
redirected (to the user cache directory) here, once.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from hardware.errors import AddressError

__all__ = ["PrinterModel", "load_escpos", "resolve_model"]

log = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded: ModuleType | None = None


def load_escpos() -> ModuleType:
    """Import python-escpos once, without letting it configure logging or litter /tmp."""
    global _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
            from platformdirs import user_cache_dir

            cache = os.path.join(user_cache_dir("sanad"), "escpos")
            try:
                os.makedirs(cache, exist_ok=True)
                os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = cache
            except OSError:  # unwritable home: let python-escpos use its temp dir
                pass
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            import escpos.capabilities
            import escpos.constants
            import escpos.escpos
            import escpos.image
            import escpos.printer
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)
        module: ModuleType = escpos
        _loaded = module
        return module


@dataclass(frozen=True)
class PrinterModel:
    """What the driver needs to know about one printer model."""

    profile: str
    vendor: str
    width_dots: int
    dpi: int
    native_qr: bool
    full_cut: bool
    partial_cut: bool
    process_id: bool  # answers GS ( H with "37 22 id 00" once everything before it printed
    recovery: bool  # accepts DLE ENQ 1/2 to recover from a cutter jam


_VENDOR_EXTRAS: dict[str, dict[str, bool]] = {
    "Epson": {"process_id": True, "recovery": True},
}
_MODEL_EXTRAS: dict[str, dict[str, bool]] = {
    # e.g. "TM-U220": {"native_qr": False},
}


def _profiles() -> dict[str, Any]:
    caps = load_escpos().capabilities.CAPABILITIES
    profiles: dict[str, Any] = caps["profiles"]
    return profiles


def profile_names() -> list[str]:
    return sorted(_profiles())


def resolve_model(profile: str | None, width_dots: int) -> PrinterModel:
    """The model for a python-escpos profile name (``None``: the generic ``default``)."""
    if not 64 <= width_dots <= 832 or width_dots % 8:
        raise AddressError(
            f"width {width_dots} dots is not a receipt-printer width (64..832, a multiple of 8)"
        )
    name = profile or "default"
    profiles = _profiles()
    if name not in profiles:
        raise AddressError(
            f"unknown printer profile {name!r}; known: {', '.join(sorted(profiles))}"
        )
    data = profiles[name]
    features: dict[str, bool] = data.get("features", {})
    media = data.get("media", {})
    dpi_raw = media.get("dpi")
    dpi = dpi_raw if isinstance(dpi_raw, int) else 203
    vendor = str(data.get("vendor", "Generic"))
    values: dict[str, Any] = {
        "profile": name,
        "vendor": vendor,
        "width_dots": width_dots,
        "dpi": dpi,
        "native_qr": bool(features.get("qrCode", False)),
        "full_cut": bool(features.get("paperFullCut", False)),
        "partial_cut": bool(features.get("paperPartCut", False)),
        "process_id": False,
        "recovery": False,
    }
    values.update(_VENDOR_EXTRAS.get(vendor, {}))
    values.update(_MODEL_EXTRAS.get(name, {}))
    return PrinterModel(**values)
