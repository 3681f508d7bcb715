"""The same linkage pipeline on Spark, in local mode (PySpark with the machine's Java)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from joinedup.matching import linkage
from joinedup.matching.cleaning import clean_frame

pyspark = pytest.importorskip("pyspark", reason="PySpark is a development dependency")

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17 or later"),
]

PEOPLE = [
    ("William", "Okafor", "12/03/1984", "NV1 2AB"),
    ("Sarah", "Bennett", "01/07/1990", "NV2 3DD"),
    ("Mohammed", "Iqbal", "23/11/1977", "NV3 1EF"),
    ("Chloe", "Hughes", "30/05/2001", "NV1 4GH"),
    ("Daniel", "Price", "09/09/1969", "NV2 7JL"),
    ("Aisha", "Rahman", "14/02/1995", "NV4 2LN"),
    ("Thomas", "Evans", "03/12/1988", "NV3 5NP"),
    ("Grace", "Lewis", "18/04/1979", "NV1 9QR"),
]


@pytest.fixture(autouse=True)
def _stop_spark():  # type: ignore[no-untyped-def]
    """Stop the session after the test, so py4j does not log into closed streams at exit."""
    yield
    import logging

    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()
    logging.getLogger("py4j").setLevel(logging.ERROR)


def frame() -> pd.DataFrame:
    rows = []
    for n, (given, family, born, postcode) in enumerate(PEOPLE):
        rows.append(("police", f"a{n}", given, family, born, postcode))
        # The council's copy: a nickname for William, capitals, no space in the postcode.
        nickname = "Bill" if given == "William" else given
        rows.append(
            (
                "council_tax",
                f"b{n}",
                nickname.upper(),
                family.upper(),
                born,
                postcode.replace(" ", ""),
            )
        )
    raw = pd.DataFrame(
        rows, columns=["source", "unique_id", "first_name", "surname", "date_of_birth", "postcode"]
    )
    return clean_frame(raw)


def test_the_pipeline_links_the_same_people_on_spark_and_on_duckdb() -> None:
    clean = frame()
    on_duckdb = linkage.link(clean, backend="duckdb")
    on_spark = linkage.link(clean, backend="spark")
    ids = list(clean["unique_id"])

    def people(result: linkage.LinkageResult) -> set[frozenset[str]]:
        found = linkage.clusters(ids, result.pairs)
        groups: dict[str, set[str]] = {}
        for record, cluster in found.items():
            groups.setdefault(cluster, set()).add(record)
        return {frozenset(g) for g in groups.values()}

    expected = {frozenset({f"a{n}", f"b{n}"}) for n in range(len(PEOPLE))}
    assert people(on_duckdb) == expected
    assert people(on_spark) == expected
    # The nickname level is what joins Bill and William on both backends.
    okafor = on_spark.pairs.set_index(["unique_id_l", "unique_id_r"])
    pair = okafor.loc[("a0", "b0")] if ("a0", "b0") in okafor.index else okafor.loc[("b0", "a0")]
    assert pair["mw_first_name"] > 0


def test_the_household_move_pass_runs_on_spark() -> None:
    """The second pass blocks on a list column (Splink's exploding blocking rule) and learns
    its weight from the run: on Spark it scores the same pairs as on DuckDB and finds the
    household that moved. Synthetic records give it enough confident links to learn from."""
    from joinedup.matching.synthetic import generate

    old = {"address": "14 Larkspur Close Northvale", "postcode": "NV3 4QT"}
    new = {"address": "7 Heron Way Northvale", "postcode": "NV8 1ZZ"}
    family = pd.DataFrame(
        [
            {"source": "police", "unique_id": "m1", "first_name": "Mary", "surname": "Okoro", "date_of_birth": "03/02/1975", **old},
            {"source": "council_tax", "unique_id": "m2", "first_name": "Mary", "surname": "Okoro", "date_of_birth": "03/02/1975", **new},
            {"source": "police", "unique_id": "j1", "first_name": "John", "surname": "Okoro", "date_of_birth": "06/05/1973", **new},
            {"source": "council_tax", "unique_id": "j2", "first_name": "John", "surname": "Okoro", **old},
        ]
    )  # fmt: skip
    raw = generate(2_000, setting="hard", seed=4).rename(columns={"record_id": "unique_id"})
    columns = ["unique_id", "source", "first_name", "surname", "date_of_birth", "sex"]
    columns += ["address", "postcode", "uprn", "ni_number", "nhs_number", "email", "phone"]
    clean = clean_frame(pd.concat([raw.loc[:, columns], family], ignore_index=True).astype(object))

    def moved(result: linkage.LinkageResult) -> set[tuple[str, str]]:
        found = result.pairs.loc[result.pairs["mw_household_move"].notna()]
        return {
            (min(left, right), max(left, right))
            for left, right in zip(found["unique_id_l"], found["unique_id_r"], strict=True)
        }

    on_duckdb = linkage.link(clean, backend="duckdb")
    on_spark = linkage.link(clean, backend="spark")
    assert on_spark.figures["household_moves"]["scored"] > 0
    assert (
        on_spark.figures["household_moves"]["scored"]
        == on_duckdb.figures["household_moves"]["scored"]
    )
    assert ("j1", "j2") in moved(on_duckdb) and ("j1", "j2") in moved(on_spark)
    both, either = moved(on_duckdb) & moved(on_spark), moved(on_duckdb) | moved(on_spark)
    assert len(both) >= 0.9 * len(either)
