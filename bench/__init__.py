"""`make bench`: speed and memory of 星图 against baselines measured in the same run.

Run as ``python -m bench [--quick] [--sizes 10000 100000] [--only NAME]``. Generated
ledgers and lists live in bench/cache/ (never committed); a run writes
bench/results.json and bench/RESULTS.md.
"""
