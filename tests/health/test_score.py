"""HealthConfig, HealthScoreModel and HealthScores: worked examples, properties, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy import stats

from saasmetrics.exceptions import (
    DataQualityWarning,
    InputError,
    MissingColumnError,
    NotFittedError,
    ParameterError,
    SchemaError,
)
from saasmetrics.health import (
    HealthBand,
    HealthConfig,
    HealthGroup,
    HealthMeasure,
    HealthScoreModel,
    HealthScores,
)


def _one(measure: HealthMeasure, values: list[float], reference: list[float] | None = None):
    config = HealthConfig(measures=[measure])
    ref = pd.DataFrame({measure.column: reference if reference is not None else values})
    frame = pd.DataFrame({measure.column: values})
    return HealthScoreModel(config).fit(ref).score(frame)


# ----------------------------------------------------------------- worked examples
@pytest.mark.parametrize("n_measures", [1, 3, 9, 12])
def test_a_score_on_a_band_edge_lands_in_that_band(n_measures: int) -> None:
    # every measure scores 75 (goal normalization: 75 of a goal of 100); the weighted mean of
    # nine equal weights is 74.99999999999997 in floating point, and still belongs in green
    measures = [
        HealthMeasure(column=f"m{i}", normalization="goal", goal=100) for i in range(n_measures)
    ]
    frame = pd.DataFrame({f"m{i}": [75.0, 50.0, 49.0] for i in range(n_measures)})
    scores = HealthScoreModel(HealthConfig(measures=measures)).fit(frame).score(frame)
    assert scores.score.to_numpy() == pytest.approx([75, 50, 49])
    assert scores.band.tolist() == ["green", "yellow", "red"]


def test_percentile_matches_scipy_percentileofscore_mean() -> None:
    # scipy.stats.percentileofscore(kind="mean") is the published mid-rank definition
    reference = [1, 2, 2, 3, 5, 8, 13, 13, 21]
    values = [0, 2, 4, 13, 30]
    got = _one(HealthMeasure(column="x"), values, reference).score.to_numpy()
    expected = [stats.percentileofscore(reference, v, kind="mean") for v in values]
    np.testing.assert_allclose(got, expected)
    lower = _one(HealthMeasure(column="x", direction="lower_is_better"), values, reference)
    np.testing.assert_allclose(lower.score.to_numpy(), 100 - np.array(expected))


def test_thresholds_worked_example_with_inclusive_edges() -> None:
    # logins per month: < 4 red (0), 4..11 yellow (60), >= 12 green (100)
    m = HealthMeasure(
        column="logins",
        normalization="thresholds",
        thresholds=[4, 12],
        threshold_scores=[0, 60, 100],
    )
    got = _one(m, [0, 3.9, 4, 11, 12, 40]).score.tolist()
    assert got == [0, 0, 60, 60, 100, 100]
    upper = m.model_copy(update={"inclusive": "upper"})
    assert _one(upper, [4, 4.1, 12, 12.1]).score.tolist() == [0, 60, 60, 100]


def test_thresholds_default_scores_follow_direction() -> None:
    m = HealthMeasure(
        column="tickets",
        normalization="thresholds",
        thresholds=[1, 3, 6],
        direction="lower_is_better",
    )
    assert m.threshold_scores == pytest.approx((100, 66.6666666667, 33.3333333333, 0))
    assert _one(m, [0, 2, 5, 9]).score.round(1).tolist() == [100, 66.7, 33.3, 0]


def test_goal_worked_example() -> None:
    # goal: 20 active days a month; 5 -> 25 %, 30 -> capped at 100
    m = HealthMeasure(column="days", normalization="goal", goal=20)
    assert _one(m, [0, 5, 20, 30]).score.tolist() == [0, 25, 100, 100]
    low = HealthMeasure(
        column="hours", normalization="goal", goal=4, direction="lower_is_better"
    )  # e.g. time to first response
    assert _one(low, [1, 4, 8, 16]).score.tolist() == [100, 100, 50, 25]


def test_points_worked_example_nps_style() -> None:
    # NPS of the account: 0 is neutral (50 points), each NPS point is worth 0.5 health points
    m = HealthMeasure(column="nps", normalization="points", neutral=0, points_per_unit=0.5)
    assert _one(m, [-100, -40, 0, 30, 100]).score.tolist() == [0, 30, 50, 65, 100]


def test_groups_dear_weights() -> None:
    # Gainsight-style DEAR groups: deployment, engagement, adoption, ROI
    config = HealthConfig(
        measures=[
            HealthMeasure(column="seats_used", group="deployment"),
            HealthMeasure(column="active_days", group="engagement", weight=3),
            HealthMeasure(column="logins", group="engagement"),
            HealthMeasure(column="core_features", group="adoption"),
            HealthMeasure(column="reports_shared", group="roi"),
        ],
        groups=[
            HealthGroup(name="deployment", weight=1),
            HealthGroup(name="engagement", weight=2),
            HealthGroup(name="adoption", weight=1),
            HealthGroup(name="roi", weight=1),
        ],
    )
    w = config.weights()
    assert w == pytest.approx(
        {
            "seats_used": 0.2,
            "active_days": 0.3,
            "logins": 0.1,
            "core_features": 0.2,
            "reports_shared": 0.2,
        }
    )
    assert sum(w.values()) == pytest.approx(1.0)


# ----------------------------------------------------------------- config validation
def test_config_round_trips_through_json() -> None:
    config = HealthConfig(
        measures=[
            HealthMeasure(column="a", normalization="goal", goal=3),
            HealthMeasure(column="b", normalization="thresholds", thresholds=[1, 2]),
        ],
        bands=[HealthBand(name="bad", min_score=0), HealthBand(name="good", min_score=60)],
        combine="worst_of",
        missing="zero",
    )
    again = HealthConfig.model_validate_json(config.model_dump_json())
    assert again == config
    assert "measures" in HealthConfig.model_json_schema()["properties"]


@pytest.mark.parametrize(
    ("payload", "field", "text"),
    [
        ({"measures": [{"column": "a", "weight": 0}]}, "measures", "sum to a positive"),
        ({"measures": [{"column": "a", "weight": -1}]}, "weight", "greater than or equal"),
        ({"measures": []}, "measures", "at least 1"),
        ({"measures": [{"column": "a", "normalization": "goal"}]}, "goal", "needs goal"),
        (
            {"measures": [{"column": "a", "normalization": "points", "neutral": 0}]},
            "points_per_unit",
            "needs points_per_unit",
        ),
        (
            {"measures": [{"column": "a", "normalization": "thresholds", "thresholds": [3, 1]}]},
            "thresholds",
            "strictly increasing",
        ),
        ({"measures": [{"column": "a", "normalization": "magic"}]}, "normalization", "percentile"),
        (
            {"measures": [{"column": "a"}], "bands": [{"name": "x", "min_score": 10}]},
            "bands",
            "start at 0",
        ),
        ({"measures": [{"column": "a"}, {"column": "a"}]}, "measures", "unique"),
        ({"measures": [{"column": "a", "group": "g"}]}, "group", "no groups"),
        ({"measures": [{"column": "a"}], "combine": "median"}, "combine", "worst_of"),
        ({"measures": [{"column": "a", "colour": "red"}]}, "colour", "Extra inputs"),
    ],
)
def test_invalid_configs_name_the_field(payload: dict, field: str, text: str) -> None:
    with pytest.raises(ValidationError) as info:
        HealthConfig.model_validate(payload)
    message = str(info.value)
    assert field in message
    assert text in message


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        (
            {"measures": [{"column": "a", "normalization": "thresholds", "thresholds": [1, 2],
                           "threshold_scores": [0, 100]}]},
            ("measures", 0, "threshold_scores"),
        ),
        (
            {"measures": [{"column": "a", "normalization": "thresholds", "thresholds": [1],
                           "threshold_scores": [100, 0]}]},
            ("measures", 0, "threshold_scores"),
        ),
        (
            {"measures": [{"column": "a"}, {"column": "b", "group": "g"}]},
            ("measures", 1, "group"),
        ),
        (
            {"measures": [{"column": "a", "group": "x"}], "groups": [{"name": "g"}]},
            ("measures", 0, "group"),
        ),
    ],
)  # fmt: skip
def test_invalid_configs_point_at_the_field(payload: dict, loc: tuple) -> None:  # type: ignore[type-arg]
    # review: these errors had an empty location (the whole model), not the field
    with pytest.raises(ValidationError) as info:
        HealthConfig.model_validate(payload)
    assert info.value.errors()[0]["loc"] == loc


# ----------------------------------------------------------------- scoring behaviour
def _config(**kw) -> HealthConfig:  # type: ignore[no-untyped-def]
    return HealthConfig(
        measures=[
            HealthMeasure(column="a", weight=2),
            HealthMeasure(column="b", direction="lower_is_better", normalization="goal", goal=5),
            HealthMeasure(column="c", normalization="thresholds", thresholds=[1, 5]),
        ],
        **kw,
    )


def _accounts(n: int = 8, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.integers(0, 20, n).astype(float),
            "c": rng.integers(0, 8, n).astype(float),
        },
        index=pd.Index([f"acc{i}" for i in range(n)], name="account_id"),
    )


def test_to_frame_contract() -> None:
    acc = _accounts()
    scores = HealthScoreModel(_config()).fit(acc).score(acc)
    frame = scores.to_frame()
    assert frame.index.equals(acc.index)
    assert list(frame.columns) == [
        "score",
        "band",
        "observed_weight",
        "contribution_a",
        "contribution_b",
        "contribution_c",
    ]
    np.testing.assert_allclose(scores.contributions.sum(axis=1), frame["score"])
    assert set(frame["band"]) <= {"red", "yellow", "green"}
    assert scores.band_counts().sum() == len(acc)


def test_missing_policies() -> None:
    acc = _accounts()
    acc.loc["acc0", "a"] = np.nan
    full = HealthScoreModel(_config()).fit(acc).score(acc)
    assert full.observed_weight["acc0"] == pytest.approx(0.5)
    # renormalize: acc0's score is the mean of b and c's normalised values
    assert full.score["acc0"] == pytest.approx(full.normalized.loc["acc0", ["b", "c"]].mean())
    zero = HealthScoreModel(_config(missing="zero")).fit(acc).score(acc)
    assert zero.score["acc0"] == pytest.approx(full.score["acc0"] / 2)
    with pytest.raises(InputError, match="missing='raise'"):
        HealthScoreModel(_config(missing="raise")).fit(acc).score(acc)


def test_all_missing_warns_and_bands_unknown() -> None:
    acc = _accounts()
    acc.loc["acc1", ["a", "b", "c"]] = np.nan
    model = HealthScoreModel(_config()).fit(acc)
    with pytest.warns(DataQualityWarning, match="1 of 8 accounts have no observed"):
        scores = model.score(acc)
    assert np.isnan(scores.score["acc1"])
    assert scores.band["acc1"] == "unknown"
    assert scores.band_counts()["unknown"] == 1


def test_worst_of_takes_the_lowest_measure() -> None:
    acc = _accounts()
    scores = HealthScoreModel(_config(combine="worst_of")).fit(acc).score(acc)
    np.testing.assert_allclose(scores.score, scores.normalized.min(axis=1))


def test_profiles_per_segment_and_rollup_and_trend() -> None:
    acc = _accounts(12).assign(plan=["starter", "business"] * 6)
    business = HealthConfig(measures=[HealthMeasure(column="c", normalization="goal", goal=4)])
    model = HealthScoreModel(_config(), profiles={"business": business}, segment_col="plan")
    scores = model.fit(acc).score(acc)
    biz = acc["plan"] == "business"
    assert (scores.to_frame().loc[biz, "profile"] == "business").all()
    np.testing.assert_allclose(scores.score[biz], np.minimum(acc.loc[biz, "c"] / 4, 1) * 100)
    assert (scores.to_frame().loc[~biz, "profile"] == "default").all()
    assert scores.explain("acc1").index.tolist() == ["c"]

    later = acc.assign(c=acc["c"] + 1)
    trend = model.score(later, previous=scores)
    assert (trend.to_frame()["score_change"] >= 0).all()
    assert trend.to_frame()["previous_band"].tolist() == scores.band.tolist()

    parents = pd.Series(["p1"] * 6 + ["p2"] * 6, index=acc.index, name="parent_id")
    rolled = scores.rollup(parents)
    assert rolled["children"].tolist() == [6, 6]
    assert rolled.loc["p1", "score"] == pytest.approx(scores.score.iloc[:6].mean())
    worst = scores.rollup(parents, combine="worst_of")
    assert worst.loc["p2", "score"] == scores.score.iloc[6:].min()
    weighted = scores.rollup(parents, weights=pd.Series(np.arange(12.0), index=acc.index))
    w = np.arange(6.0)
    assert weighted.loc["p1", "score"] == pytest.approx((scores.score.iloc[:6] * w).sum() / w.sum())


def test_errors_and_model_contract() -> None:
    acc = _accounts()
    model = HealthScoreModel(_config())
    with pytest.raises(NotFittedError):
        model.score(acc)
    with pytest.raises(MissingColumnError, match="health config"):
        model.fit(acc.drop(columns="b"))
    with pytest.raises(SchemaError, match="number was expected"):
        model.fit(acc.assign(a="x"))
    with pytest.raises(InputError, match="no non-missing reference"):
        model.fit(acc.assign(a=np.nan))
    assert model.get_params()["segment_col"] is None
    assert model.set_params(segment_col="plan") is model
    copy = acc.copy()
    model.set_params(segment_col=None).fit(acc).score(acc)
    pd.testing.assert_frame_equal(acc, copy)
    assert HealthScoreModel({"measures": [{"column": "a"}]}).fit(acc).score(acc).score.notna().all()


def test_result_round_trips_and_renders() -> None:
    acc = _accounts()
    scores = HealthScoreModel(_config()).fit(acc).score(acc)
    again = HealthScores.from_json(scores.to_json())
    pd.testing.assert_frame_equal(again.to_frame(), scores.to_frame())
    assert again.weights == scores.weights
    assert "HealthScores(accounts=8" in repr(scores)
    assert "<table>" in scores._repr_html_()
    json.loads(scores.to_json())


def test_plots_return_axes() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    acc = _accounts(30)
    scores = HealthScoreModel(_config()).fit(acc).score(acc)
    for kind in ("hist", "bands", "contributions"):
        ax = scores.plot(kind=kind)
        assert ax.get_title()
        plt.close(ax.figure)


# ----------------------------------------------------------------- properties
values = st.floats(-1e3, 1e3, allow_nan=False)
rows = st.lists(
    st.tuples(
        st.one_of(st.none(), values), st.one_of(st.none(), values), st.one_of(st.none(), values)
    ),
    min_size=2,
    max_size=25,
)


def _frame(data: list[tuple[float | None, ...]]) -> pd.DataFrame:
    return pd.DataFrame(
        [[np.nan if v is None else v for v in r] for r in data],
        columns=["a", "b", "c"],
        index=pd.Index([f"acc{i}" for i in range(len(data))]),
    )


@given(
    rows,
    st.sampled_from(["weighted_mean", "worst_of"]),
    st.sampled_from(["renormalize", "zero"]),
    st.data(),
)
def test_properties(data, combine, missing, draw) -> None:  # type: ignore[no-untyped-def]
    frame = _frame(data)
    if frame["a"].isna().all():
        frame.iloc[0, 0] = 0.0
    config = _config(combine=combine, missing=missing)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # constant reference columns
        model = HealthScoreModel(config).fit(frame)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = model.score(frame)
    s = scores.score
    # scores in [0, 100]; NaN only with a warning
    assert ((s >= 0) & (s <= 100) | s.isna()).all()
    if s.isna().any():
        assert any(issubclass(w.category, DataQualityWarning) for w in caught)
    assert s.isna().sum() == (missing == "renormalize") * frame.isna().all(axis=1).sum()
    # weights normalised; observed weight in [0, 1]
    assert sum(config.weights().values()) == pytest.approx(1.0)
    assert scores.observed_weight.between(0, 1 + 1e-12).all()
    # invariance to account order
    perm = draw.draw(st.permutations(list(frame.index)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        shuffled = HealthScoreModel(config).fit(frame.loc[perm]).score(frame.loc[perm])
    pd.testing.assert_series_equal(shuffled.score.loc[frame.index], s)
    # monotone in each measure's direction: improving one measure never lowers the score
    i = draw.draw(st.integers(0, len(frame) - 1))
    col = draw.draw(st.sampled_from(["a", "b", "c"]))
    step = draw.draw(st.floats(0, 100))
    better = frame.copy()
    if pd.isna(better.iloc[i][col]):
        return
    sign = -1 if col == "b" else 1
    better.iloc[i, better.columns.get_loc(col)] += sign * step
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        improved = model.score(better).score.iloc[i]
    assert improved >= s.iloc[i] - 1e-9


def test_hard_thresholds_force_the_lowest_band() -> None:
    config = HealthConfig(
        measures=[
            HealthMeasure(column="active_users", normalization="goal", goal=5, critical=0),
            HealthMeasure(
                column="p1_tickets",
                direction="lower_is_better",
                normalization="thresholds",
                thresholds=[1],
                critical=3,
            ),
        ]
    )
    acc = pd.DataFrame(
        {"active_users": [0, 10, 10, 2], "p1_tickets": [0, 0, 4, np.nan]}, index=list("abcd")
    )
    scores = HealthScoreModel(config).fit(acc).score(acc)
    frame = scores.to_frame()
    assert frame["band"].tolist() == ["red", "green", "red", "red"]
    assert frame["critical"].tolist() == ["active_users", "", "p1_tickets", ""]
    assert frame.loc["a", "score"] == 50.0  # the score itself is unchanged
    assert frame.loc["c", "score"] == 50.0


def test_constant_percentile_reference_warns() -> None:
    acc = _accounts().assign(a=3.0)
    with pytest.warns(DataQualityWarning, match="'a' is constant"):
        model = HealthScoreModel(_config()).fit(acc)
    assert (model.score(acc).normalized["a"] == 50.0).all()


def test_bands_can_be_a_mapping() -> None:
    config = HealthConfig.model_validate(
        {"measures": [{"column": "a"}], "bands": {"bad": 0, "ok": 40, "great": 80}}
    )
    assert [(b.name, b.min_score) for b in config.bands] == [("bad", 0), ("ok", 40), ("great", 80)]
    assert HealthConfig(measures=[HealthMeasure(column="a")], bands={"low": 0, "high": 50}).bands[
        1
    ] == HealthBand(name="high", min_score=50)


@pytest.mark.parametrize(
    "plan",
    [
        pd.Series(["pro", None, "starter", "pro", "business"]),
        pd.Series(["pro", None, "starter", "pro", "business"], dtype="category"),
        pd.Series([2, None, 1, 2, 3], dtype="Int64"),
    ],
)
def test_profile_per_account_matches_a_per_row_lookup(plan: pd.Series) -> None:
    acc = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0]}).assign(plan=plan)
    config = HealthConfig(measures=[HealthMeasure(column="x", normalization="goal", goal=5)])
    profiles = {"pro": config, "2": config, "business": config}
    scores = HealthScoreModel(config, profiles=profiles, segment_col="plan").fit(acc).score(acc)
    expected = [
        "default" if pd.isna(v) or str(v) not in profiles else str(v) for v in plan.tolist()
    ]
    assert scores.to_frame()["profile"].tolist() == expected


def test_rollup_and_previous_take_arrays_in_account_order_and_refuse_bad_weights() -> None:
    # review: arrays raised AttributeError; a negative weight silently gave a NaN parent
    acc = _accounts(6)
    model = HealthScoreModel(_config()).fit(acc)
    scores = model.score(acc)
    parents = ["p", "p", "p", "q", "q", "q"]
    by_series = scores.rollup(pd.Series(parents, index=acc.index))
    pd.testing.assert_frame_equal(scores.rollup(parents), by_series)
    pd.testing.assert_frame_equal(scores.rollup(np.array(parents)), by_series)
    with pytest.raises(InputError, match="6 accounts were scored"):
        scores.rollup(parents[:5])
    with pytest.raises(ParameterError, match="non-negative"):
        scores.rollup(parents, weights=[1.0, -1.0, 1.0, 1.0, 1.0, 1.0])
    previous = scores.score.to_numpy() - 5.0
    trend = model.score(acc, previous=previous).to_frame()
    np.testing.assert_allclose(trend["score_change"], 5.0)
    pd.testing.assert_frame_equal(
        trend, model.score(acc, previous=pd.Series(previous, index=acc.index)).to_frame()
    )
    with pytest.raises(InputError, match="previous"):
        model.score(acc, previous=[1.0, 2.0])


def test_a_previous_scoring_of_other_accounts_is_flagged() -> None:
    # review: ids of another type (1 vs "1") silently gave an all-NaN score_change
    acc = _accounts(4)
    model = HealthScoreModel(_config()).fit(acc)
    previous = model.score(acc).score.set_axis(range(4))
    with pytest.warns(DataQualityWarning, match="shares no account"):
        trend = model.score(acc, previous=previous).to_frame()
    assert trend["score_change"].isna().all()
    partly = model.score(acc, previous=model.score(acc.iloc[:2]))  # new accounts: no warning
    assert partly.to_frame()["score_change"].isna().tolist() == [False, False, True, True]


# --------------------------------------------------------------------------- issue 14, item 10
def test_rollup_reports_accounts_whose_parent_label_does_not_match() -> None:
    acc = _accounts(6)  # indexed acc0 ... acc5
    scores = HealthScoreModel(_config()).fit(acc).score(acc)
    # labels of another type (e.g. ids read as numbers elsewhere): nothing matches
    numbered = pd.Series(["p"] * 6, index=range(6))
    with pytest.raises(InputError, match="none of the 6 scored accounts"):
        scores.rollup(numbered)
    # two accounts missing from the mapping: they are reported, not dropped in silence
    partial = pd.Series(["p", "p", "q", "q"], index=acc.index[:4])
    with pytest.warns(DataQualityWarning, match=r"2 of 6 scored accounts.*'acc4'"):
        rolled = scores.rollup(partial)
    assert rolled["children"].sum() == 4
    # a null parent is an explicit "no parent": skipped without a warning
    explicit = pd.Series(["p", "p", "q", "q", None, None], index=acc.index)
    pd.testing.assert_frame_equal(scores.rollup(explicit), rolled)
    with pytest.raises(InputError, match="repeat"):
        scores.rollup(pd.Series(["p"] * 7, index=[*acc.index, "acc0"]))
