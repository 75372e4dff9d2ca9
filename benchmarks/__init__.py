"""Benchmarks: saasmetrics against the idiomatic pandas, DuckDB SQL or peer-library way."""
