"""The strategy memo as a PDF (reportlab platypus): what leaves the laptop for the exec review."""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from reportlab import rl_config

# User text must never fetch anything: only inline data URIs are trusted, and no host matches.
# Set before any reportlab module builds its (cached) resource opener.
rl_config.trustedSchemes = ["data"]
rl_config.trustedHosts = ["no-host.invalid"]
# Binary image streams: reportlab's ASCII85 encoder is pure Python here and took most of the time.
rl_config.useA85 = 0

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.enums import TA_LEFT  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents  # noqa: E402

from app import charts  # noqa: E402
from app.exports.pdf_images import ChartFlowable  # noqa: E402
from app.formatting import money, month, number, percent  # noqa: E402
from app.labels import FIELDS, field_label  # noqa: E402
from app.memo_text import blocks, inline_markup  # noqa: E402
from models.decision import recommendation_sentence, recommendations  # noqa: E402
from models.engine import PlanResults  # noqa: E402

FONT = "DejaVuSans"
_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_FACES = {FONT: "DejaVuSans.ttf", f"{FONT}-Bold": "DejaVuSans-Bold.ttf",
          f"{FONT}-Oblique": "DejaVuSans-Oblique.ttf", f"{FONT}-BoldOblique": "DejaVuSans-BoldOblique.ttf"}

PAGE = A4
MARGIN = 20 * mm
PAD = 6  # platypus frames pad 6 pt on each side
WIDTH = PAGE[0] - 2 * MARGIN - 2 * PAD  # what a flowable may fill
CHART_DPI = 200
GREY = colors.HexColor("#666666")
RULE = colors.HexColor("#BBBBBB")
HEAD_BG = colors.HexColor("#E8EDF3")


def _register_fonts() -> None:
    """DejaVu Sans in four faces, so Greek, Cyrillic and accented names print in any style."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for name, file in _FACES.items():
        pdfmetrics.registerFont(TTFont(name, str(_FONT_DIR / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=f"{FONT}-Bold", italic=f"{FONT}-Oblique",
                                  boldItalic=f"{FONT}-BoldOblique")


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13.5, alignment=TA_LEFT, spaceAfter=5)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, spaceAfter=0),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10, spaceAfter=0),
        "cellb": ParagraphStyle("cellb", parent=base, fontSize=8, leading=10, spaceAfter=0,
                                fontName=f"{FONT}-Bold"),
        "grey": ParagraphStyle("grey", parent=base, textColor=GREY),
        "h1": ParagraphStyle("h1", parent=base, fontName=f"{FONT}-Bold", fontSize=15, leading=19,
                             spaceBefore=4, spaceAfter=8, keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=base, fontName=f"{FONT}-Bold", fontSize=11.5, leading=15,
                             spaceBefore=8, spaceAfter=5, keepWithNext=1),
        "title": ParagraphStyle("title", parent=base, fontName=f"{FONT}-Bold", fontSize=24, leading=30,
                                spaceAfter=14),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=18, textColor=GREY),
    }


def e(text: Any) -> str:
    """User text as Paragraph markup that shows exactly what was typed (tags, &, links stay text)."""
    return escape(str(text))


# --- light formatting: what the PM types -> Paragraph markup (escaped first) -----------------------

def light_markup(text: str, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The PM's text as paragraphs and bullet lists (see app/memo_text.py)."""
    out: list[Flowable] = []
    for kind, lines in blocks(text):
        if kind == "p":
            out.append(Paragraph("<br/>".join(inline_markup(x) for x in lines), styles["body"]))
        else:
            out.append(_bullets([inline_markup(x) for x in lines], styles))
    return out


def _bullets(items: list[str], styles: dict[str, ParagraphStyle]) -> ListFlowable:
    return ListFlowable([ListItem(Paragraph(x, styles["body"]), leftIndent=12) for x in items],
                        bulletType="bullet", start="•", leftIndent=12, bulletFontName=FONT)


# --- what the font cannot show ---------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def missing_glyphs(data: dict[str, Any]) -> list[str]:
    """One warning per character in the project's text that DejaVu Sans cannot draw.

    Such characters would print as empty boxes; the exporter reports them instead of hiding them.
    """
    _register_fonts()
    face = pdfmetrics.getFont(FONT).face
    cmap = face.charToGlyph
    seen: dict[str, str] = {}
    for text in _strings(data):
        for ch in text:
            if ch in "\n\r\t" or ch in seen:
                continue
            if ord(ch) not in cmap:
                seen[ch] = text
    return [f"The font cannot show {ch!r} (U+{ord(ch):04X}) in “{text[:60]}”; it will not print correctly."
            for ch, text in seen.items()]


# --- pieces ----------------------------------------------------------------------------------------


#: Left and right padding of a table cell (points), as the table style sets them.
CELL_PADDING = 3


def _cell(value: Any, style: ParagraphStyle, width: float) -> Any:
    """A table cell: text that fits on one line stays a plain string, drawn exactly as typed
    (no markup is read in it) and laid out many times faster than a Paragraph; longer text
    becomes an escaped Paragraph that wraps."""
    if isinstance(value, Flowable):
        return value
    text = str(value)
    if "\n" not in text and pdfmetrics.stringWidth(text, style.fontName, style.fontSize) \
            <= width - 2 * CELL_PADDING:
        return text
    return Paragraph(e(text), style)


def _table(rows: list[list[Any]], widths: list[float], styles: dict[str, ParagraphStyle],
           right: int = 1) -> Table:
    """A header row and body rows of text (escaped here), numbers right-aligned from column ``right``."""
    head = [_cell(c, styles["cellb"], w) for c, w in zip(rows[0], widths, strict=True)]
    body = [[_cell(c, styles["cell"], w) for c, w in zip(r, widths, strict=True)] for r in rows[1:]]
    table = Table([head, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
    cell, bold = styles["cell"], styles["cellb"]
    table.setStyle(TableStyle([
        # Plain-string cells (see _cell) in the same type as the Paragraph cells.
        ("FONT", (0, 0), (-1, 0), bold.fontName, bold.fontSize, bold.leading),
        ("FONT", (0, 1), (-1, -1), cell.fontName, cell.fontSize, cell.leading),
        ("TEXTCOLOR", (0, 0), (-1, -1), cell.textColor),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]))
    return table


def _chart(fig: Any, width: float = WIDTH) -> ChartFlowable:
    """A chart at a fixed width on the page, 200 pixels to the inch as printed (svglib is not
    available for vectors). Figures are laid out a little wider than the page's text and
    shrink onto it, so they are drawn at the resolution that gives 200 dpi after shrinking,
    not more: the pixels cost time and add nothing on paper."""
    dpi = CHART_DPI * (width / 72) / fig.get_figwidth()
    return ChartFlowable(fig, width, math.ceil(dpi))


def uncertainty_words(summary: Any, currency: str) -> str:
    """ "NPV P10–P90 $1.2M–$3.4M; 82% chance of a positive NPV" (empty without a simulation)."""
    if summary is None or not math.isfinite(summary.p10):
        return ""
    low, high = money(summary.p10, currency, short=True), money(summary.p90, currency, short=True)
    # "−$404k–−$44k" misreads as a double minus: spell the range out when a bound is negative.
    joint = " to " if summary.p10 < 0 or summary.p90 < 0 else "–"
    text = f"NPV P10–P90 {low}{joint}{high}"
    if summary.p_positive is not None and math.isfinite(summary.p_positive):
        text += f"; {percent(summary.p_positive)} chance of a positive NPV"
    return text


def _estimate_text(field: str, value: Any, currency: str) -> tuple[str, str]:
    """(base, range) of an input as the PM reads it; a range only for estimates with low/high."""
    kind = FIELDS.get(field, ("", "number"))[1]

    def fmt(v: Any) -> str:
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            return "—" if v is None else str(v)
        if kind == "money":
            return money(v, currency)
        if kind == "price":
            return money(v, currency, cents=True)
        if kind == "percent":
            return percent(v, 1 if abs(v * 100 - round(v * 100)) > 1e-9 else 0)
        if kind == "month":
            return month(int(v))
        if kind == "months":
            return f"{number(v)} months"
        if kind == "count":
            return number(v)
        return number(v, 0 if float(v).is_integer() else 2)

    if isinstance(value, dict):
        rng = f"{fmt(value.get('low'))} – {fmt(value.get('high'))}"
        if value.get("dist"):
            rng += f" ({value['dist']})"
        return fmt(value.get("base")), rng
    return fmt(value), ""


# --- the document ------------------------------------------------------------------------------------


class _Doc(SimpleDocTemplate):
    """Page numbers and a running header with the project's name on every page after the cover."""

    def __init__(self, target: Any, project: str, **kwargs: Any) -> None:
        super().__init__(target, **kwargs)
        self.project = project

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        # Top-level headings feed the table of contents. getPlainText() gives back the user's raw
        # text, and the contents parse it as markup again: escape it a second time.
        if isinstance(flowable, Paragraph) and flowable.style.name == "h1":
            self.notify("TOCEntry", (0, e(flowable.getPlainText()), self.page))

    def afterPage(self) -> None:  # noqa: N802 (reportlab's name)
        canvas = self.canv
        page = canvas.getPageNumber()
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(GREY)
        if page > 1:
            canvas.drawString(MARGIN + PAD, PAGE[1] - 12 * mm, self.project[:90] + " · Strategy memo")
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.4)
            canvas.line(MARGIN + PAD, PAGE[1] - 13.5 * mm, PAGE[0] - MARGIN - PAD, PAGE[1] - 13.5 * mm)
        canvas.drawRightString(PAGE[0] - MARGIN - PAD, 10 * mm, f"Page {page}")
        canvas.restoreState()


def _contents(styles: dict[str, ParagraphStyle]) -> TableOfContents:
    """The memo's top-level headings with their pages (filled in by multiBuild's second pass)."""
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [ParagraphStyle("toc", parent=styles["body"], fontSize=9, leading=12, spaceAfter=0)]
    return toc


def _story(data: dict[str, Any], results: PlanResults, styles: dict[str, ParagraphStyle],
           today: dt.date) -> list[Flowable]:
    project = data.get("project") or {}
    plan = results.plan
    cur = str(project.get("currency") or plan.settings.currency or "USD")
    name = str(project.get("name") or "Untitled plan")
    sections = list(data.get("memo") or [])
    ops = {r.id: r for r in results.opportunities}
    ranked = [ops[i] for i in results.portfolio.ranking if i in ops]
    ranked += [r for r in results.opportunities if r.id not in results.portfolio.ranking]
    s: list[Flowable] = []

    # Cover
    s += [Spacer(1, 35 * mm), Paragraph("Strategy memo", styles["subtitle"]), Spacer(1, 4 * mm),
          Paragraph(e(name), styles["title"])]
    if project.get("author"):
        s.append(Paragraph(f"Prepared by {e(project['author'])}", styles["subtitle"]))
    s.append(Paragraph(e(today.strftime("%-d %B %Y")), styles["subtitle"]))
    if project.get("description"):
        s += [Spacer(1, 10 * mm), Paragraph(e(project["description"]), styles["grey"])]
    s += [Spacer(1, 10 * mm), Paragraph("Contents", styles["h2"]), _contents(styles), PageBreak()]

    # Executive summary: the PM's first section
    if sections:
        s.append(Paragraph(e(sections[0].get("title") or "Executive summary"), styles["h1"]))
        s += light_markup(sections[0].get("body") or "", styles) or [
            Paragraph("<i>(nothing written yet)</i>", styles["grey"])]
    else:
        s += [Paragraph("Executive summary", styles["h1"]),
              Paragraph("<i>(nothing written yet)</i>", styles["grey"])]

    # Portfolio
    p = results.portfolio
    s.append(Paragraph("Portfolio", styles["h1"]))
    years = plan.settings.horizon_years
    text = (f"Across {len(ranked)} {'opportunity' if len(ranked) == 1 else 'opportunities'} the portfolio "
            f"is worth <b>{e(money(p.total_enpv, cur, short=True))}</b> in risk-adjusted NPV (eNPV) over "
            f"{years} year{'s' if years != 1 else ''}")
    words = uncertainty_words(p.mc, cur)
    text += f"; {e(words)}." if words else "."
    if p.budget is not None:
        chosen = [ops[i].name for i in p.selected if i in ops]
        if chosen:
            text += (f" Within the {e(money(p.budget, cur, short=True))} build budget the best set is "
                     f"{e(', '.join(chosen))} ({e(money(p.selected_build_cost, cur, short=True))} to build, "
                     f"eNPV {e(money(p.selected_enpv, cur, short=True))}).")
    s.append(Paragraph(text, styles["body"]))
    rows: list[list[Any]] = [["#", "Opportunity", "NPV", "eNPV", "P10–P90", "P(NPV>0)", "IRR", "Payback"]]
    for i, r in enumerate(ranked, 1):
        mc = r.mc
        rng = (f"{money(mc.p10, cur, short=True)} – {money(mc.p90, cur, short=True)}"
               if mc is not None and math.isfinite(mc.p10) else "—")
        rows.append([str(i), r.name or r.id, money(r.npv, cur, short=True), money(r.enpv, cur, short=True),
                     rng, percent(mc.p_positive) if mc is not None else "—", percent(r.irr),
                     month(r.payback_month)])
    table = _table(rows, [6 * mm, 46 * mm, 17 * mm, 17 * mm, 30 * mm, 18 * mm, 13 * mm, WIDTH - 147 * mm],
                   styles)
    table.setStyle(TableStyle([("ALIGN", (2, 1), (6, -1), "RIGHT")]))
    s += [table, Spacer(1, 3 * mm),
          Paragraph("Ranked by eNPV (NPV weighted by the chance of a successful launch). "
                    + (f"P10–P90 and P(NPV&gt;0) from {results.samples:,} Monte Carlo simulations."
                       if results.samples else "No Monte Carlo simulation was run, so no ranges."),
                    styles["small"])]

    # Uncertainty in words
    s.append(Paragraph("Uncertainty", styles["h2"]))
    items = []
    for r in ranked:
        w = uncertainty_words(r.mc, cur)
        if w:
            items.append(f"<b>{e(r.name or r.id)}</b>: {e(w)}.")
    if words:
        items.insert(0, f"<b>Whole portfolio</b>: {e(words)}.")
    s.append(_bullets(items, styles) if items else Paragraph("<i>No simulation results.</i>", styles["grey"]))

    # Charts
    # No page break: the heading keeps with the first chart, so a short list above leaves no blank page.
    s += [Paragraph("Charts", styles["h1"]),
          _chart(charts.bubble_value_vs_cost(plan, results, figsize=(8.0, 5.2))), Spacer(1, 4 * mm),
          _chart(charts.npv_distribution(p.npv_samples, p.mc, cur, "Portfolio NPV", figsize=(7.5, 4.0)))]
    if ranked:
        top = ranked[0]
        s += [Spacer(1, 4 * mm), KeepTogether([_chart(charts.tornado(top, plan, cur, figsize=(7.5, 4.6)))])]
    decisions = {d.id: d for d in plan.decisions}
    for dr in results.decisions:
        d = decisions.get(dr.decision_id)
        if d is not None:
            s += [Spacer(1, 4 * mm), KeepTogether([_chart(charts.cumulative_tco(
                d, dr, years, dr.annual_volume, cur, figsize=(7.5, 4.0)))])]
    units = {u.id: u for u in plan.unit_models}
    for ur in results.unit_models:
        u = units.get(ur.id)
        if u is not None:
            s += [Spacer(1, 4 * mm), KeepTogether([_chart(charts.cost_per_task_breakdown(u, ur, cur))])]

    # Decisions
    s += [PageBreak(), Paragraph("Build, partner or buy", styles["h1"])]
    if not results.decisions:
        s.append(Paragraph("<i>No decisions in the plan.</i>", styles["grey"]))
    for rec in recommendations(plan.decisions, results.decisions):
        d, dr = rec.decision, rec.result
        s.append(Paragraph(e(d.name or d.id), styles["h2"]))
        s.append(Paragraph(recommendation_sentence(rec, mark=lambda name: f"<b>{e(name)}</b>", text=e),
                           styles["body"]))
        rows = [["Option", "Score", f"TCO ({years} years)"]]
        for o in d.options:
            rows.append([o.name or o.id, f"{dr.scores.get(o.id, float('nan')):.0f}",
                         money(dr.tco.get(o.id), cur, short=True)])
        t = _table(rows, [90 * mm, 25 * mm, 35 * mm], styles)
        t.setStyle(TableStyle([("ALIGN", (1, 1), (-1, -1), "RIGHT")]))
        s.append(t)

    # Unit economics
    s.append(Paragraph("Unit economics", styles["h1"]))
    rows = [["Unit model", "Tasks a month", "Variable cost / task", "Loaded cost / task", "Gross margin",
             "Break-even tasks a month"]]
    for ur in results.unit_models:
        c = ur.costs
        rows.append([ur.name or ur.id, number(ur.volume_tasks_month),
                     money(c.get("variable_cost_per_task"), cur, cents=True),
                     money(c.get("loaded_cost_per_task"), cur, cents=True),
                     percent(c.get("gross_margin")), number(c.get("break_even_tasks_month"))])
    if len(rows) > 1:
        t = _table(rows, [50 * mm, 22 * mm, 24 * mm, 24 * mm, 20 * mm, WIDTH - 140 * mm], styles)
        t.setStyle(TableStyle([("ALIGN", (1, 1), (-1, -1), "RIGHT")]))
        s.append(t)
    else:
        s.append(Paragraph("<i>No unit models in the plan.</i>", styles["grey"]))

    # The PM's other sections
    for sec in sections[1:]:
        s.append(Paragraph(e(sec.get("title") or "Untitled section"), styles["h1"]))
        s += light_markup(sec.get("body") or "", styles) or [
            Paragraph("<i>(nothing written yet)</i>", styles["grey"])]

    # Appendix: every assumption
    s += [PageBreak(), Paragraph("Appendix: assumptions", styles["h1"])]
    for o in data.get("opportunities") or []:
        s.append(Paragraph(e(o.get("name") or o.get("id")), styles["h2"]))
        notes = o.get("notes") or {}
        rows = [["Input", "Value", "Range", "Note"]]
        for field in FIELDS:
            if field in o and not field.endswith("_id"):
                base, rng = _estimate_text(field, o[field], cur)
                rows.append([field_label(field), base, rng, notes.get(field, "")])
        s.append(_table(rows, [38 * mm, 22 * mm, 38 * mm, WIDTH - 98 * mm], styles))

    # Decision log
    s.append(Paragraph("Decision log", styles["h1"]))
    log = list(data.get("decision_log") or [])
    if not log:
        s.append(Paragraph("<i>No entries.</i>", styles["grey"]))
    for entry in log:
        head = f"<b>{e(entry.get('date') or '')}</b> · {e(entry.get('decision') or '')}"
        body = [Paragraph(head, styles["body"])]
        for label, key in (("Why", "rationale"), ("Alternatives", "alternatives"), ("Owner", "owner")):
            if entry.get(key):
                body.append(Paragraph(f"<i>{label}:</i> {e(entry[key])}", styles["small"]))
        body.append(Spacer(1, 3 * mm))
        s.append(KeepTogether(body))
    return s


def build_memo(data: dict[str, Any], results: PlanResults,
               today: dt.date | None = None) -> tuple[bytes, list[str]]:
    """The strategy memo as PDF bytes, and warnings (characters the font cannot show)."""
    _register_fonts()
    warnings = missing_glyphs(data)
    project = data.get("project") or {}
    name = str(project.get("name") or "Untitled plan")
    styles = _styles()
    buffer = io.BytesIO()
    doc = _Doc(buffer, name, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
               bottomMargin=MARGIN, title=name, author=str(project.get("author") or ""),
               subject="Strategy memo: " + str(project.get("description") or name)[:200],
               creator="AI Product Planner", producer="AI Product Planner")
    doc.multiBuild(_story(data, results, styles, today or dt.date.today()))
    return buffer.getvalue(), warnings


def write_memo(data: dict[str, Any], results: PlanResults, out: Path,
               today: dt.date | None = None) -> list[str]:
    """Write the strategy memo PDF to ``out`` and return warnings (characters the font cannot show).

    Written through the one export write path (app/outputs.py): a failed export never leaves a
    half-written file, and the file gets the permissions every export gets.
    """
    from app.outputs import PDF_MAGIC, write_export

    pdf, warnings = build_memo(data, results, today)
    write_export(Path(out), pdf, PDF_MAGIC, "strategy memo")
    return warnings
