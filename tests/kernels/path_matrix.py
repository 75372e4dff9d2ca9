"""The path matrix of every session: the plain layout the packed kernel is tested against."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from saasmetrics._kernels.funnel_paths import _path_matrix, _session_rows


def session_paths(
    seg_ids: npt.NDArray[np.int64],
    time_ns: npt.NDArray[np.int64],
    codes: npt.NDArray[np.int64],
    *,
    max_steps: int,
    **options: Any,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Paths of every session as rows of event codes, whether each converted, its user.

    Takes the options of ``distinct_session_paths``; a row holds the event codes, then
    ``PAD`` (and ``MORE`` in the last column if truncated).

    >>> import numpy as np
    >>> paths, conv, users = session_paths(
    ...     np.array([0, 0, 0, 0]), np.array([0, 1, 2, 3]), np.array([5, 5, 6, 7]),
    ...     gap_ns=10, collapse_repeats=True, start=None, goal=7, max_steps=3,
    ...     include_goal=True)
    >>> paths.tolist(), conv.tolist()
    ([[5, 6, 7, -1]], [True])
    """
    rows = _session_rows(seg_ids, time_ns, codes, **options)
    return _path_matrix(rows, max_steps), rows.converted, rows.session_user
