"""The report's charts as plain geometry: frozen shapes that templates/reports/_charts.html draws."""

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640  # the viewBox's width; the SVG scales to its container with width="100%"
FONT = 13  # label size, in viewBox units
SMALL = 12  # value and tick size
LINE = 16  # distance between the baselines of a wrapped label
GLYPH = 0.6  # a glyph's mean advance as a share of the font size, generous for capitals
ELLIPSIS = "…"
SMALLEST = 1e-9  # an axis maximum below it (no figure of ours) is drawn as this one

BACKGROUND = "#ffffff"
INK = "#1b1f24"  # the portal's text colour: labels, axes, grid lines (dashed)
PALETTE = ("#0b4f8a", "#a34400", "#6a3d9a")  # blue, burnt orange, purple: one per series
FILLS = ("solid", "stripes", "dots")  # the second cue beside colour, series by series
TEXT_CONTRAST = 4.5  # WCAG 2.x 1.4.3, normal text
GRAPHIC_CONTRAST = 3.0  # WCAG 2.x 1.4.11, the parts of a graphic needed to read it


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a #rrggbb colour (sRGB)."""
    digits = colour.removeprefix("#")
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _linear(red) + 0.7152 * _linear(green) + 0.0722 * _linear(blue)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# -- what callers pass ---------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One set of bars: a value per category, and the same values as the reader reads them."""

    name: str
    values: Sequence[float]
    shown: Sequence[str]


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    shown: str


@dataclass(frozen=True)
class ProgressRow:
    """An indicator against its target: share is value / target (above 1 when exceeded)."""

    label: str
    share: float
    target_label: str
    value_label: str
    status_label: str


# -- what the macros draw ------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A label as lines of real text; truncated when the lines do not say all of full."""

    full: str
    lines: tuple[str, ...]
    x: float
    y: float  # the first line's baseline
    anchor: str = "start"
    size: int = FONT
    truncated: bool = False

    @property
    def placed(self) -> tuple[tuple[str, float], ...]:
        return tuple((line, round(self.y + i * LINE, 1)) for i, line in enumerate(self.lines))


@dataclass(frozen=True)
class Tick:
    value: float
    at: float  # x of a vertical grid line, or y of a horizontal one


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    value: Text  # the figure written at the bar's end


@dataclass(frozen=True)
class Swatch:
    series: int
    x: float
    y: float
    size: float
    name: Text


@dataclass(frozen=True)
class BarChart:
    width: int
    height: float
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    labels: tuple[Text, ...]
    bars: tuple[Bar, ...]
    legend: tuple[Swatch, ...]
    ticks: tuple[Tick, ...]
    plot: Box
    is_empty: bool
    is_all_zero: bool
    colours: tuple[str, ...] = PALETTE
    fills: tuple[str, ...] = FILLS
    ink: str = INK
    background: str = BACKGROUND


@dataclass(frozen=True)
class Vertex:
    x: float
    y: float
    value: Text


@dataclass(frozen=True)
class LineChart:
    width: int
    height: float
    points: tuple[Point, ...]
    vertices: tuple[Vertex, ...]
    path: str  # the polyline's points attribute
    labels: tuple[Text, ...]
    ticks: tuple[Tick, ...]
    plot: Box
    is_empty: bool
    is_all_zero: bool
    colour: str = PALETTE[0]
    ink: str = INK
    background: str = BACKGROUND


@dataclass(frozen=True)
class Track:
    """A row's bar: the outline is the whole target, the fill the share reached."""

    label: Text
    x: float
    y: float
    width: float
    height: float
    filled: float
    value: Text
    target: Text
    status: Text


@dataclass(frozen=True)
class ProgressChart:
    width: int
    height: float
    rows: tuple[ProgressRow, ...]
    tracks: tuple[Track, ...]
    is_empty: bool
    is_all_zero: bool
    colour: str = PALETTE[0]
    ink: str = INK
    background: str = BACKGROUND


# -- geometry ------------------------------------------------------------------------------


def _checked(values: Sequence[float]) -> list[float]:
    checked = [float(value) for value in values]
    for value in checked:
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"a chart draws finite figures of 0 or more, not {value!r}")
    return checked


def _wrap(full: str, width: float, size: int, max_lines: int) -> tuple[tuple[str, ...], bool]:
    """full in lines that fit width (by a glyph's mean advance), cut with … after max_lines."""
    per_line = max(1, math.floor(width / (size * GLYPH)))
    lines = textwrap.wrap(full, per_line) or [""]
    if len(lines) <= max_lines:
        return tuple(lines), False
    kept = lines[:max_lines]
    kept[-1] = kept[-1][: per_line - 1].rstrip() + ELLIPSIS
    return tuple(kept), True


def _text(full, x, y, width, *, size=FONT, max_lines=1, anchor="start", middle=False) -> Text:
    """A wrapped label; with middle, y is where its block of lines is centred."""
    lines, truncated = _wrap(full, width, size, max_lines)
    if middle:
        y = y - (len(lines) - 1) * LINE / 2 + size * 0.35
    return Text(full, lines, round(x, 1), round(y, 1), anchor, size, truncated)


def _number(value: float) -> float:
    value = float(f"{value:.12g}")
    return int(value) if value.is_integer() else value


def nice_ticks(maximum: float, *, whole: bool = False) -> tuple[float, ...]:
    """0 and round steps up to the first one at or above maximum: 4 to 6 ticks.

    The step is 1, 2, 2.5 or 5 times a power of ten, the smallest that covers maximum in at most
    5 steps; as the next candidate is never more than twice it, at least 3 steps are taken. whole
    (counts) keeps to integer steps, and lengthens the axis to 3 steps for a count below 3."""
    if not math.isfinite(maximum) or maximum <= 0:
        return nice_ticks(4, whole=True)
    raw = max(maximum, SMALLEST) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    candidates = [m * magnitude for m in (1, 2, 2.5, 5, 10, 20)]
    step = next(
        (
            step
            for step in candidates
            if step >= raw * (1 - 1e-12) and (not whole or float(_number(step)).is_integer())
        ),
        1,  # whole, and below 1: steps of one
    )
    steps = max(3, math.ceil(maximum / step - 1e-9))
    return tuple(_number(step * i) for i in range(steps + 1))


def grouped_bars(categories: Sequence[str], series: Sequence[Series]) -> BarChart:
    """Horizontal bars, a group per category and a bar per series (at most three), the figure
    written at each bar's end and the series told apart by fill pattern as well as colour."""
    if len(series) > len(PALETTE):
        raise ValueError(f"a bar chart draws at most {len(PALETTE)} series")
    for one in series:
        if len(one.values) != len(categories) or len(one.shown) != len(categories):
            raise ValueError(f"series {one.name!r} needs a value and its text per category")
    values = [_checked(one.values) for one in series]
    every = [value for row in values for value in row]
    label_width, plot_left, plot_right = 190.0, 200.0, WIDTH - 64.0
    bar_height, bar_gap, group_gap, swatch = 14.0, 3.0, 14.0, 14.0

    legend = tuple(
        Swatch(
            i,
            plot_left,
            4.0 + i * 20,
            swatch,
            _text(one.name, plot_left + swatch + 6, 4.0 + i * 20 + 11.5, plot_right - plot_left),
        )
        for i, one in enumerate(series)
    )
    top = 4.0 + len(series) * 20 + 10
    if not categories or not series:
        plot = Box(plot_left, top, plot_right, top + 60)
        return BarChart(
            width=WIDTH,
            height=plot.bottom + 10,
            categories=tuple(categories),
            series=tuple(series),
            labels=(),
            bars=(),
            legend=legend,
            ticks=(),
            plot=plot,
            is_empty=True,
            is_all_zero=False,
        )

    ticks_at = nice_ticks(max(every), whole=all(value.is_integer() for value in every))
    scale = (plot_right - plot_left) / ticks_at[-1]
    inner = len(series) * bar_height + (len(series) - 1) * bar_gap
    labels, bars = [], []
    y = top
    for c, category in enumerate(categories):
        lines, _cut = _wrap(category, label_width, FONT, 3)
        height = max(inner, len(lines) * LINE)
        labels.append(
            _text(
                category,
                label_width,
                y + height / 2,
                label_width,
                max_lines=3,
                anchor="end",
                middle=True,
            )
        )
        first = y + (height - inner) / 2
        for s, one in enumerate(series):
            bar_y = first + s * (bar_height + bar_gap)
            length = values[s][c] * scale
            end = plot_left + length + 4
            value = _text(one.shown[c], end, bar_y + bar_height - 3, WIDTH - end, size=SMALL)
            bars.append(Bar(plot_left, round(bar_y, 1), round(length, 1), bar_height, s, value))
        y += height + group_gap
    plot = Box(plot_left, top, plot_right, round(y - group_gap / 2, 1))
    ticks = tuple(Tick(value, round(plot_left + value * scale, 1)) for value in ticks_at)
    return BarChart(
        width=WIDTH,
        height=plot.bottom + 24,
        categories=tuple(categories),
        series=tuple(series),
        labels=tuple(labels),
        bars=tuple(bars),
        legend=legend,
        ticks=ticks,
        plot=plot,
        is_empty=False,
        is_all_zero=max(every) == 0,
    )


def line(points: Sequence[Point]) -> LineChart:
    """A line through a value per period (membership at each year's end), from a zero axis, each
    point marked and its figure written above it."""
    values = _checked([point.value for point in points])
    plot = Box(56.0, 30.0, WIDTH - 24.0, 250.0)
    if not points:
        return LineChart(
            width=WIDTH,
            height=120.0,
            points=(),
            vertices=(),
            path="",
            labels=(),
            ticks=(),
            plot=Box(plot.left, plot.top, plot.right, 90.0),
            is_empty=True,
            is_all_zero=False,
        )
    ticks_at = nice_ticks(max(values), whole=all(value.is_integer() for value in values))
    scale = (plot.bottom - plot.top) / ticks_at[-1]
    pad = 24.0
    span = plot.right - plot.left - 2 * pad
    spacing = span / (len(points) - 1) if len(points) > 1 else span
    vertices, labels = [], []
    for i, (point, value) in enumerate(zip(points, values, strict=True)):
        x = plot.left + pad + i * spacing if len(points) > 1 else (plot.left + plot.right) / 2
        y = plot.bottom - value * scale
        shown = _text(point.shown, x, y - 9, spacing, size=SMALL, anchor="middle")
        vertices.append(Vertex(round(x, 1), round(y, 1), shown))
        labels.append(
            _text(
                point.label,
                x,
                plot.bottom + 18,
                spacing - 4,
                size=SMALL,
                max_lines=2,
                anchor="middle",
            )
        )
    path = " ".join(f"{vertex.x},{vertex.y}" for vertex in vertices)
    ticks = tuple(Tick(value, round(plot.bottom - value * scale, 1)) for value in ticks_at)
    lines = max(len(label.lines) for label in labels)
    return LineChart(
        width=WIDTH,
        height=plot.bottom + 18 + lines * LINE,
        points=tuple(points),
        vertices=tuple(vertices),
        path=path,
        labels=tuple(labels),
        ticks=ticks,
        plot=plot,
        is_empty=False,
        is_all_zero=max(values) == 0,
    )


def progress_bars(rows: Sequence[ProgressRow]) -> ProgressChart:
    """A bar per indicator whose outline is its target, filled as far as the share reached (full
    when exceeded), with the value, the target and the status written beside it: never said by
    colour or length alone."""
    shares = _checked([row.share for row in rows])
    if not rows:
        return ProgressChart(
            width=WIDTH, height=80.0, rows=(), tracks=(), is_empty=True, is_all_zero=False
        )
    left, track_width, track_height, beside = 1.0, 340.0, 18.0, 356.0
    text_width = WIDTH - beside
    tracks = []
    y = 8.0
    for row, share in zip(rows, shares, strict=True):
        label = _text(row.label, 0, y + FONT, WIDTH, max_lines=2)
        bar_y = y + len(label.lines) * LINE + 8
        first = bar_y + 12
        tracks.append(
            Track(
                label=label,
                x=left,
                y=round(bar_y, 1),
                width=track_width,
                height=track_height,
                filled=round(min(share, 1.0) * track_width, 1),
                value=_text(row.value_label, beside, first, text_width, size=SMALL),
                # the macro writes "Target: " before it
                target=_text(row.target_label, beside, first + LINE, text_width * 0.7, size=SMALL),
                status=_text(row.status_label, beside, first + 2 * LINE, text_width, size=SMALL),
            )
        )
        y = first + 2 * LINE + 14
    return ProgressChart(
        width=WIDTH,
        height=round(y, 1),
        rows=tuple(rows),
        tracks=tuple(tracks),
        is_empty=False,
        is_all_zero=max(shares) == 0,
    )
