"""Check prices: the plan's catalog-priced routes against the bundled catalog, what re-pricing would
move, and Apply (one undo step). Nothing changes until Apply."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.formatting import money, percent
from app.reprice import PRICE_LABELS, Reprice, price_text, reprice
from models.catalog import PRICE_FIELDS
from views.controller import ProjectController

MEASURES = {"loaded_cost_per_task": "cost per task", "gross_margin": "gross margin", "npv": "NPV",
            "enpv": "eNPV"}


def _prices(values: dict[str, float] | None) -> list[str]:
    return ["—"] * len(PRICE_FIELDS) if values is None else [price_text(f, values[f]) for f in PRICE_FIELDS]


class RepriceDialog(QDialog):
    """Modal to its window; Apply stores every new price as one undo step and closes."""

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Check prices against the catalog")
        self.resize(1120, 560)
        self.found: Reprice = reprice(controller.state.data)
        r = self.found
        layout = QVBoxLayout(self)
        summary = QLabel(self._summary())
        summary.setObjectName("repriceSummary")
        summary.setWordWrap(True)
        layout.addWidget(summary)
        self.routes = self._table(["Unit model", "Model", "Priced on", "Catalog",
                                   *(PRICE_LABELS[f].capitalize() for f in PRICE_FIELDS)])
        self.routes.setRowCount(len(r.routes))
        for row, item in enumerate(r.routes):
            old, new = _prices(item.old), _prices(item.new)
            prices = [o if o == n else f"{o} → {n}" for o, n in zip(old, new, strict=True)] \
                if item.new is not None else old
            state = ("no longer listed: kept" if item.new is None else
                     "new prices" if item.changed else "up to date")
            if item.new_tiers is not None and item.new_tiers != item.old_tiers:
                state += "; new prices above a prompt length"
            model = f"{item.provider}/{item.model}" + (" (batch)" if item.batch else "")
            for column, text in enumerate([item.unit_model, model, item.price_date or "—", state, *prices]):
                self.routes.setItem(row, column, QTableWidgetItem(text))
        layout.addWidget(self.routes)
        currency = str(controller.state.data["project"].get("currency") or "USD")
        layout.addWidget(QLabel("What re-pricing would change (base values):" if r.effects
                                else "Re-pricing would change no result."))
        self.effects = self._table(["Of", "Result", "Now", "After re-pricing"])
        self.effects.setRowCount(len(r.effects))
        for row, e in enumerate(r.effects):
            def words(value: float | None, measure: str = e.measure) -> str:
                if measure == "gross_margin":
                    return percent(value, 1)
                return money(value, currency, cents=measure == "loaded_cost_per_task")

            for column, text in enumerate([e.name, MEASURES[e.measure], words(e.old), words(e.new)]):
                self.effects.setItem(row, column, QTableWidgetItem(text))
        layout.addWidget(self.effects)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.apply_button = QPushButton("&Apply new prices")
        self.apply_button.setToolTip("Store the catalog's prices in the routes listed as new prices "
                                     "(one undo step)")
        self.apply_button.setEnabled(bool(r.edits) and not controller.read_only)
        buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.ApplyRole)
        self.apply_button.clicked.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _table(self, heads: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(heads))
        table.setHorizontalHeaderLabels(heads)
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    def _summary(self) -> str:
        r = self.found
        text = f"The bundled catalog's prices of {r.catalog_date} ({r.catalog_source}). "
        changed, gone = len(r.changed), len(r.vanished)
        text += (f"{changed} route{'s have' if changed != 1 else ' has'} new prices. " if changed
                 else "Every catalog-priced route has the catalog's prices. ")
        if gone:
            text += (f"{gone} model{'s are' if gone != 1 else ' is'} no longer in the catalog: kept as "
                     "priced. ")
        if r.manual:
            many = r.manual != 1
            text += (f"{r.manual} route{'s' if many else ''} priced by hand {'are' if many else 'is'} "
                     "never changed. ")
        return text + "Nothing changes until you apply."

    def apply(self) -> None:
        if self.found.edits and self.controller.edit_structure(self.found.edits,
                                                                "Re-price from the catalog"):
            self.accept()
