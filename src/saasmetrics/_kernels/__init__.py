"""Vectorized NumPy kernels: arrays in, arrays out; no pandas, no user-facing validation.

Kernels trust their inputs (validated and encoded by the public functions) and never loop in
Python over rows, users or paths. Each kernel has a slow pure-Python twin in ``tests/kernels``.
"""
