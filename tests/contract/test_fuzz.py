"""Public-API fuzz: corrupted input gives a typed error or a correct result, never another error.

Every name in every subpackage's ``__all__`` is visited (found at run time, so names added later
are covered too):

* **generic** checks need nothing but the name: a callable is called with wrong kinds of
  argument (``None``, text, a number, an empty table, a table without the columns); it must
  raise a :class:`~saasmetrics.exceptions.SaasMetricsError` (pydantic configuration models:
  their documented ``pydantic.ValidationError``) or return;
* **recipe** checks start from a valid call described in ``fuzz_recipes.py`` and corrupt it
  the ways issue 14 listed: duplicated and non-string column labels, ``None`` or non-string
  column keywords, nulls, mixed-type ids, sentinel and unparseable dates, naive and tz-aware
  columns side by side, out-of-range or tz-aware instants, and numeric options given as NumPy
  scalars (same result as the Python number), negative, zero, NaN, huge, text or boolean.
  Every method of a returned result is exercised too.

Names without a recipe, and names the generic checks cannot call, are listed in
``NO_RECIPE`` / ``NOT_CALLABLE`` with the reason; a public name in neither list and without a
recipe fails ``test_recipe_coverage_is_listed``, so nothing is skipped silently.

Deterministic (no random draws), about a minute on one core.
"""

from __future__ import annotations

import importlib
import inspect
import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest

from saasmetrics._results import ResultMixin
from saasmetrics.exceptions import (
    ParameterError,
    SaasMetricsError,
    SaasMetricsWarning,
    SchemaError,
)
from tests.contract.fuzz_recipes import Call, recipes

mpl.use("Agg")

SUBPACKAGES = (
    "attribution",
    "funnel",
    "retention",
    "engagement",
    "health",
    "unit_economics",
    "datasets",
    "scale",
)


def public_names() -> list[str]:
    names = []
    for sub in SUBPACKAGES:
        module = importlib.import_module(f"saasmetrics.{sub}")
        names += [f"{sub}.{name}" for name in module.__all__]
    return sorted(names)


def resolve(qualified: str) -> Any:
    sub, name = qualified.split(".", 1)
    return getattr(importlib.import_module(f"saasmetrics.{sub}"), name)


RECIPES = recipes()

# Public names that are data, not callables: nothing to fuzz (their users are fuzzed).
NOT_CALLABLE: dict[str, str] = {
    "attribution.CLICK_IDS": "constant (a tuple of parameter names)",
    "attribution.DEFAULT_CHANNEL_RULES": "constant (a ChannelRules instance)",
    "retention.STRENGTH_BANDS": "constant (a table of bands)",
    "health.CS_PLAYS": "constant (a dict of plays)",
    "health.HEALTH_TEMPERATURE_PLAYS": "constant (a dict of plays)",
    "health.WarningRule": "a typing alias (union of rule models); the rules are fuzzed",
    "unit_economics.BENCHMARKS": "constant (a table of benchmarks)",
    "unit_economics.SPEND_CORRELATION_THRESHOLD": "constant (a float)",
}

# Public callables with no recipe: the generic checks still run on them.
_SCALAR = (
    "scalar formula: numbers, arrays or Series in, text and tables a SchemaError (generic checks)"
)
NO_RECIPE: dict[str, str] = {
    "attribution.AttributionModel": "abstract base class; its subclasses have recipes",
    "attribution.ChannelRule": "pydantic model: validated on construction (generic checks)",
    "attribution.ChannelRules": "pydantic model: validated on construction (generic checks)",
    "attribution.Condition": "pydantic model: validated on construction (generic checks)",
    "attribution.FirstTouch": "no options; used through attribute() (recipe)",
    "attribution.LastTouch": "no options; used through attribute() (recipe)",
    "attribution.Linear": "one Literal option, checked by check_choice; used through attribute()",
    "attribution.TimeDecay": "one duration option (check_positive_timedelta, tested there)",
    "attribution.channel_group": "vectorized string rules; tested in tests/attribution",
    "datasets.PlantedTruths": "a plain record of the generator's planted answers",
    "datasets.SaasCompany": "a plain container of generated tables (make_saas_company)",
    "funnel.Step": "a step spec; checked by funnel() (recipe) when used",
    "scale.Analysis": "a record of the four callables analysis() builds; fuzzed through run()",
    "scale.analysis": "wraps a public function; fuzzed through run(analysis(funnel, ...))",
    "scale.is_dask": "a predicate on any object (generic checks)",
    "scale.merge_all": "folds partials with a merge callable (generic checks); fuzzed via run()",
    "health.ActiveUsersDropRule": "pydantic rule: validated on construction",
    "health.HealthBand": "pydantic model: validated on construction",
    "health.HealthConfig": "pydantic model: validated on construction",
    "health.HealthGroup": "pydantic model: validated on construction",
    "health.HealthMeasure": "pydantic model: validated on construction",
    "health.KeyUserInactiveRule": "pydantic rule: validated on construction",
    "health.MRRContractionRule": "pydantic rule: validated on construction",
    "health.NoUseRule": "pydantic rule: validated on construction",
    "health.UsageDropRule": "pydantic rule: validated on construction",
    "unit_economics.GammaGammaModel": "same option checks as BetaGeoModel (shared base)",
    "unit_economics.BetaGeoBetaBinomModel": "same option checks as BetaGeoModel (shared base)",
    "unit_economics.evaluate_clv": "takes a fitted model and a split (generic checks); its "
    "inputs' boundaries are fuzzed through calibration_holdout_split and BetaGeoModel",
    "unit_economics.ParetoNBDModel": "same option checks as BetaGeoModel (shared base)",
    "unit_economics.customer_lifetime_value_interval": "same boundary as customer_lifetime_value",
    "unit_economics.plot_ltv_to_cac": "a plot of two series (generic checks)",
    "unit_economics.benchmark": "a lookup (generic checks)",
    "unit_economics.burn_multiple": _SCALAR,
    "unit_economics.cac": _SCALAR,
    "unit_economics.cac_payback_months": _SCALAR,
    "unit_economics.convert_churn_rate": _SCALAR,
    "unit_economics.ltv": _SCALAR,
    "unit_economics.ltv_to_cac": _SCALAR,
    "unit_economics.rule_of_40": _SCALAR,
    "unit_economics.sales_magic_number": _SCALAR,
}


def _is_result_type(obj: Any) -> bool:
    return inspect.isclass(obj) and issubclass(obj, ResultMixin)


def _is_pydantic(obj: Any) -> bool:
    return inspect.isclass(obj) and any(
        base.__module__.startswith("pydantic") for base in inspect.getmro(obj)[1:]
    )


# --------------------------------------------------------------------------- the oracle
class UntypedError(AssertionError):
    """A call escaped with an error that is not a saasmetrics one."""


def attempt(label: str, thunk: Callable[[], Any], *, allowed: tuple[type, ...] = ()) -> Any:
    """Run ``thunk``: a result, or the typed error it raised; anything else fails the test.

    Warnings must be saasmetrics warnings (a DataQualityWarning saying what was dropped, ...).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = thunk()
        except (SaasMetricsError, *allowed) as exc:
            out = exc
        except Exception as exc:  # the defect this test exists to catch
            raise UntypedError(f"{label}: untyped {type(exc).__name__}: {exc}") from exc
    foreign = [
        f"{w.category.__name__}: {w.message}"
        for w in caught
        if not issubclass(w.category, SaasMetricsWarning)
    ]
    if foreign:
        raise UntypedError(f"{label}: foreign warnings {foreign[:3]}")
    return out


def exercise_result(label: str, result: Any, *, full: bool = True) -> None:
    """Every public method of a result: no untyped error, and JSON round-trips.

    ``full=False`` (results of corrupted calls) checks the table and JSON only, to stay fast.
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, ResultMixin):
        return
    repr(result)
    frame = attempt(f"{label}.to_frame", result.to_frame)
    again = attempt(f"{label}.from_json", lambda: type(result).from_json(result.to_json()))
    if isinstance(frame, pd.DataFrame) and isinstance(again, ResultMixin):
        pd.testing.assert_frame_equal(again.to_frame(), frame, check_freq=False, obj=label)
    if not full:
        return
    attempt(f"{label}._repr_html_", result._repr_html_)
    fig, ax = plt.subplots()
    try:
        attempt(f"{label}.plot", lambda: result.plot(ax=ax))
    finally:
        plt.close(fig)
    skip = {"to_frame", "to_dict", "to_json", "plot", "from_dict", "from_json", "schema_name"}
    for name in dir(result):
        if name.startswith("_") or name in skip:
            continue
        method = getattr(result, name)
        if not callable(method) or inspect.isclass(method):
            continue
        try:
            sig = inspect.signature(method)
        except (TypeError, ValueError):
            continue
        required = [
            p
            for p in sig.parameters.values()
            if p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if not required:
            attempt(f"{label}.{name}()", method)
        for bad in (None, "x", math.nan, -1):
            args = [bad] * len(required)
            if args:
                attempt(f"{label}.{name}({bad!r})", lambda m=method, a=args: m(*a))


# --------------------------------------------------------------------------- generic checks
BAD_ARGUMENTS: list[tuple[str, Any]] = [
    ("None", None),
    ("text", "x"),
    ("number", 3.5),
    ("list", [1, "a", None]),
    ("empty table", pd.DataFrame()),
    ("table without the columns", pd.DataFrame({"zzz": [1, 2]})),
]


@pytest.mark.parametrize("qualified", public_names())
def test_generic_bad_arguments_give_typed_errors(qualified: str) -> None:
    obj = resolve(qualified)
    if inspect.isabstract(obj):
        assert qualified in NO_RECIPE, f"{qualified} is abstract: list it in NO_RECIPE"
        return  # cannot be instantiated by design; its concrete subclasses are fuzzed
    if qualified in NOT_CALLABLE or _is_result_type(obj):
        assert not callable(obj) or _is_result_type(obj) or qualified in NOT_CALLABLE
        return  # results are built by functions and exercised through them
    if not callable(obj):
        pytest.fail(f"{qualified} is not callable: list it in NOT_CALLABLE with the reason")
    allowed: tuple[type, ...] = ()
    if _is_pydantic(obj):
        import pydantic

        allowed = (pydantic.ValidationError,)
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        pytest.skip(f"{qualified} has no signature to fill")
    required = [
        p.name
        for p in sig.parameters.values()
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    positional_only = [p.name for p in sig.parameters.values() if p.kind is p.POSITIONAL_ONLY]
    failures = []
    if not required and not inspect.isclass(obj):
        return  # a function with defaults for everything: its recipe calls it validly
    for what, bad in BAD_ARGUMENTS:
        for name in required or [None]:
            kwargs = dict.fromkeys(required, bad) if name is not None else {}
            args = [kwargs.pop(p) for p in positional_only if p in kwargs]
            try:
                out = attempt(
                    f"{qualified}({what})", lambda a=args, k=kwargs: obj(*a, **k), allowed=allowed
                )
            except UntypedError as exc:
                failures.append(str(exc))
                continue
            if not isinstance(out, BaseException):
                exercise_result(f"{qualified}({what})", out, full=False)
            break
    assert failures == [], "\n".join(failures)


def test_recipe_coverage_is_listed() -> None:
    """Every public name has a recipe or a listed reason (no silent skip)."""
    names = set(public_names())
    # result types are built by functions and exercised through their results (and by the
    # result contract in test_results.py, which requires an example of each)
    results = {name for name in names if _is_result_type(resolve(name))}
    unknown = sorted(names - results - set(RECIPES) - set(NO_RECIPE) - set(NOT_CALLABLE))
    assert unknown == [], (
        f"public names with neither a fuzz recipe nor a listed reason: {unknown}; add a "
        "recipe in tests/contract/fuzz_recipes.py or a line in NO_RECIPE / NOT_CALLABLE"
    )
    stale = sorted((set(RECIPES) | set(NO_RECIPE) | set(NOT_CALLABLE)) - names)
    assert stale == [], f"fuzz entries for names no longer public: {stale}"


# --------------------------------------------------------------------------- recipe checks
def _signature_numbers(call: Call) -> dict[str, Any]:
    """Numeric options of the call: parameters with an int/float default, or given one."""
    try:
        sig = inspect.signature(call.fn)
    except (TypeError, ValueError):
        return {}
    out: dict[str, Any] = {}
    for p in sig.parameters.values():
        value = call.kwargs.get(p.name, p.default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if p.name in ("seed", "random_state") and p.name not in call.kwargs:
            continue
        out[p.name] = value
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, ResultMixin) and isinstance(b, ResultMixin):
        return bool(a.to_json() == b.to_json())
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        return bool(a.equals(b))
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        return bool(a.equals(b))
    return True  # other outputs (tuples of frames, scalars): not compared here


def _with_value(frame: pd.DataFrame, column: str, row: int, value: Any) -> pd.DataFrame:
    out = frame.copy()
    values = out[column].astype(object).to_numpy(copy=True)
    values[row] = value
    out[column] = pd.Series(values, index=out.index, dtype=object)
    return out


def corruptions(call: Call) -> Iterator[tuple[str, dict[str, Any], type[BaseException] | None]]:
    """(label, argument changes, the error type required or None for "typed or result")."""
    for param, table in call.tables.items():
        frame = call.kwargs[param]
        first_col = next(iter(table.columns.values()))
        yield (
            f"{param}: duplicated column",
            {param: pd.concat([frame, frame[[first_col]]], axis=1)},
            SchemaError,
        )
        yield (
            f"{param}: non-string label",
            {param: frame.assign(x=1).rename(columns={"x": 0})},
            (SchemaError),
        )
        yield f"{param}: not a table", {param: "events.csv"}, None
        yield f"{param}: no rows", {param: frame.iloc[:0]}, None
        for keyword, column in table.columns.items():
            if keyword in table.fixed:
                yield (
                    f"{param}: null in {column}",
                    {param: _with_value(frame, column, 0, None)},
                    None,
                )
                continue
            if keyword not in table.optional:
                yield f"{param}: {keyword}=None", {keyword: None}, ParameterError
            yield f"{param}: {keyword}=0", {keyword: 0}, ParameterError
            yield f"{param}: {keyword} missing", {keyword: "nope"}, None
            yield f"{param}: null in {column}", {param: _with_value(frame, column, 0, None)}, None
        for keyword in table.ids:
            column = table.columns[keyword]
            yield (
                f"{param}: mixed int/str in {column}",
                {param: _with_value(frame, column, 0, 7)},
                None,
            )
            yield (
                f"{param}: float id in {column}",
                {param: _with_value(frame, column, 0, 7.0)},
                None,
            )
        for keyword in table.times:
            column = table.columns[keyword]
            for value in ("9999-12-31", "3000-01-01", "soon", pd.Timestamp("2024-01-02", tz="UTC")):
                yield (
                    f"{param}: {value!r} in {column}",
                    {param: _with_value(frame, column, 0, value)},
                    None,
                )
            aware = frame.assign(**{column: pd.to_datetime(frame[column]).dt.tz_localize("UTC")})
            yield f"{param}: tz-aware {column}", {param: aware}, None
    for name in call.instants:
        for value in ("3000-01-01", "1500-06-01", "not a date", pd.NaT, 12345):
            yield f"{name}={value!r}", {name: value}, ParameterError
        yield f"{name}=tz-aware", {name: pd.Timestamp("2024-02-01", tz="UTC")}, None
    # a model fit per value is slow: there, only the values refused before fitting
    bad_numbers = (-1, math.nan, "3", None) if call.slow else (-1, 0, math.nan, 10**12, "3", None)
    for name, value in _signature_numbers(call).items():
        for bad in bad_numbers:
            yield f"{name}={bad!r}", {name: bad}, None
        yield (
            f"{name}=numpy",
            {name: np.int64(value) if isinstance(value, int) else np.float64(value)},
            None,
        )


@pytest.mark.parametrize("qualified", sorted(RECIPES))
def test_recipe_corruptions_give_typed_errors_or_results(qualified: str) -> None:
    call = RECIPES[qualified]()
    valid = attempt(f"{qualified}(valid)", call.run)
    assert not isinstance(valid, BaseException), f"the recipe itself fails: {valid}"
    exercise_result(qualified, valid)
    failures = []
    for label, changes, required in corruptions(call):
        where = f"{qualified}[{label}]"
        try:
            out = attempt(where, lambda c=changes: call.run(**c))
        except UntypedError as exc:
            failures.append(str(exc))
            continue
        if required is not None and not isinstance(out, required):
            failures.append(f"{where}: expected {required.__name__}, got {out!r:.200}")
        if label.endswith("=numpy") and not _same(out, valid):
            failures.append(f"{where}: a NumPy scalar changed the result (or raised {out!r:.200})")
        if not isinstance(out, BaseException):
            try:
                exercise_result(where, out, full=False)
            except UntypedError as exc:
                failures.append(str(exc))
    assert failures == [], f"{len(failures)} problems:\n" + "\n".join(failures)
