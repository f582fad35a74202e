"""Numbers as a PM reads them: money in the project's currency, percents, months."""

from __future__ import annotations

import math

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "AUD": "A$",
           "CAD": "C$", "CHF": "CHF ", "SEK": "SEK ", "NOK": "NOK ", "DKK": "DKK "}


def money(value: float | None, currency: str, *, short: bool = False, cents: bool = False) -> str:
    """``$1,234,567``; short: ``$1.2M``; cents: ``$0.0123`` for per-task costs; None: ``—``."""
    if value is None or not math.isfinite(value):
        return "—"
    symbol = SYMBOLS.get(currency, f"{currency} ")
    sign = "−" if value < 0 else ""
    size = abs(value)
    if cents:
        text = f"{size:,.4f}" if size < 1 else f"{size:,.2f}"
    elif short and size >= 1e9:
        text = f"{size / 1e9:.1f}B"
    elif short and size >= 1e6:
        text = f"{size / 1e6:.1f}M"
    elif short and size >= 1e4:
        text = f"{size / 1e3:.0f}k"
    else:
        text = f"{size:,.0f}"
    return f"{sign}{symbol}{text}"


def percent(value: float | None, digits: int = 0) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value * 100:.{digits}f}%".replace("-", "−")


def number(value: float | None, digits: int = 0) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:,.{digits}f}".replace("-", "−")


def month(value: int | None) -> str:
    if value is None:
        return "never"
    return "from the start" if value == 0 else f"month {value}"
