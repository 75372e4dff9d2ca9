"""Unit economics formulas against published worked examples, and their vectorized forms."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics.exceptions import DataQualityWarning, ParameterError, SchemaError
from saasmetrics.unit_economics import (
    BENCHMARKS,
    benchmark,
    burn_multiple,
    cac,
    cac_payback_months,
    convert_churn_rate,
    ltv,
    ltv_to_cac,
    rule_of_40,
    sales_magic_number,
)


def test_ltv_from_arpa_and_churn() -> None:
    # David Skok, "SaaS Metrics 2.0" (forEntrepreneurs.com): LTV = ARPA x GM% / churn rate.
    assert ltv(100, 0.02, 0.8) == pytest.approx(4000.0)
    # without gross margin the lifetime is 1 / churn periods: 50 months at 2%
    assert ltv(1.0, 0.02) == pytest.approx(50.0)
    # Skok's negative-churn variant: divide by (churn - expansion); unbounded at or below 0
    assert ltv(100, 0.03, 1.0, expansion_rate=0.01) == pytest.approx(5000.0)
    assert math.isinf(ltv(100, 0.02, 1.0, expansion_rate=0.03))
    # discounting: the geometric series sum_t m (1 - c)^t / (1 + d)^t, checked term by term
    series = sum(80 * (0.98 / 1.01) ** t for t in range(5000))
    assert ltv(100, 0.02, 0.8, discount_rate=0.01) == pytest.approx(series)


def test_ltv_vectorized_over_segments_and_validation() -> None:
    arpa = pd.Series({"a": 10.0, "b": 20.0})
    out = ltv(arpa, 0.1, gross_margin=pd.Series({"a": 0.5, "b": 1.0}))
    assert out.tolist() == [50.0, 200.0]
    assert out.index.tolist() == ["a", "b"]
    assert ltv(np.array([10.0, 20.0]), 0.1).tolist() == [100.0, 200.0]
    with pytest.raises(ParameterError, match="churn_rate"):
        ltv(100, 2.0)
    with pytest.raises(ParameterError, match="arpa"):
        ltv(-1, 0.1)


def test_cac_ltv_to_cac_and_payback() -> None:
    # Skok's targets: LTV > 3 x CAC, CAC recovered in < 12 months (gross-margin adjusted).
    assert cac(120_000, 300) == 400.0
    assert math.isinf(cac(1000, 0))
    assert math.isnan(cac(0, 0))
    assert ltv_to_cac(ltv(100, 0.02, 0.8), 1000.0) == pytest.approx(4.0)
    assert cac_payback_months(1200, 100, 0.75) == pytest.approx(16.0)
    assert cac_payback_months(1200, 100) == pytest.approx(12.0)
    by_channel = cac(pd.Series({"ads": 5000.0, "seo": 0.0}), pd.Series({"ads": 10, "seo": 40}))
    assert by_channel.to_dict() == {"ads": 500.0, "seo": 0.0}


def test_sales_magic_number_scale_vp_definition() -> None:
    # Scale Venture Partners, "From $0 to $1M: The Magic Number": annualised change in
    # quarterly GAAP revenue over the prior quarter's S&M expense:
    # (QRev[x] - QRev[x-1]) * 4 / S&M[x-1]  (also Lars Leckie's post quoting Josh James).
    quarters = pd.Series([1.00, 1.25, 1.40, 1.40], index=["Q1", "Q2", "Q3", "Q4"])
    sm = pd.Series([1.0, 1.2, 1.0, 0.8], index=quarters.index)
    magic = sales_magic_number(quarters, sm)
    assert math.isnan(magic["Q1"])
    assert magic["Q2"] == pytest.approx(1.0)
    assert magic["Q3"] == pytest.approx(0.5)
    assert magic["Q4"] == pytest.approx(0.0)
    adjusted = sales_magic_number(quarters, sm, gross_margin=0.8)
    assert adjusted["Q2"] == pytest.approx(0.8)
    assert benchmark("sales_magic_number", magic).tolist()[1:] == [
        "invest in growth",
        "fix efficiency first",
        "fix efficiency first",
    ]
    with pytest.raises(ParameterError):
        sales_magic_number([1.0, 2.0], [1.0])


def test_sales_magic_number_published_example() -> None:
    # Klipfolio, "Magic Number" (klipfolio.com/metrics/saas/magic-number): recurring revenue
    # 500K in Q1 and 700K in Q2, Q1 sales and marketing 600K: ((700K - 500K) x 4) / 600K = 1.3.
    magic = sales_magic_number([500_000.0, 700_000.0], [600_000.0, 650_000.0])
    assert round(float(magic[1]), 1) == 1.3
    assert magic[1] == pytest.approx(800 / 600)


def test_burn_multiple_sacks_bands() -> None:
    # David Sacks, "The Burn Multiple" (Craft Ventures): burn 3M in a quarter for 1M of net new
    # ARR = 3; < 1 amazing, 1-1.5 great, 1.5-2 good, 2-3 suspect, > 3 bad.
    assert burn_multiple(3e6, 1e6) == 3.0
    assert math.isinf(burn_multiple(1e6, 0))
    labels = benchmark("burn_multiple", [0.5, 1.2, 1.8, 2.5, 3.5]).tolist()
    assert labels == ["amazing", "great", "good", "suspect", "bad"]


def test_rule_of_40_same_units() -> None:
    # Brad Feld, "The Rule of 40% For a Healthy SaaS Company": growth + profit >= 40%
    assert rule_of_40(30, 15) == 45.0
    assert rule_of_40(0.5, -0.2) == pytest.approx(0.3)
    assert benchmark("rule_of_40", [0.3, 0.45]).tolist() == ["below 40%", "healthy"]


def test_churn_rate_conversion() -> None:
    # compounding, not multiplying: 1 - (1 - 0.02)^12
    assert convert_churn_rate(0.02) == pytest.approx(1 - 0.98**12)
    assert convert_churn_rate(0.30, from_periods=12, to_periods=1) == pytest.approx(
        1 - 0.7 ** (1 / 12)
    )


@given(rate=st.floats(0.0, 0.5), a=st.floats(1, 12), b=st.floats(1, 12))
def test_churn_conversion_round_trips(rate: float, a: float, b: float) -> None:
    # (far outside these ranges 1 - rate underflows to 1 and the round trip loses digits)
    there = convert_churn_rate(rate, from_periods=a, to_periods=b)
    back = convert_churn_rate(there, from_periods=b, to_periods=a)
    assert 0.0 <= there <= 1.0
    assert back == pytest.approx(rate, abs=1e-9)


def test_benchmark_edges_and_nan() -> None:
    assert benchmark("ltv_to_cac", 3.0) == "healthy"  # exactly 3 meets the target
    # issue 14 item 15: Skok's target is a payback in *less than* 12 months
    assert benchmark("cac_payback_months", 12.0) == "acceptable"
    assert benchmark("cac_payback_months", 11.99) == "healthy"
    assert benchmark("cac_payback_months", 24.0) == "too slow"
    # Sacks: 2x-3x is suspect, 3x included
    assert benchmark("burn_multiple", 3.0) == "suspect"
    assert benchmark("ltv_to_cac", float("nan")) is None
    assert set(BENCHMARKS) >= {"ltv_to_cac", "cac_payback_months", "burn_multiple"}
    with pytest.raises(ParameterError):
        benchmark("vanity", 1.0)


@given(k=st.floats(0.01, 1000), arpa=st.floats(1, 1e4), churn=st.floats(0.001, 1))
def test_scaling_money_scales_ltv_not_ratios(k: float, arpa: float, churn: float) -> None:
    assert ltv(k * arpa, churn) == pytest.approx(k * ltv(arpa, churn))
    assert ltv_to_cac(k * ltv(arpa, churn), k * 100.0) == pytest.approx(
        ltv_to_cac(ltv(arpa, churn), 100.0)
    )


def test_review_series_are_matched_by_label_not_position() -> None:
    # LTV per channel from one table, CAC per channel from another, in another order
    ltv_s = pd.Series({"ads": 1200.0, "seo": 900.0})
    cac_s = pd.Series({"seo": 150.0, "ads": 600.0})
    ratio = ltv_to_cac(ltv_s, cac_s)
    assert ratio.to_dict() == {"ads": 2.0, "seo": 6.0}
    payback = cac_payback_months(cac_s, pd.Series({"ads": 100.0, "seo": 50.0}))
    assert payback.to_dict() == {"seo": 3.0, "ads": 6.0}
    with pytest.raises(ParameterError, match="labels"):
        ltv_to_cac(ltv_s, pd.Series({"ads": 600.0, "email": 150.0}))


def test_review_cac_payback_refuses_negative_inputs() -> None:
    # a negative CAC used to give a negative payback (-1.0 months) instead of an error
    with pytest.raises(ParameterError, match=">= 0"):
        cac_payback_months(-100.0, 100.0)
    with pytest.raises(ParameterError, match=">= 0"):
        cac_payback_months(100.0, -5.0)


# --------------------------------------------------------------------------- issue 14, items 6, 14
_FORMULAS = {
    "cac": (cac, 2),
    "ltv_to_cac": (ltv_to_cac, 2),
    "burn_multiple": (burn_multiple, 2),
    "rule_of_40": (rule_of_40, 2),
    "cac_payback_months": (cac_payback_months, 2),
    "ltv": (ltv, 2),
    "convert_churn_rate": (convert_churn_rate, 1),
}


def _call(name: str, bad: object, position: int = 0) -> object:
    function, n_args = _FORMULAS[name]
    args: list[object] = [0.5] * n_args
    args[min(position, n_args - 1)] = bad
    return function(*args)


@pytest.mark.parametrize("name", sorted(_FORMULAS))
@pytest.mark.parametrize("missing", [float("nan"), None, np.float32("nan")])
@pytest.mark.parametrize("position", [0, 1])
def test_missing_input_gives_nan_with_a_warning(name: str, missing: object, position: int) -> None:
    # one rule for every formula: a missing value is NaN out, and the warning says which input
    with pytest.warns(DataQualityWarning, match="missing"):
        value = _call(name, missing, position)
    assert isinstance(value, float)
    assert math.isnan(value)


@pytest.mark.parametrize("name", sorted(_FORMULAS))
def test_missing_values_in_a_series_are_nan_there_only(name: str) -> None:
    values = pd.Series([0.2, np.nan, 0.4], index=["a", "b", "c"])
    with pytest.warns(DataQualityWarning, match="1 of 3"):
        out = _call(name, values)
    assert out.isna().tolist() == [False, True, False]


@pytest.mark.parametrize("name", sorted(_FORMULAS))
@pytest.mark.parametrize("bad", ["abc", "12", ["1", 2.0], b"1", pd.Timestamp("2024-01-01")])
@pytest.mark.parametrize("position", [0, 1])
def test_non_numbers_are_a_schema_error(name: str, bad: object, position: int) -> None:
    with pytest.raises(SchemaError, match="number"):
        _call(name, bad, position)


def test_sales_magic_number_follows_the_same_rules() -> None:
    with pytest.warns(DataQualityWarning, match="revenue"):
        out = sales_magic_number([10.0, np.nan, 10.8], [2.0, 2.0, 2.2])
    assert np.isnan(out).tolist() == [True, True, True]
    with pytest.raises(SchemaError, match="sm_spend"):
        sales_magic_number([10.0, 10.5], [2.0, "x"])


def test_tables_are_refused_with_a_hint() -> None:
    # a new user passed the sample company's tables: a typed error that says what to pass
    spend = pd.DataFrame({"channel": ["ads"], "amount": [100.0]})
    conversions = pd.DataFrame({"user_id": ["u"], "value": [10.0]})
    with pytest.raises(SchemaError, match=r"spend.*table") as info:
        cac(spend, conversions)
    assert "amount" in str(info.value)  # the hint names the column to sum


def test_valid_input_gives_no_warning() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cac(np.int64(100), 4) == 25.0
        assert ltv_to_cac(np.inf, 100.0) == np.inf  # ltv's documented unbounded value chains
        assert cac_payback_months(cac(100.0, 0.0), 10.0) == np.inf
        assert rule_of_40(pd.Series([0.3], dtype="Float64"), 0.1).iloc[0] == pytest.approx(0.4)
