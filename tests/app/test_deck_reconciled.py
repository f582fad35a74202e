"""The deck says what the memo and ``aiplan calc`` say: the decision box up front, the inputs the model
used, and no recommendation the plan does not fund or choose. Files written by ``aiplan export`` and
read back with python-pptx and pypdf."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation
from pypdf import PdfReader

from app.exports.deck import build_slides
from app.formatting import money
from app.interchange import sample_data
from app.labels import FIELDS
from models.engine import calculate
from models.plan import plan_from_json
from tests.app.test_cli import aiplan
from tests.benchmarks.plans import scaled_sample

LABELS = {label: name for name, (label, _) in FIELDS.items()}
#: "$138,000", "−$15k", "$0.0616", "85%", "month 4": a printed figure and the precision it shows.
AMOUNT = re.compile(r"^(−|-)?\$([\d,]+(?:\.(\d+))?)([kM]?)$")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _value(text: str) -> tuple[float, float]:
    """The number a figure prints and half its last printed digit (how far the true value may be)."""
    if text.startswith("month "):
        return float(text.removeprefix("month ")), 0.0
    if text.endswith("%"):
        digits = text[:-1].split(".")
        return float(text[:-1]) / 100, 0.5 * 10 ** -(len(digits[1]) if len(digits) > 1 else 0) / 100
    match = AMOUNT.match(text)
    assert match, f"not a figure: {text!r}"
    sign, number, decimals, unit = match.groups()
    scale = {"": 1.0, "k": 1e3, "M": 1e6}[unit]
    value = float(number.replace(",", "")) * scale * (-1 if sign else 1)
    return value, 0.5 * 10 ** -len(decimals or "") * scale


def _export(plan: Path, folder: Path) -> dict[str, Any]:
    calc = aiplan("calc", plan, "--json")
    assert calc.returncode == 0, calc.stderr
    out = {"calc": json.loads(calc.stdout), "pptx": folder / "deck.pptx", "pdf": folder / "deck.pdf",
           "memo": folder / "memo.pdf"}
    for args in (("--memo", out["memo"], "--deck", out["pptx"]), ("--deck", out["pdf"])):
        result = aiplan("export", plan, *args)
        assert result.returncode == 0, result.stderr
    out["slides"] = [_slide_text(page) for page in Presentation(str(out["pptx"])).slides]
    out["pages"] = [_flat(page.extract_text()) for page in PdfReader(str(out["pdf"])).pages]
    return out


def _slide_text(page: Any) -> dict[str, Any]:
    texts, tables = [], []
    for shape in page.shapes:
        if shape.has_text_frame:
            texts.append(shape.text_frame.text)
        if shape.has_table:
            rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
            tables.append(rows)
            texts += [" ".join(row) for row in rows]
    return {"title": page.shapes.title.text_frame.text, "text": _flat(" ".join(texts)), "tables": tables}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = {}
    for name, data in (("sample", sample_data()), ("sixty", scaled_sample(60))):
        folder = tmp_path_factory.mktemp(name)
        (folder / "plan.json").write_text(json.dumps(data), encoding="utf-8")
        made = aiplan("import-json", folder / "plan.json", folder / "plan.aiplan")
        assert made.returncode == 0, made.stderr
        out[name] = {"data": data, **_export(folder / "plan.aiplan", folder)}
    return out


PLANS = ("sample", "sixty")


@pytest.mark.parametrize("plan", PLANS)
def test_slide_two_is_the_memos_decision_box(exported: dict[str, dict[str, Any]], plan: str) -> None:
    deck = exported[plan]
    memo = _flat(PdfReader(str(deck["memo"])).pages[0].extract_text())
    ask = re.search(r"Approve \S+ of build budget, of the \S+ available, for \d+ opportunit(y|ies)\.", memo)
    value = re.search(r"eNPV (\S+); NPV P10–P90 \S+ to \S+, median \S+; \d+% chance of a loss", memo)
    assert ask and value, memo
    portfolio = deck["calc"]["portfolio"]
    # The memo's figures are calc's, and slide 2 prints them in the same words, in both files.
    assert value.group(1) == money(portfolio["selected_enpv"], "USD", short=True)
    assert ask.group(0).startswith(f"Approve {money(portfolio['selected_build_cost'], 'USD', short=True)} ")
    slide, page = deck["slides"][1], deck["pages"][1]
    assert slide["title"].startswith("The decision: approve")
    for words in (ask.group(0), value.group(0), "Not funded", "Decision needed"):
        assert words in slide["text"] and words in page, words


@pytest.mark.parametrize("plan", PLANS)
def test_every_input_figure_on_an_opportunity_slide_is_the_one_the_model_used(
        exported: dict[str, dict[str, Any]], plan: str) -> None:
    deck = exported[plan]
    calc = deck["calc"]
    by_name = {o["name"]: o for o in calc["opportunities"]}
    seen = set()
    checked = 0
    for slide, page in zip(deck["slides"], deck["pages"], strict=True):
        title = re.match(r"^(.*) (?:leads|ranks #\d+): ", slide["title"])
        if not title or "(continued)" in slide["title"]:
            continue
        opportunity = by_name[title.group(1)]
        seen.add(opportunity["id"])
        (table,) = [t for t in slide["tables"] if t[0] == ["Input", "Used", "Source"]]
        for label, used, _source in table[1:]:
            effective = opportunity["effective"][LABELS[label]]["value"]
            printed, slack = _value(used)
            assert abs(printed - effective) <= slack + 1e-9, (opportunity["name"], label, used, effective)
            assert f"{label} {used}" in page  # the PDF prints the same row
            checked += 1
        # The IRR sentence's build cost is the effective one too.
        for build in re.findall(r"small build cost \((\S+)\)", slide["text"]):
            printed, slack = _value(build)
            assert abs(printed - opportunity["effective"]["build_cost"]["value"]) <= slack
    # The memo's rule: every funded opportunity and the top 10 by eNPV get a slide; the rest a table.
    ranking = calc["portfolio"]["ranking"]
    assert seen == set(ranking[:10]) | set(calc["portfolio"]["selected"])
    assert checked >= 3 * len(seen)
    if len(ranking) > len(seen):
        assert any(s["title"].startswith(f"The other {len(ranking) - len(seen)} opportunities")
                   for s in deck["slides"])


def _recommends(text: str) -> bool:
    return re.search(r"(?<!Not )\brecommend", text, re.IGNORECASE) is not None


@pytest.mark.parametrize("plan", PLANS)
def test_nothing_unfunded_or_unchosen_is_recommended(exported: dict[str, dict[str, Any]], plan: str) -> None:
    deck = exported[plan]
    data, calc = deck["data"], deck["calc"]
    funded = set(calc["portfolio"]["selected"])
    for decision in data["decisions"]:
        linked = [o for o in data["opportunities"] if o.get("decision_id") == decision["id"]]
        unfunded = bool(linked) and not any(o["id"] in funded for o in linked)
        slides = [s for s in deck["slides"] if s["title"].startswith(decision["name"])]
        assert slides
        if unfunded or not decision.get("chosen_option_id"):
            assert not any(_recommends(s["text"]) for s in slides), decision["name"]
        if unfunded:
            assert all("Not recommended now" in s["text"] for s in slides)
    names = {o["id"]: o["name"] for o in calc["opportunities"]}
    for slide in deck["slides"]:
        if any(slide["title"].startswith(f"{names[i]} ") for i in names if i not in funded):
            assert not _recommends(slide["text"]), slide["title"]
            assert "Not funded:" in slide["text"] or "not funded" in slide["title"]


def test_a_funded_decision_with_no_option_chosen_asks_for_a_choice() -> None:
    data = copy.deepcopy(sample_data())
    (decision,) = [d for d in data["decisions"] if d["name"].startswith("How do we get the support copilot")]
    decision["chosen_option_id"] = None
    slides = build_slides(data, calculate(plan_from_json(data), samples=1000))
    (slide,) = [s for s in slides if s.title.startswith(decision["name"])]
    text = " ".join([slide.title, *slide.bullets])
    assert "no option chosen" in slide.title and not _recommends(text)
    assert slide.bullets[0].startswith("No option is chosen yet: Partner")
    box = " ".join(" ".join(row) for row in slides[1].table or [])
    assert "choose an option for “How do we get the support copilot?”" in box
