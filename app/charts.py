"""Chart builders shared by the views and the exports: matplotlib Figures in one house style, no Qt.

Every builder returns a new ``matplotlib.figure.Figure`` (never pyplot, so nothing is kept in a
global figure registry). Views wrap the figure in a ``FigureCanvasQTAgg``; exports call the same
builder again and render it with :func:`figure_png` or :func:`figure_svg` at an explicit dpi.
Builders never raise on empty or degenerate input: they return a figure that says what is missing.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation, Text
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, MaxNLocator, NullFormatter
from matplotlib.transforms import Bbox, ScaledTranslation

from app import fonts
from app.formatting import money, money_range, number, percent
from app.labels import FIELDS, field_label
from models.decision import DecisionResult, names_and, robustness_sentence
from models.engine import OpportunityResult, PlanResults, TornadoBar, UnitModelResult
from models.plan import Decision, Plan, UnitModel
from models.uncertainty import Summary
from models.unit_economics import RouteInputs, route_cost

# --- house style ------------------------------------------------------------------------------

# DejaVu Sans (it ships with matplotlib, so screen, PDF and deck look the same everywhere), then
# the system's fonts for what it lacks (CJK, emoji...): matplotlib falls back glyph by glyph.
FONT = fonts.matplotlib_families()
TITLE_SIZE = 11.0
TEXT_SIZE = 9.0
DPI = 100.0
PAD = 0.08  # inches around the layout (constrained layout's w_pad and h_pad)
TOP = PAD * 72  # points between the top of the figure and the title
LEFT = 0.012  # figure fraction: titles start at the figure's left edge, not the axes'

NAVY = "#1B365D"
TEAL = "#2A8C82"
AMBER = "#D08C1F"
GREY = "#8A949E"
LIGHT = "#C9D0D7"
INK = "#1F2933"
MUTED = "#5B6670"
GRID = "#E7EAEE"
#: Series colours in order: an option keeps its colour in every decision chart.
SERIES = (NAVY, TEAL, AMBER, GREY, "#6F8FB8", "#8CC7BF", "#E7C07A", "#B9C1C9")
STATUS_COLOURS = {"launched": NAVY, "building": TEAL, "discovery": AMBER, "proposed": GREY,
                  "paused": LIGHT, "rejected": "#EEF0F2"}
STATUS_ORDER = ("launched", "building", "discovery", "proposed", "paused", "rejected")

#: Readable names of the model's inputs, and how their values are written.
#: Kinds: money (large sums), price (per-unit money), percent, count, number, months, month.


# --- small helpers ----------------------------------------------------------------------------


def _finite(value: Any, default: float = 0.0) -> float:
    """``value`` as a float, or ``default`` when it is None, NaN, infinite or not a number."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return default
    return out if math.isfinite(out) else default


def short_name(name: str, limit: int = 28) -> str:
    """A label-sized name: "Support copilot (agent assist)" -> "Support copilot"."""
    text = re.sub(r"\s*\(.*?\)\s*$", "", name.strip()) or name.strip()
    text = text.split(":")[0].strip() or text
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and cut.rindex(" ") >= limit * 0.6:  # end on a whole word where one is near
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;-") + "…"


def _money(value: float | None, currency: str) -> str:
    """A sum as a chart shows it: $1.2M, $250k, −$40k."""
    return money(value, currency, short=True)


def _price(value: float, currency: str) -> str:
    """A cost or price per task as every export writes it: $0.0616, $0.1200, $2.00."""
    return money(value, currency, cents=True)


def _rate(value: float) -> str:
    """A fraction as typed: 4%, 2.5% (whole percents stay whole despite binary noise)."""
    return percent(value, 0 if abs(value * 100 - round(value * 100)) < 1e-9 else 1)


def _plain(value: float) -> str:
    if abs(value) >= 100 or float(value).is_integer():
        return number(value)
    return number(value, 2 if abs(value) < 10 else 1)


def _count(value: float) -> str:
    """Counts on axes: 950, 12k, 1.5M."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:.3g}M"
    if size >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def field_value(field: str, value: float, currency: str) -> str:
    """An input's value as the PM typed it: a percent, a price, a sum, a month."""
    kind = FIELDS.get(field, ("", "number"))[1]
    if not math.isfinite(value):
        return "—"
    if kind == "money":
        return _money(value, currency)
    if kind == "price":
        return _money(value, currency) if abs(value) >= 1000 else _price(value, currency)
    if kind == "percent":
        return _rate(value)
    if kind == "count":
        return number(value)
    if kind == "months":
        return f"{value:.0f} mo"
    if kind == "month":
        return f"month {value:.0f}"
    return _plain(value)


def _wrap(text: str, width: int) -> str:
    """Each paragraph (a line of ``text``) wrapped to ``width`` characters."""
    return "\n".join(line for part in text.split("\n")
                     for line in (textwrap.wrap(part, max(width, 10)) or [part])) or text


def _chars(width_in: float, size: float) -> int:
    """About how many characters of DejaVu Sans at ``size`` points fit in ``width_in`` inches."""
    return int(width_in * 72 / (size * 0.56))


def _figure(figsize: tuple[float, float], dpi: float) -> Figure:
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained", facecolor="white")
    fig.get_layout_engine().set(w_pad=PAD, h_pad=PAD)  # type: ignore[call-arg]
    return fig


def _style(ax: Axes, grid: str = "y") -> None:
    """Light grid behind the data, no top/right frame, muted ticks."""
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(LIGHT)
        ax.spines[side].set_linewidth(0.8)
    ax.tick_params(labelsize=TEXT_SIZE, labelcolor=MUTED, color=LIGHT, length=3, width=0.8,
                   labelfontfamily=FONT)
    if grid != "none":
        ax.grid(axis=grid, color=GRID, linewidth=0.8)  # type: ignore[arg-type]
    ax.set_axisbelow(True)


def _label(ax: Axes, x: str | None = None, y: str | None = None) -> None:
    style = {"fontsize": TEXT_SIZE, "color": MUTED, "fontfamily": FONT}
    if x is not None:
        ax.set_xlabel(x, **style)
    if y is not None:
        ax.set_ylabel(y, **style)


#: A title and subtitle taller than this share of the figure keep one line of subtitle.
MAX_HEADER_SHARE = 0.22


def _header(fig: Figure, title: str, subtitle: str = "") -> None:
    """The message as a bold title and, below it, a muted line saying what is shown.

    Both start at the figure's left edge. The layout engine makes room for a suptitle only, so
    the title carries blank lines that reserve the subtitle's space; offsets are in points, so
    the header keeps its shape when a view resizes the figure or an export changes the dpi.
    """
    usable = fig.get_figwidth() - 0.25
    title = _wrap(title, _chars(usable, TITLE_SIZE * 1.1))
    title_lines = title.count("\n") + 1
    # Heights of DejaVu Sans blocks as matplotlib lays them out: a first line of about one em,
    # then about 1.4 em for each further line of text (1.3 em for an empty one).
    title_height = TITLE_SIZE * (1 + 1.4 * (title_lines - 1))
    blanks = 0
    if subtitle:
        subtitle = _wrap(subtitle, _chars(usable, TEXT_SIZE))
        lines = subtitle.count("\n") + 1
        header = title_height + 4 + TEXT_SIZE * (1 + 1.4 * (lines - 1))
        if lines > 1 and header > MAX_HEADER_SHARE * fig.get_figheight() * 72:
            # A short pane (the portfolio's charts under a long table): the plot needs the room
            # more than the explanation does, so keep the subtitle's first line.
            subtitle = subtitle.split("\n", 1)[0].rstrip(" ,;:") + " …"
            lines = 1
        needed = 4 + TEXT_SIZE * (1 + 1.4 * (lines - 1))
        blanks = math.ceil(needed / (TITLE_SIZE * 1.3))
        fig.text(LEFT, 1.0, subtitle, ha="left", va="top", fontsize=TEXT_SIZE, color=MUTED, fontfamily=FONT,
                 transform=_points_below_top(fig, TOP + title_height + 4), gid="subtitle")
    # No y: the layout engine places an automatic suptitle at its top pad and makes room for it.
    fig.suptitle(title + "\n" * blanks, x=LEFT, ha="left", va="top", fontsize=TITLE_SIZE, fontweight="bold",
                 color=INK, fontfamily=FONT, gid="title", parse_math=False)


def _points_below_top(fig: Figure, points: float) -> Any:
    return fig.transFigure + ScaledTranslation(0, -points / 72, fig.dpi_scale_trans)


def _finish(fig: Figure) -> Figure:
    """Show every text as typed: a "$" in a name or an amount is a dollar, never mathtext.

    Tick labels are left alone (walking into the axes would build every tick before the first
    draw): those from numbers carry one "$" at most, those from names go through ``_tick``.
    """
    texts: list[Text] = [*fig.texts]
    legends = [*fig.legends]
    for ax in fig.axes:
        texts += [*ax.texts, ax.title, ax.xaxis.label, ax.yaxis.label]
        legend = ax.get_legend()
        if legend is not None:
            legends.append(legend)
    for legend in legends:
        texts += legend.get_texts()
    for text in texts:
        text.set_parse_math(False)  # type: ignore[attr-defined]
        shaped = fonts.for_matplotlib(text.get_text())  # Arabic joined, where matplotlib does not
        if shaped != text.get_text():
            text.set_text(shaped)
    return fig


def _tick(label: str) -> str:
    """A name as a tick label: "$" escaped, so "Save $1M with $0 spend" is not read as mathtext."""
    return fonts.for_matplotlib(label).replace("$", r"\$")


def _legend(target: Figure | Axes, handles: Sequence[Any], labels: Sequence[str], **kwargs: Any) -> None:
    """A frameless legend; below the chart it takes as many columns as fit the figure's width."""
    options: dict[str, Any] = {"frameon": False, "prop": {"family": FONT, "size": TEXT_SIZE},
                               "labelcolor": INK, "handlelength": 1.6, "columnspacing": 1.4}
    if "ncol" not in kwargs and labels:
        fig = target if isinstance(target, Figure) else target.get_figure()
        available = (fig.get_figwidth() if fig is not None else 7.5) * 72 - 24
        widths = [_text_width(label) + 2.6 * TEXT_SIZE for label in labels]  # text, handle and its pad
        options["ncol"] = 1
        for ncol in range(len(labels), 1, -1):
            # matplotlib fills columns top to bottom, the first len % ncol of them one longer.
            rows, longer = divmod(len(labels), ncol)
            heights = [rows + 1] * longer + [rows] * (ncol - longer)
            starts = np.cumsum([0, *heights])
            columns = [max(widths[a:b], default=0.0) for a, b in zip(starts[:-1], starts[1:], strict=True)]
            if sum(columns) + 1.4 * TEXT_SIZE * (ncol - 1) <= available:
                options["ncol"] = ncol
                break
    options.update(kwargs)
    target.legend(list(handles), list(labels), **options)


def _money_axis(axis: Any, currency: str) -> None:
    axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _money(v, currency)))


def _price_axis(axis: Any, currency: str) -> None:
    axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _price(v, currency)))


def message_figure(message: str, *, title: str = "", figsize: tuple[float, float] = (7.5, 4.0),
                   dpi: float = DPI) -> Figure:
    """A figure that says, centred, why there is no chart (nothing entered yet, no ranges...)."""
    fig = Figure(figsize=figsize, dpi=dpi, facecolor="white")
    if title:
        fig.text(LEFT, 0.95, _wrap(title, _chars(figsize[0] * 0.95, TITLE_SIZE * 1.1)), ha="left", va="top",
                 fontsize=TITLE_SIZE, fontweight="bold",
                 color=INK, fontfamily=FONT)
    fig.text(0.5, 0.5, _wrap(message, _chars(figsize[0] * 0.85, TITLE_SIZE)), ha="center", va="center",
             multialignment="center", fontsize=TITLE_SIZE, color=MUTED, fontfamily=FONT, gid="message")
    return _finish(fig)


def _pad_range(lo: float, hi: float, below: float, above: float) -> tuple[float, float]:
    """A non-empty axis range around [lo, hi] with margins as fractions of its span."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    span = hi - lo
    if span <= 0:
        span = abs(hi) or 1.0
    return lo - below * span, hi + above * span


# --- label layout -----------------------------------------------------------------------------

#: A place for a label: offset from its anchor in points, and the alignment that goes with it.
Spot = tuple[float, float, str, str]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


class _LabelLayout(Artist):
    """Moves each registered label to its first spot clear of other texts, markers and the frame.

    It runs inside every draw, after the layout engine has placed the axes and before anything
    is painted (like a legend's "best" location), so it measures with the draw's own renderer at
    the size and dpi being drawn: no extra draw, and right again after a resize or at an
    export's dpi. Labels are left out of the layout: they stay inside their plot instead.
    """

    def __init__(self) -> None:
        super().__init__()
        self.set_zorder(-1e9)  # drawn before the axes, so before the labels it moves
        self.set_in_layout(False)
        self.entries: list[tuple[Annotation, list[Spot], tuple[Line2D, ...], bool]] = []

    def add(self, label: Annotation, spots: Sequence[Spot], first: bool = False,
            trim: Sequence[Line2D] = (), optional: bool = False) -> None:
        """Place ``label`` at the first of ``spots`` that is clear (``first``: before the others).

        A label given a leader (``arrowprops``) shows it only when the spot is more than 8 points
        beyond the leader's ``shrinkB`` from its anchor. When no spot is clear, vertical lines in
        ``trim`` (drawn with ``axvline``) give way: the label takes its first spot clear of all else
        and each of those lines is broken around it. An ``optional`` label with no clear spot is
        left out rather than drawn over something.
        """
        label.set_in_layout(False)
        self.entries.insert(0 if first else len(self.entries), (label, list(spots), tuple(trim), optional))

    def get_window_extent(self, renderer: RendererBase | None = None) -> Bbox:
        return Bbox.null()

    def draw(self, renderer: RendererBase) -> None:
        if not self.get_visible() or not self.entries:
            return
        fig = self.figure  # a Figure: the layout is added to figures, never to subfigures
        for line in {line for _, _, trim, _ in self.entries for line in trim}:
            x = line.get_xdata()[0]  # type: ignore[index]
            line.set_data([x, x], [0.0, 1.0])  # whole again: this draw may be at another size
        for label, _, _, optional in self.entries:
            if optional:  # shown again: there may be room at this size
                label.set_visible(True)
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                _thin_ticks(axis, renderer)
            _centre_within_figure(ax, renderer)
        own = {id(label) for label, _, _, _ in self.entries}
        texts = [_box(t, renderer) for t in _shown_texts(fig) if id(t) not in own]  # type: ignore[arg-type]
        lines, points = _reference_lines(fig), _marked_points(fig)  # type: ignore[arg-type]
        curves = _curve_points(fig)  # type: ignore[arg-type]
        pad = renderer.points_to_pixels(2.0)
        to_pixels = renderer.points_to_pixels(1.0)
        gaps: dict[Line2D, list[tuple[float, float]]] = {}  # where each interrupted line leaves off
        for label, spots, trim, optional in self.entries:
            if not label.get_visible() or not spots:
                continue
            extent = Text.get_window_extent(label, renderer)
            size = (extent.width + 2 * pad, extent.height + 2 * pad)
            ax = label.axes
            assert ax is not None
            box = ax.get_window_extent(renderer)
            frame = (box.x0, box.y0, box.x1, box.y1)
            at = np.asarray(label._get_position_xy(renderer), dtype=float)  # where the label points
            # A leader shows when the label sits this far (in pixels) from the point it names.
            leader = None if label.arrow_patch is None else (
                float(label.arrowprops.get("shrinkB", 0.0)) + 8) * to_pixels  # type: ignore[union-attr]
            found = _search(spots, size, pad, to_pixels, at, texts, [b for _, b in lines], points, curves,
                            frame, leader)
            if found[0] > 0 and trim:  # nothing clear: let the lines in ``trim`` give way instead
                others = [b for line, b in lines if line not in trim]
                found = _search(spots, size, pad, to_pixels, at, texts, others, points, curves, frame, leader)
            else:
                trim = ()
            if optional and found[0] > 0:
                label.set_visible(False)
                continue
            dx, dy, ha, va = found[1]
            label.xyann = (dx, dy)
            label.set_horizontalalignment(ha)
            label.set_verticalalignment(va)
            placed = _box(label, renderer)
            texts.append(placed)
            if label.arrow_patch is not None and leader is not None:
                shown = bool(np.hypot(*(np.clip(at, placed[:2], placed[2:]) - at)) > leader)
                label.arrow_patch.set_visible(shown)
                if shown:  # later labels keep off the leader as off any line
                    curves = np.concatenate([curves, _leader_points(at, placed)])
            for line, (x0, _, _, _) in ((line, b) for line, b in lines if line in trim):
                if placed[0] - pad <= x0 <= placed[2] + pad:
                    gaps.setdefault(line, []).append((placed[1] - pad, placed[3] + pad))
        for line, cut in gaps.items():
            _interrupt(line, cut, line.axes.get_window_extent(renderer))  # type: ignore[union-attr]


def _thin_ticks(axis: Any, renderer: RendererBase) -> None:
    """Fewer ticks on an axis whose tick labels would touch (a narrow pane, long amounts)."""
    locator = axis.get_major_locator()
    if not axis.get_visible() or not isinstance(locator, MaxNLocator):
        return
    # The number asked for when the chart was built, kept so a larger draw gets it back.
    wanted = getattr(locator, "wanted_nbins", None) or locator._nbins  # type: ignore[attr-defined]
    if not isinstance(wanted, int):
        return
    locator.wanted_nbins = wanted  # type: ignore[attr-defined]
    gap = renderer.points_to_pixels(1.5)  # at least 3 points between two tick labels
    along = 0 if axis.axis_name == "x" else 1
    for nbins in range(wanted, 1, -1):
        locator.set_params(nbins=nbins)
        boxes = sorted((_box(tick.label1, renderer) for tick in axis._update_ticks()  # type: ignore[attr-defined]
                        if tick.label1.get_visible() and tick.label1.get_text()), key=lambda b: b[along])
        if all(_overlap((a[0] - gap, a[1] - gap, a[2] + gap, a[3] + gap), b) == 0
               for a, b in zip(boxes, boxes[1:], strict=False)):
            return


def _centre_within_figure(ax: Axes, renderer: RendererBase) -> None:
    """An axis label centred under a plot narrower than itself, moved just enough to be read whole."""
    label = ax.xaxis.label
    label.set_x(0.5)
    if not label.get_visible() or not label.get_text():
        return
    box, page, width = _box(label, renderer), ax.figure.bbox, ax.get_window_extent(renderer).width
    shift = min(0.0, page.x1 - 2 - box[2]) + max(0.0, page.x0 + 2 - box[0])
    if shift and width > 0:
        label.set_x(0.5 + shift / width)


def _search(spots: Sequence[Spot], size: tuple[float, float], pad: float, to_pixels: float, at: np.ndarray,
            texts: Sequence[Box], lines: Sequence[Box], points: Sequence[tuple[float, float, float]],
            curves: np.ndarray, frame: Box, leader: float | None = None) -> tuple[int, Spot]:
    """(How many things it runs into, the spot): the first clear spot, else the least bad.

    With ``leader`` (pixels), a spot that far from ``at`` draws a leader, which must cross no text.
    """
    boxes = np.array(texts).reshape(-1, 4)
    width, height = size
    best: tuple[int, float, int] | None = None
    chosen = spots[0]
    for rank, (dx, dy, ha, va) in enumerate(spots):
        # The text's box as aligned at this spot, grown by ``pad`` on every side.
        x = at[0] + dx * to_pixels - width * {"left": 0.0, "center": 0.5, "right": 1.0}[ha] + (
            -pad if ha == "left" else pad if ha == "right" else 0.0)
        y = at[1] + dy * to_pixels - height * {"bottom": 0.0, "center": 0.5, "top": 1.0}[va] + (
            -pad if va == "bottom" else pad if va == "top" else 0.0)
        spot = (x, y, x + width, y + height)
        hits, area = _collisions(spot, texts, lines, points, at, frame)
        if len(curves):  # a data line through the text
            hits += int(np.any((curves[:, 0] > x) & (curves[:, 0] < spot[2])
                               & (curves[:, 1] > y) & (curves[:, 1] < spot[3])))
        if leader is not None and len(boxes) and np.hypot(*(np.clip(at, spot[:2], spot[2:]) - at)) > leader:
            along = _leader_points(at, spot)[:, None, :]
            hits += int(np.any((along[..., 0] > boxes[:, 0]) & (along[..., 0] < boxes[:, 2])
                               & (along[..., 1] > boxes[:, 1]) & (along[..., 1] < boxes[:, 3])))
        if best is None or (hits, area, rank) < best:
            best, chosen = (hits, area, rank), (dx, dy, ha, va)
        if hits == 0:
            break
    return (best[0] if best else 0), chosen


def _leader_points(at: np.ndarray, box: Box) -> np.ndarray:
    """Points every pixel along a leader, from a label's box towards the point it names."""
    centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
    steps = max(int(np.hypot(*(at - centre))), 2)
    points = centre + (at - centre) * np.linspace(0, 1, steps)[:, None]
    outside = ~((points[:, 0] >= box[0]) & (points[:, 0] <= box[2]) & (points[:, 1] >= box[1])
                & (points[:, 1] <= box[3]))
    return points[outside]


def _interrupt(line: Line2D, cut: Sequence[tuple[float, float]], frame: Bbox) -> None:
    """Break a vertical line (an ``axvline``) around the pixel heights in ``cut``: NaN leaves a gap."""
    x = line.get_xdata()[0]  # type: ignore[index]
    ys: list[float] = []
    low = 0.0
    for start, end in sorted(((a - frame.y0) / frame.height, (b - frame.y0) / frame.height) for a, b in cut):
        if start > low:
            ys += [low, start, math.nan]
        low = max(low, end)
    if low < 1.0:
        ys += [low, 1.0]
    line.set_data([x] * len(ys), ys)


def _corners(gap: float, prefer: tuple[str, str]) -> list[Spot]:
    """Spots at a point's four corners, ``prefer`` (its ha, va) first, then straight above and
    below it, each again further out."""
    ha, va = prefer
    other_ha, other_va = ("left" if ha == "right" else "right"), ("top" if va == "bottom" else "bottom")
    order = [(ha, va), (other_ha, va), (ha, other_va), (other_ha, other_va),
             ("center", va), ("center", other_va)]
    return [(0.0 if h == "center" else reach * gap * (1 if h == "left" else -1),
             reach * gap * (1 if v == "bottom" else -1), h, v)
            for reach in (1, 2, 4, 6, 9) for h, v in order]


def _labels(fig: Figure) -> _LabelLayout:
    """The figure's label layout, added on first use."""
    for artist in fig.artists:
        if isinstance(artist, _LabelLayout):
            return artist
    return fig.add_artist(_LabelLayout())  # type: ignore[return-value]


def _box(text: Text, renderer: RendererBase) -> Box:
    if isinstance(text, Annotation):  # an annotation finds its place in display space as it draws
        text.update_positions(renderer)
    box = Text.get_window_extent(text, renderer)  # the text only, not an annotation's leader
    return (box.x0, box.y0, box.x1, box.y1)


def _shown_texts(fig: Figure) -> list[Text]:
    """Every text a draw paints: titles, legends, axis labels, labels, and the ticks drawn."""
    texts: list[Text] = [*fig.texts]
    if fig._suptitle is not None:  # type: ignore[attr-defined]
        texts.append(fig._suptitle)  # type: ignore[attr-defined]
    legends = [*fig.legends]
    for ax in fig.axes:
        texts += [*ax.texts, ax.title, ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_visible():  # a twin's shared axis is hidden
                # The ticks a draw shows: those within the view, as the axis itself picks them.
                for tick in axis._update_ticks():  # type: ignore[attr-defined]
                    texts += [tick.label1, tick.label2]
        if ax.get_legend() is not None:
            legends.append(ax.get_legend())
    for legend in legends:
        texts += legend.get_texts()
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def _reference_lines(fig: Figure) -> list[tuple[Line2D, Box]]:
    """Straight horizontal and vertical lines across a plot (zero, P50, payback...) in pixels."""
    out: list[tuple[Line2D, Box]] = []
    for ax in fig.axes:
        frame = ax.get_window_extent()
        for line in ax.lines:
            if not line.get_visible() or line.get_linestyle() in ("None", "", " "):
                continue
            xy = line.get_transform().transform(line.get_xydata())
            # A straight line, or one broken around labels: pairs of points with gaps between.
            pieces = [xy[k:k + 2] for k in range(0, len(xy), 3)]
            if (len(xy) % 3 != 2 or np.isfinite(xy[2::3]).any()
                    or any(not np.isfinite(piece).all() for piece in pieces)):
                continue
            for (x0, y0), (x1, y1) in pieces:
                if abs(x0 - x1) < 0.5 or abs(y0 - y1) < 0.5:  # clipped to the plot, as drawn
                    out.append((line, (max(min(x0, x1), frame.x0), max(min(y0, y1), frame.y0),
                                       min(max(x0, x1), frame.x1), min(max(y0, y1), frame.y1))))
    return out


def _curve_points(fig: Figure) -> np.ndarray:
    """Points every pixel or so along the plotted curves (lines of more than two points)."""
    pieces = []
    for ax in fig.axes:
        for line in ax.lines:
            if (not line.get_visible() or line.get_linestyle() in ("None", "", " ")
                    or len(line.get_xydata()) < 3):
                continue
            data = line.get_transform().transform(line.get_xydata())
            finite = np.isfinite(data).all(axis=1)
            breaks = np.flatnonzero(~finite)
            for xy in np.split(data, breaks):  # a gap (NaN) breaks the line
                xy = xy[np.isfinite(xy).all(axis=1)]
                if len(xy) < 2:
                    continue
                steps = np.maximum(np.ceil(np.hypot(*np.diff(xy, axis=0).T)), 1).astype(int)
                # Straight runs between vertices, cut every pixel, so a sparse line still shows.
                fractions = np.concatenate([np.arange(n) / n for n in steps])
                starts = np.repeat(xy[:-1], steps, axis=0)
                pieces.append(starts + np.repeat(np.diff(xy, axis=0), steps, axis=0) * fractions[:, None])
                pieces.append(xy[-1:])
    return np.concatenate(pieces) if pieces else np.empty((0, 2))


def _marked_points(fig: Figure) -> list[tuple[float, float, float]]:
    """Marked points (line markers, bubbles) as pixel centres and radii."""
    out: list[tuple[float, float, float]] = []
    to_pixels = fig.dpi / 72
    for ax in fig.axes:
        for line in ax.lines:
            if line.get_visible() and line.get_marker() not in (None, "None", "", " "):
                radius = float(line.get_markersize()) / 2 * to_pixels
                centres = line.get_transform().transform(line.get_xydata())
                out += [(float(x), float(y), radius) for x, y in centres]
        for coll in ax.collections:
            if isinstance(coll, PathCollection) and coll.get_visible() and len(coll.get_sizes()):
                sizes = coll.get_sizes()
                centres = coll.get_offset_transform().transform(coll.get_offsets())
                out += [(float(x), float(y), math.sqrt(sizes[k % len(sizes)]) / 2 * to_pixels)
                        for k, (x, y) in enumerate(centres)]
    return out


def _collisions(spot: Box, texts: Sequence[Box], lines: Sequence[Box],
                points: Sequence[tuple[float, float, float]], at: np.ndarray,
                frame: Box) -> tuple[int, float]:
    """(How many things ``spot`` runs into, the area it shares with texts and lies outside ``frame``).

    A line through the label's own anchor and a point under it are the label's own: not counted.
    """
    hits, area = 0, 0.0
    for other in texts:
        shared = _overlap(spot, other)
        if shared > 0:
            hits, area = hits + 1, area + shared
    for x0, y0, x1, y1 in lines:
        if x0 - 2 <= at[0] <= x1 + 2 and y0 - 2 <= at[1] <= y1 + 2:
            continue
        if x0 <= spot[2] and x1 >= spot[0] and y0 <= spot[3] and y1 >= spot[1]:
            hits += 1
    for cx, cy, r in points:
        if math.hypot(at[0] - cx, at[1] - cy) <= max(r, 2.0):
            continue
        nearest = (min(max(cx, spot[0]), spot[2]), min(max(cy, spot[1]), spot[3]))
        if math.hypot(nearest[0] - cx, nearest[1] - cy) < r:
            hits += 1
    outside = (spot[2] - spot[0]) * (spot[3] - spot[1]) - _overlap(spot, frame)
    if outside > 1.0:
        hits, area = hits + 1, area + outside
    return hits, area


# --- 1. portfolio bubble chart ----------------------------------------------------------------


def bubble_value_vs_cost(plan: Plan, results: PlanResults, *, figsize: tuple[float, float] = (8.0, 5.2),
                         dpi: float = DPI) -> Figure:
    """Portfolio map: eNPV against the PV of cost, bubble area = eligible users, colour = status."""
    currency = plan.settings.currency
    status_of = {o.id: o.status for o in plan.opportunities}
    rows = [r for r in results.opportunities]
    if not rows:
        return message_figure("No opportunities yet: add one to see the portfolio map.",
                              title="Portfolio: value against cost", figsize=figsize, dpi=dpi)

    xs = np.array([_finite(r.pv_cost) for r in rows])
    ys = np.array([_finite(r.enpv) for r in rows])
    users = np.array([max(_finite(r.effective.get("eligible_users", (0.0, ""))[0]), 0.0) for r in rows])
    biggest = users.max() if users.size and users.max() > 0 else 1.0
    sizes = np.maximum(1300.0 * users / biggest, 40.0)  # marker area in points², ∝ users
    statuses = [status_of.get(r.id, "proposed") for r in rows]
    colours = [STATUS_COLOURS.get(s, GREY) for s in statuses]
    selected = set(results.portfolio.selected)
    budgeted = results.portfolio.budget is not None
    edges = [INK if (budgeted and r.id in selected) else "white" for r in rows]
    widths = [2.0 if (budgeted and r.id in selected) else 0.8 for r in rows]

    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    _style(ax, grid="both")
    order = np.argsort(-sizes, kind="stable")  # small bubbles on top of large ones
    ax.scatter(xs[order], ys[order], s=sizes[order], c=[colours[i] for i in order],
               edgecolors=[edges[i] for i in order], linewidths=[widths[i] for i in order],
               alpha=0.9, zorder=3, gid="bubbles")
    ax.axhline(0, color=GREY, linewidth=0.9, zorder=1)

    # Limits with room for the largest bubble and for labels.
    x_lo, x_hi = _pad_range(min(0.0, xs.min()), max(xs.max(), 0.0), 0.04, 0.12)
    y_lo, y_hi = _pad_range(min(0.0, ys.min()), max(0.0, ys.max()), 0.14, 0.14)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    _money_axis(ax.xaxis, currency)
    _money_axis(ax.yaxis, currency)
    _label(ax, "Present value of cost (build, run and per-task)", "Risk-adjusted NPV (eNPV)")

    total = results.portfolio.total_enpv
    best = max(rows, key=lambda r: _finite(r.enpv, -math.inf))
    title = (f"{short_name(best.name or best.id)} leads the portfolio: {_money(best.enpv, currency)}"
             f" of {_money(total, currency)} total eNPV")
    largest = rows[int(np.argmax(users))]
    subtitle = (f"Bubble area shows eligible users (largest: {short_name(largest.name or largest.id, 34)}, "
                f"{number(float(users.max()))}); colour shows status.")
    if budgeted:
        subtitle += (f" Outlined: the best set within the {_money(results.portfolio.budget, currency)}"
                     f" build budget ({_money(results.portfolio.selected_enpv, currency)} eNPV).")
    _header(fig, title, subtitle)

    present = [s for s in STATUS_ORDER if s in statuses] + sorted(set(statuses) - set(STATUS_ORDER))
    handles: list[Any] = [Line2D([], [], linestyle="", marker="o", markersize=9,
                                 markerfacecolor=STATUS_COLOURS.get(s, GREY), markeredgecolor="white")
                          for s in present]
    labels = [s.capitalize() for s in present]
    if budgeted and selected:
        handles.append(Line2D([], [], linestyle="", marker="o", markersize=9, markerfacecolor="white",
                              markeredgecolor=INK, markeredgewidth=2.0))
        labels.append("Selected within budget")
    _legend(fig, handles, labels, loc="outside lower center")

    # Past a dozen bubbles labels pile up (and placing them grows quadratically): name the
    # opportunities with the largest risk-adjusted NPV either way, leave the rest to the legend.
    if len(rows) > MAX_BUBBLE_LABELS:
        span_x = float(np.ptp(xs)) or 1.0
        span_y = float(np.ptp(ys)) or 1.0
        keep: list[int] = []
        for i in np.argsort([-abs(_finite(r.enpv)) for r in rows]):
            clear = all(abs(xs[i] - xs[j]) > 0.01 * span_x or abs(ys[i] - ys[j]) > 0.01 * span_y
                        for j in keep)  # one label per spot: duplicates would pile up
            if clear:
                keep.append(int(i))
            if len(keep) == MAX_BUBBLE_LABELS:
                break
        keep.sort()
        _label_bubbles(fig, ax, [rows[i] for i in keep], xs[keep], ys[keep], sizes[keep])
    else:
        _label_bubbles(fig, ax, rows, xs, ys, sizes)
    return _finish(fig)


def _text_width(text: str, size: float = TEXT_SIZE, bold: bool = False) -> float:
    """Width in points of one line of DejaVu Sans, as the Agg renderer lays it out."""
    prop = FontProperties(family=FONT, size=size, weight="bold" if bold else "normal")
    renderer = RendererAgg(1, 1, 72)  # at 72 dpi a pixel is a point
    return float(renderer.get_text_width_height_descent(text, prop, ismath=False)[0])


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Area shared by two boxes (x0, y0, x1, y1)."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


MAX_BUBBLE_LABELS = 12


def _label_bubbles(fig: Figure, ax: Axes, rows: Sequence[OpportunityResult], xs: np.ndarray,
                   ys: np.ndarray, sizes: np.ndarray) -> None:
    """Short names beside the bubbles, each in the first clear spot among a few around its bubble.

    Spots are tried right, left, above, below, then further up or down with a leader line; the
    label layout keeps each clear of other labels, other bubbles, the zero line and the frame,
    and leaves out a name with no clear spot (the table lists every opportunity).
    """
    radii = np.sqrt(sizes) / 2  # points
    height = TEXT_SIZE * 1.25
    for i in sorted(range(len(rows)), key=lambda i: -ys[i]):  # the most valuable get first pick
        gap = float(radii[i]) + 3
        spots: list[Spot] = [(gap, 0.0, "left", "center"), (-gap, 0.0, "right", "center"),
                             (0.0, gap, "center", "bottom"), (0.0, -gap, "center", "top")]
        for reach in (gap, gap + 2 * height):
            for step in (0.5, 1, 1.5, 2, 3, 4):
                for sign in (1, -1):
                    dy = sign * step * height
                    spots += [(reach, dy, "left", "center"), (-reach, dy, "right", "center")]
        label = ax.annotate(short_name(rows[i].name or rows[i].id, 30), xy=(xs[i], ys[i]), xytext=(0, 0),
                            textcoords="offset points", fontsize=TEXT_SIZE, color=INK, fontfamily=FONT,
                            zorder=4,
                            bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none",
                                  "alpha": 0.75},
                            arrowprops={"arrowstyle": "-", "color": GREY, "linewidth": 0.6, "shrinkA": 1,
                                        "shrinkB": float(radii[i])})
        _labels(fig).add(label, spots, optional=True)


# --- 2. NPV distribution ----------------------------------------------------------------------


def portfolio_distribution(results: PlanResults, currency: str = "USD", *,
                           figsize: tuple[float, float] = (7.5, 4.4), dpi: float = DPI) -> Figure:
    """The simulated NPV of what the plan asks for: the funded set, beside the whole plan.

    Without a budget (or with nothing funded) the whole plan's distribution alone.
    """
    p = results.portfolio
    n = len(results.opportunities)
    whole = f"Whole plan ({n} {'opportunity' if n == 1 else 'opportunities'})"
    if p.budget is not None and p.selected and p.selected_samples is not None:
        return npv_distribution(p.selected_samples, p.selected_mc, currency,
                                f"Funded set NPV ({len(p.selected)} of {n})",
                                beside=(whole, p.npv_samples), figsize=figsize, dpi=dpi)
    return npv_distribution(p.npv_samples, p.mc, currency, "Whole plan NPV", figsize=figsize, dpi=dpi)


def _finite_values(samples: Sequence[float] | np.ndarray | None) -> np.ndarray:
    values: np.ndarray = np.asarray(samples if samples is not None else [], dtype=float).ravel()
    finite: np.ndarray = values[np.isfinite(values)]
    return finite


def npv_distribution(samples: Sequence[float] | np.ndarray | None, summary: Summary | None = None,
                     currency: str = "USD", title: str = "NPV", *, launch_failure: float | None = None,
                     beside: tuple[str, Sequence[float] | np.ndarray | None] | None = None,
                     figsize: tuple[float, float] = (7.5, 4.4), dpi: float = DPI) -> Figure:
    """Histogram of simulated NPVs with P10 / P50 / P90 and the chance of a positive NPV.

    Works for one opportunity (``result.npv_samples``, ``result.mc``) and for the portfolio total
    (``portfolio.npv_samples``, ``portfolio.mc``); ``title`` names which. ``launch_failure``, the
    NPV of a failed launch (``-result.pv_build``), labels the spike of failed simulations.
    ``beside`` (a label and samples) draws a second distribution as an outline on the same bins,
    so the funded set can be read against the whole plan.
    """
    values = _finite_values(samples)
    outline = _finite_values(beside[1]) if beside is not None else np.zeros(0)
    if values.size == 0:
        return message_figure("No simulation results: run the Monte Carlo to see the range of NPV.",
                              title=title, figsize=figsize, dpi=dpi)
    if not abs(float(values.max())) + abs(float(values.min())) < 1e300:  # no axis can span it
        return message_figure("The simulated NPVs are too large to draw: check the inputs' units.",
                              title=title, figsize=figsize, dpi=dpi)
    stats = summary
    if stats is None or not all(map(math.isfinite, (stats.p10, stats.p50, stats.p90, stats.p_positive))):
        stats = Summary.of(values)

    if not outline.size or not abs(float(outline.max())) + abs(float(outline.min())) < 1e300:
        outline = np.zeros(0)
    edges = _bin_edges(np.concatenate([values, outline]) if outline.size else values)
    counts, edges = np.histogram(values, bins=edges)
    # The outline as a share of its own simulations, on the axis of the filled bars' share.
    outline_counts = (np.histogram(outline, bins=edges)[0] * (values.size / outline.size)
                      if outline.size else None)
    centres = (edges[:-1] + edges[1:]) / 2
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    _style(ax, grid="y")
    colours = [AMBER if c < 0 else TEAL for c in centres]
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=colours, edgecolor="white",
           linewidth=0.3, gid="histogram")
    if outline_counts is not None:
        ax.stairs(outline_counts, edges, color=NAVY, linewidth=1.2, zorder=2.5, gid="beside")
    top = max(float(counts.max()), float(outline_counts.max()) if outline_counts is not None else 0.0, 1.0)
    ax.set_ylim(0, top * 1.22)
    n = values.size
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: percent(v / n)))
    _money_axis(ax.xaxis, currency)
    _label(ax, "Net present value", "Share of simulations")
    verticals: list[Line2D] = []  # broken around a label only where no spot is clear of them
    if edges[0] < 0 < edges[-1]:
        verticals.append(ax.axvline(0, color=INK, linewidth=0.9, zorder=2))

    span = edges[-1] - edges[0]
    if counts.size == 1:  # every simulation gave one value: a narrow bar in a readable range
        ax.set_xlim(edges[0] - 10 * span, edges[-1] + 10 * span)
        span = 21 * span
    markers = [("P10", stats.p10, "right", ":"), ("P50", stats.p50, "left", "--"),
               ("P90", stats.p90, "left", ":")]
    if abs(stats.p90 - stats.p10) <= 1e-9 * max(abs(stats.p50), 1.0):
        markers = [("P10 = P50 = P90", stats.p50, "left", "--")]
    percentiles = [(name, value, ha, style) for name, value, ha, style in markers if math.isfinite(value)]
    verticals += [ax.axvline(value, color=INK, linewidth=1.1, linestyle=style, zorder=3, gid=name[:3].lower())
                  for name, value, _, style in percentiles]
    box = {"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
    row = TEXT_SIZE * 1.5  # points from one staggered row of labels to the next
    leader = {"arrowstyle": "-", "color": GREY, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 0}
    if launch_failure is not None and math.isfinite(launch_failure):
        failed = np.isclose(values, launch_failure, rtol=1e-9, atol=1e-6)
        if failed.any():
            bar = int(np.clip(np.searchsorted(edges, launch_failure, side="right") - 1, 0, counts.size - 1))
            right = launch_failure - edges[0] < 0.5 * span
            label = ax.annotate(f"Launch fails: {_money(launch_failure, currency)}\n"
                                f"({percent(failed.mean())} of simulations)", xy=(centres[bar], counts[bar]),
                                xytext=(0, 0), textcoords="offset points", fontsize=TEXT_SIZE, color=AMBER,
                                fontfamily=FONT, bbox=box, arrowprops=leader)
            # Beside the spike's top, then lower or further along (with a leader back to the
            # spike) until clear of the P lines and zero.
            sides = ("left", "right") if right else ("right", "left")
            _labels(fig).add(label, [(gap if ha == "left" else -gap, -2 - k * row, ha, "top")
                                     for gap in (6, 30, 60, 100, 150, 200, 260, 330) for k in range(4)
                                     for ha in sides], first=True, trim=verticals)
    for name, value, ha, _ in percentiles:
        left_edge, right_edge = ax.get_xlim()
        near_left, near_right = value - left_edge < 0.2 * span, right_edge - value < 0.2 * span
        side = "left" if (ha == "right" and near_left) else ("right" if (ha == "left" and near_right) else ha)
        other = "left" if side == "right" else "right"
        label = ax.annotate(f"{name} {_money(value, currency)}", xy=(value, 1.0),
                            xycoords=ax.get_xaxis_transform(), xytext=(0, 0), textcoords="offset points",
                            fontsize=TEXT_SIZE, color=INK, fontfamily=FONT, bbox=box)
        # At the top beside its line; when the percentiles crowd, a row lower, or standing on
        # its line; where no spot is clear, the lines it would cross are broken around it.
        _labels(fig).add(label, [(gap, -2 - k * row, ha, "top") for k in range(6)
                                 for gap, ha in ((4 if side == "left" else -4, side), (0, "center"),
                                                 (4 if other == "left" else -4, other))],
                         trim=verticals)
    subtitle = (f"P10 to P90: {money_range(stats.p10, stats.p90, currency)}"
                f"; median {_money(stats.p50, currency)}; mean {_money(stats.mean, currency)}"
                f"; {max(n, stats.simulations):,} simulations.")
    handles: list[Artist] = []
    texts: list[str] = []
    if beside is not None and outline.size:
        whole = Summary.of(outline)
        subtitle += (f"\n{beside[0]}, outlined: P10 to P90 {money_range(whole.p10, whole.p90, currency)}"
                     f"; {percent(whole.p_positive)} chance of a positive NPV.")
        handles.append(Line2D([], [], color=NAVY, linewidth=1.2))
        texts.append(beside[0])
    _header(fig, f"{title}: {percent(stats.p_positive)} chance of a positive NPV", subtitle)
    signs = [(AMBER, "NPV below zero", bool((centres < 0).any())),
             (TEAL, "NPV above zero", bool((centres >= 0).any()))]
    handles = [Patch(color=c) for c, _, shown in signs if shown] + handles
    texts = [t for _, t, shown in signs if shown] + texts
    _legend(fig, handles, texts, loc="outside lower center")
    return _finish(fig)


def _bin_edges(values: np.ndarray, bins: int = 50) -> np.ndarray:
    """Evenly spaced edges covering every value, with zero on an edge so bars do not straddle it."""
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo
    if span <= 1e-9 * max(abs(lo), abs(hi), 1.0):  # one value (or float noise around one)
        half = max(abs(lo) * 0.02, 1.0)
        return np.array([lo - half, lo + half])
    width = span / min(bins, max(10, int(math.sqrt(values.size))))
    first, last = math.floor(lo / width), math.ceil(hi / width)
    if last <= first:
        last = first + 1
    edges = width * np.arange(first, last + 1, dtype=float)
    edges[0] = min(edges[0], lo)
    edges[-1] = max(edges[-1], hi)
    return edges


# --- 3. monthly cash flow ---------------------------------------------------------------------


def monthly_cash_flow(result: OpportunityResult, currency: str = "USD", horizon: int | None = None, *,
                      figsize: tuple[float, float] = (8.0, 4.4), dpi: float = DPI) -> Figure:
    """Monthly benefit above zero, build / run / per-task cost below, cumulative net on the right.

    ``horizon`` is in years (the project's ``horizon_years``); None shows every month computed.
    """
    name = short_name(result.name or result.id, 40)
    monthly = result.monthly or {}
    series = {key: np.nan_to_num(np.asarray(monthly.get(key, []), dtype=float).ravel(), nan=0.0,
                                 posinf=0.0, neginf=0.0)
              for key in ("benefit", "build", "run", "variable")}
    months = max((len(v) for v in series.values()), default=0)
    if horizon is not None and _finite(horizon) > 0:
        months = min(months, 12 * int(_finite(horizon)))
    if months == 0:
        return message_figure("No monthly cash flows to show.", title=f"{name}: cash flow",
                              figsize=figsize, dpi=dpi)
    for key, values in series.items():
        series[key] = np.pad(values, (0, max(0, months - len(values))))[:months]
    benefit, build, run, variable = (series[k] for k in ("benefit", "build", "run", "variable"))
    cumulative = np.cumsum(benefit - build - run - variable)
    m = np.arange(1, months + 1)

    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    _style(ax, grid="y")
    _columns(ax, m, 0.0, benefit, TEAL, "Benefit", "benefit")
    _columns(ax, m, 0.0, -build, NAVY, "Build cost", "build")
    _columns(ax, m, -build, -build - run, GREY, "Run cost", "run")
    _columns(ax, m, -build - run, -build - run - variable, AMBER, "Per-task cost", "variable")
    ax.axhline(0, color=INK, linewidth=0.8)
    _money_axis(ax.yaxis, currency)
    _label(ax, "Month", "Monthly cash flow")
    ax.set_xlim(0.3, months + 0.7)
    step = 6 if months <= 48 else 12
    ax.xaxis.set_major_locator(FixedLocator([1, *range(step, months + 1, step)]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}"))

    right = ax.twinx()
    right.plot(m, cumulative, color=INK, linewidth=2.0, label="Cumulative net (right axis)",
               gid="cumulative-net", zorder=4)
    right.spines["top"].set_visible(False)
    right.spines["left"].set_visible(False)
    right.spines["right"].set_color(LIGHT)
    right.tick_params(labelsize=TEXT_SIZE, labelcolor=MUTED, color=LIGHT, length=3, labelfontfamily=FONT)
    _money_axis(right.yaxis, currency)
    _label(right, y="Cumulative net")
    ends = np.concatenate([benefit, -build, -build - run, -build - run - variable])
    ax.set_ylim(*_pad_range(min(0.0, float(ends.min())), max(0.0, float(ends.max())), 0.06, 0.06))
    right.set_ylim(*_pad_range(min(0.0, float(cumulative.min())), max(0.0, float(cumulative.max())),
                               0.06, 0.06))
    _align_zero(ax, right)

    payback = result.payback_month
    end = _money(float(cumulative[-1]), currency)
    if payback is None:
        title = f"{name}: does not pay back within {months} months"
    elif payback == 0:
        title = f"{name}: cash-positive from the first month"
    else:
        title = f"{name}: pays back in month {payback}"
    if payback is not None and 1 <= payback <= months:
        right.axvline(payback, color=INK, linewidth=0.9, linestyle="--", zorder=3, gid="payback")
        right.plot([payback], [cumulative[payback - 1]], marker="o", color=INK, markersize=6, zorder=5)
        early = payback < 0.75 * months
        label = right.annotate(f"Payback, month {payback}", xy=(payback, cumulative[payback - 1]),
                               xytext=(0, 0), textcoords="offset points", fontsize=TEXT_SIZE, color=INK,
                               fontfamily=FONT, bbox={"boxstyle": "square,pad=0.2", "facecolor": "white",
                                                      "edgecolor": "none", "alpha": 0.9})
        # Below and after the point (before it when late in the horizon), else another corner,
        # further down or up: clear of the zero line, the bars' axis and the right axis's ticks.
        sides = ("left", "right") if early else ("right", "left")
        _labels(fig).add(label, [(8 if ha == "left" else -8, sign * (10 + k * TEXT_SIZE * 1.5), ha,
                                  "top" if sign < 0 else "bottom")
                                 for k in range(4) for sign in (-1, 1) for ha in sides])
    _header(fig, title, f"Undiscounted cash by month; cumulative net {end} by month {months}.")
    handles = [*ax.get_legend_handles_labels()[0], *right.get_legend_handles_labels()[0]]
    _legend(fig, handles, [str(h.get_label()) for h in handles], loc="outside lower center")
    return _finish(fig)


def _columns(ax: Axes, x: np.ndarray, bottom: float | np.ndarray, top: np.ndarray, colour: str, label: str,
             gid: str, width: float = 0.8) -> PolyCollection:
    """A bar per x from ``bottom`` to ``top`` as one collection: one artist, not one per month."""
    low = np.broadcast_to(np.asarray(bottom, dtype=float), np.shape(x))
    left, right = x - width / 2, x + width / 2
    corners = np.stack([np.column_stack([left, low]), np.column_stack([left, top]),
                        np.column_stack([right, top]), np.column_stack([right, low])], axis=1)
    bars = PolyCollection(list(corners), facecolors=colour, edgecolors="none", label=label, gid=gid)
    ax.add_collection(bars, autolim=False)
    return bars


def _align_zero(a: Axes, b: Axes) -> None:
    """Give twin axes their zero at the same height, so one zero line serves both."""
    limits = []
    for ax in (a, b):
        lo, hi = ax.get_ylim()
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        if hi - lo <= 0:
            lo, hi = -1.0, 1.0
        limits.append((lo, hi))
    share = max(-lo / (hi - lo) for lo, hi in limits)  # fraction of the height below zero
    for ax, (lo, hi) in zip((a, b), limits, strict=True):
        if share >= 1.0:
            ax.set_ylim(lo, 0.0)
        elif share <= 0.0:
            ax.set_ylim(0.0, hi)
        elif -lo / (hi - lo) < share:
            ax.set_ylim(-share * hi / (1 - share), hi)
        else:
            ax.set_ylim(lo, -lo * (1 - share) / share)


# --- 4. tornado -------------------------------------------------------------------------------


def input_label(key: tuple[str, str, str], plan: Plan) -> str:
    """An input in plain words: "Adoption target (Support copilot)", "Input tokens (route gpt-5)"."""
    kind, oid, field = key
    label = field_label(field)
    if kind == "opportunity":
        o = next((o for o in plan.opportunities if o.id == oid), None)
        return f"{label} ({short_name(o.name or o.id) if o else oid})"
    if kind == "unit_model":
        u = plan.unit_model(oid)
        return f"{label} (cost model {short_name(u.name or u.id) if u else oid})"
    if kind == "route":
        route = next((r for u in plan.unit_models for r in u.routes if r.id == oid), None)
        return f"{label} (route {(route.model or route.id) if route else oid})"
    if kind == "option":
        option = next((op for d in plan.decisions for op in d.options if op.id == oid), None)
        return f"{label} (option {short_name(option.name or option.id, 22) if option else oid})"
    return f"{label} ({oid})"


def _two_lines(label: str, width: int) -> str:
    """A long "Input (object)" label broken before its bracket rather than inside a name."""
    if len(label) <= width or " (" not in label:
        return label
    head, tail = label.split(" (", 1)
    return f"{head}\n({tail}"


def tornado(result: OpportunityResult, plan: Plan, currency: str | None = None, *, max_bars: int = 12,
            figsize: tuple[float, float] | None = None, dpi: float = DPI) -> Figure:
    """The inputs that move NPV most: success-case NPV with each ranged input at its low and high."""
    currency = currency or plan.settings.currency
    name = short_name(result.name or result.id, 40)
    bars: list[TornadoBar] = [b for b in result.tornado
                              if math.isfinite(b.npv_low) and math.isfinite(b.npv_high)]
    bars.sort(key=lambda b: -b.swing)
    if not bars:
        return message_figure("No ranged inputs: give an input a low and a high to see what moves NPV.",
                              title=f"{name}: what moves NPV", figsize=figsize or (7.5, 3.0), dpi=dpi)
    hidden = max(0, len(bars) - max_bars)
    bars = bars[:max_bars]
    n = len(bars)
    fig = _figure(figsize or (7.5, 1.9 + 0.42 * n), dpi)
    ax = fig.add_subplot()
    _style(ax, grid="x")
    ax.spines["left"].set_visible(False)
    base = _finite(result.npv)
    y = np.arange(n)
    low_ends = np.array([b.npv_low for b in bars])
    high_ends = np.array([b.npv_high for b in bars])
    ax.barh(y, low_ends - base, left=base, height=0.62, color=LIGHT, label="Input at its low",
            gid="tornado-low")
    ax.barh(y, high_ends - base, left=base, height=0.62, color=NAVY, label="Input at its high",
            gid="tornado-high")
    base_line = ax.axvline(base, color=INK, linewidth=1.0, zorder=3)
    labels = [_two_lines(input_label(b.key, plan), 34) for b in bars]
    ax.set_yticks(y, [_tick(label) for label in labels])
    ax.tick_params(axis="y", length=0, labelcolor=INK)
    ax.invert_yaxis()
    _money_axis(ax.xaxis, currency)
    _label(ax, "NPV if the launch succeeds")

    lo = float(min(low_ends.min(), high_ends.min(), base))
    hi = float(max(low_ends.max(), high_ends.max(), base))
    # Room beyond the bars for their end labels: the widest label as a share of the plot's
    # width, which is about the figure's less the input names on the left.
    names = max(_text_width(line) for label in labels for line in label.split("\n"))
    plot = fig.get_figwidth() * 72 - names - 40
    end_texts = []
    for b in bars:
        low_text, high_text = field_value(b.key[2], b.low, currency), field_value(b.key[2], b.high, currency)
        one_side = (b.npv_low - base) * (b.npv_high - base) > 0
        end_texts += [f"{low_text} / {high_text}"] if one_side else [low_text, high_text]
    share = min((max(_text_width(t) for t in end_texts) + 12) / max(plot, 1.0), 0.3)
    margin = max(0.24, share / (1 - 2 * share))
    ax.set_xlim(*_pad_range(lo, hi, margin, margin))
    style = {"fontsize": TEXT_SIZE, "color": MUTED, "fontfamily": FONT, "textcoords": "offset points",
             "bbox": {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}}
    for i, b in enumerate(bars):
        field = b.key[2]
        low_text, high_text = field_value(field, b.low, currency), field_value(field, b.high, currency)
        if (b.npv_low - base) * (b.npv_high - base) > 0:  # both ends on one side: one label
            end = b.npv_low if abs(b.npv_low - base) > abs(b.npv_high - base) else b.npv_high
            ends = [(end, f"{low_text} / {high_text}", end >= base)]
        else:
            ends = [(end, text, end > base or (end == base and default_right)) for end, text, default_right
                    in ((b.npv_low, low_text, False), (b.npv_high, high_text, True))]
        for end, text, right in ends:
            # Past the bar's end; where that runs off the plot or into the axis, just inside it.
            label = ax.annotate(text, xy=(end, i), xytext=(0, 0), **style)
            outside, inside = (4, 0, "left", "center"), (-4, 0, "right", "center")
            # A price per task is written to four decimals: where it cannot clear the base line,
            # the line gives way around it.
            _labels(fig).add(label, [outside, inside] if right else [inside, outside], trim=[base_line])
    top = bars[0]
    title = (f"{name}: {field_label(top.key[2]).lower()} moves NPV most, "
             f"{_money(min(top.npv_low, top.npv_high), currency)} to "
             f"{_money(max(top.npv_low, top.npv_high), currency)}")
    subtitle = (f"NPV if the launch succeeds, around the base of {_money(base, currency)}, with one "
                "input at its low or high and the rest at base; end labels give the input's value.")
    if hidden:
        subtitle += f" {hidden} smaller input{'s' if hidden > 1 else ''} not shown."
    _header(fig, title, subtitle)
    _legend(fig, [Patch(color=LIGHT), Patch(color=NAVY)], ["Input at its low", "Input at its high"],
            loc="outside lower center")
    return _finish(fig)


# --- 5. decision radar ------------------------------------------------------------------------


def _option_colours(decision: Decision) -> dict[str, str]:
    return {o.id: SERIES[i % len(SERIES)] for i, o in enumerate(decision.options)}


def radar(decision: Decision, decision_result: DecisionResult | None, *,
          figsize: tuple[float, float] = (7.5, 5.6), dpi: float = DPI) -> Figure:
    """One polygon per option over the criteria (outer ring = best), the winner drawn strongest."""
    title_name = decision.name or decision.id
    if not decision.options or not decision.criteria or decision_result is None:
        what = "options" if not decision.options else "criteria"
        if decision_result is None and decision.options and decision.criteria:
            what = "a scored result"
        return message_figure(f"Nothing to compare yet: this decision has no {what}.",
                              title=title_name, figsize=figsize, dpi=dpi)
    criteria = decision.criteria
    weights = np.array([max(_finite(c.weight.base), 0.0) for c in criteria])
    total = weights.sum()
    n = len(criteria)
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    closed = np.append(theta, theta[:1])
    colours = _option_colours(decision)
    winner = decision_result.winner

    fig = _figure(figsize, dpi)
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_ylim(0, 1.0)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0])
    ax.yaxis.set_major_formatter(NullFormatter())
    ax.grid(color=GRID, linewidth=0.8)
    ax.spines["polar"].set_color(LIGHT)
    ax.set_facecolor("white")
    names = [f"{c.name or c.id} ({percent(w / total) if total > 0 else '—'})"
             for c, w in zip(criteria, weights, strict=True)]
    ax.set_xticks(theta, [""] * n)
    # Spoke labels placed by hand, aligned away from the circle so no polygon runs into them.
    for angle, text in zip(theta, names, strict=True):
        across, up = math.sin(angle), math.cos(angle)  # clockwise from the top
        ha = "left" if across > 0.2 else "right" if across < -0.2 else "center"
        va = "bottom" if up > 0.2 else "top" if up < -0.2 else "center"
        ax.text(angle, 1.1, _wrap(text, 20), ha=ha, va=va, fontsize=TEXT_SIZE, color=INK, fontfamily=FONT,
                gid="criterion")

    handles: list[Any] = []
    labels: list[str] = []
    ordered = sorted(decision.options, key=lambda o: o.id == winner)  # winner drawn last, on top
    for option in ordered:
        row = decision_result.normalised.get(option.id, {})
        values = np.array([min(max(_finite(row.get(c.id)), 0.0), 1.0) for c in criteria])
        ring = np.append(values, values[:1])
        is_winner = option.id == winner
        colour = colours[option.id]
        (line,) = ax.plot(closed, ring, color=colour, linewidth=2.6 if is_winner else 1.4,
                          marker="o", markersize=4 if is_winner else 3, zorder=4 if is_winner else 3,
                          gid=f"radar:{option.id}")
        ax.fill(closed, ring, color=colour, alpha=0.16 if is_winner else 0.04, zorder=2)
    for option in decision.options:  # legend in entry order
        score = decision_result.scores.get(option.id)
        width = 2.6 if option.id == winner else 1.4
        handles.append(Line2D([], [], color=colours[option.id], linewidth=width))
        tied = option.id in decision_result.tied
        mark = " (tied best)" if tied else (" (best)" if option.id == winner else "")
        labels.append(f"{short_name(option.name or option.id, 40)}: {_finite(score):.0f}/100{mark}")
    if decision_result.tied:  # a tie is said as a tie, in the words of the workspace and memo
        names = {o.id: short_name(o.name or o.id, 40) for o in decision.options}
        title = (f"{names_and([names[o] for o in decision_result.tied])} tie at "
                 f"{_finite(decision_result.scores.get(winner)):.1f} of 100")
    else:
        best = next((o for o in decision.options if o.id == winner), None)
        best_name = short_name(best.name or best.id, 40) if best else winner
        title = f"{best_name} scores highest, {_finite(decision_result.scores.get(winner)):.0f} of 100"
    try:
        subtitle = robustness_sentence(decision, decision_result)
    except (KeyError, ValueError):  # a result that does not match the decision: say nothing
        subtitle = ""
    subtitle = (subtitle + " Outer ring = best on that criterion; weights in brackets.").strip()
    _header(fig, title, subtitle)
    _legend(fig, handles, labels, loc="outside lower center")
    return _finish(fig)


# --- 6. cumulative TCO ------------------------------------------------------------------------


def cumulative_tco(decision: Decision, decision_result: DecisionResult | None, horizon_years: int,
                   annual_volume: float | None = None, currency: str = "USD", *,
                   figsize: tuple[float, float] = (7.5, 4.4), dpi: float = DPI) -> Figure:
    """Cumulative cost of each option, year 0 (upfront) to the horizon (docs/formulas.md 3.2's TCO)."""
    title_name = decision.name or decision.id
    if not decision.options:
        return message_figure("No options to compare yet.", title=title_name, figsize=figsize, dpi=dpi)
    years = max(int(_finite(horizon_years)), 0)
    volume = _finite(annual_volume if annual_volume is not None
                     else (decision_result.annual_volume if decision_result else None))
    t = np.arange(years + 1)
    colours = _option_colours(decision)
    winner = decision_result.winner if decision_result else None

    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    _style(ax, grid="y")
    ends: dict[str, float] = {}
    for option in decision.options:
        upfront = _finite(option.upfront_cost.base)
        yearly = _finite(option.annual_cost.base) + _finite(option.cost_per_task.base) * volume
        costs = upfront + t * yearly
        ends[option.id] = float(costs[-1])
        is_winner = option.id == winner
        ax.plot(t, costs, color=colours[option.id], linewidth=2.6 if is_winner else 1.6, marker="o",
                markersize=5 if is_winner else 4, zorder=4 if is_winner else 3,
                label=short_name(option.name or option.id, 40) + (" (best score)" if is_winner else ""),
                gid=f"tco:{option.id}")
    ax.set_xlim(-0.25, years + 0.25 + max(0.6, 0.22 * years))
    top = max(max(ends.values()), 0.0)
    ax.set_ylim(0, top * 1.1 if top > 0 else 1.0)
    ax.set_xticks(t, [f"Year {v}" if v == 0 else str(v) for v in t] if years else ["Year 0"])
    _money_axis(ax.yaxis, currency)
    _label(ax, "Years from the decision", "Cumulative cost")

    # Each end's cost beside its line's last point, the costliest placed first; when ends are
    # close, the next label takes the nearest free row above or below, in its line's colour.
    rows = [0, 1, -1, 2, -2, 3, -3, 4, -4]
    for oid in sorted(ends, key=lambda o: -ends[o]):
        label = ax.annotate(_money(ends[oid], currency), xy=(years, ends[oid]), xytext=(0, 0),
                            textcoords="offset points", fontsize=TEXT_SIZE, color=colours[oid],
                            fontweight="bold" if oid == winner else "normal", fontfamily=FONT)
        _labels(fig).add(label, [(8, k * TEXT_SIZE * 1.3, "left", "center") for k in rows])

    cheapest = min(decision.options, key=lambda o: ends[o.id])
    title = (f"{short_name(cheapest.name or cheapest.id, 40)} costs least over {years} "
             f"year{'s' if years != 1 else ''}: {_money(ends[cheapest.id], currency)}")
    _header(fig, title, f"Upfront cost at year 0, then each year's annual cost plus cost per task × "
                            f"{number(volume)} tasks a year.")
    handles, labels = ax.get_legend_handles_labels()
    _legend(fig, handles, labels, loc="outside lower center")
    return _finish(fig)


# --- 7. cost per task -------------------------------------------------------------------------


def cost_components(unit_model: UnitModel, unit_result: UnitModelResult,
                    currency: str = "USD") -> list[tuple[str, str, float]]:
    """(category, label, cost per task) for each part of the loaded cost, at base values.

    The parts add up to docs/formulas.md 3.3's ``loaded_cost_per_task``: LLM by route, retries, retrieval,
    tools, human escalation and the fixed cost spread over the monthly volume.
    """
    u = unit_model
    parts: list[tuple[str, str, float]] = []
    total_share = sum(_finite(r.share.base) for r in u.routes)
    llm = 0.0
    if u.routes and total_share > 0:
        for r in u.routes:
            inputs = RouteInputs(**{name: np.array([_finite(getattr(r, name).base)])
                                    for name in RouteInputs.__dataclass_fields__ if name != "tiers"},
                                 tiers=r.tiers)
            cost = _finite(r.share.base) / total_share * _finite(float(route_cost(inputs)[0]))
            llm += cost
            share = percent(_finite(r.share.base) / total_share)
            parts.append(("LLM calls", f"LLM: {r.model or r.id} ({share} of traffic)", cost))
    else:
        llm = _finite(unit_result.costs.get("llm_cost_per_task"))
        parts.append(("LLM calls", "LLM calls", llm))
    retry = _finite(u.retry_rate.base)
    parts.append(("Retries", f"Retries ({_rate(retry)} of LLM calls)",
                  llm * retry))
    retrieval = (_finite(u.embed_tokens_per_task.base) * _finite(u.embed_price_mtok.base) / 1e6
                 + _finite(u.vector_queries_per_task.base) * _finite(u.vector_price_per_1k.base) / 1000)
    parts.append(("Retrieval", "Retrieval (embeddings and vector search)", retrieval))
    parts.append(("Tools", "Tool calls", _finite(u.tool_cost_per_task.base)))
    escalation = _finite(u.escalation_rate.base)
    parts.append(("Human escalation", f"Human escalation ({_rate(escalation)} of tasks)",
                  escalation * _finite(u.human_cost_per_escalation.base)))
    volume = _finite(unit_result.volume_tasks_month)
    fixed = _finite(u.fixed_monthly.base)
    if volume > 0:
        parts.append(("Fixed cost", f"Fixed cost ({_money(fixed, currency)} a month ÷ "
                                    f"{_count(volume)} tasks)", fixed / volume))
    return parts


COMPONENT_COLOURS = {"LLM calls": NAVY, "Retries": "#6F8FB8", "Retrieval": TEAL, "Tools": "#8CC7BF",
                     "Human escalation": AMBER, "Fixed cost": GREY}


def _share(share: float) -> str:
    """A component's share of the cost per task: 82%, 4.5%, <0.1%."""
    return "<0.1%" if share < 0.001 else percent(share, 1 if share < 0.01 else 0)


def cost_per_task_breakdown(unit_model: UnitModel, unit_result: UnitModelResult, currency: str = "USD", *,
                            figsize: tuple[float, float] | None = None, dpi: float = DPI) -> Figure:
    """Where the cost of one task goes: each component stacked left to right up to the loaded
    cost, against the revenue per task."""
    name = short_name(unit_model.name or unit_model.id, 40)
    parts = [p for p in cost_components(unit_model, unit_result, currency) if p[2] > 0]
    revenue = _finite(unit_model.revenue_per_task.base)
    if not parts:
        return message_figure("No per-task costs entered yet.", title=f"{name}: cost per task",
                              figsize=figsize or (7.5, 3.0), dpi=dpi)
    total = sum(p[2] for p in parts)
    n = len(parts) + 1
    fig = _figure(figsize or (7.5, 2.0 + 0.38 * n), dpi)
    ax = fig.add_subplot()
    _style(ax, grid="x")
    ax.spines["left"].set_visible(False)
    starts = np.cumsum([0.0] + [p[2] for p in parts[:-1]])
    y = np.arange(len(parts))
    ax.barh(y, [p[2] for p in parts], left=starts, height=0.62,
            color=[COMPONENT_COLOURS.get(p[0], GREY) for p in parts], gid="cost-components")
    ax.barh([len(parts)], [total], height=0.62, color=INK, gid="loaded-cost")
    labels = [_two_lines(p[1], 40) for p in parts] + ["Loaded cost per task"]
    ax.set_yticks(np.arange(n), [_tick(label) for label in labels])
    ax.tick_params(axis="y", length=0, labelcolor=INK)
    ax.get_yticklabels()[-1].set_fontweight("bold")
    ax.invert_yaxis()
    right = max(total, revenue) * 1.28
    ax.set_xlim(0, right)
    _price_axis(ax.xaxis, currency)
    _label(ax, "Cost per task")
    if revenue > 0:
        ax.axvline(revenue, color=TEAL, linewidth=1.6, linestyle="--", zorder=4, gid="revenue")
        label = ax.annotate(f"Revenue per task\n{_price(revenue, currency)}", xy=(revenue, 1.0),
                            xycoords=ax.get_xaxis_transform(), xytext=(0, 0), textcoords="offset points",
                            fontsize=TEXT_SIZE, color=TEAL, fontfamily=FONT,
                            bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"})
        sides = ("right", "left") if revenue > 0.6 * right else ("left", "right")
        _labels(fig).add(label, [(5 if ha == "left" else -5, -2 - k * TEXT_SIZE * 1.4, ha, "top")
                                 for k in range(2 * n) for ha in sides])
    # Each amount past its bar's end; if the revenue line or another label is in the way, further
    # along with a leader back to the bar, or else just inside the bar's end.
    leader = {"arrowstyle": "-", "color": GREY, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 0}
    box = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
    amounts = [(f"{_price(cost, currency)}  ({_share(cost / total)})", starts[i] + cost, i, MUTED, "normal")
               for i, (_, _, cost) in enumerate(parts)]
    amounts.append((_price(total, currency), total, len(parts), INK, "bold"))
    for text, end, i, colour, weight in amounts:
        label = ax.annotate(text, xy=(end, i), xytext=(0, 0), textcoords="offset points", fontsize=TEXT_SIZE,
                            color=colour, fontweight=weight, fontfamily=FONT, bbox=box, arrowprops=leader)
        _labels(fig).add(label, [(gap, 0, "left", "center") for gap in range(4, 200, 12)]
                         + [(-4, 0, "right", "center")])

    by_category: dict[str, float] = {}
    for category, _, cost in parts:
        by_category[category] = by_category.get(category, 0.0) + cost
    largest = max(by_category, key=lambda c: by_category[c])
    title = (f"{name}: {largest.lower()} {'are' if largest.endswith('s') else 'is'} "
             f"{percent(by_category[largest] / total)} of the {_price(total, currency)} cost per task")
    margin = unit_result.costs.get("gross_margin")
    if revenue > 0:
        subtitle = (f"Revenue {_price(revenue, currency)} per task, so a gross margin of "
                    f"{percent(_finite(margin, (revenue - total) / revenue))} at "
                    f"{_count(_finite(unit_result.volume_tasks_month))} tasks a month.")
    else:
        subtitle = "No revenue per task entered, so no margin."
    if _finite(unit_result.volume_tasks_month) <= 0 and _finite(unit_model.fixed_monthly.base) > 0:
        subtitle += " Fixed cost not spread: no monthly volume."
    _header(fig, title, subtitle)
    return _finish(fig)


# --- 8. margin against volume -----------------------------------------------------------------


def margin_curve(revenue: float, variable: float, fixed: float, volumes: np.ndarray) -> np.ndarray:
    """Gross margin at each monthly volume: (revenue - variable - fixed / V) / revenue."""
    return (revenue - variable - fixed / volumes) / revenue


def margin_vs_volume(unit_model: UnitModel, unit_result: UnitModelResult, currency: str = "USD", *,
                     figsize: tuple[float, float] = (7.5, 4.4), dpi: float = DPI) -> Figure:
    """Gross margin as monthly volume grows (log scale), with break-even and the planned volume."""
    name = short_name(unit_model.name or unit_model.id, 40)
    revenue = _finite(unit_model.revenue_per_task.base)
    variable = _finite(unit_result.costs.get("variable_cost_per_task"), math.nan)
    fixed = max(_finite(unit_model.fixed_monthly.base), 0.0)
    planned = _finite(unit_result.volume_tasks_month)
    if revenue <= 0 or not math.isfinite(variable):
        return message_figure("No revenue per task entered, so there is no margin to chart.",
                              title=f"{name}: margin and volume", figsize=figsize, dpi=dpi)
    headroom = revenue - variable
    # With no fixed cost there is nothing to break even on: no marker, every task earns its margin.
    break_even = fixed / headroom if headroom > 0 and fixed > 0 else math.nan
    if planned > 0:
        centre = planned
    else:
        centre = break_even if math.isfinite(break_even) and break_even > 0 else 1000.0
    lo, hi = centre / 10, centre * 10
    if math.isfinite(break_even) and break_even > 0:
        lo, hi = min(lo, break_even / 3), max(hi, break_even * 3)
    volumes = np.geomspace(lo, hi, 400)
    extra = [v for v in (planned, break_even) if math.isfinite(v) and lo <= v <= hi]
    volumes = np.unique(np.concatenate([volumes, extra]))
    margins = margin_curve(revenue, variable, fixed, volumes)
    ceiling = headroom / revenue

    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    _style(ax, grid="both")
    ax.set_xscale("log")
    ax.plot(volumes, margins, color=NAVY, linewidth=2.2, gid="margin-curve", zorder=3)
    ax.axhline(0, color=INK, linewidth=0.9, zorder=2)
    ax.axhline(ceiling, color=GREY, linewidth=1.0, linestyle="--", zorder=2, gid="ceiling")
    ceiling_label = ax.annotate(f"Ceiling at scale {percent(ceiling)}", xy=(0.0, ceiling),
                                xycoords=ax.get_yaxis_transform(), xytext=(0, 0), textcoords="offset points",
                                fontsize=TEXT_SIZE, color=MUTED, fontfamily=FONT)
    planned_margin = float(margin_curve(revenue, variable, fixed, np.array([planned]))[0]) if planned > 0 \
        else math.nan
    floor = min(float(margins.min()), -0.1)
    floor = max(floor, -1.0)
    if math.isfinite(planned_margin):
        floor = min(floor, planned_margin - 0.1)
    top = max(ceiling, 0.0)
    ax.set_ylim(*_pad_range(floor, top, 0.02, 0.1))
    ax.set_xlim(lo, hi)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: percent(v)))
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _count(v)))
    _label(ax, "Tasks a month (log scale)", "Gross margin")

    style = {"fontsize": TEXT_SIZE, "fontfamily": FONT, "textcoords": "offset points",
             "bbox": {"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}}
    leader = {"arrowstyle": "-", "color": GREY, "linewidth": 0.6, "shrinkA": 0}  # to a label moved away
    if math.isfinite(planned_margin):
        ax.plot([planned], [planned_margin], marker="o", color=TEAL, markersize=8, zorder=5, gid="planned")
        # The curve rises left to right, so the corner up and to the left of the point is free,
        # unless the point is close under the ceiling line: then below and to the right.
        high = ceiling - planned_margin < 0.2 * (top - floor)
        label = ax.annotate(f"Planned {number(planned)} tasks a month:\n"
                            f"{percent(planned_margin)} gross margin", xy=(planned, planned_margin),
                            xytext=(0, 0), multialignment="left", color=TEAL,
                            arrowprops={**leader, "shrinkB": 4}, **style)
        _labels(fig).add(label, _corners(9, ("left", "top") if high else ("right", "bottom")))
    if math.isfinite(break_even):
        ax.axvline(break_even, color=AMBER, linewidth=1.0, linestyle=":", zorder=2)
        ax.plot([break_even], [0.0], marker="o", color=AMBER, markersize=7, zorder=4, gid="break-even")
        left = break_even > math.sqrt(lo * hi) * 3
        label = ax.annotate(f"Break-even\n{number(break_even)} tasks a month", xy=(break_even, 0.0),
                            xytext=(0, 0), color=AMBER, arrowprops={**leader, "shrinkB": 3.5}, **style)
        _labels(fig).add(label, _corners(8, ("right" if left else "left", "top")))
    # Along the ceiling line from the left, above it or else below it.
    _labels(fig).add(ceiling_label, [(6 + step, 4 * sign, "left", "bottom" if sign > 0 else "top")
                                     for step in range(0, 400, 24) for sign in (1, -1)])

    if math.isfinite(break_even):
        title = f"{name}: breaks even at {_count(break_even)} tasks a month"
        if math.isfinite(planned_margin):
            title += f", {percent(planned_margin)} margin at plan"
    elif headroom > 0:
        title = f"{name}: {percent(ceiling)} margin on every task, with no fixed cost to cover"
    else:
        title = f"{name}: never breaks even, each task costs more than it earns"
    _header(fig, title, f"Revenue {_price(revenue, currency)} per task, variable cost "
                        f"{_price(variable, currency)}, fixed cost {_money(fixed, currency)} a month.")
    return _finish(fig)


# --- rendering for exports --------------------------------------------------------------------


def _render(fig: Figure, canvas_class: type[FigureCanvasAgg] | type[FigureCanvasSVG], fmt: str,
            **kwargs: Any) -> bytes:
    """Print with a canvas of our own and give the figure its old canvas back (a Qt one, say)."""
    previous = fig.canvas
    buffer = io.BytesIO()
    try:
        canvas_class(fig).print_figure(buffer, format=fmt, facecolor="white", **kwargs)
    finally:
        fig.set_canvas(previous)
    return buffer.getvalue()


def figure_png(fig: Figure, dpi: float = 200) -> bytes:
    """The figure as PNG bytes at ``dpi`` (exports re-draw at an explicit resolution)."""
    return _render(fig, FigureCanvasAgg, "png", dpi=dpi, metadata={"Software": None})


def figure_rgb(fig: Figure, dpi: float = 200) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes) of the figure on white at ``dpi``: pixels for a PDF, no PNG."""
    previous = fig.canvas
    buffer = io.BytesIO()
    try:
        canvas = FigureCanvasAgg(fig)
        canvas.print_figure(buffer, format="rgba", dpi=dpi, facecolor="white")
        width, height = int(canvas.renderer.width), int(canvas.renderer.height)
    finally:
        fig.set_canvas(previous)
    rgba = np.frombuffer(buffer.getbuffer(), dtype=np.uint8).reshape(height, width, 4)
    # The face is opaque white, so dropping alpha loses nothing and saves a soft mask.
    return width, height, np.ascontiguousarray(rgba[..., :3]).tobytes()


def figure_svg(fig: Figure) -> bytes:
    """The figure as SVG bytes, text drawn as paths so it looks the same without the fonts."""
    return _render(fig, FigureCanvasSVG, "svg", metadata={"Date": None})
