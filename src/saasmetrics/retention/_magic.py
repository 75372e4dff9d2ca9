"""Magic-number search and feature retention: which early behaviour goes with staying."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import ndtri  # the normal quantile, without importing scipy.stats

from saasmetrics._kernels.retention import (
    behaviour_counts,
    pair_threshold_counts,
    threshold_counts,
)
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import (
    check_float,
    check_int,
    check_positive_timedelta,
)
from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import (
    EmptyDataError,
    InputError,
    ParameterError,
    SaasMetricsWarning,
)
from saasmetrics.retention._common import Encoded, as_of_ns, encode, first_time
from saasmetrics.typing import FrameLike, OnInvalid, TimedeltaLike

__all__ = (
    "STRENGTH_BANDS",
    "FeatureRetention",
    "MagicNumbers",
    "feature_retention",
    "magic_number_search",
)

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

STRENGTH_BANDS = (
    (0.4, "highly predictive"),
    (0.3, "moderately predictive"),
    (0.2, "slightly predictive"),
)
"""Amplitude Compass' bands for phi: >= 0.4 highly, 0.3-0.4 moderately, 0.2-0.3 slightly."""

RetainedSpec = (
    tuple[TimedeltaLike, TimedeltaLike] | list[TimedeltaLike] | pd.Series | Mapping[Any, Any]
)


@dataclass(frozen=True, slots=True)
class _Prepared:
    log: Encoded
    eligible: npt.NDArray[np.bool_]
    retained: npt.NDArray[np.bool_]
    cells: tuple[I64, I64, I64]  # user, event, capped count (eligible users, window rows)
    codes: I64  # candidate event codes
    n_excluded: int
    description: str


def _no_bare_number(name: str, value: Any) -> None:
    """Refuse a plain number as a duration: pandas would read ``7`` as 7 nanoseconds."""
    if isinstance(value, np.timedelta64 | np.datetime64 | bool):
        return
    if isinstance(value, int | float | np.number):
        raise ParameterError(
            f"{name}={value!r} is a number, not a duration (pandas would read it as "
            f"{value} nanoseconds).",
            hint=f"write the unit, e.g. '{value}D' or pd.Timedelta(days={value}).",
        )


def _retained_from_window(
    spec: tuple[Any, Any], log: Encoded, wall: I64, start: I64
) -> tuple[npt.NDArray[np.bool_], int, int]:
    if len(spec) != 2:
        raise ParameterError(f"retained must be a (start, end) pair of durations; got {spec!r}.")
    _no_bare_number("retained start", spec[0])
    _no_bare_number("retained end", spec[1])
    try:
        lo = pd.Timedelta(spec[0])
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"retained start {spec[0]!r} is not a duration.") from exc
    hi = check_positive_timedelta("retained end", spec[1])
    if pd.isna(lo) or lo < pd.Timedelta(0) or lo >= hi:
        raise ParameterError(
            f"retained=({spec[0]!r}, {spec[1]!r}) is not a window: start must be >= 0 and "
            "before end.",
            hint="e.g. retained=('7D', '14D') for activity in the second week.",
        )
    rel = wall - start[log.user_codes]
    hit = (rel >= lo.value) & (rel < hi.value)
    retained = np.bincount(log.user_codes[hit], minlength=log.n_users) > 0
    return retained, int(lo.value), int(hi.value)


_MAX_THRESHOLD = 10_000


def _prepare(
    events: EventLog | FrameLike,
    *,
    signup_event: Any,
    window: TimedeltaLike,
    retained: RetainedSpec,
    candidates: Sequence[Any] | None,
    max_threshold: int,
    as_of: Any,
    user_col: str,
    time_col: str,
    event_col: str,
    on_invalid: OnInvalid,
) -> _Prepared:
    # one table row per (event, threshold): a bound keeps the table (and memory) finite
    check_int("max_threshold", max_threshold, min_value=1, max_value=_MAX_THRESHOLD)
    _no_bare_number("window", window)
    window_ns = int(check_positive_timedelta("window", window).value)
    log = encode(
        events,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        on_invalid=on_invalid,
    )
    if candidates is not None:
        if isinstance(candidates, str):
            candidates = [candidates]
        codes = np.array(sorted({log.event_code(c) for c in candidates}), dtype=np.int64)
        if codes.size == 0:
            raise ParameterError("candidates is empty.", hint="name at least one event.")
    else:
        skip = log.event_code(signup_event) if signup_event is not None else -1
        codes = np.array([c for c in range(log.n_event_types) if c != skip], dtype=np.int64)
    wall = log.wall
    end = as_of_ns(log, as_of, wall)
    start, has = first_time(log, signup_event)
    start = np.where(has, start, end)
    if isinstance(retained, tuple | list):
        # a list has no user ids, so it can only be the (start, end) window
        retained = tuple(retained)
        flags, lo, horizon = _retained_from_window(retained, log, wall, start)
        if window_ns > lo:
            warnings.warn(
                f"The behaviour window ({_label(window)}) overlaps the retention window "
                f"(from {_label(retained[0])}): activity there counts as both behaviour and "
                "retention, which inflates phi.",
                SaasMetricsWarning,
                stacklevel=3,
            )
        known = np.ones(log.n_users, dtype=bool)
        description = f"active in [{_label(retained[0])}, {_label(retained[1])}) after start"
    else:
        series = pd.Series(retained) if not isinstance(retained, pd.Series) else retained
        if series.index.has_duplicates:
            raise InputError("retained has duplicate user ids.", hint="pass one flag per user.")
        aligned = series.reindex(log.users)
        known = aligned.notna().to_numpy()
        if not known.any():
            raise InputError(
                "retained names none of the users in the events "
                f"(e.g. {list(series.index[:3])!r} vs {list(log.users[:3])!r}).",
                hint="index retained by the same user ids as the events (same type too).",
            )
        values = aligned[known]
        if not (pd.api.types.is_bool_dtype(values.dtype) or values.isin([0, 1]).all()):
            raise InputError("retained must hold booleans (True = retained).")
        flags = np.zeros(log.n_users, dtype=bool)
        flags[known] = values.to_numpy(dtype=bool)
        horizon = 0
        description = "given per user"
    need = max(window_ns, horizon)
    span = end - int(start[has].min()) if has.any() else 0
    if need > span:
        raise ParameterError(
            f"The behaviour window ({pd.Timedelta(window_ns)}) and retention window (to "
            f"{pd.Timedelta(horizon)}) need {pd.Timedelta(need)} after a user's start, but the "
            f"data span only {pd.Timedelta(max(span, 0))}.",
            hint="shorten window or retained, or pass more data.",
        )
    eligible = has & known & (start + need <= end)
    n_excluded = int(log.n_users - eligible.sum())
    if not eligible.any():
        raise EmptyDataError(
            "No user has both windows inside the data: every user started less than "
            f"{pd.Timedelta(need)} before {pd.Timestamp(end)}.",
            hint="shorten window or retained, or set as_of.",
        )
    user = log.user_codes
    rel = wall - start[user]
    in_window = eligible[user] & (rel >= 0) & (rel < window_ns)
    is_candidate = np.zeros(log.n_event_types, dtype=bool)
    is_candidate[codes] = True
    in_window &= is_candidate[log.event_codes]
    idx = np.flatnonzero(in_window)
    cells = behaviour_counts(
        user[idx], log.event_codes[idx], log.n_users, log.n_event_types, max_threshold
    )
    return _Prepared(
        log=log,
        eligible=eligible,
        retained=flags & eligible,
        cells=cells,
        codes=codes,
        n_excluded=n_excluded,
        description=description,
    )


def _warn_one_sided(n_pos: float, n_neg: float, description: str) -> None:
    """Warn when every analysed user was retained, or none was: nothing to correlate with."""
    if n_pos > 0 and n_neg > 0:
        return
    which = "every" if n_neg == 0 else "no"
    warnings.warn(
        f"{which.capitalize()} analysed user is retained ({description}; "
        f"{int(n_pos + n_neg)} users), so phi, lift and the other measures are undefined (NaN).",
        SaasMetricsWarning,
        stacklevel=3,
    )


def _label(duration: Any) -> str:
    """A duration as the user wrote it ("7D"), or pandas' text for other types."""
    return duration if isinstance(duration, str) else str(pd.Timedelta(duration))


def _strength(phi: F64) -> npt.NDArray[np.object_]:
    out = np.full(phi.shape, "not predictive", dtype=object)
    for bound, label in STRENGTH_BANDS[::-1]:
        out[phi >= bound] = label
    return out


def _two_by_two(tp: F64, fp: F64, n_pos: float, n_neg: float, level: float) -> dict[str, F64]:
    """Every statistic of a batch of 2x2 tables (did / did not x retained / not)."""
    fn = n_pos - tp
    tn = n_neg - fp
    n = n_pos + n_neg
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = np.sqrt((tp + fp) * (fn + tn) * (tp + fn) * (fp + tn))
        phi = np.where(denominator > 0, (tp * tn - fp * fn) / denominator, np.nan)
        z = np.arctanh(np.clip(phi, -1 + 1e-12, 1 - 1e-12))
        half = ndtri(0.5 + level / 2) / np.sqrt(max(n - 3.0, 1.0))
        ppv = tp / (tp + fp)
        base = n_pos / n
        return {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
            "phi": phi,
            "phi_low": np.tanh(z - half),
            "phi_high": np.tanh(z + half),
            "ppv": ppv,
            "sensitivity": tp / n_pos,
            "npv": tn / (tn + fn),
            "specificity": tn / n_neg,
            "share": (tp + fp) / n,
            "lift": ppv / base,
            "odds_ratio": (tp * tn) / (fp * fn),
        }


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class MagicNumbers(ResultMixin):
    """Early behaviours ranked by how well they predict retention (phi).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per behaviour, best first: ``event``, ``threshold`` (and ``event_2``,
        ``threshold_2`` for pairs), ``tp``, ``fp``, ``fn``, ``tn``, ``phi``, ``phi_low``,
        ``phi_high``, ``ppv``, ``sensitivity``, ``npv``, ``specificity``, ``share``, ``lift``,
        ``odds_ratio``, ``strength``.
    window : str
        Behaviour window after each user's start.
    retained : str
        The retention definition.
    n_users, n_retained : int
        Users analysed, and how many of them were retained.
    n_excluded : int
        Users left out (windows past the end of the data, no signup event, or no flag).
    n_below_support : int
        Behaviours dropped for being done by fewer than ``min_support`` (or more than
        ``1 - min_support``) of the users.
    min_support, confidence_level : float
        Settings used.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.retention import magic_number_search
    >>> t0 = pd.Timestamp("2024-01-01")
    >>> rows = [(u, t0, "signup") for u in range(20)]
    >>> rows += [(u, t0 + pd.Timedelta(hours=1), "invite") for u in range(10)]
    >>> rows += [(u, t0 + pd.Timedelta(days=8), "login") for u in range(8)]
    >>> rows += [(19, t0 + pd.Timedelta(days=20), "login")]
    >>> events = pd.DataFrame(rows, columns=["user_id", "timestamp", "event"])
    >>> result = magic_number_search(events, signup_event="signup")
    >>> result
    MagicNumbers(users=20, behaviours=1, best='invite >= 1', phi=0.816)
    >>> result.best[["tp", "fp", "fn", "tn"]].astype(int).tolist()
    [8, 2, 0, 10]
    """

    table: pd.DataFrame
    window: str
    retained: str
    n_users: int
    n_retained: int
    n_excluded: int
    n_below_support: int
    min_support: float
    confidence_level: float

    def to_frame(self) -> pd.DataFrame:
        """The ranked behaviours (a new frame).

        Returns
        -------
        pandas.DataFrame
            As :attr:`table`.
        """
        return self.table.copy()

    @property
    def best(self) -> pd.Series:
        """The top-ranked behaviour (a row of :attr:`table`)."""
        if self.table.empty:
            raise EmptyDataError("No behaviour passed the support filter.")
        return self.table.iloc[0].copy()

    def _summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {"users": self.n_users, "behaviours": len(self.table)}
        if not self.table.empty:
            top = self.table.iloc[0]
            summary["best"] = f"{top['event']} >= {int(top['threshold'])}"
            summary["phi"] = round(float(top["phi"]), 3)
        return summary

    def plot(self, ax: Any = None, *, top: int = 5) -> Any:
        """Phi by threshold for the ``top`` events (single behaviours), with the bands.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        top : int, default 5
            How many events (the best by their best phi).

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.
        """
        ax = get_axes(ax)
        singles = self.table
        if "event_2" in singles.columns:
            singles = singles[singles["event_2"].isna()]
        order = singles.groupby("event", sort=False)["phi"].max().sort_values(ascending=False)
        for i, event in enumerate(order.index[:top]):
            rows = singles[singles["event"] == event].sort_values("threshold")
            ax.plot(
                rows["threshold"],
                rows["phi"],
                marker="o",
                label=str(event),
                color=PALETTE[i % len(PALETTE)],
            )
        for bound, _ in STRENGTH_BANDS:
            ax.axhline(bound, color="#94a3b8", linestyle=":", linewidth=1)
        ax.set_xlabel(f"did the event at least n times within {self.window}")
        ax.set_ylabel("phi with retention")
        ax.set_title("Magic number search")
        if len(order):
            ax.legend(frameon=False, fontsize="small")
        return ax


def magic_number_search(
    events: EventLog | FrameLike,
    *,
    signup_event: Any = None,
    window: TimedeltaLike = "7D",
    retained: RetainedSpec = ("7D", "14D"),
    candidates: Sequence[Any] | None = None,
    max_threshold: int = 20,
    combinations: int = 1,
    min_support: float = 0.02,
    confidence_level: float = 0.95,
    as_of: Any = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    on_invalid: OnInvalid = "raise",
) -> MagicNumbers:
    r"""Find the early behaviour that best predicts retention ("the magic number").

    For every candidate event ``E`` and threshold ``n``, the behaviour "did ``E`` at least
    ``n`` times within ``window`` of the user's start" is crossed with "retained"; each 2x2
    table gives phi (the Matthews correlation), PPV, sensitivity, NPV, specificity, the share of
    users doing it, lift and the odds ratio. Behaviours are ranked by phi.

    Parameters
    ----------
    events : EventLog or DataFrame-like
        One row per event.
    signup_event : str, optional
        The event that starts a user's clock (users without it are left out). Default: the
        user's first event. It is not a candidate itself.
    window : str or timedelta, default "7D"
        Behaviour window ``[start, start + window)``.
    retained : (start, end) pair of durations, or boolean Series / mapping by user id
        A pair (tuple or list) is a window after each user's start. Default ``("7D", "14D")``:
        any event in ``[start + 7D, start + 14D)`` (second-week retention). A per-user boolean
        (e.g. "still subscribed at day 30") is used as given; users it does not name are left
        out.
    candidates : sequence of str, optional
        Events to test (default: all but ``signup_event``).
    max_threshold : int, default 20
        Largest ``n``; counts above it are capped.
    combinations : {1, 2}, default 1
        ``2`` adds pairs "did ``E`` >= ``n`` and ``F`` >= ``m``" (columns ``event_2``,
        ``threshold_2``).
    min_support : float, default 0.02
        Drop behaviours done by fewer than this share of users, or by more than
        ``1 - min_support`` (so rare behaviours do not top the list).
    confidence_level : float, default 0.95
        Of the phi interval.
    as_of : timestamp, optional
        End of the data (default: last event). Users whose windows reach past it are left
        out and counted in ``n_excluded``.
    user_col, time_col, event_col : str
        Column roles when ``events`` is a frame.
    on_invalid : {"raise", "drop"}, default "raise"
        What to do with null ids, names or timestamps.

    Returns
    -------
    MagicNumbers
        ``to_frame()``: one row per behaviour, best first; ``best``; ``plot()``.

    Raises
    ------
    ParameterError
        For windows <= 0, an unknown event, a retention window longer than the data allows,
        ``combinations`` not 1 or 2, ``min_support`` outside ``[0, 0.5)``.
    EmptyDataError
        If no user has both windows inside the data.
    InputError
        If a per-user ``retained`` names none of the users or is not boolean.

    Warns
    -----
    SaasMetricsWarning
        If the behaviour window reaches into the retention window (activity there would count
        as both).
        If every analysed user was retained, or none was (phi and the rest are then NaN).

    Notes
    -----
    With ``tp`` (did it, retained), ``fp`` (did it, not retained), ``fn``, ``tn``:

    $$\phi = \frac{tp \cdot tn - fp \cdot fn}
                 {\sqrt{(tp + fp)(fn + tn)(tp + fn)(fp + tn)}}$$

    The interval is Fisher's: $\tanh(\operatorname{atanh}\phi \pm z / \sqrt{n - 3})$. Strength
    bands follow Amplitude Compass: phi >= 0.4 highly, 0.3-0.4 moderately, 0.2-0.3 slightly
    predictive. Correlation is not causation: a behaviour can mark the users who were going to
    stay anyway. Test it (an experiment) before steering the product towards it.

    All events and thresholds are counted at once: per-(user, event) counts in the window are
    histogrammed per event and retention flag, and reverse cumulative sums give "at least n".

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.retention import magic_number_search
    >>> rows = []
    >>> for i in range(40):
    ...     start = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=i)
    ...     rows.append((i, start, "signup"))
    ...     invites = i % 4
    ...     rows += [(i, start + pd.Timedelta(hours=1 + k), "invite") for k in range(invites)]
    ...     if invites >= 2:
    ...         rows.append((i, start + pd.Timedelta(days=9), "login"))
    ...     rows.append((i, start + pd.Timedelta(days=1), "login"))
    >>> rows.append((0, pd.Timestamp("2024-02-01"), "login"))
    >>> events = pd.DataFrame(rows, columns=["user_id", "timestamp", "event"])
    >>> result = magic_number_search(events, signup_event="signup", max_threshold=3)
    >>> result.to_frame()[["event", "threshold", "tp", "fp", "phi", "strength"]].head(2)
        event  threshold  tp  fp  phi           strength
    0  invite          2  20   0  1.0  highly predictive
    1  invite          1  20  10  0.57...  highly predictive
    """
    if combinations not in (1, 2):
        raise ParameterError(f"combinations must be 1 or 2; got {combinations!r}.")
    check_float("min_support", min_support)
    if not 0 <= min_support < 0.5:
        raise ParameterError(f"min_support must be in [0, 0.5); got {min_support!r}.")
    check_float("confidence_level", confidence_level)
    if not 0 < confidence_level < 1:
        raise ParameterError(f"confidence_level must be in (0, 1); got {confidence_level!r}.")
    prep = _prepare(
        events,
        signup_event=signup_event,
        window=window,
        retained=retained,
        candidates=candidates,
        max_threshold=max_threshold,
        as_of=as_of,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        on_invalid=on_invalid,
    )
    log = prep.log
    n_events = log.n_event_types
    n_pos = float(prep.retained.sum())
    n_neg = float(prep.eligible.sum()) - n_pos
    _warn_one_sided(n_pos, n_neg, prep.description)
    user, event, count = prep.cells
    flag = prep.retained[user]
    tp1, fp1 = threshold_counts(event, count, flag, n_events, max_threshold)
    thresholds = np.arange(1, max_threshold + 1)
    ev = np.repeat(prep.codes, max_threshold)
    th = np.tile(thresholds, prep.codes.size)
    parts = {
        "event": log.events.take(ev).to_numpy(dtype=object),
        "threshold": th,
        "tp": tp1[ev, th].astype(np.float64),
        "fp": fp1[ev, th].astype(np.float64),
    }
    frame = pd.DataFrame(parts)
    if combinations == 2:
        # count pairs over the candidates only: the kernel's grid is events^2 x thresholds^2
        position = np.full(n_events, -1, dtype=np.int64)
        position[prep.codes] = np.arange(prep.codes.size)  # codes ascend: cell order is kept
        tp2, fp2 = pair_threshold_counts(
            user, position[event], count, flag, n_events=prep.codes.size, max_count=max_threshold
        )
        a_idx, b_idx = np.triu_indices(prep.codes.size, k=1)
        n_t = max_threshold
        pa = np.repeat(a_idx, n_t * n_t)
        pb = np.repeat(b_idx, n_t * n_t)
        na = np.tile(np.repeat(thresholds, n_t), a_idx.size)
        nb = np.tile(np.tile(thresholds, n_t), a_idx.size)
        pairs = pd.DataFrame(
            {
                "event": log.events.take(prep.codes[pa]).to_numpy(dtype=object),
                "threshold": na,
                "event_2": log.events.take(prep.codes[pb]).to_numpy(dtype=object),
                "threshold_2": nb.astype(np.float64),
                "tp": tp2[pa, pb, na, nb].astype(np.float64),
                "fp": fp2[pa, pb, na, nb].astype(np.float64),
            }
        )
        frame["event_2"] = pd.Series([None] * len(frame), dtype=object)
        frame["threshold_2"] = np.nan
        frame = pd.concat([frame, pairs], ignore_index=True)
    stats = _two_by_two(
        frame["tp"].to_numpy(), frame["fp"].to_numpy(), n_pos, n_neg, confidence_level
    )
    for name, values in stats.items():
        frame[name] = values
    share = frame["share"].to_numpy()
    supported = (share >= max(min_support, 1e-12)) & (share <= 1 - min_support)
    n_below = int((~supported).sum())
    frame = frame.loc[supported]
    frame = frame.assign(strength=_strength(frame["phi"].to_numpy()))
    for col in ("tp", "fp", "fn", "tn"):
        frame[col] = frame[col].astype(np.int64)
    leading = ["event", "threshold"] + (["event_2", "threshold_2"] if combinations == 2 else [])
    frame = frame[leading + [c for c in frame.columns if c not in leading]]
    frame = frame.sort_values(
        ["phi", "threshold", "event"],
        ascending=[False, True, True],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    return MagicNumbers(
        table=frame,
        window=_label(window),
        retained=prep.description,
        n_users=int(prep.eligible.sum()),
        n_retained=int(n_pos),
        n_excluded=prep.n_excluded,
        n_below_support=n_below,
        min_support=float(min_support),
        confidence_level=float(confidence_level),
    )


def _wilson(k: F64, n: F64, z: float) -> tuple[F64, F64]:
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


CORRELATION_NOTE = (
    "Correlation, not causation: users who adopt a feature early may be the ones who would "
    "have stayed anyway. Confirm with an experiment before acting on a lift."
)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class FeatureRetention(ResultMixin):
    """Retention of users who used each feature early vs those who did not.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per feature: ``feature``, ``users_with``, ``users_without``, ``rate_with``,
        ``rate_with_low``, ``rate_with_high``, ``rate_without``, ``rate_without_low``,
        ``rate_without_high``, ``difference``, ``difference_low``, ``difference_high``,
        ``lift``, ``lift_low``, ``lift_high``, ``phi``; sorted by lift.
    window, retained : str
        The early-use window and the retention definition.
    n_users, n_excluded : int
        Users analysed and users left out.
    confidence_level : float
        Of every interval.
    note : str
        The correlation caveat, shown with the result.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.retention import feature_retention
    >>> t0 = pd.Timestamp("2024-01-01")
    >>> rows = [(u, t0, "signup") for u in range(20)]
    >>> rows += [(u, t0 + pd.Timedelta(hours=1), "export") for u in range(10)]
    >>> rows += [(u, t0 + pd.Timedelta(days=8), "login") for u in range(5, 13)]
    >>> rows += [(19, t0 + pd.Timedelta(days=20), "login")]
    >>> events = pd.DataFrame(rows, columns=["user_id", "timestamp", "event"])
    >>> result = feature_retention(events, ["export"], signup_event="signup")
    >>> result
    FeatureRetention(features=1, users=20, note='correlation')
    >>> row = result.to_frame().loc[0, ["rate_with", "rate_without", "lift"]]
    >>> row.astype(float).round(3).tolist()
    [0.5, 0.3, 1.667]
    """

    table: pd.DataFrame
    window: str
    retained: str
    n_users: int
    n_excluded: int
    confidence_level: float
    note: str = CORRELATION_NOTE

    def to_frame(self) -> pd.DataFrame:
        """The per-feature comparison (a new frame).

        Returns
        -------
        pandas.DataFrame
            As :attr:`table`.
        """
        return self.table.copy()

    def _summary(self) -> dict[str, Any]:
        return {"features": len(self.table), "users": self.n_users, "note": "correlation"}

    def plot(self, ax: Any = None) -> Any:
        """Retention with and without each feature, with intervals.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.
        """
        ax = get_axes(ax)
        t = self.table
        y = np.arange(len(t))
        for offset, (col, label, color) in enumerate(
            (("rate_with", "used early", PALETTE[0]), ("rate_without", "did not", PALETTE[1]))
        ):
            values = t[col].to_numpy(dtype=np.float64)
            err = np.vstack(
                [
                    values - t[f"{col}_low"].to_numpy(dtype=np.float64),
                    t[f"{col}_high"].to_numpy(dtype=np.float64) - values,
                ]
            )
            ax.errorbar(
                values,
                y + 0.15 - 0.3 * offset,
                xerr=err,
                fmt="o",
                color=color,
                label=label,
                capsize=3,
            )
        ax.set_yticks(y, [str(f) for f in t["feature"]])
        ax.invert_yaxis()
        ax.set_xlabel(f"retained ({self.retained})")
        ax.set_title("Retention by early feature use (correlation, not causation)")
        ax.legend(frameon=False, fontsize="small")
        return ax


def feature_retention(
    events: EventLog | FrameLike,
    features: Sequence[Any],
    *,
    signup_event: Any = None,
    window: TimedeltaLike = "7D",
    retained: RetainedSpec = ("7D", "14D"),
    confidence_level: float = 0.95,
    as_of: Any = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    event_col: str = "event",
    on_invalid: OnInvalid = "raise",
) -> FeatureRetention:
    r"""Retention of users who used each feature within ``window`` of their start vs not.

    Parameters
    ----------
    events : EventLog or DataFrame-like
        One row per event.
    features : sequence of str
        Event names, one per feature.
    signup_event, window, retained, as_of
        As for :func:`magic_number_search` (defaults: first event, ``"7D"``,
        second-week activity).
    confidence_level : float, default 0.95
        Of the Wilson intervals of each rate, Newcombe's interval of the difference and the
        Katz (log) interval of the lift.
    user_col, time_col, event_col, on_invalid
        As for :func:`cohort_table`.

    Returns
    -------
    FeatureRetention
        ``to_frame()`` (one row per feature, highest lift first), ``plot()``, and ``note``:
        this is correlation, not causation.

    Raises
    ------
    ParameterError
        For an unknown feature, or windows as in :func:`magic_number_search`.
    EmptyDataError
        If no user has both windows inside the data.

    Notes
    -----
    $$\text{lift} = \frac{r_\text{with}}{r_\text{without}}, \qquad
      \operatorname{SE}(\log \text{lift}) = \sqrt{\tfrac{1}{a} - \tfrac{1}{n_1}
      + \tfrac{1}{c} - \tfrac{1}{n_0}}$$

    where $a$ of $n_1$ users with the feature and $c$ of $n_0$ without were retained.

    Examples
    --------
    >>> import pandas as pd
    >>> from saasmetrics.retention import feature_retention
    >>> rows = []
    >>> for i in range(60):
    ...     t0 = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=i)
    ...     rows.append((i, t0, "signup"))
    ...     if i % 3 == 0:
    ...         rows.append((i, t0 + pd.Timedelta(hours=2), "export"))
    ...     if i % 3 == 0 or i % 5 == 0:
    ...         rows.append((i, t0 + pd.Timedelta(days=8), "login"))
    >>> rows.append((0, pd.Timestamp("2024-02-01"), "login"))
    >>> events = pd.DataFrame(rows, columns=["user_id", "timestamp", "event"])
    >>> res = feature_retention(events, ["export"], signup_event="signup")
    >>> res.to_frame()[["feature", "users_with", "rate_with", "rate_without", "lift"]].round(2)
      feature  users_with  rate_with  rate_without  lift
    0  export          20        1.0           0.2   5.0
    """
    check_float("confidence_level", confidence_level)
    if not 0 < confidence_level < 1:
        raise ParameterError(f"confidence_level must be in (0, 1); got {confidence_level!r}.")
    if isinstance(features, str):
        features = [features]
    if not isinstance(features, Sequence | np.ndarray | pd.Index | pd.Series):
        raise ParameterError(
            f"features must be a list of event names; got {type(features).__name__}.",
            hint="e.g. features=['invite', 'export'].",
        )
    if len(features) == 0:
        raise ParameterError("features is empty.", hint="name at least one event.")
    prep = _prepare(
        events,
        signup_event=signup_event,
        window=window,
        retained=retained,
        candidates=features,
        max_threshold=1,
        as_of=as_of,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        on_invalid=on_invalid,
    )
    log = prep.log
    user, event, count = prep.cells
    tp, fp = threshold_counts(event, count, prep.retained[user], log.n_event_types, 1)
    codes = np.array([log.event_code(f) for f in features], dtype=np.int64)
    n_pos = float(prep.retained.sum())
    n_all = float(prep.eligible.sum())
    a = tp[codes, 1].astype(np.float64)
    n1 = a + fp[codes, 1]
    c = n_pos - a
    n0 = n_all - n1
    z = float(ndtri(0.5 + confidence_level / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        r1, r0 = a / n1, c / n0
        l1, u1 = _wilson(a, n1, z)
        l0, u0 = _wilson(c, n0, z)
        diff = r1 - r0
        lift = r1 / r0
        se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
        diff_low = diff - np.sqrt((r1 - l1) ** 2 + (u0 - r0) ** 2)
        diff_high = diff + np.sqrt((u1 - r1) ** 2 + (r0 - l0) ** 2)
        lift_low = lift * np.exp(-z * se)
        lift_high = lift * np.exp(z * se)
    stats = _two_by_two(a, fp[codes, 1].astype(np.float64), n_pos, n_all - n_pos, 0.95)
    table = pd.DataFrame(
        {
            "feature": [str(f) for f in features],
            "users_with": n1.astype(np.int64),
            "users_without": n0.astype(np.int64),
            "rate_with": r1,
            "rate_with_low": l1,
            "rate_with_high": u1,
            "rate_without": r0,
            "rate_without_low": l0,
            "rate_without_high": u0,
            "difference": diff,
            "difference_low": diff_low,
            "difference_high": diff_high,
            "lift": lift,
            "lift_low": lift_low,
            "lift_high": lift_high,
            "phi": stats["phi"],
        }
    )
    table = table.sort_values("lift", ascending=False, na_position="last", kind="stable")
    return FeatureRetention(
        table=table.reset_index(drop=True),
        window=_label(window),
        retained=prep.description,
        n_users=int(n_all),
        n_excluded=prep.n_excluded,
        confidence_level=float(confidence_level),
    )
