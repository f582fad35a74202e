"""What to learn next: the inputs most worth learning before committing, in currency
(docs/formulas.md 3.9), for one opportunity or for the whole plan."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.information_words import (
    Learnable,
    evpi_sentence,
    learn_next_sentences,
    opportunity_learnable,
    plan_learnable,
    plan_sentences,
)
from models.engine import OpportunityResult, PlanResults
from views.number_display import money
from views.workspace import heading

#: Inputs listed under the sentences, largest first.
LISTED = 5
GREY = "#6b7280"
BAR = "#2A8C82"


class InformationPanel(QWidget):
    """A heading, the sentences of app.information_words, and the top inputs with a bar each."""

    def __init__(self, title: str = "What to learn next", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading(title))
        self.sentences = QLabel()
        self.sentences.setObjectName("learnNext")
        self.sentences.setWordWrap(True)
        self.sentences.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.sentences)
        self.inputs = QLabel()
        self.inputs.setObjectName("learnInputs")
        self.inputs.setTextFormat(Qt.TextFormat.RichText)
        self.inputs.setToolTip("What knowing each input before committing is worth (its EVPPI): the most "
                               "it is worth paying for a pilot, a study or a test that tells it.")
        layout.addWidget(self.inputs)
        self.show_waiting()

    def show_waiting(self, text: str | None = None) -> None:
        self.sentences.setText(text or evpi_sentence(None, "USD"))
        self.sentences.setStyleSheet(f"color: {GREY};")
        self.inputs.setText("")

    def show_opportunity(self, result: OpportunityResult, results: PlanResults, currency: str) -> None:
        if result.evpi is None:
            self.show_waiting()
            return
        self._show(learn_next_sentences(result, results.plan, currency),
                   opportunity_learnable(result, results.plan), currency)

    def show_plan(self, results: PlanResults, currency: str) -> None:
        if results.portfolio.evpi is None:
            self.show_waiting()
            return
        self._show(plan_sentences(results), plan_learnable(results), currency)

    def _show(self, sentences: list[str], items: list[Learnable], currency: str) -> None:
        self.sentences.setStyleSheet("")
        self.sentences.setText(" ".join(sentences))
        top = items[:LISTED]
        if not top:
            self.inputs.setText("")
            return
        largest = max(item.evppi for item in top) or 1.0
        rows = []
        for item in top:
            width = max(2, round(160 * item.evppi / largest))
            colour = BAR if item.clear else GREY
            worth = money(item.evppi, currency, short=True) if item.clear else "no clear value"
            rows.append(f"<tr><td style='padding-right:8px'>{escape(item.words)}</td>"
                        f"<td><table cellspacing='0' cellpadding='0'><tr><td width='{width}' height='10' "
                        f"bgcolor='{colour}'></td></tr></table></td>"
                        f"<td style='padding-left:6px; color:{'inherit' if item.clear else GREY}'>"
                        f"{escape(worth)}</td></tr>")
        self.inputs.setText(f"<table>{''.join(rows)}</table>")
