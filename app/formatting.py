"""Numbers as a PM reads them: money in the plan's currency, percents, months, by one rule each.

The rules, the same in the window, the command line and every export:

- **Money, short** (headlines, charts, summary tables): whole units below 1,000 (``$740``);
  from 1,000 in k, M, B, T with one decimal below 10 of the unit and none from 10 (``$7.3k``,
  ``$44k``, ``$440k``, ``$1.7M``, ``$12M``, ``$1.2B``). A figure that rounds up to the next
  unit is written in it: 999.5 is ``$1.0k``, 999,600 is ``$1.0M``.
- **Money, in full** (tables that need exact figures): whole units, grouped (``$1,234,567``).
- **Cost or price per task** (``cents=True``): four decimals below 1 (``$0.0616``,
  ``$0.1200``), two from 1 (``$2.00``); below 0.001 two significant figures (``$0.00042``), so
  a small cost does not read as zero, down to eight decimals.
- **Ranges**: ``low to high`` (``−$404k to −$44k``, ``20% to 45%``), never a dash between two
  signed figures.
- The minus sign is U+2212 (``−$44k``); a figure that rounds to zero has none. Rounding is half
  away from zero, as the workbook's spreadsheet rounds. No figure (None, NaN, infinity): ``—``.

Everything here is written the English way (``1,234.5``) and imports no Qt: exports keep this
form; the window swaps the separators for its locale's with :func:`localized`.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "AUD": "A$",
           "CAD": "C$", "CHF": "CHF ", "SEK": "SEK ", "NOK": "NOK ", "DKK": "DKK "}

MINUS = "−"
NONE = "—"
#: Large enough for every finite float written out in full.
_CONTEXT = Context(prec=400, rounding=ROUND_HALF_UP)
_UNITS = ((1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T"))


def _rounded(size: float, digits: int) -> Decimal:
    """``size`` to ``digits`` decimals, half away from zero on the decimal digits a reader sees."""
    # repr gives the shortest decimal that is this float: 2.45 rounds to 2.5 as a reader expects.
    return Decimal(repr(float(size))).quantize(Decimal(1).scaleb(-digits), context=_CONTEXT)


def _signed(negative: bool, text: str) -> str:
    return MINUS + text if negative and any(c in "123456789" for c in text) else text


def _short(size: float) -> str:
    whole = _rounded(size, 0)
    if whole < 1000:
        return f"{whole:f}"
    for scale, suffix in _UNITS:
        scaled = size / scale
        amount = _rounded(scaled, 1 if scaled < 10 else 0)
        if amount >= 10:
            amount = _rounded(scaled, 0)
        if amount < 1000 or suffix == _UNITS[-1][1]:
            return f"{amount:,f}{suffix}"
    raise AssertionError("unreachable")


def _per_task(size: float) -> str:
    if 0 < size < 0.001:
        # Capped: a cost below a hundred-millionth is rounded, not spelled out over 300 digits.
        digits = min(8, 1 - math.floor(math.log10(size)))
        small = _rounded(size, digits)
        if small < Decimal("0.001"):
            return f"{small:f}"
    four = _rounded(size, 4)
    return f"{four:f}" if four < 1 else f"{_rounded(size, 2):,f}"


def money(value: float | None, currency: str, *, short: bool = False, cents: bool = False) -> str:
    """``$1,234,567``; short: ``$1.2M``; cents (a cost per task): ``$0.0123``; None: ``—``."""
    if value is None or not math.isfinite(value):
        return NONE
    symbol = SYMBOLS.get(currency, f"{currency} ")
    size = abs(float(value))
    if cents:
        text = _per_task(size)
    elif short:
        text = _short(size)
    else:
        text = f"{_rounded(size, 0):,f}"
    return _signed(value < 0, symbol + text)


def percent(value: float | None, digits: int = 0) -> str:
    """``12%``, ``−3.5%``, ``1,642%`` for a fraction; None: ``—``."""
    if value is None or not math.isfinite(value):
        return NONE
    return _signed(value < 0, f"{_rounded(abs(value) * 100, digits):,f}%")


def number(value: float | None, digits: int = 0) -> str:
    """``1,234`` or ``−0.25`` with ``digits`` decimals; None: ``—``."""
    if value is None or not math.isfinite(value):
        return NONE
    return _signed(value < 0, f"{_rounded(abs(float(value)), digits):,f}")


def text_range(low: str, high: str) -> str:
    """Two figures already written, as a range: ``low to high`` (``—`` when either is missing)."""
    return NONE if NONE in (low, high) else f"{low} to {high}"


def money_range(low: float | None, high: float | None, currency: str, *, short: bool = True,
                cents: bool = False) -> str:
    """``−$404k to −$44k``: both ends by :func:`money`'s rule."""
    return text_range(money(low, currency, short=short, cents=cents),
                      money(high, currency, short=short, cents=cents))


def percent_range(low: float | None, high: float | None, digits: int = 0) -> str:
    """``20% to 45%``: both ends by :func:`percent`'s rule."""
    return text_range(percent(low, digits), percent(high, digits))


def localized(text: str, group: str = ",", decimal: str = ".") -> str:
    """A figure written here with another locale's separators: ``$1,234.5`` -> ``$1.234,5``.

    Only for the figures these functions write (symbols, digits, separators, k/M/B/T, %):
    a sentence's own full stops and commas are not separators."""
    return text.translate({ord(","): group, ord("."): decimal})


def month(value: int | None) -> str:
    if value is None:
        return "never"
    return "from the start" if value == 0 else f"month {value}"
