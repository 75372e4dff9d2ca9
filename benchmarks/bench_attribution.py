"""Attribution benchmarks: heuristics, exact Markov (order 1 and 3) and Shapley against the peers.

Data: synthetic journeys over 12 channels (about 3% converting), aggregated to the path-string
format (path, conversions, nulls, value) that ChannelAttribution and marketing-attribution-models
read. Our timings include parsing the path strings (``Journeys.from_paths``), as theirs do.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case, have
from saasmetrics.attribution import (
    FirstTouch,
    Journeys,
    LastTouch,
    Linear,
    MarkovModel,
    ShapleyModel,
    attribute,
)

CHANNELS = np.array(
    [
        "Paid Search",
        "Organic Search",
        "Paid Social",
        "Organic Social",
        "Email",
        "Referral",
        "Direct",
        "Display",
        "Affiliates",
        "Paid Video",
        "SMS",
        "Audio",
    ]
)


def make_paths(n_journeys: int, seed: int = 0) -> pd.DataFrame:
    """Aggregated journeys: ``path``, ``conversions``, ``nulls``, ``value`` (about 3% convert)."""
    rng = np.random.default_rng(seed)
    k = CHANNELS.size
    popularity = rng.dirichlet(np.full(k, 2.0))
    effect = rng.normal(0.0, 0.6, k)
    lengths = np.minimum(rng.geometric(0.45, n_journeys), 6)
    total = int(lengths.sum())
    codes = rng.choice(k, size=total, p=popularity)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    journey = np.repeat(np.arange(n_journeys), lengths)
    # conversion odds grow with the distinct channels touched (each with its own effect)
    pair = np.unique(journey * k + codes)
    lift = np.bincount(pair // k, weights=effect[pair % k], minlength=n_journeys)
    p = 1.0 / (1.0 + np.exp(-(-4.2 + lift + 0.25 * lengths)))
    converted = rng.random(n_journeys) < p
    value = np.where(converted, rng.gamma(2.0, 600.0, n_journeys), 0.0)
    # encode each path as an integer (base k + 1, at most 6 touches) and aggregate
    position = np.arange(total) - np.repeat(starts, lengths)
    key = np.zeros(n_journeys, dtype=np.int64)
    np.add.at(key, journey, (codes + 1).astype(np.int64) * (k + 1) ** position)
    uniq, inverse = np.unique(key, return_inverse=True)
    conv = np.bincount(inverse, weights=converted, minlength=uniq.size)
    nulls = np.bincount(inverse, weights=~converted, minlength=uniq.size)
    val = np.bincount(inverse, weights=value, minlength=uniq.size)
    names = []
    for path_key in uniq.tolist():  # one string per distinct path (setup only)
        parts = []
        rest = path_key
        while rest:
            rest, digit = divmod(rest, k + 1)
            parts.append(str(CHANNELS[digit - 1]))
        names.append(" > ".join(parts))
    return pd.DataFrame({"path": names, "conversions": conv, "nulls": nulls, "value": val})


def _journeys(frame: pd.DataFrame) -> Journeys:
    return Journeys.from_paths(frame, value_col="value")


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def _ours_heuristics(frame: pd.DataFrame) -> pd.DataFrame:
    jrn = _journeys(frame)
    out = {}
    for name, model in (("first", FirstTouch()), ("last", LastTouch()), ("linear", Linear())):
        out[name] = attribute(jrn, model).to_frame().set_index("channel")["conversions"]
    return pd.DataFrame(out)


def _check_heuristics(ours: pd.DataFrame, name: str, theirs: Any) -> None:
    if name != "ChannelAttribution (C++)":
        return
    table = theirs.set_index("channel_name")
    for ours_col, their_col in (
        ("first", "first_touch_conversions"),
        ("last", "last_touch_conversions"),
        ("linear", "linear_touch_conversions"),
    ):
        diff = (ours[ours_col] - table[their_col].reindex(ours.index)).abs().max()
        if diff > 1e-6 * max(1.0, float(ours[ours_col].sum())):
            msg = f"{ours_col} differs from ChannelAttribution by {diff}"
            raise AssertionError(msg)


def _mam_frame(frame: pd.DataFrame) -> Any:
    import polars as pl

    conv = frame[frame["conversions"] > 0].assign(has_conv=True, occurrences=frame["conversions"])
    null = frame[frame["nulls"] > 0].assign(has_conv=False, occurrences=frame["nulls"])
    rows = pd.concat([conv, null], ignore_index=True)[["path", "occurrences", "has_conv"]]
    return pl.from_pandas(rows)


def _mam(frame: Any) -> Any:
    from mam import MAM

    return MAM(
        frame,
        format_type="grouped_journey",
        channels_colname="path",
        journey_with_conv_colname="has_conv",
        occurrences_colname="occurrences",
        path_separator=" > ",
    )


def cases(quick: bool) -> list[Case]:
    n = 20_000 if quick else 1_000_000
    size = f"{n / 1e6:g}M journeys"
    has_ca = have("ChannelAttribution")
    has_mam = have("mam")
    skip_ca = [] if has_ca else ["ChannelAttribution not installed: skipped"]
    skip_mam = [] if has_mam else ["marketing-attribution-models not installed: skipped"]
    data: dict[str, pd.DataFrame] = {}

    def setup() -> pd.DataFrame:
        if "paths" not in data:
            data["paths"] = make_paths(n)
        return data["paths"]

    def setup_mam() -> dict[str, Any]:
        frame = setup()
        return {"paths": frame, "mam": _mam_frame(frame) if has_mam else None}

    heuristics_alt: dict[str, Any] = {}
    if has_ca:
        import ChannelAttribution

        def ca_heuristics(frame: pd.DataFrame) -> Any:
            return _quiet(
                ChannelAttribution.heuristic_models,
                frame,
                "path",
                "conversions",
                var_value="value",
                flg_pro=False,
            )

        heuristics_alt["ChannelAttribution (C++)"] = ca_heuristics

        def ca_markov(order: int) -> Any:
            def run(frame: pd.DataFrame) -> Any:
                return _quiet(
                    ChannelAttribution.markov_model,
                    frame,
                    "path",
                    "conversions",
                    var_value="value",
                    var_null="nulls",
                    order=order,
                    verbose=False,
                    flg_pro=False,
                )

            return run

    def pandas_heuristics(frame: pd.DataFrame) -> pd.DataFrame:
        # the idiomatic pandas way: split, explode, group
        parts = frame.assign(ch=frame["path"].str.split(" > ")).explode("ch")
        parts["n"] = parts.groupby(level=0)["ch"].transform("size")
        first = parts.groupby(level=0).head(1).groupby("ch")["conversions"].sum()
        last = parts.groupby(level=0).tail(1).groupby("ch")["conversions"].sum()
        linear = (parts["conversions"] / parts["n"]).groupby(parts["ch"]).sum()
        return pd.DataFrame({"first": first, "last": last, "linear": linear})

    heuristics_alt["pandas explode+groupby"] = pandas_heuristics
    mam_notes = list(skip_mam)
    heuristic_case = Case(
        name="attribution/heuristics (first, last, linear)",
        size=size,
        setup=setup,
        ours=_ours_heuristics,
        alternatives=heuristics_alt,
        check=_check_heuristics,
        notes=[*skip_ca],
    )

    def markov_case(order: int) -> Case:
        alternatives = {}
        if has_ca and not quick:
            alternatives["ChannelAttribution (C++, simulated)"] = ca_markov(order)
        return Case(
            name=f"attribution/markov order {order} (exact)",
            size=size,
            setup=setup,
            ours=lambda frame: attribute(_journeys(frame), MarkovModel(order=order)),
            alternatives=alternatives,
            notes=[
                *skip_ca,
                (
                    "ChannelAttribution estimates removal effects by simulation (default "
                    "nsim_start=1e5, seed 0); ours solves the chain exactly"
                ),
            ],
            repeat=1 if not quick else 2,
        )

    shapley_alt: dict[str, Any] = {}
    if has_mam:
        shapley_alt["marketing-attribution-models (Shapley)"] = lambda d: _mam(
            d["mam"]
        ).run_shapley()
        mam_notes.append(
            "mam's Shapley uses its own per-journey coalition game (max_size=4); timed, "
            "not compared"
        )
    shapley_case = Case(
        name="attribution/shapley (simplified, exact)",
        size=size,
        setup=setup_mam,
        ours=lambda d: attribute(_journeys(d["paths"]), ShapleyModel()),
        alternatives=shapley_alt,
        notes=mam_notes,
        repeat=1 if not quick else 2,
    )
    shapley_rate_case = Case(
        name="attribution/shapley (conversion-rate game, exact 2^12)",
        size=size,
        setup=setup,
        ours=lambda frame: attribute(
            _journeys(frame), ShapleyModel(game="conversion_rate", negative="clip")
        ),
        alternatives={},
        notes=["no peer computes the exact conversion-rate Shapley game"],
    )
    mam_markov_alt: dict[str, Any] = {}
    if has_mam:
        mam_markov_alt["marketing-attribution-models (Markov)"] = lambda d: _mam(
            d["mam"]
        ).run_markov()
    mam_markov = Case(
        name="attribution/markov order 1 vs mam",
        size=size,
        setup=setup_mam,
        ours=lambda d: attribute(_journeys(d["paths"]), MarkovModel(order=1)),
        alternatives=mam_markov_alt,
        notes=list(skip_mam),
        repeat=1 if not quick else 2,
    )
    return [
        heuristic_case,
        markov_case(1),
        markov_case(3),
        mam_markov,
        shapley_case,
        shapley_rate_case,
    ]
