"""Unit economics benchmarks: the MRR bridge vs pandas and DuckDB SQL; BG/NBD vs lifetimes."""

from __future__ import annotations

import importlib.util
import pathlib
import warnings
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case, have
from saasmetrics.unit_economics import (
    BetaGeoModel,
    ParetoNBDModel,
    ltv_curves,
    mrr_bridge,
    revenue_cohorts,
)

MOVES = ["new", "expansion", "contraction", "churned", "reactivation", "ending"]
ORIGIN = pd.Timestamp("2021-01-01")


def _subscriptions(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """Plan changes, churn and returns: consecutive intervals per customer, some gaps."""
    rng = np.random.default_rng(seed)
    n_customers = max(n_rows // 4, 1)
    per = rng.integers(1, 8, n_customers)
    per = np.maximum(1, np.round(per * n_rows / per.sum()).astype(np.int64))
    customer = np.repeat(np.arange(n_customers), per)[:n_rows]
    n = customer.size
    first_of = np.r_[True, customer[1:] != customer[:-1]]
    last_of = np.r_[customer[1:] != customer[:-1], True]
    length = rng.integers(20, 300, n)  # days
    gap = np.where(rng.random(n) < 0.15, rng.integers(20, 200, n), 0)  # churn and return
    step = length + gap
    offset_start = rng.integers(0, 900, n_customers)[customer]
    cum = np.cumsum(step)
    group_start = np.maximum.accumulate(np.where(first_of, np.arange(n), 0))
    before = cum - step - (cum - step)[group_start]
    start_days = offset_start + before
    end_days = start_days + length
    open_end = last_of & (rng.random(n) < 0.5)
    start = ORIGIN + pd.to_timedelta(start_days, unit="D")
    end = pd.Series(ORIGIN + pd.to_timedelta(end_days, unit="D")).where(~open_end)
    mrr = rng.choice([29.0, 49.0, 99.0, 199.0, 499.0], n) * rng.integers(1, 4, n)
    return pd.DataFrame(
        {"customer_id": customer.astype(str), "start": start, "end": end, "mrr": mrr}
    )


AS_OF = pd.Timestamp("2025-06-30")


def _pandas_bridge(subs: pd.DataFrame) -> pd.DataFrame:
    """The idiomatic pandas way: repeat rows into customer-months, pivot wide, compare months."""
    last_month = AS_OF.year * 12 + AS_OF.month - 1
    first = subs["start"].dt.year * 12 + subs["start"].dt.month - 1
    stop = (subs["end"].dt.year * 12 + subs["end"].dt.month - 1).fillna(last_month + 1)
    n_months = (stop - first).clip(lower=0).astype("int64")
    rows = subs.loc[subs.index.repeat(n_months)]
    step = rows.groupby(level=0).cumcount().to_numpy()
    rows = rows.assign(month=first.loc[rows.index].to_numpy() + step)
    rows = rows[rows["month"] <= last_month]
    cents = (rows["mrr"] * 100).round().astype("int64")
    wide = cents.groupby([rows["customer_id"], rows["month"]]).sum().unstack(fill_value=0)
    wide = wide.reindex(columns=range(int(wide.columns.min()), last_month + 1), fill_value=0)
    prev = wide.shift(1, axis=1, fill_value=0)
    paid_before = (wide > 0).cummax(axis=1).shift(1, axis=1, fill_value=False)
    delta = wide - prev
    starting = (prev == 0) & (wide > 0)
    out = pd.DataFrame(
        {
            "new": delta.where(starting & ~paid_before, 0).sum(),
            "expansion": delta.where((prev > 0) & (wide > prev), 0).sum(),
            "contraction": delta.where((prev > 0) & (wide > 0) & (wide < prev), 0).sum(),
            "churned": delta.where((prev > 0) & (wide == 0), 0).sum(),
            "reactivation": delta.where(starting & paid_before, 0).sum(),
            "ending": wide.sum(),
        }
    )
    return out / 100.0


_SQL = """
WITH rows AS (
  SELECT customer_id,
         date_diff('month', DATE '2000-01-01', date_trunc('month', start)) AS first_m,
         coalesce(date_diff('month', DATE '2000-01-01', date_trunc('month', "end")), 100000)
           AS stop_m,
         CAST(round(mrr * 100) AS BIGINT) AS cents
  FROM subs
),
bounds AS (
  SELECT min(first_m) AS lo,
         date_diff('month', DATE '2000-01-01', DATE '{as_of}') AS hi
  FROM rows WHERE cents > 0 AND stop_m > first_m
),
months AS (SELECT range AS m FROM range((SELECT lo FROM bounds), (SELECT hi FROM bounds) + 1)),
levels AS (
  SELECT r.customer_id, months.m, sum(r.cents) AS cents
  FROM rows r JOIN months ON months.m >= r.first_m AND months.m < r.stop_m
  GROUP BY ALL
),
spine AS (
  SELECT c.customer_id, months.m
  FROM (SELECT customer_id, min(m) AS f FROM levels GROUP BY ALL) c
  JOIN months ON months.m >= c.f
),
filled AS (
  SELECT s.customer_id, s.m, coalesce(l.cents, 0) AS cents
  FROM spine s LEFT JOIN levels l USING (customer_id, m)
),
lagged AS (
  SELECT *, lag(cents, 1, 0) OVER w AS prev,
         coalesce(max(cents) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) > 0
           AS paid_before
  FROM filled WINDOW w AS (PARTITION BY customer_id ORDER BY m)
)
SELECT m,
  sum(CASE WHEN prev = 0 AND cents > 0 AND NOT paid_before THEN cents ELSE 0 END) / 100.0 AS new,
  sum(CASE WHEN prev > 0 AND cents > prev THEN cents - prev ELSE 0 END) / 100.0 AS expansion,
  sum(CASE WHEN prev > 0 AND cents > 0 AND cents < prev THEN cents - prev ELSE 0 END) / 100.0
    AS contraction,
  sum(CASE WHEN prev > 0 AND cents = 0 THEN -prev ELSE 0 END) / 100.0 AS churned,
  sum(CASE WHEN prev = 0 AND cents > 0 AND paid_before THEN cents ELSE 0 END) / 100.0
    AS reactivation,
  sum(cents) / 100.0 AS ending
FROM lagged GROUP BY m ORDER BY m
"""


def _duckdb_bridge(subs: pd.DataFrame) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    con.register("subs", subs)
    return con.sql(_SQL.format(as_of=AS_OF.date())).df()


def _check_bridge(ours: Any, name: str, theirs: pd.DataFrame) -> None:
    mine = ours.to_frame()[MOVES].to_numpy()
    other = theirs[MOVES].to_numpy(dtype=float)
    np.testing.assert_allclose(mine, other, rtol=1e-9, atol=1e-6, err_msg=name)


def _pandas_levels(subs: pd.DataFrame) -> pd.DataFrame:
    """Customer-month MRR levels in cents (paying months only), the explode way."""
    last_month = AS_OF.year * 12 + AS_OF.month - 1
    first = subs["start"].dt.year * 12 + subs["start"].dt.month - 1
    stop = (subs["end"].dt.year * 12 + subs["end"].dt.month - 1).fillna(last_month + 1)
    n_months = (stop - first).clip(lower=0).astype("int64")
    rows = subs.loc[subs.index.repeat(n_months)]
    step = rows.groupby(level=0).cumcount().to_numpy()
    rows = rows.assign(month=first.loc[rows.index].to_numpy() + step)
    rows = rows[rows["month"] <= last_month]
    cents = (rows["mrr"] * 100).round().astype("int64")
    levels = cents.groupby([rows["customer_id"], rows["month"]]).sum().rename("cents")
    levels = levels[levels > 0].reset_index()
    levels["cohort"] = levels.groupby("customer_id")["month"].transform("min")
    at_start = levels["month"] == levels["cohort"]
    base = levels.loc[at_start].set_index("customer_id")["cents"]
    levels["capped"] = np.minimum(levels["cents"], levels["customer_id"].map(base))
    return levels


def _pandas_revenue_cohorts(subs: pd.DataFrame) -> pd.DataFrame:
    """The pandas way: explode to customer-months, cohort = first paying month, group by."""
    levels = _pandas_levels(subs)
    out = levels.groupby(["cohort", "month"]).agg(
        mrr=("cents", "sum"), gross=("capped", "sum"), customers=("cents", "size")
    )
    size = out.groupby(level="cohort")["customers"].transform("first")
    base = out.groupby(level="cohort")["mrr"].transform("first")
    return out.assign(nrr=out["mrr"] / base, grr=out["gross"] / base, logo=out["customers"] / size)


def _check_revenue_cohorts(ours: Any, name: str, theirs: pd.DataFrame) -> None:
    t = ours.to_frame()
    month = t["period"].dt.year * 12 + t["period"].dt.month - 1
    cohort = t["cohort"].dt.year * 12 + t["cohort"].dt.month - 1
    mine = pd.Series(np.rint(t["mrr"].to_numpy() * 100), index=[cohort, month])
    mine = mine[mine > 0]
    other = theirs["mrr"].astype(float)
    other.index = other.index.set_names([None, None])
    np.testing.assert_array_equal(mine.sort_index().to_numpy(), other.sort_index().to_numpy(), name)


def _pandas_ltv(subs: pd.DataFrame) -> pd.Series:
    """Cumulative margin per acquired customer by age, pooled over complete cohorts."""
    last_month = AS_OF.year * 12 + AS_OF.month - 1  # cut short by AS_OF: incomplete
    levels = _pandas_levels(subs)
    sizes = levels[levels["month"] == levels["cohort"]].groupby("cohort").size()
    levels = levels[levels["month"] < last_month]
    levels["age"] = levels["month"] - levels["cohort"]
    revenue = levels.groupby(["age", "cohort"])["cents"].sum().unstack(fill_value=0)
    ages = revenue.index.to_numpy()
    complete = ages[:, None] < (last_month - sizes.index.to_numpy())[None, :]
    revenue = revenue.reindex(columns=sizes.index, fill_value=0)
    per_customer = (revenue.to_numpy() * complete).sum(axis=1) / (
        complete * sizes.to_numpy()[None, :]
    ).sum(axis=1)
    return pd.Series(0.8 * np.cumsum(per_customer) / 100.0, index=ages + 1)


def _check_ltv(ours: Any, name: str, theirs: pd.Series) -> None:
    t = ours.to_frame().set_index("age")["cumulative_margin_per_customer"]
    np.testing.assert_allclose(t.loc[theirs.index].to_numpy(), theirs.to_numpy(), rtol=1e-9)


def _cdnow() -> pd.DataFrame | None:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or spec.origin is None:
        return None
    path = pathlib.Path(spec.origin).parent / "datasets" / "cdnow_customers_summary.csv"
    return pd.read_csv(path) if path.exists() else None


def _synthetic_rfm(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    T = np.round(rng.uniform(20, 52, n), 2)
    active = np.minimum(rng.exponential(1 / rng.gamma(0.6, 1 / 12, n)), T)
    x = rng.poisson(rng.gamma(0.25, 1 / 4, n) * active)
    recency = np.round(active * rng.beta(np.maximum(x, 1), 1) * (x > 0), 2)
    return pd.DataFrame({"frequency": x, "recency": recency, "T": T})


def _daily_rfm(n: int, seed: int = 0) -> pd.DataFrame:
    """Per-customer RFM in weeks at a daily resolution, as rfm_summary gives for real logs."""
    rng = np.random.default_rng(seed)
    T_days = rng.integers(140, 365, n)
    active = np.minimum(rng.exponential(1 / rng.gamma(0.6, 1 / 84, n)), T_days)
    x = rng.poisson(rng.gamma(0.25, 1 / 28, n) * active)
    recency_days = np.floor(active * rng.beta(np.maximum(x, 1), 1)) * (x > 0)
    return pd.DataFrame({"frequency": x, "recency": recency_days / 7, "T": T_days / 7})


def _grouped(rfm: pd.DataFrame) -> pd.DataFrame:
    return rfm.groupby(["frequency", "recency", "T"]).size().rename("customers").reset_index()


def _lifetimes_grouped_fit(grouped: pd.DataFrame) -> dict[str, float]:
    from lifetimes import BetaGeoFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = BetaGeoFitter().fit(
            grouped["frequency"], grouped["recency"], grouped["T"], weights=grouped["customers"]
        )
    return {k: float(v) for k, v in fitter.params_.items()}


def _lifetimes_fit(rfm: pd.DataFrame) -> dict[str, float]:
    from lifetimes import BetaGeoFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = BetaGeoFitter().fit(rfm["frequency"], rfm["recency"], rfm["T"])
    return {k: float(v) for k, v in fitter.params_.items()}


def _lifetimes_pareto_fit(rfm: pd.DataFrame) -> dict[str, float]:
    from lifetimes import ParetoNBDFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = ParetoNBDFitter().fit(rfm["frequency"], rfm["recency"], rfm["T"])
    return {k: float(v) for k, v in fitter.params_.items()}


def _check_params(ours: Any, name: str, theirs: dict[str, float]) -> None:
    for key, value in ours.params_.items():
        if not np.isclose(value, theirs[key], rtol=2e-3):
            msg = f"{name}: {key} = {theirs[key]} vs ours {value}"
            raise AssertionError(msg)


def _lifetimes_works() -> bool:
    if not have("lifetimes"):
        return False
    try:
        import lifetimes  # noqa: F401 - needs dill and autograd besides the wheel itself
    except ImportError:
        return False
    return True


def cases(quick: bool) -> list[Case]:
    n_rows = 20_000 if quick else 1_000_000
    bridge_alternatives: dict[str, Any] = {"pandas explode+pivot": _pandas_bridge}
    notes = []
    if have("duckdb"):
        bridge_alternatives["duckdb SQL month spine + lag"] = _duckdb_bridge
    else:
        notes.append("duckdb not installed: skipped")
    bridge_case = Case(
        name="unit_economics/mrr_bridge monthly",
        size=f"{n_rows / 1e6:g}M rows",
        setup=lambda: _subscriptions(n_rows),
        ours=lambda subs: mrr_bridge(subs, as_of=AS_OF),
        alternatives=bridge_alternatives,
        check=_check_bridge,
        notes=notes,
    )
    result = [bridge_case]
    result.append(
        Case(
            name="unit_economics/revenue_cohorts monthly",
            size=f"{n_rows / 1e6:g}M rows",
            setup=lambda: _subscriptions(n_rows),
            ours=lambda subs: revenue_cohorts(subs, as_of=AS_OF),
            alternatives={"pandas explode+groupby": _pandas_revenue_cohorts},
            check=_check_revenue_cohorts,
        )
    )
    result.append(
        Case(
            name="unit_economics/ltv_curves pooled",
            size=f"{n_rows / 1e6:g}M rows",
            setup=lambda: _subscriptions(n_rows),
            ours=lambda subs: ltv_curves(subs, by=None, as_of=AS_OF, horizon=60),
            alternatives={"pandas explode+groupby": _pandas_ltv},
            check=_check_ltv,
        )
    )
    lifetimes_ok = _lifetimes_works()
    cdnow = _cdnow()
    fit_notes = [] if lifetimes_ok else ["lifetimes (with dill, autograd) not importable: skipped"]
    if cdnow is not None:
        result.append(
            Case(
                name="unit_economics/BG/NBD fit CDNOW",
                size="2,357 customers",
                setup=lambda: cdnow,
                ours=lambda rfm: BetaGeoModel().fit(rfm),
                alternatives={"lifetimes BetaGeoFitter": _lifetimes_fit} if lifetimes_ok else {},
                check=_check_params,
                notes=fit_notes,
            )
        )
    n_customers = 5_000 if quick else 100_000
    result.append(
        Case(
            name="unit_economics/BG/NBD fit synthetic",
            size=f"{n_customers:,} customers",
            setup=lambda: _synthetic_rfm(n_customers),
            ours=lambda rfm: BetaGeoModel().fit(rfm),
            alternatives={"lifetimes BetaGeoFitter": _lifetimes_fit} if lifetimes_ok else {},
            check=_check_params,
            notes=fit_notes,
            repeat=2 if quick else 3,
        )
    )
    n_million = 50_000 if quick else 1_000_000
    result.append(
        Case(
            name="unit_economics/BG/NBD fit, one row per customer",
            size=f"{n_million:,} customers (daily resolution)",
            setup=lambda: _daily_rfm(n_million),
            ours=lambda rfm: BetaGeoModel().fit(rfm),
            alternatives={
                "pandas groupby to triples, then lifetimes BetaGeoFitter(weights=)": (
                    lambda rfm: _lifetimes_grouped_fit(_grouped(rfm))
                )
            }
            if lifetimes_ok
            else {},
            check=_check_params,
            notes=fit_notes,
            repeat=2,
        )
    )
    result.append(
        Case(
            name="unit_economics/BG/NBD fit, grouped triples (weights_col)",
            size=f"{n_million:,} customers as distinct (frequency, recency, T) rows",
            setup=lambda: _grouped(_daily_rfm(n_million)),
            ours=lambda grouped: BetaGeoModel().fit(grouped, weights_col="customers"),
            alternatives={"lifetimes BetaGeoFitter(weights=)": _lifetimes_grouped_fit}
            if lifetimes_ok
            else {},
            check=_check_params,
            notes=fit_notes,
            repeat=2,
        )
    )
    if not quick:  # Pareto/NBD (numerical gradient) is too slow for the quick smoke run
        result.append(
            Case(
                name="unit_economics/Pareto/NBD fit synthetic",
                size="20,000 customers",
                setup=lambda: _synthetic_rfm(20_000),
                ours=lambda rfm: ParetoNBDModel().fit(rfm),
                alternatives=(
                    {"lifetimes ParetoNBDFitter": _lifetimes_pareto_fit} if lifetimes_ok else {}
                ),
                check=_check_params,
                notes=fit_notes,
                repeat=2,
            )
        )
    return result
