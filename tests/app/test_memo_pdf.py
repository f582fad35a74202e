"""The strategy memo PDF read back: names, ranges, Unicode, hostile text printed literally, no fetches."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest

from app.exports import memo_pdf
from app.formatting import money
from app.interchange import sample_data
from models.engine import PlanResults, calculate
from models.plan import plan_from_json
from tests.app.recorder import recording_server

UNICODE = "Zoë Δέλτα Москва"
HOSTILE = ['=HYPERLINK("http://example.invalid/x","click")', "<b>not bold</b>", "</i>", "R&D & more",
           '<img src="x.png"/>']


Memo = tuple[dict[str, Any], PlanResults, str, Path]


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[int, list[str]]]:
    with recording_server() as running:
        yield running


@pytest.fixture(scope="module")
def memo(server: tuple[int, list[str]], tmp_path_factory: pytest.TempPathFactory) -> Memo:
    port = server[0]
    data = copy.deepcopy(sample_data())
    data["opportunities"][0]["name"] += f" {UNICODE}"
    data["opportunities"][1]["name"] = HOSTILE[0]
    data["opportunities"][2]["notes"]["build_cost"] = HOSTILE[1] + " " + HOSTILE[2]
    data["memo"].append({"id": "memo-hostile",
                         "title": f'Links & <i>tags</i> <img src="http://127.0.0.1:{port}/t.png"/>',
                         "body": f"{HOSTILE[3]}\n\n{HOSTILE[4]}\n\n"
                                 f'<img src="http://127.0.0.1:{port}/x.png"/>\n\n'
                                 f'<a href="http://127.0.0.1:{port}/link">a link</a>\n\n'
                                 f"**strong** and *leaning*"})
    results = calculate(plan_from_json(data))
    out = tmp_path_factory.mktemp("memo") / "memo.pdf"
    warnings = memo_pdf.write_memo(data, results, out)
    assert warnings == []
    reader = pypdf.PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    return data, results, re.sub(r"\s+", " ", text), out


def test_names_and_ranges_print(memo: Memo) -> None:
    data, results, text, _ = memo
    assert data["project"]["name"] in text
    for o in data["opportunities"]:
        assert o["name"] in text
    currency = data["project"]["currency"]
    for r in results.opportunities:
        assert r.mc is not None
        assert money(r.mc.p10, currency, short=True) in text
        assert money(r.mc.p90, currency, short=True) in text
    assert "chance of a positive NPV" in text
    assert UNICODE in text
    assert "Appendix: assumptions" in text and "Decision log" in text


def test_hostile_text_is_literal_and_fetches_nothing(memo: Memo,
                                                     server: tuple[int, list[str]]) -> None:
    _, _, text, out = memo
    port, requests = server
    for hostile in HOSTILE:
        assert hostile in text
    # Once as the heading and once in the table of contents, both literal.
    title = f'Links & <i>tags</i> <img src="http://127.0.0.1:{port}/t.png"/>'
    assert text.count(title) == 2
    assert f'<img src="http://127.0.0.1:{port}/x.png"/>' in text
    assert f'<a href="http://127.0.0.1:{port}/link">a link</a>' in text
    assert "strong and leaning" in text  # light formatting still applies to the PM's own markup
    assert requests == []
    # The only links are the contents' jumps to headings inside the memo: none from user text
    # points anywhere outside it.
    links = [annot.get_object() for page in pypdf.PdfReader(out).pages for annot in page.get("/Annots", [])]
    assert links and all("/URI" not in str(link.get("/A", "")) and "/Dest" in link for link in links)


def test_metadata_is_the_projects(memo: Memo) -> None:
    data, _, _, out = memo
    meta = pypdf.PdfReader(out).metadata
    assert meta is not None
    assert meta.title == data["project"]["name"]
    assert meta.author == data["project"]["author"]
    assert meta.subject and meta.subject.startswith("Strategy memo")


def test_page_count_and_no_temp_files(memo: Memo) -> None:
    _, _, _, out = memo
    assert len(pypdf.PdfReader(out).pages) > 5
    assert [p.name for p in out.parent.iterdir()] == ["memo.pdf"]


def test_characters_no_font_has_are_reported_in_one_line() -> None:
    """A character of a private plane has no font anywhere: one line names it, whatever else
    the plan holds (scripts with a system font print in it, see test_scripts)."""
    data = {"project": {"name": "Plan \U000F0001 🚀"}, "opportunities": [{"name": "\U000F0001 漢字"}]}
    warnings = memo_pdf.missing_glyphs(data)
    assert len(warnings) == 1 and "U+F0001" in warnings[0]
    assert memo_pdf.missing_glyphs({"project": {"name": UNICODE}}) == []


def test_failed_export_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      memo: Memo) -> None:
    data, results, _, _ = memo

    def boom(*args: Any) -> list[Any]:
        raise RuntimeError("boom")

    monkeypatch.setattr(memo_pdf, "_story", boom)
    out = tmp_path / "memo.pdf"
    with pytest.raises(RuntimeError):
        memo_pdf.write_memo(data, results, out)
    assert list(tmp_path.iterdir()) == []


def test_light_markup_escapes_before_formatting() -> None:
    assert memo_pdf.inline_markup("**a** <b>x</b> & *i*") == "<b>a</b> &lt;b&gt;x&lt;/b&gt; &amp; <i>i</i>"


def test_charts_are_sharp_and_drawn(memo: Memo) -> None:
    """Every chart is embedded at 200 dpi or more across the text width, and is not blank."""
    data, results, _, out = memo
    images = [image for page in pypdf.PdfReader(out).pages for image in page.images]
    plan = results.plan
    # Bubble, NPV distribution, the top opportunity's tornado, one TCO chart per decision,
    # one cost-per-task chart per unit model, and the scenarios side by side when there are any.
    scenarios = 1 if data.get("scenarios") else 0
    assert len(images) == 3 + len(plan.decisions) + len(plan.unit_models) + scenarios
    for image in images:
        pixels = image.image
        assert pixels.width / (memo_pdf.WIDTH / 72) >= 199.5
        colours = pixels.convert("L").getextrema()
        assert colours[0] < 100 and colours[1] > 240  # dark ink on a white ground


@pytest.mark.parametrize(("chosen", "said"), [
    (None, "Build and Partner tie at 75.0 of 100, a close call. Any change in the weights breaks the tie: "
           "more weight on Quality favours Build; more weight on Speed favours Partner. Until one is "
           "chosen, the plan uses Build, the first entered."),
    # Contract review is not funded (negative eNPV), so even the chosen option is not recommended.
    ("opt-contract-partner", "Not recommended now: Contract review is not funded (negative eNPV of −$207k, "
                             "so it is expected to lose money). The option chosen is Partner; Build ties for "
                             "the highest score at 75.0 of 100. Any change in the weights breaks the tie"),
])
def test_a_tied_decision_reads_as_a_tie(tmp_path: Path, chosen: str | None, said: str) -> None:
    from tests.models.test_decision_ties import with_tied_decision

    data = with_tied_decision(copy.deepcopy(sample_data()), chosen)
    out = tmp_path / "memo.pdf"
    memo_pdf.write_memo(data, calculate(plan_from_json(data), samples=1000), out)
    text = re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in pypdf.PdfReader(out).pages))
    assert said in text
    # The copilot's option "Partner: cloud AI platform..." is recommended; contract review's is not.
    assert "We recommend Build" not in text and "We recommend Partner," not in text
