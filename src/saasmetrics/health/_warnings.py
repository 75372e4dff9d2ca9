"""early_warnings: rule-based alerts per account, with the evidence, at a point in time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from saasmetrics._kernels import health as hk
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import check_positive_timedelta
from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import InputError, ParameterError
from saasmetrics.health._features import DAY_NS, _encode, _mrr_at
from saasmetrics.health._risk import _labels
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, OnInvalid

__all__ = (
    "ActiveUsersDropRule",
    "EarlyWarnings",
    "KeyUserInactiveRule",
    "MRRContractionRule",
    "NoUseRule",
    "UsageDropRule",
    "WarningRule",
    "early_warnings",
)

F64 = npt.NDArray[np.float64]
Severity = Literal["low", "medium", "high"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    severity: Severity = "medium"


class NoUseRule(_Rule):
    """Fires when an account has not used ``event`` for more than ``days`` days.

    Attributes
    ----------
    event : str
        A core feature's event, e.g. ``"create_report"``.
    days : int, default 90
        Days without it that fire the rule ("no use of reports for 3 months").
    require_prior_use : bool, default True
        Only accounts that used it before can fire (otherwise never-users fire too).
    name : str, optional
        Label in the output; default ``no_<event>_<days>d``.
    severity : {"low", "medium", "high"}, default "medium"
        Reported with each alert.

    Examples
    --------
    >>> NoUseRule(event="create_report", days=90).label
    'no_create_report_90d'
    """

    kind: Literal["no_use"] = "no_use"
    event: str
    days: int = Field(default=90, gt=0)
    require_prior_use: bool = True

    @property
    def label(self) -> str:
        """Name of the rule in outputs."""
        return self.name or f"no_{self.event}_{self.days}d"


class ActiveUsersDropRule(_Rule):
    """Fires when an account's active users fell by at least ``drop`` against the window before.

    Attributes
    ----------
    drop : float, default 0.5
        Relative fall that fires it (0.5: active users halved, month over month with "30D").
    window : str, default "30D"
        The comparison window.
    min_previous : int, default 2
        Only accounts with at least this many active users in the window before can fire.
    name, severity
        As for :class:`NoUseRule`; default name ``active_users_drop_<pct>pct_<window>``.

    Examples
    --------
    >>> ActiveUsersDropRule(drop=0.5).label
    'active_users_drop_50pct_30d'
    """

    kind: Literal["active_users_drop"] = "active_users_drop"
    drop: float = Field(default=0.5, gt=0.0, le=1.0)
    window: str = "30D"
    min_previous: int = Field(default=2, ge=1)

    @property
    def label(self) -> str:
        """Name of the rule in outputs."""
        return self.name or f"active_users_drop_{round(self.drop * 100)}pct_{self.window.lower()}"


class KeyUserInactiveRule(_Rule):
    """Fires when the account's key user (most events so far) has been inactive ``days`` days.

    Attributes
    ----------
    days : int, default 14
        Days of inactivity that fire it.
    name, severity
        As for :class:`NoUseRule`; default name ``key_user_inactive_<days>d``.

    Examples
    --------
    >>> KeyUserInactiveRule(days=14, severity="high").label
    'key_user_inactive_14d'
    """

    kind: Literal["key_user_inactive"] = "key_user_inactive"
    days: int = Field(default=14, gt=0)

    @property
    def label(self) -> str:
        """Name of the rule in outputs."""
        return self.name or f"key_user_inactive_{self.days}d"


class UsageDropRule(_Rule):
    """Fires when an account's use of ``event`` fell by at least ``drop`` against the window before.

    Attributes
    ----------
    event : str
        The event to watch, e.g. the core feature ``"create_report"``.
    drop : float, default 0.5
        Relative fall that fires it (0.5: use halved).
    window : str, default "28D"
        The comparison window.
    min_previous : int, default 4
        Only accounts with at least this many such events in the window before can fire.
    name, severity
        As for :class:`NoUseRule`; default name ``<event>_drop_<pct>pct_<window>``.

    Examples
    --------
    >>> UsageDropRule(event="create_report").label
    'create_report_drop_50pct_28d'
    """

    kind: Literal["usage_drop"] = "usage_drop"
    event: str
    drop: float = Field(default=0.5, gt=0.0, le=1.0)
    window: str = "28D"
    min_previous: int = Field(default=4, ge=1)

    @property
    def label(self) -> str:
        """Name of the rule in outputs."""
        pct = round(self.drop * 100)
        return self.name or f"{self.event}_drop_{pct}pct_{self.window.lower()}"


class MRRContractionRule(_Rule):
    """Fires when MRR fell by more than ``min_drop`` over ``window`` (needs subscriptions).

    Attributes
    ----------
    window : str, default "30D"
        MRR now against MRR ``window`` before.
    min_drop : float, default 0
        Relative fall that must be exceeded (0.1: more than 10 %).
    include_churned : bool, default False
        Whether accounts whose MRR fell to 0 (already churned) fire too.
    name, severity
        As for :class:`NoUseRule`; default name ``mrr_contraction_<window>``.

    Examples
    --------
    >>> MRRContractionRule().label
    'mrr_contraction_30d'
    """

    kind: Literal["mrr_contraction"] = "mrr_contraction"
    window: str = "30D"
    min_drop: float = Field(default=0.0, ge=0.0, lt=1.0)
    include_churned: bool = False

    @property
    def label(self) -> str:
        """Name of the rule in outputs."""
        return self.name or f"mrr_contraction_{self.window.lower()}"


WarningRule = Annotated[
    NoUseRule | ActiveUsersDropRule | UsageDropRule | KeyUserInactiveRule | MRRContractionRule,
    Field(discriminator="kind"),
]
"""Any early-warning rule; dicts with a ``kind`` key validate into the matching rule."""

_RULES: TypeAdapter[list[WarningRule]] = TypeAdapter(list[WarningRule])


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class EarlyWarnings(ResultMixin):
    """Alerts that fired: one row per account and rule, with the evidence.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns: the account column, ``rule``, ``kind``, ``severity``, ``value`` (the observed
        metric), ``threshold`` (what it was compared with) and ``evidence`` (a sentence).
    as_of : pandas.Timestamp
        When the rules were evaluated.
    n_accounts : int
        Accounts checked.
    rules : tuple of str
        Rule labels, in the order given.

    Examples
    --------
    >>> import pandas as pd
    >>> events = pd.DataFrame({"account_id": ["a", "b"], "user_id": ["u1", "u2"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-02-28"]), "event": ["login"] * 2})
    >>> alerts = early_warnings(events, [KeyUserInactiveRule(days=30)], as_of="2024-03-01")
    >>> alerts
    EarlyWarnings(as_of='2024-03-01', accounts=2, flagged=1, alerts=1)
    >>> alerts.counts().to_dict()
    {'key_user_inactive_30d': 1}
    """

    table: pd.DataFrame
    as_of: pd.Timestamp
    n_accounts: int
    rules: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The alerts (a copy).

        Returns
        -------
        pandas.DataFrame
            One row per account and rule fired.
        """
        return self.table.copy()

    def counts(self) -> pd.Series:
        """Accounts flagged per rule, in rule order.

        Returns
        -------
        pandas.Series
            Indexed by rule label.
        """
        return (self.table["rule"].value_counts().reindex(list(self.rules), fill_value=0)).rename(
            "accounts"
        )

    def accounts(self) -> pd.DataFrame:
        """One row per flagged account: number of alerts, worst severity, rules fired.

        Returns
        -------
        pandas.DataFrame
            Sorted by severity, then number of alerts.
        """
        account_col = self.table.columns[0]
        codes, ids = pd.factorize(self.table[account_col], sort=True)
        n = len(ids)
        rank = self.table["severity"].map({"low": 1, "medium": 2, "high": 3}).to_numpy(np.int64)
        worst = np.zeros(n, dtype=np.int64)
        np.maximum.at(worst, codes, rank)
        # rules fired per account, joined in rule order: a loop over the handful of rules
        rule_codes = pd.Categorical(self.table["rule"], categories=list(self.rules)).codes
        rules = np.full(n, "", dtype=object)
        for j, name in enumerate(self.rules):
            hit = np.zeros(n, dtype=bool)
            hit[codes[rule_codes == j]] = True
            sep = np.where(rules[hit] == "", "", ", ")
            rules[hit] = rules[hit] + sep + name
        severity = np.asarray(["", "low", "medium", "high"], dtype=object)[worst]
        out = pd.DataFrame(
            {
                "alerts": np.bincount(codes, minlength=n),
                "severity": severity,
                "rules": rules,
                "_rank": worst,
            },
            index=pd.Index(ids, name=account_col),
        )
        out = out.sort_values(["_rank", "alerts"], ascending=False, kind="stable")
        return out[["alerts", "severity", "rules"]]

    def evaluate(self, churned: pd.Series) -> pd.DataFrame:
        """How well each rule (and any rule) flagged the accounts that went on to churn.

        Parameters
        ----------
        churned : pandas.Series of bool
            Outcome per account checked, indexed by account id (e.g. :func:`churn_labels` at
            the same ``as_of``); accounts missing from it are left out.

        Returns
        -------
        pandas.DataFrame
            Per rule and for ``"any rule"``: ``flagged`` accounts, ``churned`` among them,
            ``precision`` (churn rate among the flagged), ``recall`` (share of all churners
            flagged) and ``lift`` (precision over the overall churn rate).

        Raises
        ------
        InputError
            If ``churned`` is not a Series or holds no account or no churner.
        SchemaError
            If the outcomes are not booleans or 0/1.

        Examples
        --------
        >>> import pandas as pd
        >>> events = pd.DataFrame({"account_id": ["a", "b", "c"], "user_id": ["u1", "u2", "u3"],
        ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-02-28", "2024-02-27"]),
        ...     "event": ["login"] * 3})
        >>> alerts = early_warnings(events, [KeyUserInactiveRule(days=30)], as_of="2024-03-01")
        >>> churned = pd.Series({"a": True, "b": False, "c": True})
        >>> alerts.evaluate(churned)[["flagged", "churned", "precision", "recall", "lift"]]
                               flagged  churned  precision  recall  lift
        rule
        key_user_inactive_30d        1        1        1.0     0.5   1.5
        any rule                     1        1        1.0     0.5   1.5
        """
        if not isinstance(churned, pd.Series):
            raise InputError(
                f"churned must be a pandas Series indexed by account id; got "
                f"{type(churned).__name__}.",
                hint="use churn_labels(subscriptions, as_of=..., horizon=...).",
            )
        known = churned.dropna()
        outcome = pd.Series(_labels(known.to_numpy(), "churned"), index=known.index)
        n, n_pos = len(outcome), int(outcome.sum())
        if n == 0 or n_pos == 0:
            raise InputError(
                f"Evaluating warnings needs churners; got {n_pos} churned of {n} accounts.",
                hint="pass churn_labels(...) at the same as_of over a long enough horizon.",
            )
        account_col = self.table.columns[0]
        table = self.table[self.table[account_col].isin(outcome.index)]
        groups = {rule: table.loc[table["rule"] == rule, account_col] for rule in self.rules}
        groups["any rule"] = table[account_col]
        base = n_pos / n
        rows = []
        for rule, accounts in groups.items():  # a loop over the handful of rules
            flagged = pd.Index(accounts.unique())
            hits = int(outcome.reindex(flagged).sum())
            precision = hits / len(flagged) if len(flagged) else float("nan")
            rows.append(
                {
                    "rule": rule,
                    "flagged": len(flagged),
                    "churned": hits,
                    "precision": precision,
                    "recall": hits / n_pos,
                    "lift": precision / base,
                }
            )
        return pd.DataFrame(rows).set_index("rule")

    def _summary(self) -> dict[str, Any]:
        account_col = self.table.columns[0]
        return {
            "as_of": str(self.as_of.date())
            if self.as_of == self.as_of.normalize()
            else str(self.as_of),
            "accounts": self.n_accounts,
            "flagged": int(self.table[account_col].nunique()),
            "alerts": len(self.table),
        }

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Horizontal bars: accounts flagged per rule.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        **kwargs
            Passed to ``ax.barh``.

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        ax = get_axes(ax)
        counts = self.counts()
        kwargs.setdefault("color", PALETTE[3])
        ax.barh([str(i) for i in counts.index][::-1], counts.to_numpy()[::-1], **kwargs)
        ax.set_xlabel("accounts flagged")
        ax.set_title(f"Early warnings as of {self.as_of.date()}")
        return ax


def _fmt(values: F64, spec: str) -> pd.Series:
    """Format numbers for evidence text (only the fired rows are formatted)."""
    return pd.Series(np.asarray(values, dtype=np.float64)).map(spec.format).astype(str)


Describe = Callable[[npt.NDArray[np.intp]], pd.Series]


def _evaluate(
    rule: Any, enc: Any, n: int, as_of: pd.Timestamp
) -> tuple[npt.NDArray[np.bool_], F64, F64, Describe]:
    """Fired mask, observed value, threshold and an evidence builder for one rule."""
    if isinstance(rule, NoUseRule):
        # -1 when this chunk has no such event (finalize refuses one no chunk has)
        code = int(enc.event_names.get_indexer(pd.Index([rule.event]))[0])
        rows = enc.evt == code
        last_age = hk.group_min(enc.acc[rows], enc.age[rows], n, fill=-1)  # age of last use
        used = last_age >= 0
        days = np.where(used, last_age / DAY_NS, np.inf)
        fired = days > rule.days
        if rule.require_prior_use:
            fired &= used

        def no_use(idx: npt.NDArray[np.intp]) -> pd.Series:
            d = days[idx]
            last = (as_of - pd.to_timedelta(np.where(np.isfinite(d), d, 0), unit="D")).strftime(
                "%Y-%m-%d"
            )
            text = f"no {rule.event} for " + _fmt(d, "{:.0f}") + " days (last " + last + ")"
            return text.where(np.isfinite(d), f"never used {rule.event}")

        return fired, days, np.full(n, float(rule.days)), no_use
    if isinstance(rule, ActiveUsersDropRule):
        w = int(check_positive_timedelta("window", rule.window).value)
        args = (enc.acc, enc.pair_raw, enc.raw_acc, enc.age)  # raw pair codes: no gather
        cur = hk.window_activity(*args, lo_ns=0, hi_ns=w, n_accounts=n, day_ns=DAY_NS, detail=False)
        prev = hk.window_activity(
            *args, lo_ns=w, hi_ns=2 * w, n_accounts=n, day_ns=DAY_NS, detail=False
        )
        c, p = cur["active_users"], prev["active_users"]
        change = np.divide(c - p, p, out=np.zeros(n), where=p > 0)
        fired = (p >= rule.min_previous) & (change <= -rule.drop)

        def drop(idx: npt.NDArray[np.intp]) -> pd.Series:
            return (
                "active users " + _fmt(c[idx], "{:.0f}") + " vs " + _fmt(p[idx], "{:.0f}")
                + f" in the {rule.window} before (" + _fmt(change[idx], "{:+.0%}") + ")"
            )  # fmt: skip

        return fired, change, np.full(n, -rule.drop), drop
    if isinstance(rule, UsageDropRule):
        code = int(enc.event_names.get_indexer(pd.Index([rule.event]))[0])
        w = int(check_positive_timedelta("window", rule.window).value)
        rows = enc.evt == code
        age = enc.age[rows]
        acc = enc.acc[rows]
        now = hk.group_count(acc[age <= w], n)
        then = hk.group_count(acc[(age > w) & (age <= 2 * w)], n)
        change = np.divide(now - then, then, out=np.zeros(n), where=then > 0)
        fired = (then >= rule.min_previous) & (change <= -rule.drop)

        def usage(idx: npt.NDArray[np.intp]) -> pd.Series:
            return (
                f"{rule.event} " + _fmt(now[idx], "{:.0f}") + " vs " + _fmt(then[idx], "{:.0f}")
                + f" in the {rule.window} before (" + _fmt(change[idx], "{:+.0%}") + ")"
            )  # fmt: skip

        return fired, change, np.full(n, -rule.drop), usage
    if isinstance(rule, KeyUserInactiveRule):
        pair_total = enc.pair_total
        key = hk.group_top(enc.pair_acc, pair_total, n, tiebreak=enc.pair_user)
        pair_last = enc.pair_last_age()
        has = key >= 0
        safe = np.where(has, key, 0)
        last = pair_last[safe] if pair_last.size else np.zeros(n)  # a chunk without events
        days = np.where(has, last / DAY_NS, np.nan)
        fired = has & (np.nan_to_num(days) > rule.days)

        def inactive(idx: npt.NDArray[np.intp]) -> pd.Series:
            ids = pd.Series(np.asarray(enc.pair_user_ids, dtype=object)[safe[idx]]).map(repr)
            return "key user " + ids + " inactive for " + _fmt(days[idx], "{:.0f}") + " days"

        return fired, days, np.full(n, float(rule.days)), inactive
    w = int(check_positive_timedelta("window", rule.window).value)
    _, s_start, s_end, s_mrr = enc.subs
    now = _mrr_at(enc.s_codes, s_start, s_end, s_mrr, t=enc.cutoff - 1, n=n)
    then = _mrr_at(enc.s_codes, s_start, s_end, s_mrr, t=enc.cutoff - 1 - w, n=n)
    change = np.divide(now - then, then, out=np.zeros(n), where=then > 0)
    fired = (then > 0) & (change < -rule.min_drop)
    if not rule.include_churned:
        fired &= now > 0

    def contraction(idx: npt.NDArray[np.intp]) -> pd.Series:
        return (
            "MRR " + _fmt(now[idx], "{:,.0f}") + " vs " + _fmt(then[idx], "{:,.0f}")
            + f" {rule.window} before (" + _fmt(change[idx], "{:+.0%}") + ")"
        )  # fmt: skip

    return fired, change, np.full(n, 0.0 - rule.min_drop), contraction


def early_warnings(
    events: FrameLike | EventLog,
    rules: Sequence[WarningRule | dict[str, Any]],
    *,
    as_of: Any,
    subscriptions: FrameLike | None = None,
    paying_only: bool | None = None,
    account_col: str = "account_id",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    on_invalid: OnInvalid = "raise",
    partitioned_by: str | None = None,
) -> EarlyWarnings:
    """Evaluate early-warning rules for every account at ``as_of``, with the evidence.

    Like :func:`account_features`, it reads only events before ``as_of`` and subscription
    rows that started before it.

    Parameters
    ----------
    events : DataFrame-like, EventLog or dask DataFrame
        Product events with account, user, time and event columns. A dask DataFrame (and
        ``subscriptions`` as one) is shuffled by account and evaluated partition by
        partition: the same alerts as from pandas.
    rules : sequence of rules or dicts
        :class:`NoUseRule`, :class:`ActiveUsersDropRule`, :class:`UsageDropRule`,
        :class:`KeyUserInactiveRule`, :class:`MRRContractionRule`, or dicts with a ``kind``
        (``"no_use"``, ``"active_users_drop"``, ``"usage_drop"``, ``"key_user_inactive"``,
        ``"mrr_contraction"``), e.g. loaded from JSON.
    as_of : str or Timestamp
        When to evaluate.
    subscriptions : DataFrame-like, optional
        Needed by :class:`MRRContractionRule`; with ``paying_only`` it also limits the accounts
        checked to those paying at ``as_of``.
    paying_only : bool, optional
        Check only accounts paying just before ``as_of``. Default: yes when
        ``subscriptions`` are given, else every account with events. ``True`` without
        ``subscriptions`` is an error (who pays is unknown).
    account_col, user_col, time_col, event_col : str
        Column roles of ``events``.
    customer_col, start_col, end_col, mrr_col : str
        Column roles of ``subscriptions``.
    on_invalid : {"raise", "drop"}, default "raise"
        What to do with invalid rows.
    partitioned_by : str, optional
        For a dask ``events`` frame (without subscriptions) whose partitions already hold
        whole accounts: the account column (the shuffle is skipped).

    Returns
    -------
    EarlyWarnings
        ``.to_frame()`` one row per account and rule fired; ``.accounts()`` per account.

    Raises
    ------
    ParameterError
        For invalid rules, an unknown event, or an MRR rule or ``paying_only=True`` without
        subscriptions.

    Examples
    --------
    >>> import pandas as pd
    >>> events = pd.DataFrame({
    ...     "account_id": ["a1", "a1", "a1", "a2", "a2"],
    ...     "user_id": ["u1", "u1", "u2", "u3", "u3"],
    ...     "timestamp": pd.to_datetime(["2024-01-05", "2024-03-25", "2024-01-10",
    ...                                  "2024-03-20", "2024-03-28"]),
    ...     "event": ["create_report", "login", "login", "login", "create_report"],
    ... })
    >>> alerts = early_warnings(events, [
    ...     NoUseRule(event="create_report", days=60, severity="high"),
    ...     {"kind": "key_user_inactive", "days": 5},
    ... ], as_of="2024-04-01")
    >>> alerts.to_frame()[["account_id", "rule", "severity", "evidence"]]
      account_id                    rule severity                                    evidence
    0         a1  no_create_report_60d     high  no create_report for 87 days (last 2024-01-05)
    1         a1   key_user_inactive_5d   medium  key user 'u1' inactive for 7 days
    """
    if paying_only is None:
        paying_only = subscriptions is not None
    elif paying_only and subscriptions is None:
        raise ParameterError(
            "paying_only=True needs subscriptions=...: without them every account would be "
            "checked, paying or not.",
            hint="pass the subscriptions table, or leave paying_only out to check every account.",
        )
    plan = _early_warnings_builder(
        rules=rules,
        as_of=as_of,
        with_subscriptions=subscriptions is not None,
        paying_only=paying_only,
        account_col=account_col,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        customer_col=customer_col,
        start_col=start_col,
        end_col=end_col,
        mrr_col=mrr_col,
        on_invalid=on_invalid,
    )
    return run(plan, events, subscriptions, partitioned_by=partitioned_by)


@dataclass(frozen=True, slots=True)
class _AlertsPartial:
    """What a chunk of whole accounts contributes.

    Its alerts (with the rule's position, for the order), the accounts it checked, and the
    figures of the whole data (``health._features._Seen``).
    """

    table: pd.DataFrame
    n_checked: int
    seen: Any  # health._features._Seen


@register(early_warnings)
def _early_warnings_builder(
    *,
    rules: Sequence[WarningRule | dict[str, Any]],
    as_of: Any,
    with_subscriptions: bool = False,
    paying_only: bool | None = None,
    account_col: str = "account_id",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    mrr_col: str = "mrr",
    on_invalid: OnInvalid = "raise",
) -> Analysis[_AlertsPartial, EarlyWarnings]:
    """early_warnings as partial / merge / finalize over chunks of whole accounts.

    ``with_subscriptions`` says whether a subscriptions table will be passed (the MRR rule
    needs one).
    """
    try:
        parsed = _RULES.validate_python(list(rules))
    except Exception as exc:
        raise ParameterError(f"Invalid early-warning rules: {exc}") from exc
    if not parsed:
        raise ParameterError("rules must list at least one rule.")
    labels = [r.label for r in parsed]
    if len(set(labels)) != len(labels):
        raise ParameterError(f"rule names must be unique; got {labels!r}.", hint="pass name=...")
    if not with_subscriptions and any(isinstance(r, MRRContractionRule) for r in parsed):
        raise ParameterError(
            "MRRContractionRule needs subscriptions=...", hint="pass the subscriptions table."
        )
    try:  # checked against the data's clock in _encode; here only read, for the evidence
        as_of_ts = pd.Timestamp(as_of)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ParameterError(
            f"as_of={as_of!r} is not a timestamp.", hint="pass a date such as '2024-04-01'."
        ) from exc
    if paying_only is None:
        paying_only = with_subscriptions

    def prepare(events: FrameLike | EventLog, subscriptions: FrameLike | None) -> Any:
        return _encode(
            events,
            subscriptions,
            as_of=as_of,
            account_col=account_col,
            user_col=user_col,
            time_col=time_col,
            event_col=event_col,
            customer_col=customer_col,
            start_col=start_col,
            end_col=end_col,
            mrr_col=mrr_col,
            on_invalid=on_invalid,
        )

    def partial(enc: Any, _context: Any) -> _AlertsPartial:
        n = len(enc.account_index)
        checked = np.ones(n, dtype=bool)
        if enc.subs is not None and paying_only:
            _, s_start, s_end, s_mrr = enc.subs
            checked = _mrr_at(enc.s_codes, s_start, s_end, s_mrr, t=enc.cutoff - 1, n=n) > 0
        parts: list[pd.DataFrame] = []
        for rule in parsed:
            fired, value, threshold, describe = _evaluate(rule, enc, n, as_of_ts)
            idx = np.flatnonzero(fired & checked)
            parts.append(
                pd.DataFrame(
                    {
                        account_col: enc.account_index.take(idx),
                        "rule": rule.label,
                        "kind": rule.kind,
                        "severity": rule.severity,
                        "value": value[idx].astype(np.float64),
                        "threshold": threshold[idx],
                        "evidence": describe(idx).to_numpy(dtype=object),
                        "_order": len(parts),
                    }
                )
            )
        # a rule that fired nowhere has untyped (object) empty columns: leave it out, so the
        # columns' dtypes do not depend on which rules fired in which chunk
        table = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
        return _AlertsPartial(table, int(checked.sum()), enc.seen)

    def merge(a: _AlertsPartial, b: _AlertsPartial) -> _AlertsPartial:
        # a chunk without alerts has untyped (object) empty columns: leave it out
        tables = [t for t in (a.table, b.table) if len(t)] or [a.table]
        table = pd.concat(tables, ignore_index=True)
        return _AlertsPartial(table, a.n_checked + b.n_checked, a.seen.merge(b.seen))

    def finalize(part: _AlertsPartial, _context: Any) -> EarlyWarnings:
        part.seen.check(as_of)
        for rule in parsed:
            if isinstance(rule, NoUseRule | UsageDropRule):
                error = part.seen.unknown_event(rule.event, type(rule).__name__)
                if error is not None:
                    raise error
        table = part.table.sort_values([account_col, "_order"], kind="stable")
        table = table.drop(columns="_order").reset_index(drop=True)
        table["value"] = table["value"].replace([np.inf], np.nan)
        return EarlyWarnings(
            table=table,
            as_of=as_of_ts,
            n_accounts=part.n_checked,
            rules=tuple(labels),
        )

    return Analysis(
        name="early_warnings",
        keys=(account_col, customer_col),
        key_roles=("account_col", "customer_col"),
        align_keys=True,  # align_ids matches accounts and customers
        prepare=prepare,
        partial=partial,
        merge=merge,
        finalize=finalize,
    )
