"""The report's charts: honest geometry, a palette that passes WCAG AA, and SVG a reader can use.

The geometry is checked without the app, on thousands of cases; the macros are rendered in a
request in each language and read back as XML: the title and description name the image, every
figure is in the table, and nothing the CSP refuses (style, script) is anywhere.
"""

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import fields, is_dataclass
from itertools import pairwise

import pytest
from flask import render_template_string
from hypothesis import given
from hypothesis import strategies as st

from secretariat.reports import charts
from secretariat.reports.charts import (
    ELLIPSIS,
    Point,
    ProgressRow,
    Series,
    contrast_ratio,
    grouped_bars,
    line,
    nice_ticks,
    progress_bars,
)

SVG = "{http://www.w3.org/2000/svg}"
TURKISH_GROUP = "Yerel İklim Eylemi"
LONG_GROUP = (
    "Kültürel Miras, Turizm ve Sürdürülebilir Kentsel Hareketlilik İçin Belediyeler Arası "
    "İşbirliği Çalışma Grubu"
)
ROUND = {1, 2, 2.5, 5}

figures = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=0, max_value=500)


def numbers(shape):
    """Every number held anywhere in a chart's geometry (dataclasses, tuples, nested)."""
    if isinstance(shape, bool):
        return
    if isinstance(shape, int | float):
        yield shape
    elif is_dataclass(shape):
        for field in fields(shape):
            yield from numbers(getattr(shape, field.name))
    elif isinstance(shape, tuple | list):
        for item in shape:
            yield from numbers(item)


def assert_drawable(chart):
    for number in numbers(chart):
        assert math.isfinite(number) and number >= 0, chart
    for number in re.findall(r"[-\d.e]+", getattr(chart, "path", "")):
        assert float(number) >= 0


def step_of(ticks):
    return ticks[1] - ticks[0]


# -- ticks ---------------------------------------------------------------------------------


@given(maximum=st.floats(min_value=1e-6, max_value=1e12), whole=st.booleans())
def test_ticks_start_at_zero_are_round_and_just_cover_the_maximum(maximum, whole):
    ticks = nice_ticks(maximum, whole=whole)
    step = step_of(ticks)
    assert ticks[0] == 0
    assert 4 <= len(ticks) <= 6
    assert all(math.isclose(b - a, step, rel_tol=1e-9) for a, b in pairwise(ticks))
    assert ticks[-1] >= maximum * (1 - 1e-12)
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-12)
    assert any(math.isclose(mantissa, m, rel_tol=1e-9) for m in ROUND)
    if whole:
        assert all(float(tick).is_integer() for tick in ticks)
    if not whole or maximum >= 3:
        assert ticks[-2] < maximum  # the top tick is the first round one at or above it


def test_ticks_of_small_counts_stay_whole():
    assert nice_ticks(1, whole=True) == (0, 1, 2, 3)
    assert nice_ticks(7, whole=True) == (0, 2, 4, 6, 8)
    assert nice_ticks(12.5) == (0, 2.5, 5, 7.5, 10, 12.5)
    assert nice_ticks(37) == (0, 10, 20, 30, 40)


@pytest.mark.parametrize("maximum", [0, -0.0, math.nan, math.inf])
def test_ticks_of_nothing_are_an_axis_still(maximum):
    assert nice_ticks(maximum) == (0, 1, 2, 3, 4)


# -- grouped bars --------------------------------------------------------------------------


@given(
    data=st.lists(st.lists(figures, min_size=1, max_size=3), min_size=1, max_size=8).filter(
        lambda rows: len({len(row) for row in rows}) == 1
    )
)
def test_bars_are_proportional_to_their_values(data):
    series = [
        Series(f"s{s}", [row[s] for row in data], [str(row[s]) for row in data])
        for s in range(len(data[0]))
    ]
    chart = grouped_bars([f"group {c}" for c in range(len(data))], series)
    assert_drawable(chart)
    assert len(chart.bars) == len(data) * len(series)
    axis = chart.ticks[-1].value
    span = chart.plot.right - chart.plot.left
    highest = max(value for row in data for value in row)
    for bar, value in zip(chart.bars, [v for row in data for v in row], strict=True):
        assert bar.x == chart.plot.left
        assert math.isclose(bar.width, span * value / axis, abs_tol=0.06)
        assert bar.x + bar.width <= chart.plot.right + 0.05
        assert bar.y + bar.height <= chart.height
    longest = max(bar.width for bar in chart.bars)
    assert math.isclose(longest, span * highest / axis, abs_tol=0.06)
    assert chart.ticks[-1].at == chart.plot.right
    assert chart.is_all_zero == (highest == 0)


def test_the_longest_bar_reaches_a_round_axis_maximum():
    chart = grouped_bars(
        ["Urban mobility", TURKISH_GROUP],
        [Series("Regular", [4, 2], ["4", "2"]), Series("Extra", [1, 0], ["1", "0"])],
    )
    assert [tick.value for tick in chart.ticks] == [0, 1, 2, 3, 4]
    assert chart.bars[0].x + chart.bars[0].width == chart.plot.right
    assert chart.bars[3].width == 0
    assert chart.bars[2].width == pytest.approx(chart.bars[0].width / 2)


def test_groups_do_not_overlap_and_bars_sit_beside_their_label():
    chart = grouped_bars(
        ["A", LONG_GROUP, "C"],
        [Series("x", [1, 2, 3], ["1", "2", "3"]), Series("y", [3, 2, 1], ["3", "2", "1"])],
    )
    bottoms = [max(bar.y + bar.height for bar in chart.bars[i * 2 : i * 2 + 2]) for i in range(3)]
    tops = [min(bar.y for bar in chart.bars[i * 2 : i * 2 + 2]) for i in range(3)]
    assert all(bottom < top for bottom, top in zip(bottoms, tops[1:], strict=False))
    for label, top, bottom in zip(chart.labels, tops, bottoms, strict=True):
        first, last = label.placed[0][1], label.placed[-1][1]
        assert first <= bottom + charts.LINE and last >= top
    assert chart.legend[0].y + chart.legend[-1].size <= chart.plot.top


def test_a_long_turkish_label_is_wrapped_then_cut_and_kept_whole():
    chart = grouped_bars([LONG_GROUP, TURKISH_GROUP], [Series("x", [1, 2], ["1", "2"])])
    cut, short = chart.labels
    assert cut.truncated and cut.full == LONG_GROUP
    assert len(cut.lines) == 3 and cut.lines[-1].endswith(ELLIPSIS)
    per_line = math.floor(190 / (charts.FONT * charts.GLYPH))
    assert all(len(text) <= per_line for text in cut.lines)
    assert " ".join(cut.lines).removesuffix(ELLIPSIS).rstrip() in LONG_GROUP
    assert not short.truncated and short.lines == (TURKISH_GROUP,)


@pytest.mark.parametrize(
    ("categories", "series"), [([], []), (["A"], []), ([], [Series("x", [], [])])]
)
def test_no_data_is_an_empty_chart(categories, series):
    chart = grouped_bars(categories, series)
    assert chart.is_empty and not chart.bars and not chart.ticks
    assert_drawable(chart)


def test_all_zero_bars_are_drawn_as_zero_without_dividing_by_it():
    chart = grouped_bars(["A", "B"], [Series("x", [0, 0], ["0", "0"])])
    assert chart.is_all_zero and not chart.is_empty
    assert [bar.width for bar in chart.bars] == [0, 0]
    assert [tick.value for tick in chart.ticks] == [0, 1, 2, 3, 4]
    assert_drawable(chart)


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf])
def test_a_figure_that_cannot_be_drawn_is_refused(bad):
    with pytest.raises(ValueError, match="finite figures"):
        grouped_bars(["A"], [Series("x", [bad], ["?"])])
    with pytest.raises(ValueError, match="finite figures"):
        line([Point("2021", bad, "?")])
    with pytest.raises(ValueError, match="finite figures"):
        progress_bars([ProgressRow("A", bad, "1", "?", "?")])


def test_series_must_match_the_categories_and_the_palette():
    with pytest.raises(ValueError, match="per category"):
        grouped_bars(["A", "B"], [Series("x", [1], ["1"])])
    with pytest.raises(ValueError, match="per category"):
        grouped_bars(["A"], [Series("x", [1], [])])
    with pytest.raises(ValueError, match="at most 3"):
        grouped_bars(["A"], [Series(str(i), [1], ["1"]) for i in range(4)])


# -- line ----------------------------------------------------------------------------------


@given(values=st.lists(counts, min_size=1, max_size=20))
def test_points_stand_at_their_value_above_the_zero_axis(values):
    chart = line([Point(str(2021 + i), v, str(v)) for i, v in enumerate(values)])
    assert_drawable(chart)
    axis = chart.ticks[-1].value
    height = chart.plot.bottom - chart.plot.top
    for vertex, value in zip(chart.vertices, values, strict=True):
        assert math.isclose(chart.plot.bottom - vertex.y, height * value / axis, abs_tol=0.06)
        assert chart.plot.left <= vertex.x <= chart.plot.right
    xs = [vertex.x for vertex in chart.vertices]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert chart.path.count(",") == len(values)
    assert chart.ticks[0].at == chart.plot.bottom and chart.ticks[-1].at == chart.plot.top
    assert all(label.y < chart.height for label in chart.labels)


def test_one_point_stands_in_the_middle_and_no_point_is_empty():
    single = line([Point("2021", 10, "10")])
    assert single.vertices[0].x == (single.plot.left + single.plot.right) / 2
    empty = line([])
    assert empty.is_empty and not empty.vertices and empty.path == ""
    zero = line([Point("2021", 0, "0"), Point("2022", 0, "0")])
    assert zero.is_all_zero and {v.y for v in zero.vertices} == {zero.plot.bottom}
    for chart in (single, empty, zero):
        assert_drawable(chart)


# -- progress ------------------------------------------------------------------------------


@given(shares=st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=8))
def test_progress_fills_the_share_of_its_target_and_stops_at_the_target(shares):
    chart = progress_bars([ProgressRow(f"i{i}", s, "10", "v", "on") for i, s in enumerate(shares)])
    assert_drawable(chart)
    for track, share in zip(chart.tracks, shares, strict=True):
        assert math.isclose(track.filled, min(share, 1) * track.width, abs_tol=0.06)
        assert track.filled <= track.width
        assert track.value.x > track.x + track.width  # the words beside, never only the bar
        assert track.y + track.height <= chart.height
    ys = [track.y for track in chart.tracks]
    assert ys == sorted(ys) and len(set(ys)) == len(ys)


def test_no_indicator_is_an_empty_chart():
    chart = progress_bars([])
    assert chart.is_empty and not chart.tracks
    zero = progress_bars([ProgressRow("A", 0, "10", "0", "Behind")])
    assert zero.is_all_zero and zero.tracks[0].filled == 0


# -- palette -------------------------------------------------------------------------------


def test_contrast_ratio_follows_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21)
    assert contrast_ratio("#777777", "#777777") == 1
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_every_colour_passes_wcag_aa_on_the_background():
    assert len(charts.PALETTE) <= 3
    assert len(set(charts.FILLS)) == len(charts.FILLS) >= len(charts.PALETTE)
    for colour in charts.PALETTE:
        assert contrast_ratio(colour, charts.BACKGROUND) >= charts.GRAPHIC_CONTRAST, colour
    assert contrast_ratio(charts.INK, charts.BACKGROUND) >= charts.TEXT_CONTRAST


# -- the macros ----------------------------------------------------------------------------

TEMPLATE = (
    '{% from "reports/_charts.html" import bar_chart, line_chart, progress_chart %}'
    "{{ bar_chart(bars, 'sessions', title, description, caption, _('Working group')) }}"
    "{{ line_chart(growth, 'growth', title, description, caption, _('Year'), _('Members')) }}"
    "{{ progress_chart(progress, 'targets', title, description, caption) }}"
)


def render(bars, growth, progress):
    html = render_template_string(
        TEMPLATE,
        bars=bars,
        growth=growth,
        progress=progress,
        title="Sessions & attendance",
        description="What each group held",
        caption="Figure 1",
    )
    return ET.fromstring(f"<body>{html}</body>")  # noqa: S314 - our own output, read back


def local(element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def text_of(element) -> str:
    return "".join(element.itertext()).strip()


def figures_of(bars, growth, progress):
    """The (label, shown) pairs of all three charts, as their table must say them."""
    for one in bars.series:
        for category, shown in zip(bars.categories, one.shown, strict=True):
            yield category, one.name, shown
    for point in growth.points:
        yield point.label, None, point.shown
    for row in progress.rows:
        yield row.label, None, row.value_label
        yield row.label, None, row.target_label
        yield row.label, None, row.status_label


def sample():
    bars = grouped_bars(
        [TURKISH_GROUP, LONG_GROUP, "Urban mobility"],
        [
            Series("Regular sessions", [4, 2, 12.5], ["4", "2", "12,5"]),
            Series("Extra sessions", [1, 0, 3], ["1", "0", "3"]),
        ],
    )
    growth = line([Point(str(year), v, str(v)) for year, v in [(2021, 20), (2022, 24)]])
    progress = progress_bars(
        [
            ProgressRow("New member cities", 0.6, "10", "6", "On track"),
            ProgressRow("Median days to a decision", 1.5, "30", "45", "Behind"),
        ]
    )
    return bars, growth, progress


def check_page(page, charts_drawn):
    assert not any(local(element) in ("style", "script") for element in page.iter())
    assert not any("style" in element.attrib for element in page.iter())
    assert not any(name.startswith("on") for e in page.iter() for name in e.attrib)
    ids = [element.get("id") for element in page.iter() if element.get("id")]
    assert len(ids) == len(set(ids))
    figures = page.findall("figure")
    assert len(figures) == charts_drawn
    for figure in figures:
        svg = figure.find(f"{SVG}svg")
        chart_id = figure.get("id")
        assert svg.get("role") == "img" and svg.get("width") == "100%"
        assert svg.get("viewBox").startswith("0 0 640 ")
        assert svg.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title.get("id") == f"{chart_id}-title" and text_of(title) == "Sessions & attendance"
        assert desc.get("id") == f"{chart_id}-desc"
        assert text_of(desc).startswith("What each group held")
        assert text_of(figure.find("figcaption")) == "Figure 1"
        for element in list(svg.iter())[1:]:  # the svg itself is 100% wide
            for name in ("x", "y", "width", "height", "cx", "cy", "r", "x1", "x2", "y1", "y2"):
                if name in element.attrib:
                    value = float(element.get(name))
                    assert math.isfinite(value) and value >= 0, (local(element), name, value)
            paint = element.get("fill", "")
            if paint.startswith("url(#"):
                assert paint[5:-1] in ids
        table = figure.find("table")
        assert table.find("caption") is not None
        assert all(th.get("scope") in ("col", "row") for th in table.iter("th"))
        assert table.find("thead/tr/th").get("scope") == "col"
    return figures


@pytest.mark.parametrize("language", ["en", "tr"])
def test_every_chart_is_named_and_its_figures_are_in_its_table(app, language):
    bars, growth, progress = sample()
    with app.test_request_context(f"/?lang={language}"):
        page = render(bars, growth, progress)
    figures = check_page(page, 3)
    cells = {
        figure.get("id"): [[text_of(cell) for cell in row] for row in figure.iter("tr")]
        for figure in figures
    }
    for label, column, shown in figures_of(bars, growth, progress):
        rows = [row for chart in cells.values() for row in chart if row[0] == label]
        assert rows, label
        if column is None:
            assert any(shown in row[1:] for row in rows), (label, shown)
        else:
            header = cells["sessions"][0]
            assert rows[0][header.index(column)] == shown
    words = " ".join(text_of(figure) for figure in figures)
    assert TURKISH_GROUP in words and LONG_GROUP in words


@pytest.mark.parametrize(
    ("language", "tick", "share"), [("en", "2.5", "60%"), ("tr", "2,5", "%60")]
)
def test_numbers_follow_the_readers_locale_and_labels_stay_intact(app, language, tick, share):
    bars, growth, progress = sample()
    with app.test_request_context(f"/?lang={language}"):
        page = render(bars, growth, progress)
    svg_texts = [text_of(t) for t in page.iter(f"{SVG}text")]
    assert tick in svg_texts  # the axis of 0 to 12.5 in steps of 2.5
    assert TURKISH_GROUP in svg_texts
    titles = [text_of(t) for t in page.iter(f"{SVG}title")]
    assert LONG_GROUP in titles  # cut on the drawing, whole on hover and in the table
    progress_table = page.find("figure[@id='targets']/table")
    assert share in [text_of(td) for td in progress_table.iter("td")]


def test_patterns_and_direct_labels_tell_the_series_apart(app):
    bars, growth, progress = sample()
    with app.test_request_context("/"):
        page = render(bars, growth, progress)
    svg = page.find("figure[@id='sessions']").find(f"{SVG}svg")
    fills = {rect.get("fill") for rect in svg.iter(f"{SVG}rect") if rect.get("height") == "14.0"}
    assert fills == {charts.PALETTE[0], "url(#sessions-stripes)"}
    values = [text_of(t) for t in svg.iter(f"{SVG}text")]
    for one in bars.series:
        assert one.name in values and all(shown in values for shown in one.shown)


@pytest.mark.parametrize("language", ["en", "tr"])
def test_empty_charts_say_so_in_words(app, language):
    empty = (grouped_bars([], []), line([]), progress_bars([]))
    with app.test_request_context(f"/?lang={language}"):
        page = render(*empty)
        sentence = render_template_string("{{ _('No figures to show yet.') }}")
    for figure in check_page(page, 3):
        assert sentence in [text_of(t) for t in figure.iter(f"{SVG}text")]
        assert text_of(figure.find("table/tbody")) == sentence
        assert sentence in text_of(figure.find(f"{SVG}svg/{SVG}desc"))
