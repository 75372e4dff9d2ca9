"""Merging partials in any tree order over any split into user chunks gives the in-memory result.

For every ported analysis, ``finalize(merge(...))`` over random chunks of whole users, merged
in a random order and a random tree shape, must equal the one-chunk (in-memory) result: this
is what makes merge associative and commutative in practice, and results independent of the
partitioning.
"""

from __future__ import annotations

import os
import random
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saasmetrics.engagement import active_users
from saasmetrics.exceptions import SaasMetricsError
from saasmetrics.funnel import funnel, paths
from saasmetrics.retention import cohort_table, magic_number_search
from saasmetrics.scale import analysis

MAX_EXAMPLES = int(os.environ.get("SAASMETRICS_MERGE_EXAMPLES", "25"))
EVENTS = ("signup", "login", "create_project", "subscribe")

CASES: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "funnel": (funnel, {"steps": ["signup", "create_project", "subscribe"], "window": "5D"}),
    "funnel_breakdown": (
        funnel,
        {"steps": ["signup", "subscribe"], "window": "5D", "breakdown": "plan"},
    ),
    "cohort_table": (cohort_table, {"freq": "D"}),
    "cohort_table_unbounded": (cohort_table, {"freq": "W", "kind": "unbounded"}),
    "magic_number_search": (
        magic_number_search,
        {"signup_event": "signup", "window": "3D", "retained": ("3D", "6D"), "min_support": 0.0},
    ),
    "paths": (paths, {"start": "signup", "max_steps": 3}),
    "active_users": (active_users, {"freq": "D"}),
}


@st.composite
def event_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 60))
    user = draw(st.lists(st.integers(0, 11), min_size=n, max_size=n))
    event = draw(st.lists(st.sampled_from(EVENTS), min_size=n, max_size=n))
    minutes = draw(st.lists(st.integers(0, 14 * 24 * 60), min_size=n, max_size=n))
    plan = draw(st.lists(st.sampled_from(("free", "pro")), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "user_id": [f"u{u}" for u in user],
            "timestamp": pd.Timestamp("2024-03-01") + pd.to_timedelta(minutes, unit="min"),
            "event": event,
            "plan": plan,
        }
    )


def _quietly(call: Callable[[], Any]) -> tuple[Any, type[BaseException] | None]:
    """The result, or the type of the saasmetrics error raised (warnings are checked elsewhere)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call(), None
        except SaasMetricsError as error:
            return None, type(error)


def _pop_two(items: list[Any], rng: random.Random) -> tuple[Any, Any]:
    first = items.pop(rng.randrange(len(items)))
    return first, items.pop(rng.randrange(len(items)))


def _merged_in_random_tree(plan: Any, chunks: list[pd.DataFrame], rng: random.Random) -> Any:
    prepared = [plan.prepare(c) for c in chunks]
    contexts = [plan.context(p) for p in prepared]
    rng.shuffle(contexts)
    while len(contexts) > 1:
        a, b = _pop_two(contexts, rng)
        contexts.append(plan.merge_context(a, b))
    context = contexts[0]
    partials = [plan.partial(p, context) for p in prepared]
    rng.shuffle(partials)
    while len(partials) > 1:  # random partials merged, in a random order: any tree shape
        if plan.merge_many is not None and rng.random() < 0.5:  # a random group at once
            size = rng.randint(2, len(partials))
            group = [partials.pop(rng.randrange(len(partials))) for _ in range(size)]
            partials.append(plan.merge_many(group))
            continue
        a, b = _pop_two(partials, rng)
        partials.append(plan.merge(a, b) if rng.random() < 0.5 else plan.merge(b, a))
    return plan.finalize(partials[0], context)


@pytest.mark.parametrize("case", sorted(CASES))
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=event_frames(), n_chunks=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_any_split_and_any_merge_tree_give_the_in_memory_result(
    case: str, events: pd.DataFrame, n_chunks: int, seed: int
) -> None:
    function, options = CASES[case]
    rng = random.Random(seed)
    users = sorted(events["user_id"].unique())
    chunk_of = {u: rng.randrange(n_chunks) for u in users}
    owner = events["user_id"].map(chunk_of).to_numpy()
    chunks = [events[owner == i] for i in np.unique(owner)]  # whole users, none empty

    expected, expected_error = _quietly(lambda: function(events, **options))
    plan = analysis(function, **options)
    got, got_error = _quietly(lambda: _merged_in_random_tree(plan, chunks, rng))
    assert got_error == expected_error
    if expected_error is None:
        pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
