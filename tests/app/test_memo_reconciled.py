"""The memo read back as an executive reads it: the ask on page 1, figures equal to ``calc --json``."""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest

from app.briefing import missing_references_warning
from app.exports import memo_pdf
from app.formatting import money
from app.interchange import sample_data
from app.labels import field_label
from models.engine import calculate
from models.plan import plan_from_json
from tests.app.test_cli import aiplan
from tests.benchmarks.plans import scaled_sample

#: A printed figure: money, a percent, "month 4", "4 months" or a plain number.
FIGURE = re.compile(r"(−?)\$([\d,]+(?:\.\d+)?)|(−?[\d,]+(?:\.\d+)?)%|month (\d+)|(−?[\d,]+(?:\.\d+)?) months"
                    r"|(−?[\d,]+(?:\.\d+)?)")


def _pages(pdf: Path | bytes) -> list[str]:
    reader = pypdf.PdfReader(pdf if isinstance(pdf, Path) else io.BytesIO(pdf))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def _figure(text: str) -> tuple[float, float]:
    """The first figure in ``text`` as the model's unit (fractions for percents) and half its last
    printed digit, the most it may differ from the value it was printed from."""
    m = FIGURE.search(text)
    assert m is not None, text
    dollars, pct, mon, months, plain = m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)
    raw = dollars or pct or mon or months or plain
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    value = float(raw.replace(",", "").replace("−", "-"))
    if dollars and m.group(1):
        value = -value
    half = 0.5 * 10 ** -decimals
    if pct is not None:
        return value / 100, half / 100
    return value, half


@pytest.fixture(scope="module")
def calc_json(sample_file_template: Path) -> dict[str, Any]:
    result = aiplan("calc", sample_file_template, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def sample_pages() -> list[str]:
    data = sample_data()
    pdf, warnings = memo_pdf.build_memo(data, calculate(plan_from_json(data), samples=2000))
    assert warnings == []
    return _pages(pdf)


def test_page_one_carries_the_ask_and_the_funded_value(sample_pages: list[str],
                                                       calc_json: dict[str, Any]) -> None:
    p = calc_json["portfolio"]
    first = sample_pages[0]
    ask = (f"Approve {money(p['selected_build_cost'], 'USD', short=True)} of build budget, of the "
           f"{money(p['budget'], 'USD', short=True)} available, for {len(p['selected'])} opportunities.")
    assert ask == "Approve $890k of build budget, of the $900k available, for 4 opportunities."
    assert ask in first
    assert f"eNPV {money(p['selected_enpv'], 'USD', short=True)}; NPV P10–P90" in first
    assert "ranges include failed launches" in first
    assert "Contract review: negative eNPV" in first and "Decision needed" in first
    # No recommendation of what the plan does not fund, anywhere in the memo.
    assert "recommend Build on model APIs" not in " ".join(sample_pages)


def test_every_appendix_figure_is_the_effective_input(sample_pages: list[str],
                                                      calc_json: dict[str, Any]) -> None:
    text = " ".join(sample_pages)
    appendix = text[text.rindex("Appendix: assumptions"):text.rindex("Decision log")]
    ops = calc_json["opportunities"]
    names = [o["name"] for o in ops]
    checked = 0
    for o in ops:
        start = appendix.index(o["name"] + " ")
        ends = [appendix.find(n + " ", start + len(o["name"])) for n in names if n != o["name"]]
        section = appendix[start:min([x for x in ends if x > start] or [len(appendix)])]
        for field, used in o["effective"].items():
            label = field_label(field)
            at = re.search(re.escape(label) + r" (?=[−$\d]|month)", section)
            assert at is not None, (o["id"], label)
            printed, tolerance = _figure(section[at.end():])
            assert abs(printed - used["value"]) <= tolerance + 1e-12, (o["id"], field, printed, used)
            checked += 1
    assert checked == sum(len(o["effective"]) for o in ops) > 100
    # The source is said in words beside the value the model used (value and source are two columns).
    assert ("Run cost a year $138,000 option “Partner: cloud AI platform plus implementation partner” "
            "$96,000 + unit model “Support copilot: cost per assisted reply” fixed $3,500 a month × 12"
            ) in text


def test_the_funded_set_is_marked_and_bridged(sample_pages: list[str], calc_json: dict[str, Any]) -> None:
    text = " ".join(sample_pages)
    p = calc_json["portfolio"]
    enpv = money(p["selected_enpv"], "USD", short=True)
    assert f"eNPV of the 4 funded within the $900k budget {enpv}" in text
    assert f"Build cost of the funded set {money(p['selected_build_cost'], 'USD', short=True)}" in text
    assert "Funded set" in text and "Whole plan" in text
    ranked = {o["id"]: o["name"] for o in calc_json["opportunities"]}
    for oid, name in ranked.items():
        mark = "funded" if oid in p["selected"] else "not funded"
        assert re.search(re.escape(name) + r" .{0,80}? " + mark, text), name


def test_sixty_opportunities_summarise_with_numbered_pages_and_bookmarks(tmp_path: Path) -> None:
    data = scaled_sample(60)
    out = tmp_path / "memo.pdf"
    memo_pdf.write_memo(data, calculate(plan_from_json(data), samples=1000), out)
    pages = _pages(out)
    # Summarised: top opportunities and the funded set in detail, the rest in one table (30
    # pages, and the launch readiness of the sample's three gated opportunities).
    assert len(pages) <= 32
    for n, page in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in page
    text = " ".join(pages)
    assert "The other opportunities" in text
    for o in data["opportunities"]:
        assert o["name"] in text
    reader = pypdf.PdfReader(out)
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert {"Portfolio", "Appendix: assumptions", "Decision log"} <= set(titles)
    # The contents page links to its headings.
    assert any("/Annots" in page for page in reader.pages[:2])


def test_a_reference_to_what_no_longer_exists_is_visible(tmp_path: Path) -> None:
    data = copy.deepcopy(sample_data())
    data["memo"][0]["body"] = ("We ask for {portfolio.funded_build_cost} to earn {portfolio.funded_enpv}. "
                               "Old figure: {opportunity:opp9.npv}.")
    source, plan, out = tmp_path / "in.json", tmp_path / "plan.aiplan", tmp_path / "memo.pdf"
    source.write_text(json.dumps(data), encoding="utf-8")
    assert aiplan("import-json", source, plan).returncode == 0
    result = aiplan("export", plan, "--memo", out)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "no longer exist" in line]
    assert warnings == [f"aiplan: warning: {missing_references_warning(['opportunity:opp9.npv'])}"]
    funded = calculate(plan_from_json(data), monte_carlo=False).portfolio.selected_enpv
    text = " ".join(_pages(out))
    assert (f"We ask for $890k to earn {money(funded, 'USD', short=True)}. "
            "Old figure: [missing: opportunity:opp9.npv].") in text
