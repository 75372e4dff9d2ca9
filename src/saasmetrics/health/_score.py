"""HealthScoreModel: fit normalisations on a reference population, score accounts, explain."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from saasmetrics._frames import to_pandas
from saasmetrics._kernels import health as hk
from saasmetrics._plotting import PALETTE, get_axes
from saasmetrics._results import ResultMixin
from saasmetrics._validation import check_is_fitted, require_columns
from saasmetrics.exceptions import (
    DataQualityWarning,
    InputError,
    MissingColumnError,
    ParameterError,
    SchemaError,
)
from saasmetrics.health._config import HealthConfig, HealthMeasure
from saasmetrics.typing import FrameLike

__all__ = ("HealthScoreModel", "HealthScores")

F64 = npt.NDArray[np.float64]
DEFAULT_PROFILE = "default"
BAND_COLORS = {"red": PALETTE[3], "yellow": PALETTE[6], "green": PALETTE[2]}


def _numeric(frame: pd.DataFrame, column: str, what: str) -> F64:
    series = frame[column]
    if not (pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series)):
        raise SchemaError(
            f"Column {column!r} of {what} has dtype {series.dtype}; a number was expected.",
            hint="convert it first, e.g. with pd.to_numeric(...).",
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(values).any():
        raise InputError.bad_values(
            column,
            f"infinite values in {what}",
            n_bad=int(np.isinf(values).sum()),
            n_rows=values.size,
            hint="replace them with NaN (missing) or a finite value.",
        )
    return values


def _normalize(measure: HealthMeasure, values: F64, reference: F64 | None) -> F64:
    higher = measure.higher_is_better
    if measure.normalization == "percentile":
        assert reference is not None
        pct = hk.percentile_scores(reference, values)
        return pct if higher else 100.0 - pct
    if measure.normalization == "thresholds":
        assert measure.thresholds is not None
        assert measure.threshold_scores is not None
        return hk.threshold_scores(
            values,
            np.asarray(measure.thresholds, dtype=np.float64),
            np.asarray(measure.threshold_scores, dtype=np.float64),
            closed="left" if measure.inclusive == "lower" else "right",
        )
    if measure.normalization == "goal":
        assert measure.goal is not None
        return hk.goal_scores(values, measure.goal, higher_is_better=higher)
    assert measure.neutral is not None
    assert measure.points_per_unit is not None
    return hk.points_scores(
        values, measure.neutral, measure.points_per_unit, higher_is_better=higher
    )


def _columns(arrays: list[F64]) -> F64:
    """Equal-length arrays as the columns of one column-major (n, m) array."""
    out = np.empty((arrays[0].size if arrays else 0, len(arrays)), order="F")
    for j, a in enumerate(arrays):
        out[:, j] = a
    return out


def _band_codes(score: F64, bands: Mapping[str, float]) -> npt.NDArray[np.intp]:
    """Index of each score's band in ``[*bands, "unknown"]`` (NaN scores are unknown).

    Scores are compared at 1e-9 points: a weighted mean of measures that all score 75 can come
    out as 74.99999999999997, and it belongs in the band that starts at 75.
    """
    starts = np.asarray(list(bands.values()), dtype=np.float64)
    idx = np.searchsorted(starts, np.round(score, 9), side="right") - 1
    out: npt.NDArray[np.intp] = np.where(np.isnan(score), len(starts), np.maximum(idx, 0))
    return out


def _bands(score: F64, bands: Mapping[str, float]) -> npt.NDArray[np.object_]:
    names = np.asarray([*bands, "unknown"], dtype=object)
    out: npt.NDArray[np.object_] = names[_band_codes(score, bands)]
    return out


def _names(codes: npt.NDArray[np.intp], names: list[str]) -> pd.Series:
    """A string column from integer codes without building a Python string per row."""
    return pd.Series(pd.array(names, dtype="str")).take(codes).reset_index(drop=True)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class HealthScores(ResultMixin):
    """Health scores of accounts, with the why: normalised measures and their contributions.

    Attributes
    ----------
    scores : pandas.DataFrame
        Indexed like the scored accounts: ``score`` (0-100), ``band``, ``observed_weight`` (share
        of the weight whose measures were present), ``critical`` (the measures whose hard
        threshold was crossed, when any measure has one), ``profile``, ``score_change`` and
        ``previous_band`` (when scored against a previous scoring) and one
        ``contribution_<measure>`` column per measure (points it adds; they sum to the score).
    normalized : pandas.DataFrame
        Each measure's 0-100 value (NaN where missing or not in the account's profile).
    values : pandas.DataFrame
        Each measure's raw input value.
    weights : dict
        Profile name to {measure: effective weight}.
    bands : dict
        Band name to its lowest score, in order.

    Examples
    --------
    >>> import pandas as pd
    >>> accounts = pd.DataFrame({"days": [2, 10, 20]}, index=["a", "b", "c"])
    >>> measure = HealthMeasure(column="days", normalization="goal", goal=16)
    >>> config = HealthConfig(measures=[measure])
    >>> scores = HealthScoreModel(config).fit(accounts).score(accounts)
    >>> scores
    HealthScores(accounts=3, mean_score=58.3, red=1, yellow=1, green=1)
    >>> scores.band_counts().to_dict()
    {'red': 1, 'yellow': 1, 'green': 1}
    """

    scores: pd.DataFrame
    normalized: pd.DataFrame
    values: pd.DataFrame
    weights: dict[str, dict[str, float]]
    bands: dict[str, float]

    # ------------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """Score, band, observed weight (, profile, change) and contributions, per account.

        Returns
        -------
        pandas.DataFrame
            A copy of :attr:`scores`.
        """
        return self.scores.copy()

    @property
    def score(self) -> pd.Series:
        """Scores 0-100 (a copy)."""
        return self.scores["score"].copy()

    @property
    def band(self) -> pd.Series:
        """Band names (a copy)."""
        return self.scores["band"].copy()

    @property
    def observed_weight(self) -> pd.Series:
        """Share of the weight that was observed, per account (a copy)."""
        return self.scores["observed_weight"].copy()

    @property
    def contributions(self) -> pd.DataFrame:
        """Points each measure adds to each account's score (columns: measure labels)."""
        cols = [c for c in self.scores.columns if c.startswith("contribution_")]
        out = self.scores[cols].copy()
        out.columns = [c.removeprefix("contribution_") for c in cols]
        return out

    def band_counts(self) -> pd.Series:
        """Number of accounts per band, in band order (``unknown`` last if any).

        Returns
        -------
        pandas.Series
            Counts indexed by band name.
        """
        order = list(self.bands)
        counts = self.scores["band"].value_counts()
        if "unknown" in counts.index:
            order.append("unknown")
        return counts.reindex(order, fill_value=0).rename("accounts").rename_axis("band")

    def explain(self, account: Any) -> pd.DataFrame:
        """Why one account scores what it scores: value, normalised value, weight, contribution.

        Parameters
        ----------
        account : object
            An index label of the scored accounts.

        Returns
        -------
        pandas.DataFrame
            One row per measure of the account's profile, biggest contribution first.

        Raises
        ------
        ParameterError
            If the account was not scored.
        """
        if account not in self.scores.index:
            raise ParameterError(f"Account {account!r} was not scored.")
        row = self.scores.loc[account]
        if isinstance(row, pd.DataFrame):
            row = row.iloc[0]
        profile = str(row.get("profile", DEFAULT_PROFILE))
        weights = self.weights[profile]
        labels = list(weights)

        def pick(frame: pd.DataFrame) -> list[float]:
            r = frame.loc[account]
            r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
            return [float(r[m]) for m in labels]

        out = pd.DataFrame(
            {
                "value": pick(self.values),
                "normalized": pick(self.normalized),
                "weight": [weights[m] for m in labels],
                "contribution": [float(row[f"contribution_{m}"]) for m in labels],
            },
            index=pd.Index(labels, name="measure"),
        )
        return out.sort_values("contribution", ascending=False, kind="stable")

    def rollup(
        self,
        parent: pd.Series,
        *,
        weights: pd.Series | None = None,
        combine: Literal["weighted_mean", "worst_of"] = "weighted_mean",
    ) -> pd.DataFrame:
        """Roll child accounts up to their parents (e.g. subsidiaries to a company).

        Parameters
        ----------
        parent : pandas.Series or array-like
            Parent id per child, indexed like the scores (children with a null parent are
            skipped; scored accounts missing from its index are skipped with a
            :class:`DataQualityWarning` that counts them); an array gives one parent per
            scored account, in order.
        weights : pandas.Series or array-like, optional
            Weight per child (e.g. MRR), finite and non-negative; default equal weights.
        combine : {"weighted_mean", "worst_of"}, default "weighted_mean"
            How children combine.

        Returns
        -------
        pandas.DataFrame
            Per parent: ``score``, ``band``, ``children``, ``worst_child`` and its score.

        Raises
        ------
        ParameterError
            For an unknown ``combine``, or negative or infinite weights.
        InputError
            For an array whose length is not the number of scored accounts, a Series with
            repeated labels, or one whose labels match no scored account (e.g. numbers
            against text ids).
        """
        if combine not in ("weighted_mean", "worst_of"):
            raise ParameterError.not_one_of("combine", combine, ["weighted_mean", "worst_of"])
        score = self.scores["score"]
        parent = _per_account(parent, score.index, "parent")
        w = (
            pd.Series(1.0, index=score.index)
            if weights is None
            else _per_account(weights, score.index, "weights").astype(float)
        )
        if (w < 0).any() or np.isinf(w.to_numpy()).any():
            raise ParameterError(
                f"weights must be finite and non-negative; got {int((w < 0).sum())} negative "
                f"and {int(np.isinf(w.to_numpy()).sum())} infinite.",
            )
        if not parent.index.is_unique:
            repeated = parent.index[parent.index.duplicated()]
            raise InputError(
                f"parent's labels repeat ({repeated.size} repeats, e.g. {repeated[0]!r}); each "
                "account needs one parent.",
                hint="drop the duplicated labels.",
            )
        unmatched = ~score.index.isin(parent.index)
        if unmatched.all() and unmatched.size:
            raise InputError(
                f"parent's labels match none of the {unmatched.size} scored accounts: the scores "
                f"are indexed by {list(score.index[:3])!r} ({score.index.dtype}), parent by "
                f"{list(parent.index[:3])!r} ({parent.index.dtype}).",
                hint="index parent by the scored account ids (or pass one parent per account "
                "as a list, in order).",
            )
        if unmatched.any():
            warnings.warn(
                f"{int(unmatched.sum())} of {unmatched.size} scored accounts have no label in "
                f"parent, e.g. {score.index[unmatched][0]!r}: they are in no parent's row. Give "
                "them a null parent to skip them on purpose.",
                DataQualityWarning,
                stacklevel=2,
            )
        table = pd.DataFrame(
            {"parent": parent.reindex(score.index), "score": score, "w": w.fillna(0.0)}
        ).dropna(subset=["parent", "score"])
        table["ws"] = table["score"] * table["w"]
        grouped = table.groupby("parent", sort=True)
        worst_idx = grouped["score"].idxmin()
        if combine == "worst_of":
            rolled = grouped["score"].min()
        else:
            sums = grouped[["ws", "w"]].sum()
            rolled = sums["ws"] / sums["w"].where(sums["w"] > 0)
        out = pd.DataFrame(
            {
                "score": rolled,
                "children": grouped.size(),
                "worst_child": worst_idx,
                "worst_child_score": grouped["score"].min(),
            }
        )
        out.insert(1, "band", _bands(out["score"].to_numpy(dtype=np.float64), self.bands))
        out.index.name = parent.name if parent.name is not None else "parent"
        return out

    def _summary(self) -> dict[str, Any]:
        counts = self.band_counts()
        mean = self.scores["score"].mean()
        return {
            "accounts": len(self.scores),
            "mean_score": None if pd.isna(mean) else round(float(mean), 1),
            **{str(k): int(v) for k, v in counts.items()},
        }

    def plot(
        self,
        ax: Any = None,
        *,
        kind: Literal["hist", "bands", "contributions"] = "hist",
        **kwargs: Any,
    ) -> Any:
        """Score distribution, accounts per band, or what makes up the score in each band.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw.
        kind : {"hist", "bands", "contributions"}, default "hist"
            ``"hist"``: scores coloured by band; ``"bands"``: accounts per band;
            ``"contributions"``: the mean contribution of each measure in each band, stacked
            (the bars' lengths are the bands' mean scores), so one sees *why* bands differ.
        **kwargs
            Passed to ``ax.hist`` / ``ax.bar`` / ``ax.barh``.

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        ax = get_axes(ax)
        names = list(self.bands)
        colors = [BAND_COLORS.get(n, PALETTE[i % len(PALETTE)]) for i, n in enumerate(names)]
        if kind == "contributions":
            contrib = self.contributions.groupby(self.scores["band"].to_numpy()).mean()
            contrib = contrib.reindex([b for b in [*names, "unknown"] if b in contrib.index])
            left = np.zeros(len(contrib))
            labels = [str(b) for b in contrib.index]
            for i, measure in enumerate(contrib.columns):
                values = contrib[measure].fillna(0.0).to_numpy()
                ax.barh(labels, values, left=left, color=PALETTE[i % len(PALETTE)],
                        label=str(measure), **kwargs)  # fmt: skip
                left += values
            ax.set_xlabel("mean points contributed to the score")
            ax.set_xlim(0, 100)
            ax.legend(frameon=False, fontsize="small", loc="lower right")
            ax.set_title("What makes up the score, by band")
            return ax
        if kind == "bands":
            counts = self.band_counts()
            bar_colors = [
                BAND_COLORS.get(str(n), PALETTE[7]) if n != "unknown" else PALETTE[7]
                for n in counts.index
            ]
            ax.bar([str(i) for i in counts.index], counts.to_numpy(), color=bar_colors, **kwargs)
            ax.set_ylabel("accounts")
            ax.set_title("Accounts per health band")
            return ax
        bins = np.linspace(0, 100, 21)
        data = [self.scores.loc[self.scores["band"] == n, "score"].to_numpy() for n in names]
        ax.hist(data, bins=bins, stacked=True, color=colors, label=names, **kwargs)
        ax.set_xlabel("health score")
        ax.set_ylabel("accounts")
        ax.legend(frameon=False)
        ax.set_title("Health score distribution")
        return ax


def _per_account(values: Any, index: pd.Index, name: str) -> pd.Series:
    """A Series as given (aligned later by label); an array-like matches ``index`` by position."""
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, pd.DataFrame):
        raise InputError(f"{name} must be one value per account (a Series); got a DataFrame.")
    array = np.asarray(values)
    if array.ndim != 1 or array.size != len(index):
        raise InputError(
            f"{name} has shape {array.shape} but {len(index)} accounts were scored.",
            hint="pass a Series indexed by account, or one value per scored account in order.",
        )
    return pd.Series(array, index=index, name=name)


def _join_flags(flags: npt.NDArray[np.bool_], names: npt.NDArray[np.object_]) -> npt.NDArray[Any]:
    """Comma-join the names flagged in each row, vectorized over rows (loops over measures)."""
    out = np.full(flags.shape[0], "", dtype=object)
    for j, name in enumerate(names):
        hit = flags[:, j]
        sep = np.where(out[hit] == "", "", ", ")
        out[hit] = out[hit] + sep + str(name)
    return out


class HealthScoreModel:
    """Score accounts 0-100 with a :class:`HealthConfig`, explainably.

    ``fit(reference)`` learns what percentile normalisations compare against (e.g. all
    paying accounts last quarter); ``score(accounts)`` applies the configuration.

    Parameters
    ----------
    config : HealthConfig or dict
        The default configuration (a dict is validated into a :class:`HealthConfig`).
    profiles : mapping of str to HealthConfig, optional
        Other configurations per segment (plan, lifecycle stage...), keyed by the value of
        ``segment_col``; accounts of other segments use ``config``.
    segment_col : str, optional
        Column of the accounts table naming each account's segment (needed with ``profiles``).

    Attributes
    ----------
    references_ : dict
        Profile to {measure label: sorted reference values} for percentile measures.
    n_reference_ : dict
        Profile to the number of reference rows it was fitted on.

    Examples
    --------
    >>> import pandas as pd
    >>> accounts = pd.DataFrame(
    ...     {"active_days_30d": [2, 10, 25, None], "tickets_30d": [4, 1, 0, 2]},
    ...     index=pd.Index(["a1", "a2", "a3", "a4"], name="account_id"))
    >>> config = HealthConfig(measures=[
    ...     HealthMeasure(column="active_days_30d", name="activity", weight=3,
    ...                   normalization="goal", goal=20),
    ...     HealthMeasure(column="tickets_30d", name="tickets", direction="lower_is_better",
    ...                   normalization="thresholds", thresholds=[1, 3]),
    ... ])
    >>> scores = HealthScoreModel(config).fit(accounts).score(accounts)
    >>> scores.to_frame().round(2)
                score    band  observed_weight  contribution_activity  contribution_tickets
    account_id
    a1            7.5     red             1.00                    7.5                   0.0
    a2           50.0  yellow             1.00                   37.5                  12.5
    a3          100.0   green             1.00                   75.0                  25.0
    a4           50.0  yellow             0.25                    0.0                  50.0
    >>> scores.explain("a2")
             value  normalized  weight  contribution
    measure
    activity  10.0        50.0    0.75          37.5
    tickets    1.0        50.0    0.25          12.5
    """

    def __init__(
        self,
        config: HealthConfig | Mapping[str, Any],
        *,
        profiles: Mapping[str, HealthConfig | Mapping[str, Any]] | None = None,
        segment_col: str | None = None,
    ) -> None:
        self.config = config
        self.profiles = profiles
        self.segment_col = segment_col

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this model (for cloning and grid search).

        Parameters
        ----------
        deep : bool, default True
            Unused; for scikit-learn compatibility.

        Returns
        -------
        dict
            ``config``, ``profiles``, ``segment_col``.
        """
        return {"config": self.config, "profiles": self.profiles, "segment_col": self.segment_col}

    def set_params(self, **params: Any) -> Self:
        """Set parameters; unknown names raise :class:`ParameterError`.

        Parameters
        ----------
        **params
            New values.

        Returns
        -------
        HealthScoreModel
            ``self``.
        """
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise ParameterError.not_one_of("parameter", key, valid)
            setattr(self, key, value)
        return self

    # ------------------------------------------------------------------ helpers
    def _configs(self) -> dict[str, HealthConfig]:
        def as_config(c: HealthConfig | Mapping[str, Any]) -> HealthConfig:
            return c if isinstance(c, HealthConfig) else HealthConfig.model_validate(c)

        configs = {DEFAULT_PROFILE: as_config(self.config)}
        if self.profiles:
            if self.segment_col is None:
                raise ParameterError(
                    "profiles need segment_col= (the column naming each account's segment)."
                )
            for key, cfg in self.profiles.items():
                if str(key) == DEFAULT_PROFILE:
                    raise ParameterError(f"profile name {DEFAULT_PROFILE!r} is reserved.")
                configs[str(key)] = as_config(cfg)
        return configs

    def _segments(self, frame: pd.DataFrame, configs: dict[str, HealthConfig]) -> pd.Series | None:
        """Each account's profile name (None with one profile: every account is default)."""
        if self.segment_col is None or len(configs) == 1:
            return None
        require_columns(frame, {"segment_col": self.segment_col})
        # map each distinct segment once (a loop over segments, not rows), then take per row
        codes, uniques = pd.factorize(frame[self.segment_col], use_na_sentinel=True)
        names = [str(v) if str(v) in configs else DEFAULT_PROFILE for v in uniques]
        table = np.asarray([*names, DEFAULT_PROFILE], dtype=object)  # code -1: missing
        return pd.Series(table[codes], index=frame.index, dtype=object)

    @staticmethod
    def _require(frame: pd.DataFrame, config: HealthConfig) -> None:
        missing = [c for c in config.columns if c not in frame.columns]
        if missing:
            raise MissingColumnError(
                f"Column(s) not found: {missing!r} (named by the health config's measures). "
                f"Available: {list(frame.columns)[:20]!r}.",
                hint="fix HealthMeasure(column=...) or add the column (see account_features).",
            )

    # ------------------------------------------------------------------ fit / score
    def fit(self, reference: FrameLike) -> Self:
        """Learn the reference distributions of percentile measures.

        Parameters
        ----------
        reference : DataFrame-like
            The population scores are relative to (e.g. all paying accounts), with the columns
            the measures name (and ``segment_col`` with profiles).

        Returns
        -------
        HealthScoreModel
            ``self``.

        Raises
        ------
        MissingColumnError
            If a measure's column is missing.
        SchemaError
            If a measure's column is not numeric.
        InputError
            If a percentile measure has no non-missing reference value (in its segment).

        Warns
        -----
        DataQualityWarning
            If a percentile measure is constant in the reference (it cannot rank anyone).
        """
        frame = to_pandas(reference, name="reference")
        configs = self._configs()
        segments = self._segments(frame, configs)
        references: dict[str, dict[str, F64]] = {}
        sizes: dict[str, int] = {}
        for profile, config in configs.items():
            self._require(frame, config)
            # the default profile's reference is every account; another's, its segment
            in_profile = (
                None
                if profile == DEFAULT_PROFILE or segments is None
                else (segments == profile).to_numpy()
            )
            sizes[profile] = len(frame) if in_profile is None else int(in_profile.sum())
            refs: dict[str, F64] = {}
            for m in config.measures:
                values = _numeric(frame, m.column, "reference")
                if in_profile is not None:
                    values = values[in_profile]
                if m.normalization == "percentile":
                    values = np.sort(values[~np.isnan(values)])
                    if values.size == 0:
                        where = "" if profile == DEFAULT_PROFILE else f" in segment {profile!r}"
                        raise InputError(
                            f"Measure {m.label!r} has no non-missing reference value{where}.",
                            hint="fit on a reference population where the column is observed.",
                        )
                    if values[0] == values[-1]:
                        warnings.warn(
                            f"Measure {m.label!r} is constant in the reference population "
                            f"({values[0]:g} for all {values.size:,} rows): as a percentile it "
                            "scores every account 50 (or 0/100 beyond that value).",
                            DataQualityWarning,
                            stacklevel=2,
                        )
                    refs[m.label] = values
            references[profile] = refs
        self.references_ = references
        self.n_reference_ = sizes
        return self

    def score(
        self, accounts: FrameLike, *, previous: HealthScores | pd.Series | None = None
    ) -> HealthScores:
        """Score accounts.

        Parameters
        ----------
        accounts : DataFrame-like
            One row per account with the measures' columns; the result is indexed like it.
        previous : HealthScores, pandas.Series or array-like, optional
            An earlier scoring (or its ``score`` series, aligned by account; an array is one
            score per account in order) of the same accounts: adds ``score_change`` (now minus
            then) and ``previous_band``.

        Returns
        -------
        HealthScores
            Scores, bands, observed weight, contributions; ``.explain(account)`` says why.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        InputError
            For missing values when the config says ``missing="raise"``.

        Warns
        -----
        DataQualityWarning
            When accounts have no observed measure at all (their score is NaN, band
            ``"unknown"``), or ``previous`` shares no account with them (e.g. ids of another
            type).
        """
        check_is_fitted(self, "references_")
        frame = to_pandas(accounts, name="accounts", allow_empty=True)
        configs = self._configs()
        segments = self._segments(frame, configs)
        n = len(frame)
        labels = list(dict.fromkeys(m.label for cfg in configs.values() for m in cfg.measures))
        pos = {label: j for j, label in enumerate(labels)}
        # column-major: each measure's column is contiguous for the frames built at the end;
        # with one profile its own arrays become these (nothing to fill in)
        shape = (n if segments is not None else 0, len(labels))
        normalized = np.full(shape, np.nan, order="F")
        raw = np.full(shape, np.nan, order="F")
        contrib = np.zeros(shape, order="F")
        score = np.full(n, np.nan)
        observed_weight = np.zeros(n)
        band_names: list[str] = list(
            dict.fromkeys(b.name for cfg in configs.values() for b in cfg.bands)
        )
        band_names.append("unknown")
        band_codes = np.full(n, len(band_names) - 1, dtype=np.intp)
        critical_labels = np.zeros((n, len(labels)), dtype=bool)
        any_critical = any(m.critical is not None for cfg in configs.values() for m in cfg.measures)
        weights_out: dict[str, dict[str, float]] = {}
        for profile, config in configs.items():
            self._require(frame, config)
            weights = config.weights()
            weights_out[profile] = weights
            # the accounts of this profile: all of them (no copies) or their positions
            rows: slice | npt.NDArray[np.intp] = slice(None)
            if segments is not None:
                rows = np.flatnonzero((segments == profile).to_numpy())
            if not (n if isinstance(rows, slice) else rows.size):
                continue
            cols = np.asarray([pos[m.label] for m in config.measures], dtype=np.intp)
            cells = (rows, cols) if isinstance(rows, slice) else np.ix_(rows, cols)
            values = _columns(
                [_numeric(frame, m.column, "accounts")[rows] for m in config.measures]
            )
            if config.missing == "raise" and np.isnan(values).any():
                j = int(np.flatnonzero(np.isnan(values).any(axis=0))[0])
                col = config.measures[j].column
                raise InputError.bad_values(
                    col,
                    "missing values (the health config says missing='raise')",
                    n_bad=int(np.isnan(values[:, j]).sum()),
                    n_rows=values.shape[0],
                    hint="fill them, or use missing='renormalize' or 'zero'.",
                )
            refs = self.references_.get(profile, {})
            norm = _columns(
                [
                    _normalize(m, values[:, j], refs.get(m.label))
                    for j, m in enumerate(config.measures)
                ]
            )
            w = np.asarray([weights[m.label] for m in config.measures], dtype=np.float64)
            combine = hk.combine_worst if config.combine == "worst_of" else hk.combine_weighted
            if config.missing == "zero":
                s, _, c = combine(np.where(np.isnan(norm), 0.0, norm), w)
                ow = (~np.isnan(norm) * w).sum(axis=1)
            else:
                s, ow, c = combine(norm, w)
            hard = np.zeros(values.shape[0], dtype=bool)
            for j, m in enumerate(config.measures):
                if m.critical is not None:
                    x = values[:, j]
                    hit = x <= m.critical if m.higher_is_better else x >= m.critical
                    hit &= ~np.isnan(x)
                    hard |= hit
                    critical_labels[rows, pos[m.label]] = hit
            if segments is None:
                normalized, raw, contrib = norm, values, np.asfortranarray(c)
            else:
                normalized[cells] = norm
                raw[cells] = values
                contrib[cells] = c
            score[rows] = s
            observed_weight[rows] = ow
            local = _band_codes(s, {b.name: b.min_score for b in config.bands})
            local[hard] = 0
            to_global = np.asarray(
                [band_names.index(b.name) for b in config.bands] + [len(band_names) - 1]
            )
            band_codes[rows] = to_global[local]
        n_unknown = int(np.isnan(score).sum())
        if n_unknown:
            warnings.warn(
                f"{n_unknown:,} of {n:,} accounts have no observed health measure; their score "
                "is NaN and their band 'unknown'.",
                DataQualityWarning,
                stacklevel=2,
            )
        index = frame.index
        default_bands = {b.name: b.min_score for b in configs[DEFAULT_PROFILE].bands}
        columns: dict[str, Any] = {
            "score": score,
            "band": _names(band_codes, band_names).array,
            "observed_weight": observed_weight,
        }
        if any_critical:
            # which hard thresholds were crossed ("" when none): the band says lowest regardless
            names = np.asarray(labels, dtype=object)
            columns["critical"] = _join_flags(critical_labels, names)
        if segments is not None:
            columns["profile"] = segments.to_numpy(dtype=object).astype(str)
        if previous is not None:
            prev = (
                previous.score
                if isinstance(previous, HealthScores)
                else _per_account(previous, index, "previous").astype(float)
            )
            if not index.is_unique or not prev.index.is_unique:
                raise InputError(
                    "Scoring against a previous scoring needs unique account indexes.",
                    hint="index both tables by account id.",
                )
            aligned = prev.reindex(index).astype(float)
            if n and len(prev) and not index.isin(prev.index).any():
                warnings.warn(
                    f"The previous scoring shares no account with these {n:,} accounts (e.g. "
                    f"{index[0]!r} vs {prev.index[0]!r}): every score_change is NaN.",
                    DataQualityWarning,
                    stacklevel=2,
                )
            columns["score_change"] = score - aligned.to_numpy()
            if isinstance(previous, HealthScores):
                prev_band = previous.band.reindex(index).astype(object).to_numpy()
            else:
                prev_values: F64 = np.asarray(aligned, dtype=np.float64)
                prev_band = _bands(prev_values, default_bands)
                prev_band[np.isnan(prev_values)] = None
            columns["previous_band"] = prev_band
        for label, j in pos.items():
            columns[f"contribution_{label}"] = contrib[:, j]
        return HealthScores(
            # built once, from arrays made here (copy=False: no second copy of them)
            scores=pd.DataFrame(columns, index=index, copy=False),
            normalized=pd.DataFrame(normalized, index=index, columns=labels, copy=False),
            values=pd.DataFrame(raw, index=index, columns=labels, copy=False),
            weights=weights_out,
            bands=default_bands,
        )
