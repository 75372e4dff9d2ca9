"""Shared test configuration: Hypothesis profiles and pinned display options for doctests."""

from __future__ import annotations

import os

import pandas as pd
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", deadline=None, max_examples=40)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

pd.set_option("display.width", 100)
pd.set_option("display.max_columns", 20)
