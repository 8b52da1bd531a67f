"""jaxaug's benchmark harness: ``python -m benchmarks [--quick]`` (or ``make bench``).

Cases live in :mod:`benchmarks.cases` (one small function each, registered with
``benchmarks.harness.case``); results go to ``benchmarks/results/<machine>.md`` and ``.png``.
"""
