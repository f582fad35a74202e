"""The live Excel workbook: inputs in named cells and every result a formula of them (DESIGN 3, 6)."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from app.formatting import SYMBOLS
from models.engine import Key, PlanResults, estimate_inputs, structure
from models.estimate import Estimate
from models.plan import Decision, Opportunity, Plan, UnitModel

BOLD = Font(name="Calibri", bold=True)
TITLE = Font(name="Calibri", bold=True, size=13)
WRAP = Alignment(wrap_text=True, vertical="bottom")
#: Effective inputs that are money amounts (the rest are counts, fractions or months).
MONEY_INPUTS = frozenset({"build_cost", "run_cost_annual"})
PER_TASK_INPUTS = frozenset({"cost_per_task"})
CENTS_INPUTS = frozenset({"value_per_success"})
FRACTION_INPUTS = frozenset({"adoption_target", "success_rate", "p_success", "confidence"})
#: Monthly columns on Cashflows, in order, after the opportunity id (A) and month (B).
FLOW_COLUMNS = ("k", "adoption", "tasks", "benefit", "build", "run", "variable", "cost", "net",
                "discount_factor", "cumulative_net", "went_negative", "recovered_month")
UNIT_INPUTS = ("revenue_per_task", "retry_rate", "embed_tokens_per_task", "embed_price_mtok",
               "vector_queries_per_task", "vector_price_per_1k", "tool_cost_per_task",
               "escalation_rate", "human_cost_per_escalation", "fixed_monthly")
ROUTE_INPUTS = ("share", "price_in_mtok", "price_out_mtok", "price_cached_in_mtok", "input_tokens",
                "output_tokens", "cached_share", "calls_per_task")


# What XML 1.0 (so .xlsx) cannot hold: openpyxl's control characters, and the noncharacters
# U+FFFE and U+FFFF and lone surrogates, which openpyxl lets through and then fails to save.
_UNSTORABLE = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ufffe\uffff\ud800-\udfff]")


class _Workbook(Workbook):  # type: ignore[misc]
    """A workbook that remembers which characters its text lost (for one warning line)."""

    def __init__(self) -> None:
        super().__init__()
        self.removed: set[str] = set()


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
    """A number or one of our own formulas."""
    cell = ws.cell(row=row, column=col, value=value)
    if fmt:
        cell.number_format = fmt


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


def _effective_cell(plan: Plan, o: Opportunity, field: str, keys: list[Key], value: float) -> float | str:
    """The opportunity's own value, or a formula of the option and unit-model cells it comes from.

    DESIGN 3.4: a linked decision's option and a linked unit model replace some inputs, so an
    exec who edits the option's quote or the unit model's prices sees the opportunity move.
    """
    decisions = {d.id: k for k, d in enumerate(plan.decisions, 1)}
    if field == "cost_per_task" and o.decision_id is not None and o.unit_model_id is None:
        # the option's per-task cost replaces the opportunity's only when it has one; which
        # option applies can change in the workbook (the winner), so decide it in the cell
        k = decisions[o.decision_id]
        pick = f"INDEX(dec{k}_cost_per_task,dec{k}_pick)"
        return f"=IF({pick}<>0,{pick},{float(o.cost_per_task.base)!r})"
    if len(keys) == 1 and keys[0][0] == "opportunity":
        return value
    options = {o.id: decisions[d.id] for d in plan.decisions for o in d.options}
    units = {u.id: k for k, u in enumerate(plan.unit_models, 1)}
    parts: list[str] = []
    for kind, oid, part in keys:
        if kind == "opportunity":
            parts.append(repr(float(value_of(plan, oid, part))))
        elif kind == "option":
            k = options[oid]
            parts.append(f"INDEX(dec{k}_{part},dec{k}_pick)")
        elif part == "fixed_monthly":
            parts.append(f"12*um{units[oid]}_fixed_monthly")
        else:
            parts.append(f"um{units[oid]}_{part}")
    return "=" + "+".join(parts)


def value_of(plan: Plan, opportunity_id: str, field: str) -> float:
    o = next(x for x in plan.opportunities if x.id == opportunity_id)
    return float(getattr(o, field).base)


def _inputs_sheet(wb: Workbook, data: dict[str, Any], results: PlanResults, fmt: Formats) -> None:
    ws = wb.active
    ws.title = "Inputs"
    plan = results.plan
    s = plan.settings
    for col, head in enumerate(("Input", "Value", "Low", "High", "Distribution", "Source", "Note",
                                "Name"), 1):
        put_text(ws, 1, col, head, BOLD)
    ws.freeze_panes = "A2"
    put_text(ws, 2, 1, "Project", TITLE)
    put_text(ws, 2, 2, s.name)
    put(ws, 3, 2, s.horizon_years, "0")
    put_text(ws, 3, 1, "horizon_years")
    put_text(ws, 3, 7, "Fixed at export: the Cashflows sheet has one row per month of this horizon.")
    put_text(ws, 3, 8, "horizon_years")
    _name(wb, "horizon_years", "Inputs", 3, 2)
    put_text(ws, 4, 1, "discount_rate")
    put(ws, 4, 2, s.discount_rate, "0.00%")
    put_text(ws, 4, 8, "discount_rate")
    _name(wb, "discount_rate", "Inputs", 4, 2)
    put_text(ws, 5, 1, "currency")
    put_text(ws, 5, 2, s.currency)

    st = structure(plan)
    estimates = estimate_inputs(plan)
    notes_by_id = {o.get("id"): (o.get("notes") or {}) for o in data.get("opportunities") or []}
    row = 7
    for i, (o, r) in enumerate(zip(plan.opportunities, results.opportunities, strict=True), 1):
        put_text(ws, row, 1, f"Opportunity {i}: {o.name}", TITLE)
        put_text(ws, row, 6, o.id)
        row += 1
        notes = notes_by_id.get(o.id) or {}
        for field, (value, source) in r.effective.items():
            keys = st.sources[o.id].get(field, [])
            est = estimates.get(keys[0]) if len(keys) == 1 else None
            low, high, dist = _range_text(est)
            name = f"opp{i}_{field}"
            put_text(ws, row, 1, field)
            put(ws, row, 2, _effective_cell(plan, o, field, keys, value), fmt.for_input(field))
            if low is not None:
                put(ws, row, 3, low, fmt.for_input(field))
                put(ws, row, 4, high, fmt.for_input(field))
                put_text(ws, row, 5, dist)
            put_text(ws, row, 6, source)
            put_text(ws, row, 7, notes.get(field, ""))
            put_text(ws, row, 8, name)
            _name(wb, name, "Inputs", row, 2)
            row += 1
        row += 1
    _widths(ws, {"A": 28, "B": 16, "C": 12, "D": 12, "E": 12, "F": 34, "G": 70, "H": 30})


def _cashflows_sheet(wb: Workbook, results: PlanResults, fmt: Formats) -> dict[int, tuple[int, int]]:
    """One block of monthly rows per opportunity; returns opportunity number -> (first, last) row."""
    ws = wb.create_sheet("Cashflows")
    months = results.plan.settings.months
    heads = ("opportunity", "m", *FLOW_COLUMNS)
    for col, head in enumerate(heads, 1):
        put_text(ws, 1, col, head, BOLD)
    ws.freeze_panes = "C2"
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
                # DESIGN 3.1: 0 before launch; target * min(1, k / ramp) after; target if ramp = 0
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


PORTFOLIO_HEADER = ("id", "name", "npv", "enpv", "irr", "roi", "payback_month", "pv_benefit",
                    "pv_cost", "rice")


def _portfolio_sheet(wb: Workbook, results: PlanResults, blocks: dict[int, tuple[int, int]],
                     fmt: Formats) -> None:
    ws = wb.create_sheet("Portfolio")
    for col, head in enumerate(PORTFOLIO_HEADER, 1):
        put_text(ws, 1, col, head, BOLD)
    ws.freeze_panes = "C2"
    for i, o in enumerate(results.plan.opportunities, 1):
        r = i + 1
        first, last = blocks[i]
        p = f"opp{i}_"
        net, df = _cf("net", first, last), _cf("discount_factor", first, last)
        put_text(ws, r, 1, o.id)
        put_text(ws, r, 2, o.name)
        put(ws, r, 3, f"=SUMPRODUCT({net},{df})", fmt.money)
        pv_build = f"SUMPRODUCT({_cf('build', first, last)},{df})"
        put(ws, r, 4, f"={p}p_success*C{r}-(1-{p}p_success)*{pv_build}", fmt.money)
        # Excel's IRR needs a sign change; without one it errors and the cell stays empty, as
        # the engine's null. The guess is a monthly rate near zero, where the engine looks first.
        put(ws, r, 5, f'=IFERROR((1+IRR({net},0.01))^12-1,"")', fmt.percent)
        put(ws, r, 6, f'=IF(I{r}=0,"",C{r}/I{r})', fmt.percent)
        cum = _cf("cumulative_net", first, last)
        put(ws, r, 7, f'=IF(COUNTIF({cum},"<0")=0,0,IF(COUNT({_cf("recovered_month", first, last)})=0,"",'
                      f'MIN({_cf("recovered_month", first, last)})))', "0")
        put(ws, r, 8, f"=SUMPRODUCT({_cf('benefit', first, last)},{df})", fmt.money)
        put(ws, r, 9, f"=SUMPRODUCT({_cf('cost', first, last)},{df})", fmt.money)
        put(ws, r, 10, f'=IF({p}effort_person_months=0,"",{p}eligible_users*{p}adoption_target'
                       f'*{p}impact*{p}confidence/{p}effort_person_months)', "#,##0.0")
    n = len(results.plan.opportunities)
    if n:
        total = n + 2
        put_text(ws, total, 2, "Total", BOLD)
        put(ws, total, 3, f"=SUM(C2:C{n + 1})", fmt.money)
        put(ws, total, 4, f"=SUM(D2:D{n + 1})", fmt.money)
        put(ws, total, 8, f"=SUM(H2:H{n + 1})", fmt.money)
        put(ws, total, 9, f"=SUM(I2:I{n + 1})", fmt.money)
    _widths(ws, {"A": 24, "B": 36, "C": 15, "D": 15, "E": 10, "F": 10, "G": 14, "H": 15, "I": 15,
                 "J": 10})
    if n:
        _portfolio_chart(ws, n)


def _show_axes(chart: BarChart) -> None:
    # openpyxl 3.1 leaves axes hidden in Excel unless told otherwise
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def _portfolio_chart(ws: Worksheet, n: int) -> None:
    """A native bar chart of NPV and eNPV per opportunity, live on the formula cells."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = "NPV and eNPV by opportunity"
    chart.y_axis.title = "present value"
    chart.y_axis.numFmt = ws["C2"].number_format
    chart.add_data(Reference(ws, min_col=3, max_col=4, min_row=1, max_row=n + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=2, max_row=n + 1))
    chart.x_axis.scaling.orientation = "maxMin"  # first opportunity on top, as in the table
    _show_axes(chart)
    chart.height = max(7.5, 0.6 * n + 3)
    chart.width = 18
    ws.add_chart(chart, f"L{2}")


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
    put_text(ws, row, 1, "annual_volume")
    volume_cell = f"$B${row}"
    if linked:
        put(ws, row, 2, _volume_formula(linked, "12*"), fmt.count)
        put_text(ws, row, 3, "tasks a year at full adoption of: " + ", ".join(oid for _, oid in linked))
    else:
        put(ws, row, 2, d.annual_volume.base, fmt.count)
    row += 2
    crits = d.criteria
    n_c = len(crits)
    raw0 = 8  # first raw-value column (H)
    norm0 = raw0 + n_c
    score_col = norm0 + n_c
    # weights and direction above the normalised columns, so SUMPRODUCT lines up with a row
    put_text(ws, row, norm0 - 1, "weight", BOLD)
    weight_row = row
    for j, c in enumerate(crits):
        put(ws, row, norm0 + j, c.weight.base, "0.##")
        put_text(ws, row + 1, raw0 + j, "higher is better" if c.higher_is_better and c.kind != "tco"
                 else "lower is better")
    row += 2
    heads = ["option", "id", "upfront_cost", "annual_cost", "cost_per_task", "launch_months", "tco"]
    heads += [f"{c.name} ({c.kind})" for c in crits] + [f"n: {c.name}" for c in crits] + ["score"]
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
        put(ws, r, 3, o.upfront_cost.base, fmt.money)
        put(ws, r, 4, o.annual_cost.base, fmt.money)
        put(ws, r, 5, o.cost_per_task.base, fmt.per_task)
        put(ws, r, 6, o.launch_months.base, "0")
        put(ws, r, 7, f"=C{r}+horizon_years*(D{r}+E{r}*{volume_cell})", fmt.money)
        cells.setdefault("tco", {})[d.id, o.id] = (ws.title, r, 7)
        for j, c in enumerate(crits):
            raw_col = get_column_letter(raw0 + j)
            if c.kind == "tco":
                put(ws, r, raw0 + j, f"=G{r}", fmt.money)
            else:
                est = o.scores.get(c.id)
                put(ws, r, raw0 + j, None if est is None else est.base, "#,##0.##")
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
        put(ws, r, score_col + 1, f"=IF({s_col}{r}>=MAX(${s_col}${first}:${s_col}${last})-0.000000001,1,0)",
            "0")
    put_text(ws, first - 1, score_col + 1, "leader", BOLD)
    for j, part in enumerate(("upfront_cost", "annual_cost", "cost_per_task", "launch_months"), 3):
        letter = get_column_letter(j)
        wb.defined_names[f"dec{k_dec}_{part}"] = DefinedName(
            f"dec{k_dec}_{part}", attr_text=f"'{ws.title}'!${letter}${first}:${letter}${last}")
    pick_row = last + 1
    ids = [o.id for o in d.options]
    if d.chosen_option_id in ids:
        put_text(ws, pick_row, 1, "option in use (chosen by the PM; position in the list)")
        put(ws, pick_row, 2, ids.index(d.chosen_option_id) + 1, "0")
    else:
        leader = get_column_letter(score_col + 1)
        put_text(ws, pick_row, 1, "option in use (the winner; position in the list)")
        put(ws, pick_row, 2, f"=MATCH(1,{leader}{first}:{leader}{last},0)", "0")
    _name(wb, f"dec{k_dec}_pick", ws.title, pick_row, 2)
    # a native chart of TCO per option, sized to stay within this decision's rows
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
    ws.add_chart(chart, f"{get_column_letter(score_col + 3)}{title_row}")
    return max(last + 4, title_row + 15)  # room for the chart before the next decision


def _decisions_sheet(wb: Workbook, results: PlanResults, fmt: Formats, cells: dict[str, Any]) -> None:
    ws = wb.create_sheet("Decisions")
    row = 1
    for k, d in enumerate(results.plan.decisions, 1):
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
        put_text(ws, row, 1, name)
        value = getattr(u, name).base
        money_inputs = {"fixed_monthly": fmt.money, "revenue_per_task": fmt.per_task,
                        "tool_cost_per_task": fmt.per_task, "human_cost_per_escalation": fmt.money_cents}
        put(ws, row, 2, value, money_inputs.get(name, "#,##0.######"))
        at[name] = f"$B${row}"
        if name == "fixed_monthly":
            _name(wb, f"um{k_um}_fixed_monthly", ws.title, row, 2)
        row += 1
    linked = [(i, o.id) for i, o in enumerate(plan.opportunities, 1) if o.unit_model_id == u.id]
    put_text(ws, row, 1, "volume_tasks_month")
    if linked:
        put(ws, row, 2, _volume_formula(linked, ""), fmt.count)
        put_text(ws, row, 3, "tasks a month at full adoption of: " + ", ".join(oid for _, oid in linked))
    else:
        put(ws, row, 2, u.volume_tasks_month.base, fmt.count)
    at["volume"] = f"$B${row}"
    row += 2
    heads = ("route", "model", *ROUTE_INPUTS, "route_cost")
    for j, h in enumerate(heads, 1):
        put_text(ws, row, j, h, BOLD)
    row += 1
    first = row
    for route in u.routes:
        put_text(ws, row, 1, route.id)
        put_text(ws, row, 2, route.model)
        for j, name in enumerate(ROUTE_INPUTS, 3):
            put(ws, row, j, getattr(route, name).base, "#,##0.######")
        # calls * (uncached input + cached input + output tokens at their prices) / 1e6
        put(ws, row, 11, f"=J{row}*(G{row}*(1-I{row})*D{row}+G{row}*I{row}*F{row}+H{row}*E{row})/1000000",
            fmt.per_task)
        row += 1
    last = row - 1
    row += 1
    results_rows: dict[str, str] = {}
    if u.routes:
        llm = f"=SUMPRODUCT(C{first}:C{last},K{first}:K{last})/SUM(C{first}:C{last})"
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
        put_text(ws, row, 1, name, BOLD)
        number_format = {"gross_margin": fmt.percent,
                         "break_even_tasks_month": fmt.count}.get(name, fmt.per_task)
        put(ws, row, 2, formula, number_format)
        cells.setdefault("unit", {})[u.id, name] = (ws.title, row, 2)
        row += 1
    return row + 1


def _unit_sheet(wb: Workbook, results: PlanResults, fmt: Formats, cells: dict[str, Any]) -> None:
    ws = wb.create_sheet("Unit economics")
    row = 1
    for k, u in enumerate(results.plan.unit_models, 1):
        row = _unit_block(wb, ws, row, k, u, results, fmt, cells)
    widths = {"A": 30, "B": 22, "C": 12}
    widths.update({get_column_letter(j): 14 for j in range(4, 12)})
    _widths(ws, widths)


def _uncertainty_sheet(wb: Workbook, results: PlanResults, fmt: Formats) -> None:
    ws = wb.create_sheet("Uncertainty")
    put_text(ws, 1, 1, f"Monte Carlo NPV, {results.samples:,} samples, seed {results.plan.settings.mc_seed}"
             " — simulated — not recalculated: these are values from the app, not formulas.", BOLD)
    heads = ("id", "name", "npv_mean", "npv_p10", "npv_p50", "npv_p90", "p_npv_positive")
    for j, h in enumerate(heads, 1):
        put_text(ws, 2, j, h, BOLD)
    ws.freeze_panes = "A3"
    row = 3
    rows = [(r.id, r.name, r.mc) for r in results.opportunities]
    rows.append(("portfolio", "All opportunities", results.portfolio.mc))
    for oid, name, mc in rows:
        put_text(ws, row, 1, oid)
        put_text(ws, row, 2, name)
        if mc is not None:
            for j, value in enumerate((mc.mean, mc.p10, mc.p50, mc.p90), 3):
                put(ws, row, j, float(value), fmt.money)
            put(ws, row, 7, float(mc.p_positive), fmt.percent)
        else:
            put_text(ws, row, 3, "not simulated")
        row += 1
    _widths(ws, {"A": 24, "B": 36, "C": 15, "D": 15, "E": 15, "F": 15, "G": 14})


def build_workbook(data: dict[str, Any], results: PlanResults) -> tuple[_Workbook, dict[str, Any]]:
    """The workbook and where its decision and unit-economics results live (for tests)."""
    wb = _Workbook()
    fmt = Formats(results.plan.settings.currency)
    cells: dict[str, Any] = {}
    _inputs_sheet(wb, data, results, fmt)
    blocks = _cashflows_sheet(wb, results, fmt)
    _portfolio_sheet(wb, results, blocks, fmt)
    _decisions_sheet(wb, results, fmt, cells)
    _unit_sheet(wb, results, fmt, cells)
    _uncertainty_sheet(wb, results, fmt)
    wb.active = wb.sheetnames.index("Portfolio")
    # openpyxl stores no cached values: ask Excel to compute everything when it opens the file
    wb.calculation.fullCalcOnLoad = True
    s = results.plan.settings
    wb.properties.title = _clean(s.name, wb.removed)
    wb.properties.creator = _clean((data.get("project") or {}).get("author") or "", wb.removed)
    return wb, cells


def workbook_bytes(data: dict[str, Any], results: PlanResults) -> tuple[bytes, list[str]]:
    """The live workbook as .xlsx bytes, and a warning line when text had to lose characters."""
    wb, _ = build_workbook(data, results)
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
