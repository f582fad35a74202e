"""The live Excel workbook: inputs in named cells and every result a formula of them (docs/formulas.md 3,
docs/architecture.md 6)."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from app.formatting import SYMBOLS, money
from app.labels import field_label
from app.price_words import source_label
from models.engine import Key, PlanResults, estimate_inputs, structure
from models.estimate import Estimate
from models.plan import Decision, Opportunity, Plan, UnitModel

if TYPE_CHECKING:
    from app.exports.outlook import ScenarioSet

BOLD = Font(name="Calibri", bold=True)
TITLE = Font(name="Calibri", bold=True, size=13)
WRAP = Alignment(wrap_text=True, vertical="bottom")
#: The finance convention: what a reader may change is blue on a light fill; formulas stay black.
INPUT_FONT = Font(name="Calibri", color="0000FF")
INPUT_FILL = PatternFill(fill_type="solid", start_color="FFF2CC", end_color="FFF2CC")
LEGEND = "Blue cells on a light fill are inputs; black cells are formulas."
#: Scores closer than this are a tie, as in the app (an input cell, never a constant in a formula).
SCORE_TIE_TOLERANCE = 1e-9
#: Effective inputs that are money amounts (the rest are counts, fractions or months).
MONEY_INPUTS = frozenset({"build_cost", "run_cost_annual"})
PER_TASK_INPUTS = frozenset({"cost_per_task"})
CENTS_INPUTS = frozenset({"value_per_success"})
FRACTION_INPUTS = frozenset({"adoption_target", "success_rate", "p_success", "confidence"})
#: Monthly columns on Cashflows, in order, after the opportunity id (A) and month (B).
FLOW_COLUMNS = ("k", "adoption", "tasks", "benefit", "build", "run", "variable", "cost", "net",
                "discount_factor", "cumulative_net", "went_negative", "recovered_month")
FLOW_LABELS = {"opportunity": "Opportunity", "m": "Month", "k": "Months since launch",
               "adoption": "Adoption", "tasks": "Tasks", "benefit": "Benefit", "build": "Build cost",
               "run": "Run cost", "variable": "Variable cost", "cost": "Cost", "net": "Net",
               "discount_factor": "Discount factor", "cumulative_net": "Cumulative net",
               "went_negative": "Has gone negative (1 = yes)", "recovered_month": "Back to >= 0 in month"}
UNIT_INPUTS = ("revenue_per_task", "retry_rate", "embed_tokens_per_task", "embed_price_mtok",
               "vector_queries_per_task", "vector_price_per_1k", "tool_cost_per_task",
               "escalation_rate", "human_cost_per_escalation", "fixed_monthly")
UNIT_RESULT_LABELS = {"llm_cost_per_task": "LLM cost per task",
                      "retrieval_cost_per_task": "Retrieval cost per task",
                      "variable_cost_per_task": "Variable cost per task",
                      "loaded_cost_per_task": "Loaded cost per task", "gross_margin": "Gross margin",
                      "break_even_tasks_month": "Break-even tasks a month"}
ROUTE_INPUTS = ("share", "price_in_mtok", "price_out_mtok", "price_cached_in_mtok", "input_tokens",
                "output_tokens", "cached_share", "calls_per_task", "cache_write_share",
                "price_cache_write_mtok", "reasoning_tokens", "price_reasoning_mtok", "price_per_request")
#: The token prices a tier replaces, with the heads of the columns holding the price a call pays.
TIER_PRICES = {"price_in_mtok": "Input price paid", "price_out_mtok": "Output price paid",
               "price_cached_in_mtok": "Cached price paid",
               "price_cache_write_mtok": "Cache-write price paid"}


# What XML 1.0 (so .xlsx) cannot hold: openpyxl's control characters, and the noncharacters
# U+FFFE and U+FFFF and lone surrogates, which openpyxl lets through and then fails to save.
_UNSTORABLE = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ufffe\uffff\ud800-\udfff]")


class _Workbook(Workbook):  # type: ignore[misc]
    """A workbook that remembers which characters its text lost (for one warning line)."""

    def __init__(self) -> None:
        super().__init__()
        self.removed: set[str] = set()
        #: Where each input a scenario may override lives: (kind, id, field) -> (sheet, row, column, the
        #: defined name the model reads it by, or None when formulas read the cell itself).
        self.inputs: dict[Key, tuple[str, int, int, str | None]] = {}


def _clean(text: Any, removed: set[str] | None = None) -> str:
    text = "" if text is None else str(text)
    if removed is not None:
        removed.update(_UNSTORABLE.findall(text))
    return _UNSTORABLE.sub("", text)


def put_text(ws: Worksheet, row: int, col: int, value: Any, font: Font | None = None) -> None:
    """User text is data: stored as a string even when it looks like a formula."""
    cell = ws.cell(row=row, column=col, value=_clean(value, getattr(ws.parent, "removed", None)))
    # openpyxl treats a leading "=" as a formula; forcing the type keeps "=HYPERLINK(" inert.
    cell.data_type = "s"
    if font is not None:
        cell.font = font


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None) -> None:
    """One of our own formulas, or a number that is a label (a month, a rank), not an input."""
    cell = ws.cell(row=row, column=col, value=value)
    if fmt:
        cell.number_format = fmt


def put_input(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None) -> None:
    """A value the reader may change: styled as an input."""
    put(ws, row, col, value, fmt)
    cell = ws.cell(row=row, column=col)
    cell.font = INPUT_FONT
    cell.fill = INPUT_FILL


def _page(ws: Worksheet, freeze: str, title_rows: str) -> None:
    """Frozen headings on screen; on paper landscape, one page wide, the headings on every page."""
    ws.freeze_panes = freeze
    ws.print_title_rows = title_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6, header=0.3, footer=0.3)


def _register(ws: Worksheet, key: Key, row: int, col: int, name: str | None = None) -> None:
    """Remember where an input lives, so a scenario selector can switch it."""
    inputs = getattr(ws.parent, "inputs", None)
    if inputs is not None:
        inputs[key] = (ws.title, row, col, name)


def _heads(ws: Worksheet, row: int, heads: Sequence[str], first_col: int = 1) -> None:
    for col, head in enumerate(heads, first_col):
        put_text(ws, row, col, head, BOLD)


class Formats:
    """Number formats in the project's currency."""

    def __init__(self, currency: str) -> None:
        symbol = SYMBOLS.get(currency)
        if symbol:
            self.money = f'"{symbol}"#,##0;-"{symbol}"#,##0'
            self.money_cents = f'"{symbol}"#,##0.00;-"{symbol}"#,##0.00'
            self.per_task = f'"{symbol}"#,##0.0000;-"{symbol}"#,##0.0000'
        else:  # an ISO code without a symbol we know: spell it out
            code = currency.replace('"', "")
            self.money = f'#,##0 "{code}";-#,##0 "{code}"'
            self.money_cents = f'#,##0.00 "{code}";-#,##0.00 "{code}"'
            self.per_task = f'#,##0.0000 "{code}";-#,##0.0000 "{code}"'
        self.percent = "0.0%"
        self.number = "#,##0.##"
        self.count = "#,##0"

    def for_input(self, name: str) -> str:
        if name in MONEY_INPUTS:
            return self.money
        if name in PER_TASK_INPUTS:
            return self.per_task
        if name in CENTS_INPUTS:
            return self.money_cents
        if name in FRACTION_INPUTS:
            return self.percent
        return self.number


def _name(wb: Workbook, name: str, sheet: str, row: int, col: int) -> None:
    ref = f"'{sheet}'!${get_column_letter(col)}${row}"
    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def _widths(ws: Worksheet, widths: Mapping[str, float]) -> None:
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width


def _range_text(est: Estimate | None) -> tuple[float | None, float | None, str]:
    if est is None or not est.is_range:
        return None, None, ""
    return est.low, est.high, est.dist or ""


def _own_name(i: int, field: str) -> str:
    return f"opp{i}_own_{field}"


def _linked_formula(plan: Plan, i: int, o: Opportunity, field: str, keys: list[Key]) -> str | None:
    """The formula of the option and unit-model cells an effective input comes from; None when
    it is the opportunity's own value.

    docs/formulas.md 3.4: a linked decision's option and a linked unit model replace some inputs, so an
    exec who edits the option's quote or the unit model's prices sees the opportunity move.
    """
    decisions = {d.id: k for k, d in enumerate(plan.decisions, 1)}
    if field == "cost_per_task" and _falls_back_to_own(plan, o):
        # the option's per-task cost replaces the opportunity's only when it has one; which
        # option applies can change in the workbook (the winner), so decide it in the cell
        k = decisions[o.decision_id]  # type: ignore[index]
        pick = f"INDEX(dec{k}_cost_per_task,dec{k}_pick)"
        return f"=IF({pick}<>0,{pick},{_own_name(i, field)})"
    if len(keys) == 1 and keys[0][0] == "opportunity":
        return None
    options = {x.id: decisions[d.id] for d in plan.decisions for x in d.options}
    units = {u.id: k for k, u in enumerate(plan.unit_models, 1)}
    parts: list[str] = []
    for kind, oid, part in keys:
        if kind == "opportunity":
            parts.append(_own_name(i, part))
        elif kind == "option":
            k = options[oid]
            parts.append(f"INDEX(dec{k}_{part},dec{k}_pick)")
        elif part == "fixed_monthly":
            parts.append(f"12*um{units[oid]}_fixed_monthly")
        else:
            parts.append(f"um{units[oid]}_{part}")
    return "=" + "+".join(parts)


def _falls_back_to_own(plan: Plan, o: Opportunity) -> bool:
    """Cost per task comes from the option in use when it has one, else from the opportunity."""
    if o.decision_id is None or o.unit_model_id is not None:
        return False
    decision = next((d for d in plan.decisions if d.id == o.decision_id), None)
    return decision is not None and bool(decision.options)


def _source_words(plan: Plan, keys: list[Key]) -> str:
    """Where an effective input comes from, in words."""
    names = {d.id: d.name for d in plan.decisions} | {u.id: u.name for u in plan.unit_models}
    option_decision = {x.id: d.id for d in plan.decisions for x in d.options}
    words = []
    for kind, oid, part in keys:
        if kind == "opportunity":
            words.append("this opportunity's own value")
        elif kind == "option":
            words.append(f"{field_label(part).lower()} of the option in use in decision "
                         f"“{names[option_decision[oid]]}”")
        elif part == "fixed_monthly":
            words.append(f"12 × fixed cost a month of unit model “{names[oid]}”")
        else:
            words.append(f"{field_label(part).lower()} of unit model “{names[oid]}”")
    return " + ".join(words)


def _monthly_rate(irr: float | None) -> float:
    """The engine's IRR as the monthly rate it solved for: where a spreadsheet's IRR starts."""
    if irr is None or not math.isfinite(irr) or irr <= -1:
        return 0.01  # the spreadsheet's usual start: nothing better is known
    return math.expm1(math.log1p(irr) / 12)


INPUTS_HEADER = ("Input", "Value", "Low", "High", "Distribution", "Source", "Note", "Defined name")


def _inputs_sheet(wb: Workbook, data: dict[str, Any], results: PlanResults, fmt: Formats
                  ) -> list[tuple[int, str, str, str, str]]:
    """Only values a reader may change; returns the linked inputs, whose formulas live elsewhere,
    as (opportunity number, field, defined name, formula, source in words)."""
    ws = wb.active
    ws.title = "Inputs"
    plan = results.plan
    s = plan.settings
    _heads(ws, 1, INPUTS_HEADER)
    _page(ws, "B2", "1:1")
    put_text(ws, 2, 1, "Project", TITLE)
    put_text(ws, 2, 2, s.name)
    settings = (
        (3, "Horizon (years)", "horizon_years", s.horizon_years, "0",
         "Fixed at export: the Cashflows sheet has one row per month of this horizon; "
         "the decisions' TCO follows this cell."),
        (4, "Discount rate (a year)", "discount_rate", s.discount_rate, "0.00%", ""),
        (6, "Scores this close count as a tie", "score_tie_tolerance", SCORE_TIE_TOLERANCE, "0.0E+00",
         "As in the app: the first entered of tied options wins."),
    )
    for row, label, name, value, number_format, note in settings:
        put_text(ws, row, 1, label)
        put_input(ws, row, 2, value, number_format)
        put_text(ws, row, 7, note)
        put_text(ws, row, 8, name)
        _name(wb, name, "Inputs", row, 2)
        _register(ws, ("project", "", name), row, 2, name)
    put_text(ws, 5, 1, "Currency")
    put_text(ws, 5, 2, s.currency)

    st = structure(plan)
    estimates = estimate_inputs(plan)
    notes_by_id = {o.get("id"): (o.get("notes") or {}) for o in data.get("opportunities") or []}
    linked: list[tuple[int, str, str, str, str]] = []
    row = 8
    for i, (o, r) in enumerate(zip(plan.opportunities, results.opportunities, strict=True), 1):
        put_text(ws, row, 1, f"Opportunity {i}: {o.name}", TITLE)
        put_text(ws, row, 6, o.id)
        row += 1
        notes = notes_by_id.get(o.id) or {}
        for field, (value, _) in r.effective.items():
            keys = st.sources[o.id].get(field, [])
            formula = _linked_formula(plan, i, o, field, keys)
            label = field_label(field)
            name = f"opp{i}_{field}"
            own_used = formula is None or "_own_" in formula
            if formula is not None:
                words = _source_words(plan, keys)
                if field == "cost_per_task" and "IF(" in formula:
                    words = "cost per task of the option in use when it has one, else this opportunity's own"
                linked.append((i, field, name, formula, words))
            if formula is not None and own_used:
                label = (f"{label} (used when the option has none)" if "IF(" in formula
                         else f"{label} (own part, before what the links add)")
                name = _own_name(i, field)
            put_text(ws, row, 1, label)
            if own_used:
                own = float(getattr(o, field).base)
                put_input(ws, row, 2, own if formula is not None else value, fmt.for_input(field))
                _register(ws, ("opportunity", o.id, field), row, 2, name)
                low, high, dist = _range_text(estimates.get(("opportunity", o.id, field)))
                if low is not None:
                    put_input(ws, row, 3, low, fmt.for_input(field))
                    put_input(ws, row, 4, high, fmt.for_input(field))
                    put_text(ws, row, 5, dist)
                put_text(ws, row, 6, "this opportunity" if formula is None else "see Linked inputs")
                put_text(ws, row, 8, name)
                _name(wb, name, "Inputs", row, 2)
            else:
                put_text(ws, row, 6, "see Linked inputs: " + _source_words(plan, keys))
            put_text(ws, row, 7, notes.get(field, ""))
            row += 1
        put_text(ws, row, 1, "IRR search start (a month)")
        put_input(ws, row, 2, _monthly_rate(r.irr), "0.000000%")
        put_text(ws, row, 6, "the app's IRR as a monthly rate" if r.irr is not None else
                 "the app finds no IRR")
        put_text(ws, row, 7, "Where the spreadsheet's IRR starts looking, so it finds the root the app "
                             "reports.")
        put_text(ws, row, 8, f"opp{i}_irr_guess")
        _name(wb, f"opp{i}_irr_guess", "Inputs", row, 2)
        row += 2
    _widths(ws, {"A": 44, "B": 16, "C": 12, "D": 12, "E": 12, "F": 34, "G": 70, "H": 30})
    return linked


LINKED_HEADER = ("Opportunity", "Input", "Value", "Comes from", "Defined name")


def _linked_sheet(wb: Workbook, results: PlanResults, fmt: Formats,
                  linked: list[tuple[int, str, str, str, str]]) -> None:
    """The effective inputs a decision's option or a unit model supplies, as live formulas."""
    ws = wb.create_sheet("Linked inputs")
    _heads(ws, 1, LINKED_HEADER)
    _page(ws, "C2", "1:1")
    if not linked:
        put_text(ws, 2, 1, "No opportunity takes an input from a decision or a unit model.")
    for row, (i, field, name, formula, words) in enumerate(linked, 2):
        put_text(ws, row, 1, results.plan.opportunities[i - 1].name)
        put_text(ws, row, 2, field_label(field))
        put(ws, row, 3, formula, fmt.for_input(field))
        put_text(ws, row, 4, words)
        put_text(ws, row, 5, name)
        _name(wb, name, ws.title, row, 3)
    _widths(ws, {"A": 36, "B": 28, "C": 16, "D": 80, "E": 30})


def _cashflows_sheet(wb: Workbook, results: PlanResults, fmt: Formats) -> dict[int, tuple[int, int]]:
    """One block of monthly rows per opportunity; returns opportunity number -> (first, last) row."""
    ws = wb.create_sheet("Cashflows")
    months = results.plan.settings.months
    heads = ("opportunity", "m", *FLOW_COLUMNS)
    _heads(ws, 1, [FLOW_LABELS[h] for h in heads])
    _page(ws, "C2", "1:1")
    letters = {name: get_column_letter(j) for j, name in enumerate(heads, 1)}
    formats = {"adoption": fmt.percent, "tasks": fmt.count, "discount_factor": "0.0000",
               "k": "0", "m": "0", "went_negative": "0", "recovered_month": "0"}
    blocks: dict[int, tuple[int, int]] = {}
    row = 2
    for i, o in enumerate(results.plan.opportunities, 1):
        first = row
        p = f"opp{i}_"
        for m in range(1, months + 1):
            r = row

            def c(name: str, rr: int = r) -> str:
                return f"{letters[name]}{rr}"

            cells = {
                "m": m,
                "k": f"={c('m')}-{p}launch_month",
                # docs/formulas.md 3.1: 0 before launch; target * min(1, k / ramp) after; target if ramp = 0
                "adoption": f"=IF({c('k')}<=0,0,IF({p}ramp_months=0,{p}adoption_target,"
                            f"{p}adoption_target*MIN(1,{c('k')}/{p}ramp_months)))",
                "tasks": f"={p}eligible_users*{c('adoption')}*{p}tasks_per_user_month",
                "benefit": f"={c('tasks')}*{p}success_rate*{p}value_per_success",
                # build spread over the launch months, or all in month 1 when launch_month = 0
                "build": f"=IF({p}launch_month=0,IF({c('m')}=1,{p}build_cost,0),"
                         f"IF({c('m')}<={p}launch_month,{p}build_cost/{p}launch_month,0))",
                "run": f"=IF({c('k')}>=1,{p}run_cost_annual/12,0)",
                "variable": f"={c('tasks')}*{p}cost_per_task",
                "cost": f"={c('build')}+{c('run')}+{c('variable')}",
                "net": f"={c('benefit')}-{c('cost')}",
                "discount_factor": f"=(1+discount_rate)^(-{c('m')}/12)",
                "cumulative_net": (f"={c('net')}" if m == 1
                                   else f"={c('cumulative_net', r - 1)}+{c('net')}"),
                # payback helpers, array-free: has the cumulative net been negative yet, and
                # the month if it is back at >= 0 after that
                "went_negative": (f"=IF({c('cumulative_net')}<0,1,0)" if m == 1 else
                                  f"=IF(OR({c('went_negative', r - 1)}=1,{c('cumulative_net')}<0),1,0)"),
                "recovered_month": f"=IF(AND({c('went_negative')}=1,{c('cumulative_net')}>=0),"
                                   f"{c('m')},\"\")",
            }
            put_text(ws, r, 1, o.id)
            for name, value in cells.items():
                put(ws, r, heads.index(name) + 1, value, formats.get(name, fmt.money))
            row += 1
        blocks[i] = (first, row - 1)
    widths = {"A": 24}
    widths.update({get_column_letter(j): 13 for j in range(2, len(heads) + 1)})
    _widths(ws, widths)
    return blocks


def _cf(name: str, first: int, last: int) -> str:
    letter = get_column_letter(("opportunity", "m", *FLOW_COLUMNS).index(name) + 1)
    return f"Cashflows!${letter}${first}:${letter}${last}"


PORTFOLIO_HEADER = ("Rank", "Opportunity", "ID", "No.", "NPV", "eNPV", "IRR", "ROI", "Payback month",
                    "PV of benefits", "PV of costs", "RICE", "Build cost", "Funded", "In the chart")
#: The Portfolio's heading row; above it the budget, the funded totals and how funding is decided.
PORTFOLIO_HEAD_ROW = 4
FUNDED_FORMAT = '"Yes";"Yes";"No"'
_P = {head: get_column_letter(j) for j, head in enumerate(PORTFOLIO_HEADER, 1)}


def greedy_in_rank_order(results: PlanResults, budget: float | None) -> list[str]:
    """The workbook's rule: in rank order, every opportunity with eNPV > 0 whose build cost still fits."""
    if budget is None:
        return []
    by_id = {r.id: r for r in results.opportunities}
    funded: list[str] = []
    spent = 0.0
    for oid in results.portfolio.ranking:
        r = by_id[oid]
        cost = r.effective["build_cost"][0]
        if r.enpv > 0 and spent + cost <= budget:
            funded.append(oid)
            spent += cost
    return funded


def _funding_note(results: PlanResults) -> str:
    p = results.portfolio
    rule = ("Funded: in rank order, each opportunity with a positive eNPV whose build cost fits what is "
            "left of the budget (the Funding sheet shows the walk). The app chooses the set with the "
            "largest total eNPV that fits, which can differ from this rule at some budgets.")
    if p.budget is None:
        return rule + " The plan has no budget: type one in the blue cell to see what it funds."
    ours = greedy_in_rank_order(results, p.budget)
    if set(ours) == set(p.selected):
        return rule + f" At the exported budget both fund the same {len(ours)} opportunities."
    names = {r.id: r.name for r in results.opportunities}
    currency = results.plan.settings.currency
    return rule + (" At the exported budget they differ: the app funds "
                   + ", ".join(names[i] for i in p.selected)
                   + f" (eNPV {money(p.selected_enpv, currency)}).")


def _portfolio_sheet(wb: Workbook, results: PlanResults, blocks: dict[int, tuple[int, int]],
                     fmt: Formats) -> None:
    ws = wb.create_sheet("Portfolio")
    head = PORTFOLIO_HEAD_ROW
    _heads(ws, head, PORTFOLIO_HEADER)
    for j in range(1, len(PORTFOLIO_HEADER) + 1):
        ws.cell(head, j).alignment = WRAP
    ws.row_dimensions[head].height = 30
    _page(ws, f"E{head + 1}", f"1:{head}")
    c = _P
    plan = results.plan
    n = len(plan.opportunities)
    first, last = head + 1, head + n
    number = {o.id: i for i, o in enumerate(plan.opportunities, 1)}
    by_id = {r.id: r for r in results.opportunities}

    def col(letter: str) -> str:
        return f"${letter}${first}:${letter}${last}"

    # rows in the engine's rank order; the Rank column stays live when an edit reorders them
    for r, oid in enumerate(results.portfolio.ranking, first):
        i = number[oid]
        o = by_id[oid]
        b_first, b_last = blocks[i]
        p = f"opp{i}_"
        net, df = _cf("net", b_first, b_last), _cf("discount_factor", b_first, b_last)
        # docs/formulas.md 3.6: by eNPV, higher first, ties in the plan's order (No.)
        enpv, no = col(c["eNPV"]), col(c["No."])
        put(ws, r, 1, f"=1+SUMPRODUCT(--({enpv}>{c['eNPV']}{r}))"
                      f"+SUMPRODUCT(--({enpv}={c['eNPV']}{r}),--({no}<{c['No.']}{r}))", "0")
        put_text(ws, r, 2, o.name)
        put_text(ws, r, 3, o.id)
        put(ws, r, 4, i, "0")
        put(ws, r, 5, f"=SUMPRODUCT({net},{df})", fmt.money)
        pv_build = f"SUMPRODUCT({_cf('build', b_first, b_last)},{df})"
        put(ws, r, 6, f"={p}p_success*{c['NPV']}{r}-(1-{p}p_success)*{pv_build}", fmt.money)
        # IRR needs a sign change; without one it errors and the cell stays empty, as the engine's
        # null. It starts at the engine's own root, so it finds that root even far below zero.
        put(ws, r, 7, f'=IFERROR((1+IRR({net},{p}irr_guess))^12-1,"")', fmt.percent)
        put(ws, r, 8, f'=IF({c["PV of costs"]}{r}=0,"",{c["NPV"]}{r}/{c["PV of costs"]}{r})', fmt.percent)
        cum, rec = _cf("cumulative_net", b_first, b_last), _cf("recovered_month", b_first, b_last)
        put(ws, r, 9, f'=IF(COUNTIF({cum},"<0")=0,0,IF(COUNT({rec})=0,"",MIN({rec})))', "0")
        put(ws, r, 10, f"=SUMPRODUCT({_cf('benefit', b_first, b_last)},{df})", fmt.money)
        put(ws, r, 11, f"=SUMPRODUCT({_cf('cost', b_first, b_last)},{df})", fmt.money)
        put(ws, r, 12, f'=IF({p}effort_person_months=0,"",{p}eligible_users*{p}adoption_target'
                       f'*{p}impact*{p}confidence/{p}effort_person_months)', "#,##0.0")
        put(ws, r, 13, f"={p}build_cost", fmt.money)
        put(ws, r, 14, f"=INDEX(Funding!$G$2:$G${n + 1},{c['Rank']}{r})", FUNDED_FORMAT)
        ws.cell(r, 14).alignment = Alignment(horizontal="center")
        # the chart's labels mark the funded set, live as the budget or the inputs change
        put(ws, r, 15, f'=IF({c["Funded"]}{r}=1,{c["Opportunity"]}{r}&" (funded)",{c["Opportunity"]}{r})')

    put_text(ws, 1, 2, "Budget (build cost the plan can fund)", BOLD)
    budget = results.portfolio.budget
    put_input(ws, 1, 13, budget, fmt.money)
    _register(ws, ("project", "", "budget"), 1, 13, "budget")
    _name(wb, "budget", ws.title, 1, 13)
    put_text(ws, 2, 2, "Funded (Funded = Yes)", BOLD)
    put_text(ws, 3, 2, _funding_note(results))
    # wrapped within the table's width, so the printed page is as wide as the table, not the note
    ws.merge_cells(start_row=3, start_column=2, end_row=3, end_column=len(PORTFOLIO_HEADER))
    ws.cell(3, 2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[3].height = 45
    if not n:
        _widths(ws, {"B": 36, "M": 15})
        return
    funded = col(c["Funded"])
    put(ws, 2, 6, f"=SUMPRODUCT({col(c['eNPV'])},{funded})", fmt.money)
    put(ws, 2, 13, f"=SUMPRODUCT({col(c['Build cost'])},{funded})", fmt.money)
    put(ws, 2, 14, f"=SUM({funded})", "0")
    total = last + 1
    put_text(ws, total, 2, "All opportunities", BOLD)
    for name in ("NPV", "eNPV", "PV of benefits", "PV of costs", "Build cost"):
        put(ws, total, PORTFOLIO_HEADER.index(name) + 1, f"=SUM({col(c[name])})", fmt.money)
    _widths(ws, {"A": 6, "B": 36, "C": 22, "D": 6, "E": 15, "F": 15, "G": 10, "H": 10, "I": 10, "J": 15,
                 "K": 15, "L": 10, "M": 15, "N": 9, "O": 36})
    _funding_sheet(wb, results, fmt)
    # the chart starts a printed page of its own, below the table, so no page break cuts it
    ws.row_breaks.append(Break(id=total + 1))
    _portfolio_chart(ws, first, last, total + 3)


def _funding_sheet(wb: Workbook, results: PlanResults, fmt: Formats) -> None:
    """The budget walk in live rank order: funded when eNPV > 0 and the build cost still fits."""
    ws = wb.create_sheet("Funding")
    heads = ("Rank", "Row on Portfolio", "ID", "Opportunity", "eNPV", "Build cost", "Funded",
             "Funded build cost so far")
    _heads(ws, 1, heads)
    _page(ws, "C2", "1:1")
    n = len(results.plan.opportunities)
    first, last = PORTFOLIO_HEAD_ROW + 1, PORTFOLIO_HEAD_ROW + n

    def on_portfolio(head: str) -> str:
        return f"Portfolio!${_P[head]}${first}:${_P[head]}${last}"

    for j in range(1, n + 1):
        r = j + 1
        put(ws, r, 1, j, "0")
        put(ws, r, 2, f"=MATCH(A{r},{on_portfolio('Rank')},0)", "0")
        for k, head in enumerate(("ID", "Opportunity", "eNPV", "Build cost"), 3):
            put(ws, r, k, f"=INDEX({on_portfolio(head)},B{r})", fmt.money if k > 4 else None)
        fits = f"F{r}<=budget" if j == 1 else f"H{r - 1}+F{r}<=budget"
        put(ws, r, 7, f"=IF(AND(ISNUMBER(budget),E{r}>0,{fits}),1,0)", FUNDED_FORMAT)
        put(ws, r, 8, f"=F{r}*G{r}" if j == 1 else f"=H{r - 1}+F{r}*G{r}", fmt.money)
    _widths(ws, {"A": 6, "B": 10, "C": 22, "D": 36, "E": 15, "F": 15, "G": 9, "H": 18})


def _show_axes(chart: BarChart) -> None:
    # openpyxl 3.1 leaves axes hidden in Excel unless told otherwise
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def _portfolio_chart(ws: Worksheet, first: int, last: int, at_row: int) -> None:
    """A native bar chart of NPV and eNPV per opportunity, live on the formula cells."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = "NPV and eNPV by opportunity, in rank order"
    chart.y_axis.title = "present value"
    npv = PORTFOLIO_HEADER.index("NPV") + 1
    chart.y_axis.numFmt = ws.cell(first, npv).number_format
    chart.add_data(Reference(ws, min_col=npv, max_col=npv + 1, min_row=first - 1, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=PORTFOLIO_HEADER.index("In the chart") + 1, min_row=first,
                                   max_row=last))
    chart.x_axis.scaling.orientation = "maxMin"  # first opportunity on top, as in the table
    _show_axes(chart)
    # no taller than a landscape page holds at the sheet's fit-to-width scale
    chart.height = min(CHART_MAX_HEIGHT_CM, max(7.5, 0.5 * (last - first + 1) + 3))
    chart.width = 24
    ws.add_chart(chart, f"C{at_row}")


#: Rows (15 points each) a decision's TCO chart covers.
TCO_CHART_ROWS = 13
ROW_PT = 15.0
#: What a landscape A4 or Letter page holds between the margins _page sets, at full scale (points).
PAGE_HEIGHT_PT = 500.0
#: The tallest chart (cm) that fits a landscape A4 or Letter page at the sheets' fit-to-width scale.
CHART_MAX_HEIGHT_CM = 12.0


def _volume_formula(plan_opps: list[tuple[int, str]], factor: str) -> str:
    """Full-adoption tasks of the linked opportunities, from their Inputs cells."""
    return "=" + "+".join(f"{factor}opp{i}_eligible_users*opp{i}_adoption_target*opp{i}_tasks_per_user_month"
                          for i, _ in plan_opps)


def _decision_block(wb: Workbook, ws: Worksheet, row: int, k_dec: int, d: Decision,
                    results: PlanResults, fmt: Formats, cells: dict[str, Any]) -> int:
    plan = results.plan
    linked = [(i, o.id) for i, o in enumerate(plan.opportunities, 1) if o.decision_id == d.id]
    title_row = row
    put_text(ws, row, 1, f"Decision: {d.name}", TITLE)
    put_text(ws, row, 8, d.id)
    row += 1
    put_text(ws, row, 1, "Tasks a year (for TCO)")
    volume_cell = f"$B${row}"
    if linked:
        put(ws, row, 2, _volume_formula(linked, "12*"), fmt.count)
        put_text(ws, row, 3, "tasks a year at full adoption of: " + ", ".join(oid for _, oid in linked))
    else:
        put_input(ws, row, 2, d.annual_volume.base, fmt.count)
        _register(ws, ("decision", d.id, "annual_volume"), row, 2)
    row += 2
    crits = d.criteria
    n_c = len(crits)
    raw0 = 8  # first raw-value column (H)
    norm0 = raw0 + n_c
    score_col = norm0 + n_c
    # weights and direction above the normalised columns, so SUMPRODUCT lines up with a row
    put_text(ws, row, norm0 - 1, "Weight", BOLD)
    weight_row = row
    for j, c in enumerate(crits):
        put_input(ws, row, norm0 + j, c.weight.base, "0.##")
        _register(ws, ("criterion", c.id, "weight"), row, norm0 + j)
        put_text(ws, row + 1, raw0 + j, "higher is better" if c.higher_is_better and c.kind != "tco"
                 else "lower is better")
    row += 2
    heads = ["Option", "ID", "Upfront cost", "Annual cost", "Cost per task", "Time to launch (months)",
             "TCO"]
    heads += [f"{c.name} ({c.kind})" for c in crits] + [f"Normalised: {c.name}" for c in crits] + ["Score"]
    for j, h in enumerate(heads, 1):
        put_text(ws, row, j, h, BOLD)
        ws.cell(row=row, column=j).alignment = WRAP
    ws.row_dimensions[row].height = 45  # criterion names wrap onto a few lines
    row += 1
    first, last = row, row + len(d.options) - 1
    w_range = f"${get_column_letter(norm0)}${weight_row}:${get_column_letter(norm0 + n_c - 1)}${weight_row}"
    for k, o in enumerate(d.options):
        r = first + k
        put_text(ws, r, 1, o.name)
        put_text(ws, r, 2, o.id)
        put_input(ws, r, 3, o.upfront_cost.base, fmt.money)
        put_input(ws, r, 4, o.annual_cost.base, fmt.money)
        put_input(ws, r, 5, o.cost_per_task.base, fmt.per_task)
        put_input(ws, r, 6, o.launch_months.base, "0")
        for col, part in enumerate(("upfront_cost", "annual_cost", "cost_per_task", "launch_months"), 3):
            _register(ws, ("option", o.id, part), r, col)
        put(ws, r, 7, f"=C{r}+horizon_years*(D{r}+E{r}*{volume_cell})", fmt.money)
        cells.setdefault("tco", {})[d.id, o.id] = (ws.title, r, 7)
        for j, c in enumerate(crits):
            raw_col = get_column_letter(raw0 + j)
            if c.kind == "tco":
                put(ws, r, raw0 + j, f"=G{r}", fmt.money)
            else:
                est = o.scores.get(c.id)
                put_input(ws, r, raw0 + j, None if est is None else est.base, "#,##0.##")
                _register(ws, ("option", o.id, f"scores.{c.id}"), r, raw0 + j)
            x = f"{raw_col}{r}"
            rng = f"${raw_col}${first}:${raw_col}${last}"
            lo, hi = f"MIN({rng})", f"MAX({rng})"
            if c.kind == "score":
                formula = f"=({x}-1)/4"
            elif c.higher_is_better and c.kind != "tco":
                formula = f"=IF({hi}={lo},1,({x}-{lo})/({hi}-{lo}))"
            else:
                formula = f"=IF({hi}={lo},1,({hi}-{x})/({hi}-{lo}))"
            put(ws, r, norm0 + j, formula, "0.000")
        n_range = f"{get_column_letter(norm0)}{r}:{get_column_letter(norm0 + n_c - 1)}{r}"
        put(ws, r, score_col, f"=100*SUMPRODUCT({w_range},{n_range})/SUM({w_range})", "0.0")
        cells.setdefault("score", {})[d.id, o.id] = (ws.title, r, score_col)
        # the winner: the highest score, ties (within the engine's 1e-9) to the first entered
        s_col = get_column_letter(score_col)
        top = f"MAX(${s_col}${first}:${s_col}${last})"
        put(ws, r, score_col + 1, f"=IF({s_col}{r}>={top}-score_tie_tolerance,1,0)", "0")
    put_text(ws, first - 1, score_col + 1, "Leader (1 = top score)", BOLD)
    for j, part in enumerate(("upfront_cost", "annual_cost", "cost_per_task", "launch_months"), 3):
        letter = get_column_letter(j)
        wb.defined_names[f"dec{k_dec}_{part}"] = DefinedName(
            f"dec{k_dec}_{part}", attr_text=f"'{ws.title}'!${letter}${first}:${letter}${last}")
    pick_row = last + 1
    ids = [o.id for o in d.options]
    if d.chosen_option_id in ids:
        put_text(ws, pick_row, 1, "Option in use (chosen by the PM; position in the list)")
        put_input(ws, pick_row, 2, ids.index(d.chosen_option_id) + 1, "0")
    else:
        leader = get_column_letter(score_col + 1)
        put_text(ws, pick_row, 1, "Option in use (the winner; position in the list)")
        put(ws, pick_row, 2, f"=MATCH(1,{leader}{first}:{leader}{last},0)", "0")
    _name(wb, f"dec{k_dec}_pick", ws.title, pick_row, 2)
    # a native chart of TCO per option under the table, so the printed page is no wider than it
    chart = BarChart()
    chart.title = "TCO by option"
    chart.legend = None
    chart.y_axis.numFmt = fmt.money
    chart.add_data(Reference(ws, min_col=7, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=first, max_row=last))
    chart.y_axis.scaling.min = 0  # bars from zero, so their lengths compare honestly
    _show_axes(chart)
    chart.height = 6.5
    chart.width = 12
    # the block starts a page; a block too tall to hold its chart too moves the chart to the next
    above = sum(ws.row_dimensions[r].height or ROW_PT for r in range(title_row, pick_row + 2))
    if 2 * ROW_PT + above + TCO_CHART_ROWS * ROW_PT > PAGE_HEIGHT_PT:
        ws.row_breaks.append(Break(id=pick_row + 1))
    ws.add_chart(chart, f"A{pick_row + 2}")
    return pick_row + 2 + TCO_CHART_ROWS + 2  # the chart's rows, then a gap


def _decisions_sheet(wb: Workbook, results: PlanResults, fmt: Formats, cells: dict[str, Any]) -> None:
    ws = wb.create_sheet("Decisions")
    put_text(ws, 1, 1, "Build, partner or buy. " + LEGEND, BOLD)
    _page(ws, "B2", "1:1")
    row = 3
    for k, d in enumerate(results.plan.decisions, 1):
        if k > 1:  # each decision on a printed page of its own, so no page break cuts its chart
            ws.row_breaks.append(Break(id=row - 1))
        row = _decision_block(wb, ws, row, k, d, results, fmt, cells)
    widths = {"A": 44, "B": 22, "C": 14, "D": 14, "E": 13, "F": 13, "G": 14}
    widths.update({get_column_letter(j): 14 for j in range(8, 30)})
    _widths(ws, widths)


def _unit_block(wb: Workbook, ws: Worksheet, row: int, k_um: int, u: UnitModel, results: PlanResults,
                fmt: Formats, cells: dict[str, Any]) -> int:
    plan = results.plan
    put_text(ws, row, 1, f"Unit model: {u.name}", TITLE)
    put_text(ws, row, 6, u.id)
    row += 1
    at: dict[str, str] = {}
    for name in UNIT_INPUTS:
        put_text(ws, row, 1, field_label(name))
        value = getattr(u, name).base
        money_inputs = {"fixed_monthly": fmt.money, "revenue_per_task": fmt.per_task,
                        "tool_cost_per_task": fmt.per_task, "human_cost_per_escalation": fmt.money_cents}
        put_input(ws, row, 2, value, money_inputs.get(name, "#,##0.######"))
        _register(ws, ("unit_model", u.id, name), row, 2)
        at[name] = f"$B${row}"
        if name == "fixed_monthly":
            _name(wb, f"um{k_um}_fixed_monthly", ws.title, row, 2)
        row += 1
    linked = [(i, o.id) for i, o in enumerate(plan.opportunities, 1) if o.unit_model_id == u.id]
    put_text(ws, row, 1, "Tasks a month (volume)")
    if linked:
        put(ws, row, 2, _volume_formula(linked, ""), fmt.count)
        put_text(ws, row, 3, "tasks a month at full adoption of: " + ", ".join(oid for _, oid in linked))
    else:
        put_input(ws, row, 2, u.volume_tasks_month.base, fmt.count)
        _register(ws, ("unit_model", u.id, "volume_tasks_month"), row, 2)
    at["volume"] = f"$B${row}"
    row += 2
    heads = ("Route", "Model", "Prices", *(field_label(name) for name in ROUTE_INPUTS), *TIER_PRICES.values(),
             "Route cost per task")
    for j, h in enumerate(heads, 1):
        put_text(ws, row, j, h, BOLD)
        ws.cell(row=row, column=j).alignment = WRAP
    ws.row_dimensions[row].height = 45
    row += 1
    first = row
    col = {name: get_column_letter(j) for j, name in enumerate(ROUTE_INPUTS, 4)}
    paid = {name: get_column_letter(j) for j, name in enumerate(TIER_PRICES, 4 + len(ROUTE_INPUTS))}
    cost_col = 4 + len(ROUTE_INPUTS) + len(TIER_PRICES)
    share_col, cost_letter = col["share"], get_column_letter(cost_col)
    tiers_at = row + len(u.routes) + 2  # the price tiers are listed under the routes
    tier_rows: list[tuple[int, Any, Any]] = []
    for route in u.routes:
        for tier in route.tiers:
            tier_rows.append((tiers_at + 1 + len(tier_rows), route, tier))
    for route in u.routes:
        put_text(ws, row, 1, route.id)
        put_text(ws, row, 2, route.model)
        put_text(ws, row, 3, source_label({"price_source": route.price_source, "price_date": route.price_date,
                                           "batch": route.batch}))
        for j, name in enumerate(ROUTE_INPUTS, 4):
            put_input(ws, row, j, getattr(route, name).base, "#,##0.######")
            _register(ws, ("route", route.id, name), row, j)
        # The price a call pays: the route's own, or the highest tier its input tokens exceed.
        for j, name in enumerate(TIER_PRICES, 4 + len(ROUTE_INPUTS)):
            formula = f"{col[name]}{row}"
            for tier_row, owner, _ in tier_rows:
                if owner is route:
                    price = get_column_letter(3 + list(TIER_PRICES).index(name))
                    formula = f"IF({col['input_tokens']}{row}>$B${tier_row},${price}${tier_row},{formula})"
            put(ws, row, j, "=" + formula, "#,##0.######")
        c = {name: f"{letter}{row}" for name, letter in col.items()}
        p = {name: f"{letter}{row}" for name, letter in paid.items()}
        written = f"MIN({c['cache_write_share']},1-{c['cached_share']})"
        # calls * (uncached, cache-read, cache-written input, output and reasoning tokens at their
        # prices) / 1e6 + calls * the fee per request (docs/formulas.md 3.3)
        put(ws, row, cost_col,
            f"={c['calls_per_task']}*({c['input_tokens']}*(1-{c['cached_share']}-{written})*{p['price_in_mtok']}"
            f"+{c['input_tokens']}*{c['cached_share']}*{p['price_cached_in_mtok']}"
            f"+{c['input_tokens']}*{written}*{p['price_cache_write_mtok']}"
            f"+{c['output_tokens']}*{p['price_out_mtok']}"
            f"+{c['reasoning_tokens']}*{c['price_reasoning_mtok']})/1000000"
            f"+{c['calls_per_task']}*{c['price_per_request']}", fmt.per_task)
        row += 1
    last = row - 1
    row += 1
    if tier_rows:
        for j, h in enumerate(("Price tier of route", "Above input tokens", *TIER_PRICES.values()), 1):
            put_text(ws, tiers_at, j, h.replace(" paid", ""), BOLD)
        for tier_row, route, tier in tier_rows:
            put_text(ws, tier_row, 1, route.id)
            put_input(ws, tier_row, 2, tier.above, "#,##0")
            for j, name in enumerate(TIER_PRICES, 3):
                put_input(ws, tier_row, j, getattr(tier, name), "#,##0.######")
        row = tier_rows[-1][0] + 2
    results_rows: dict[str, str] = {}
    if u.routes:
        llm = (f"=SUMPRODUCT({share_col}{first}:{share_col}{last},{cost_letter}{first}:{cost_letter}{last})"
               f"/SUM({share_col}{first}:{share_col}{last})")
    else:
        llm = "=0"
    formulas = {
        "llm_cost_per_task": llm,
        "retrieval_cost_per_task": f"={at['embed_tokens_per_task']}*{at['embed_price_mtok']}/1000000"
                                   f"+{at['vector_queries_per_task']}*{at['vector_price_per_1k']}/1000",
        "variable_cost_per_task": "={llm}*(1+{retry})+{retr}+{tool}+{esc}*{human}",
        # no volume: no loaded cost and no margin (the engine's nulls), never a #DIV/0!
        "loaded_cost_per_task": '=IF({vol}>0,{var}+{fixed}/{vol},"")',
        "gross_margin": '=IF(OR({rev}=0,{loaded}=""),"",({rev}-{loaded})/{rev})',
        "break_even_tasks_month": '=IF({rev}>{var},{fixed}/({rev}-{var}),"")',
    }
    for name, formula in formulas.items():
        results_rows[name] = f"$B${row}"
        if name == "variable_cost_per_task":
            _name(wb, f"um{k_um}_variable_cost_per_task", ws.title, row, 2)
        formula = formula.format(
            llm=results_rows.get("llm_cost_per_task"), retry=at["retry_rate"],
            retr=results_rows.get("retrieval_cost_per_task"), tool=at["tool_cost_per_task"],
            esc=at["escalation_rate"], human=at["human_cost_per_escalation"],
            var=results_rows.get("variable_cost_per_task"), fixed=at["fixed_monthly"], vol=at["volume"],
            rev=at["revenue_per_task"], loaded=results_rows.get("loaded_cost_per_task"),
        ) if "{" in formula else formula
        put_text(ws, row, 1, UNIT_RESULT_LABELS[name], BOLD)
        number_format = {"gross_margin": fmt.percent,
                         "break_even_tasks_month": fmt.count}.get(name, fmt.per_task)
        put(ws, row, 2, formula, number_format)
        cells.setdefault("unit", {})[u.id, name] = (ws.title, row, 2)
        row += 1
    return row + 1


def _unit_sheet(wb: Workbook, results: PlanResults, fmt: Formats, cells: dict[str, Any]) -> None:
    ws = wb.create_sheet("Unit economics")
    put_text(ws, 1, 1, "Unit economics. " + LEGEND, BOLD)
    _page(ws, "B2", "1:1")
    row = 3
    for k, u in enumerate(results.plan.unit_models, 1):
        row = _unit_block(wb, ws, row, k, u, results, fmt, cells)
    widths = {"A": 30, "B": 22, "C": 16}
    widths.update({get_column_letter(j): 14 for j in range(4, 5 + len(ROUTE_INPUTS) + len(TIER_PRICES))})
    _widths(ws, widths)


def _uncertainty_sheet(wb: Workbook, results: PlanResults, fmt: Formats) -> None:
    ws = wb.create_sheet("Uncertainty")
    put_text(ws, 1, 1, f"Monte Carlo NPV, {results.samples:,} samples, seed {results.plan.settings.mc_seed}"
             " — simulated — not recalculated: these are values from the app, not formulas.", BOLD)
    heads = ("ID", "Opportunity", "NPV mean", "NPV P10", "NPV P50", "NPV P90", "Chance NPV > 0",
             "Funded in the app")
    _heads(ws, 2, heads)
    _page(ws, "C3", "1:2")
    row = 3
    funded = set(results.portfolio.selected)
    rows = [(r.id, r.name, r.mc, "Yes" if r.id in funded else "No") for r in results.opportunities]
    rows.append(("portfolio", "All opportunities", results.portfolio.mc, ""))
    if results.portfolio.budget is not None:
        rows.append(("funded", "Funded set", results.portfolio.selected_mc, ""))
    for oid, name, mc, is_funded in rows:
        put_text(ws, row, 1, oid)
        put_text(ws, row, 2, name)
        put_text(ws, row, 8, is_funded)
        if mc is not None:
            for j, value in enumerate((mc.mean, mc.p10, mc.p50, mc.p90), 3):
                put(ws, row, j, float(value), fmt.money)
            put(ws, row, 7, float(mc.p_positive), fmt.percent)
        else:
            put_text(ws, row, 3, "not simulated")
        row += 1
    _widths(ws, {"A": 24, "B": 36, "C": 15, "D": 15, "E": 15, "F": 15, "G": 14, "H": 16})


def build_workbook(data: dict[str, Any], results: PlanResults, scenarios: ScenarioSet | None = None
                   ) -> tuple[_Workbook, dict[str, Any]]:
    """The workbook and where its decision and unit-economics results live (for tests)."""
    wb = _Workbook()
    fmt = Formats(results.plan.settings.currency)
    cells: dict[str, Any] = {}
    linked = _inputs_sheet(wb, data, results, fmt)
    _linked_sheet(wb, results, fmt, linked)
    blocks = _cashflows_sheet(wb, results, fmt)
    _portfolio_sheet(wb, results, blocks, fmt)
    _decisions_sheet(wb, results, fmt, cells)
    _unit_sheet(wb, results, fmt, cells)
    _uncertainty_sheet(wb, results, fmt)
    from app.exports.outlook import scenario_set
    from app.exports.workbook_scenarios import information_sheet, scenarios_sheet

    sset = scenarios if scenarios is not None else scenario_set(data, results)
    if sset.any:
        scenarios_sheet(wb, data, results, sset, fmt)
    information_sheet(wb, results, fmt)
    from app.exports.workbook_gates import gates_sheet

    gates_sheet(wb, results, fmt, cells)
    wb.active = wb.sheetnames.index("Portfolio")
    # openpyxl stores no cached values: ask Excel to compute everything when it opens the file
    wb.calculation.fullCalcOnLoad = True
    s = results.plan.settings
    wb.properties.title = _clean(s.name, wb.removed)
    wb.properties.creator = _clean((data.get("project") or {}).get("author") or "", wb.removed)
    return wb, cells


def workbook_bytes(data: dict[str, Any], results: PlanResults, scenarios: ScenarioSet | None = None
                   ) -> tuple[bytes, list[str]]:
    """The live workbook as .xlsx bytes, and a warning line when text had to lose characters."""
    wb, _ = build_workbook(data, results, scenarios)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), _removed_warning(wb.removed)


def write_workbook(data: dict[str, Any], results: PlanResults, out: Path) -> list[str]:
    """Write the live workbook to ``out`` through the one export write path; return warnings."""
    from app.outputs import ZIP_MAGIC, write_export

    xlsx, warnings = workbook_bytes(data, results)
    write_export(Path(out), xlsx, ZIP_MAGIC, "workbook")
    return warnings


def _removed_warning(removed: set[str]) -> list[str]:
    if not removed:
        return []
    codes = ", ".join(f"U+{ord(c):04X}" for c in sorted(removed))
    return [f"The workbook leaves out characters that a spreadsheet cannot store ({codes}); "
            "they were removed from the text they appeared in."]
