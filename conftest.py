"""Root pytest configuration: display options for doctests in src/."""

from __future__ import annotations

import matplotlib as mpl
import pandas as pd

mpl.use("Agg")
pd.set_option("display.width", 100)
pd.set_option("display.max_columns", 20)
