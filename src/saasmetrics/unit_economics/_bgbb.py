"""BG/BB model of repeat transactions at discrete opportunities (Fader, Hardie & Shang 2010)."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels import unit_economics_bgbb as kern
from saasmetrics._validation import check_is_fitted
from saasmetrics.exceptions import EmptyDataError, InputError, ParameterError
from saasmetrics.typing import FrameLike
from saasmetrics.unit_economics._clv_fit import F64, _CLVModel, _compress, _weights

__all__ = ("BetaGeoBetaBinomModel",)


class BetaGeoBetaBinomModel(_CLVModel):
    r"""BG/BB model of repeat transactions at discrete opportunities (Fader, Hardie & Shang 2010).

    For businesses where a transaction can happen only at fixed occasions: an annual renewal
    or gala, a monthly donation appeal, a yearly conference. While alive, a customer transacts
    at each opportunity with probability $p \sim \mathrm{Beta}(\alpha, \beta)$; before each
    opportunity they die with probability $\theta \sim \mathrm{Beta}(\gamma, \delta)$. Fitted
    on ``frequency`` (transactions after the first), ``recency`` (the opportunity of the last,
    0 for none) and ``n_periods`` (opportunities after the first), usually grouped: one row
    per distinct history with a count of customers.

    Parameters
    ----------
    penalizer : float, default 0
        L2 penalty on the parameters.
    confidence_level : float, default 0.95
        Level of ``confidence_intervals_``.
    max_iter : int, default 2000
        Optimiser iterations.
    initial_params : dict, optional
        Starting values by name.

    Attributes
    ----------
    alpha_, beta_, gamma_, delta_ : float
        The estimates (also in ``params_``).
    confidence_intervals_ : pandas.DataFrame
        Estimate, standard error and interval per parameter.
    log_likelihood_ : float
        At the optimum.
    converged_ : bool
        Whether the optimiser converged (``gradient_norm_`` below 1e-4).
    gradient_norm_ : float
        Gradient norm at the optimum (mean log-likelihood, log-parameters).
    hessian_condition_ : float
        Condition number of the observed information.
    n_customers_ : int
        Customers fitted (the sum of the weights).

    Examples
    --------
    The donations of the 1995 cohort of a US charity (Fader, Hardie & Shang 2010): 11,104
    first-time donors, six annual opportunities to donate again, as 22 distinct histories.

    >>> import pandas as pd
    >>> x = [0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6]
    >>> t_x = [0, 1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 3, 4, 5, 6, 4, 5, 6, 5, 6, 6]
    >>> donors = [3464, 1091, 277, 129, 78, 119, 129, 613, 255, 155, 173, 234, 322, 181,
    ...           225, 357, 240, 284, 512, 335, 728, 1203]
    >>> donations = pd.DataFrame({"frequency": x, "recency": t_x, "n_periods": 6,
    ...                           "weights": donors})
    >>> model = BetaGeoBetaBinomModel().fit(donations)
    >>> {name: round(value, 3) for name, value in model.params_.items()}  # as published
    {'alpha': 1.204, 'beta': 0.75, 'gamma': 0.657, 'delta': 2.783}
    >>> round(model.log_likelihood_, 1)
    -33225.6
    >>> lapsed_and_loyal = donations.iloc[[0, -1]]  # never gave again; gave every year
    >>> model.predict_purchases(lapsed_and_loyal, 5).round(2).tolist()  # next 5 appeals
    [0.07, 3.75]
    """

    _param_names = ("alpha", "beta", "gamma", "delta")

    def _loglik(self, theta: F64, data: list[F64]) -> F64:
        return kern.bgbb_loglik(*theta, *data)

    @property
    def alpha_(self) -> float:
        """Beta(alpha, beta) heterogeneity of the transaction probability: alpha."""
        check_is_fitted(self, "params_")
        return float(self.params_["alpha"])

    @property
    def beta_(self) -> float:
        """Beta(alpha, beta) heterogeneity of the transaction probability: beta."""
        check_is_fitted(self, "params_")
        return float(self.params_["beta"])

    @property
    def gamma_(self) -> float:
        """Beta(gamma, delta) heterogeneity of the dropout probability: gamma."""
        check_is_fitted(self, "params_")
        return float(self.params_["gamma"])

    @property
    def delta_(self) -> float:
        """Beta(gamma, delta) heterogeneity of the dropout probability: delta."""
        check_is_fitted(self, "params_")
        return float(self.params_["delta"])

    def fit(
        self,
        rfm: FrameLike,
        *,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        n_periods_col: str = "n_periods",
        weights_col: str | None = None,
    ) -> Self:
        """Fit by maximum likelihood on histories of discrete opportunities.

        Parameters
        ----------
        rfm : DataFrame-like
            One row per customer, or per distinct history with a count of customers.
        frequency_col, recency_col, n_periods_col : str
            Column roles: transactions after the first (``x``), the opportunity of the last
            (``t_x``, 0 when ``x = 0``), and the opportunities observed (``n``); whole
            numbers with ``x <= t_x <= n``.
        weights_col : str, optional
            Customers each row stands for; by default the ``weights`` column when there is
            one, else one customer per row.

        Returns
        -------
        Self
            The fitted model.

        Raises
        ------
        InputError
            For fractional or negative values, ``frequency`` or ``recency`` above
            ``n_periods``, ``frequency`` above ``recency``, or a repeat transaction at
            opportunity 0.
        EmptyDataError
            If there are no rows or no customers.
        ConvergenceError
            If the likelihood cannot be maximised.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> n = 3000  # donors, then 6 yearly appeals after each one's first gift
        >>> p, theta = rng.beta(1.2, 0.75, n), rng.beta(0.66, 2.8, n)  # give; drop out
        >>> alive = np.cumprod(rng.random((n, 6)) > theta[:, None], axis=1) == 1
        >>> gave = alive & (rng.random((n, 6)) < p[:, None])
        >>> x = gave.sum(axis=1)
        >>> rfm = pd.DataFrame({"frequency": x, "n_periods": 6,
        ...                     "recency": np.where(x > 0, 6 - gave[:, ::-1].argmax(axis=1), 0)})
        >>> model = BetaGeoBetaBinomModel().fit(rfm)  # simulated with 1.2, 0.75, 0.66, 2.8
        >>> model
        BetaGeoBetaBinomModel(alpha=1.368, beta=0.7961, gamma=0.7649, delta=3.318)
        """
        frame = to_pandas(rfm, name="rfm")
        if weights_col is None and "weights" in frame.columns:
            weights_col = "weights"
        columns = {"frequency": frequency_col, "recency": recency_col, "n_periods": n_periods_col}
        x, t_x, n = self._histories(frame, columns)
        w = _weights(frame, weights_col, x.size)
        if w is not None:
            used = w > 0
            x, t_x, n, w = x[used], t_x[used], n[used], w[used]
        data, weights = _compress(x, t_x, n, weights=w)
        self._fit_arrays(data, weights)
        self.columns_ = columns
        return self

    def _histories(self, frame: pd.DataFrame, columns: dict[str, str]) -> list[F64]:
        if len(frame) == 0:
            raise EmptyDataError("The frame has no rows.")
        x, t_x, n = self._columns_from(frame, columns)
        names = list(columns.values())
        for values, name in ((t_x, names[1]), (n, names[2])):
            fractional = values != np.floor(values)
            if fractional.any():
                raise InputError.bad_values(
                    name,
                    "fractional values (opportunities are counted in whole periods)",
                    n_bad=int(fractional.sum()),
                    n_rows=len(values),
                    example=float(values[fractional][0]),
                )
        checks = (
            (x > n, names[0], f"more transactions than opportunities ({names[2]})"),
            (t_x > n, names[1], f"a last transaction after the last opportunity ({names[2]})"),
            ((x > 0) & (t_x == 0), names[1], "repeat transactions but recency 0"),
            (x > t_x, names[0], f"more transactions than opportunities up to {names[1]!r}"),
        )
        for bad, column, problem in checks:
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                raise InputError.bad_values(
                    column,
                    problem,
                    n_bad=int(bad.sum()),
                    n_rows=len(bad),
                    example={k: float(v[first]) for k, v in zip(names, (x, t_x, n), strict=True)},
                    hint=(
                        "frequency counts transactions after the first, recency is the "
                        "opportunity of the last one (0 for none), n_periods the "
                        "opportunities observed: 0 <= frequency <= recency <= n_periods."
                    ),
                )
        return [x, t_x, n]

    def _rows(self, rfm: FrameLike) -> tuple[list[F64], pd.Index]:
        check_is_fitted(self, "params_")
        frame = to_pandas(rfm, name="rfm")
        return self._histories(frame, dict(self.columns_)), frame.index

    def _theta(self) -> tuple[float, float, float, float]:
        a, b, g, d = (float(self.params_[k]) for k in self._param_names)
        return a, b, g, d

    def probability_alive(self, rfm: FrameLike, *, periods_ahead: int = 1) -> pd.Series:
        """Probability that each customer is alive at opportunity ``n_periods + periods_ahead``.

        Parameters
        ----------
        rfm : DataFrame-like
            Histories, with the columns used in ``fit``.
        periods_ahead : int, default 1
            Which future opportunity (1: the next one, FHS 2010 eq. 11).

        Returns
        -------
        pandas.Series
            One probability per row.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> n = 3000  # donors, then 6 yearly appeals after each one's first gift
        >>> p, theta = rng.beta(1.2, 0.75, n), rng.beta(0.66, 2.8, n)  # give; drop out
        >>> alive = np.cumprod(rng.random((n, 6)) > theta[:, None], axis=1) == 1
        >>> gave = alive & (rng.random((n, 6)) < p[:, None])
        >>> x = gave.sum(axis=1)
        >>> rfm = pd.DataFrame({"frequency": x, "n_periods": 6,
        ...                     "recency": np.where(x > 0, 6 - gave[:, ::-1].argmax(axis=1), 0)})
        >>> model = BetaGeoBetaBinomModel().fit(rfm)
        >>> model.probability_alive(rfm.head(4)).round(3).tolist()
        [0.924, 0.06, 0.06, 0.09]
        """
        steps = _periods(periods_ahead, "periods_ahead", minimum=0)
        (x, t_x, n), index = self._rows(rfm)
        values = kern.bgbb_p_alive(*self._theta(), x, t_x, n, float(steps))
        return pd.Series(values, index=index, name="p_alive")

    def predict_purchases(self, rfm: FrameLike, periods: int) -> pd.Series:
        """Expected transactions of each customer in the next ``periods`` opportunities.

        Parameters
        ----------
        rfm : DataFrame-like
            Histories, with the columns used in ``fit``.
        periods : int
            Future opportunities (FHS 2010 eq. 13).

        Returns
        -------
        pandas.Series
            Conditional expectation per row.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> n = 3000  # donors, then 6 yearly appeals after each one's first gift
        >>> p, theta = rng.beta(1.2, 0.75, n), rng.beta(0.66, 2.8, n)  # give; drop out
        >>> alive = np.cumprod(rng.random((n, 6)) > theta[:, None], axis=1) == 1
        >>> gave = alive & (rng.random((n, 6)) < p[:, None])
        >>> x = gave.sum(axis=1)
        >>> rfm = pd.DataFrame({"frequency": x, "n_periods": 6,
        ...                     "recency": np.where(x > 0, 6 - gave[:, ::-1].argmax(axis=1), 0)})
        >>> model = BetaGeoBetaBinomModel().fit(rfm)
        >>> model.predict_purchases(rfm.head(4), 3).round(3).tolist()
        [1.069, 0.049, 0.049, 0.042]
        """
        steps = _periods(periods, "periods", minimum=0)
        (x, t_x, n), index = self._rows(rfm)
        values = kern.bgbb_conditional_expected(
            *self._theta(), np.full(x.size, float(steps)), x, t_x, n
        )
        return pd.Series(values, index=index, name="expected_purchases")

    def expected_purchases(self, periods: Any) -> Any:
        """Expected transactions of a new customer in their first ``periods`` opportunities.

        Parameters
        ----------
        periods : int or array-like of int
            Opportunities after the first transaction (FHS 2010 eq. 8).

        Returns
        -------
        float or numpy.ndarray
            Expected repeat transactions.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> n = 3000  # donors, then 6 yearly appeals after each one's first gift
        >>> p, theta = rng.beta(1.2, 0.75, n), rng.beta(0.66, 2.8, n)  # give; drop out
        >>> alive = np.cumprod(rng.random((n, 6)) > theta[:, None], axis=1) == 1
        >>> gave = alive & (rng.random((n, 6)) < p[:, None])
        >>> x = gave.sum(axis=1)
        >>> rfm = pd.DataFrame({"frequency": x, "n_periods": 6,
        ...                     "recency": np.where(x > 0, 6 - gave[:, ::-1].argmax(axis=1), 0)})
        >>> BetaGeoBetaBinomModel().fit(rfm).expected_purchases([1, 6, 20]).round(3)
        array([0.514, 2.262, 4.875])
        """
        check_is_fitted(self, "params_")
        horizon = np.asarray(periods, dtype=np.float64)
        if not np.all(np.isfinite(horizon) & (horizon >= 0) & (horizon == np.floor(horizon))):
            raise ParameterError(
                f"periods must be whole numbers of opportunities >= 0; got {periods!r}."
            )
        out = kern.bgbb_expected(*self._theta(), horizon)
        return float(out) if np.ndim(out) == 0 else out


def _periods(value: Any, name: str, *, minimum: int) -> int:
    if not (isinstance(value, int | np.integer) and value >= minimum):
        raise ParameterError(
            f"{name} must be a whole number of opportunities >= {minimum}; got {value!r}."
        )
    return int(value)
