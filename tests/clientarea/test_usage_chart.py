"""The history chart's axis and empty states: nice steps, distinct labels, scaled units."""

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisioning.clientarea.chart import (
    NO_HISTORY,
    axis_ticks,
    history_chart_empty,
    history_chart_svg,
)
from provisioning.clientarea.views import CHARTS

BANDWIDTH_ZEROS = CHARTS[1][5]

DAYS = [date(2026, 3, 10) - timedelta(days=n) for n in range(29, -1, -1)]


@pytest.mark.parametrize(
    ("highest", "labels"),
    [
        (1, ["0", "0.5 MB", "1.0 MB"]),  # once "1 MB, 0 MB, 0 MB"
        (3, ["0", "1 MB", "2 MB", "3 MB"]),
        (120, ["0", "50 MB", "100 MB", "150 MB"]),
        (1234, ["0", "0.5 GB", "1.0 GB", "1.5 GB"]),
        (8600, ["0", "5 GB", "10 GB"]),
        (0.3, ["0", "100 kB", "200 kB", "300 kB"]),
        (2_500_000, ["0", "1 TB", "2 TB", "3 TB"]),
    ],
)
def test_ticks_step_by_1_2_or_5_in_the_unit_of_the_top_tick(highest, labels):
    assert [label for _, label in axis_ticks(highest)] == labels


@given(st.floats(min_value=0.001, max_value=1e9, allow_nan=False))
def test_labels_never_repeat_and_the_top_tick_covers_the_highest_figure(highest):
    ticks = axis_ticks(highest)
    labels = [label for _, label in ticks]
    assert len(set(labels)) == len(labels)
    assert 2 <= len(ticks) <= 5
    assert ticks[-1][0] >= highest * (1 - 1e-9)
    assert len({label.split()[-1] for label in labels[1:]}) == 1  # one unit per axis
    step = ticks[1][0]
    mantissa = step / 10 ** int(f"{step:e}".split("e")[1])
    assert round(mantissa, 6) in (1, 2, 5)


def test_an_axis_needs_a_figure_above_zero():
    with pytest.raises(ValueError):
        axis_ticks(0)


def test_the_svg_labels_its_ticks_once_each_and_bars_in_the_same_units():
    values = [(day, 900 + 12 * n) for n, day in enumerate(DAYS)]
    svg = history_chart_svg("disk", "Disk space", values, "#1d4ed8")
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', svg)
    assert ticks == ["0", "0.5 GB", "1.0 GB", "1.5 GB"]
    assert "<title>10 Mar: 1.25 GB</title>" in svg
    assert "highest 1.25 GB" in svg


def test_a_history_without_samples_says_none_was_recorded():
    assert history_chart_empty([(day, None) for day in DAYS], BANDWIDTH_ZEROS) == NO_HISTORY


def test_a_history_of_zeros_says_so_instead_of_drawing_a_flat_line():
    values = [(day, 0 if n % 3 else None) for n, day in enumerate(DAYS)]
    assert history_chart_empty(values, BANDWIDTH_ZEROS) == (
        "No bandwidth used in these 30 days (0 MB on every day recorded)."
    )


def test_a_history_with_figures_is_drawn():
    assert history_chart_empty([(DAYS[0], None), (DAYS[1], 1)], BANDWIDTH_ZEROS) == ""
