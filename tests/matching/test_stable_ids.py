"""Stable person ids and constrained clustering: pure functions, no database."""

from __future__ import annotations

import itertools

import pandas as pd

from joinedup.matching.linkage import Thresholds, clusters
from joinedup.matching.stable_ids import assign


def ids_from(prefix: str = "P"):  # type: ignore[no-untyped-def]
    counter = itertools.count(1)
    return lambda: f"{prefix}{next(counter)}"


def pairs(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unique_id_l", "unique_id_r", "match_weight"])


class TestClusters:
    def test_links_at_or_above_the_upper_threshold_join(self) -> None:
        found = clusters(
            ["a", "b", "c", "d"],
            pairs(("a", "b", 12.0), ("b", "c", 8.0), ("c", "d", 7.9)),
            thresholds=Thresholds(upper=8.0),
        )
        assert found["a"] == found["b"] == found["c"] == "a"
        assert found["d"] == "d"

    def test_a_rejected_pair_is_never_joined_even_through_others(self) -> None:
        # a-b and b-c are strong links, but a data officer said a and c are different people.
        found = clusters(
            ["a", "b", "c"],
            pairs(("a", "b", 20.0), ("b", "c", 15.0)),
            rejected=[("a", "c")],
        )
        assert found["a"] == found["b"] and found["c"] != found["a"]

    def test_an_accepted_pair_joins_below_the_threshold(self) -> None:
        found = clusters(["a", "b"], pairs(("a", "b", 2.0)), accepted=[("b", "a")])
        assert found["a"] == found["b"]

    def test_an_accepted_pair_wins_over_links_that_would_part_it(self) -> None:
        found = clusters(
            ["a", "b", "c"],
            pairs(("a", "c", 30.0)),
            accepted=[("a", "b")],
            rejected=[("b", "c")],
        )
        assert found["a"] == found["b"] and found["c"] == "c"


class TestAssign:
    def test_new_records_get_new_ids_and_keep_them_next_run(self) -> None:
        first = assign({"r1": "x", "r2": "x", "r3": "y"}, {}, new_id=ids_from())
        assert first.person_of == {"r1": "P1", "r2": "P1", "r3": "P2"}
        assert first.created == ["P1", "P2"] and not first.merges and not first.splits
        # Splink names the clusters differently next time; our ids stay.
        again = assign({"r1": "q", "r2": "q", "r3": "z"}, first.person_of, new_id=ids_from("N"))
        assert again.person_of == first.person_of and not again.created

    def test_a_new_record_joins_an_existing_person(self) -> None:
        found = assign(
            {"r1": "x", "r2": "x", "r9": "x"}, {"r1": "P1", "r2": "P1"}, new_id=ids_from("N")
        )
        assert found.person_of["r9"] == "P1" and not found.created

    def test_two_people_in_one_cluster_merge_into_the_larger(self) -> None:
        found = assign(
            {"r1": "x", "r2": "x", "r3": "x"},
            {"r1": "P1", "r2": "P2", "r3": "P2"},
            new_id=ids_from("N"),
        )
        assert set(found.person_of.values()) == {"P2"}
        (merge,) = found.merges
        assert (merge.survivor, merge.absorbed, merge.records) == ("P2", "P1", ["r1"])

    def test_equal_sizes_merge_into_the_more_senior(self) -> None:
        found = assign(
            {"r1": "x", "r2": "x"},
            {"r1": "P1", "r2": "P2"},
            new_id=ids_from("N"),
            seniority={"P2": 0, "P1": 1},
        )
        assert found.merges[0].survivor == "P2"

    def test_a_split_keeps_the_id_with_the_larger_part(self) -> None:
        found = assign(
            {"r1": "x", "r2": "x", "r3": "y"},
            {"r1": "P1", "r2": "P1", "r3": "P1"},
            new_id=ids_from("N"),
        )
        assert found.person_of == {"r1": "P1", "r2": "P1", "r3": "N1"}
        (split,) = found.splits
        assert (split.original, split.new, split.records) == ("P1", "N1", ["r3"])
