"""Benchmarks: each is ``bench/<name>.py``, run as a script (see ``bench/README.md``)."""
