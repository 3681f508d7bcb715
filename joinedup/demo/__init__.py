"""The synthetic demo partnership: a fictional borough, Northvale, with its partners, staff,
residents and households. One module per domain (``partnership``, ``people``); each later
domain adds its own module and a step in ``builder``. Deterministic for a given seed."""
