"""Survival inference benchmarks: the k-sample weighted log-rank test against a pandas groupby
implementation and lifelines; the Cox model against statsmodels' PHReg (and lifelines)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case, have
from saasmetrics.retention import CoxModel, logrank_test


def _survival_data(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 4, n)
    x = rng.normal(size=(n, 3))
    hazard = 0.02 * np.exp(0.3 * x[:, 0] - 0.2 * x[:, 1] + 0.1 * group)
    life = np.ceil(rng.exponential(1 / hazard))
    follow = rng.integers(30, 400, n)
    return pd.DataFrame(
        {
            "duration": np.minimum(life, follow).astype(float),
            "observed": life <= follow,
            "group": np.array(["a", "b", "c", "d"])[group],
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
        }
    )


def pandas_logrank(df: pd.DataFrame) -> float:
    """The idiomatic pandas way: a (time, group) table by groupby, risk sets by reverse cumsum."""
    table = df.groupby(["duration", "group"]).agg(
        removed=("observed", "size"), events=("observed", "sum")
    )
    removed = table["removed"].unstack(fill_value=0).sort_index()
    events = table["events"].unstack(fill_value=0).sort_index().astype(float)
    at_risk = removed.iloc[::-1].cumsum().iloc[::-1].astype(float)
    n = at_risk.sum(axis=1)
    d = events.sum(axis=1)
    share = at_risk.div(n, axis=0)
    score = (events - share.mul(d, axis=0)).sum()
    c = (d * (n - d) / (n - 1)).where(n > 1, 0.0)
    cov = np.diag(share.mul(c, axis=0).sum()) - share.T.to_numpy() @ share.mul(c, axis=0).to_numpy()
    u = score.to_numpy()[:-1]
    return float(u @ np.linalg.solve(cov[:-1, :-1], u))


def cases(quick: bool) -> list[Case]:
    n = 20_000 if quick else 2_000_000
    lr_alts: dict[str, Any] = {"pandas groupby": pandas_logrank}
    notes: list[str] = []
    if have("lifelines"):

        def lifelines_lr(df: pd.DataFrame) -> float:
            from lifelines.statistics import multivariate_logrank_test

            res = multivariate_logrank_test(df["duration"], df["group"], df["observed"])
            return float(res.test_statistic)

        lr_alts["lifelines"] = lifelines_lr
    else:
        notes.append("lifelines not installed: skipped")

    def check_lr(ours: Any, name: str, theirs: Any) -> None:
        np.testing.assert_allclose(ours.statistic, theirs, rtol=1e-8)

    m = 5_000 if quick else 200_000
    cox_alts: dict[str, Any] = {}
    cox_notes: list[str] = []
    if have("statsmodels"):

        def phreg(df: pd.DataFrame) -> Any:
            from statsmodels.duration.hazard_regression import PHReg

            return PHReg(
                df["duration"], df[["x1", "x2", "x3"]], status=df["observed"], ties="efron"
            ).fit()

        cox_alts["statsmodels PHReg (efron)"] = phreg
    if have("lifelines"):

        def lifelines_cox(df: pd.DataFrame) -> Any:
            from lifelines import CoxPHFitter

            return CoxPHFitter().fit(
                df[["duration", "observed", "x1", "x2", "x3"]], "duration", "observed"
            )

        cox_alts["lifelines CoxPHFitter"] = lifelines_cox
    else:
        cox_notes.append("lifelines not installed: skipped")

    def check_cox(ours: Any, name: str, theirs: Any) -> None:
        params = theirs.params if hasattr(theirs, "bse") else theirs.params_
        np.testing.assert_allclose(
            ours.coefficients_.to_numpy(), np.asarray(params), rtol=1e-6, atol=1e-7
        )

    return [
        Case(
            name="retention/logrank_test, 4 groups",
            size=f"{n / 1e6:g}M durations",
            setup=lambda: _survival_data(n),
            ours=lambda df: logrank_test(df["duration"], df["observed"], df["group"]),
            alternatives=lr_alts,
            check=check_lr,
            notes=notes,
        ),
        Case(
            name="retention/CoxModel efron, 3 covariates (concordance included)",
            size=f"{m / 1e3:g}k rows",
            setup=lambda: _survival_data(m, seed=1),
            ours=lambda df: CoxModel().fit(
                df, "duration", "observed", covariates=["x1", "x2", "x3"]
            ),
            alternatives=cox_alts,
            check=check_cox,
            notes=cox_notes,
        ),
    ]
