"""The 16:9 exec deck: one Qt-free slide model, written as PDF (reportlab) and PPTX (python-pptx)."""

from __future__ import annotations

import datetime
import io
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib
from matplotlib.figure import Figure

from app import charts, fonts
from app.briefing import (
    FAILED_LAUNCHES,
    Briefing,
    DecisionBrief,
    EffectiveInput,
    OpportunityBrief,
    brief,
    decision_box,
)
from app.exports.outlook import (
    Outlook,
    ScenarioSet,
    outlook,
    scenario_headline,
    scenario_rows,
    scenario_words,
    worth_rows,
)
from app.formatting import money, number, percent
from app.launch_words import plan_readiness, plan_sentence
from app.scenario_charts import scenario_comparison
from models.decision import chosen_option, names_and, score_headline
from models.engine import OpportunityResult, PlanResults

#: A chart is a built Figure or a builder taking the (width, height) in inches it will fill, so
#: each writer draws it at the size it places it and the house 9 pt text stays 9 pt on the slide.
ChartSpec = Callable[[tuple[float, float]], Figure] | Figure

SLIDE_W = 13.333  # inches: PowerPoint's 16:9 widescreen size
SLIDE_H = 7.5
MARGIN = 0.55
TITLE_TOP = 0.4
TITLE_H = 1.0
FOOTER_TOP = SLIDE_H - 0.5  # the footer line (project name, page number) starts here
BODY_BOTTOM = FOOTER_TOP - 0.15  # nothing of the body comes nearer the footer than this
LEADING = 1.22  # line height as a multiple of the font size, in both writers and the measure
# Sizes tried largest first; the last of each is the smallest a slide read across a room allows.
# Text that does not fit at the smallest goes on to a continuation slide.
TITLE_SIZES = (28.0, 26.0, 24.0)
COVER_SIZES = (40.0, 36.0, 32.0, 28.0, 24.0)
BODY_SIZES = (20.0, 18.0, 17.0, 16.0, 15.0, 14.0)
TABLE_MAX = 16.0
TITLE_LINES = 3  # a longer title is clipped with "…" (names are clipped first, see NAME_CHARS)
NAME_CHARS = 60  # a name in a table cell (titles clip by measure); the notes carry it whole
SOURCE_NAME_CHARS = 24  # an option's or unit model's name inside an input's source; the notes say it whole
BULLET_INDENT = 0.3
BULLET_GAP = 0.55  # space after a bullet, in multiples of its size
TABLE_GAP = 0.2
CELL_PAD_X, CELL_PAD_Y = 6.0, 3.0  # points: reportlab's cell padding, set alike in PowerPoint
CONTINUED = " (continued)"
# Chart pictures are drawn at 1/scale of their box and placed at the box's size, so the charts'
# 9 pt text reads as 12 pt on the slide, beside 14-20 pt bullets.
CHART_TEXT_SCALE = 12.0 / charts.TEXT_SIZE
NATIVE_TEXT = 12.0  # points: the text of PowerPoint's own charts
FOOTER_NAME_W = 8.0  # inches
CHART_DPI = 220  # >= 200 dpi so charts stay sharp when projected or printed
TEXT_W = 5.2  # inches of bullets and table beside a chart
LEARN_ROWS = 6  # inputs on the slide of what to learn; the memo ranks more
WIDE_TEXT_W = 7.4  # beside a chart that reads well narrower: opportunity inputs with their sources
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
    total: bool = False  # the table's last row is its total: kept with the table's last part
    summarise: bool = False  # rows that do not fit become one "… and N more" row, not a new slide
    #: The chart's data for PowerPoint's own (editable) charts; the PDF draws ``chart`` instead.
    native: list[NativeChart] = field(default_factory=list)
    #: Table columns (after the first) that hold words, not figures: left-aligned, and sharing the
    #: table's width with the first column instead of being as wide as their longest cell.
    text_cols: tuple[int, ...] = ()
    bold_first: bool = False  # the first column is headings (the decision box)
    text_width: float | None = None  # inches of text beside a chart, when not the usual TEXT_W


@dataclass
class NativeChart:
    """A bar or line chart PowerPoint draws itself from its data, so the PM can edit it."""

    kind: str  # "line" or "stacked"
    title: str
    categories: list[str]
    series: list[tuple[str, list[float], str]]  # name, values, colour
    currency: str = "USD"
    label_every: int = 1  # label every nth category: 36 month labels at 12 pt would overlap


# --- the slide model ----------------------------------------------------------------------------

def _project(data: dict[str, Any]) -> dict[str, Any]:
    project = data.get("project") if isinstance(data, dict) else None
    return project if isinstance(project, dict) else {}


def _text(value: Any) -> str:
    """User text as a plain one-line-safe string: never None, no characters XML forbids."""
    return _FORBIDDEN.sub("", "" if value is None else str(value))


def _name(obj: Any, limit: int | None = None) -> str:
    """An object's name; ``limit`` clips it (at a word, with "…") where a long name would crowd out
    the figures beside it: in titles and table cells. Notes keep the whole name."""
    return _clip_chars(_text(getattr(obj, "name", "") or getattr(obj, "id", "")), limit)


def _titled(name: str, rest: str) -> str:
    """A title that starts with a name: the name clipped so that the rest (the message) still fits."""
    return _clip(name, TITLE_SIZES[-1], SLIDE_W - 2 * MARGIN, TITLE_LINES, FONT_BOLD, suffix=rest) + rest


def _clip_chars(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and cut.rindex(" ") >= limit * 0.6:  # end on a whole word where one is near
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


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


def _title_slide(data: dict[str, Any], b: Briefing) -> Slide:
    project = _project(data)
    plan = b.results.plan
    name = _text(project.get("name") or plan.settings.name or "AI portfolio")
    author = _text(project.get("author"))
    today = datetime.date.today().strftime("%d %B %Y").lstrip("0")
    br, cur = b.bridge, b.currency
    bullets = [f"{br.count_all} opportunities, {money(br.enpv_all, cur, short=True)} eNPV in total"]
    if br.budget is not None and br.count_funded:
        bullets.append(f"The ask: {money(br.build_funded, cur, short=True)} to build {br.count_funded} of "
                       f"them, for {money(br.enpv_funded, cur, short=True)} eNPV")
    description = _text(project.get("description"))
    notes = description or f"Exec review of {name}."
    return Slide(title=name, bullets=bullets, kind="title",
                 subtitle=" · ".join(p for p in (author, today) if p), notes=notes)


def _short_names(text: str, b: Briefing) -> str:
    """``text`` with every name longer than a table cell allows clipped, as the tables clip it."""
    names = [o.name for o in b.opportunities] + [d.name for d in b.decisions]
    for name in sorted({n for n in names if len(n) > NAME_CHARS}, key=len, reverse=True):
        text = text.replace(name, _clip_chars(name, NAME_CHARS))
    return _text(text)


def _decision_box_slide(b: Briefing) -> Slide:
    """Slide 2: the memo's decision box, word for word (app/briefing.py), as a two-column table whose
    first row, the ask, is its header."""
    cur, br = b.currency, b.bridge
    rows: list[list[str]] = []
    # What drives a high IRR is said on that opportunity's slide; the box keeps to the decision.
    box = [(head, text) for head, text in decision_box(b) if head != "High IRRs"]
    for head, text in box:
        # One row per item, so a long "Not funded" list wraps and continues row by row.
        for i, line in enumerate(text.split("\n")):
            rows.append([head if i == 0 else "", _short_names(line, b)])
    if br.budget is None:
        title = "The decision: no budget is set, so nothing is chosen for funding yet"
    elif br.count_funded:
        title = (f"The decision: approve {money(br.build_funded, cur, short=True)} to build {br.count_funded}"
                 f" for {money(br.enpv_funded, cur, short=True)} eNPV")
    else:
        title = "The decision: nothing fits the budget yet"
    notes = " ".join(f"{head}: {text.replace(chr(10), ' ')}" for head, text in box)
    return Slide(title=title, table=rows, text_cols=(1,), bold_first=True, notes=_text(notes))


def _asks_slide(b: Briefing) -> Slide:
    """The ask in detail: every funded opportunity with its build cost and eNPV, and the total."""
    cur, br = b.currency, b.bridge
    if br.budget is None:
        return Slide(title="The ask: no budget set",
                     bullets=["Set a build budget in Plan Settings to choose the set to fund."])
    if not b.funded:
        return Slide(title="The ask: nothing fits the budget yet",
                     bullets=["No opportunity with a positive eNPV fits the budget."])
    title = (f"The ask: {money(br.build_funded, cur, short=True)} to build {br.count_funded}, "
             f"for {money(br.enpv_funded, cur, short=True)} eNPV")
    bullets = [f"Budget {money(br.budget, cur, short=True)}; {money(br.build_funded, cur, short=True)} "
               f"committed, {money(br.budget - br.build_funded, cur, short=True)} left"]
    # Every funded opportunity is listed: the table continues on further slides rather than hide any.
    rows = [["Fund", "Build cost", "eNPV"]]
    for o in b.funded:
        rows.append([_clip_chars(_text(o.name), NAME_CHARS), money(_build(o.result), cur, short=True),
                     money(o.result.enpv, cur, short=True)])
    rows.append(["Total", money(br.build_funded, cur, short=True), money(br.enpv_funded, cur, short=True)])
    return Slide(title=title, bullets=bullets, table=rows, total=True,
                 notes="The funded set is the highest total eNPV within the build budget.")


def _bridge_slide(b: Briefing) -> Slide:
    """From the NPV if every launch succeeds to what the budget buys, with the funded set's simulated
    range beside the whole plan's."""
    cur, br = b.currency, b.bridge
    results = b.results
    rows = [["From NPV to the ask", "Value", "P10 to P90", "Chance of a loss"]]
    rows += [[what, figure, "", ""] for what, figure in br.steps(cur)]
    simulated = [("Funded set, median simulated NPV", br.mc_funded if br.budget is not None else None),
                 ("Whole plan, median simulated NPV", br.mc_all)]
    for label, summary in simulated:
        if summary is not None and math.isfinite(summary.p10):
            rows.append([label, money(summary.p50, cur, short=True),
                         f"{money(summary.p10, cur, short=True)} to {money(summary.p90, cur, short=True)}",
                         percent(1 - summary.p_positive)])
    if br.enpv_funded is not None:
        title = (f"From {money(br.npv_all, cur, short=True)} if every launch succeeds to "
                 f"{money(br.enpv_funded, cur, short=True)} eNPV for the funded set")
    else:
        title = (f"From {money(br.npv_all, cur, short=True)} if every launch succeeds to "
                 f"{money(br.enpv_all, cur, short=True)} eNPV")
    bullets = []
    chart: ChartSpec | None = None
    if results.samples and br.mc_all is not None:
        bullets.append(f"From {results.samples:,} simulations; the {FAILED_LAUNCHES}")
        chart = _fixed(charts.portfolio_distribution, results, cur)
    return Slide(title=title, bullets=bullets, table=rows, chart=chart, text_width=WIDE_TEXT_W,
                 notes="eNPV weights each opportunity's NPV by its chance of a successful launch. "
                       "The funded set is the highest total eNPV within the build budget.")


def _portfolio_slide(b: Briefing, bubble: ChartSpec) -> Slide:
    cur = b.currency
    ranked = b.opportunities
    positive = sum(1 for o in ranked if o.result.enpv > 0)
    title = (f"{len(ranked)} opportunities worth {money(b.bridge.enpv_all, cur, short=True)} eNPV; "
             f"{positive} add value")
    # Every opportunity, ranked; the rows that do not fit become one "… and N more" line.
    head = ["Opportunity", "eNPV", "Build", "Chance NPV > 0"]
    rows = [head + (["Funded"] if b.has_budget else [])]
    for o in ranked:
        r = o.result
        rows.append([_clip_chars(_text(o.name), NAME_CHARS), money(r.enpv, cur, short=True),
                     money(_build(r), cur, short=True), percent(r.mc.p_positive) if r.mc else "—",
                     *(["yes" if o.funded else "no"] if b.has_budget else [])])
    notes = "Ranked by eNPV (NPV weighted by the chance of a successful launch). Bubble area is eligible " \
            "users; colour is status; the funded set is outlined."
    if ranked:
        notes += f" {_text(ranked[0].name)} leads with {money(ranked[0].result.enpv, cur, short=True)}."
    return Slide(title=title, table=rows, chart=bubble, notes=notes, summarise=True, text_width=WIDE_TEXT_W)


#: The inputs an opportunity slide shows; any other that comes from a decision or a unit model is added,
#: and the notes list every one.
SHOWN_INPUTS = ("build_cost", "run_cost_annual", "cost_per_task")
_QUOTED = re.compile("“([^”]*)”")


def _short_source(i: EffectiveInput) -> str:
    """The briefing's source of an input with the option and unit-model names clipped to fit a cell."""
    if i.source == "own":
        return "own estimate"
    return _QUOTED.sub(lambda m: f"“{_clip_chars(m.group(1), SOURCE_NAME_CHARS)}”", _text(i.origin))


def _opportunity_slide(o: OpportunityBrief, b: Briefing) -> Slide:
    r, cur = o.result, b.currency
    plan = b.results.plan
    name = _text(o.name)
    verb = "leads" if o.rank == 1 else f"ranks #{o.rank}"
    state = (", funded" if o.funded else ", not funded") if b.has_budget else ""
    title = _titled(name, f" {verb}: {money(r.enpv, cur, short=True)} eNPV{state}")
    used = {i.field: i for i in o.inputs}
    bullets = []
    if not o.funded and o.status:  # a funded one says so in its title
        bullets.append(_short_names(o.status, b))
    chance = used["p_success"].text if "p_success" in used else "—"
    bullets.append(f"NPV {money(r.npv, cur, short=True)} if the launch succeeds ({chance} chance); "
                   f"eNPV {money(r.enpv, cur, short=True)}; {_pays_back(r.payback_month)}")
    if r.mc is not None and math.isfinite(r.mc.p10):
        bullets.append(f"NPV P10–P90 {money(r.mc.p10, cur, short=True)} to "
                       f"{money(r.mc.p90, cur, short=True)} with failed launches; "
                       f"{percent(r.mc.p_positive)} chance above zero")
    if o.irr_note:
        bullets.append(o.irr_note)
    fields = [f for f in SHOWN_INPUTS if f in used]
    fields += [f for f, i in used.items() if i.source != "own" and f not in fields]
    rows = [["Input", "Used", "Source"]]
    rows += [[used[f].label, used[f].text, _short_source(used[f])] for f in fields]
    swing = ""
    if r.tornado:
        bar = max(r.tornado, key=lambda t: abs(t.npv_high - t.npv_low))
        swing = (f" Swings most on {charts.input_label(bar.key, plan)}: NPV "
                 f"{money(min(bar.npv_low, bar.npv_high), cur, short=True)} to "
                 f"{money(max(bar.npv_low, bar.npv_high), cur, short=True)}.")
    inputs = " ".join(f"{i.label}: {i.sentence}." for i in o.inputs)
    notes = (f"{name}: NPV if it launches {money(r.npv, cur)}, eNPV {money(r.enpv, cur)}. "
             f"ROI {percent(r.roi)}; IRR {percent(r.irr)}.{swing} Inputs used: {inputs}")
    return Slide(title=title, bullets=bullets, table=rows, text_cols=(2,), text_width=WIDE_TEXT_W,
                 notes=_text(notes),
                 chart=_fixed(charts.monthly_cash_flow, r, cur, plan.settings.horizon_years),
                 native=_cash_flow_charts(r, cur, plan.settings.horizon_years))


def _rest_slide(rest: Sequence[OpportunityBrief], b: Briefing) -> Slide:
    """The opportunities not told in detail, in one compact table (continued, never cut)."""
    cur = b.currency
    head = ["Opportunity", "Rank", "eNPV", "Build cost", "P(success)"]
    rows = [head + (["Funded"] if b.has_budget else [])]
    for o in rest:
        used = {i.field: i for i in o.inputs}
        rows.append([_clip_chars(_text(o.name), NAME_CHARS), str(o.rank),
                     money(o.result.enpv, cur, short=True),
                     used["build_cost"].text if "build_cost" in used else "—",
                     used["p_success"].text if "p_success" in used else "—",
                     *(["yes" if o.funded else "no"] if b.has_budget else [])])
    return Slide(title=f"The other {len(rest)} opportunities, by eNPV", table=rows,
                 notes="Build cost and chance of success as the model used them (the effective inputs).")



def _cash_flow_charts(o: OpportunityResult, currency: str, horizon_years: int) -> list[NativeChart]:
    """The cash-flow picture's data as two PowerPoint charts: cumulative net, then each month's parts."""
    monthly = o.monthly or {}
    months = 12 * max(int(horizon_years), 0)
    parts = {key: [float(v) for v in list(monthly.get(key, []))[:months]]
             for key in ("benefit", "build", "run", "variable")}
    months = min(months, max((len(v) for v in parts.values()), default=0))
    if months == 0:
        return []
    for key, values in parts.items():
        parts[key] = values + [0.0] * (months - len(values))
    cumulative, total = [], 0.0
    for m in range(months):
        total += parts["benefit"][m] - parts["build"][m] - parts["run"][m] - parts["variable"][m]
        cumulative.append(total)
    categories = [str(m) for m in range(1, months + 1)]
    every = 6 if months <= 48 else 12  # as the picture's month axis
    payback = o.payback_month
    when = (f"pays back in month {payback}" if payback else "cash-positive from the start" if payback == 0
            else f"does not pay back within {months} months")
    return [NativeChart("line", f"Cumulative net cash: {when}", categories,
                        [("Cumulative net", cumulative, INK_HEX)], currency, every),
            NativeChart("stacked", "Monthly cash flow", categories,
                        [("Benefit", parts["benefit"], charts.TEAL),
                         ("Build cost", [-v for v in parts["build"]], charts.NAVY),
                         ("Run cost", [-v for v in parts["run"]], charts.GREY),
                         ("Per-task cost", [-v for v in parts["variable"]], charts.AMBER)], currency, every)]


def _pays_back(value: int | None) -> str:
    if value is None:
        return "does not pay back within the horizon"
    return "cash-positive from the start" if value == 0 else f"pays back in month {value}"


def _decision_slide(db: DecisionBrief, b: Briefing) -> Slide:
    """A decision as the plan stands (app/briefing.py): its chosen option, the highest score beside it
    when they differ, and never a recommendation for what the plan does not fund or choose."""
    rec, cur = db.recommendation, b.currency
    decision, result = rec.decision, rec.result
    plan = b.results.plan
    dname = _name(decision)
    sep = " " if dname.rstrip()[-1:] in "?!.:" else ": "  # "How do we get X? Partner", not "?:"
    if not db.funded:
        headline = "not recommended now, as it is not funded"
    elif rec.tied and rec.chosen is None:
        headline = _text(score_headline(decision, result))
    elif rec.chosen is None:
        headline = f"no option chosen; {_clip_chars(_text(rec.option), NAME_CHARS)} scores highest"
    elif rec.plan_uses and decision.chosen_option_id not in result.tied:
        headline = (f"{_clip_chars(_text(rec.chosen), NAME_CHARS)} chosen; "
                    f"{_clip_chars(_text(rec.option), NAME_CHARS)} scores highest")
    else:  # the chosen option leads, or ties for the lead
        score = result.scores.get(decision.chosen_option_id or "", rec.score)
        headline = f"{_clip_chars(_text(rec.chosen or rec.option), NAME_CHARS)} ({score:.0f} of 100)"
    title = _titled(dname, sep + headline)
    bullets = [_short_names(db.sentence(), b)]
    if db.opportunities:
        bullets.append(_short_names(f"Used by {names_and(list(db.opportunities))}", b))
    used = chosen_option(decision, result)
    years = plan.settings.horizon_years
    bullets.append(f"The plan's figures use {_name(used, NAME_CHARS)} ({used.kind}): "
                   f"{money(result.tco.get(used.id), cur, short=True)} total cost over {years} years")
    ranked = sorted(decision.options, key=lambda o: -result.scores.get(o.id, 0.0))
    runner = next((o for o in ranked if o.id != used.id and o.id != result.winner
                   and o.id not in result.tied), None)
    if runner is not None:
        bullets.append(f"Next: {_name(runner, NAME_CHARS)} ({result.scores.get(runner.id, 0):.0f} of 100, "
                       f"{money(result.tco.get(runner.id), cur, short=True)})")
    if decision.criteria:
        chart = _fixed(charts.radar, decision, result)
    else:
        chart = _fixed(charts.cumulative_tco, decision, result, years, result.annual_volume, cur)
    scores = "; ".join(f"{_name(o)} {result.scores.get(o.id, 0):.1f}" for o in ranked)
    # A name the title had to clip is said whole in the notes.
    whole = "" if title.startswith(dname) else f"{dname}. "
    return Slide(title=title, bullets=bullets, chart=chart,
                 notes=_text(f"{whole}{db.sentence()} Weighted scores: {scores}."))


def _unit_slide(results: PlanResults) -> Slide | None:
    plan = results.plan
    currency = plan.settings.currency
    pairs = [(u, r) for u in plan.unit_models for r in results.unit_models if r.id == u.id]
    if not pairs:
        return None
    rows = [["Unit model", "Per task", "Margin", "Breaks even"]]
    for u, r in pairs:
        rows.append([_name(u, NAME_CHARS), money(r.costs.get("loaded_cost_per_task"), currency, cents=True),
                     percent(r.costs.get("gross_margin")),
                     number(r.costs.get("break_even_tasks_month")) + " tasks"
                     if r.costs.get("break_even_tasks_month") is not None else "never"])
    # The busiest model is the one whose cost matters most, so it gets the chart and the title.
    u, r = max(pairs, key=lambda p: p[1].volume_tasks_month)
    be = r.costs.get("break_even_tasks_month")
    margin = r.costs.get("gross_margin")
    title = (f"{money(r.costs.get('loaded_cost_per_task'), currency, cents=True)} a task at "
             f"{percent(margin)} margin — {_name(u, NAME_CHARS)}")
    bullets = [f"Planned volume {number(r.volume_tasks_month)} tasks a month; break-even at "
               f"{number(be) + ' tasks' if be is not None else 'no volume'}"]
    return Slide(title=title, bullets=bullets, table=rows, summarise=True,
                 chart=_fixed(charts.margin_vs_volume, u, r, currency),
                 notes="Loaded cost includes retries, retrieval, tools, human escalation and fixed cost "
                       "spread over the planned volume.")


def _scenarios_slide(out: Outlook) -> Slide:
    """The scenarios side by side, one row each (base first), with the eNPV bars and P10–P90 whiskers."""
    sset, cur = out.scenarios, out.currency
    if sset.problems:
        return Slide(title="Scenarios: they cannot be calculated yet",
                     bullets=[_text(p) for p in sset.problems[:3]])
    rows = [[_clip_chars(_text(c), NAME_CHARS) for c in row]
            for row in scenario_rows(sset, cur, compact=True)]
    by_name = sset.by_name
    return Slide(title=_text(scenario_headline(sset, cur)), bullets=[_text(sset.weighted_words(cur))],
                 table=rows, text_cols=(2,), text_width=WIDE_TEXT_W,
                 chart=_fixed(scenario_comparison, by_name, cur, monte_carlo=by_name),
                 notes=_text(" ".join(scenario_words(sset)) + " Each scenario is calculated as the base is, "
                             "with the same simulations, and funded within its own budget."))


def _launch_slide(results: PlanResults) -> Slide | None:
    """Launch readiness: each gated opportunity's KPIs met, not met and not measured, its
    checklist and gate; where the plan and a gate disagree comes first."""
    cur = results.plan.settings.currency
    gates = [g for g in plan_readiness(results) if g.has_any]
    if not gates:
        return None
    ready = sum(g.ready for g in gates)
    conflicts = [(g.name, k) for g in gates for k in g.conflicts]
    title = f"Launch readiness: {ready} of {len(gates)} ready"
    if conflicts:
        title += f", {len(conflicts)} target{'s' if len(conflicts) > 1 else ''} the plan itself misses"
    bullets = [_text(f"{name}, {k.kpi.label}: {plan_sentence(k, cur)}") for name, k in conflicts]
    rows = [["Opportunity", "KPIs", "Checklist", "Status"]]
    rows += [[_clip_chars(_text(g.name), NAME_CHARS), g.kpi_words(), g.checklist_words(),
              g.status_words()] for g in gates]
    notes = " ".join(f"{g.name}: {g.gate_words()}." for g in gates)
    return Slide(title=title, bullets=bullets or ["Every gated opportunity's plan meets its own targets."],
                 table=rows, text_cols=(1, 2, 3), summarise=True,
                 notes=_text(notes + " A metric the plan computes (adoption, task success, cost per "
                                     "task, gross margin, escalation) is compared with the plan's own "
                                     "value and the share of simulations that meet it."))


def _learn_slide(out: Outlook) -> Slide:
    """The inputs worth learning before committing, ranked by what each is worth (EVPPI)."""
    cur = out.currency
    if not out.simulated:
        return Slide(title="What to learn before we commit: run the simulation first",
                     bullets=[out.plan_evpi_sentence()])
    bullets = [_text(out.plan_evpi_sentence())] + [_text(x) for x in out.next_steps]
    rows = [[_clip_chars(_text(c), NAME_CHARS) for c in row]
            for row in worth_rows(out.plan_inputs, out.plan_evpi, cur, LEARN_ROWS)]
    notes = " ".join(f"{name}: {' '.join(words)}" for name, words in out.opportunity_sentences)
    return Slide(title="What to learn before we commit", bullets=bullets,
                 table=rows if len(rows) > 1 else None, total=out.plan_evpi is not None and len(rows) > 1,
                 notes=_text(f"Worth: the expected value of partial perfect information, from "
                             f"{out.samples:,} simulations, each opportunity decided on its own. {notes}"))


def build_slides(data: dict[str, Any], results: PlanResults, scenarios: ScenarioSet | None = None
                 ) -> list[Slide]:
    """The deck's slides in order, from the project file's data and the engine's results: every figure
    and sentence from the briefing the memo also prints (app/briefing.py). ``scenarios``: the plan's
    scenarios already calculated for this export (else calculated here)."""
    b = brief(data, results)
    out = outlook(data, results, scenarios)
    bubble = _fixed(charts.bubble_value_vs_cost, results.plan, results)
    slides = [_title_slide(data, b), _decision_box_slide(b), _asks_slide(b), _bridge_slide(b),
              _portfolio_slide(b, bubble)]
    # The memo's rule for the opportunities told in detail: every funded one and the top by eNPV.
    detailed = b.detailed()
    slides += [_opportunity_slide(o, b) for o in detailed]
    rest = [o for o in b.opportunities if o not in detailed]
    if rest:
        slides.append(_rest_slide(rest, b))
    slides += [_decision_slide(db, b) for db in b.decisions if db.recommendation.decision.options]
    unit = _unit_slide(results)
    if unit is not None:
        slides.append(unit)
    # Last, before questions: how the plan fares if the base is wrong, and what to learn first.
    launch = _launch_slide(results)
    if launch is not None:
        slides.append(launch)
    if out.scenarios.any or out.scenarios.problems:
        slides.append(_scenarios_slide(out))
    slides.append(_learn_slide(out))
    return fit_slides(slides)


# --- shared layout --------------------------------------------------------------------------------

@dataclass
class _Box:
    left: float
    top: float
    width: float
    height: float


@dataclass
class _Page:
    """A content slide measured: its boxes (inches from the top left) and sizes (points)."""

    title: _Box
    title_size: float
    top: float  # where the body starts, under the title
    avail: float  # the body's height, down to the footer
    text_w: float
    table_w: float
    chart: _Box | None
    bullet_size: float = 20.0
    table_size: float = 16.0
    bullets: _Box | None = None
    table: _Box | None = None
    widths: list[float] = field(default_factory=list)
    heights: list[float] = field(default_factory=list)
    fits: bool = True


def _measure_page(slide: Slide) -> _Page:
    """Where each part of a content slide goes and at what size, the same in both writers: the title
    measured (and its box grown when it needs more lines), then bullets and table shrunk together
    until they fit above the footer. ``fits`` is False when even the smallest sizes do not fit."""
    width = SLIDE_W - 2 * MARGIN
    title_size, title_h = _title_fit(slide.title, width, TITLE_SIZES)
    top = TITLE_TOP + title_h + 0.15
    avail = BODY_BOTTOM - top
    text_w, chart = width, None
    has_text = bool(slide.bullets or slide.table)
    if slide.chart is not None and has_text:
        text_w = slide.text_width or TEXT_W
        chart = _Box(MARGIN + text_w + 0.3, top, width - text_w - 0.3, avail)
    elif slide.chart is not None:
        chart = _Box(MARGIN, top, width, avail)
    # A full-width table strands its figures far right of their names.
    table_w = text_w if chart is not None or slide.text_cols else min(text_w, 9.0)
    page = _Page(_Box(MARGIN, TITLE_TOP, width, title_h), title_size, top, avail, text_w, table_w, chart)
    # Bullets as large as they can be, then the table as large as it can be under them (never larger
    # than the bullets, nor so large that its figures must wrap while a smaller size remains).
    for size in BODY_SIZES:
        page.bullet_size = size
        used = 0.0
        if slide.bullets:
            used = _text_h(slide.bullets, size, text_w - BULLET_INDENT, gap=BULLET_GAP)
            page.bullets = _Box(MARGIN, top, text_w, used)
        if not slide.table:
            if used <= avail:
                return page
            continue
        used += TABLE_GAP if slide.bullets else 0.0
        for table_size in [t for t in BODY_SIZES if t <= min(size, TABLE_MAX)]:
            page.table_size = table_size
            page.widths, squeezed = _col_widths(slide.table, table_size, table_w, slide.text_cols)
            page.heights = _row_heights(slide.table, table_size, page.widths, slide.bold_first)
            page.table = _Box(MARGIN, top + used, table_w, sum(page.heights))
            if squeezed and table_size != BODY_SIZES[-1]:
                continue
            if used + sum(page.heights) <= avail:
                return page
    page.fits = False
    return page


def _split(slide: Slide, page: _Page) -> tuple[Slide, Slide | None]:
    """An overfull slide as the part that fits at the smallest sizes and the rest, continued on a
    new slide under the same title with the table's header row repeated and its total kept last."""
    size, table_size = BODY_SIZES[-1], min(BODY_SIZES[-1], TABLE_MAX)
    bullets = list(slide.bullets)
    used, kept = 0.0, 0
    for bullet in bullets:
        h = _text_h([bullet], size, page.text_w - BULLET_INDENT, gap=BULLET_GAP)
        if used + h > page.avail:
            break
        used, kept = used + h, kept + 1
    head_rows: list[list[str]] | None = None
    rest_rows = slide.table
    if slide.table and kept == len(bullets):
        header, body = slide.table[0], slide.table[1:]
        data = body[:-1] if slide.total else body
        widths = _col_widths(slide.table, table_size, page.table_w, slide.text_cols)[0]
        heights = _row_heights(slide.table, table_size, widths, slide.bold_first)
        used += (TABLE_GAP if bullets else 0.0) + heights[0]
        rows = 0
        while rows < len(data) and used + heights[1 + rows] <= page.avail:
            used, rows = used + heights[1 + rows], rows + 1
        if slide.summarise and rows >= 2:
            # The last row that fit gives its place to the count of those left out.
            more = [f"… and {len(data) - rows + 1} more"] + [""] * (len(header) - 1)
            return replace(slide, table=[header, *data[:rows - 1], more], summarise=False), None
        if rows == len(data) and slide.total:
            rows -= 1  # the total did not fit: the last row goes on with it, so it is never alone
        if rows >= 1:
            head_rows, rest_rows = [header, *data[:rows]], [header, *body[rows:]]
    if kept == 0 and head_rows is None:
        # Nothing fits beside the title: the first bullet goes alone, clipped to the space there is;
        # a table row always fits (names are clipped), so a table moves on whole.
        if bullets:
            lines = max(1, int(page.avail * 72 // (size * LEADING)) - 1)
            bullets[0] = _clip(bullets[0], size, page.text_w - BULLET_INDENT, lines)
            kept = 1
        elif slide.table:
            head_rows, rest_rows = slide.table[:2], [slide.table[0], *slide.table[2:]]
    head = replace(slide, bullets=bullets[:kept], table=head_rows if slide.table else None,
                   total=False)
    if not slide.table or rest_rows is None or len(rest_rows) <= 1:
        rest_rows = None
    if rest_rows is None and kept == len(bullets):
        return head, None
    base = slide.title.removesuffix(CONTINUED)
    # The table's columns keep their kind (words, headings) on the continuation; the chart stays behind.
    rest = replace(slide, title=_clip(base, TITLE_SIZES[-1], SLIDE_W - 2 * MARGIN, TITLE_LINES, FONT_BOLD,
                                      suffix=CONTINUED) + CONTINUED,
                   bullets=bullets[kept:], table=rest_rows, total=slide.total and rest_rows is not None,
                   chart=None, native=[], summarise=False)
    return head, rest


def fit_slides(slides: Sequence[Slide]) -> list[Slide]:
    """Every slide made to fit: titles clipped to three lines at the smallest title size, bullets and
    tables shrunk down to the smallest body size, and what still does not fit continued on new
    slides. Both writers call it, so a slide list built elsewhere fits too; fitted slides pass
    through unchanged."""
    out: list[Slide] = []
    for slide in slides:
        if slide.kind == "title":
            width = SLIDE_W - 2 * MARGIN - 1.0
            cover = _clip(slide.title, COVER_SIZES[-1], width, TITLE_LINES, FONT_BOLD)
            out.append(replace(slide, title=cover,
                               subtitle=_clip(slide.subtitle, 18, width, 2),
                               bullets=[_clip(b, 18, width, 2) for b in slide.bullets[:4]]))
            continue
        slide = replace(slide, title=_clip(slide.title, TITLE_SIZES[-1], SLIDE_W - 2 * MARGIN, TITLE_LINES,
                                           FONT_BOLD))
        for _ in range(1000):  # each part is smaller than the slide it came from
            page = _measure_page(slide)
            if page.fits:
                out.append(slide)
                break
            head, rest = _split(slide, page)
            out.append(head)
            if rest is None:
                break
            slide = rest
    return out


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


def _width(text: str, size: float, font: str = FONT) -> float:
    """The width of ``text`` in points (DejaVu metrics, the fonts both writers name, and the
    system fonts that draw what DejaVu lacks)."""
    _register_fonts()
    return fonts.string_width(text, font, size)


def _lines(text: str, size: float, width_in: float, font: str = FONT) -> int:
    """How many lines ``text`` wraps to at ``size`` points in ``width_in`` inches, breaking at spaces
    as reportlab and PowerPoint do; a word wider than the line is broken across lines, as both do."""
    limit = max(width_in * 72, 1.0)
    lines, current = 1, ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and _width(trial, size, font) > limit:
            lines, current = lines + 1, word
        else:
            current = trial
        wide = _width(current, size, font)
        if wide > limit:
            lines += math.ceil(wide / limit) - 1
    return lines


def _text_h(texts: Sequence[str], size: float, width_in: float, font: str = FONT, gap: float = 0.0) -> float:
    """The height in inches of paragraphs of text: their lines at ``LEADING``, ``gap`` sizes after each."""
    return sum(_lines(t, size, width_in, font) * size * LEADING + size * gap for t in texts) / 72


def _clip(text: str, size: float, width_in: float, lines: int, font: str = FONT, suffix: str = "") -> str:
    """``text`` cut short with "…" (at a word where one is near) so that, with ``suffix`` after it,
    it takes at most ``lines`` lines; unchanged when it already does."""
    if _lines(text + suffix, size, width_in, font) <= lines:
        return text
    low, high = 0, len(text)  # the longest prefix that fits, by bisection
    while low < high:
        mid = (low + high + 1) // 2
        if _lines(_clip_chars(text, mid) + suffix, size, width_in, font) <= lines:
            low = mid
        else:
            high = mid - 1
    return _clip_chars(text, max(low, 1))


def _title_fit(title: str, width: float, sizes: Sequence[float],
               box_h: float = TITLE_H) -> tuple[float, float]:
    """The largest title size at which the title fits its box, and the box's height: the smallest
    size's measured height when even that needs more lines than the box holds."""
    height = box_h
    for size in sizes:
        height = _text_h([title], size, width, FONT_BOLD)
        if height <= box_h:
            return size, box_h
    return sizes[-1], height


def _cover(slide: Slide) -> tuple[_Box, float, float]:
    """The cover's title box, size and measured height (the box grows with a long title)."""
    box = _Box(MARGIN + 0.5, 2.2, SLIDE_W - 2 * MARGIN - 1.0, 1.8)
    size, _ = _title_fit(slide.title, box.width, COVER_SIZES, box.height)
    return box, size, _text_h([slide.title], size, box.width, FONT_BOLD)


def _col_widths(rows: list[list[str]], size: float, total: float,
                text_cols: Sequence[int] = ()) -> tuple[list[float], bool]:
    """Each figure column as wide as its widest figure (a header may take two lines); the first
    column (names) takes the rest, at least 1.4 in or a quarter of the table. Also whether the
    figures had to be squeezed (and so wrap): a smaller size beats a figure broken over two lines.
    Columns of words (``text_cols``) share what the figures leave with the first column."""
    n = len(rows[0])
    if n == 1:
        return [total], False
    pad = 2 * CELL_PAD_X / 72 + 0.04
    if text_cols:
        figure_cols = [c for c in range(1, n) if c not in text_cols]
        figures = {c: w for c, w in zip(figure_cols, _col_widths(
            [[row[0], *(row[c] for c in figure_cols)] for row in rows], size, total)[0][1:], strict=True)}
        room = total - sum(figures.values())
        # The first column as wide as its longest cell on one line, up to a third of what is left.
        first = max(_width(row[0], size, FONT_BOLD) for row in rows) / 72 + pad
        # ... but never narrower than its longest word: a name may wrap at spaces, not mid-word.
        word = max(_width(w, size, FONT_BOLD) for row in rows for w in row[0].split() or [""]) / 72 + pad
        first = max(min(max(first, 1.2), room / 3), word)
        words = (room - first) / len(text_cols)
        widths = [first] + [figures.get(c, words) for c in range(1, n)]
        return widths, room - first < 1.5 * len(text_cols)
    figures = []
    for c in range(1, n):
        header = rows[0][c]
        head = max([_width(w, size, FONT_BOLD) for w in header.split()]
                   + [_width(header, size, FONT_BOLD) / 2])
        # Half the header's width may still wrap to three lines where its words split unevenly:
        # widen it until it takes two, with a little room for another renderer's metrics.
        while _lines(header, size, head * 0.97 / 72, FONT_BOLD) > 2:
            head += 1.0
        cells = [_width(row[c], size, FONT_BOLD) for row in rows[1:] if c < len(row)]
        figures.append(max([head] + cells) / 72 + pad)
    room = total - max(1.4, total * 0.25)  # names may wrap at their spaces; figures should not
    squeezed = sum(figures) > room
    if squeezed:
        figures = [w * room / sum(figures) for w in figures]
    return [total - sum(figures), *figures], squeezed


def _row_heights(rows: list[list[str]], size: float, widths: Sequence[float],
                 bold_first: bool = False) -> list[float]:
    """Each row's height in inches: its tallest cell's wrapped lines plus the cell padding (the
    header and the last row measured bold, as either may be, and the first column when it is)."""
    inner = [w - 2 * CELL_PAD_X / 72 for w in widths]
    heights = []
    for r, row in enumerate(rows):
        bold = r in (0, len(rows) - 1)
        lines = max(_lines(cell, size, inner[c], FONT_BOLD if bold or (bold_first and c == 0) else FONT)
                    for c, cell in enumerate(row))
        heights.append((lines * size * LEADING + 2 * CELL_PAD_Y) / 72)
    return heights


def _chart_size(box: _Box) -> tuple[float, float]:
    """The size a chart picture is drawn at: its box shrunk by the text scale (see CHART_TEXT_SCALE)."""
    # Rounded down, so the text is never scaled below 12 pt.
    return (math.floor(box.width / CHART_TEXT_SCALE * 1000) / 1000,
            math.floor(box.height / CHART_TEXT_SCALE * 1000) / 1000)


def _chart_png(spec: ChartSpec, box: _Box) -> bytes:
    size = _chart_size(box)
    if isinstance(spec, _Chart):
        return spec.png(size, CHART_DPI)
    fig = spec if isinstance(spec, Figure) else spec(size)
    return charts.figure_png(fig, dpi=CHART_DPI)


def _chart_raster(spec: ChartSpec, box: _Box) -> Any:
    """The chart's pixels for the PDF deck (no PNG round trip; see app/exports/pdf_images.py)."""
    from app.exports.pdf_images import RasterChart

    size = _chart_size(box)
    if isinstance(spec, _Chart):
        return spec.raster(size, CHART_DPI)
    fig = spec if isinstance(spec, Figure) else spec(size)
    return RasterChart(fig, CHART_DPI)


def _meta(data: dict[str, Any]) -> tuple[str, str, str]:
    """Title, author and subject from the plan: its name and its owner (the project's author)."""
    project = _project(data)
    name = _text(project.get("name")) or "AI portfolio"
    return name, _text(project.get("author")), f"Exec review deck: {name}"


def _footer_name(title: str) -> str:
    """The project's name as the footer prints it: one line, clear of the page number."""
    return _clip(title, 9, FOOTER_NAME_W, 1)


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


def _missing_warning(chars: list[str]) -> None:
    """One warning for the export (the command line prints it once), not one per character."""
    if chars:
        import warnings

        warnings.warn(fonts.missing_sentence(chars), UserWarning, stacklevel=3)


def deck_pdf_bytes(slides: Sequence[Slide], data: dict[str, Any]) -> bytes:
    """The deck as a 13.333 x 7.5 in PDF, one page per slide, page numbers bottom right; one
    warning for characters no font on this system has."""
    with fonts.counting_missing() as unprintable:
        pdf = _deck_pdf_bytes(slides, data)
    _missing_warning(unprintable)
    return pdf


def _deck_pdf_bytes(slides: Sequence[Slide], data: dict[str, Any]) -> bytes:
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
             bullet: bool = False, right: bool = False) -> Paragraph:
        style = ParagraphStyle("p", fontName=FONT_BOLD if bold else FONT, fontSize=size,
                               leading=size * LEADING, textColor=HexColor(colour),
                               alignment=2 if right else 0,  # 2: right-aligned figures
                               leftIndent=0.3 * inch if bullet else 0, bulletIndent=0.05 * inch,
                               bulletFontName=FONT, bulletFontSize=size)
        # Runs DejaVu lacks (CJK, emoji) in a system font that has them; Arabic joined, right to left.
        return Paragraph(fonts.pdf_markup(escape(_text(text))), style, bulletText="•" if bullet else None)

    def draw(canvas: Canvas, flow: Any, box: _Box, y_in: float | None = None) -> float:
        """Draw a flowable at the box's left, ``y_in`` inches from the top; returns its height (in)."""
        _, h = flow.wrapOn(canvas, box.width * inch, box.height * inch)
        top = box.top if y_in is None else y_in
        flow.drawOn(canvas, box.left * inch, page_h - top * inch - h)
        return h / inch

    slides = fit_slides(slides)
    buffer = io.BytesIO()
    # Not invariant: the file carries the real time it was made (CreationDate, ModDate).
    canvas = Canvas(buffer, pagesize=(SLIDE_W * inch, page_h), invariant=0)
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
            fonts.draw_string(canvas, MARGIN * inch, 0.3 * inch, _footer_name(title), FONT, 9)
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
    box, size, title_h = _cover(slide)
    draw(canvas, para(slide.title, size, bold=True, colour=NAVY_HEX), box)
    y = box.top + title_h + 0.25
    if slide.subtitle:
        y += draw(canvas, para(slide.subtitle, 18, colour=MUTED_HEX), box, y) + 0.4
    for bullet in slide.bullets:
        y += draw(canvas, para(bullet, 18), box, y) + 0.12


def _pdf_content_page(canvas: Any, slide: Slide, para: Callable[..., Any], draw: Callable[..., float],
                      table_cls: Any, style_cls: Any) -> None:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.units import inch

    page = _measure_page(slide)
    draw(canvas, para(slide.title, page.title_size, bold=True, colour=NAVY_HEX), page.title)
    if page.bullets is not None:
        box, size = page.bullets, page.bullet_size
        y = box.top
        for bullet in slide.bullets:
            y += draw(canvas, para(bullet, size, bullet=True), box, y) + size * BULLET_GAP / 72
    if page.table is not None and slide.table:
        rows, size = slide.table, page.table_size
        cells = [[para(c, size, bold=r == 0 or (slide.total and r == len(rows) - 1)
                       or (slide.bold_first and i == 0),
                       colour="#FFFFFF" if r == 0 else INK_HEX, right=i > 0 and i not in slide.text_cols)
                  for i, c in enumerate(row)]
                 for r, row in enumerate(rows)]
        table = table_cls(cells, colWidths=[w * inch for w in page.widths],
                          rowHeights=[h * inch for h in page.heights])
        table.setStyle(style_cls([
            ("BACKGROUND", (0, 0), (-1, 0), HexColor(NAVY_HEX)),
            ("LINEBELOW", (0, 1), (-1, -1), 0.5, HexColor(charts.GRID)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD_X), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD_X),
            ("TOPPADDING", (0, 0), (-1, -1), CELL_PAD_Y), ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PAD_Y),
        ]))
        draw(canvas, table, page.table)
    if page.chart is not None and slide.chart is not None:
        box = page.chart
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
    PowerPoint's own charts where it draws them (pictures otherwise) and the speaker notes; one
    warning for characters no font has in the pictures of charts."""
    with fonts.counting_missing() as unprintable:
        pptx = _deck_pptx_bytes(slides, data)
    _missing_warning(unprintable)
    return pptx


def _pptx_scripts(paragraph: Any, run: Any, text: str) -> None:
    """Name an East Asian (a:ea) and a complex-script (a:cs) font on a run with CJK or Arabic, so
    PowerPoint draws them in a font that has them; a paragraph that starts right to left is set
    right to left. PowerPoint joins Arabic itself: the text stays as typed."""
    from pptx.oxml.ns import qn

    east_asian, complex_script = fonts.script_fonts(text)
    if east_asian or complex_script:
        r_pr = run._r.get_or_add_rPr()
        anchor = r_pr.find(qn("a:latin"))
        for tag, family in (("a:ea", east_asian), ("a:cs", complex_script)):
            if family:
                element = r_pr.makeelement(qn(tag), {"typeface": family})
                if anchor is None:
                    r_pr.append(element)
                else:
                    anchor.addnext(element)
                anchor = element
    if fonts.right_to_left(text):
        paragraph._p.get_or_add_pPr().set("rtl", "1")


def _deck_pptx_bytes(slides: Sequence[Slide], data: dict[str, Any]) -> bytes:
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
             bullets: bool = False, tight: bool = True, space: float = 0.0, right: bool = False) -> None:
        frame.word_wrap = True
        if tight:  # no insets, so lines break where the PDF's (measured with the same font) do
            frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
        for i, text in enumerate(texts):
            p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            # The template centres titles; the PDF does not. Figures line up on the right.
            p.alignment = PP_ALIGN.RIGHT if right else PP_ALIGN.LEFT
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
            _pptx_scripts(p, run, run.text)

    slides = fit_slides(slides)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    _pptx_properties(prs, title, author, subject)
    title_only = prs.slide_layouts[5]  # "Title Only": a real title placeholder, nothing else
    for number_, slide in enumerate(slides, start=1):
        page = prs.slides.add_slide(title_only)
        heading = page.shapes.title
        heading.text_frame.clear()
        if slide.kind == "title":
            box, size, title_h = _cover(slide)
            place(heading, _Box(box.left, box.top, box.width, title_h))
            fill(heading.text_frame, [slide.title], size, navy, bold=True)
            heading.text_frame.vertical_anchor = MSO_ANCHOR.TOP
            band = page.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Inches(0.35), Inches(SLIDE_H))
            band.fill.solid()
            band.fill.fore_color.rgb = navy
            band.line.fill.background()
            lines = ([slide.subtitle] if slide.subtitle else []) + slide.bullets
            if lines:
                body_h = _text_h(lines, 18, box.width, gap=0.5) + 24 / 72
                body = page.shapes.add_textbox(Inches(box.left), Inches(box.top + title_h + 0.25),
                                               Inches(box.width), Inches(body_h))
                fill(body.text_frame, lines, 18, muted, space=9)
                start = 1 if slide.subtitle else 0
                for p in body.text_frame.paragraphs[start:]:
                    for run in p.runs:
                        run.font.color.rgb = ink
                if slide.subtitle:
                    body.text_frame.paragraphs[0].space_after = Pt(24)
        else:
            measured = _measure_page(slide)
            place(heading, measured.title)
            fill(heading.text_frame, [slide.title], measured.title_size, navy, bold=True)
            heading.text_frame.vertical_anchor = MSO_ANCHOR.TOP  # like the PDF
            _pptx_body(page, slide, measured, fill)
            footer = page.shapes.add_textbox(Inches(SLIDE_W - MARGIN - 1.5), Inches(FOOTER_TOP),
                                             Inches(1.5), Inches(0.3))
            fill(footer.text_frame, [f"{number_} / {len(slides)}"], 9, muted, right=True)
            project = page.shapes.add_textbox(Inches(MARGIN), Inches(FOOTER_TOP), Inches(FOOTER_NAME_W),
                                              Inches(0.3))
            fill(project.text_frame, [_footer_name(title)], 9, muted)  # same footer as the PDF
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


def _pptx_body(page: Any, slide: Slide, measured: _Page, fill: Callable[..., None]) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    ink = RGBColor.from_string(INK_HEX.lstrip("#"))
    if measured.bullets is not None:
        box = measured.bullets
        shape = page.shapes.add_textbox(Inches(box.left), Inches(box.top), Inches(box.width),
                                        Inches(box.height))
        fill(shape.text_frame, slide.bullets, measured.bullet_size, ink, bullets=True)
    if measured.table is not None and slide.table:
        box, rows, size = measured.table, slide.table, measured.table_size
        shape = page.shapes.add_table(len(rows), len(rows[0]), Inches(box.left), Inches(box.top),
                                      Inches(box.width), Inches(box.height))
        table = shape.table
        for c, width in enumerate(measured.widths):
            table.columns[c].width = Inches(width)
        for r, row in enumerate(rows):
            table.rows[r].height = Inches(measured.heights[r])
            for c, value in enumerate(row):
                cell = table.cell(r, c)
                cell.text_frame.clear()
                fill(cell.text_frame, [value], size, RGBColor(0xFF, 0xFF, 0xFF) if r == 0 else ink,
                     bold=r == 0 or (slide.total and r == len(rows) - 1) or (slide.bold_first and c == 0),
                     tight=False, right=c > 0 and c not in slide.text_cols)
                # The PDF's look (navy header, white rows) rather than the template's banded blue.
                cell.fill.solid()
                cell.fill.fore_color.rgb = RGBColor.from_string(NAVY_HEX.lstrip("#")) if r == 0 \
                    else RGBColor(0xFF, 0xFF, 0xFF)
                cell.margin_left = cell.margin_right = Pt(CELL_PAD_X)
                cell.margin_top = cell.margin_bottom = Pt(CELL_PAD_Y)
    if measured.chart is not None and slide.native:
        box = measured.chart
        gap = 0.15
        height = (box.height - gap * (len(slide.native) - 1)) / len(slide.native)
        for i, spec in enumerate(slide.native):
            _native_chart(page, spec, _Box(box.left, box.top + i * (height + gap), box.width, height))
    elif measured.chart is not None and slide.chart is not None:
        box = measured.chart
        png = _chart_png(slide.chart, box)
        picture = page.shapes.add_picture(io.BytesIO(png), Inches(box.left), Inches(box.top))
        scale = min(Inches(box.width) / picture.width, Inches(box.height) / picture.height)
        picture.width, picture.height = int(picture.width * scale), int(picture.height * scale)


def _money_format(currency: str) -> str:
    """An Excel number format for an axis of sums: thousands with the currency's symbol, "$1,250k"."""
    symbol = re.sub(r"[\d.,\s−\-]", "", money(0, currency, short=True)).replace('"', "") or currency
    return f'"{symbol}"#,##0,"k";-"{symbol}"#,##0,"k";"{symbol}"0'


def _native_chart(page: Any, spec: NativeChart, box: _Box) -> None:
    """A PowerPoint chart of ``spec`` in ``box``: its data stays editable in PowerPoint's sheet."""
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE, XL_TICK_LABEL_POSITION
    from pptx.oxml.ns import qn
    from pptx.util import Inches, Pt

    data = CategoryChartData(number_format=_money_format(spec.currency))
    data.categories = spec.categories
    for name, values, _colour in spec.series:
        data.add_series(name, values)
    kind = XL_CHART_TYPE.LINE if spec.kind == "line" else XL_CHART_TYPE.COLUMN_STACKED
    frame = page.shapes.add_chart(kind, Inches(box.left), Inches(box.top), Inches(box.width),
                                  Inches(box.height), data)
    chart = frame.chart
    chart.font.size = Pt(NATIVE_TEXT)
    chart.font.name = "DejaVu Sans"
    chart.font.color.rgb = RGBColor.from_string(INK_HEX.lstrip("#"))
    chart.has_title = True
    chart.chart_title.text_frame.text = _text(spec.title)
    title_font = chart.chart_title.text_frame.paragraphs[0].runs[0].font
    title_font.size, title_font.bold = Pt(NATIVE_TEXT + 2), True
    chart.has_legend = len(spec.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    values = chart.value_axis
    values.tick_labels.number_format = _money_format(spec.currency)
    values.tick_labels.number_format_is_linked = False
    values.has_major_gridlines = True
    values.major_gridlines.format.line.color.rgb = RGBColor.from_string(charts.GRID.lstrip("#"))
    categories = chart.category_axis
    categories.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # under the bars, not at zero
    ax = categories._element
    skip = ax.makeelement(qn("c:tickLblSkip"), {"val": str(spec.label_every)})
    anchor = ax.find(qn("c:noMultiLvlLbl"))
    if anchor is not None:
        anchor.addprevious(skip)
    else:
        ax.append(skip)
    plot = chart.plots[0]
    if spec.kind == "stacked":
        plot.gap_width = 30
        plot.overlap = 100
    for series, (_, _, colour) in zip(plot.series, spec.series, strict=True):
        rgb = RGBColor.from_string(colour.lstrip("#"))
        if spec.kind == "line":
            series.format.line.color.rgb = rgb
            series.format.line.width = Pt(2.25)
            series.smooth = False
            series.marker.style = XL_MARKER_STYLE.NONE
        else:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = rgb


def _pptx_properties(prs: Any, title: str, author: str, subject: str) -> None:
    """The file's properties from the plan and the time it was made, none of the template's: its
    author, 2013 dates, "generated using python-pptx" and its application name."""
    props = prs.core_properties
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    props.title, props.author, props.subject = title, author, subject
    props.last_modified_by = author
    props.comments = props.keywords = props.category = ""
    props.created = props.modified = now
    props.revision = 1
    for part in prs.part.package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            blob = part.blob.decode("utf-8")
            blob = re.sub(r"<Application>.*?</Application>", "<Application>AI Product Planner</Application>",
                          blob)
            blob = re.sub(r"<PresentationFormat>.*?</PresentationFormat>",
                          "<PresentationFormat>Widescreen</PresentationFormat>", blob)
            part._blob = blob.encode("utf-8")
