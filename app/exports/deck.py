"""The 16:9 exec deck: one Qt-free slide model, written as PDF (reportlab) and PPTX (python-pptx)."""

from __future__ import annotations

import datetime
import io
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from matplotlib.figure import Figure

from app import charts
from app.formatting import money, number, percent
from models.decision import chosen_option, names_and, robustness_sentence, score_headline, tie_sentence
from models.engine import OpportunityResult, PlanResults
from models.plan import Decision, Plan

#: A chart is a built Figure or a builder taking the (width, height) in inches it will fill, so
#: each writer draws it at the size it places it and the house 9 pt text stays 9 pt on the slide.
ChartSpec = Callable[[tuple[float, float]], Figure] | Figure

SLIDE_W = 13.333  # inches: PowerPoint's 16:9 widescreen size
SLIDE_H = 7.5
MARGIN = 0.55
TITLE_TOP = 0.4
TITLE_H = 1.0
BODY_TOP = TITLE_TOP + TITLE_H + 0.15
FOOTER_H = 0.45
BODY_H = SLIDE_H - BODY_TOP - FOOTER_H - 0.1
CHART_DPI = 220  # >= 200 dpi so charts stay sharp when projected or printed
TOP_OPPORTUNITIES = 3
TABLE_ROWS = 10  # rows beyond this go into a "and N more" line so the table fits the slide
NAVY_HEX = charts.NAVY
INK_HEX = charts.INK
MUTED_HEX = charts.MUTED
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
# Characters XML 1.0 forbids (pptx parts are XML) and that no font draws (PDF).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Slide:
    """One slide: a one-message title, bullets, an optional chart and table, and speaker notes."""

    title: str
    bullets: list[str] = field(default_factory=list)
    chart: ChartSpec | None = None
    table: list[list[str]] | None = None  # first row is the header
    notes: str = ""
    kind: str = "content"  # "title" for the cover slide
    subtitle: str = ""


# --- the slide model ----------------------------------------------------------------------------

def _project(data: dict[str, Any]) -> dict[str, Any]:
    project = data.get("project") if isinstance(data, dict) else None
    return project if isinstance(project, dict) else {}


def _text(value: Any) -> str:
    """User text as a plain one-line-safe string: never None, no characters XML forbids."""
    return _FORBIDDEN.sub("", "" if value is None else str(value))


def _name(obj: Any) -> str:
    return _text(getattr(obj, "name", "") or getattr(obj, "id", ""))


def _range(summary: Any, currency: str) -> str:
    return f"{money(summary.p10, currency, short=True)}–{money(summary.p90, currency, short=True)}"


class _Chart:
    """A chart builder bound to its data, waiting for the size the writer gives it. It keeps what it
    drew: the bubble map is on two slides and slow for big portfolios, and the PDF and the PPTX
    writers want the same PNG, so each size is built and rendered once."""

    def __init__(self, build: Callable[..., Figure], *args: Any, **kwargs: Any) -> None:
        self._build, self._args, self._kwargs = build, args, kwargs
        self._figures: dict[tuple[float, float], Figure] = {}
        self._pngs: dict[tuple[tuple[float, float], float], bytes] = {}
        self._rasters: dict[tuple[tuple[float, float], float], Any] = {}

    def __call__(self, size: tuple[float, float]) -> Figure:
        if size not in self._figures:
            self._figures[size] = self._build(*self._args, figsize=size, **self._kwargs)
        return self._figures[size]

    def png(self, size: tuple[float, float], dpi: float) -> bytes:
        if (size, dpi) not in self._pngs:
            self._pngs[size, dpi] = charts.figure_png(self(size), dpi=dpi)
        return self._pngs[size, dpi]

    def raster(self, size: tuple[float, float], dpi: float) -> Any:
        from app.exports.pdf_images import RasterChart

        if (size, dpi) not in self._rasters:
            self._rasters[size, dpi] = RasterChart(self(size), dpi)
        return self._rasters[size, dpi]


_fixed = _Chart


def _build(o: OpportunityResult) -> float:
    """The build cost the budget counts (the effective input, not its present value)."""
    return o.effective["build_cost"][0]


def _title_slide(data: dict[str, Any], results: PlanResults) -> Slide:
    project = _project(data)
    plan = results.plan
    currency = plan.settings.currency
    name = _text(project.get("name") or plan.settings.name or "AI portfolio")
    author = _text(project.get("author"))
    today = datetime.date.today().strftime("%d %B %Y").lstrip("0")
    pf = results.portfolio
    bullets = [f"{len(results.opportunities)} opportunities, {money(pf.total_enpv, currency, short=True)} "
               f"risk-adjusted NPV in total"]
    if pf.selected:
        bullets.append(f"The ask: {money(pf.selected_build_cost, currency, short=True)} to build "
                       f"{len(pf.selected)} of them")
    description = _text(project.get("description"))
    notes = description or f"Exec review of {name}."
    return Slide(title=name, bullets=bullets, kind="title",
                 subtitle=" · ".join(p for p in (author, today) if p), notes=notes)


def _portfolio_slide(results: PlanResults) -> Slide:
    plan = results.plan
    currency = plan.settings.currency
    pf = results.portfolio
    by_id = {o.id: o for o in results.opportunities}
    ranked = [by_id[i] for i in pf.ranking if i in by_id]
    positive = sum(1 for o in ranked if o.enpv > 0)
    lead = ranked[0] if ranked else None
    title = (f"{len(ranked)} opportunities worth {money(pf.total_enpv, currency, short=True)} "
             f"risk-adjusted; {positive} add value")
    rows = [["Opportunity", "eNPV", "Build", "Chance NPV > 0"]]
    for o in ranked[:TABLE_ROWS]:
        rows.append([_name(o), money(o.enpv, currency, short=True), money(_build(o), currency, short=True),
                     percent(o.mc.p_positive) if o.mc else "—"])
    if len(ranked) > TABLE_ROWS:
        rows.append([f"… and {len(ranked) - TABLE_ROWS} more", "", "", ""])
    notes = "Ranked by risk-adjusted NPV (eNPV). Bubble area is eligible users; colour is status."
    if lead is not None:
        notes += f" {_name(lead)} leads with {money(lead.enpv, currency, short=True)}."
    return Slide(title=title, table=rows, chart=_fixed(charts.bubble_value_vs_cost, plan, results),
                 notes=notes)


def _risk_words(o: OpportunityResult, plan: Plan) -> list[str]:
    currency = plan.settings.currency
    words: list[str] = []
    opportunity = next((p for p in plan.opportunities if p.id == o.id), None)
    if opportunity is not None:
        words.append(f"Risk: {percent(opportunity.p_success.base)} chance the launch succeeds; "
                     f"a failed launch loses {money(o.pv_build, currency, short=True)}")
    if o.mc is not None:
        words.append(f"NPV P10–P90 {_range(o.mc, currency)}; {percent(o.mc.p_positive)} chance of a "
                     f"positive NPV")
    if o.tornado:
        bar = max(o.tornado, key=lambda b: abs(b.npv_high - b.npv_low))
        words.append(f"Swings most on {charts.input_label(bar.key, plan)}: NPV "
                     f"{money(min(bar.npv_low, bar.npv_high), currency, short=True)} to "
                     f"{money(max(bar.npv_low, bar.npv_high), currency, short=True)}")
    return words


def _opportunity_slide(o: OpportunityResult, rank: int, results: PlanResults) -> Slide:
    plan = results.plan
    currency = plan.settings.currency
    name = _name(o)
    verb = "leads" if rank == 1 else f"ranks #{rank}"
    title = f"{name} {verb}: {money(o.enpv, currency, short=True)} risk-adjusted NPV"
    bullets = [
        f"Value: {money(o.annual_benefit_ss, currency, short=True)} a year at full adoption; "
        f"{money(o.pv_benefit, currency, short=True)} present value",
        f"Cost: {money(_build(o), currency, short=True)} to build, "
        f"{money(o.annual_cost_ss, currency, short=True)} a year to run; pays back "
        f"{'in ' if o.payback_month else ''}{_month(o.payback_month)}",
        *_risk_words(o, plan),
    ]
    notes = (f"{name}: NPV if it launches {money(o.npv, currency)}, risk-adjusted {money(o.enpv, currency)}. "
             f"ROI {percent(o.roi)}; IRR {percent(o.irr)}.")
    return Slide(title=title, bullets=bullets, notes=notes,
                 chart=_fixed(charts.monthly_cash_flow, o, currency, plan.settings.horizon_years))


def _month(value: int | None) -> str:
    if value is None:
        return "never within the horizon"
    return "from the start" if value == 0 else f"month {value}"


def _decision_slide(decision: Decision, results: PlanResults) -> Slide | None:
    plan = results.plan
    currency = plan.settings.currency
    result = next((d for d in results.decisions if d.decision_id == decision.id), None)
    if result is None or not decision.options:
        return None
    chosen = chosen_option(decision, result)
    options = {o.id: o for o in decision.options}
    winner = options[result.winner]
    dname = _name(decision)
    sep = " " if dname.rstrip()[-1:] in "?!.:" else ": "  # "How do we get X? Partner", not "?:"
    ranked = sorted(decision.options, key=lambda o: -result.scores.get(o.id, 0.0))
    cost = (f"{money(result.tco.get(chosen.id), currency, short=True)} total cost over "
            f"{plan.settings.horizon_years} years")
    picked = decision.chosen_option_id == chosen.id
    if result.tied and not picked:
        # Nothing chosen among equals: the slide says the tie, never one option as "recommended".
        title = f"{dname}{sep}{_text(score_headline(decision, result))}"
        bullets = [f"Until one is chosen, the plan uses {_name(chosen)} ({chosen.kind}), the first entered: "
                   f"{cost}"]
    else:
        title = f"{dname}{sep}{_name(chosen)} ({result.scores.get(chosen.id, 0):.0f} of 100)"
        bullets = [f"Recommended: {_name(chosen)} ({chosen.kind}), {cost}"]
        others = [_name(options[o]) for o in result.tied if o != chosen.id]
        if chosen.id in result.tied:
            bullets.append(f"The PM chose it from a tie with {names_and(others)} at "
                           f"{result.scores[chosen.id]:.1f} of 100")
        elif result.tied:
            bullets.append(f"The PM chose it over {names_and(others)}, which tie for the top score")
        elif chosen.id != winner.id:
            bullets.append(f"The PM chose it over the top scorer, {_name(winner)}")
    # Next best: the best option outside the tie and the choice, which the bullets above name.
    runner = next((o for o in ranked if o.id != chosen.id and o.id not in result.tied), None)
    if runner is not None:
        bullets.append(f"Next best: {_name(runner)} ({result.scores.get(runner.id, 0):.0f} of 100, "
                       f"{money(result.tco.get(runner.id), currency, short=True)})")
    bullets.append(_text(tie_sentence(decision, result) if result.tied
                         else robustness_sentence(decision, result)))
    if decision.criteria:
        chart = _fixed(charts.radar, decision, result)
    else:
        chart = _fixed(charts.cumulative_tco, decision, result, plan.settings.horizon_years,
                       result.annual_volume, currency)
    scores = "; ".join(f"{_name(o)} {result.scores.get(o.id, 0):.1f}" for o in ranked)
    return Slide(title=title, bullets=bullets, chart=chart, notes=f"Weighted scores: {scores}.")


def _unit_slide(results: PlanResults) -> Slide | None:
    plan = results.plan
    currency = plan.settings.currency
    pairs = [(u, r) for u in plan.unit_models for r in results.unit_models if r.id == u.id]
    if not pairs:
        return None
    rows = [["Unit model", "Per task", "Margin", "Breaks even"]]
    for u, r in pairs[:TABLE_ROWS]:
        rows.append([_name(u), money(r.costs.get("loaded_cost_per_task"), currency, cents=True),
                     percent(r.costs.get("gross_margin")),
                     number(r.costs.get("break_even_tasks_month")) + " tasks"
                     if r.costs.get("break_even_tasks_month") is not None else "never"])
    if len(pairs) > TABLE_ROWS:
        rows.append([f"… and {len(pairs) - TABLE_ROWS} more", "", "", ""])
    # The busiest model is the one whose cost matters most, so it gets the chart and the title.
    u, r = max(pairs, key=lambda p: p[1].volume_tasks_month)
    be = r.costs.get("break_even_tasks_month")
    margin = r.costs.get("gross_margin")
    title = (f"{money(r.costs.get('loaded_cost_per_task'), currency, cents=True)} a task at "
             f"{percent(margin)} margin — {_name(u)}")
    bullets = [f"Planned volume {number(r.volume_tasks_month)} tasks a month; break-even at "
               f"{number(be) + ' tasks' if be is not None else 'no volume'}"]
    return Slide(title=title, bullets=bullets, table=rows,
                 chart=_fixed(charts.margin_vs_volume, u, r, currency),
                 notes="Loaded cost includes retries, retrieval, tools, human escalation and fixed cost "
                       "spread over the planned volume.")


def _uncertainty_slide(results: PlanResults) -> Slide:
    currency = results.plan.settings.currency
    pf = results.portfolio
    if pf.mc is None:
        return Slide(title="Uncertainty: the Monte Carlo was not run",
                     bullets=["Run the simulation to see the range of portfolio NPV."])
    title = f"{percent(pf.mc.p_positive)} chance the portfolio NPV is positive"
    bullets = [f"Portfolio NPV P10–P90 {_range(pf.mc, currency)}; median "
               f"{money(pf.mc.p50, currency, short=True)}",
               f"{percent(pf.mc.p_positive)} chance of a positive NPV over {results.samples:,} simulations"]
    if pf.selected_mc is not None:
        bullets.append(f"Funded set only: P10–P90 {_range(pf.selected_mc, currency)}, "
                       f"{percent(pf.selected_mc.p_positive)} chance positive")
    return Slide(title=title, bullets=bullets,
                 chart=_fixed(charts.npv_distribution, pf.npv_samples, pf.mc, currency, "Portfolio NPV"),
                 notes="Every ranged input drawn at once; launch failures included.")


def _asks_slide(results: PlanResults, bubble: ChartSpec | None = None) -> Slide:
    currency = results.plan.settings.currency
    pf = results.portfolio
    by_id = {o.id: o for o in results.opportunities}
    chosen = [by_id[i] for i in pf.selected if i in by_id]
    if not chosen:
        return Slide(title="The ask: nothing fits the budget yet",
                     bullets=["No opportunity with a positive risk-adjusted NPV fits the budget."])
    title = (f"The ask: {money(pf.selected_build_cost, currency, short=True)} to build {len(chosen)}, "
             f"for {money(pf.selected_enpv, currency, short=True)} risk-adjusted NPV")
    bullets = [f"Budget {money(pf.budget, currency, short=True)}; "
               f"{money(pf.selected_build_cost, currency, short=True)} committed"
               if pf.budget is not None else "No budget set: every positive opportunity is in"]
    if pf.selected_mc is not None:
        bullets.append(f"NPV P10–P90 {_range(pf.selected_mc, currency)}; "
                       f"{percent(pf.selected_mc.p_positive)} chance of a positive NPV")
    rows = [["Fund", "Build cost", "eNPV"]]
    for o in chosen[:TABLE_ROWS]:
        rows.append([_name(o), money(_build(o), currency, short=True), money(o.enpv, currency, short=True)])
    if len(chosen) > TABLE_ROWS:
        rows.append([f"… and {len(chosen) - TABLE_ROWS} more", "", ""])
    rows.append(["Total", money(pf.selected_build_cost, currency, short=True),
                 money(pf.selected_enpv, currency, short=True)])
    # The bubble map outlines the funded set, so the ask is seen against what is left out.
    return Slide(title=title, bullets=bullets, table=rows,
                 chart=bubble or _fixed(charts.bubble_value_vs_cost, results.plan, results),
                 notes="The funded set is the best within the build budget; outlined on the map.")


def build_slides(data: dict[str, Any], results: PlanResults) -> list[Slide]:
    """The deck's slides in order, from the project file's data and the engine's results."""
    slides = [_title_slide(data, results), _portfolio_slide(results)]
    bubble = slides[1].chart  # one bubble map for the portfolio and the asks slides
    top = sorted(results.opportunities, key=lambda o: -o.enpv)[:TOP_OPPORTUNITIES]
    slides += [_opportunity_slide(o, i + 1, results) for i, o in enumerate(top)]
    slides += [s for d in results.plan.decisions if (s := _decision_slide(d, results)) is not None]
    unit = _unit_slide(results)
    if unit is not None:
        slides.append(unit)
    slides += [_uncertainty_slide(results), _asks_slide(results, bubble)]
    return slides


# --- shared layout --------------------------------------------------------------------------------

@dataclass
class _Box:
    left: float
    top: float
    width: float
    height: float


def _layout(slide: Slide) -> dict[str, _Box]:
    """Where each part goes (inches from the top left), the same in both writers."""
    width = SLIDE_W - 2 * MARGIN
    boxes: dict[str, _Box] = {"title": _Box(MARGIN, TITLE_TOP, width, TITLE_H)}
    has_text = bool(slide.bullets or slide.table)
    if slide.chart is not None and has_text:
        text_w = 5.2
        boxes["chart"] = _Box(MARGIN + text_w + 0.3, BODY_TOP, width - text_w - 0.3, BODY_H)
        width = text_w
    elif slide.chart is not None:
        boxes["chart"] = _Box(MARGIN, BODY_TOP, width, BODY_H)
    top = BODY_TOP
    if slide.bullets and slide.table:
        boxes["bullets"] = _Box(MARGIN, top, width, 1.5)
        boxes["table"] = _Box(MARGIN, top + 1.6, width, BODY_H - 1.6)
    elif slide.bullets:
        boxes["bullets"] = _Box(MARGIN, top, width, BODY_H)
    elif slide.table:
        boxes["table"] = _Box(MARGIN, top, width, BODY_H)
    if "table" in boxes and "chart" not in boxes:
        boxes["table"].width = min(width, 9.0)  # a full-width table strands its figures far right
    return boxes


_FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf",
               "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
               "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf"}


def _register_fonts() -> None:
    """DejaVu Sans from matplotlib's data, so accented, Greek and Cyrillic names print."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name, filename in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic="DejaVuSans-Oblique",
                                  boldItalic="DejaVuSans-BoldOblique")
    for bold, italic, name in ((0, 0, FONT), (1, 0, FONT_BOLD), (0, 1, "DejaVuSans-Oblique"),
                               (1, 1, "DejaVuSans-BoldOblique")):
        addMapping(FONT, bold, italic, name)


def _lines(text: str, size: float, width_in: float, font: str = FONT) -> int:
    """How many lines ``text`` wraps to at ``size`` points in ``width_in`` inches (DejaVu metrics)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    limit = width_in * 72
    lines, current = 1, ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and stringWidth(trial, font, size) > limit:
            lines, current = lines + 1, word
        else:
            current = trial
    return lines


def _fit(texts: Sequence[str], box: _Box, sizes: Sequence[float], gap: float = 0.55,
         font: str = FONT, indent: float = 0.3) -> float:
    """The largest size at which the texts (one paragraph each) fit the box; both writers use it so
    the PDF and the PowerPoint break lines alike."""
    _register_fonts()
    for size in sizes:
        height = sum(_lines(t, size, box.width - indent, font) * size * 1.22 + size * gap for t in texts)
        if height / 72 <= box.height - 0.1:
            return size
    return sizes[-1]


def _title_size(slide: Slide, box: _Box) -> float:
    return _fit([slide.title], box, (28, 26, 24, 22, 20, 18, 16), gap=0, font=FONT_BOLD, indent=0.15)


def _bullet_size(slide: Slide, box: _Box) -> float:
    return _fit(slide.bullets, box, (20, 18, 17, 16, 15, 14, 13, 12, 11, 10))


def _table_size(rows: list[list[str]], box: _Box) -> float:
    size = 16.0 if len(rows) <= 7 else 12.0 if len(rows) <= 9 else 10.5
    # Beside a chart the table is narrow: big type would wrap every figure onto two lines.
    return min(size, 12.0) if box.width < 7 else size


def _col_widths(rows: list[list[str]], total: float) -> list[float]:
    """The first column (names) takes what the figures do not need."""
    n = len(rows[0])
    if n == 1:
        return [total]
    other = min(1.5, total * 0.55 / (n - 1))
    return [total - other * (n - 1)] + [other] * (n - 1)


def _chart_png(spec: ChartSpec, box: _Box) -> bytes:
    size = (box.width, box.height)
    if isinstance(spec, _Chart):
        return spec.png(size, CHART_DPI)
    fig = spec if isinstance(spec, Figure) else spec(size)
    return charts.figure_png(fig, dpi=CHART_DPI)


def _chart_raster(spec: ChartSpec, box: _Box) -> Any:
    """The chart's pixels for the PDF deck (no PNG round trip; see app/exports/pdf_images.py)."""
    from app.exports.pdf_images import RasterChart

    size = (box.width, box.height)
    if isinstance(spec, _Chart):
        return spec.raster(size, CHART_DPI)
    fig = spec if isinstance(spec, Figure) else spec(size)
    return RasterChart(fig, CHART_DPI)


def _meta(data: dict[str, Any]) -> tuple[str, str, str]:
    project = _project(data)
    name = _text(project.get("name")) or "AI portfolio"
    return name, _text(project.get("author")), f"Exec review deck: {name}"


def _write(out: str | os.PathLike[str], data: bytes, magic: bytes) -> Path:
    """Hand the deck's bytes to the one export write path (app/outputs.py)."""
    from app.outputs import write_export

    target = Path(out)
    write_export(target, data, magic, "deck")
    return target


# --- PDF --------------------------------------------------------------------------------------------

def _lock_down_reportlab() -> None:
    """User text is escaped anyway; this also stops reportlab fetching any URL a string names."""
    from reportlab import rl_config

    rl_config.trustedSchemes = ["data"]
    rl_config.trustedHosts = ["localhost.invalid"]
    rl_config.useA85 = 0  # binary image streams: the pure-Python ASCII85 encoder is slow


def write_deck_pdf(slides: Sequence[Slide], out: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write the PDF deck to ``out`` (see ``deck_pdf_bytes``)."""
    from app.outputs import PDF_MAGIC

    return _write(out, deck_pdf_bytes(slides, data), PDF_MAGIC)


def deck_pdf_bytes(slides: Sequence[Slide], data: dict[str, Any]) -> bytes:
    """The deck as a 13.333 x 7.5 in PDF, one page per slide, page numbers bottom right."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph, Table, TableStyle

    _register_fonts()
    _lock_down_reportlab()
    title, author, subject = _meta(data)
    page_h = SLIDE_H * inch

    def para(text: str, size: float, *, bold: bool = False, colour: str = INK_HEX,
             bullet: bool = False) -> Paragraph:
        style = ParagraphStyle("p", fontName=FONT_BOLD if bold else FONT, fontSize=size,
                               leading=size * 1.22, textColor=HexColor(colour),
                               leftIndent=0.3 * inch if bullet else 0, bulletIndent=0.05 * inch,
                               bulletFontName=FONT, bulletFontSize=size)
        return Paragraph(escape(_text(text)), style, bulletText="•" if bullet else None)

    def draw(canvas: Canvas, flow: Any, box: _Box, y_in: float | None = None) -> float:
        """Draw a flowable at the box's left, ``y_in`` inches from the top; returns its height (in)."""
        _, h = flow.wrapOn(canvas, box.width * inch, box.height * inch)
        top = box.top if y_in is None else y_in
        flow.drawOn(canvas, box.left * inch, page_h - top * inch - h)
        return h / inch

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(SLIDE_W * inch, page_h), invariant=1)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setSubject(subject)
    canvas.setCreator("AI Product Planner")
    for number_, slide in enumerate(slides, start=1):
        if slide.kind == "title":
            _pdf_title_page(canvas, slide, para, draw)
        else:
            _pdf_content_page(canvas, slide, para, draw, Table, TableStyle)
        # Footer: project name left, page number right, kept off the cover.
        if slide.kind != "title":
            canvas.setFont(FONT, 9)
            canvas.setFillColor(HexColor(MUTED_HEX))
            canvas.drawString(MARGIN * inch, 0.3 * inch, title[:120])
            canvas.drawRightString((SLIDE_W - MARGIN) * inch, 0.3 * inch, f"{number_} / {len(slides)}")
        # PDF has no speaker notes; the PPTX carries them and the PDF pages stay clean.
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _pdf_title_page(canvas: Any, slide: Slide, para: Callable[..., Any], draw: Callable[..., float]) -> None:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.units import inch

    # A navy band on the left edge marks the cover without needing an image.
    canvas.setFillColor(HexColor(NAVY_HEX))
    canvas.rect(0, 0, 0.35 * inch, SLIDE_H * inch, stroke=0, fill=1)
    box = _Box(MARGIN + 0.5, 2.2, SLIDE_W - 2 * MARGIN - 1.0, 1.8)
    size = _fit([slide.title], box, (40, 36, 32, 28, 24), gap=0, font=FONT_BOLD, indent=0)
    h = draw(canvas, para(slide.title, size, bold=True, colour=NAVY_HEX), box)
    y = box.top + h + 0.25
    if slide.subtitle:
        y += draw(canvas, para(slide.subtitle, 18, colour=MUTED_HEX), box, y) + 0.4
    for bullet in slide.bullets:
        y += draw(canvas, para(bullet, 18), box, y) + 0.12


def _pdf_content_page(canvas: Any, slide: Slide, para: Callable[..., Any], draw: Callable[..., float],
                      table_cls: Any, style_cls: Any) -> None:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.units import inch

    boxes = _layout(slide)
    draw(canvas, para(slide.title, _title_size(slide, boxes["title"]), bold=True, colour=NAVY_HEX),
         boxes["title"])
    if "bullets" in boxes:
        box = boxes["bullets"]
        size = _bullet_size(slide, box)
        y = box.top
        for bullet in slide.bullets:
            y += draw(canvas, para(bullet, size, bullet=True), box, y) + size * 0.55 / 72
        if "table" in boxes:  # the table starts under however much the bullets took
            boxes["table"] = _Box(box.left, max(y + 0.15, box.top), boxes["table"].width,
                                  BODY_TOP + BODY_H - max(y + 0.15, box.top))
    if "table" in boxes and slide.table:
        box = boxes["table"]
        rows = slide.table
        size = _table_size(rows, box)
        cells = [[para(c, size, bold=(r == 0 or (c == "Total" and i == 0)),
                       colour="#FFFFFF" if r == 0 else INK_HEX) for i, c in enumerate(row)]
                 for r, row in enumerate(rows)]
        table = table_cls(cells, colWidths=[w * inch for w in _col_widths(rows, box.width)])
        table.setStyle(style_cls([
            ("BACKGROUND", (0, 0), (-1, 0), HexColor(NAVY_HEX)),
            ("LINEBELOW", (0, 1), (-1, -1), 0.5, HexColor(charts.GRID)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        draw(canvas, table, box)
    if "chart" in boxes and slide.chart is not None:
        box = boxes["chart"]
        raster = _chart_raster(slide.chart, box)
        w = min(box.width, box.height / raster.aspect)
        h = w * raster.aspect
        raster.draw(canvas, box.left * inch, (SLIDE_H - box.top - h) * inch, w * inch, h * inch)


# --- PPTX -------------------------------------------------------------------------------------------

def write_deck_pptx(slides: Sequence[Slide], out: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write the PowerPoint deck to ``out`` (see ``deck_pptx_bytes``)."""
    from app.outputs import ZIP_MAGIC

    return _write(out, deck_pptx_bytes(slides, data), ZIP_MAGIC)


def deck_pptx_bytes(slides: Sequence[Slide], data: dict[str, Any]) -> bytes:
    """The deck as an editable 16:9 PowerPoint: real titles, bullet paragraphs, native tables,
    charts as pictures and the speaker notes."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    title, author, subject = _meta(data)
    navy = RGBColor.from_string(NAVY_HEX.lstrip("#"))
    ink = RGBColor.from_string(INK_HEX.lstrip("#"))
    muted = RGBColor.from_string(MUTED_HEX.lstrip("#"))

    def place(shape: Any, box: _Box) -> None:
        shape.left, shape.top = Inches(box.left), Inches(box.top)
        shape.width, shape.height = Inches(box.width), Inches(box.height)

    def fill(frame: Any, texts: Sequence[str], size: float, colour: Any, *, bold: bool = False,
             bullets: bool = False, tight: bool = True, space: float = 0.0) -> None:
        frame.word_wrap = True
        if tight:  # no insets, so lines break where the PDF's (measured with the same font) do
            frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
        for i, text in enumerate(texts):
            p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            p.alignment = PP_ALIGN.LEFT  # the template centres titles; the PDF does not
            if space:
                p.space_after = Pt(space)
            if bullets:
                _bullet(p, size)
            run = p.add_run()
            run.text = _text(text)
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.name = "DejaVu Sans"
            run.font.color.rgb = colour

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    prs.core_properties.title = title
    prs.core_properties.author = author
    prs.core_properties.subject = subject
    title_only = prs.slide_layouts[5]  # "Title Only": a real title placeholder, nothing else
    for number_, slide in enumerate(slides, start=1):
        page = prs.slides.add_slide(title_only)
        heading = page.shapes.title
        heading.text_frame.clear()
        if slide.kind == "title":
            box = _Box(MARGIN + 0.5, 2.2, SLIDE_W - 2 * MARGIN - 1.0, 1.8)
            place(heading, box)
            size = _fit([slide.title], box, (40, 36, 32, 28, 24), gap=0, font=FONT_BOLD, indent=0)
            fill(heading.text_frame, [slide.title], size, navy, bold=True)
            heading.text_frame.vertical_anchor = MSO_ANCHOR.TOP
            title_h = _lines(slide.title, size, box.width, FONT_BOLD) * size * 1.22 / 72
            band = page.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Inches(0.35), Inches(SLIDE_H))
            band.fill.solid()
            band.fill.fore_color.rgb = navy
            band.line.fill.background()
            lines = ([slide.subtitle] if slide.subtitle else []) + slide.bullets
            if lines:
                body = page.shapes.add_textbox(Inches(box.left), Inches(box.top + title_h + 0.25),
                                               Inches(box.width), Inches(2.5))
                fill(body.text_frame, lines, 18, muted, space=9)
                start = 1 if slide.subtitle else 0
                for p in body.text_frame.paragraphs[start:]:
                    for run in p.runs:
                        run.font.color.rgb = ink
                if slide.subtitle:
                    body.text_frame.paragraphs[0].space_after = Pt(24)
        else:
            boxes = _layout(slide)
            place(heading, boxes["title"])
            fill(heading.text_frame, [slide.title], _title_size(slide, boxes["title"]), navy, bold=True)
            heading.text_frame.vertical_anchor = MSO_ANCHOR.TOP  # like the PDF
            _pptx_body(page, slide, boxes, fill, place, ink)
            footer = page.shapes.add_textbox(Inches(SLIDE_W - MARGIN - 1.5), Inches(SLIDE_H - 0.5),
                                             Inches(1.5), Inches(0.3))
            fill(footer.text_frame, [f"{number_} / {len(slides)}"], 9, muted)
            footer.text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT
            project = page.shapes.add_textbox(Inches(MARGIN), Inches(SLIDE_H - 0.5), Inches(8.0),
                                              Inches(0.3))
            fill(project.text_frame, [title[:120]], 9, muted)  # same footer as the PDF
        if slide.notes:
            page.notes_slide.notes_text_frame.text = _text(slide.notes)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()



def _bullet(paragraph: Any, size: float) -> None:
    """A real PowerPoint bullet (a:buChar with a hanging indent), so Enter in PowerPoint makes the
    next bullet; a typed "•" would not."""
    from pptx.oxml.ns import qn
    from pptx.util import Inches, Pt

    paragraph.space_after = Pt(size * 0.55)  # first, so python-pptx puts spcAft in schema order
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.set("marL", str(int(Inches(0.3))))
    p_pr.set("indent", str(-int(Inches(0.3))))
    for tag in ("a:buNone", "a:buAutoNum", "a:buChar", "a:buFont"):
        for old in p_pr.findall(qn(tag)):
            p_pr.remove(old)
    font = p_pr.makeelement(qn("a:buFont"), {"typeface": "Arial"})
    char = p_pr.makeelement(qn("a:buChar"), {"char": "•"})
    # Schema order inside a:pPr: lnSpc, spcBef, spcAft, bu*, tabLst, defRPr: append before tabLst.
    anchor = p_pr.find(qn("a:tabLst"))
    if anchor is None:
        anchor = p_pr.find(qn("a:defRPr"))
    for element in (font, char):
        if anchor is None:
            p_pr.append(element)
        else:
            anchor.addprevious(element)


def _pptx_body(page: Any, slide: Slide, boxes: dict[str, _Box], fill: Callable[..., None],
               place: Callable[..., None], ink: Any) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    if "bullets" in boxes:
        box = boxes["bullets"]
        size = _bullet_size(slide, box)
        shape = page.shapes.add_textbox(Inches(box.left), Inches(box.top), Inches(box.width),
                                        Inches(box.height))
        fill(shape.text_frame, slide.bullets, size, ink, bullets=True)
        if "table" in boxes:
            # Same estimate as the PDF's measured height, so the table sits just under the bullets.
            used = sum(_lines(b, size, box.width - 0.3) * size * 1.22 + size * 0.55
                       for b in slide.bullets) / 72
            top = box.top + used + 0.25
            boxes["table"] = _Box(box.left, top, boxes["table"].width, BODY_TOP + BODY_H - top)
    if "table" in boxes and slide.table:
        box = boxes["table"]
        rows = slide.table
        size = _table_size(rows, box)
        row_h = size * 1.9 / 72
        shape = page.shapes.add_table(len(rows), len(rows[0]), Inches(box.left), Inches(box.top),
                                      Inches(box.width), Inches(row_h * len(rows)))
        table = shape.table
        for c, width in enumerate(_col_widths(rows, box.width)):
            table.columns[c].width = Inches(width)
        for r, row in enumerate(rows):
            table.rows[r].height = Inches(row_h)
            for c, value in enumerate(row):
                cell = table.cell(r, c)
                cell.text_frame.clear()
                fill(cell.text_frame, [value], size, RGBColor(0xFF, 0xFF, 0xFF) if r == 0 else ink,
                     bold=(r == 0 or value == "Total"), tight=False)
                # The PDF's look (navy header, white rows) rather than the template's banded blue.
                cell.fill.solid()
                cell.fill.fore_color.rgb = RGBColor.from_string(NAVY_HEX.lstrip("#")) if r == 0 \
                    else RGBColor(0xFF, 0xFF, 0xFF)
                cell.margin_top = cell.margin_bottom = Pt(2)
    if "chart" in boxes and slide.chart is not None:
        box = boxes["chart"]
        png = _chart_png(slide.chart, box)
        picture = page.shapes.add_picture(io.BytesIO(png), Inches(box.left), Inches(box.top))
        scale = min(Inches(box.width) / picture.width, Inches(box.height) / picture.height)
        picture.width, picture.height = int(picture.width * scale), int(picture.height * scale)
