"""Journeys: the touches before each conversion (and the journeys that never converted)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels.encoding import sort_order
from saasmetrics._kernels.periods import elapsed_at_most
from saasmetrics._kernels.segments import position_in_segment, segment_ids, segment_offsets
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin, as_count, as_counts
from saasmetrics._validation import (
    RowCheck,
    ValidationReport,
    check_choice,
    check_positive_timedelta,
    parse_timestamps,
    require_columns,
)
from saasmetrics.attribution._channels import DEFAULT_CHANNEL_RULES, ChannelRules, channel_group
from saasmetrics.attribution._channels import parse_utm as _parse_utm
from saasmetrics.attribution._ids import user_codes_and_ids as _user_codes
from saasmetrics.exceptions import (
    DataQualityWarning,
    EmptyDataError,
    MissingColumnError,
    ParameterError,
    SchemaError,
)
from saasmetrics.scale import Analysis, register, run
from saasmetrics.typing import FrameLike, OnInvalid, TimedeltaLike

__all__ = ("Journeys", "journeys")

_OTHER_SEPARATORS = (">", "|", ",", "->", "→", ";")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class Journeys(ResultMixin):
    """Paths of channels with the conversions, non-conversions and value each path led to.

    Build them with :func:`journeys` from touchpoints and conversions, or with
    :meth:`Journeys.from_paths` from the aggregated path strings many tools export. Every
    attribution model reads this one shape.

    Attributes
    ----------
    channels : tuple of str
        Channel names; touch codes index into it (sorted, so results do not depend on row
        order).
    offsets : numpy.ndarray of int64
        Journey ``i`` is ``codes[offsets[i]:offsets[i + 1]]`` (never empty).
    codes : numpy.ndarray of int32
        Channel code per touch, in time order within each journey.
    conversions, nulls, value : numpy.ndarray of float64
        Per journey: conversions, non-converting walks, and conversion value. Fractional
        counts are kept exactly.
    elapsed_s : numpy.ndarray of float64 or None
        Seconds from each touch to the end of its journey (the conversion, or the last touch
        of a journey that did not convert); ``None`` for journeys from path strings.
    lookback : str or None
        The lookback window used, if any.
    n_dropped_touches : int
        Touches left out because they were older than the lookback window.
    n_unattributed : int
        Conversions with no touch in their window (see ``unattributed`` in :func:`journeys`).

    Examples
    --------
    >>> import pandas as pd
    >>> paths = pd.DataFrame({"path": ["a > b", "b", "a > a"], "conversions": [1, 0, 2],
    ...                       "nulls": [1, 3, 0]})
    >>> jrn = Journeys.from_paths(paths)
    >>> jrn
    Journeys(journeys=3, touches=5, channels=2, conversions=3, nulls=4)
    >>> jrn.to_frame()
        path  conversions  nulls  value
    0  a > b            1      1    0.0
    1      b            0      3    0.0
    2  a > a            2      0    0.0
    """

    channels: tuple[str, ...]
    offsets: npt.NDArray[np.int64]
    codes: npt.NDArray[np.int32]
    conversions: npt.NDArray[np.float64]
    nulls: npt.NDArray[np.float64]
    value: npt.NDArray[np.float64]
    elapsed_s: npt.NDArray[np.float64] | None = None
    lookback: str | None = None
    n_dropped_touches: int = 0
    n_unattributed: int = 0

    # -- sizes ------------------------------------------------------------------------
    @property
    def n_journeys(self) -> int:
        """Number of journeys (rows)."""
        return int(self.offsets.size - 1)

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.channels)

    @property
    def total_conversions(self) -> float:
        """Sum of conversions."""
        return float(self.conversions.sum())

    @property
    def total_value(self) -> float:
        """Sum of conversion value."""
        return float(self.value.sum())

    def _summary(self) -> dict[str, Any]:
        return {
            "journeys": self.n_journeys,
            "touches": int(self.codes.size),
            "channels": self.n_channels,
            "conversions": as_count(self.total_conversions),
            "nulls": as_count(self.nulls.sum()),
        }

    # -- views ------------------------------------------------------------------------
    def paths(self, sep: str = " > ") -> pd.Series:
        """Each journey as a path string, e.g. ``"Paid Search > Email"``.

        Parameters
        ----------
        sep : str, default " > "
            Separator between channel names.

        Returns
        -------
        pandas.Series
            One string per journey.
        """
        names = np.asarray(self.channels, dtype=object)
        offsets = self.offsets
        lengths = np.diff(offsets)
        base = self.n_channels + 1
        # a path of up to 62 / log2(base) touches is one exact int64 key (base-`base` digits)
        fits = lengths * np.log2(max(base, 2)) < 62

        def text(j: int) -> str:
            return sep.join(names[self.codes[offsets[j] : offsets[j + 1]]])

        # join the names once per distinct path (paths repeat a lot); the rare paths too long
        # for a key are joined one by one
        touch_fits = fits[segment_ids(offsets)]
        position = np.where(touch_fits, position_in_segment(offsets), 0)
        digit = np.where(
            touch_fits, (self.codes.astype(np.int64) + 1) * np.int64(base) ** position, 0
        )
        key = np.add.reduceat(digit, offsets[:-1]) if self.codes.size else digit
        short = np.flatnonzero(fits)
        uniq, inverse = np.unique(key[short], return_inverse=True)
        first = np.zeros(uniq.size, dtype=np.int64)
        first[inverse[::-1]] = short[::-1]
        texts = pd.array([text(j) for j in first.tolist()], dtype="str").take(inverse.ravel())
        if short.size == lengths.size:
            return pd.Series(texts, name="path")
        out = np.empty(lengths.size, dtype=object)
        out[short] = np.asarray(texts, dtype=object)
        out[~fits] = [text(j) for j in np.flatnonzero(~fits).tolist()]
        return pd.Series(out, name="path", dtype="str")

    def to_frame(self, *, aggregate: bool = False) -> pd.DataFrame:
        """One row per journey: ``path``, ``conversions``, ``nulls``, ``value``.

        Parameters
        ----------
        aggregate : bool, default False
            Sum journeys with the same path (the path-string format).

        Returns
        -------
        pandas.DataFrame
            A new frame.
        """
        frame = pd.DataFrame(
            {
                "path": self.paths(),
                "conversions": as_counts(self.conversions),
                "nulls": as_counts(self.nulls),
                "value": self.value,
            }
        )
        if aggregate:
            frame = frame.groupby("path", sort=True, as_index=False).sum()
        return frame

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Bar chart of conversions and non-conversions by journey length.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        **kwargs
            Passed to ``ax.bar``.

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        ax = get_axes(ax)
        lengths = np.diff(self.offsets)
        top = int(lengths.max()) if lengths.size else 0
        conv = np.bincount(lengths, weights=self.conversions, minlength=top + 1)[1:]
        null = np.bincount(lengths, weights=self.nulls, minlength=top + 1)[1:]
        x = np.arange(1, top + 1)
        ax.bar(x, null, color=PALETTE[7], label="not converted", **kwargs)
        ax.bar(x, conv, bottom=null, color=PALETTE[0], label="converted", **kwargs)
        ax.set_xlabel("touches in the journey")
        ax.set_ylabel("journeys")
        ax.legend(frameon=False)
        return ax

    # -- constructors -----------------------------------------------------------------
    @classmethod
    def from_paths(  # noqa: PLR0917 - the issue documents these as positional too
        cls,
        frame: FrameLike,
        path_col: str = "path",
        conversions_col: str = "conversions",
        nulls_col: str | None = "nulls",
        value_col: str | None = None,
        sep: str = ">",
        *,
        on_invalid: OnInvalid = "raise",
    ) -> Journeys:
        """Journeys from aggregated path strings (``"a > b > c"``) with counts.

        Parameters
        ----------
        frame : DataFrame-like
            One row per path (repeated paths are fine).
        path_col : str, default "path"
            Channel names separated by ``sep``; whitespace around names is stripped.
        conversions_col : str, default "conversions"
            Conversions of the path (may be fractional).
        nulls_col : str or None, default "nulls"
            Walks of the path that did not convert; ``None`` when there are none (e.g.
            for heuristic models only).
        value_col : str, optional
            Conversion value of the path.
        sep : str, default ">"
            The separator.
        on_invalid : {"raise", "drop"}, default "raise"
            Empty paths or channel names, and negative, infinite or missing counts, raise an
            :class:`~saasmetrics.exceptions.InputError` or are dropped with a warning.

        Returns
        -------
        Journeys
            One journey per row.

        Raises
        ------
        ParameterError
            If ``sep`` is empty, or appears in no path while another separator does.
        InputError
            For empty paths, empty channel names, negative, infinite or NaN counts.

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"path": ["c1 > c2 > c3", "c1", "c2 > c3"],
        ...                       "conversions": [1, 0, 0], "nulls": [0, 1, 1]})
        >>> Journeys.from_paths(frame).channels
        ('c1', 'c2', 'c3')
        """
        data = to_pandas(frame, name="paths")
        require_columns(
            data,
            {
                "path_col": path_col,
                "conversions_col": conversions_col,
                "nulls_col": nulls_col,
                "value_col": value_col,
            },
            optional=("nulls_col", "value_col"),
        )
        if not isinstance(sep, str) or not sep.strip():
            raise ParameterError(
                f"sep={sep!r} cannot separate channel names.",
                hint="pass the separator your paths use, e.g. sep='>'.",
            )
        paths = data[path_col]
        rows = RowCheck(data, on_invalid=on_invalid, name="paths")
        lengths_all, token_codes, token_uniques = _split_paths(paths, sep)
        if not (lengths_all > 1).any():
            joined = "\n".join(_path_text(paths))
            others = [o for o in _OTHER_SEPARATORS if o != sep and o in joined]
            if others:
                raise ParameterError(
                    f"sep={sep!r} appears in no path, but {others[0]!r} does.",
                    hint=f"pass sep={others[0]!r}.",
                )
        n_rows = lengths_all.size
        row_pos = np.repeat(np.arange(n_rows), lengths_all)
        # strip whitespace once per distinct token, not once per touch
        stripped = np.asarray([str(u).strip() for u in token_uniques], dtype=object)
        empty_token = (stripped == "")[token_codes]
        empty_path = (lengths_all == 1) & np.bincount(
            row_pos, weights=empty_token, minlength=n_rows
        ).astype(bool)
        rows.flag(empty_path, path_col, "empty paths")
        bad_rows = np.zeros(n_rows, dtype=bool)
        bad_rows[row_pos[empty_token]] = True
        rows.flag(bad_rows & ~empty_path, path_col, "empty channel names")
        amounts: dict[str, npt.NDArray[np.float64]] = {}
        for role, column in (
            ("conversions", conversions_col),
            ("nulls", nulls_col),
            ("value", value_col),
        ):
            if column is None:
                amounts[role] = np.zeros(len(data))
                continue
            values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=np.float64)
            rows.flag(np.isnan(values), column, "missing or non-numeric counts")
            rows.flag(np.isinf(values), column, "infinite counts")
            rows.flag(np.nan_to_num(values, posinf=0.0, neginf=-1.0) < 0, column, "negative counts")
            amounts[role] = values
        rows.finish()
        keep = rows.keep
        if not keep.any():
            raise EmptyDataError("paths has no valid rows.", hint="check the path column.")
        keep_token = keep[row_pos]
        # channel names sorted, so codes do not depend on row order
        channels, stripped_code = np.unique(stripped.astype(str), return_inverse=True)
        codes = stripped_code[token_codes[keep_token]]
        used = np.flatnonzero(np.bincount(codes, minlength=channels.size))
        if used.size < channels.size:  # names only seen in dropped rows
            remap = np.full(channels.size, -1, dtype=np.int64)
            remap[used] = np.arange(used.size)
            channels, codes = channels[used], remap[codes]
        lengths = lengths_all[keep]
        offsets = np.zeros(lengths.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(
            channels=tuple(str(c) for c in channels),
            offsets=offsets,
            codes=codes.astype(np.int32),
            conversions=amounts["conversions"][keep].astype(np.float64),
            nulls=amounts["nulls"][keep].astype(np.float64),
            value=amounts["value"][keep].astype(np.float64),
        )


def _path_text(paths: pd.Series) -> npt.NDArray[np.object_]:
    """The paths as Python strings (a missing path is empty)."""
    text: npt.NDArray[np.object_] = (
        paths.astype(object).where(paths.notna(), "").astype(str).to_numpy(dtype=object)
    )
    return text


def _split_paths(
    paths: pd.Series, sep: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[Any]]:
    """Split every path at ``sep``: tokens per row, a code per token and the distinct tokens.

    Arrow-backed text (pandas' default string dtype) is split and dictionary-encoded by Arrow
    in C; other columns by one ``str.split`` of all paths joined together. Either way a missing
    path is one empty token.
    """
    if getattr(paths.dtype, "storage", None) == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        text = pc.fill_null(pa.chunked_array(pa.array(paths)), "")
        tokens = pc.split_pattern(text, sep)
        lengths = np.asarray(pc.list_value_length(tokens), dtype=np.int64)
        encoded = pc.dictionary_encode(pc.list_flatten(tokens)).combine_chunks()
        codes = np.asarray(encoded.indices, dtype=np.int64)
        return lengths, codes, encoded.dictionary.to_pylist()
    text_np = _path_text(paths)
    # one C-level split of all paths joined together; row lengths from separator counts
    n_sep = np.fromiter((t.count(sep) for t in text_np), dtype=np.int64, count=text_np.size)
    tokens_np = np.asarray(sep.join(text_np).split(sep), dtype=object)
    token_codes, token_uniques = pd.factorize(tokens_np)
    return n_sep + 1, np.asarray(token_codes, dtype=np.int64), list(token_uniques)


def _channels_of(
    frame: pd.DataFrame,
    channel_col: str,
    url_col: str,
    rules: ChannelRules,
) -> pd.Series:
    if channel_col in frame.columns:
        ready: pd.Series = frame[channel_col]
        return ready
    if "utm_source" in frame.columns or "utm_medium" in frame.columns:
        from_tags: pd.Series = channel_group(
            frame.get("utm_source"),
            frame.get("utm_medium"),
            frame.get("utm_campaign"),
            rules=rules,
        )
        return from_tags
    if url_col in frame.columns:
        tags = _parse_utm(frame[url_col].reset_index(drop=True))
        from_urls: pd.Series = channel_group(
            tags["source"], tags["medium"], tags["campaign"], rules=rules
        )
        return from_urls
    raise MissingColumnError.from_names([channel_col], available=frame.columns, role="channel_col")


def journeys(
    touchpoints: FrameLike,
    conversions: FrameLike,
    lookback: TimedeltaLike = "30D",
    *,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    channel_col: str = "channel",
    url_col: str = "url",
    value_col: str | None = "value",
    collapse_repeats: bool = False,
    unattributed: Literal["direct", "drop"] = "direct",
    rules: ChannelRules = DEFAULT_CHANNEL_RULES,
    on_invalid: OnInvalid = "raise",
    partitioned_by: str | None = None,
) -> Journeys:
    """Build conversion journeys: each conversion's touches within the lookback window.

    A touch belongs to the user's next conversion at or after it, if that conversion is at
    most ``lookback`` later (older touches are left out and counted). Touches after a user's
    last conversion (and all touches of users who never convert) form one non-converting
    journey per user, limited to ``lookback`` before its last touch. Touches with the same
    timestamp keep their input order within a journey (as in :class:`~saasmetrics.EventLog`):
    with ties, row order can change the order of a path, never its touches.

    Parameters
    ----------
    touchpoints : DataFrame-like or dask DataFrame
        One row per marketing touch: user, time, and a ``channel`` column, or UTM columns
        (``utm_source``, ``utm_medium``, ``utm_campaign``), or a landing ``url`` — in that
        order of preference; channels are derived with :func:`channel_group`.
    conversions : DataFrame-like or dask DataFrame
        One row per conversion: user, time and (optionally) value. With dask input both
        tables are dask DataFrames; they are shuffled by user into the same partitions, each
        partition's journeys are built there, and the merged :class:`Journeys` is the same
        object as from pandas (``attribute`` it as usual).
    lookback : str or Timedelta, default "30D"
        How far before a conversion touches count. Must be positive.
    user_col, time_col : str
        Column roles, shared by both tables.
    channel_col, url_col : str
        Touchpoint columns holding a ready channel, or the landing URL.
    value_col : str or None, default "value"
        Conversion value column; when absent (or ``None``), values are 0.
    collapse_repeats : bool, default False
        Merge consecutive touches of the same channel into one (the first).
    unattributed : {"direct", "drop"}, default "direct"
        Conversions with no touch in the window get one ``"Direct"`` touch at conversion time
        (GA4's convention), or are dropped with a
        :class:`~saasmetrics.exceptions.DataQualityWarning`.
    rules : ChannelRules, default DEFAULT_CHANNEL_RULES
        Channel rules used when channels are derived from UTM tags or URLs.
    on_invalid : {"raise", "drop"}, default "raise"
        What to do with rows with null users, times or channels, or negative values.
    partitioned_by : str, optional
        For dask DataFrames whose partitions already hold whole users: the user column.
        With two tables the tables are still co-partitioned by user (a hash of the id).

    Returns
    -------
    Journeys
        Converting journeys (one per conversion, by user id then time) then non-converting
        ones (by user id), whatever the row order or partitioning of the input.

    Raises
    ------
    ParameterError
        If ``lookback`` is not a positive duration.
    MissingColumnError
        If a column is missing.
    InputError
        For null users, times or channels, or missing, negative or infinite values (with
        ``on_invalid="raise"``).
    SchemaError
        If one table has time-zone-aware timestamps and the other naive ones.
    EmptyDataError
        If no journey is left.

    Examples
    --------
    >>> import pandas as pd
    >>> touches = pd.DataFrame({
    ...     "user_id": ["u1", "u1", "u2", "u3"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-02", "2024-01-03"]),
    ...     "channel": ["Paid Search", "Email", "Organic Social", "Paid Search"],
    ... })
    >>> convs = pd.DataFrame({"user_id": ["u1"], "timestamp": pd.to_datetime(["2024-01-06"]),
    ...                       "value": [120.0]})
    >>> journeys(touches, convs, lookback="30D").to_frame()
                          path  conversions  nulls  value
    0  Paid Search > Email            1      0  120.0
    1       Organic Social            0      1    0.0
    2          Paid Search            0      1    0.0
    """
    plan = _journeys_builder(
        lookback=lookback,
        user_col=user_col,
        time_col=time_col,
        channel_col=channel_col,
        url_col=url_col,
        value_col=value_col,
        collapse_repeats=collapse_repeats,
        unattributed=unattributed,
        rules=rules,
        on_invalid=on_invalid,
    )
    return run(plan, touchpoints, conversions, partitioned_by=partitioned_by)


@dataclass(frozen=True, slots=True)
class _JourneysPartial:
    """What a chunk of whole users contributes: its journeys, and the figures of the checks.

    The journey arrays are those of :class:`Journeys` (``codes`` index ``channels``);
    ``user_ids`` is each journey's user (finalize orders journeys by it), ``touch_rows`` /
    ``touch_columns`` the touchpoint rows and columns (no rows at all is an error of the whole
    data), ``n_valid`` the valid touches and conversions, ``n_conversions`` / ``n_gone`` the
    conversions and those left without a touch, ``dropped`` the invalid rows left out per
    table.
    """

    channels: tuple[str, ...]
    offsets: npt.NDArray[np.int64]
    codes: npt.NDArray[np.int32]
    conversions: npt.NDArray[np.float64]
    nulls: npt.NDArray[np.float64]
    value: npt.NDArray[np.float64]
    elapsed_s: npt.NDArray[np.float64]
    user_ids: pd.Series
    touch_rows: int
    touch_columns: tuple[Any, ...]
    n_valid: int
    n_conversions: int
    n_gone: int
    n_dropped_touches: int
    n_unattributed: int
    dropped: tuple[ValidationReport, ValidationReport]


@dataclass(frozen=True, slots=True)
class _JourneySettings:
    window: pd.Timedelta
    user_col: str
    time_col: str
    channel_col: str
    url_col: str
    value_col: str | None
    use_value: bool
    collapse_repeats: bool
    unattributed: str
    rules: ChannelRules
    on_invalid: str


@register(journeys)
def _journeys_builder(
    *,
    lookback: TimedeltaLike = "30D",
    user_col: str = "user_id",
    time_col: str = "timestamp",
    channel_col: str = "channel",
    url_col: str = "url",
    value_col: str | None = "value",
    collapse_repeats: bool = False,
    unattributed: Literal["direct", "drop"] = "direct",
    rules: ChannelRules = DEFAULT_CHANNEL_RULES,
    on_invalid: OnInvalid = "raise",
) -> Analysis[_JourneysPartial, Journeys]:
    """journeys() as partial / merge / finalize over (touchpoints, conversions) chunks."""
    window = check_positive_timedelta("lookback", lookback)
    check_choice("unattributed", unattributed, ("direct", "drop"))
    check_choice("on_invalid", on_invalid, ("raise", "drop"))
    label = str(lookback) if isinstance(lookback, str) else window.isoformat()

    def prepare(
        touchpoints: FrameLike, conversions: FrameLike
    ) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
        # an empty touchpoint table is an error of the whole data, decided in finalize
        touch = to_pandas(touchpoints, name="touchpoints", allow_empty=True)
        conv = to_pandas(conversions, name="conversions", allow_empty=True)
        require_columns(touch, {"user_col": user_col, "time_col": time_col})
        require_columns(conv, {"user_col": user_col, "time_col": time_col})
        named: tuple[tuple[str, Any], ...] = (("channel_col", channel_col), ("url_col", url_col))
        for role, column in named:
            if not isinstance(column, str):  # either may be absent from the table, never None
                require_columns(touch, {role: column})
        use_value = value_col is not None and value_col in conv.columns
        if value_col is not None and value_col != "value" and not use_value:
            require_columns(conv, {"value_col": value_col})
        return touch, conv, use_value

    def partial(chunk: tuple[pd.DataFrame, pd.DataFrame, bool], _context: Any) -> _JourneysPartial:
        touch, conv, use_value = chunk
        settings = _JourneySettings(
            window=window,
            user_col=user_col,
            time_col=time_col,
            channel_col=channel_col,
            url_col=url_col,
            value_col=value_col,
            use_value=use_value,
            collapse_repeats=collapse_repeats,
            unattributed=unattributed,
            rules=rules,
            on_invalid=on_invalid,
        )
        return _journeys_partial(touch, conv, settings)

    return Analysis(
        name="journeys",
        keys=(user_col, user_col),
        prepare=prepare,
        partial=partial,
        merge=_merge_journeys,
        finalize=lambda part, _context: _finalize_journeys(part, lookback, label, unattributed),
    )


def _journeys_partial(
    touch: pd.DataFrame, conv: pd.DataFrame, s: _JourneySettings
) -> _JourneysPartial:
    """The journeys of one chunk of whole users (the in-memory path is the one-chunk case)."""
    user_col, time_col, value_col = s.user_col, s.time_col, s.value_col
    use_value = s.use_value
    if len(touch):
        channel = _channels_of(touch, s.channel_col, s.url_col, s.rules).reset_index(drop=True)
    else:
        channel = pd.Series([], dtype=object)
    trows = RowCheck(touch, on_invalid=s.on_invalid, name="touchpoints")
    trows.flag(touch[user_col].isna().to_numpy(), user_col, "null user ids")
    trows.flag(channel.isna().to_numpy(), s.channel_col, "null channels")
    t_time = parse_timestamps(touch[time_col], rows=trows) if len(touch) else None
    crows = RowCheck(conv, on_invalid=s.on_invalid, name="conversions")
    crows.flag(conv[user_col].isna().to_numpy(), user_col, "null user ids")
    c_value = (
        pd.to_numeric(conv[value_col], errors="coerce").to_numpy(dtype=np.float64)
        if use_value and value_col is not None
        else np.zeros(len(conv))
    )
    if use_value and value_col is not None:
        crows.flag(np.isnan(c_value), value_col, "missing or non-numeric values")
        crows.flag(np.isinf(c_value), value_col, "infinite values")
        crows.flag(
            np.nan_to_num(c_value, posinf=0.0, neginf=-1.0) < 0, value_col, "negative values"
        )
    c_time = parse_timestamps(conv[time_col], rows=crows) if len(conv) else None

    if c_time is not None and t_time is not None and (t_time.tz is None) != (c_time.tz is None):
        raise SchemaError(
            "touchpoints and conversions mix naive and time-zone-aware timestamps "
            f"({t_time.tz or 'naive'} vs {c_time.tz or 'naive'}).",
            hint="localize both, e.g. pd.to_datetime(col, utc=True), or drop the zone from both.",
        )
    tkeep = trows.keep
    ckeep = crows.keep
    t_ns = t_time.ns[tkeep] if t_time is not None else np.zeros(0, dtype=np.int64)
    c_ns = c_time.ns[ckeep] if c_time is not None else np.zeros(0, dtype=np.int64)
    c_value = c_value[ckeep]
    nt, nc = t_ns.size, c_ns.size

    # users of both tables share one code table (a hash pass; no string copies)
    # (7, 7.0 and "7" are one person: a gap in an id column makes pandas read it as float)
    user_codes, user_ids = _user_codes(
        [
            touch[user_col].reset_index(drop=True)[tkeep],
            conv[user_col].reset_index(drop=True)[ckeep],
        ]
    )
    t_user = user_codes[:nt].astype(np.int64)
    c_user = user_codes[nt:].astype(np.int64)
    n_users = int(user_codes.max()) + 1 if user_codes.size else 1
    # channel codes: factorize, then number the (few) names in sorted order
    raw_codes, raw_names = pd.factorize(channel[tkeep].astype(str))
    t_channel = np.asarray(raw_codes, dtype=np.int64)
    window_ns = int(s.window.value)

    # --- each touch's next conversion of the same user ---------------------------------
    # Rank times among the conversion times only: for one user, conversion time c >= touch
    # time t exactly when (#conversion times < c) >= (#conversion times < t).
    c_order = sort_order(c_user, c_ns)
    sorted_times = np.sort(c_ns)
    t_key = t_user * (nc + 1) + np.searchsorted(sorted_times, t_ns, side="left")
    c_key = c_user * (nc + 1) + np.searchsorted(sorted_times, c_ns, side="left")
    idx = np.searchsorted(c_key[c_order], t_key, side="left")
    has_next = idx < nc
    has_next[has_next] &= c_user[c_order][idx[has_next]] == t_user[has_next]
    conv_rank = np.where(has_next, idx, -1)  # rank of the conversion in c_order
    if nc:
        conv_of_touch = np.where(has_next, c_order[np.clip(idx, 0, nc - 1)], 0)
        in_window = has_next & elapsed_at_most(c_ns[conv_of_touch], t_ns, window_ns)
    else:
        in_window = np.zeros(nt, dtype=bool)
    dropped = has_next & ~in_window

    # --- non-converting journeys: leftover touches per user ------------------------------
    left = ~has_next
    last_left = np.full(n_users, np.iinfo(np.int64).min)
    np.maximum.at(last_left, t_user[left], t_ns[left])
    left_in = left & elapsed_at_most(last_left[t_user], t_ns, window_ns)
    dropped |= left & ~left_in
    has_null = np.bincount(t_user[left_in], minlength=n_users) > 0
    null_users = np.flatnonzero(has_null)
    null_rank = (np.cumsum(has_null) - 1)[t_user[left_in]]

    # journey id: conversions in (user, time) order, then one null journey per user
    jid = np.full(nt, -1, dtype=np.int64)
    jid[in_window] = conv_rank[in_window]
    jid[left_in] = nc + null_rank
    n_j = nc + null_users.size

    touched = np.zeros(nc, dtype=bool)
    touched[jid[in_window]] = True
    untouched = np.flatnonzero(~touched)  # conversion ranks without touches
    n_unattributed = int(untouched.size)

    keep = jid >= 0
    j_all = jid[keep]
    ns_all = t_ns[keep]
    ch_all = t_channel[keep]
    names = [str(n) for n in raw_names]
    if s.unattributed == "direct" and n_unattributed:
        if "Direct" not in names:
            names.append("Direct")
        j_all = np.concatenate([j_all, untouched])
        ns_all = np.concatenate([ns_all, c_ns[c_order][untouched]])
        ch_all = np.concatenate([ch_all, np.full(n_unattributed, names.index("Direct"))])
    order = sort_order(j_all, ns_all)
    j_sorted = j_all[order]
    ns_sorted = ns_all[order]
    used = np.bincount(ch_all, minlength=len(names)) > 0
    channels = sorted(n for n, u in zip(names, used, strict=True) if u)
    remap = np.full(len(names), -1, dtype=np.int64)
    for position, name in enumerate(channels):  # a handful of channel names
        remap[names.index(name)] = position
    codes: npt.NDArray[np.int32] = remap[ch_all[order]].astype(np.int32)

    if s.collapse_repeats and j_sorted.size:
        repeat = np.zeros(j_sorted.size, dtype=bool)
        repeat[1:] = (j_sorted[1:] == j_sorted[:-1]) & (codes[1:] == codes[:-1])
        j_sorted, ns_sorted, codes = j_sorted[~repeat], ns_sorted[~repeat], codes[~repeat]

    # journey end: the conversion time, or the last touch of a null journey
    end = np.zeros(n_j, dtype=np.int64)
    end[:nc] = c_ns[c_order]
    if null_users.size:
        end[nc:] = last_left[null_users]
    conversions_j = np.zeros(n_j)
    conversions_j[:nc] = 1.0
    nulls_j = np.zeros(n_j)
    nulls_j[nc:] = 1.0
    value_j = np.zeros(n_j)
    value_j[:nc] = c_value[c_order]
    user_j = np.concatenate([c_user[c_order], null_users]).astype(np.int64)

    present = np.bincount(j_sorted, minlength=n_j) > 0
    n_gone = int((~present).sum())
    if n_gone:
        # renumber journeys without the empty ones
        new_id = np.cumsum(present) - 1
        j_sorted = new_id[j_sorted]
        end, conversions_j, nulls_j, value_j, user_j = (
            end[present],
            conversions_j[present],
            nulls_j[present],
            value_j[present],
            user_j[present],
        )
        n_j = int(present.sum())
    offsets = segment_offsets(j_sorted, n_j)
    elapsed = (end[segment_ids(offsets)] - ns_sorted).astype(np.float64) / 1e9
    return _JourneysPartial(
        channels=tuple(str(c) for c in channels),
        offsets=offsets,
        codes=codes,
        conversions=conversions_j,
        nulls=nulls_j,
        value=value_j,
        elapsed_s=elapsed,
        user_ids=pd.Series(user_ids.take(user_j), dtype=user_ids.dtype),
        touch_rows=len(touch),
        touch_columns=tuple(touch.columns),
        n_valid=nt + nc,
        n_conversions=nc,
        n_gone=n_gone,
        n_dropped_touches=int(dropped.sum()),
        n_unattributed=n_unattributed,
        dropped=(trows.finish(warn=False), crows.finish(warn=False)),
    )


def _recoded(part: _JourneysPartial, channels: tuple[str, ...]) -> npt.NDArray[np.int32]:
    if part.channels == channels:
        return part.codes
    to_new = pd.Index(channels).get_indexer(pd.Index(part.channels))
    return to_new[part.codes].astype(np.int32)


def _merge_journeys(a: _JourneysPartial, b: _JourneysPartial) -> _JourneysPartial:
    channels = a.channels if a.channels == b.channels else tuple(sorted({*a.channels, *b.channels}))
    return _JourneysPartial(
        channels=channels,
        offsets=np.concatenate([a.offsets, b.offsets[1:] + a.offsets[-1]]),
        codes=np.concatenate([_recoded(a, channels), _recoded(b, channels)]),
        conversions=np.concatenate([a.conversions, b.conversions]),
        nulls=np.concatenate([a.nulls, b.nulls]),
        value=np.concatenate([a.value, b.value]),
        elapsed_s=np.concatenate([a.elapsed_s, b.elapsed_s]),
        user_ids=pd.concat([a.user_ids, b.user_ids], ignore_index=True),
        touch_rows=a.touch_rows + b.touch_rows,
        touch_columns=a.touch_columns,
        n_valid=a.n_valid + b.n_valid,
        n_conversions=a.n_conversions + b.n_conversions,
        n_gone=a.n_gone + b.n_gone,
        n_dropped_touches=a.n_dropped_touches + b.n_dropped_touches,
        n_unattributed=a.n_unattributed + b.n_unattributed,
        dropped=(a.dropped[0] + b.dropped[0], a.dropped[1] + b.dropped[1]),
    )


def _journey_order(part: _JourneysPartial) -> npt.NDArray[np.int64]:
    """Converting journeys then the others, each by user id; a user's conversions in time order.

    Chunks hold whole users and list a user's conversions in time order, so a stable sort
    on (kind, user id) gives the same order whatever the chunks and their order. The ids are
    sorted by their own array (Arrow sorts Arrow strings), not re-hashed.
    """
    ids = part.user_ids
    try:
        by_user = np.asarray(ids.argsort(kind="stable"), dtype=np.int64)
    except TypeError:  # ids of mixed types: order by their text
        by_user = np.asarray(ids.map(str).argsort(kind="stable"), dtype=np.int64)
    null = part.conversions[by_user] == 0
    return by_user[np.argsort(null, kind="stable")]


def _finalize_journeys(
    part: _JourneysPartial, lookback: Any, label: str, unattributed: str
) -> Journeys:
    """Checks and warnings from the merged figures, then the journeys in canonical order."""
    if part.touch_rows == 0:
        raise EmptyDataError(
            f"touchpoints has no rows (columns: {list(part.touch_columns)!r}).",
            hint="pass a table with at least one row.",
        )
    for report, name in zip(part.dropped, ("touchpoints", "conversions"), strict=True):
        report.warn_dropped(name, stacklevel=5)
    if part.n_valid == 0:
        raise EmptyDataError("No valid touchpoints or conversions.", hint="check the inputs.")
    if part.n_gone and unattributed == "drop":
        warnings.warn(
            f"Dropped {part.n_gone:,} of {part.n_conversions:,} conversions with no touch "
            f"within lookback={lookback!r}.",
            DataQualityWarning,
            stacklevel=5,
        )
    n_j = part.offsets.size - 1
    if n_j == 0:
        raise EmptyDataError(
            "No journeys left: no conversion has a touch within the lookback window.",
            hint="use a longer lookback, or unattributed='direct'.",
        )
    order = _journey_order(part)
    lengths = np.diff(part.offsets)[order]
    offsets = np.zeros(n_j + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    touches = np.repeat(part.offsets[:-1][order], lengths) + position_in_segment(offsets)
    return Journeys(
        channels=part.channels,
        offsets=offsets,
        codes=part.codes[touches],
        conversions=part.conversions[order],
        nulls=part.nulls[order],
        value=part.value[order],
        elapsed_s=part.elapsed_s[touches],
        lookback=label,
        n_dropped_touches=part.n_dropped_touches,
        n_unattributed=part.n_unattributed,
    )
