"""Journeys from touchpoints and conversions, and from path strings: semantics and bad input."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saasmetrics.attribution import Journeys, journeys
from saasmetrics.exceptions import (
    DataQualityWarning,
    EmptyDataError,
    InputError,
    MissingColumnError,
    ParameterError,
    SchemaError,
)


def _ts(*days: str) -> pd.Series:
    return pd.to_datetime(list(days))


TOUCHES = pd.DataFrame(
    {
        "user_id": ["u1", "u1", "u1", "u1", "u2", "u2", "u3"],
        "timestamp": _ts(
            "2024-01-01",
            "2024-02-01",
            "2024-02-03",
            "2024-02-10",
            "2024-01-05",
            "2024-01-06",
            "2024-03-01",
        ),
        "channel": [
            "Display",
            "Paid Search",
            "Email",
            "Organic Search",
            "Paid Social",
            "Paid Social",
            "Referral",
        ],
    }
)
CONVERSIONS = pd.DataFrame(
    {
        "user_id": ["u1", "u2"],
        "timestamp": _ts("2024-02-05", "2024-01-06"),
        "value": [1200.0, 600.0],
    }
)


def test_touches_go_to_the_next_conversion_within_the_lookback() -> None:
    jrn = journeys(TOUCHES, CONVERSIONS, lookback="30D")
    frame = jrn.to_frame()
    # u1: Display (Jan 1) is 35 days before the Feb 5 conversion: outside the window.
    # u1's touch after the conversion forms a non-converting journey; u3 never converts.
    assert frame.to_dict("list") == {
        "path": [
            "Paid Search > Email",
            "Paid Social > Paid Social",
            "Organic Search",
            "Referral",
        ],
        "conversions": [1.0, 1.0, 0.0, 0.0],
        "nulls": [0.0, 0.0, 1.0, 1.0],
        "value": [1200.0, 600.0, 0.0, 0.0],
    }
    assert jrn.n_dropped_touches == 1
    assert jrn.n_unattributed == 0
    assert jrn.channels == (
        "Email",
        "Organic Search",
        "Paid Search",
        "Paid Social",
        "Referral",
    )
    # seconds from each touch to the conversion (a touch at conversion time counts)
    assert jrn.elapsed_s is not None
    assert jrn.elapsed_s[:2].tolist() == [4 * 86400.0, 2 * 86400.0]


def test_a_longer_lookback_keeps_older_touches_and_collapse_merges_repeats() -> None:
    longer = journeys(TOUCHES, CONVERSIONS, lookback="60D")
    assert longer.to_frame()["path"].iloc[0] == "Display > Paid Search > Email"
    collapsed = journeys(TOUCHES, CONVERSIONS, collapse_repeats=True)
    assert collapsed.to_frame()["path"].iloc[1] == "Paid Social"


def test_conversions_without_touches_become_direct_or_are_dropped_with_a_warning() -> None:
    convs = pd.concat(
        [
            CONVERSIONS,
            pd.DataFrame({"user_id": ["u9"], "timestamp": _ts("2024-01-09"), "value": [50.0]}),
        ],
        ignore_index=True,
    )
    direct = journeys(TOUCHES, convs)
    assert direct.n_unattributed == 1
    assert "Direct" in direct.channels
    assert direct.total_conversions == 3.0
    assert direct.total_value == 1850.0
    with pytest.warns(DataQualityWarning, match="1 of 3 conversions"):
        dropped = journeys(TOUCHES, convs, unattributed="drop")
    assert dropped.total_conversions == 2.0


def test_channels_are_derived_from_utm_columns_or_urls() -> None:
    base = TOUCHES.drop(columns="channel")
    utm = base.assign(
        utm_source=["google", "google", "newsletter", None, "facebook", "facebook", "blog.io"],
        utm_medium=["display", "cpc", "email", None, "paid", "paid", "referral"],
    )
    from_utm = journeys(utm, CONVERSIONS)
    assert from_utm.to_frame()["path"].tolist()[:2] == [
        "Paid Search > Email",
        "Paid Social > Paid Social",
    ]
    urls = base.assign(
        url=[
            "https://a.io/?utm_source=google&utm_medium=display",
            "https://a.io/?gclid=1",
            "https://a.io/?utm_source=newsletter&utm_medium=email",
            "https://a.io/",
            "https://a.io/?utm_source=facebook&utm_medium=paid",
            "https://a.io/?utm_source=facebook&utm_medium=paid",
            "https://a.io/?utm_source=blog.io&utm_medium=referral",
        ]
    )
    from_urls = journeys(urls, CONVERSIONS)
    assert from_urls.to_frame()["path"].tolist() == [
        "Paid Search > Email",
        "Paid Social > Paid Social",
        "Direct",
        "Referral",
    ]
    with pytest.raises(MissingColumnError, match="channel_col"):
        journeys(base, CONVERSIONS)


def test_row_order_does_not_change_journeys() -> None:
    shuffled = TOUCHES.sample(frac=1.0, random_state=3)
    a = journeys(TOUCHES, CONVERSIONS).to_frame(aggregate=True)
    b = journeys(shuffled, CONVERSIONS.iloc[::-1]).to_frame(aggregate=True)
    pd.testing.assert_frame_equal(a, b)


def test_inputs_are_not_mutated() -> None:
    touches, convs = TOUCHES.copy(), CONVERSIONS.copy()
    journeys(touches, convs)
    pd.testing.assert_frame_equal(touches, TOUCHES)
    pd.testing.assert_frame_equal(convs, CONVERSIONS)


@pytest.mark.parametrize("lookback", ["0D", "-3D", "soon", 0])
def test_lookback_must_be_positive(lookback: object) -> None:
    with pytest.raises(ParameterError, match="lookback"):
        journeys(TOUCHES, CONVERSIONS, lookback=lookback)


def test_time_zones_must_agree_but_may_differ() -> None:
    aware = TOUCHES.assign(timestamp=TOUCHES["timestamp"].dt.tz_localize("UTC"))
    with pytest.raises(SchemaError, match="naive"):
        journeys(aware, CONVERSIONS)
    # the same instants in two zones give the same journeys
    conv = CONVERSIONS.assign(
        timestamp=CONVERSIONS["timestamp"].dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo")
    )
    pd.testing.assert_frame_equal(
        journeys(aware, conv).to_frame(), journeys(TOUCHES, CONVERSIONS).to_frame()
    )


def test_bad_conversion_values_are_clear() -> None:
    with pytest.raises(InputError, match="negative values"):
        journeys(TOUCHES, CONVERSIONS.assign(value=[-1.0, 5.0]))
    with pytest.raises(InputError, match="null user ids"):
        journeys(TOUCHES.assign(user_id=[None, *TOUCHES["user_id"][1:]]), CONVERSIONS)


# --------------------------------------------------------------------------- from_paths
def test_from_paths_strips_whitespace_and_keeps_fractions() -> None:
    frame = pd.DataFrame(
        {"p": ["  a >b>  c ", "b"], "conv": [0.5, 1 / 3], "null": [1.25, 0.0], "v": [10.5, 2.0]}
    )
    jrn = Journeys.from_paths(frame, "p", "conv", "null", "v")
    assert jrn.channels == ("a", "b", "c")
    assert jrn.to_frame()["path"].tolist() == ["a > b > c", "b"]
    assert jrn.conversions.tolist() == [0.5, 1 / 3]
    assert jrn.total_value == 12.5


def test_from_paths_custom_separator() -> None:
    frame = pd.DataFrame({"path": ["a|b", "b"], "conversions": [1, 2], "nulls": [0, 1]})
    assert Journeys.from_paths(frame, sep="|").channels == ("a", "b")


@pytest.mark.parametrize(
    ("frame", "error", "match"),
    [
        (
            pd.DataFrame({"path": ["a > b", ""], "conversions": [1, 1], "nulls": [0, 0]}),
            InputError,
            "empty paths",
        ),
        (
            pd.DataFrame({"path": ["a > > b"], "conversions": [1], "nulls": [0]}),
            InputError,
            "empty channel names",
        ),
        (
            pd.DataFrame({"path": ["a > b"], "conversions": [-1], "nulls": [0]}),
            InputError,
            "negative",
        ),
        (
            pd.DataFrame({"path": ["a > b"], "conversions": [float("nan")], "nulls": [0]}),
            InputError,
            "missing",
        ),
        (
            pd.DataFrame({"path": ["a > b"], "conv": [1], "nulls": [0]}),
            MissingColumnError,
            "conversions_col",
        ),
    ],
)
def test_from_paths_bad_input(frame: pd.DataFrame, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        Journeys.from_paths(frame)


def test_from_paths_unknown_separator_is_caught() -> None:
    frame = pd.DataFrame({"path": ["a, b", "b"], "conversions": [1, 1], "nulls": [0, 0]})
    with pytest.raises(ParameterError, match="sep=','"):
        Journeys.from_paths(frame)
    with pytest.raises(ParameterError):
        Journeys.from_paths(frame, sep="")


def test_from_paths_drop_invalid_rows_with_a_warning() -> None:
    frame = pd.DataFrame({"path": ["a > b", "", "b"], "conversions": [1, 1, -2], "nulls": 0})
    with pytest.warns(DataQualityWarning, match="Dropped 2 of 3"):
        jrn = Journeys.from_paths(frame, on_invalid="drop")
    assert jrn.n_journeys == 1
    with pytest.raises(EmptyDataError), pytest.warns(DataQualityWarning):
        Journeys.from_paths(frame.iloc[1:2], on_invalid="drop")


@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, max_size=4), st.integers(0, 5)
        ),
        min_size=1,
        max_size=20,
    )
)
def test_from_paths_round_trips_through_to_frame(rows: list[tuple[list[str], int]]) -> None:
    frame = pd.DataFrame(
        {
            "path": [" > ".join(p) for p, _ in rows],
            "conversions": [float(c) for _, c in rows],
            "nulls": 1.0,
        }
    )
    jrn = Journeys.from_paths(frame)
    out = jrn.to_frame()
    assert out["path"].tolist() == frame["path"].tolist()
    assert out["conversions"].tolist() == frame["conversions"].tolist()
    again = Journeys.from_paths(out)
    assert again.codes.tolist() == jrn.codes.tolist()


def test_no_conversions_gives_only_null_journeys() -> None:
    jrn = journeys(TOUCHES, CONVERSIONS.iloc[0:0])
    assert jrn.total_conversions == 0.0
    assert jrn.nulls.sum() == 3.0  # one per user


def test_polars_and_arrow_inputs() -> None:
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    expected = journeys(TOUCHES, CONVERSIONS).to_frame()
    got = journeys(pl.from_pandas(TOUCHES), pa.Table.from_pandas(CONVERSIONS)).to_frame()
    pd.testing.assert_frame_equal(got, expected)
    paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [1.0, 2.0], "nulls": [0.0, 1.0]})
    pd.testing.assert_frame_equal(
        Journeys.from_paths(pl.from_pandas(paths)).to_frame(), Journeys.from_paths(paths).to_frame()
    )


def _oracle(
    touches: list[tuple[int, int, str]], convs: list[tuple[int, int]], lookback: int
) -> list[tuple[str, float, float]]:
    """Journeys the slow way: every touch to the user's next conversion, leftovers as nulls."""
    out = []
    users = sorted({u for u, _, _ in touches} | {u for u, _ in convs})
    for user in users:
        mine = sorted(
            [(t, i, ch) for i, (u, t, ch) in enumerate(touches) if u == user],
            key=lambda x: (x[0], x[1]),
        )
        theirs = sorted([(t, i) for i, (u, t) in enumerate(convs) if u == user])
        paths: dict[int, list[str]] = {k: [] for k in range(len(theirs))}
        left = []
        for t, _, ch in mine:
            nxt = next((k for k, (c, _) in enumerate(theirs) if c >= t), None)
            if nxt is None:
                left.append((t, ch))
            elif theirs[nxt][0] - t <= lookback:
                paths[nxt].append(ch)
        out.extend((" > ".join(paths[k]) or "Direct", 1.0, 0.0) for k in range(len(theirs)))
        if left:
            last = max(t for t, _ in left)
            kept = [ch for t, ch in left if last - t <= lookback]
            out.append((" > ".join(kept), 0.0, 1.0))
    return sorted(out)


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 40), st.sampled_from("abc")),
        min_size=1,
        max_size=25,
    ),
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40)), max_size=6),
    st.integers(1, 15),
)
def test_journeys_match_a_slow_oracle(
    touches: list[tuple[int, int, str]], convs: list[tuple[int, int]], lookback: int
) -> None:
    base = pd.Timestamp("2024-01-01")
    tp = pd.DataFrame(
        {
            "user_id": [f"u{u}" for u, _, _ in touches],
            "timestamp": [base + pd.Timedelta(days=t) for _, t, _ in touches],
            "channel": [c for _, _, c in touches],
        }
    )
    cv = pd.DataFrame(
        {
            "user_id": pd.Series([f"u{u}" for u, _ in convs], dtype="str"),
            "timestamp": pd.to_datetime([base + pd.Timedelta(days=t) for _, t in convs]),
        }
    )
    jrn = journeys(tp, cv, lookback=f"{lookback}D")
    got = sorted(
        (p, c, n)
        for p, c, n in jrn.to_frame()[["path", "conversions", "nulls"]].itertuples(index=False)
    )
    assert got == _oracle(touches, convs, lookback)


# --------------------------------------------------------------------------- review fixes
def test_integer_ids_match_the_same_ids_read_as_float() -> None:
    # a gap in an integer id column makes pandas read it as float: 1 and 1.0 are one person
    touches = TOUCHES.assign(user_id=TOUCHES["user_id"].str[1:].astype("int64"))
    conversions = CONVERSIONS.assign(user_id=[1.0, 2.0])
    expected = journeys(TOUCHES, CONVERSIONS).to_frame()
    got = journeys(touches, conversions)
    assert got.n_unattributed == 0
    pd.testing.assert_frame_equal(got.to_frame(), expected)
    # and a text column of the same ids still matches, as before
    text = journeys(touches, CONVERSIONS.assign(user_id=["1", "2"])).to_frame()
    pd.testing.assert_frame_equal(text, expected)


def test_infinite_counts_and_values_are_clear() -> None:
    # inf used to pass and turn every share into NaN
    frame = pd.DataFrame(
        {"path": ["a > b", "b"], "conversions": [float("inf"), 1], "nulls": [0, 1]}
    )
    with pytest.raises(InputError, match="infinite counts"):
        Journeys.from_paths(frame)
    with pytest.raises(InputError, match="infinite counts"):
        Journeys.from_paths(frame.assign(conversions=[1, 1], v=[float("-inf"), 2.0]), value_col="v")
    with pytest.raises(InputError, match="infinite values"):
        journeys(TOUCHES, CONVERSIONS.assign(value=[float("inf"), 5.0]))


def test_touches_at_the_same_time_keep_their_input_order() -> None:
    touches = pd.DataFrame(
        {
            "user_id": ["u", "u", "u"],
            "timestamp": _ts("2024-01-01", "2024-01-01", "2024-01-02"),
            "channel": ["b", "a", "c"],
        }
    )
    conversions = pd.DataFrame({"user_id": ["u"], "timestamp": _ts("2024-01-03")})
    assert journeys(touches, conversions).paths().tolist() == ["b > a > c"]
    assert journeys(touches.iloc[[2, 1, 0]], conversions).paths().tolist() == ["a > b > c"]


@given(
    st.lists(
        st.lists(
            st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h"]), min_size=1, max_size=40
        ),
        min_size=1,
        max_size=12,
    )
)
def test_paths_with_journeys_too_long_for_one_key(paths: list[list[str]]) -> None:
    # 8 channels: paths of 21+ touches do not fit one int64 key; they used to send every
    # journey down a one-by-one join (10x slower with a single long path among a million)
    frame = pd.DataFrame({"path": [" > ".join(p) for p in paths], "conversions": 1, "nulls": 0})
    jrn = Journeys.from_paths(frame)
    assert jrn.paths().tolist() == frame["path"].tolist()
    assert jrn.paths(sep="|").tolist() == ["|".join(p) for p in paths]


def test_text_values_are_named_as_non_numeric() -> None:
    with pytest.raises(InputError, match="missing or non-numeric values"):
        journeys(TOUCHES, CONVERSIONS.assign(value=["$1,200", "600"]))


def test_a_touch_centuries_before_is_outside_the_lookback() -> None:
    """1700 to 2000 is more than 2**63 ns: the elapsed time must not wrap into the lookback."""
    touches = pd.DataFrame(
        {
            "user_id": ["a", "b", "b"],
            "timestamp": pd.to_datetime(["1700-01-01", "1700-01-01", "2000-01-01"]),
            "channel": ["Email", "Email", "Paid"],
        }
    )
    conversions = pd.DataFrame(
        {"user_id": ["a"], "timestamp": pd.to_datetime(["2000-01-15"]), "value": [1.0]}
    )
    result = journeys(touches, conversions, lookback="30D")
    table = result.to_frame().set_index("path")
    assert table.loc["Direct", "conversions"] == 1  # a's conversion: no touch in 30 days
    assert table.loc["Paid", "nulls"] == 1  # b's journey: only the touch of 2000
    assert "Email" not in table.index
    assert result.n_dropped_touches == 2
