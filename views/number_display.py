"""The app's number rules (app.formatting) written with the system locale's separators for the window."""

from __future__ import annotations

from PySide6.QtCore import QLocale

from app import formatting


def _local(text: str, locale: QLocale | None) -> str:
    # Read each time: QLocale.setDefault may change while the app runs (and does in tests).
    locale = locale or QLocale()
    return formatting.localized(text, locale.groupSeparator(), locale.decimalPoint())


def money(value: float | None, currency: str, *, short: bool = False, cents: bool = False,
          locale: QLocale | None = None) -> str:
    """:func:`app.formatting.money` in the locale's digits: ``$1.234.567``, ``$7,3k`` in German."""
    return _local(formatting.money(value, currency, short=short, cents=cents), locale)


def percent(value: float | None, digits: int = 0, locale: QLocale | None = None) -> str:
    return _local(formatting.percent(value, digits), locale)


def number(value: float | None, digits: int = 0, locale: QLocale | None = None) -> str:
    return _local(formatting.number(value, digits), locale)


def money_range(low: float | None, high: float | None, currency: str, *, short: bool = True,
                cents: bool = False, locale: QLocale | None = None) -> str:
    return _local(formatting.money_range(low, high, currency, short=short, cents=cents), locale)


def percent_range(low: float | None, high: float | None, digits: int = 0,
                  locale: QLocale | None = None) -> str:
    return _local(formatting.percent_range(low, high, digits), locale)
