"""Fixtures for the Dask tests: the sample company's events, shuffled, as pandas and dask."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest

from saasmetrics.datasets import make_saas_company

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

PARTITIONS = (1, 3, 7)


@pytest.fixture(scope="session")
def company() -> Any:
    return make_saas_company(n_accounts=300, seed=0)


@pytest.fixture(scope="session")
def shuffled_events(company: Any) -> pd.DataFrame:
    """The events in a random row order (partitions then mix users)."""
    return company.events.sample(frac=1.0, random_state=1).reset_index(drop=True)


@pytest.fixture(scope="session")
def to_dask() -> Callable[[pd.DataFrame, int], Any]:
    def convert(frame: pd.DataFrame, npartitions: int) -> Any:
        return dd.from_pandas(frame, npartitions=npartitions, sort=False)

    return convert


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A dask.distributed LocalCluster of two single-threaded worker processes."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c
