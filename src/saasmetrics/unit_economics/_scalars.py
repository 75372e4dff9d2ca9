"""Unit economics formulas, scalar or vectorized over periods and segments, with benchmark bands.

Every function broadcasts its inputs: scalars give a float, arrays an array, and a pandas
Series (e.g. one value per channel or per quarter) a Series with the same index.

One rule for bad values, the same in every formula: a missing value (NaN, None or ``pd.NA``)
gives NaN where it is, with a :class:`~saasmetrics.exceptions.DataQualityWarning` that names
the argument and counts them (so one missing quarter does not stop a vectorized call); a
value that is not a number (a string, a date, a table) is a
:class:`~saasmetrics.exceptions.SchemaError`. Infinite values follow arithmetic: ``ltv`` and
``cac`` return ``inf`` for unbounded values, and the formulas accept them back.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics.exceptions import DataQualityWarning, ParameterError, SchemaError

__all__ = (
    "BENCHMARKS",
    "benchmark",
    "burn_multiple",
    "cac",
    "cac_payback_months",
    "convert_churn_rate",
    "ltv",
    "ltv_to_cac",
    "plot_ltv_to_cac",
    "rule_of_40",
    "sales_magic_number",
)

F64 = npt.NDArray[np.float64]


_TABLE_HINTS = {
    "spend": "pass the amount, e.g. spend['amount'].sum() (or a Series of it per channel)",
    "new_customers": "pass a count, e.g. conversions['user_id'].nunique() (or a Series of it "
    "per channel)",
}


def _as_float(name: str, value: Any) -> F64:
    """One argument as floats; a typed error for anything that is not a number."""
    if hasattr(value, "columns") and not isinstance(value, pd.Series):
        hint = _TABLE_HINTS.get(
            name, "pass a number, an array or a Series (e.g. one column of the table)"
        )
        raise SchemaError(
            f"{name} must be a number, an array or a Series; got a table "
            f"({type(value).__name__} with columns {list(value.columns)[:5]!r}).",
            hint=hint + ".",
        )
    raw = value.to_numpy() if isinstance(value, pd.Series) else value
    try:
        objects = np.asarray(raw)
        if objects.dtype.kind in "biuf":  # the usual case: numbers already
            return objects.astype(np.float64)
        objects = objects.astype(object)
        flat = objects.ravel()
        number = np.frompyfunc(
            lambda x: (
                x is None
                or (
                    isinstance(x, int | float | np.number)
                    and not isinstance(x, complex | np.complexfloating)
                )
                or x is pd.NA
            ),
            1,
            1,
        )(flat).astype(bool)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise SchemaError(f"{name} must be numbers; got {value!r}.") from exc
    if not number.all():
        bad = flat[~number]
        raise SchemaError(
            f"{name} must be numbers; got {bad.size} of {flat.size} values that are not, "
            f"e.g. {bad[0]!r} ({type(bad[0]).__name__}).",
            hint="convert them first, e.g. with pd.to_numeric(...); strings are not read as "
            "numbers.",
        )
    floats = np.array(
        [np.nan if x is None or x is pd.NA else x for x in flat], dtype=np.float64
    ).reshape(objects.shape)
    return floats


def _arrays(
    *values: Any, names: tuple[str, ...], function: str, warn: bool = True
) -> tuple[list[F64], pd.Index | None]:
    """Broadcastable float arrays of the arguments, Series aligned by label.

    The one rule for missing values of every formula: NaN or None in gives NaN out, where it
    is, with a :class:`DataQualityWarning` naming the argument and the count.
    """
    index = next((v.index for v in values if isinstance(v, pd.Series)), None)
    if index is not None:
        # Series are matched by label (a CAC per channel in another order must not pair with
        # the wrong channel's LTV); labels that do not match are an error, not NaN.
        values = tuple(_align(v, index) if isinstance(v, pd.Series) else v for v in values)
    arrays = [_as_float(name, v) for name, v in zip(names, values, strict=True)]
    if warn:
        for name, array in zip(names, arrays, strict=True):
            missing = int(np.count_nonzero(np.isnan(array)))
            if missing:
                warnings.warn(
                    f"{function}: {name} has {missing} of {array.size} values missing (NaN or "
                    "None); the result is NaN there.",
                    DataQualityWarning,
                    stacklevel=3,
                )
    return arrays, index


def _align(series: pd.Series, index: pd.Index) -> pd.Series:
    if series.index.equals(index):
        return series
    if (
        index.is_unique
        and series.index.is_unique
        and len(series.index) == len(index)
        and series.index.isin(index).all()
    ):
        return series.reindex(index)
    raise ParameterError(
        "Series arguments must share their labels (they are matched by label); got "
        f"{list(index[:5])!r} and {list(series.index[:5])!r}.",
        hint="reindex them to the same segments (or periods) first.",
    )


def _wrap(value: F64, index: pd.Index | None, name: str, inputs: tuple[F64, ...] = ()) -> Any:
    if inputs:  # a missing input is a missing output (the formulas' branches could hide it)
        missing = np.zeros((), dtype=bool)
        for x in inputs:
            missing = missing | np.isnan(x)
        value = np.where(missing, np.nan, value)
    if index is not None:
        return pd.Series(np.broadcast_to(value, (len(index),)).copy(), index=index, name=name)
    if np.ndim(value) == 0:
        return float(value)
    return value


def _check_fraction(name: str, value: F64, *, low: float = 0.0, high: float = 1.0) -> None:
    if np.any((value < low) | (value > high)):  # NaN is missing: warned, NaN out
        raise ParameterError(
            f"{name} must lie in [{low:g}, {high:g}] as a fraction; got {value.tolist()!r}.",
            hint="pass 0.05 for 5%.",
        )


def ltv(
    arpa: Any,
    churn_rate: Any,
    gross_margin: Any = 1.0,
    *,
    expansion_rate: Any = 0.0,
    discount_rate: Any = 0.0,
) -> Any:
    r"""Customer lifetime value from ARPA, churn and gross margin (per-period rates).

    Parameters
    ----------
    arpa : float, array or Series
        Average revenue per account per period (e.g. MRR per customer).
    churn_rate : float, array or Series
        Share of customers (or revenue) lost per period, as a fraction.
    gross_margin : float, array or Series, default 1.0
        Gross margin as a fraction; 1.0 gives revenue LTV.
    expansion_rate : float, array or Series, default 0
        Expansion of the surviving revenue per period (net of contraction), as a fraction.
    discount_rate : float, array or Series, default 0
        Discount rate per period (an annual 10% is about 0.008 per month).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        $\mathrm{ARPA} \cdot m \cdot (1 + d) / (d + c - g)$: the margin of the first period
        plus every later one, kept with probability $(1 - c + g)$ per period and discounted.
        Without discounting and expansion it is the textbook $\mathrm{ARPA} \cdot m / c$.
        ``inf`` when $d + c - g \le 0$ (revenue never decays: negative net churn without
        discounting), so the value is unbounded.

    Raises
    ------
    ParameterError
        For negative ARPA, or rates outside [0, 1].

    Examples
    --------
    ARPA 100 a month, 80% gross margin and 2% monthly churn (David Skok, "SaaS Metrics 2.0"):

    >>> ltv(100, 0.02, 0.8)
    4000.0
    >>> round(ltv(100, 0.02, 0.8, expansion_rate=0.01), 1)
    8000.0
    >>> round(ltv(100, 0.02, 0.8, discount_rate=0.01), 1)
    2693.3

    Vectorized over segments:

    >>> import pandas as pd
    >>> ltv(pd.Series({"starter": 49.0, "pro": 199.0}), pd.Series({"starter": 0.05, "pro": 0.02}))
    starter     980.0
    pro        9950.0
    Name: ltv, dtype: float64
    """
    (a, c, m, g, d), index = _arrays(
        arpa,
        churn_rate,
        gross_margin,
        expansion_rate,
        discount_rate,
        names=("arpa", "churn_rate", "gross_margin", "expansion_rate", "discount_rate"),
        function="ltv",
    )
    if np.any(a < 0):
        raise ParameterError("arpa must be >= 0.")
    _check_fraction("churn_rate", c)
    _check_fraction("gross_margin", m)
    _check_fraction("expansion_rate", g)
    _check_fraction("discount_rate", d)
    denominator = d + c - g
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(
            denominator > 0, a * m * (1.0 + d) / np.where(denominator > 0, denominator, 1.0), np.inf
        )
    value = np.where(a * m == 0, 0.0, value)
    return _wrap(value, index, "ltv", (a, c, m, g, d))


def cac(spend: Any, new_customers: Any) -> Any:
    """Customer acquisition cost: spend over the customers it acquired.

    Blended CAC divides all sales and marketing cost by all new customers; paid CAC divides
    paid-channel spend by the customers those channels acquired. Pass Series indexed by
    channel (or period) to get one CAC per channel.

    Parameters
    ----------
    spend : float, array or Series
        Sales and marketing cost of the period (all of it for blended CAC, paid media for
        paid CAC).
    new_customers : float, array or Series
        Customers acquired in the period (all, or those from paid channels).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Cost per new customer; ``inf`` when spend bought no customer, NaN when both are 0.

    Raises
    ------
    ParameterError
        For negative spend or customer counts.

    Examples
    --------
    120k of sales and marketing for 300 new customers, of whom 100 came from 50k of ads:

    >>> cac(120_000, 300), cac(50_000, 100)
    (400.0, 500.0)
    """
    (s, n), index = _arrays(spend, new_customers, names=("spend", "new_customers"), function="cac")
    if np.any(s < 0) or np.any(n < 0):
        raise ParameterError("spend and new_customers must be >= 0.")
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(n > 0, s / np.where(n > 0, n, 1.0), np.where(s > 0, np.inf, np.nan))
    return _wrap(value, index, "cac", (s, n))


def ltv_to_cac(ltv: Any, cac: Any) -> Any:
    """The LTV:CAC ratio (3 or more is the usual target; see :func:`benchmark`).

    Parameters
    ----------
    ltv : float, array or Series
        Lifetime value (same currency as ``cac``), e.g. from :func:`ltv`.
    cac : float, array or Series
        Acquisition cost, e.g. from :func:`cac`.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        ``ltv / cac``.

    Examples
    --------
    >>> ltv_to_cac(4000.0, 1000.0), benchmark("ltv_to_cac", 4.0)
    (4.0, 'healthy')
    """
    (v, k), index = _arrays(ltv, cac, names=("ltv", "cac"), function="ltv_to_cac")
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(k > 0, v / np.where(k > 0, k, 1.0), np.nan)
    return _wrap(value, index, "ltv_to_cac", (v, k))


def cac_payback_months(cac: Any, mrr_per_customer: Any, gross_margin: Any = 1.0) -> Any:
    """Months of gross-margin-adjusted MRR needed to earn back the acquisition cost.

    Parameters
    ----------
    cac : float, array or Series
        Acquisition cost per customer.
    mrr_per_customer : float, array or Series
        MRR of a new customer (ARPA of new customers).
    gross_margin : float, array or Series, default 1.0
        Gross margin as a fraction.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        ``cac / (mrr_per_customer * gross_margin)``; ``inf`` without margin.

    Raises
    ------
    ParameterError
        For a negative CAC or MRR, or a gross margin outside [0, 1].

    Examples
    --------
    A 1,200 CAC, 100 MRR per customer and 75% gross margin pay back in 16 months
    (12 without the margin adjustment):

    >>> cac_payback_months(1200, 100, 0.75), cac_payback_months(1200, 100)
    (16.0, 12.0)
    """
    (k, r, m), index = _arrays(
        cac,
        mrr_per_customer,
        gross_margin,
        names=("cac", "mrr_per_customer", "gross_margin"),
        function="cac_payback_months",
    )
    if np.any(k < 0) or np.any(r < 0):
        raise ParameterError(
            "cac and mrr_per_customer must be >= 0.", hint="a negative CAC is usually a sign slip."
        )
    _check_fraction("gross_margin", m)
    margin = r * m
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(margin > 0, k / np.where(margin > 0, margin, 1.0), np.inf)
    return _wrap(value, index, "cac_payback_months", (k, r, m))


def sales_magic_number(revenue: Any, sm_spend: Any, gross_margin: Any = None) -> Any:
    """Scale Venture Partners' magic number over a sequence of quarters.

    Parameters
    ----------
    revenue : array or Series
        Quarterly (recurring) revenue, oldest first.
    sm_spend : array or Series
        Sales and marketing expense of the same quarters.
    gross_margin : float, array or Series, optional
        Multiply the revenue change by this margin (a gross-margin-adjusted magic number).

    Returns
    -------
    numpy.ndarray or pandas.Series
        ``(revenue[q] - revenue[q-1]) * 4 / sm_spend[q-1]`` (times the margin), per quarter;
        the first quarter has no value (NaN).

    Examples
    --------
    Revenue grows from 10.0M to 10.5M in a quarter after 2.0M of S&M spend: the annualised
    0.5M x 4 = 2M of new revenue over 2M is a magic number of 1.0:

    >>> sales_magic_number([10.0, 10.5, 10.8], [2.0, 2.0, 2.2]).round(2).tolist()
    [nan, 1.0, 0.6]
    """
    (rev, sm), index = _arrays(
        revenue, sm_spend, names=("revenue", "sm_spend"), function="sales_magic_number"
    )
    if rev.ndim != 1 or rev.shape != sm.shape:
        raise ParameterError(
            "revenue and sm_spend must be sequences of quarters of the same length; "
            f"got shapes {rev.shape} and {sm.shape}."
        )
    delta = np.r_[np.nan, np.diff(rev)] * 4.0
    prior = np.r_[np.nan, sm[:-1]]
    if gross_margin is not None:
        (m,), _ = _arrays(gross_margin, names=("gross_margin",), function="sales_magic_number")
        _check_fraction("gross_margin", m)
        delta = delta * m
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(prior > 0, delta / np.where(prior > 0, prior, 1.0), np.nan)
    return _wrap(value, index, "sales_magic_number") if index is not None else value


def burn_multiple(net_burn: Any, net_new_arr: Any) -> Any:
    """David Sacks' burn multiple: cash burned per dollar of net new ARR in the same period.

    Parameters
    ----------
    net_burn : float, array or Series
        Net cash burned in the period (positive when burning).
    net_new_arr : float, array or Series
        ARR at the end minus ARR at the start of the period.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        ``net_burn / net_new_arr``; ``inf`` when burning without adding ARR, 0 or negative
        when not burning.

    Examples
    --------
    Burning 3M in a quarter that adds 1M of net new ARR (Sacks' own example) is a burn
    multiple of 3, "suspect" by his bands:

    >>> burn_multiple(3e6, 1e6), benchmark("burn_multiple", 3.0)
    (3.0, 'suspect')
    """
    (b, a), index = _arrays(
        net_burn, net_new_arr, names=("net_burn", "net_new_arr"), function="burn_multiple"
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(a > 0, b / np.where(a > 0, a, 1.0), np.where(b > 0, np.inf, np.nan))
    return _wrap(value, index, "burn_multiple", (b, a))


def rule_of_40(growth_rate: Any, profit_margin: Any) -> Any:
    """The rule of 40: revenue growth plus profit margin (same units in and out).

    Parameters
    ----------
    growth_rate : float, array or Series
        Year-over-year revenue growth (fraction or percent).
    profit_margin : float, array or Series
        Profit margin (EBITDA or free-cash-flow margin) in the same unit.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        The sum; a healthy SaaS company scores at least 40% (0.40 in fractions).

    Examples
    --------
    >>> rule_of_40(30, 15), round(rule_of_40(0.6, -0.25), 2)
    (45.0, 0.35)
    """
    (g, p), index = _arrays(
        growth_rate, profit_margin, names=("growth_rate", "profit_margin"), function="rule_of_40"
    )
    return _wrap(g + p, index, "rule_of_40")


def convert_churn_rate(rate: Any, *, from_periods: float = 1.0, to_periods: float = 12.0) -> Any:
    """Convert a churn rate between period lengths, compounding survival.

    Parameters
    ----------
    rate : float, array or Series
        Churn rate per ``from_periods`` base periods, as a fraction.
    from_periods, to_periods : float
        Lengths of the source and target periods in any common unit (months by default:
        monthly to annual is ``from_periods=1, to_periods=12``).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        ``1 - (1 - rate) ** (to_periods / from_periods)``.

    Examples
    --------
    2% monthly churn is 21.5% a year, not 24%; 30% a year is 2.93% a month:

    >>> round(convert_churn_rate(0.02), 3)
    0.215
    >>> round(convert_churn_rate(0.30, from_periods=12, to_periods=1), 4)
    0.0293
    """
    if from_periods <= 0 or to_periods <= 0:
        raise ParameterError("from_periods and to_periods must be positive.")
    (r,), index = _arrays(rate, names=("rate",), function="convert_churn_rate")
    _check_fraction("rate", r)
    with np.errstate(divide="ignore"):
        value = -np.expm1((to_periods / from_periods) * np.log1p(-r))  # 1 - (1 - r)^k, exactly
    return _wrap(value, index, "churn_rate")


BENCHMARKS: dict[str, dict[str, Any]] = {
    "ltv_to_cac": {
        "edges": (1.0, 3.0, 5.0),
        "labels": ("losing money", "below target", "healthy", "under-investing in growth"),
        "higher_is_better": True,
        "source": "David Skok, 'SaaS Metrics 2.0' (forEntrepreneurs): LTV > 3 x CAC; "
        "above 5 may mean growth is under-funded.",
    },
    "cac_payback_months": {
        "edges": (12.0, 24.0),
        "labels": ("healthy", "acceptable", "too slow"),
        "higher_is_better": False,
        "at_edge": "upper",  # Skok: *less than* 12 months; a payback of exactly 12 is not
        "source": "David Skok, 'SaaS Metrics 2.0': recover CAC in less than 12 months.",
    },
    "burn_multiple": {
        "edges": (1.0, 1.5, 2.0, 3.0),
        "labels": ("amazing", "great", "good", "suspect", "bad"),
        "higher_is_better": False,
        "source": "David Sacks, 'The Burn Multiple' (Craft Ventures, 2020).",
    },
    "sales_magic_number": {
        "edges": (0.75, 1.5),
        "labels": ("fix efficiency first", "invest in growth", "exceptional"),
        "higher_is_better": True,
        "source": "Scale Venture Partners, 'The Magic Number': above 0.75 step on the gas.",
    },
    "rule_of_40": {
        "edges": (0.40,),
        "labels": ("below 40%", "healthy"),
        "higher_is_better": True,
        "source": "Brad Feld, 'The Rule of 40% For a Healthy SaaS Company' (2015); fractions.",
    },
    "quick_ratio": {
        "edges": (1.0, 4.0),
        "labels": ("shrinking", "growing inefficiently", "efficient growth"),
        "higher_is_better": True,
        "source": "Mamoon Hamid (Social Capital), the SaaS quick ratio: 4 or more.",
    },
}
"""Benchmark bands from the literature: ``edges`` split values into ``labels``. A value equal
to an edge falls in the band the source puts it in: the better one for "higher is better"
metrics (an LTV:CAC of exactly 3 meets the target) and for the burn multiple (Sacks: 2x-3x is
suspect), the worse one for the CAC payback (Skok: less than 12 months); ``at_edge`` says
``"upper"`` or ``"lower"`` where it differs from that default."""


def benchmark(metric: str, value: Any) -> Any:
    """Label a metric value with its benchmark band from the literature.

    Parameters
    ----------
    metric : str
        A key of :data:`BENCHMARKS`: ``"ltv_to_cac"``, ``"cac_payback_months"``,
        ``"burn_multiple"``, ``"sales_magic_number"``, ``"rule_of_40"`` (fractions) or
        ``"quick_ratio"``.
    value : float, array or Series
        The metric's values.

    Returns
    -------
    str, numpy.ndarray of str or pandas.Series
        The band of each value (``None`` for NaN).

    Examples
    --------
    >>> benchmark("cac_payback_months", [8, 14, 30]).tolist()
    ['healthy', 'acceptable', 'too slow']
    >>> benchmark("burn_multiple", 0.8)
    'amazing'
    """
    if not isinstance(metric, str) or metric not in BENCHMARKS:
        raise ParameterError.not_one_of("metric", metric, BENCHMARKS)
    spec = BENCHMARKS[metric]
    (v,), index = _arrays(value, names=("value",), function="benchmark", warn=False)
    labels = np.asarray(spec["labels"], dtype=object)
    # a value equal to an edge: the upper band for "higher is better" metrics (LTV:CAC of
    # exactly 3 is healthy), the lower one otherwise, unless the source says otherwise
    # (at_edge: a 12-month payback is not "less than 12 months")
    default = "upper" if spec["higher_is_better"] else "lower"
    side: Literal["left", "right"] = "right" if spec.get("at_edge", default) == "upper" else "left"
    edges = np.asarray(spec["edges"], dtype=np.float64)
    position = np.searchsorted(edges, v, side=side)
    bands: npt.NDArray[Any] = np.where(
        np.isnan(v), np.asarray(None, dtype=object), labels[position]
    )
    if index is not None:
        return pd.Series(bands, index=index, name=metric)
    return bands.item() if np.ndim(bands) == 0 else bands


def plot_ltv_to_cac(ltv: pd.Series, cac: pd.Series, *, ax: Any = None) -> Any:
    """Bar chart of LTV:CAC by segment, with the literature's bands (1, 3 and 5) marked.

    Parameters
    ----------
    ltv, cac : pandas.Series
        Lifetime value and acquisition cost, indexed by segment (e.g. channel).
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> import pandas as pd
    >>> ax = plot_ltv_to_cac(pd.Series({"ads": 1200.0, "seo": 900.0}),
    ...                      pd.Series({"ads": 600.0, "seo": 150.0}))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['seo', 'ads']
    """
    from saasmetrics._plotting import PALETTE, get_axes

    if not (isinstance(ltv, pd.Series) and isinstance(cac, pd.Series)):
        raise ParameterError(
            f"ltv and cac must be pandas Series indexed by segment; got "
            f"{type(ltv).__name__} and {type(cac).__name__}.",
            hint="e.g. pd.Series({'ads': 900.0, 'seo': 600.0}).",
        )
    ratio = ltv_to_cac(ltv, cac).sort_values(ascending=False)
    labels = benchmark("ltv_to_cac", ratio)
    colors = {
        "losing money": PALETTE[3],
        "below target": PALETTE[1],
        "healthy": PALETTE[2],
        "under-investing in growth": PALETTE[0],
    }
    ax = get_axes(ax)
    finite = ratio.replace([np.inf, -np.inf], np.nan)
    heights = finite.fillna(0).to_numpy()
    positive = heights[heights > 0]
    # one outlier would squash the rest: a log scale keeps every bar and band readable
    log = positive.size > 1 and positive.max() / np.median(positive) > 8
    ax.bar(
        [str(i) for i in ratio.index],
        heights,
        color=[colors.get(str(label), PALETTE[7]) for label in labels],
    )
    for edge, style, name in (
        (1.0, ":", "1: break-even"),
        (3.0, "--", "3: target"),
        (5.0, ":", "5: under-investing"),
    ):
        ax.axhline(edge, color="black", lw=0.8, ls=style)
        ax.annotate(name, (1.0, edge), xycoords=("axes fraction", "data"), ha="right",
                    va="bottom", fontsize=7, color="#334155")  # fmt: skip
    from matplotlib.patches import Patch

    shown = [band for band in colors if band in set(map(str, labels))]
    ax.legend(  # what the bar colours mean
        handles=[Patch(color=colors[band], label=band) for band in shown],
        frameon=False,
        fontsize="small",
        loc="upper right",
    )
    if log:
        from matplotlib.ticker import FixedLocator, NullLocator, StrMethodFormatter

        ax.set_yscale("log")
        top = float(positive.max())
        ticks = [t for t in (0.5, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000) if t <= top * 1.5]
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
        ax.set_ylabel("LTV : CAC (log scale)")
    else:
        ax.set_ylabel("LTV : CAC")
    ax.set_title("LTV:CAC by segment (3 = target)")
    return ax
