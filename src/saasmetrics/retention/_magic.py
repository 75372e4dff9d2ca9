"""Magic-number search and feature retention: which early behaviour goes with staying."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import ndtri  # the normal quantile, without importing scipy.stats

from saasmetrics._kernels.parallel import block_bounds, in_threads
from saasmetrics._kernels.proportions import newcombe_difference, wilson_interval
from saasmetrics._kernels.retention import (
    behaviour_keys,
    counts_of_pairs,
    pair_threshold_counts,
    threshold_counts,
)
from saasmetrics._plotting import PALETTE, duration_label, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import (
    check_float,
    check_int,
    check_positive_timedelta,
)
from saasmetrics.config import get_threads
from saasmetrics.eventlog import EventLog
from saasmetrics.exceptions import (
    EmptyDataError,
    InputError,
    ParameterError,
    SaasMetricsWarning,
)
from saasmetrics.retention._common import Encoded, as_of_ns, encode, first_time
from saasmetrics.scale import Analysis, register, run
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
class _Options:
    """The options of a behaviour-vs-retention analysis, checked once."""

    signup_event: Any
    window_ns: int
    window_label: str
    retained_window: tuple[int, int] | None  # (lo, hi) ns after start, or None: given per user
    retained_flags: pd.Series | None
    description: str
    candidates: tuple[Any, ...] | None
    max_threshold: int
    pairs: bool
    as_of: Any


@dataclass(frozen=True, slots=True)
class _BehaviourPartial:
    """What a chunk of whole users contributes to a magic-number search or feature retention.

    ``names`` are the candidate events (sorted); ``tp`` / ``fp`` count retained / not retained
    users doing each at least ``n`` times (``(events, max_threshold + 1)``), ``tp2`` / ``fp2``
    the same for pairs (``(events, events, n + 1, n + 1)``) when asked for. ``present`` says
    which names occur in the data; the ``n_*`` are user counts.
    """

    names: tuple[Any, ...]
    present: npt.NDArray[np.bool_]
    tp: I64
    fp: I64
    tp2: I64 | None
    fp2: I64 | None
    n_users: int
    n_known: int
    n_eligible: int
    n_retained: int
    knows_signup: bool
    user_examples: tuple[Any, ...]


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


def _as_name(event: Any) -> Any:
    return event if isinstance(event, str) or event is None else str(event)


def _sorted_names(names: set[Any]) -> tuple[Any, ...]:
    try:
        return tuple(sorted(names))
    except TypeError:
        return tuple(sorted(names, key=repr))


def _spread(part: _BehaviourPartial, names: tuple[Any, ...]) -> _BehaviourPartial:
    """``part`` re-indexed on ``names`` (a superset of its own), zeros where it had none."""
    if part.names == names:
        return part
    where = pd.Index(names).get_indexer(pd.Index(part.names))
    n = len(names)
    tp = np.zeros((n, part.tp.shape[1]), dtype=np.int64)
    fp = np.zeros_like(tp)
    tp[where], fp[where] = part.tp, part.fp
    present = np.zeros(n, dtype=bool)
    present[where] = part.present
    tp2 = fp2 = None
    if part.tp2 is not None and part.fp2 is not None:
        shape = (n, n, *part.tp2.shape[2:])
        tp2, fp2 = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
        grid = np.ix_(where, where)
        tp2[grid], fp2[grid] = part.tp2, part.fp2
    return _BehaviourPartial(
        names,
        present,
        tp,
        fp,
        tp2,
        fp2,
        part.n_users,
        part.n_known,
        part.n_eligible,
        part.n_retained,
        part.knows_signup,
        part.user_examples,
    )


def _merge_behaviours(a: _BehaviourPartial, b: _BehaviourPartial) -> _BehaviourPartial:
    names = _sorted_names(set(a.names) | set(b.names))
    x, y = _spread(a, names), _spread(b, names)
    both = x.tp2 is not None and y.tp2 is not None
    return _BehaviourPartial(
        names=names,
        present=x.present | y.present,
        tp=x.tp + y.tp,
        fp=x.fp + y.fp,
        tp2=x.tp2 + y.tp2 if both else None,  # type: ignore[operator]
        fp2=x.fp2 + y.fp2 if both else None,  # type: ignore[operator]
        n_users=a.n_users + b.n_users,
        n_known=a.n_known + b.n_known,
        n_eligible=a.n_eligible + b.n_eligible,
        n_retained=a.n_retained + b.n_retained,
        knows_signup=a.knows_signup or b.knows_signup,
        user_examples=_sorted_names(set(a.user_examples) | set(b.user_examples))[:3],
    )


_MAX_THRESHOLD = 10_000


def _check_options(
    *,
    signup_event: Any,
    window: TimedeltaLike,
    retained: RetainedSpec,
    candidates: Sequence[Any] | None,
    max_threshold: int,
    pairs: bool,
    as_of: Any,
) -> _Options:
    """Check the options once (for every chunk), and warn about overlapping windows."""
    # one table row per (event, threshold): a bound keeps the table (and memory) finite
    check_int("max_threshold", max_threshold, min_value=1, max_value=_MAX_THRESHOLD)
    _no_bare_number("window", window)
    window_ns = int(check_positive_timedelta("window", window).value)
    if candidates is not None:
        if isinstance(candidates, str):
            candidates = [candidates]
        if len(candidates) == 0:
            raise ParameterError("candidates is empty.", hint="name at least one event.")
    retained_window = None
    flags = None
    if isinstance(retained, tuple | list):
        # a list has no user ids, so it can only be the (start, end) window
        retained = tuple(retained)
        lo, hi = _retained_window(retained)
        if window_ns > lo:
            warnings.warn(
                f"The behaviour window ({_label(window)}) overlaps the retention window "
                f"(from {_label(retained[0])}): activity there counts as both behaviour and "
                "retention, which inflates phi.",
                SaasMetricsWarning,
                stacklevel=4,
            )
        retained_window = (lo, hi)
        description = f"active in [{_label(retained[0])}, {_label(retained[1])}) after start"
    else:
        series = pd.Series(retained) if not isinstance(retained, pd.Series) else retained
        if series.index.has_duplicates:
            raise InputError("retained has duplicate user ids.", hint="pass one flag per user.")
        values = series.dropna()
        if not (pd.api.types.is_bool_dtype(values.dtype) or values.isin([0, 1]).all()):
            raise InputError("retained must hold booleans (True = retained).")
        flags = series
        description = "given per user"
    return _Options(
        signup_event=signup_event,
        window_ns=window_ns,
        window_label=_label(window),
        retained_window=retained_window,
        retained_flags=flags,
        description=description,
        # event names are stored as text (EventLog): the candidate 3 is the event "3"
        candidates=None if candidates is None else tuple(_as_name(c) for c in candidates),
        max_threshold=int(max_threshold),
        pairs=pairs,
        as_of=as_of,
    )


def _retained_window(spec: tuple[Any, ...]) -> tuple[int, int]:
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
    return int(lo.value), int(hi.value)


def _knows(log: Encoded, event: Any) -> bool:
    try:
        log.event_code(event)
    except ParameterError:
        return False
    return True


def _starts(log: Encoded, signup_event: Any) -> tuple[I64, npt.NDArray[np.bool_], bool]:
    """Each user's start, who has one, and whether the chunk has the signup event at all."""
    if signup_event is not None and not _knows(log, signup_event):
        return np.zeros(log.n_users, dtype=np.int64), np.zeros(log.n_users, dtype=bool), False
    start, has = first_time(log, signup_event)
    return start, has, True


_NO_START = np.iinfo(np.int64).max


def _behaviour_context(log: Encoded, o: _Options) -> tuple[int, int]:
    """(end of observation, earliest start) of a chunk; merged by (max, min)."""
    end = as_of_ns(log, o.as_of, log.wall)
    start, has, _ = _starts(log, o.signup_event)
    return end, int(start[has].min()) if has.any() else _NO_START


def _merge_context(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return max(a[0], b[0]), min(a[1], b[1])


def _need(o: _Options) -> int:
    return max(o.window_ns, o.retained_window[1] if o.retained_window else 0)


def _behaviour_partial(log: Encoded, context: tuple[int, int], o: _Options) -> _BehaviourPartial:
    """Threshold counts of one chunk of whole users (the in-memory path is the one-chunk case)."""
    end = context[0]
    wall = log.wall
    user = log.user_codes
    start, has, knows_signup = _starts(log, o.signup_event)
    if o.retained_window is not None:
        known = np.ones(log.n_users, dtype=bool)
    else:
        aligned = o.retained_flags.reindex(log.users)  # type: ignore[union-attr]
        known = aligned.notna().to_numpy()
    eligible = has & known & (start + _need(o) <= end)
    # each row's time since its user's start; users left out start after every row, so that
    # none of their rows falls in a window
    base = np.where(eligible, start, max(end, int(wall.max())) + 1)
    # candidate events of this chunk, by name
    if o.candidates is not None:
        names = _sorted_names(set(o.candidates))
        codes = np.array(
            [log.event_code(c) if _knows(log, c) else -1 for c in names], dtype=np.int64
        )
    else:
        skip = log.event_code(o.signup_event) if knows_signup and o.signup_event is not None else -1
        codes = np.array([c for c in range(log.n_event_types) if c != skip], dtype=np.int64)
        names = tuple(log.events.take(codes))
    present = codes >= 0
    n_names = len(names)
    # the candidates' rows, as positions among the names
    position = np.full(log.n_event_types, -1, dtype=np.int32)
    position[codes[present]] = np.flatnonzero(present)

    def behaviour_rows(rows: slice) -> tuple[npt.NDArray[np.signedinteger[Any]], I64 | None]:
        """The (user, candidate) keys of the rows' behaviour, and their users' retained hits."""
        block_user = user[rows]
        rel = np.take(base, block_user)
        np.subtract(wall[rows], rel, out=rel)
        idx = np.flatnonzero(_within(rel, 0, o.window_ns))
        hits = None
        if o.retained_window is not None:
            lo, hi = o.retained_window
            rel -= lo  # rel is not read again: the window test in place
            in_window = rel.view(np.uint64) < np.uint64(hi - lo)
            hits = np.bincount(block_user[in_window], minlength=log.n_users)
        event = position[log.event_codes[rows][idx]]
        candidate = event >= 0
        if not candidate.all():
            idx, event = idx[candidate], event[candidate]
        return behaviour_keys(block_user[idx], event, log.n_users, max(n_names, 1)), hits

    blocks = block_bounds(wall.size, get_threads())
    parts = in_threads(behaviour_rows, [slice(a, b) for a, b in pairwise(blocks)])
    if o.retained_window is not None:
        flags = np.sum([hits for _, hits in parts if hits is not None], axis=0) > 0
    else:
        flags = np.zeros(log.n_users, dtype=bool)
        flags[known] = aligned[known].to_numpy(dtype=bool)
    retained = flags & eligible
    keys = parts[0][0] if len(parts) == 1 else np.concatenate([k for k, _ in parts])
    keys.sort()
    # the sorted keys in ranges of whole users, each counted in a thread: the counts add up
    width = max(n_names, 1)
    users = block_bounds(log.n_users, len(parts), min_rows=1)
    # the bounds in the keys' dtype (they fit: narrow keys span n_users * width), or NumPy
    # would search a widened copy of every key
    cuts = np.searchsorted(keys, (np.asarray(users, dtype=np.int64) * width).astype(keys.dtype))

    def thresholds(i: int) -> tuple[I64, ...]:
        range_keys = keys[cuts[i] : cuts[i + 1]]
        cell_user, cell_event, count = counts_of_pairs(range_keys, width, o.max_threshold)
        flag = retained[cell_user]
        counted: tuple[I64, ...] = threshold_counts(
            cell_event, count, flag, n_names, o.max_threshold
        )
        if o.pairs:
            counted += pair_threshold_counts(
                cell_user, cell_event, count, flag, n_events=n_names, max_count=o.max_threshold
            )
        return tuple(c.astype(np.int64, copy=False) for c in counted)

    per_range = in_threads(thresholds, range(len(users) - 1))
    tp, fp, *pair_counts = (np.sum(c, axis=0) for c in zip(*per_range, strict=True))
    tp2, fp2 = pair_counts if o.pairs else (None, None)
    return _BehaviourPartial(
        names=names,
        present=present,
        tp=tp,
        fp=fp,
        tp2=tp2,
        fp2=fp2,
        n_users=log.n_users,
        n_known=int(known.sum()),
        n_eligible=int(eligible.sum()),
        n_retained=int(retained.sum()),
        knows_signup=knows_signup,
        user_examples=_sorted_names(set(log.users[:3])),
    )


def _within(rel: I64, lo: int, hi: int) -> npt.NDArray[np.bool_]:
    """``lo <= rel < hi`` (``0 <= lo < hi``) in one comparison: below ``lo`` wraps around."""
    shifted = rel - lo if lo else rel
    return shifted.view(np.uint64) < np.uint64(hi - lo)


def _check_merged(part: _BehaviourPartial, context: tuple[int, int], o: _Options) -> None:
    """The errors only the whole data can tell: unknown events, short data, nobody eligible."""
    if o.signup_event is not None and not part.knows_signup:
        raise ParameterError(f"Unknown event {o.signup_event!r} (signup_event).")
    missing = [n for n, ok in zip(part.names, part.present, strict=True) if not ok]
    if missing:
        raise ParameterError(
            f"Unknown event {missing[0]!r}"
            + (f" (and {missing[1:]!r})" if len(missing) > 1 else "")
            + ": no event in the data has that name.",
            hint="check the spelling against the event column.",
        )
    if o.retained_flags is not None and part.n_known == 0:
        raise InputError(
            "retained names none of the users in the events "
            f"(e.g. {list(o.retained_flags.index[:3])!r} vs {list(part.user_examples)!r}).",
            hint="index retained by the same user ids as the events (same type too).",
        )
    end, first_start = context
    need = _need(o)
    horizon = o.retained_window[1] if o.retained_window else 0
    span = end - first_start if first_start != _NO_START else 0
    if need > span:
        raise ParameterError(
            f"The behaviour window ({pd.Timedelta(o.window_ns)}) and retention window (to "
            f"{pd.Timedelta(horizon)}) need {pd.Timedelta(need)} after a user's start, but the "
            f"data span only {pd.Timedelta(max(span, 0))}.",
            hint="shorten window or retained, or pass more data.",
        )
    if part.n_eligible == 0:
        raise EmptyDataError(
            "No user has both windows inside the data: every user started less than "
            f"{pd.Timedelta(need)} before {pd.Timestamp(end)}.",
            hint="shorten window or retained, or set as_of.",
        )


def _warn_one_sided(n_pos: float, n_neg: float, description: str, stacklevel: int = 3) -> None:
    """Warn when every analysed user was retained, or none was: nothing to correlate with."""
    if n_pos > 0 and n_neg > 0:
        return
    which = "every" if n_neg == 0 else "no"
    warnings.warn(
        f"{which.capitalize()} analysed user is retained ({description}; "
        f"{int(n_pos + n_neg)} users), so phi, lift and the other measures are undefined (NaN).",
        SaasMetricsWarning,
        stacklevel=stacklevel,
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
        for bound, name in STRENGTH_BANDS:
            ax.axhline(bound, color="#94a3b8", linestyle=":", linewidth=1)
            ax.annotate(f"{name} (phi {bound:g})", (1.0, bound), xycoords=("axes fraction", "data"),
                        ha="right", va="bottom", fontsize=7, color="#64748b")  # fmt: skip
        ax.set_xlabel(f"did the event at least n times within {duration_label(self.window)}")
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
    partitioned_by: str | None = None,
) -> MagicNumbers:
    r"""Find the early behaviour that best predicts retention ("the magic number").

    For every candidate event ``E`` and threshold ``n``, the behaviour "did ``E`` at least
    ``n`` times within ``window`` of the user's start" is crossed with "retained"; each 2x2
    table gives phi (the Matthews correlation), PPV, sensitivity, NPV, specificity, the share of
    users doing it, lift and the odds ratio. Behaviours are ranked by phi.

    Parameters
    ----------
    events : EventLog, DataFrame-like or dask DataFrame
        One row per event (a dask DataFrame is analysed partition by partition).
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
    partitioned_by : str, optional
        For a dask DataFrame whose partitions already hold whole users: the user column (the
        shuffle by user is skipped); see :mod:`saasmetrics.scale`.

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
    plan = _magic_analysis(
        signup_event=signup_event,
        window=window,
        retained=retained,
        candidates=candidates,
        max_threshold=max_threshold,
        combinations=combinations,
        min_support=min_support,
        confidence_level=confidence_level,
        as_of=as_of,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        on_invalid=on_invalid,
        _stacklevel=5,
    )
    return run(plan, events, partitioned_by=partitioned_by)


def _encoder(
    user_col: str, time_col: str, event_col: str, on_invalid: OnInvalid
) -> Callable[[EventLog | FrameLike], Encoded]:
    def prepare(data: EventLog | FrameLike) -> Encoded:
        return encode(
            data,
            user_col=user_col,
            time_col=time_col,
            event_col=event_col,
            on_invalid=on_invalid,
            any_user_order=True,
        )

    return prepare


@register(magic_number_search)
def _magic_analysis(
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
    _stacklevel: int = 4,
) -> Analysis[_BehaviourPartial, MagicNumbers]:
    """The magic-number search as partial / merge / finalize (options checked here, once)."""
    if combinations not in (1, 2):
        raise ParameterError(f"combinations must be 1 or 2; got {combinations!r}.")
    check_float("min_support", min_support)
    if not 0 <= min_support < 0.5:
        raise ParameterError(f"min_support must be in [0, 0.5); got {min_support!r}.")
    check_float("confidence_level", confidence_level)
    if not 0 < confidence_level < 1:
        raise ParameterError(f"confidence_level must be in (0, 1); got {confidence_level!r}.")
    options = _check_options(
        signup_event=signup_event,
        window=window,
        retained=retained,
        candidates=candidates,
        max_threshold=max_threshold,
        pairs=combinations == 2,
        as_of=as_of,
    )

    def finalize(part: _BehaviourPartial, context: tuple[int, int]) -> MagicNumbers:
        _check_merged(part, context, options)
        return _magic_table(
            part, options, min_support=min_support, confidence_level=confidence_level
        )

    return Analysis(
        name="magic_number_search",
        keys=(user_col,),
        prepare=_encoder(user_col, time_col, event_col, on_invalid),
        context=lambda log: _behaviour_context(log, options),
        merge_context=_merge_context,
        partial=lambda log, context: _behaviour_partial(log, context, options),
        merge=_merge_behaviours,
        finalize=finalize,
    )


def _magic_table(
    part: _BehaviourPartial, o: _Options, *, min_support: float, confidence_level: float
) -> MagicNumbers:
    """Every behaviour's 2x2 statistics, supported ones ranked by phi."""
    max_threshold = o.max_threshold
    n_pos = float(part.n_retained)
    n_neg = float(part.n_eligible) - n_pos
    _warn_one_sided(n_pos, n_neg, o.description, stacklevel=7)
    names = np.array(part.names, dtype=object)
    n_names = len(part.names)
    thresholds = np.arange(1, max_threshold + 1)
    ev = np.repeat(np.arange(n_names), max_threshold)
    th = np.tile(thresholds, n_names)
    frame = pd.DataFrame(
        {
            "event": names[ev],
            "threshold": th,
            "tp": part.tp[ev, th].astype(np.float64),
            "fp": part.fp[ev, th].astype(np.float64),
        }
    )
    if part.tp2 is not None and part.fp2 is not None:
        a_idx, b_idx = np.triu_indices(n_names, k=1)
        n_t = max_threshold
        pa = np.repeat(a_idx, n_t * n_t)
        pb = np.repeat(b_idx, n_t * n_t)
        na = np.tile(np.repeat(thresholds, n_t), a_idx.size)
        nb = np.tile(np.tile(thresholds, n_t), a_idx.size)
        pairs = pd.DataFrame(
            {
                "event": names[pa],
                "threshold": na,
                "event_2": names[pb],
                "threshold_2": nb.astype(np.float64),
                "tp": part.tp2[pa, pb, na, nb].astype(np.float64),
                "fp": part.fp2[pa, pb, na, nb].astype(np.float64),
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
    leading = ["event", "threshold"] + (["event_2", "threshold_2"] if o.pairs else [])
    frame = frame[leading + [c for c in frame.columns if c not in leading]]
    frame = frame.sort_values(
        ["phi", "threshold", "event"],
        ascending=[False, True, True],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    return MagicNumbers(
        table=frame,
        window=o.window_label,
        retained=o.description,
        n_users=part.n_eligible,
        n_retained=part.n_retained,
        n_excluded=part.n_users - part.n_eligible,
        n_below_support=n_below,
        min_support=float(min_support),
        confidence_level=float(confidence_level),
    )


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
    partitioned_by: str | None = None,
) -> FeatureRetention:
    r"""Retention of users who used each feature within ``window`` of their start vs not.

    Parameters
    ----------
    events : EventLog, DataFrame-like or dask DataFrame
        One row per event (a dask DataFrame is analysed partition by partition).
    features : sequence of str
        Event names, one per feature.
    signup_event, window, retained, as_of
        As for :func:`magic_number_search` (defaults: first event, ``"7D"``,
        second-week activity).
    confidence_level : float, default 0.95
        Of the Wilson intervals of each rate, Newcombe's interval of the difference and the
        Katz (log) interval of the lift.
    user_col, time_col, event_col, on_invalid, partitioned_by
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
    plan = _feature_analysis(
        features,
        signup_event=signup_event,
        window=window,
        retained=retained,
        confidence_level=confidence_level,
        as_of=as_of,
        user_col=user_col,
        time_col=time_col,
        event_col=event_col,
        on_invalid=on_invalid,
    )
    return run(plan, events, partitioned_by=partitioned_by)


@register(feature_retention)
def _feature_analysis(
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
) -> Analysis[_BehaviourPartial, FeatureRetention]:
    """Feature retention as partial / merge / finalize (options checked here, once)."""
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
    feature_list = list(features)
    options = _check_options(
        signup_event=signup_event,
        window=window,
        retained=retained,
        candidates=feature_list,
        max_threshold=1,
        pairs=False,
        as_of=as_of,
    )

    def finalize(part: _BehaviourPartial, context: tuple[int, int]) -> FeatureRetention:
        _check_merged(part, context, options)
        return _feature_table(part, feature_list, options, confidence_level)

    return Analysis(
        name="feature_retention",
        keys=(user_col,),
        prepare=_encoder(user_col, time_col, event_col, on_invalid),
        context=lambda log: _behaviour_context(log, options),
        merge_context=_merge_context,
        partial=lambda log, context: _behaviour_partial(log, context, options),
        merge=_merge_behaviours,
        finalize=finalize,
    )


def _feature_table(
    part: _BehaviourPartial, features: list[Any], o: _Options, confidence_level: float
) -> FeatureRetention:
    """Rates with and without each feature, their difference and lift, with intervals."""
    rows = pd.Index(part.names).get_indexer(pd.Index([_as_name(f) for f in features]))
    n_pos = float(part.n_retained)
    n_all = float(part.n_eligible)
    a = part.tp[rows, 1].astype(np.float64)
    n1 = a + part.fp[rows, 1]
    c = n_pos - a
    n0 = n_all - n1
    z = float(ndtri(0.5 + confidence_level / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        r1, r0 = a / n1, c / n0
        l1, u1 = wilson_interval(a, n1, z)
        l0, u0 = wilson_interval(c, n0, z)
        diff, diff_low, diff_high = newcombe_difference(a, n1, c, n0, z)
        lift = r1 / r0
        se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
        lift_low = lift * np.exp(-z * se)
        lift_high = lift * np.exp(z * se)
    stats = _two_by_two(a, part.fp[rows, 1].astype(np.float64), n_pos, n_all - n_pos, 0.95)
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
        window=o.window_label,
        retained=o.description,
        n_users=int(n_all),
        n_excluded=part.n_users - part.n_eligible,
        confidence_level=float(confidence_level),
    )
