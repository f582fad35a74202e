"""A searchable dialog for choosing an LLM from the offline price catalog (genai-prices data)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models import catalog
from models.catalog import CatalogModel
from views.table_model import HeaderedTableModel

Index = QModelIndex | QPersistentModelIndex
ALL_PROVIDERS = "All providers"


def _price(value: float | None) -> str:
    """Catalog prices are USD per million tokens; small ones need more digits to be told apart."""
    if value is None:
        return "—"
    if value == 0:
        return "$0"
    if value >= 1:
        return f"${value:,.2f}"
    text = f"{value:.4g}"  # four significant digits, as the catalog lists them
    if "e" in text:
        text = f"{value:.8f}".rstrip("0")
    digits = len(text.split(".")[1]) if "." in text else 0
    return f"${text}" if digits >= 2 else f"${value:.2f}"


def _window(tokens: int | None) -> str:
    if not tokens:
        return "—"
    if tokens >= 1_000_000 and tokens % 100_000 == 0:
        return f"{tokens / 1_000_000:g}M"
    return f"{tokens / 1000:,.0f}k" if tokens >= 1000 else str(tokens)


class CatalogTableModel(HeaderedTableModel):
    """The catalog models that match the current search, one row each."""

    PROVIDER, MODEL, PRICE_IN, PRICE_OUT, PRICE_CACHED, CONTEXT = range(6)
    HEADERS = ("Provider", "Model", "Input $/M", "Output $/M", "Cached input $/M", "Context window")
    TIPS = ("Who serves the model", "The model's name (its id is in the tooltip)",
                "US dollars per million input tokens", "US dollars per million output tokens",
                "US dollars per million cached input tokens (cache reads)",
                "The longest prompt plus answer the model accepts, in tokens")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[CatalogModel] = []

    def set_rows(self, rows: list[CatalogModel]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        m, column = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(m, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in (self.PROVIDER, self.MODEL):
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and m.deprecated:
            return QBrush(QColor("#8a8a8a"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(m)
        if role == Qt.ItemDataRole.UserRole:
            return m
        return None

    def _text(self, m: CatalogModel, column: int) -> str:
        if column == self.PROVIDER:
            return m.provider_name
        if column == self.MODEL:
            return m.model_name + (" (deprecated)" if m.deprecated else "")
        if column == self.PRICE_IN:
            return _price(m.price_in_mtok) + ("*" if m.tiered or m.time_of_day_pricing else "")
        if column == self.PRICE_OUT:
            return _price(m.price_out_mtok)
        if column == self.PRICE_CACHED:
            return _price(m.price_cached_in_mtok)
        return _window(m.context_window)

    @staticmethod
    def _tooltip(m: CatalogModel) -> str:
        lines = [f"{m.provider_id}/{m.model_id}"]
        if m.description:
            lines.append(m.description)
        if m.tiered and m.tier_threshold_tokens:
            lines.append(f"* Base rate for prompts up to {m.tier_threshold_tokens:,} tokens; "
                         "longer prompts cost more.")
        if m.time_of_day_pricing:
            lines.append(f"* Peak rate; off-peak {_price(m.off_peak_in_mtok)} in, "
                         f"{_price(m.off_peak_out_mtok)} out.")
        if m.price_cached_in_mtok is None:
            lines.append("No cached-input price: cached tokens will be priced as input.")
        if m.next_change_date:
            lines.append(f"From {m.next_change_date}: {_price(m.next_price_in_mtok)} in, "
                         f"{_price(m.next_price_out_mtok)} out.")
        lines.append("Batch prices available (tick Batch on the route)." if m.has_batch
                     else "No batch prices in the catalog.")
        return "\n".join(lines)


class _SearchBox(QLineEdit):
    """The search field: Down moves into the results so the keyboard never has to leave."""

    def __init__(self, table: QTableView) -> None:
        super().__init__()
        self._table = table

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            self._table.setFocus()
            self._table.keyPressEvent(event)
            return
        super().keyPressEvent(event)


class CatalogPicker(QDialog):
    """Search the catalog, filter by provider, pick a model with Enter or a double-click.

    ``chosen()`` is the picked model once the dialog is accepted. The dialog never blocks by
    itself: callers use ``open()`` and the ``accepted`` signal.
    """

    def __init__(self, parent: QWidget | None = None, text: str = "", provider: str = "",
                 currency: str = "USD", current: tuple[str, str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose a model from the price catalog")
        self.setMinimumSize(720, 440)
        self.resize(860, 560)
        self.model = CatalogTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(CatalogTableModel.MODEL, QHeaderView.ResizeMode.Stretch)
        for column, width in ((CatalogTableModel.PROVIDER, 130), (CatalogTableModel.PRICE_IN, 90),
                              (CatalogTableModel.PRICE_OUT, 95), (CatalogTableModel.PRICE_CACHED, 125),
                              (CatalogTableModel.CONTEXT, 110)):
            self.table.setColumnWidth(column, width)

        self.search = _SearchBox(self.table)
        self.search.setPlaceholderText("Search by model or provider, e.g. “haiku” or “openai mini”")
        self.search.setClearButtonEnabled(True)
        self.provider = QComboBox()
        self.provider.addItem(ALL_PROVIDERS, "")
        for provider_id, name in catalog.providers():
            self.provider.addItem(name, provider_id)
        self.provider.setMinimumWidth(170)
        self.count = QLabel()
        self.count.setObjectName("catalogCount")
        usd = "" if currency == "USD" else (
            f" The project is in {currency}: convert the prices after choosing.")
        self.source = QLabel(
            f"Prices as of {catalog.catalog_date()} ({catalog.catalog_source()}, offline), in US dollars "
            f"per million tokens, standard tier. * base or peak rate: see the tooltip.{usd} "
            "Choosing a model copies its prices into the route; you can still edit them.")
        self.source.setObjectName("catalogDate")
        self.source.setWordWrap(True)
        self.source.setStyleSheet("color: #555555;")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Use this model")
        ok.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        find_label = QLabel("&Search:")
        find_label.setBuddy(self.search)
        provider_label = QLabel("&Provider:")
        provider_label.setBuddy(self.provider)
        row = QHBoxLayout()
        row.addWidget(find_label)
        row.addWidget(self.search, 1)
        row.addWidget(provider_label)
        row.addWidget(self.provider)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addWidget(self.source)
        layout.addWidget(self.buttons)
        self.setTabOrder(self.search, self.provider)
        self.setTabOrder(self.provider, self.table)

        self.search.textChanged.connect(self.refilter)
        self.provider.currentIndexChanged.connect(self.refilter)
        self.table.doubleClicked.connect(lambda _index: self.accept())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        if provider:
            found = self.provider.findData(provider.lower())
            if found >= 0:
                self.provider.setCurrentIndex(found)
        self.search.setText(text)
        self.refilter()
        if current is not None:
            # Open on the route's own model, so Enter keeps it and the neighbours are in view.
            wanted = (current[0].lower(), current[1].lower())
            for row, m in enumerate(self.model.rows):
                if (m.provider_id.lower(), m.model_id.lower()) == wanted:
                    self.select_row(row)
                    break
        self.search.setFocus()
        self.search.selectAll()

    def refilter(self) -> None:
        """Show the models that match the search text and the provider, best match first."""
        provider = str(self.provider.currentData() or "") or None
        rows = catalog.search(self.search.text(), provider)
        self.model.set_rows(rows)
        self.count.setText(f"{len(rows):,} models" if rows else
                           "No model matches. Try fewer words, or enter custom prices in the route.")
        if rows:
            self.select_row(0)
        self._selection_changed()

    def select_row(self, row: int) -> None:
        index = self.model.index(row, CatalogTableModel.MODEL)
        self.table.selectionModel().setCurrentIndex(
            index, self.table.selectionModel().SelectionFlag.ClearAndSelect
            | self.table.selectionModel().SelectionFlag.Rows)
        self.table.scrollTo(index)

    def chosen(self) -> CatalogModel | None:
        """The selected model, or None."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.rows[rows[0].row()]

    def _selection_changed(self, *_args: object) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.chosen() is not None)

    def accept(self) -> None:
        if self.chosen() is None:
            return  # Enter with no match must not close the dialog with nothing chosen
        super().accept()
