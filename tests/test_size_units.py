"""One presentation of sizes: decimal units everywhere, the panel's MiB limits converted."""

import pytest

from provisioning.sizes import (
    MB_PER_MIB,
    limit_exact_text,
    limit_mb,
    limit_text,
    size_text,
    usage_percent,
)


def test_a_mib_is_1_048576_decimal_mb():
    assert MB_PER_MIB == 1024 * 1024 / 1_000_000
    assert limit_mb(1000) == pytest.approx(1048.576)
    assert limit_mb(10_000) == pytest.approx(10_485.76)


@pytest.mark.parametrize(
    ("mb", "text"),
    [
        (0, "0 MB"),
        (0.45, "450 kB"),
        (1, "1 MB"),
        (104.8576, "105 MB"),
        (3500, "3.50 GB"),
        (10_000, "10.0 GB"),
        (120, "120 MB"),
        (999, "999 MB"),
        (999.6, "1.00 GB"),  # rounded before the unit is chosen: never "1,000 MB"
        (1000, "1.00 GB"),
        (1048.576, "1.05 GB"),
        (8600, "8.60 GB"),
        (10_485.76, "10.5 GB"),
        (104_857.6, "105 GB"),
        (2_000_000, "2.00 TB"),
        (5_000_000_000, "5,000 TB"),
    ],
)
def test_sizes_read_in_the_unit_that_suits_them_to_three_digits(mb, text):
    assert size_text(mb) == text


@pytest.mark.parametrize(
    ("used", "limit", "percent"),
    [(450, 1000, 43), (1049, 1000, 100), (0, 1000, 0), (2000, 1000, 191), (5, 0, None)],
)
def test_the_share_compares_decimal_usage_with_the_converted_limit(used, limit, percent):
    assert usage_percent(used, limit) == percent


def test_a_disabled_limit_has_no_share():
    assert usage_percent(5, -1) is None


@pytest.mark.parametrize(
    ("limit", "text"),
    [(1000, "1.05 GB"), (10_000, "10.5 GB"), (0, "unlimited"), (-1, "not included in the plan")],
)
def test_limits_read_in_decimal_units_or_say_what_0_and_minus_1_mean(limit, text):
    assert limit_text(limit) == text


def test_the_operators_tooltip_gives_the_panels_figure_and_its_exact_conversion():
    assert limit_exact_text(1000) == "1,000 MiB on the panel = 1,048.6 MB"
    assert limit_exact_text(0) == "unlimited"
