"""CoxModel: proportional hazards for churn, static or time-varying (start, stop] covariates."""

from __future__ import annotations

from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import chdtrc, ndtri

from saasmetrics._frames import to_pandas
from saasmetrics._kernels.encoding import distinct_sorted
from saasmetrics._kernels.retention import kaplan_meier_table
from saasmetrics._kernels.survival import (
    CoxTerms,
    concordance_counts,
    cox_partial_likelihood,
)
from saasmetrics._validation import (
    check_choice,
    check_float,
    check_is_fitted,
    require_columns,
)
from saasmetrics.exceptions import (
    ConvergenceError,
    EmptyDataError,
    InputError,
    ParameterError,
    SchemaError,
)
from saasmetrics.retention._lifetimes import NOT_COVARIATES

__all__ = ("CoxModel",)

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


def _design(frame: pd.DataFrame, columns: list[str]) -> tuple[F64, list[str]]:
    """Numeric design matrix: numbers and booleans as they are, categories one-hot.

    The first level in sorted order is the reference; the others are named ``column=level``.
    """
    parts: list[F64] = []
    names: list[str] = []
    for col in columns:
        series = frame[col]
        if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
            parts.append(series.to_numpy(dtype=np.float64, na_value=np.nan)[:, None])
            names.append(col)
            continue
        if series.isna().any():
            raise InputError.bad_values(
                col,
                "missing values",
                n_bad=int(series.isna().sum()),
                n_rows=len(series),
                example=frame.loc[series.isna()].iloc[0].to_dict(),
                hint="fill them (e.g. with a level of their own) or drop the column.",
            )
        codes, levels = pd.factorize(series, sort=True)
        for k in range(1, len(levels)):
            parts.append((codes == k).astype(np.float64)[:, None])
            names.append(f"{col}={levels[k]}")
    x = np.hstack(parts) if parts else np.zeros((len(frame), 0))
    return x, names


def _default_covariate(series: pd.Series) -> bool:
    """Whether a column is a covariate by default: not a date, not an id-like text column."""
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return False
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return True
    return bool(series.nunique(dropna=False) < len(series))


class CoxModel:
    r"""Cox proportional hazards model of time to churn.

    Parameters
    ----------
    ties : {"efron", "breslow"}, default "efron"
        Handling of tied churn times; Efron's is R ``coxph``'s default and the more accurate.
    penalizer : float, default 0.0
        Ridge penalty: the fit maximises $\ell(\beta) - \tfrac{1}{2}\,\text{penalizer}\,
        \lVert\beta\rVert^2$ (covariates on their own scale). Use it when a covariate separates
        churners perfectly (the plain likelihood then has no maximum).
    confidence_level : float, default 0.95
        Of the hazard-ratio intervals.

    Attributes
    ----------
    coefficients_ : pandas.Series
        $\hat\beta$, one per covariate (log hazard ratios).
    standard_errors_ : pandas.Series
        From the inverse information matrix.
    variance_matrix_ : pandas.DataFrame
        Inverse information (penalized when ``penalizer > 0``).
    log_likelihood_ : float
        Partial log-likelihood at $\hat\beta$ (``log_likelihood_null_`` at $\beta = 0$).
    concordance_ : float
        Harrell's C as R's ``concordance()`` counts it: over comparable pairs (the earlier
        time is a churn; tied churn times are not comparable, a churn and a censoring at the
        same time are), ties in the risk score count one half.
    baseline_cumulative_hazard_ : pandas.DataFrame
        At the covariate means (``covariate_means_``), per stratum, at the churn times.
    n_observations_, n_events_ : int
        Rows and churns used.

    Notes
    -----
    The partial likelihood, its score and information are computed by one vectorized kernel
    (risk sets as difference arrays over the sorted churn times). statsmodels' ``PHReg``
    fits the same model (the tests check equality) but builds its risk sets with Python loops
    over rows and churn times and has no ridge penalty, so it serves as the oracle rather
    than the engine. Newton-Raphson with step halving; errors are typed: a singular design,
    a covariate that perfectly separates churners, or a fit that does not converge.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.retention import CoxModel
    >>> frame = pd.DataFrame({
    ...     "days": [5, 8, 12, 20, 25, 30, 33, 40, 41, 50],
    ...     "churned": [1, 1, 1, 0, 1, 1, 0, 1, 0, 0],
    ...     "seats": [1, 2, 4, 5, 3, 2, 6, 1, 8, 3],
    ... })
    >>> model = CoxModel().fit(frame, "days", "churned")
    >>> model.coefficients_.round(3)
    seats   -0.451
    dtype: float64
    >>> round(model.concordance_, 3)
    0.729
    """

    def __init__(
        self,
        ties: Literal["efron", "breslow"] = "efron",
        penalizer: float = 0.0,
        *,
        confidence_level: float = 0.95,
    ) -> None:
        self.ties = ties
        self.penalizer = penalizer
        self.confidence_level = confidence_level

    # ------------------------------------------------------------------ params
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this model (scikit-learn convention).

        Parameters
        ----------
        deep : bool, default True
            Ignored (no nested estimators).

        Returns
        -------
        dict
            ``ties``, ``penalizer``, ``confidence_level``.
        """
        return {
            "ties": self.ties,
            "penalizer": self.penalizer,
            "confidence_level": self.confidence_level,
        }

    def set_params(self, **params: Any) -> Self:
        """Set parameters (scikit-learn convention).

        Parameters
        ----------
        **params
            ``ties``, ``penalizer``, ``confidence_level``.

        Returns
        -------
        CoxModel
            ``self``.

        Raises
        ------
        ParameterError
            For an unknown parameter.
        """
        for key, value in params.items():
            if key not in self.get_params():
                raise ParameterError.not_one_of("parameter", key, self.get_params())
            setattr(self, key, value)
        return self

    # ------------------------------------------------------------------ fit
    def fit(  # noqa: PLR0917 - the issue's positional signature
        self,
        frame: Any,
        duration_col: str,
        event_col: str,
        entry_col: str | None = None,
        start_col: str | None = None,
        strata: str | list[str] | None = None,
        *,
        covariates: list[str] | None = None,
        id_col: str | None = None,
        max_iter: int = 50,
    ) -> Self:
        """Fit the coefficients by maximising Efron's (or Breslow's) partial likelihood.

        Parameters
        ----------
        frame : DataFrame
            One row per customer, or per (customer, interval) for time-varying covariates.
        duration_col : str
            Time of churn or censoring (the interval's stop with ``start_col``); > 0.
        event_col : str
            True / 1 if the row ends in churn.
        entry_col : str, optional
            Left truncation: the row is at risk on ``(entry, duration]``.
        start_col : str, optional
            Counting-process data: the row covers ``(start, stop]`` with its covariate values
            (the same at-risk rule as ``entry_col``; give one of the two).
        strata : str or list of str, optional
            Columns whose combinations get a baseline hazard of their own.
        covariates : list of str, optional
            Default: every other column except dates, durations and identifier-like text
            columns (one distinct value per row), and except the ``entry``, ``reactivated``
            and ``churn_type`` columns of a ``subscription_lifetimes`` frame (bookkeeping and
            outcomes known only after the churn; pass ``entry_col="entry"`` for left
            truncation). Text and categorical columns are one-hot
            encoded with the first level in sorted order as reference.
        id_col : str, optional
            Customer id in counting-process data; excluded from the covariates.
        max_iter : int, default 50
            Newton-Raphson iterations.

        Returns
        -------
        CoxModel
            ``self``, fitted.

        Raises
        ------
        MissingColumnError
            For a missing column.
        InputError
            For non-positive durations, missing covariate values, a singular design, a
            covariate or level with no churn on one side (perfect separation), or no churn.
        ParameterError
            For bad ``ties``, ``penalizer`` or ``confidence_level``.
        ConvergenceError
            If Newton-Raphson does not converge.
        """
        check_choice("ties", self.ties, ("efron", "breslow"))
        check_float("penalizer", self.penalizer, min_value=0.0)
        check_float(
            "confidence_level",
            self.confidence_level,
            min_value=0.0,
            max_value=1.0,
            min_inclusive=False,
            max_inclusive=False,
        )
        if entry_col is not None and start_col is not None:
            raise ParameterError("Give entry_col or start_col, not both (they mean the same).")
        data = to_pandas(frame, name="frame")
        strata_cols = [strata] if isinstance(strata, str) else list(strata or [])
        roles: dict[str, str | None] = {
            "duration_col": duration_col,
            "event_col": event_col,
            "entry_col": entry_col,
            "start_col": start_col,
            "id_col": id_col,
        }
        require_columns(
            data,
            roles | {f"strata[{i}]": c for i, c in enumerate(strata_cols)},
            optional=("entry_col", "start_col", "id_col"),
        )
        if len(data) == 0:
            raise EmptyDataError("frame has no rows.")
        reserved = {c for c in roles.values() if c is not None} | set(strata_cols)
        # subscription_lifetimes marks its entry and outcome columns (reactivated, churn_type)
        reserved |= set(data.attrs.get(NOT_COVARIATES, ()))
        if covariates is None:
            covariates = [
                c for c in data.columns if c not in reserved and _default_covariate(data[c])
            ]
        require_columns(data, {f"covariates[{i}]": c for i, c in enumerate(covariates)})
        if not covariates:
            raise InputError("No covariates: the frame has only the time and event columns.")
        stop, event, start = self._times(data, duration_col, event_col, entry_col or start_col)
        x, names = _design(data, covariates)
        self._levels = {
            col: [str(v) for v in pd.unique(data[col].dropna())]
            for col in covariates
            if not (
                pd.api.types.is_bool_dtype(data[col].dtype)
                or pd.api.types.is_numeric_dtype(data[col].dtype)
            )
        }
        bad = np.isnan(x).any(axis=1)
        if bad.any():
            raise InputError.bad_values(
                "covariates",
                "missing or non-numeric covariate values",
                n_bad=int(bad.sum()),
                n_rows=len(data),
                example=data[covariates].iloc[int(np.flatnonzero(bad)[0])].to_dict(),
                hint="fill or drop those rows first; the model never drops rows silently.",
            )
        if not event.any():
            raise InputError("No row has a churn (event_col is all False): nothing to fit.")
        means = x.mean(axis=0)
        xc = x - means
        self._check_design(xc, names, event, means)
        stratum = (
            pd.MultiIndex.from_frame(data[strata_cols]).factorize(sort=True)[0].astype(np.int64)
            if strata_cols
            else np.zeros(len(data), dtype=np.int64)
        )
        labels = (
            pd.MultiIndex.from_frame(data[strata_cols]).unique().sort_values().tolist()
            if strata_cols
            else ["all"]
        )
        terms = [
            CoxTerms(start[rows], stop[rows], event[rows], xc[rows], self.ties)
            for rows in (np.flatnonzero(stratum == s) for s in range(len(labels)))
        ]
        self._names = list(names)
        beta, loglik, info = self._newton(terms, xc.shape[1], max_iter)
        try:
            variance = np.linalg.inv(info)
        except np.linalg.LinAlgError as exc:  # pragma: no cover - caught by _check_design
            raise InputError("The information matrix is singular.") from exc
        self.feature_names_in_ = list(names)
        self.coefficients_ = pd.Series(beta, index=names, dtype=np.float64)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(variance)), index=names)
        self.variance_matrix_ = pd.DataFrame(variance, index=names, columns=names)
        self.log_likelihood_ = float(loglik)
        self.log_likelihood_null_ = float(cox_partial_likelihood(terms, np.zeros(beta.size))[0])
        self.covariate_means_ = pd.Series(means, index=names)
        self.n_observations_ = len(data)
        self.n_events_ = int(event.sum())
        self.strata_ = strata_cols or None
        self._strata_labels = labels
        self._time_cols = (duration_col, event_col, entry_col, start_col)
        self._covariates = list(covariates)
        self.baseline_cumulative_hazard_ = self._baseline(terms, beta, labels)
        self.concordance_ = _concordance(start, stop, event, stratum, xc @ beta)
        self._schoenfeld(terms, beta, np.asarray(variance, dtype=np.float64))
        km_t, _, _, _, km_s, _ = kaplan_meier_table(stop, event, np.ones(stop.size), start)
        self._km_times, self._km_survival = km_t, km_s
        return self

    @staticmethod
    def _times(
        data: pd.DataFrame, duration_col: str, event_col: str, start_col: str | None
    ) -> tuple[F64, B, F64]:
        def numbers(col: str) -> F64:
            series = data[col]
            if not (
                pd.api.types.is_numeric_dtype(series.dtype)
                and not pd.api.types.is_bool_dtype(series.dtype)
            ):
                raise SchemaError(
                    f"Column {col!r} has dtype {series.dtype}; a number of time units was "
                    "expected.",
                    hint="convert it, e.g. (end - start) / pd.Timedelta('1D').",
                )
            return series.to_numpy(dtype=np.float64, na_value=np.nan)

        stop = numbers(duration_col)
        bad = ~np.isfinite(stop) | (stop <= 0)
        if bad.any():
            raise InputError.bad_values(
                duration_col,
                "non-positive or missing durations",
                n_bad=int(bad.sum()),
                n_rows=len(data),
                example=data.loc[bad].iloc[0].to_dict(),
                hint="durations must be > 0 (a same-day churn needs a finer unit).",
            )
        ev = data[event_col]
        if ev.isna().any() or not ev.isin([0, 1, True, False]).all():
            raise InputError.bad_values(
                event_col,
                "values other than True/False (1/0)",
                n_bad=int((ev.isna() | ~ev.isin([0, 1, True, False])).sum()),
                n_rows=len(data),
                hint="True / 1 means the row ends in churn.",
            )
        event = ev.to_numpy().astype(bool)
        start = np.zeros(len(data))
        if start_col is not None:
            start = numbers(start_col)
            bad = ~np.isfinite(start) | (start < 0) | (start >= stop)
            if bad.any():
                raise InputError.bad_values(
                    start_col,
                    "starts outside [0, stop)",
                    n_bad=int(bad.sum()),
                    n_rows=len(data),
                    example=data.loc[bad].iloc[0].to_dict(),
                    hint="each row covers (start, stop] with start >= 0 and start < stop.",
                )
        return stop, event, start

    def _check_design(self, xc: F64, names: list[str], event: B, means: F64) -> None:
        p = xc.shape[1]
        constant = [names[k] for k in range(p) if np.ptp(xc[:, k]) == 0]
        if constant:
            raise InputError(
                f"The design is singular: column(s) {constant} are constant.",
                hint="drop them (a constant has no hazard ratio; the baseline absorbs it).",
            )
        if np.linalg.matrix_rank(xc) < p:
            r: F64 = np.asarray(np.linalg.qr(xc)[1], dtype=np.float64)
            dependent = [names[k] for k in range(p) if abs(r[k, k]) <= 1e-10 * np.abs(r).max()]
            raise InputError(
                f"The design is singular: column(s) {dependent} are linear combinations of "
                "the others.",
                hint="drop one of each set of dependent columns (e.g. one dummy per category).",
            )
        if self.penalizer > 0:
            return
        for k in range(p):
            col = xc[:, k]
            values = distinct_sorted(col)
            if values.size != 2:
                continue
            events_at = col[event]
            if (events_at == values[0]).all() or (events_at == values[1]).all():
                lonely = values[1] if (events_at == values[0]).all() else values[0]
                raise InputError(
                    f"Covariate {names[k]!r}: every churn has the same value, none has the "
                    f"other ({lonely + means[k]:g}); the group with "
                    "no churn has a hazard ratio of 0 and the fit would diverge.",
                    hint="drop or merge that group, stratify on it (strata=...), or pass "
                    "penalizer > 0.",
                )

    def _newton(self, terms: list[CoxTerms], p: int, max_iter: int) -> tuple[F64, float, F64]:
        pen = float(self.penalizer)
        beta = np.zeros(p)

        def objective(b: F64, *, second: bool = True) -> tuple[float, F64, F64]:
            ll, u, info = cox_partial_likelihood(terms, b, second=second)
            return ll - 0.5 * pen * float(b @ b), u - pen * b, info + pen * np.eye(p)

        value, score, info = objective(beta)
        for _ in range(max_iter):  # Newton iterations, not rows
            try:
                step = np.linalg.solve(info, score)
            except np.linalg.LinAlgError as exc:
                raise ConvergenceError(
                    "The information matrix became singular during the fit.",
                    hint="check for separating covariates, or pass penalizer > 0.",
                ) from exc
            # the Newton decrement: the likelihood gain the quadratic model promises
            if float(score @ step) < 1e-10 * (1 + abs(value)):
                beta = beta + step  # one last full step: the error is squared again
                loglik, final_score, info = cox_partial_likelihood(terms, beta)
                info = info + pen * np.eye(p)
                self._check_finite_maximum(beta, final_score - pen * beta, info)
                return beta, loglik, info
            scale = 1.0
            tolerance = 1e-12 * (1 + abs(value))  # rounding noise of a large log-likelihood
            for _halving in range(30):
                trial = beta + scale * step
                new_value = objective(trial, second=False)[0]  # cheap: no second derivatives
                if np.isfinite(new_value) and new_value >= value - tolerance:
                    break
                scale /= 2
            else:
                raise ConvergenceError(
                    "Step halving failed to increase the likelihood (largest |coefficient| "
                    f"{np.abs(beta).max():.3g}).",
                    hint="a covariate may order churners perfectly (the likelihood then has no "
                    "maximum): pass penalizer > 0, or drop or stratify on that covariate.",
                )
            beta = trial
            value, score, info = objective(beta)
        raise ConvergenceError(
            f"Newton-Raphson did not converge in {max_iter} iterations "
            f"(largest |coefficient| {np.abs(beta).max():.3g}).",
            hint="a covariate may separate churners almost perfectly: pass penalizer > 0, "
            "or raise max_iter.",
        )

    def _check_finite_maximum(self, beta: F64, score: F64, info: F64) -> None:
        """Monotone likelihood: the fit 'converged' only because the likelihood flattens.

        At a finite maximum the Newton step after the last one is the square of an already
        tiny error; when the likelihood keeps rising towards a coefficient of +-infinity (a
        covariate that orders the churners perfectly), each step is still of order 1 while the
        gain is negligible. R ``coxph`` warns "Loglik converged before variable ...;
        coefficient may be infinite" on the same test; this raises instead.
        """
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            step = np.full(beta.size, np.inf)
        diverging = np.abs(step) > 1e-4 * np.maximum(1.0, np.abs(beta))
        if diverging.any():
            names = [n for n, bad in zip(self._names, diverging, strict=True) if bad]
            raise InputError(
                f"Covariate(s) {names} order the churners perfectly (monotone likelihood): "
                "the partial likelihood rises towards a coefficient of +-infinity and has no "
                "maximum.",
                hint="pass penalizer > 0, stratify on the covariate, or drop it.",
            )

    def _baseline(self, terms: list[CoxTerms], beta: F64, labels: list[Any]) -> pd.DataFrame:
        columns = {}
        for label, t in zip(labels, terms, strict=True):
            if t.m == 0:
                columns[str(label)] = pd.Series(dtype=np.float64)
                continue
            s = t.sums(beta, second=False)
            den = s["s0"][t.pair_time] - t.fraction * s["e0"][t.pair_time]
            # the kernel's risk-set sums are of exp(eta - shift)
            scaled = np.exp(-s["shift"][0]) / den
            increment = np.bincount(t.pair_time, weights=scaled, minlength=t.m)
            columns[str(label)] = pd.Series(np.cumsum(increment), index=t.event_times)
        out = pd.DataFrame(columns).sort_index().ffill().fillna(0.0)
        out.index.name = "time"
        return out

    def _schoenfeld(self, terms: list[CoxTerms], beta: F64, variance: F64) -> None:
        times, residuals = [], []
        for t in terms:  # over strata
            if t.m == 0:
                continue
            s = t.sums(beta, second=False)
            j = t.pair_time
            den = s["s0"][j] - t.fraction * s["e0"][j]
            mean = (s["s1"][j] - t.fraction[:, None] * s["e1"][j]) / den[:, None]
            p = mean.shape[1]
            xbar = (
                np.stack(
                    [np.bincount(j, weights=mean[:, c], minlength=t.m) for c in range(p)], axis=1
                )
                / t.deaths[:, None]
            )
            residuals.append(t.x[t.event_rows] - xbar[t.event_index])
            times.append(t.event_times[t.event_index])
        self._event_times = np.concatenate(times)
        self._residuals = np.vstack(residuals)
        self._variance = variance

    # ------------------------------------------------------------------ results
    def summary(self) -> pd.DataFrame:
        """Coefficients, hazard ratios with confidence intervals, z and p-values.

        Returns
        -------
        pandas.DataFrame
            One row per covariate: ``coef``, ``se``, ``hazard_ratio``, ``hr_lower``,
            ``hr_upper``, ``z``, ``p_value``.

        Raises
        ------
        NotFittedError
            Before ``fit``.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.retention import CoxModel
        >>> frame = pd.DataFrame({"t": [3, 5, 6, 8, 9, 12, 14, 15], "e": [1, 1, 0, 1, 1, 0, 1, 0],
        ...                       "x": [2, 0, 1, 1, 0, 2, 0, 1]})
        >>> CoxModel().fit(frame, "t", "e").summary()[["coef", "hazard_ratio"]].round(3)
            coef  hazard_ratio
        x -0.257         0.774
        """
        check_is_fitted(self, "coefficients_")
        z = float(ndtri(0.5 + self.confidence_level / 2))
        coef, se = self.coefficients_, self.standard_errors_
        stat = coef / se
        return pd.DataFrame(
            {
                "coef": coef,
                "se": se,
                "hazard_ratio": np.exp(coef),
                "hr_lower": np.exp(coef - z * se),
                "hr_upper": np.exp(coef + z * se),
                "z": stat,
                "p_value": chdtrc(1, stat**2),
            }
        )

    def hazard_ratios(self) -> pd.Series:
        """``exp(coefficients_)``: the multiplier on the churn hazard per unit of a covariate.

        Returns
        -------
        pandas.Series
            One per covariate.

        Raises
        ------
        NotFittedError
            Before ``fit``.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.retention import CoxModel
        >>> frame = pd.DataFrame({"t": [3, 5, 6, 8, 9, 12, 14, 15], "e": [1, 1, 0, 1, 1, 0, 1, 0],
        ...                       "x": [2, 0, 1, 1, 0, 2, 0, 1]})
        >>> CoxModel().fit(frame, "t", "e").hazard_ratios().round(3).tolist()
        [0.774]
        """
        check_is_fitted(self, "coefficients_")
        return pd.Series(np.exp(self.coefficients_.to_numpy()), index=self.coefficients_.index)

    def check_proportional_hazards(
        self, transform: Literal["km", "rank", "identity", "log"] = "km"
    ) -> pd.DataFrame:
        r"""Test the proportional-hazards assumption with scaled Schoenfeld residuals.

        Parameters
        ----------
        transform : {"km", "rank", "identity", "log"}, default "km"
            Function of time the residuals are correlated with: $1 - \hat S(t-)$ (the pooled
            Kaplan-Meier), the rank of the churn time, the time, or its log.

        Returns
        -------
        pandas.DataFrame
            One row per covariate and a ``GLOBAL`` row: ``rho`` (correlation of the scaled
            residuals with the transformed time), ``statistic`` (chi-square, 1 df per
            covariate, p df globally), ``p_value``. A small p-value says the covariate's
            effect drifts over time.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ParameterError
            For an unknown ``transform``.

        Notes
        -----
        Grambsch and Therneau's (1994) approximate test, as R's ``cox.zph`` computed it before
        survival 3.0: with $r^*_i = d\,V s_i$ the scaled residuals ($d$ churns, $V$ the
        variance matrix, $s_i$ the Schoenfeld residual) and $g$ the centred transformed
        times, $T_k = (g^\top r^*_{\cdot k})^2 / (d\,V_{kk} \sum g^2)$.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.retention import CoxModel
        >>> frame = pd.DataFrame({"t": [3, 5, 6, 8, 9, 12, 14, 15], "e": [1, 1, 0, 1, 1, 0, 1, 0],
        ...                       "x": [2, 0, 1, 1, 0, 2, 0, 1]})
        >>> test = CoxModel().fit(frame, "t", "e").check_proportional_hazards()
        >>> list(test.index), list(test.columns)
        (['x', 'GLOBAL'], ['rho', 'statistic', 'p_value'])
        """
        check_is_fitted(self, "coefficients_")
        check_choice("transform", transform, ("km", "rank", "identity", "log"))
        times = self._event_times
        order = np.argsort(times, kind="stable")
        t = times[order]
        res = self._residuals[order]
        d = t.size
        g: F64
        if transform == "identity":
            g = t
        elif transform == "log":
            g = np.asarray(np.log(t), dtype=np.float64)
        elif transform == "rank":
            g = np.asarray(pd.Series(t).rank(method="average"), dtype=np.float64)
        else:
            g = np.asarray(1.0 - _km_before(self._km_times, self._km_survival, t), np.float64)
        g = g - g.mean()
        scaled = res @ self._variance * d
        test = g @ scaled
        denominator = (g**2).sum()
        var_diag = np.diag(self._variance)
        stat = test**2 / (var_diag * d * denominator)
        centred = scaled - scaled.mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = (g @ centred) / np.sqrt(denominator * (centred**2).sum(axis=0))
        global_stat = float(test @ np.linalg.solve(self._variance * d * denominator, test))
        p = stat.size
        index = [*self.feature_names_in_, "GLOBAL"]
        return pd.DataFrame(
            {
                "rho": [*rho.tolist(), np.nan],
                "statistic": [*stat.tolist(), global_stat],
                "p_value": [*chdtrc(1, stat).tolist(), float(chdtrc(p, global_stat))],
            },
            index=index,
        )

    def predict_partial_hazard(self, frame: Any) -> pd.Series:
        """``exp((x - means) . beta)`` for each row: the relative churn hazard.

        Parameters
        ----------
        frame : DataFrame
            With the covariate columns used in ``fit``.

        Returns
        -------
        pandas.Series
            Indexed like ``frame``.

        Raises
        ------
        NotFittedError
            Before ``fit``.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.retention import CoxModel
        >>> frame = pd.DataFrame({"t": [3, 5, 6, 8, 9, 12, 14, 15], "e": [1, 1, 0, 1, 1, 0, 1, 0],
        ...                       "x": [2, 0, 1, 1, 0, 2, 0, 1]})
        >>> model = CoxModel().fit(frame, "t", "e")
        >>> model.predict_partial_hazard(pd.DataFrame({"x": [0, 1]})).round(3).tolist()
        [1.252, 0.968]
        """
        check_is_fitted(self, "coefficients_")
        data = to_pandas(frame, name="frame")
        x = self._x(data)
        return pd.Series(np.exp(x @ self.coefficients_.to_numpy()), index=data.index)

    def _x(self, data: pd.DataFrame) -> F64:
        require_columns(data, {f"covariates[{i}]": c for i, c in enumerate(self._covariates)})
        for col, known in getattr(self, "_levels", {}).items():
            text = data[col].astype(str)
            unknown = ~text.isin(known)
            if unknown.any():
                raise InputError.bad_values(
                    col,
                    f"levels the model was not fitted on (it knows {sorted(known)})",
                    n_bad=int(unknown.sum()),
                    n_rows=len(data),
                    example=data.loc[unknown.to_numpy()].iloc[0].to_dict(),
                    hint="a level without a coefficient has no hazard ratio; map it to a known "
                    "level or refit with it.",
                )
        parts = []
        for name in self.feature_names_in_:
            if name in data.columns:
                parts.append(data[name].to_numpy(dtype=np.float64, na_value=np.nan))
            else:
                col, level = name.split("=", 1)
                parts.append((data[col].astype(str) == level).to_numpy(dtype=np.float64))
        x = np.column_stack(parts) if parts else np.zeros((len(data), 0))
        if np.isnan(x).any():
            raise InputError("frame has missing covariate values.", hint="fill them first.")
        return np.asarray(x - self.covariate_means_.to_numpy(), dtype=np.float64)

    def predict_survival(
        self, frame: Any, times: Any, *, id_col: str | None = None
    ) -> pd.DataFrame:
        r"""Predicted probability of not having churned by each time.

        Parameters
        ----------
        frame : DataFrame
            Static model: one row per customer with the covariates (and strata columns).
            Time-varying model (fitted with ``start_col``): rows ``(start, stop]`` with the
            covariate values over each interval, grouped by ``id_col``.
        times : array-like of float
            Times (from time 0 for static data, from each customer's first ``start`` for
            time-varying data).
        id_col : str, optional
            Customer id of time-varying rows (required for a model fitted with ``start_col``).

        Returns
        -------
        pandas.DataFrame
            Index ``times``, one column per row (static) or per customer (time-varying).

        Raises
        ------
        NotFittedError
            Before ``fit``.
        InputError
            For missing columns or a time-varying frame without ``id_col``.

        Notes
        -----
        Static: $S(t \mid x) = \exp(-\hat H_0(t)\, e^{(x - \bar x)\hat\beta})$ with the
        Efron-adjusted Breslow baseline (R ``survfit.coxph``'s for Efron ties).
        Time-varying, **scenario "carry the last value forward"**: the cumulative hazard adds
        $e^{(x_r - \bar x)\hat\beta}\,(\hat H_0(\min(t, \text{stop}_r)) - \hat H_0(\text{start}_r))$
        over a customer's rows, and the covariates of the last row hold after its stop. To
        predict under another path, pass rows that spell it out up to the horizon (a supplied
        path). Beyond the last churn time of the training data the baseline stays flat, so
        survival is not extrapolated.

        Examples
        --------
        >>> import pandas as pd
        >>> from saasmetrics.retention import CoxModel
        >>> frame = pd.DataFrame({"t": [3, 5, 6, 8, 9, 12, 14, 15], "e": [1, 1, 0, 1, 1, 0, 1, 0],
        ...                       "x": [2, 0, 1, 1, 0, 2, 0, 1]})
        >>> model = CoxModel().fit(frame, "t", "e")
        >>> model.predict_survival(pd.DataFrame({"x": [0, 2]}), [4, 10]).round(3)
                  0      1
        time
        4.0   0.858  0.912
        10.0  0.423  0.598
        """
        check_is_fitted(self, "coefficients_")
        data = to_pandas(frame, name="frame")
        t = np.asarray(times, dtype=np.float64).ravel()
        beta = self.coefficients_.to_numpy()
        risk = np.exp(self._x(data) @ beta)
        strata_code = self._strata_codes(data)
        base = self.baseline_cumulative_hazard_
        grid = base.index.to_numpy(dtype=np.float64)
        h0 = base.to_numpy(dtype=np.float64)  # (grid, strata)

        def baseline_at(values: F64, codes: npt.NDArray[np.int64]) -> F64:
            pos = np.searchsorted(grid, values, side="right") - 1
            out = np.where(pos >= 0, h0[np.maximum(pos, 0), codes], 0.0)
            return np.asarray(out, dtype=np.float64)

        start_col = self._time_cols[3]
        if start_col is None:
            cum = baseline_at(
                np.broadcast_to(t[:, None], (t.size, len(data))).ravel(),
                np.broadcast_to(strata_code[None, :], (t.size, len(data))).ravel(),
            ).reshape(t.size, len(data))
            surv = np.exp(-cum * risk[None, :])
            return pd.DataFrame(surv, index=pd.Index(t, name="time"), columns=data.index)
        if id_col is None:
            raise InputError(
                "This model was fitted on time-varying (start, stop] rows: pass id_col= to say "
                "which rows belong to one customer.",
            )
        duration_col = self._time_cols[0]
        require_columns(
            data, {"id_col": id_col, "start_col": start_col, "duration_col": duration_col}
        )
        ids, first = pd.factorize(data[id_col], sort=True)
        ids = ids.astype(np.int64)
        start = data[start_col].to_numpy(dtype=np.float64)
        stop = data[duration_col].to_numpy(dtype=np.float64).copy()
        order = np.lexsort((stop, ids))
        last = np.zeros(len(data), dtype=bool)
        last[order[np.r_[ids[order][1:] != ids[order][:-1], True]]] = True
        stop[last] = np.inf  # carry the last values forward
        origin = np.full(first.size, np.inf)
        np.minimum.at(origin, ids, start)
        absolute = origin[ids][None, :] + t[:, None]  # (times, rows)
        upper = np.minimum(absolute, stop[None, :])
        codes = np.broadcast_to(strata_code[None, :], upper.shape).ravel()
        gain = baseline_at(upper.ravel(), codes).reshape(upper.shape) - baseline_at(
            np.broadcast_to(start[None, :], upper.shape).ravel(), codes
        ).reshape(upper.shape)
        contribution = np.where(upper > start[None, :], gain, 0.0) * risk[None, :]
        cum = np.zeros((t.size, first.size))
        np.add.at(cum.T, ids, contribution.T)
        return pd.DataFrame(np.exp(-cum), index=pd.Index(t, name="time"), columns=first)

    def _strata_codes(self, data: pd.DataFrame) -> npt.NDArray[np.int64]:
        if not self.strata_:
            return np.zeros(len(data), dtype=np.int64)
        require_columns(data, {f"strata[{i}]": c for i, c in enumerate(self.strata_)})
        keys = pd.MultiIndex.from_frame(data[self.strata_])
        known = pd.MultiIndex.from_tuples(
            [tuple(label) for label in self._strata_labels], names=self.strata_
        )
        codes = np.asarray(known.get_indexer(keys), dtype=np.int64)  # hashed, no row loop
        if (codes < 0).any():
            unknown = keys[codes < 0].unique().tolist()
            raise InputError(f"Unknown strata {unknown[:3]!r}; the model knows {known.tolist()}.")
        return codes

    def __repr__(self) -> str:
        return f"CoxModel(ties={self.ties!r}, penalizer={self.penalizer!r})"


def _km_before(km_times: F64, km_survival: F64, t: F64) -> F64:
    """Left-continuous Kaplan-Meier ``S(t-)`` at ``t``."""
    pos = np.searchsorted(km_times, t, side="left")
    values = np.r_[1.0, km_survival]
    return np.asarray(values[pos], dtype=np.float64)


def _concordance(
    start: F64, stop: F64, event: B, stratum: npt.NDArray[np.int64], score: F64
) -> float:
    """Harrell's C, pairs counted within strata (see ``concordance_counts``)."""
    concordant = discordant = tied = 0.0
    for s in distinct_sorted(stratum):  # over strata
        rows = stratum == s
        c, d, t = concordance_counts(start[rows], stop[rows], event[rows], score[rows])
        concordant, discordant, tied = concordant + c, discordant + d, tied + t
    total = concordant + discordant + tied
    return (concordant + tied / 2) / total if total else float("nan")
