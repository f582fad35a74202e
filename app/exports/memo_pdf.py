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
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import Paragraph as _Paragraph  # noqa: E402
from reportlab.platypus.tableofcontents import TableOfContents  # noqa: E402

from app import charts, fonts  # noqa: E402
from app.briefing import (  # noqa: E402
    FAILED_LAUNCHES,
    Briefing,
    OpportunityBrief,
    brief,
    decision_box,
    fill_references,
    missing_references_warning,
    range_words,
)
from app.exports.outlook import (  # noqa: E402
    Outlook,
    ScenarioSet,
    outlook,
    scenario_headline,
    scenario_rows,
    scenario_words,
    worth_rows,
)
from app.exports.pdf_images import ChartFlowable  # noqa: E402
from app.formatting import money, money_range, number, percent  # noqa: E402
from app.launch_words import (  # noqa: E402
    KPI_HEADS,
    kpi_row,
    plan_readiness,
    plan_sentence,
    status_order,
)
from app.memo_text import blocks, inline_markup  # noqa: E402
from app.scenario_charts import scenario_comparison  # noqa: E402
from models.engine import PlanResults  # noqa: E402
from models.estimate import estimate_from_json  # noqa: E402

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


class Paragraph(_Paragraph):  # type: ignore[misc]
    """A Paragraph whose characters DejaVu Sans lacks (CJK, emoji...) are set in a system font
    that has them, and whose Arabic is joined and ordered right to left (app/fonts.py)."""

    def __init__(self, text: Any, style: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(fonts.pdf_markup(text), style, *args, **kwargs)


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


def missing_glyphs(data: dict[str, Any], also: list[str] | None = None) -> list[str]:
    """One warning line for the characters in the project's text (and ``also``) that no font on
    this system has: they would print as empty boxes, and the exporter says so once."""
    chars = list(dict.fromkeys([*fonts.missing(_strings(data)), *(also or [])]))
    return [fonts.missing_sentence(chars)] if chars else []


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
    # Text that needs a fallback font or shaping (fonts.pdf_markup) is a Paragraph.
    if "\n" not in text and fonts.pdf_markup(text) == text \
            and pdfmetrics.stringWidth(text, style.fontName, style.fontSize) <= width - 2 * CELL_PADDING:
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
    """ "NPV P10–P90 $1.2M to $3.4M; 82% chance of a positive NPV" (empty without a simulation)."""
    if summary is None or not math.isfinite(summary.p10):
        return ""
    text = f"NPV P10–P90 {money_range(summary.p10, summary.p90, currency)}"
    if summary.p_positive is not None and math.isfinite(summary.p_positive):
        text += f"; {percent(summary.p_positive)} chance of a positive NPV"
    return text


# --- the document ------------------------------------------------------------------------------------


class _NumberedCanvas(Canvas):
    """Holds every page until the end so each can say "Page N of M" (reportlab's two-pass idiom)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.saveState()
            self.setFont(FONT, 8)
            self.setFillColor(GREY)
            self.drawRightString(PAGE[0] - MARGIN - PAD, 10 * mm, f"Page {self._pageNumber} of {total}")
            self.restoreState()
            super().showPage()
        super().save()


class _Doc(SimpleDocTemplate):
    """A running header with the project's name on every page after the first, bookmarks and a
    contents page whose entries link to their headings."""

    def __init__(self, target: Any, project: str, **kwargs: Any) -> None:
        super().__init__(target, **kwargs)
        self.project = project
        self.headings = 0

    def beforeDocument(self) -> None:  # noqa: N802 (reportlab's name)
        self.headings = 0  # each pass of multiBuild names its bookmarks afresh

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        # Headings feed the contents (h1) and the PDF's outline (h1, h2). getPlainText() gives back
        # the user's raw text, and the contents parse it as markup again: escape it a second time.
        if not isinstance(flowable, Paragraph) or flowable.style.name not in ("h1", "h2"):
            return
        # An outline may not start below its top level: a subheading before any heading is top-level.
        level = 0 if flowable.style.name == "h1" or not self.headings else 1
        self.headings += 1
        key = f"heading-{self.headings}"
        text = flowable.getPlainText()
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(text[:120], key, level=level, closed=level > 0)
        if flowable.style.name == "h1":
            self.notify("TOCEntry", (0, fonts.pdf_markup(e(text)), self.page, key))

    def afterPage(self) -> None:  # noqa: N802 (reportlab's name)
        canvas = self.canv
        page = canvas.getPageNumber()
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(GREY)
        if page > 1:
            fonts.draw_string(canvas, MARGIN + PAD, PAGE[1] - 12 * mm, self.project[:90] + " · Strategy memo",
                              FONT, 8)
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.4)
            canvas.line(MARGIN + PAD, PAGE[1] - 13.5 * mm, PAGE[0] - MARGIN - PAD, PAGE[1] - 13.5 * mm)
        canvas.restoreState()


def _contents(styles: dict[str, ParagraphStyle]) -> TableOfContents:
    """The memo's top-level headings with their pages (filled in by multiBuild's second pass)."""
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [ParagraphStyle("toc", parent=styles["body"], fontSize=9, leading=12, spaceAfter=0)]
    return toc


BOX_BG = colors.HexColor("#F3F6FA")
FUNDED_BG = colors.HexColor("#E6F2E6")
#: Unfunded opportunities listed one by one in the portfolio section; the rest are counted.
DETAILED_UNFUNDED = 12
#: Chance of a positive NPV -> how the memo groups opportunities when it speaks of uncertainty.
_BANDS = ((0.9, "Very likely to pay back (90% or more chance of a positive NPV)"),
          (0.5, "Likely to pay back (50% to 90%)"),
          (-1.0, "More likely to lose money than not (below 50%)"))
BOX_RULE = colors.HexColor("#4A6A8A")
#: Inputs the memo ranks by their worth to learn, for the whole plan.
TOP_INPUTS = 8


def _decision_box(b: Briefing, styles: dict[str, ParagraphStyle]) -> Table:
    """The ask, the funded set and its value, what is not funded and why, the decision needed."""
    rows = [[Paragraph("The decision", styles["cellb"]), ""]]
    rows += [[Paragraph(e(head), styles["cellb"]), Paragraph(e(text).replace("\n", "<br/>"), styles["cell"])]
             for head, text in decision_box(b)]
    table = Table(rows, colWidths=[34 * mm, WIDTH - 34 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("SPAN", (0, 0), (-1, 0)),
        ("BACKGROUND", (0, 0), (-1, -1), BOX_BG),
        ("BOX", (0, 0), (-1, -1), 0.8, BOX_RULE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, BOX_RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
    ]))
    return table


def _uncertainty_groups(b: Briefing) -> list[tuple[str, str]]:
    """Opportunities grouped by their chance of a positive NPV, each group in one sentence: names
    with their P10–P90 while a group is short, names alone (ranges in the table) when it is long."""
    groups: dict[str, list[OpportunityBrief]] = {label: [] for _, label in _BANDS}
    for o in b.opportunities:
        mc = o.result.mc
        if mc is None or not math.isfinite(mc.p10):
            continue
        label = next(label for floor, label in _BANDS if mc.p_positive >= floor)
        groups[label].append(o)
    out = []
    for label, members in groups.items():
        if not members:
            continue
        if len(members) <= 8:
            parts = [f"{o.name} {money_range(o.result.mc.p10, o.result.mc.p90, b.currency)}"  # type: ignore[union-attr]
                     for o in members]
            out.append((label, "; ".join(parts)))
        else:
            out.append((label, f"{len(members)} opportunities: " + ", ".join(o.name for o in members)))
    return out


def _with_references(data: dict[str, Any], b: Briefing) -> tuple[dict[str, Any], list[str]]:
    """The data with live references in the memo's sections filled in, and those that dangle."""
    missing: list[str] = []
    memo = []
    for section in data.get("memo") or []:
        filled = dict(section)
        for key in ("title", "body"):
            if isinstance(section.get(key), str):
                filled[key], lost = fill_references(section[key], b)
                missing += lost
        memo.append(filled)
    return {**data, "memo": memo}, missing


def _outlook_section(out: Outlook, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """What we know, what we don't, what we'll do next, and the scenarios side by side."""
    cur = out.currency
    s: list[Flowable] = [Paragraph("What we know, what we don't, what we'll do next", styles["h1"])]
    simulated = (f"From {out.samples:,} Monte Carlo simulations (seed {out.seed}); the {FAILED_LAUNCHES}."
                 if out.simulated else "No Monte Carlo simulation was run, so nothing is ranked by worth.")
    s.append(Paragraph("What the plan rests on", styles["h2"]))
    known = [e(x) + "." for x in out.rests_on]
    if known:
        s += [Paragraph("The base figures of the inputs that matter most, with their ranges:",
                        styles["body"]), _bullets(known, styles)]
    if out.correlations:
        s += [Paragraph("The ranges move these inputs together:", styles["body"]),
              _bullets([e(x) for x in out.correlations], styles)]
    s.append(Paragraph("What we don't know", styles["h2"]))
    if out.simulated:
        s.append(Paragraph(e(out.plan_evpi_sentence()) + " Ranked by what it is worth to learn each input "
                           "before committing (its expected value of partial perfect information, each "
                           "opportunity decided on its own):", styles["body"]))
        rows = worth_rows(out.plan_inputs, out.plan_evpi, cur, TOP_INPUTS)
        if len(rows) > 1:
            t = _table(rows, [120 * mm, 30 * mm], styles)
            t.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT")]))
            s += [t, Spacer(1, 2 * mm)]
        if out.opportunity_sentences:
            budget = out.scenarios.lines[0].results.portfolio.budget
            s.append(Paragraph("For each funded opportunity:" if budget is not None
                               else "For each opportunity:", styles["body"]))
            s.append(_bullets([f"<b>{e(name)}</b>: {e(' '.join(words))}"
                               for name, words in out.opportunity_sentences], styles))
    s.append(Paragraph(e(simulated), styles["small"]))
    s.append(Paragraph("What we'll do next", styles["h2"]))
    if out.next_steps:
        s.append(_bullets([e(x) for x in out.next_steps], styles))
    else:
        s.append(Paragraph("<i>No single input is worth learning before committing.</i>", styles["grey"]))
    s += _scenarios_part(out, styles)
    return s


def _launch_section(results: PlanResults, currency: str,
                    styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """Launch readiness (docs/formulas.md 3.10): each opportunity's gate at a glance, where the
    plan and a gate disagree, then each opportunity's KPIs, conflicts first."""
    s: list[Flowable] = [Paragraph("Launch readiness", styles["h1"])]
    gates = [g for g in plan_readiness(results) if g.has_any]
    if not gates:
        return s + [Paragraph("<i>No opportunity has KPI targets or a launch checklist yet.</i>",
                              styles["grey"])]
    rows = [["Opportunity", "KPIs", "Checklist", "Gate decision", "Status"]]
    rows += [[g.name, g.kpi_words(), g.checklist_words(), g.gate_words(), g.status_words()]
             for g in gates]
    s += [_table(rows, [38 * mm, 30 * mm, 26 * mm, WIDTH - 136 * mm, 42 * mm], styles, right=99),
          Spacer(1, 2 * mm)]
    conflicts = [(g.name, k) for g in gates for k in g.conflicts]
    if conflicts:
        s.append(Paragraph("Where the plan and the gate disagree", styles["h2"]))
        s.append(_bullets([f"<b>{e(name)}</b>, {e(k.kpi.label)}: {e(plan_sentence(k, currency))}"
                           for name, k in conflicts], styles))
    # One table for every KPI, each opportunity's conflicts first: 60 opportunities stay short.
    rows = [["Opportunity", *KPI_HEADS]]
    for g in gates:
        for n, k in enumerate(sorted(g.kpis, key=status_order)):
            rows.append([g.name if n == 0 else "", *kpi_row(k, currency)])
    if len(rows) > 1:
        s += [Paragraph("KPI targets", styles["h2"]),
              _table(rows, [30 * mm, WIDTH - 141 * mm, 22 * mm, 28 * mm, 20 * mm, 24 * mm, 17 * mm], styles,
                     right=5), Spacer(1, 1 * mm)]
    s.append(Paragraph("P(meets): the share of Monte Carlo simulations whose value meets the target, for the "
                       "metrics the plan computes (adoption, task success, cost per task, gross margin, "
                       "escalation).", styles["small"]))
    return s


def _scenarios_part(out: Outlook, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    sset, cur = out.scenarios, out.currency
    s: list[Flowable] = [Paragraph("Scenarios", styles["h2"])]
    if sset.problems:
        s.append(Paragraph("The scenarios could not be calculated: " + e(sset.problems[0])
                           + (f" (and {len(sset.problems) - 1} more)" if len(sset.problems) > 1 else ""),
                           styles["body"]))
        return s
    if not sset.any:
        s.append(Paragraph("<i>The plan has no scenarios: only the base plan is calculated.</i>",
                           styles["grey"]))
        return s
    s.append(Paragraph(e(scenario_headline(sset, cur)) + ".", styles["body"]))
    rows = scenario_rows(sset, cur)
    t = _table(rows, [38 * mm, 20 * mm, 22 * mm, 34 * mm, 33 * mm, WIDTH - 147 * mm], styles)
    t.setStyle(TableStyle([("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("ALIGN", (3, 0), (3, -1), "LEFT")]))
    s += [t, Spacer(1, 2 * mm), Paragraph(e(sset.weighted_words(cur)), styles["body"])]
    s.append(_bullets([e(x) for x in scenario_words(sset)], styles))
    by_name = sset.by_name
    figure = scenario_comparison(by_name, cur, monte_carlo=by_name, figsize=(7.5, 3.6))
    s.append(KeepTogether([_chart(figure)]))
    s.append(Paragraph("Each scenario is calculated as the base is, with the same simulations; funded within "
                       "its own budget; NPV ranges include failed launches.", styles["small"]))
    return s


def _prices_part(data: dict[str, Any], currency: str, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """Each route's model and prices, which are estimates and how old the catalog's are."""
    from app import price_words
    from models import catalog

    sentence = price_words.ages_sentence(data, catalog.catalog_date(), catalog.catalog_source())
    rows = [["Unit model", "Route", "Share", f"Input {currency}/M", f"Output {currency}/M", "Prices"]]
    for u in data.get("unit_models") or ():
        for r in u.get("routes") or ():
            label = price_words.source_label(r)
            if price_words.is_estimated(r):
                note = (r.get("notes") or {}).get("price_in_mtok")
                label = f"{label.capitalize()}: {note}" if note else label.capitalize()
            rows.append([u.get("name") or u["id"], r.get("model") or r["id"],
                         percent(_base(r.get("share"), 1.0)),
                         f"{_base(r.get('price_in_mtok')):g}", f"{_base(r.get('price_out_mtok')):g}", label])
    if len(rows) == 1:
        return []
    t = _table(rows, [36 * mm, 44 * mm, 13 * mm, 17 * mm, 18 * mm, WIDTH - 128 * mm], styles)
    t.setStyle(TableStyle([("ALIGN", (2, 0), (4, -1), "RIGHT")]))
    return [Spacer(1, 3 * mm), Paragraph(e(sentence), styles["small"]), t]


def _base(value: Any, default: float = 0.0) -> float:
    return float(estimate_from_json(value, default).base)


def _story(data: dict[str, Any], results: PlanResults, styles: dict[str, ParagraphStyle],
           today: dt.date, b: Briefing | None = None, out: Outlook | None = None) -> list[Flowable]:
    project = data.get("project") or {}
    plan = results.plan
    cur = str(project.get("currency") or plan.settings.currency or "USD")
    name = str(project.get("name") or "Untitled plan")
    sections = list(data.get("memo") or [])
    ops = {r.id: r for r in results.opportunities}
    ranked = [ops[i] for i in results.portfolio.ranking if i in ops]
    ranked += [r for r in results.opportunities if r.id not in results.portfolio.ranking]
    b = b or brief(data, results)
    out = out or outlook(data, results)
    s: list[Flowable] = []

    # Page 1: who and when, then the decision the memo asks for, then the contents.
    s.append(Paragraph("Strategy memo", styles["subtitle"]))
    s.append(Paragraph(e(name), styles["title"]))
    byline = " · ".join(x for x in (f"Prepared by {project['author']}" if project.get("author") else "",
                                    today.strftime("%-d %B %Y")) if x)
    s.append(Paragraph(e(byline), styles["grey"]))
    if project.get("description"):
        s.append(Paragraph(e(project["description"]), styles["small"]))
    s += [Spacer(1, 4 * mm), _decision_box(b, styles), Spacer(1, 4 * mm),
          Paragraph("Contents", styles["h2"]), _contents(styles), PageBreak()]

    # Executive summary: the PM's first section
    if sections:
        s.append(Paragraph(e(sections[0].get("title") or "Executive summary"), styles["h1"]))
        s += light_markup(sections[0].get("body") or "", styles) or [
            Paragraph("<i>(nothing written yet)</i>", styles["grey"])]
    else:
        s += [Paragraph("Executive summary", styles["h1"]),
              Paragraph("<i>(nothing written yet)</i>", styles["grey"])]

    # Portfolio: one bridge from NPV to the funded set, ranges side by side, then every opportunity.
    p = results.portfolio
    s.append(Paragraph("Portfolio", styles["h1"]))
    years = plan.settings.horizon_years
    s.append(Paragraph(
        f"Over {years} year{'s' if years != 1 else ''}, from the value if every launch succeeds to what "
        "the budget buys:", styles["body"]))
    bridge = _table([["Step", "Value"], *[list(row) for row in b.bridge.steps(cur)]], [110 * mm, 30 * mm],
                    styles)
    bridge.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT")]))
    s += [bridge, Spacer(1, 3 * mm)]
    if results.samples:
        rows = [["NPV, simulated", "P10", "Median", "P90", "Chance of a loss"]]
        for label, summary in (("Funded set", p.selected_mc if p.budget is not None else None),
                               ("Whole plan", p.mc)):
            if summary is not None and math.isfinite(summary.p10):
                rows.append([label, money(summary.p10, cur, short=True), money(summary.p50, cur, short=True),
                             money(summary.p90, cur, short=True), percent(1 - summary.p_positive)])
        if len(rows) > 1:
            t = _table(rows, [40 * mm, 25 * mm, 25 * mm, 25 * mm, 30 * mm], styles)
            t.setStyle(TableStyle([("ALIGN", (1, 0), (-1, -1), "RIGHT")]))
            s += [t, Paragraph(f"From {results.samples:,} Monte Carlo simulations; the {FAILED_LAUNCHES}.",
                               styles["small"]), Spacer(1, 3 * mm)]
    words = uncertainty_words(p.mc, cur)
    funded_head = "Funded" if b.has_budget else "Status"
    rows = [["#", "Opportunity", "NPV", "eNPV", "P10–P90", "P(NPV>0)", "IRR", funded_head]]
    for o in b.opportunities:
        r, mc = o.result, o.result.mc
        rng = money_range(mc.p10, mc.p90, cur) if mc is not None else "—"
        rows.append([str(o.rank), o.name, money(r.npv, cur, short=True), money(r.enpv, cur, short=True),
                     rng, percent(mc.p_positive) if mc is not None else "—", percent(r.irr),
                     ("funded" if o.funded else "not funded") if b.has_budget else ""])
    table = _table(rows, [7 * mm, 42 * mm, 16 * mm, 16 * mm, 31 * mm, 19 * mm, 14 * mm, WIDTH - 145 * mm],
                   styles)
    marks = [("ALIGN", (2, 0), (6, -1), "RIGHT")]
    marks += [("BACKGROUND", (0, i), (-1, i), FUNDED_BG)
              for i, o in enumerate(b.opportunities, 1) if o.funded]
    table.setStyle(TableStyle(marks))
    s += [table, Spacer(1, 3 * mm),
          Paragraph("Ranked by eNPV (NPV weighted by the chance of a successful launch)"
                    + ("; the funded set is shaded. " if b.has_budget else ". ")
                    + (f"P10–P90 and P(NPV&gt;0) from {results.samples:,} Monte Carlo simulations; "
                       f"{FAILED_LAUNCHES}." if results.samples
                       else "No Monte Carlo simulation was run, so no ranges."),
                    styles["small"])]
    unfunded = [o for o in b.opportunities if not o.funded and o.why_not]
    if unfunded:
        items = [f"<b>{e(o.name)}</b>: {e(o.why_not)}." for o in unfunded[:DETAILED_UNFUNDED]]
        more = unfunded[DETAILED_UNFUNDED:]
        if more:
            negative = sum(1 for o in more if o.result.enpv <= 0)
            items.append(f"{len(more)} more: {len(more) - negative} do not fit the budget and {negative} "
                         "have a negative eNPV (see the table above).")
        # Together, so the heading never ends a page alone.
        s.append(KeepTogether([Paragraph("Not funded, and why", styles["h2"]), _bullets(items, styles)]))

    # Uncertainty in words, grouped so 60 opportunities read as three sentences, not 60.
    s.append(Paragraph("Uncertainty", styles["h2"]))
    items = []
    if b.has_budget and range_words(p.selected_mc, cur):
        items.append(f"<b>Funded set</b>: NPV {e(range_words(p.selected_mc, cur))}.")
    if words:
        items.append(f"<b>Whole portfolio</b>: {e(words)}.")
    for label, group in _uncertainty_groups(b):
        items.append(f"<b>{e(label)}</b>: {e(group)}.")
    s.append(_bullets(items, styles) if items else Paragraph("<i>No simulation results.</i>", styles["grey"]))

    s += _outlook_section(out, styles)
    s += _launch_section(results, cur, styles)

    # Charts
    # No page break: the heading keeps with the first chart, so a short list above leaves no blank page.
    s += [Paragraph("Charts", styles["h1"]),
          _chart(charts.bubble_value_vs_cost(plan, results, figsize=(8.0, 5.2))), Spacer(1, 4 * mm),
          _chart(charts.portfolio_distribution(results, cur, figsize=(7.5, 4.0)))]
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
    for db in b.decisions:
        d, dr = db.recommendation.decision, db.recommendation.result
        s.append(Paragraph(e(d.name or d.id), styles["h2"]))
        s.append(Paragraph(db.sentence(mark=lambda name: f"<b>{e(name)}</b>", text=e), styles["body"]))
        if db.opportunities:
            s.append(Paragraph(f"Used by {e(', '.join(db.opportunities))}.", styles["small"]))
        rows = [["Option", "Score", f"TCO ({years} years)", "In the plan"]]
        for o in d.options:
            said = [w for w, yes in (("chosen", o.id == d.chosen_option_id),
                                     ("highest score", o.id == dr.winner or o.id in dr.tied)) if yes]
            rows.append([o.name or o.id, f"{dr.scores.get(o.id, float('nan')):.0f}",
                         money(dr.tco.get(o.id), cur, short=True), ", ".join(said)])
        t = _table(rows, [80 * mm, 18 * mm, 28 * mm, WIDTH - 126 * mm], styles)
        t.setStyle(TableStyle([("ALIGN", (1, 0), (2, -1), "RIGHT")]))
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
        t.setStyle(TableStyle([("ALIGN", (1, 0), (-1, -1), "RIGHT")]))
        s.append(t)
        s += _prices_part(data, cur, styles)
    else:
        s.append(Paragraph("<i>No unit models in the plan.</i>", styles["grey"]))

    # The PM's other sections
    for sec in sections[1:]:
        s.append(Paragraph(e(sec.get("title") or "Untitled section"), styles["h1"]))
        s += light_markup(sec.get("body") or "", styles) or [
            Paragraph("<i>(nothing written yet)</i>", styles["grey"])]

    # Appendix: the inputs the model used, with where each came from.
    s += [PageBreak(), Paragraph("Appendix: assumptions", styles["h1"]),
          Paragraph("Each figure is the value the model used (the effective input): an opportunity's own "
                    "estimate, or the figure from its decision's chosen option or its unit model, as the "
                    "source says.", styles["small"])]
    detailed = b.detailed()
    for o in detailed:
        s.append(Paragraph(e(o.name), styles["h2"]))
        if o.status:
            s.append(Paragraph(e(o.status) + ".", styles["small"]))
        if o.irr_note:
            s.append(Paragraph(e(o.irr_note), styles["small"]))
        rows = [["Input", "Value used", "Source", "Range", "Note"]]
        rows += [[i.label, i.text, i.origin, i.range, i.note] for i in o.inputs]
        t = _table(rows, [30 * mm, 19 * mm, 45 * mm, 28 * mm, WIDTH - 122 * mm], styles)
        t.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT")]))
        s.append(t)
    rest = [o for o in b.opportunities if o not in detailed]
    if rest:
        s.append(Paragraph("The other opportunities", styles["h2"]))
        s.append(Paragraph("Inputs the model used for each; an input that comes from a decision's option "
                           "or a unit model is marked *.", styles["small"]))
        fields = ("build_cost", "run_cost_annual", "cost_per_task", "launch_month", "p_success")
        rows = [["#", "Opportunity", "Build cost", "Run cost a year", "Cost per task", "Launch", "P(success)",
                 "Funded" if b.has_budget else ""]]
        for o in rest:
            used = {i.field: i for i in o.inputs}
            cells = [used[f].text + ("" if used[f].source == "own" else " *") if f in used else "—"
                     for f in fields]
            rows.append([str(o.rank), o.name, *cells, ("yes" if o.funded else "no") if b.has_budget else ""])
        t = _table(rows, [7 * mm, 46 * mm, 20 * mm, 22 * mm, 20 * mm, 17 * mm, 19 * mm, WIDTH - 151 * mm],
                   styles)
        t.setStyle(TableStyle([("ALIGN", (2, 0), (6, -1), "RIGHT")]))
        s.append(t)

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


def build_memo(data: dict[str, Any], results: PlanResults, today: dt.date | None = None,
               scenarios: ScenarioSet | None = None) -> tuple[bytes, list[str]]:
    """The strategy memo as PDF bytes, and warnings (characters the font cannot show).

    ``scenarios``: the plan's scenarios already calculated for this export (else calculated here)."""
    _register_fonts()
    # Characters no font has are counted, charts' included, and reported in one line below.
    with fonts.counting_missing() as unprintable:
        pdf, warnings = _build_memo(data, results, today, scenarios)
    return pdf, missing_glyphs(data, unprintable) + warnings


def _build_memo(data: dict[str, Any], results: PlanResults, today: dt.date | None,
                scenarios: ScenarioSet | None) -> tuple[bytes, list[str]]:
    warnings: list[str] = []
    project = data.get("project") or {}
    name = str(project.get("name") or "Untitled plan")
    styles = _styles()
    buffer = io.BytesIO()
    doc = _Doc(buffer, name, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
               bottomMargin=MARGIN, title=name, author=str(project.get("author") or ""),
               subject="Strategy memo: " + str(project.get("description") or name)[:200],
               creator="AI Product Planner", producer="AI Product Planner")
    b = brief(data, results)
    data, missing = _with_references(data, b)
    if missing:
        warnings.append(missing_references_warning(missing))
    out = outlook(data, results, scenarios)
    doc.multiBuild(_story(data, results, styles, today or dt.date.today(), b, out),
                   canvasmaker=_NumberedCanvas)
    return buffer.getvalue(), warnings


def write_memo(data: dict[str, Any], results: PlanResults, out: Path,
               today: dt.date | None = None, scenarios: ScenarioSet | None = None) -> list[str]:
    """Write the strategy memo PDF to ``out`` and return warnings (characters the font cannot show).

    Written through the one export write path (app/outputs.py): a failed export never leaves a
    half-written file, and the file gets the permissions every export gets.
    """
    from app.outputs import PDF_MAGIC, write_export

    pdf, warnings = build_memo(data, results, today, scenarios)
    write_export(Path(out), pdf, PDF_MAGIC, "strategy memo")
    return warnings
