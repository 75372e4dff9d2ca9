"""From a subscriptions table to one lifetime per customer (duration, churned, entry)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels.periods import elapsed_ns
from saasmetrics._validation import RowCheck, check_instant, parse_timestamps, require_columns
from saasmetrics.exceptions import InputError, ParameterError

__all__ = ("subscription_lifetimes",)

DAY_NS = 86_400 * 10**9
NOT_COVARIATES = "saasmetrics.not_covariates"


def _timestamp(name: str, value: Any) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, (bool, int, float, np.number)):  # pd.Timestamp(12345) is 1970 + 12 us
        raise ParameterError(f"{name}={value!r} is not a date.", hint="pass e.g. '2024-03-01'.")
    try:
        zone = pd.Timestamp(value).tzinfo  # kept: _ns puts it on the data's clock
    except (TypeError, ValueError, OverflowError):
        zone = None  # check_instant says what is wrong with it
    return check_instant(name, value, tz=zone)


def _ns(ts: pd.Timestamp, tz: Any) -> int:
    """Nanoseconds of ``ts`` on the scale of parsed timestamps (UTC for tz-aware data)."""
    if tz is not None:
        ts = ts.tz_localize(tz) if ts.tz is None else ts
        ts = ts.tz_convert("UTC").tz_localize(None)
    elif ts.tz is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return int(ts.as_unit("ns").value)


def subscription_lifetimes(
    subscriptions: Any,
    as_of: Any = None,
    gap: Any = "0D",
    churn_type_col: str | None = None,
    *,
    customer_col: str = "customer_id",
    start_col: str = "start",
    end_col: str = "end",
    observed_from: Any = None,
) -> pd.DataFrame:
    """One lifetime per customer from subscription rows: how long they paid before churning.

    Parameters
    ----------
    subscriptions : DataFrame
        One row per subscription interval ``[start, end)``: ``customer_id``, ``start``,
        ``end`` (null while active); other columns are carried along (see Returns).
    as_of : date, optional
        When the data was observed; default: the latest ``start`` or ``end`` in the table.
        Customers active at ``as_of`` (or whose ``end`` is later) are censored there.
    gap : str or timedelta, default "0D"
        Longest break between two rows of a customer that still counts as one paying spell:
        with ``"0D"`` any break is a churn; ``"14D"`` forgives a failed payment fixed within
        two weeks.
    churn_type_col : str, optional
        Column holding the reason a row ended (e.g. ``"voluntary"`` / ``"involuntary"``);
        its value on the row that ends the first spell becomes ``churn_type`` (null for
        censored customers).
    customer_col, start_col, end_col : str
        Column roles.
    observed_from : date, optional
        When the data begins. Customers who started before it are known only because they
        survived to it: their ``entry`` is the time from start to ``observed_from`` (left
        truncation). Default: every customer is followed from their start (``entry = 0``).

    Returns
    -------
    pandas.DataFrame
        One row per customer (sorted by id): ``customer_id``, ``start``, ``duration`` (days,
        float), ``observed`` (True = churned at the end of the first spell), ``entry`` (days),
        ``reactivated`` (came back after the first churn), ``churn_type`` when asked, and the
        first row's value of every other column (e.g. ``plan``, ``mrr``, ``billing``).

    Raises
    ------
    MissingColumnError
        If a column role is missing.
    InputError
        For missing ids or starts, ``end <= start``, starts after ``as_of``, or spells that
        ended before ``observed_from``.
    ParameterError
        For a negative ``gap`` or an unparsable date.

    Notes
    -----
    The first paying spell is the lifetime: rows whose start is within ``gap`` of the latest
    end so far (per customer) join the spell, so plan changes that tile a subscription are one
    life. A later return is a new spell (``reactivated``), not a longer life: survival models
    time to *first* churn. Durations are ``(end - start)`` in days; a customer who is still
    active has ``duration = as_of - start`` and ``observed = False``.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.retention import subscription_lifetimes
    >>> subs = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c", "c"],
    ...     "start": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-15", "2024-02-01",
    ...                              "2024-05-01"]),
    ...     "end": pd.to_datetime(["2024-03-01", "2024-04-01", None, "2024-03-01", None]),
    ...     "plan": ["basic", "pro", "basic", "pro", "pro"],
    ... })
    >>> subscription_lifetimes(subs, as_of="2024-06-01")
      customer_id      start  duration  observed  entry  reactivated   plan
    0           a 2024-01-01      91.0      True    0.0        False  basic
    1           b 2024-01-15     138.0     False    0.0        False  basic
    2           c 2024-02-01      29.0      True    0.0         True    pro
    """
    frame = to_pandas(subscriptions, name="subscriptions")
    require_columns(
        frame,
        {
            "customer_col": customer_col,
            "start_col": start_col,
            "end_col": end_col,
            "churn_type_col": churn_type_col,
        },
        optional=("churn_type_col",),
    )
    try:
        gap_td = pd.Timedelta(gap)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"gap={gap!r} is not a duration.", hint="e.g. '0D' or '14D'.") from exc
    if pd.isna(gap_td) or gap_td < pd.Timedelta(0):
        raise ParameterError(f"gap must be a duration >= 0; got {gap!r}.")
    as_of_ts = _timestamp("as_of", as_of)
    from_ts = _timestamp("observed_from", observed_from)

    rows = RowCheck(frame, on_invalid="raise", name="subscriptions")
    rows.flag(frame[customer_col].isna().to_numpy(), customer_col, "null customer ids")
    start = parse_timestamps(frame[start_col], rows=rows)
    rows.finish()
    s_ns = start.ns
    open_row = np.asarray(frame[end_col].isna().to_numpy(), dtype=bool)
    e_ns = np.full(len(frame), np.iinfo(np.int64).max, dtype=np.int64)
    if (~open_row).any():
        e_ns[~open_row] = parse_timestamps(frame[end_col][~open_row]).ns
    bad = ~open_row & (e_ns <= s_ns)
    if bad.any():
        raise InputError.bad_values(
            end_col,
            "an end at or before the start",
            n_bad=int(bad.sum()),
            n_rows=len(frame),
            example=frame.loc[bad].iloc[0].to_dict(),
            hint="rows are half-open [start, end): end must be after start.",
        )
    if as_of_ts is None:
        latest = np.where(open_row, s_ns, e_ns).max() if len(frame) else 0
        as_of_ns = int(latest)
        as_of_ts = start.to_datetime(np.array([as_of_ns]))[0]
    else:
        as_of_ns = _ns(as_of_ts, start.tz)
    future = s_ns > as_of_ns
    if future.any():
        raise InputError.bad_values(
            start_col,
            f"starts after as_of={as_of_ts}",
            n_bad=int(future.sum()),
            n_rows=len(frame),
            example=frame.loc[future].iloc[0].to_dict(),
            hint="pass a later as_of, or filter those rows out first.",
        )

    # ---- spells: sort by (customer, start); a row opens a spell when it starts past the
    # running maximum end of its customer's earlier rows by more than gap
    codes, ids = pd.factorize(frame[customer_col], sort=True)
    order = np.lexsort((s_ns, codes))
    c, s, e = codes[order], s_ns[order], e_ns[order]
    first_of_customer = np.r_[True, c[1:] != c[:-1]]
    running_end = pd.Series(e).groupby(c).cummax().to_numpy()
    prev_end = np.r_[np.iinfo(np.int64).min, running_end[:-1]]
    # saturate: an open row's "end" is int64 max; start - prev_end cannot overflow below
    new_spell = first_of_customer | (
        s > np.minimum(prev_end, np.iinfo(np.int64).max - 1) + gap_td.value
    )
    spell_no = np.cumsum(new_spell) - 1
    spell_of_customer = spell_no - np.maximum.accumulate(np.where(first_of_customer, spell_no, 0))
    in_first = spell_of_customer == 0
    n_customers = ids.size
    first_pos = np.flatnonzero(first_of_customer)
    spell_end = np.full(n_customers, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(spell_end, c[in_first], e[in_first])
    spell_start = s[first_pos]
    n_spells = np.bincount(c[new_spell], minlength=n_customers)

    observed = spell_end <= as_of_ns
    stop = np.where(observed, spell_end, as_of_ns)
    # as uint64 both ways: a spell can last more than 2**63 ns (1700 to 2000)
    duration = np.where(
        stop >= spell_start,
        elapsed_ns(stop, spell_start) / DAY_NS,
        -(elapsed_ns(spell_start, stop) / DAY_NS),
    )
    if (duration <= 0).any():
        bad_c = np.flatnonzero(duration <= 0)
        raise InputError(
            f"{bad_c.size} customers start exactly at as_of={as_of_ts}: their duration is 0.",
            hint="pass a later as_of, or leave them out (they have not been observed yet).",
        )
    entry = np.zeros(n_customers)
    if from_ts is not None:
        from_ns = _ns(from_ts, start.tz)
        gone = observed & (spell_end <= from_ns)
        if gone.any():
            raise InputError(
                f"{int(gone.sum())} customers churned before observed_from={from_ts} "
                f"(e.g. {ids[int(np.flatnonzero(gone)[0])]!r}): data that begins at "
                "observed_from cannot contain them.",
                hint="pass the true start of the data, or leave observed_from out.",
            )
        entry = np.where(spell_start < from_ns, elapsed_ns(from_ns, spell_start) / DAY_NS, 0.0)

    out = pd.DataFrame(
        {
            customer_col: ids,
            "start": start.to_datetime(spell_start),
            "duration": duration,
            "observed": observed,
            "entry": entry,
            "reactivated": n_spells > 1,
        }
    )
    if churn_type_col is not None:
        # the first-spell row with the latest end carries the reason the spell ended
        rank = np.lexsort((e, in_first, c))  # per customer: first-spell rows last, by end
        last_in_block = np.r_[c[rank][1:] != c[rank][:-1], True]
        ender = order[rank[last_in_block]]
        types = frame[churn_type_col].to_numpy(dtype=object)[ender]
        out["churn_type"] = pd.Series(types, dtype=object).where(observed, None)
    skip = {customer_col, start_col, end_col, churn_type_col}
    carried = [col for col in frame.columns if col not in skip and col not in out.columns]
    if carried:
        firsts = frame.iloc[order[first_pos]][carried].reset_index(drop=True)
        out = pd.concat([out, firsts], axis=1)
    # bookkeeping and outcome columns: never a covariate by default (CoxModel reads this);
    # ``reactivated`` and ``churn_type`` are known only after the churn they would predict
    out.attrs[NOT_COVARIATES] = [
        col for col in ("entry", "reactivated", "churn_type") if col in out.columns
    ]
    return out
