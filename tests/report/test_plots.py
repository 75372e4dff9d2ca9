"""Charts with several series: distinct house colours and a legend; labels in words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")
import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.colors import to_hex

from saasmetrics._plotting import PALETTE, duration_label, next_color, period_label


@pytest.fixture(autouse=True)
def _close() -> None:
    yield
    plt.close("all")


def _line_colors(ax) -> dict[str, str]:
    return {
        line.get_label(): to_hex(line.get_color())
        for line in ax.get_lines()
        if not line.get_label().startswith("_")
    }


def test_kaplan_meier_and_sbg_get_different_colours_and_a_legend() -> None:
    from saasmetrics.retention import ShiftedBetaGeometricModel, kaplan_meier

    rng = np.random.default_rng(0)  # sBG data: churn probabilities vary between customers
    lifetimes = rng.geometric(rng.beta(1.0, 3.0, size=500)).astype(float)
    months = np.minimum(lifetimes, 12.0)
    churned = lifetimes <= 12
    ax = kaplan_meier(months, churned).plot(label="Kaplan-Meier")
    ShiftedBetaGeometricModel().fit(months, observed=churned).plot(ax=ax, periods=24)
    colors = _line_colors(ax)
    assert set(colors) == {"Kaplan-Meier", "sBG projection"}
    assert len(set(colors.values())) == 2
    assert set(colors.values()) <= set(PALETTE)
    legend = ax.get_legend()
    assert legend is not None
    assert {t.get_text() for t in legend.get_texts()} == {"Kaplan-Meier", "sBG projection"}


def test_projection_median_and_expected_differ() -> None:
    from saasmetrics.unit_economics import project_revenue

    ax = project_revenue(1000, 100, 0.05, periods=12, simulations=50, arpa=50, seed=0).plot()
    colors = _line_colors(ax)
    assert colors["median"] != colors["expected"]
    lines = {line.get_label(): line for line in ax.get_lines()}
    # the dashed median often lies on the expected line: it is drawn above it, not hidden
    assert lines["median"].get_zorder() > lines["expected"].get_zorder()
    assert {colors["median"], colors["expected"]} <= set(PALETTE)
    assert ax.get_legend() is not None


def test_next_color_skips_colours_in_use() -> None:
    _fig, ax = plt.subplots()
    assert next_color(ax) == PALETTE[0]
    ax.plot([0, 1], [0, 1], color=PALETTE[0])
    ax.fill_between([0, 1], [0, 0], [1, 1], color=PALETTE[1], alpha=0.2)
    assert next_color(ax) == PALETTE[2]


def test_labels_in_words() -> None:
    assert period_label("MS") == "month"
    assert period_label("W-SUN") == "week"
    assert duration_label("7D") == "7 days"
    assert duration_label(pd.Timedelta(hours=12)) == "12 hours"


def test_cohort_and_magic_axes_have_no_pandas_aliases() -> None:
    from saasmetrics.datasets import make_saas_company
    from saasmetrics.retention import cohort_table, magic_number_search

    company = make_saas_company(n_accounts=200, seed=3)
    table = cohort_table(company.events, freq="MS", cohort_event="signup", as_of=company.as_of)
    assert table.plot(kind="heatmap").get_xlabel() == "months since cohort start"
    magic = magic_number_search(company.events, signup_event="signup")
    assert magic.plot().get_xlabel().endswith("within 7 days")


def test_ltv_to_cac_uses_a_log_scale_for_an_outlier_and_labels_the_bands() -> None:
    from saasmetrics.unit_economics import plot_ltv_to_cac

    ltv = pd.Series({"email": 6000.0, "ads": 3000.0, "social": 2500.0})
    cac = pd.Series({"email": 100.0, "ads": 1000.0, "social": 1000.0})
    ax = plot_ltv_to_cac(ltv, cac)
    assert ax.get_yscale() == "log"
    notes = {t.get_text() for t in ax.texts}
    assert {"1: break-even", "3: target", "5: under-investing"} <= notes
    even = plot_ltv_to_cac(
        pd.Series({"a": 3000.0, "b": 2000.0}), pd.Series({"a": 1000.0, "b": 1000.0})
    )
    assert even.get_yscale() == "linear"


def test_funnel_plot_says_when_it_hides_breakdown_values() -> None:
    from saasmetrics import EventLog
    from saasmetrics.funnel import funnel

    n = 8
    events = pd.DataFrame(
        {
            "user_id": [f"u{i}" for i in range(n) for _ in range(2)],
            "timestamp": pd.to_datetime("2024-01-01")
            + pd.to_timedelta(np.tile([0, 1], n), unit="h"),
            "event": ["a", "b"] * n,
            "channel": [f"c{i}" for i in range(n) for _ in range(2)],
        }
    )
    result = funnel(EventLog(events, properties=["channel"]), ["a", "b"], breakdown="channel")
    title = result.plot(max_values=3).get_legend().get_title().get_text()
    assert "3 largest of 8" in title
    full = result.plot(max_values=8).get_legend().get_title().get_text()
    assert full == "channel"


def test_stages_title_matches_the_curve() -> None:
    from saasmetrics.retention import kaplan_meier, lifecycle_stages

    rng = np.random.default_rng(1)
    months = rng.integers(1, 17, size=400).astype(float)
    churned = months != 13  # nobody leaves in month 13 (only censoring): still a point
    stages = lifecycle_stages(kaplan_meier(months, churned))
    assert 13.0 in stages.curve.index
    title = stages.plot().get_title()
    assert "plateau" not in title
    assert "churn per period" in title


def test_tick_labels_set_with_set_xticks_read_as_words() -> None:
    # set_xticks(x, labels) gives a FuncFormatter on matplotlib >= 3.10: still tidied
    from saasmetrics.report._base import tidy_labels

    fig, ax = plt.subplots()
    ax.bar([0, 1], [1, 2])
    ax.set_xticks(np.arange(2), ["create_project", "invite_teammate"])
    tidy_labels(fig)
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["create project", "invite teammate"]
