"""dsledger benchmarks: ``python -m bench.run [--quick] [--only NAME ...]``.

Every figure is the median of several runs and is reported beside a baseline measured in the same
run on the same database (see ``bench/run.py`` and README.md, "Benchmarks").
"""
