"""ARR layer cake: layers add up to 12 x the bridge's ending MRR, customers keep their layer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from saasmetrics.exceptions import EmptyDataError, ParameterError
from saasmetrics.unit_economics import MRRPolicy, arr_layers, mrr_bridge
from tests.unit_economics.test_bridge import _frame, rows_strategy

AS_OF = "2025-06-30"


@given(
    rows=rows_strategy,
    layer=st.sampled_from(["year", "quarter", "month", "cohort"]),
    freq=st.sampled_from(["MS", "QS"]),
    policy=st.sampled_from([None, MRRPolicy.chartmogul()]),
)
def test_layers_add_up_to_twelve_times_ending_mrr(
    rows: list, layer: str, freq: str, policy: MRRPolicy | None
) -> None:
    frame = _frame(rows)
    try:
        cake = arr_layers(frame, freq=freq, layer=layer, as_of=AS_OF, policy=policy)  # type: ignore[arg-type]
    except EmptyDataError:  # paying at a month end, but at no quarter end
        assume(freq != "QS")
        raise
    bridge = mrr_bridge(frame, freq=freq, as_of=AS_OF, policy=policy)
    t = cake.to_frame()
    assert list(t.columns) == ["period", "layer", "arr"]
    per_period = np.rint(t["arr"] * 100).astype(np.int64).groupby(t["period"]).sum()
    ending = bridge.amounts["ending"]
    assert (per_period.reindex(ending.index, fill_value=0) == 12 * ending).all()
    assert (t["arr"] >= 0).all()


def test_customers_stay_in_their_first_layer() -> None:
    subs = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "start": pd.to_datetime(["2023-12-10", "2024-06-01", "2024-01-15"]),
            "end": pd.to_datetime(["2024-02-01", None, None]),
            "mrr": [10.0, 30.0, 5.0],
        }
    )
    wide = arr_layers(subs, as_of="2024-08-01").pivot()
    assert list(wide.columns) == ["2023", "2024"]
    assert wide.loc["2024-03-01"].tolist() == [0.0, 60.0]  # a churned, b (2024) stays
    assert wide.loc["2024-07-01"].tolist() == [360.0, 60.0]  # a is back in the 2023 layer
    quarters = arr_layers(subs, layer="quarter", as_of="2024-08-01").pivot()
    assert list(quarters.columns) == ["2023Q4", "2024Q1"]
    with pytest.raises(ParameterError, match="layer"):
        arr_layers(subs, layer="week")  # type: ignore[arg-type]
