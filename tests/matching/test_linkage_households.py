"""What the clustering learns from who holds a record, and the household-move pass
(``linkage.clusters``, ``linkage.household_moves``): pure functions, no database."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from django.test import override_settings

from joinedup.matching import linkage
from joinedup.matching.cleaning import clean_frame
from joinedup.matching.synthetic import REFERENCE_DATE, STANDARD_FIELDS, generate

TAKEN = "2025-04-01"


def pairs(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unique_id_l", "unique_id_r", "match_weight"])


def records(*rows: dict[str, Any]) -> pd.DataFrame:
    columns = [
        "unique_id",
        "source",
        "date_of_birth",
        "nhs_number",
        "ni_number",
        "extract",
        "extract_date",
    ]
    filled = [{"extract": row.get("source"), "extract_date": TAKEN, **row} for row in rows]
    return pd.DataFrame(filled, columns=columns).astype(object).where(lambda f: f.notna(), None)


def together(found: dict[str, str], *ids: str) -> bool:
    return len({found[i] for i in ids}) == 1


class TestAgesHeld:
    """A record from an agency that holds only some ages says the person is of that age."""

    def test_a_council_tax_record_never_joins_a_child(self) -> None:
        held = records(
            {"unique_id": "ctax", "source": "council_tax"},
            {"unique_id": "gp", "source": "health", "date_of_birth": "2019-06-01"},
        )
        found = linkage.clusters(["ctax", "gp"], pairs(("ctax", "gp", 30.0)), records=held)
        assert not together(found, "ctax", "gp")

    def test_a_council_tax_record_joins_an_adult(self) -> None:
        held = records(
            {"unique_id": "ctax", "source": "council_tax"},
            {"unique_id": "gp", "source": "health", "date_of_birth": "1980-06-01"},
        )
        found = linkage.clusters(["ctax", "gp"], pairs(("ctax", "gp", 3.0)), records=held)
        assert together(found, "ctax", "gp")

    def test_ages_count_from_the_extract_date_with_a_year_to_spare(self) -> None:
        """17 and 10 months on the day the council tax file was taken: a date of birth a
        year out still agrees, so it may be an adult's; 16 may not."""
        held = records(
            {"unique_id": "ctax", "source": "council_tax"},
            {"unique_id": "almost", "source": "health", "date_of_birth": "2007-06-01"},
            {"unique_id": "sixteen", "source": "police", "date_of_birth": "2009-01-01"},
        )
        found = linkage.clusters(
            ["ctax", "almost"], pairs(("ctax", "almost", 5.0)), records=held.iloc[:2]
        )
        assert together(found, "ctax", "almost")
        found = linkage.clusters(
            ["ctax", "sixteen"],
            pairs(("ctax", "sixteen", 5.0)),
            records=held.iloc[[0, 2]],
        )
        assert not together(found, "ctax", "sixteen")

    def test_the_age_a_cluster_holds_travels_through_its_links(self) -> None:
        """The council tax record joins a police record without a date of birth; the pupil
        aged eight cannot then join either of them."""
        held = records(
            {"unique_id": "ctax", "source": "council_tax"},
            {"unique_id": "police", "source": "police"},
            {"unique_id": "pupil", "source": "schools", "date_of_birth": "2017-01-10"},
        )
        found = linkage.clusters(
            ["ctax", "police", "pupil"],
            pairs(("ctax", "police", 20.0), ("police", "pupil", 10.0)),
            records=held,
        )
        assert together(found, "ctax", "police")
        assert not together(found, "police", "pupil")

    def test_a_pupil_is_never_a_pensioner(self) -> None:
        held = records(
            {"unique_id": "pupil", "source": "schools"},
            {"unique_id": "gp", "source": "health", "date_of_birth": "1950-02-02"},
        )
        found = linkage.clusters(["pupil", "gp"], pairs(("pupil", "gp", 30.0)), records=held)
        assert not together(found, "pupil", "gp")

    def test_without_the_extract_date_no_age_is_assumed(self) -> None:
        held = records(
            {"unique_id": "ctax", "source": "council_tax", "extract_date": None},
            {"unique_id": "gp", "source": "health", "date_of_birth": "2019-06-01"},
        )
        found = linkage.clusters(["ctax", "gp"], pairs(("ctax", "gp", 30.0)), records=held)
        assert together(found, "ctax", "gp")

    def test_a_data_officer_s_decision_overrides_the_ages(self) -> None:
        held = records(
            {"unique_id": "ctax", "source": "council_tax"},
            {"unique_id": "gp", "source": "health", "date_of_birth": "2019-06-01"},
        )
        found = linkage.clusters(["ctax", "gp"], pairs(), accepted=[("ctax", "gp")], records=held)
        assert together(found, "ctax", "gp")

    def test_the_partnership_sets_the_ages_its_agencies_hold(self) -> None:
        """A housing file that lists the children of each tenancy: housing holds every age."""
        held = records(
            {"unique_id": "tenancy", "source": "housing"},
            {"unique_id": "gp", "source": "health", "date_of_birth": "2019-06-01"},
        )
        assert not together(
            linkage.clusters(["tenancy", "gp"], pairs(("tenancy", "gp", 9.0)), records=held),
            "tenancy",
            "gp",
        )
        with override_settings(JOINEDUP_LINKAGE_AGES_HELD={"council_tax": (18, None)}):
            found = linkage.clusters(["tenancy", "gp"], pairs(("tenancy", "gp", 9.0)), records=held)
        assert together(found, "tenancy", "gp")

    def test_a_record_with_its_own_date_of_birth_is_judged_by_it(self) -> None:
        """A council tax record whose own date of birth says 16 (a slip, or a liable
        16-year-old) still links to the same person's GP record: its own date says more
        than the ages its agency holds."""
        held = records(
            {"unique_id": "ctax", "source": "council_tax", "date_of_birth": "2009-01-01"},
            {"unique_id": "gp", "source": "health", "date_of_birth": "2009-01-01"},
        )
        found = linkage.clusters(["ctax", "gp"], pairs(("ctax", "gp", 40.0)), records=held)
        assert together(found, "ctax", "gp")

    def test_a_cluster_a_data_officer_joined_across_the_ages_still_takes_links(self) -> None:
        """The officer said the council tax record is the child's; the child's school
        record then links as any other."""
        held = records(
            {"unique_id": "ctax", "source": "council_tax"},
            {"unique_id": "gp", "source": "health", "date_of_birth": "2015-06-01"},
            {"unique_id": "pupil", "source": "schools", "date_of_birth": "2015-06-01"},
        )
        found = linkage.clusters(
            ["ctax", "gp", "pupil"],
            pairs(("gp", "pupil", 30.0)),
            accepted=[("ctax", "gp")],
            records=held,
        )
        assert together(found, "ctax", "gp", "pupil")

    def test_an_extract_whose_dates_break_the_ages_is_not_held_to_them(self) -> None:
        """A housing file that lists each tenancy's children: its own dates of birth show
        it, so its records without one may be children too."""
        children = [
            {"unique_id": f"child{i}", "source": "housing", "date_of_birth": "2016-01-01"}
            for i in range(3)
        ]
        adults = [
            {"unique_id": f"adult{i}", "source": "housing", "date_of_birth": "1980-01-01"}
            for i in range(7)
        ]
        held = records(
            {"unique_id": "tenancy", "source": "housing"},
            {"unique_id": "gp", "source": "health", "date_of_birth": "2016-06-01"},
            *children,
            *adults,
        )
        ids = list(held["unique_id"])
        found = linkage.clusters(ids, pairs(("tenancy", "gp", 9.0)), records=held)
        assert together(found, "tenancy", "gp")
        # The same file with only adults' dates of birth is held to the ages.
        held = held.loc[~held["unique_id"].str.startswith("child")]
        found = linkage.clusters(
            list(held["unique_id"]), pairs(("tenancy", "gp", 9.0)), records=held
        )
        assert not together(found, "tenancy", "gp")

    def test_birth_bounds(self) -> None:
        assert linkage.birth_bounds("council_tax", "2025-04-01") == ("0001-01-01", "2008-04-01")
        assert linkage.birth_bounds("schools", "2024-02-29") == ("2003-02-28", "2023-02-28")
        assert linkage.birth_bounds("health", "2025-04-01") is None
        assert linkage.birth_bounds("council_tax", None) is None
        assert linkage.birth_bounds("council_tax", "not a date") is None


class TestSameExtract:
    """An agency's file holds one record per person, now and then two."""

    def held(self) -> pd.DataFrame:
        return records(
            {"unique_id": "a1", "source": "council_tax"},
            {"unique_id": "a2", "source": "council_tax"},
            {"unique_id": "b1", "source": "police"},
        )

    def test_two_records_of_one_file_need_more_evidence(self) -> None:
        """Above the upper threshold (0) but within the margin (2): not enough."""
        weak = linkage.clusters(["a1", "a2"], pairs(("a1", "a2", 1.0)), records=self.held())
        assert not together(weak, "a1", "a2")
        strong = linkage.clusters(["a1", "a2"], pairs(("a1", "a2", 3.0)), records=self.held())
        assert together(strong, "a1", "a2")

    def test_a_cluster_already_holding_a_record_of_the_file_needs_more_too(self) -> None:
        found = linkage.clusters(
            ["a1", "a2", "b1"],
            pairs(("a1", "b1", 20.0), ("a2", "b1", 1.0)),
            records=self.held(),
        )
        assert together(found, "a1", "b1")
        assert not together(found, "a2", "b1")

    def test_records_of_different_files_need_only_the_threshold(self) -> None:
        found = linkage.clusters(["a1", "b1"], pairs(("a1", "b1", 0.5)), records=self.held())
        assert together(found, "a1", "b1")

    def test_one_file_alone_is_linked_by_the_threshold(self) -> None:
        """``link_records`` deduplicates one file: every pair is of that file."""
        held = self.held().iloc[:2]
        found = linkage.clusters(["a1", "a2"], pairs(("a1", "a2", 0.5)), records=held)
        assert together(found, "a1", "a2")

    def test_a_file_holding_several_records_a_person_needs_no_more(self) -> None:
        """A log of contacts: most of its records are confidently linked to another of
        its own, so one more of them is no surprise."""
        log = [{"unique_id": f"c{i}", "source": "police", "extract": "contacts"} for i in range(10)]
        held = records(*log, {"unique_id": "gp", "source": "health"})
        repeats = [(f"c{i}", f"c{i + 1}", 25.0) for i in range(0, 8, 2)]
        found = linkage.clusters(
            list(held["unique_id"]), pairs(*repeats, ("c1", "c9", 1.0)), records=held
        )
        assert together(found, "c0", "c1", "c9")

    def test_the_same_kind_in_two_extracts_is_two_files(self) -> None:
        """January's and February's council tax files each hold the person once."""
        held = records(
            {"unique_id": "jan", "source": "council_tax", "extract": "x-january"},
            {"unique_id": "feb", "source": "council_tax", "extract": "x-february"},
        )
        found = linkage.clusters(["jan", "feb"], pairs(("jan", "feb", 0.5)), records=held)
        assert together(found, "jan", "feb")


OLD = {"address": "14 Larkspur Close Northvale", "postcode": "NV3 4QT", "uprn": "100012345678"}
NEW = {"address": "7 Heron Way Northvale", "postcode": "NV8 1ZZ", "uprn": "100098765432"}
ELSEWHERE = {"address": "31 Quarry Lane Northvale", "postcode": "NV2 6DL", "uprn": "100055501234"}
FAR = {"address": "2 Mill Court Northvale", "postcode": "NV9 3BB", "uprn": "100066602345"}

FAMILY = [
    # Mary's records at both homes say the household moved from OLD to NEW.
    {"unique_id": "t-mary-old", "source": "council_tax", "first_name": "Mary", "surname": "Smith", "date_of_birth": "03/02/1975", **OLD},
    {"unique_id": "t-mary-new", "source": "health", "first_name": "Mary", "surname": "Smith", "date_of_birth": "03/02/1975", "sex": "F", "nhs_number": "9434765919", **NEW},
    # John's council tax record still holds the old home, with no date of birth.
    {"unique_id": "t-john-old", "source": "council_tax", "first_name": "John", "surname": "Smith", **OLD},
    {"unique_id": "t-john-new", "source": "health", "first_name": "John", "surname": "Smith", "date_of_birth": "06/05/1973", "sex": "M", "nhs_number": "9434765870", **NEW},
    # Two namesakes at homes no household links.
    {"unique_id": "t-david-a", "source": "council_tax", "first_name": "David", "surname": "Jones", **ELSEWHERE},
    {"unique_id": "t-david-b", "source": "health", "first_name": "David", "surname": "Jones", "date_of_birth": "11/09/1969", "sex": "M", "nhs_number": "9434765889", **FAR},
]  # fmt: skip


@pytest.fixture(scope="module")
def with_family() -> pd.DataFrame:
    """Synthetic multi-agency records (the hard setting), with the family above added."""
    raw = generate(5_000, setting="hard", seed=7).rename(columns={"record_id": "unique_id"})
    raw = raw.loc[:, ["unique_id", "source", *STANDARD_FIELDS]]
    raw = pd.concat([raw, pd.DataFrame(FAMILY)], ignore_index=True).astype(object)
    raw["extract"] = raw["source"]
    raw["extract_date"] = REFERENCE_DATE.isoformat()
    return clean_frame(raw)


@pytest.fixture(scope="module")
def linked(with_family: pd.DataFrame) -> dict[bool, tuple[linkage.LinkageResult, dict[str, str]]]:
    found = {}
    for household in (False, True):
        result = linkage.link(with_family, household=household)
        found[household] = (
            result,
            linkage.clusters(with_family["unique_id"], result.pairs, records=with_family),
        )
    return found


class TestHouseholdMoves:
    def test_a_record_at_the_household_s_old_home_joins_the_person_at_the_new(
        self, linked: dict[bool, tuple[linkage.LinkageResult, dict[str, str]]]
    ) -> None:
        """Same name, no date of birth, another home: on its own, as likely a namesake. Mary's
        records show the household moved from the one home to the other."""
        without, with_moves = linked[False][1], linked[True][1]
        assert together(without, "t-mary-old", "t-mary-new")
        assert not together(without, "t-john-old", "t-john-new")
        assert together(with_moves, "t-john-old", "t-john-new")

    def test_the_evidence_is_its_own_weight_on_the_pair(
        self, linked: dict[bool, tuple[linkage.LinkageResult, dict[str, str]]]
    ) -> None:
        result = linked[True][0]
        john = ["t-john-old", "t-john-new"]
        pair = result.pairs.loc[
            result.pairs["unique_id_l"].isin(john) & result.pairs["unique_id_r"].isin(john)
        ]
        assert len(pair) == 1
        added = float(pair["mw_household_move"].iloc[0])
        assert added > 0
        weight = result.figures["household_moves"]["weight"]
        assert float(pair["mw_home"].iloc[0]) + added == pytest.approx(weight, abs=0.01)
        assert result.figures["household_moves"]["pairs"] > 0

    def test_namesakes_at_homes_no_household_links_stay_apart(
        self, linked: dict[bool, tuple[linkage.LinkageResult, dict[str, str]]]
    ) -> None:
        assert not together(linked[True][1], "t-david-a", "t-david-b")

    def test_the_pass_finds_more_of_the_same_people_than_it_joins_wrongly(
        self,
        with_family: pd.DataFrame,
        linked: dict[bool, tuple[linkage.LinkageResult, dict[str, str]]],
    ) -> None:
        truth = generate(5_000, setting="hard", seed=7).set_index("record_id")["true_person_id"]

        def right_and_wrong(found: dict[str, str]) -> tuple[int, int]:
            same = dict(truth.items())
            groups: dict[str, list[str]] = {}
            for record, cluster in found.items():
                if record in same:
                    groups.setdefault(cluster, []).append(record)
            right = wrong = 0
            for members in groups.values():
                for position, left in enumerate(members):
                    for right_id in members[position + 1 :]:
                        if same[left] == same[right_id]:
                            right += 1
                        else:
                            wrong += 1
            return right, wrong

        right_before, wrong_before = right_and_wrong(linked[False][1])
        right_after, wrong_after = right_and_wrong(linked[True][1])
        assert right_after - right_before > 3 * (wrong_after - wrong_before)
        assert right_after > right_before


class TestMistypedFirstNames:
    """A rare first name one keystroke from a much commoner one takes its nickname group."""

    def names(self, **counts: int) -> pd.Series:
        return pd.Series([name for name, count in counts.items() for _ in range(count)])

    def test_a_rare_name_a_keystroke_from_a_common_one_is_taken_for_it(self) -> None:
        found = linkage.mistyped_names(
            self.names(tommy=40, tomy=1, zoe=25, zeo=1, margaret=50, mragaret=2, ava=30, eva=30)
        )
        assert found == {"tomy": "tommy", "zeo": "zoe", "mragaret": "margaret"}

    def test_common_names_a_keystroke_apart_stay_themselves(self) -> None:
        """Twins called Ava and Eva; a name seen often enough is a name."""
        assert linkage.mistyped_names(self.names(ava=30, eva=30, jon=12, john=200)) == {}

    def test_a_name_near_two_common_names_is_left_alone(self) -> None:
        assert linkage.mistyped_names(self.names(jane=40, jade=40, jaee=1)) == {}

    def test_initials_and_short_names_are_left_alone(self) -> None:
        assert linkage.mistyped_names(self.names(jo=40, j=1, jx=1)) == {}

    def test_the_groups_follow_the_meant_name_and_the_record_keeps_its_own(self) -> None:
        raw = pd.DataFrame(
            {
                "unique_id": [f"r{i}" for i in range(42)],
                "source": "health",
                "first_name": ["Tommy"] * 40 + ["Tomy", "Thomas"],
                "surname": "Ashworth",
            }
        )
        frame = linkage._model_frame(clean_frame(raw))
        typo = frame.loc[frame["unique_id"] == "r40"].iloc[0]
        assert typo["first_name"] == "tomy"
        assert "thomas" in typo["first_name_groups"]
        assert typo["first_name_alias"] == "thomas"


def level_of(comparison: str, left: dict[str, Any], right: dict[str, Any]) -> str:
    """The label of the first level of ``comparison`` whose condition two records meet, as
    DuckDB works it out from the model's own SQL."""
    import duckdb

    found = next(
        c.get_comparison("duckdb")
        for c in linkage.settings().comparisons
        if c.get_comparison("duckdb").output_column_name == comparison
    )
    columns = {
        **{f"{name}_l": value for name, value in left.items()},
        **{f"{name}_r": value for name, value in right.items()},
    }
    connection = duckdb.connect()
    select = ", ".join(f"${name} AS {name}" for name in columns)
    for level in found.comparison_levels:
        if level.sql_condition == "ELSE":
            return str(level.label_for_charts)
        sql = f"SELECT ({level.sql_condition}) FROM (SELECT {select})"  # noqa: S608 (the model's own SQL)
        if connection.execute(sql, columns).fetchone()[0]:
            return str(level.label_for_charts)
    raise AssertionError("no level")


def home(address: str | None, number: str | None, postcode: str | None = None) -> dict[str, Any]:
    return {
        "uprn": None,
        "address": address,
        "address_number": number,
        "postcode": postcode,
        "postcode_sector": None,
        "postcode_district": None,
    }


def first_name(name: str, initials: list[str]) -> dict[str, Any]:
    return {"first_name": name, "first_name_groups": [name], "first_name_initials": initials}


class TestComparisons:
    def test_an_address_that_is_the_other_s_first_line_is_its_own_level(self) -> None:
        police = home("60 baker avenue", "60")
        council = home("60 baker avenue burkeworth", "60", "NV4 2PL")
        label = "One address is the other's first line"
        assert level_of("home", police, council) == label
        assert level_of("home", council, police) == label
        # Another house in the street, or a street merely starting alike, is not.
        assert level_of("home", home("6 baker avenue", "6"), council) != label
        assert level_of("home", home("60 bak", "60"), home("60 bakewell road", "60")) != label

    def test_a_first_line_in_another_postcode_district_is_not_the_same_home(self) -> None:
        council = home("12 church road east burkeworth", "12", "NV4 2PL")
        council["postcode_district"] = "NV4"
        elsewhere = home("12 church road", "12", "NV9 1AA")
        elsewhere["postcode_district"] = "NV9"
        assert level_of("home", elsewhere, council) != "One address is the other's first line"

    def test_an_initial_agrees_with_a_nickname_s_initial(self) -> None:
        """ "b" for William (Bill); "w" too; not "m"."""
        william = first_name("william", ["b", "l", "w"])
        label = "One is the other's initial"
        assert level_of("first_name", first_name("b", ["b"]), william) == label
        assert level_of("first_name", william, first_name("w", ["w"])) == label
        assert level_of("first_name", first_name("m", ["m"]), william) != label

    def test_the_model_frame_gives_each_name_its_nicknames_initials(self) -> None:
        raw = pd.DataFrame(
            {
                "unique_id": ["a", "b", "c"],
                "source": "police",
                "first_name": ["William", "B", None],
                "surname": "Hale",
            }
        )
        frame = linkage._model_frame(clean_frame(raw)).set_index("unique_id")
        assert {"b", "l", "w"} <= set(frame.loc["a", "first_name_initials"])
        assert list(frame.loc["b", "first_name_initials"]) == ["b"]
        assert list(frame.loc["c", "first_name_initials"]) == [""]

    def test_a_mistyped_name_counts_as_common_as_the_name_it_was_meant_for(self) -> None:
        """Two namesakes' records with the same slip ("aarn" for "aaron") would otherwise
        agree on a name seen twice, and be linked on that alone."""
        from splink import Linker

        raw = pd.DataFrame(
            {
                "unique_id": [f"r{i}" for i in range(44)],
                "source": "health",
                "first_name": ["Aaron"] * 40 + ["Aarn", "Aarn", "Zebedee", "Zebedee"],
                "surname": [f"Surname{i % 7}" for i in range(44)],
            }
        )
        frame = linkage._model_frame(clean_frame(raw))
        api = linkage.database_api("duckdb")
        linker = Linker(
            api.register(frame, table_name="records"), linkage.settings(), log_level=None
        )
        tables = linkage._term_frequencies(linker, api, frame)
        table = tables["first_name"]
        given = dict(zip(table["first_name"], table["tf_first_name"], strict=True))
        assert given["aarn"] == pytest.approx(given["aaron"])
        assert given["zebedee"] == pytest.approx(2 / 44)  # a rare name that is no slip
        used = linker.table_management.compute_tf_table("first_name").as_pandas_dataframe()
        in_use = dict(zip(used["first_name"], used["tf_first_name"], strict=True))
        assert in_use["aarn"] == pytest.approx(given["aaron"])

    def test_a_slip_near_two_common_names_takes_the_commoners_frequency(self) -> None:
        from splink import Linker

        raw = pd.DataFrame(
            {
                "unique_id": [f"r{i}" for i in range(104)],
                "source": "health",
                "first_name": [f"Name{i % 9}" for i in range(104)],
                "surname": ["Singh"] * 60 + ["King"] * 40 + ["Sing", "Sing", "Zebedee", "Zebedee"],
            }
        )
        frame = linkage._model_frame(clean_frame(raw))
        api = linkage.database_api("duckdb")
        linker = Linker(
            api.register(frame, table_name="records"), linkage.settings(), log_level=None
        )
        table = linkage._term_frequencies(linker, api, frame)["surname"]
        given = dict(zip(table["surname"], table["tf_surname"], strict=True))
        assert given["sing"] == pytest.approx(60 / 104)
        assert given["zebedee"] == pytest.approx(2 / 104)


def test_a_pair_both_passes_scored_keeps_the_household_move_score() -> None:
    first = pd.DataFrame(
        {"unique_id_l": ["a", "c"], "unique_id_r": ["b", "d"], "match_weight": [-2.0, 5.0]}
    )
    moves = pd.DataFrame(
        {
            "unique_id_l": ["a"],
            "unique_id_r": ["b"],
            "match_weight": [6.5],
            "mw_household_move": [8.5],
        }
    )
    both = linkage._with_moves(first, moves).set_index(["unique_id_l", "unique_id_r"])
    assert len(both) == 2
    assert both.loc[("a", "b"), "match_weight"] == 6.5
    assert both.loc[("c", "d"), "match_weight"] == 5.0


def test_a_slip_near_two_common_names_counts_as_common_as_the_commoner() -> None:
    names = pd.Series(["singh"] * 60 + ["king"] * 40 + ["sing"] * 2 + ["zebedee"] * 2)
    assert linkage.name_slips(names) == {"sing": ["king", "singh"]}
    assert linkage.mistyped_names(names) == {}
