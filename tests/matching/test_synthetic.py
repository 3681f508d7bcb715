"""The synthetic multi-agency extracts: shape, ground truth, agency differences and noise.

No database: ``generate`` is pure. Two module-wide frames (one per setting, same seed) are
shared by the tests that only read them.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from joinedup.matching.synthetic import (
    AGENCIES,
    AGENCY_COLUMNS,
    AGENCY_ID_COLUMNS,
    FIELD_PRESENCE,
    PLACEHOLDER_VALUES,
    REFERENCE_DATE,
    SETTINGS,
    SIGNALS,
    STANDARD_FIELDS,
    _one_owner_each,
    generate,
    true_pairs_count,
    write_agency_files,
)
from joinedup.people.identifiers import (
    date_swaps,
    is_valid_nhs_number,
    is_valid_ni_number,
    normalise_postcode,
    parse_date,
)
from joinedup.people.names import names_match, normalise_name

SIZE = 40_000
SIGNAL_COLUMNS = [name for names in SIGNALS.values() for name in names]
DATE_FORMATS = {
    "day first": re.compile(r"\d{2}/\d{2}/\d{4}"),
    "ISO": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "compact": re.compile(r"\d{8}"),
}


@pytest.fixture(scope="module")
def easy() -> pd.DataFrame:
    return generate(SIZE, setting="easy", seed=11)


@pytest.fixture(scope="module")
def hard() -> pd.DataFrame:
    return generate(SIZE, setting="hard", seed=11)


def _commonest(frame: pd.DataFrame, key: str, column: str) -> pd.Series:
    """Each ``key``'s commonest ``column`` value."""
    counts = frame.groupby([key, column]).size().rename("n").reset_index()
    counts = counts.sort_values([key, "n", column], ascending=[True, False, True])
    return counts.drop_duplicates(key).set_index(key)[column]


def _per_person_disagreement(frame: pd.DataFrame, column: str) -> float:
    """Share of records whose normalised value differs from the person's commonest one."""
    values = frame[["true_person_id", column]].dropna()
    values = values.assign(value=values[column].map(normalise_name))
    commonest = _commonest(values, "true_person_id", "value")
    return float((values["value"] != values["true_person_id"].map(commonest)).mean())


def _missing_share(frame: pd.DataFrame) -> float:
    """Share of blanks among the fields each record's agency holds (names aside)."""
    blanks = held = 0
    for agency, fields in FIELD_PRESENCE.items():
        rows = frame[frame["source"] == agency]
        columns = [f for f in fields if f not in {"first_name", "surname"}]
        blanks += int(rows[columns].isna().to_numpy().sum())
        held += rows[columns].size
    return blanks / held


# --- Shape and determinism -------------------------------------------------------------------


def test_same_seed_gives_the_same_frame_and_another_seed_does_not() -> None:
    first = generate(3_000, setting="hard", seed=5)
    pd.testing.assert_frame_equal(first, generate(3_000, setting="hard", seed=5))
    other = generate(3_000, setting="hard", seed=6)
    assert not first["first_name"].equals(other["first_name"])


@pytest.mark.parametrize("records", [0, 1, 7, 999, 10_001])
def test_exactly_the_number_of_records_asked_for(records: int) -> None:
    frame = generate(records, setting="hard", seed=2)
    assert len(frame) == records
    assert frame["record_id"].is_unique
    assert list(frame.columns) == [
        "record_id",
        "source",
        "true_person_id",
        "household_id",
        *STANDARD_FIELDS,
        *SIGNAL_COLUMNS,
    ]


def test_record_ids_name_the_agency(hard: pd.DataFrame) -> None:
    assert hard["record_id"].is_unique
    assert (hard["record_id"].str.rsplit("-", n=1).str[0] == hard["source"]).all()
    assert hard["record_id"].str.fullmatch(r"[a-z_]+-\d{6}").all()


def test_every_agency_is_present(hard: pd.DataFrame, easy: pd.DataFrame) -> None:
    assert set(hard["source"]) == set(AGENCIES)
    assert set(easy["source"]) == set(AGENCIES)


def test_unknown_setting_and_negative_size_are_refused() -> None:
    with pytest.raises(ValueError, match="Unknown setting"):
        generate(10, setting="medium")
    with pytest.raises(ValueError, match="zero or more"):
        generate(-1)


# --- The people behind the records -----------------------------------------------------------


def test_agencies_per_person_are_skewed_with_a_tail_known_to_four_or_more(
    hard: pd.DataFrame,
) -> None:
    agencies = hard.groupby("true_person_id")["source"].nunique()
    shares = agencies.value_counts(normalize=True)
    assert shares[1] > shares[2] > shares[3] > 0.05
    assert (agencies >= 4).mean() > 0.05
    assert (agencies >= 4).sum() > 100


def test_some_people_have_two_records_in_the_same_agency(
    hard: pd.DataFrame, easy: pd.DataFrame
) -> None:
    def duplicated(frame: pd.DataFrame) -> int:
        return int((frame.groupby(["true_person_id", "source"]).size() > 1).sum())

    assert duplicated(easy) > 50
    assert duplicated(hard) > 2 * duplicated(easy)


def test_true_pairs_count_counts_pairs_within_each_person() -> None:
    frame = pd.DataFrame({"true_person_id": ["a", "a", "a", "b", "c", "c"]})
    assert true_pairs_count(frame) == 3 + 0 + 1
    assert true_pairs_count(frame.iloc[:0]) == 0


def test_true_pairs_count_on_a_generated_frame(hard: pd.DataFrame) -> None:
    sizes = hard["true_person_id"].value_counts()
    assert true_pairs_count(hard) == sum(n * (n - 1) // 2 for n in sizes)
    assert true_pairs_count(hard) > len(hard) // 2


def test_households_share_an_address(easy: pd.DataFrame) -> None:
    people = easy.groupby("household_id")["true_person_id"].nunique()
    shared = easy[easy["household_id"].isin(people[people >= 2].index)].dropna(subset=["postcode"])
    postcodes = _commonest(shared, "household_id", "postcode")
    same = shared["postcode"] == shared["household_id"].map(postcodes)
    assert same.mean() > 0.9
    # ... and a different household does not have the same address.
    addresses = easy.dropna(subset=["address"]).groupby("address")["household_id"].nunique()
    assert (addresses > 1).mean() < 0.05


def test_twins_share_surname_date_of_birth_and_address_but_not_first_names(
    easy: pd.DataFrame,
) -> None:
    records = easy.dropna(subset=["date_of_birth", "address"])
    key = ["household_id", "source", "date_of_birth", "surname", "address"]
    pairs = records.merge(records, on=key)
    pairs = pairs[pairs["true_person_id_x"] < pairs["true_person_id_y"]]
    assert pairs["true_person_id_x"].nunique() >= 5
    different = [
        not names_match(a, b)
        for a, b in zip(pairs["first_name_x"], pairs["first_name_y"], strict=True)
    ]
    assert sum(different) / len(different) > 0.9


def test_hard_has_more_twins(hard: pd.DataFrame, easy: pd.DataFrame) -> None:
    def twin_people(frame: pd.DataFrame) -> int:
        clean = frame.dropna(subset=["date_of_birth"])
        same_day = clean.groupby(["household_id", "date_of_birth"])["true_person_id"].nunique()
        return int((same_day > 1).sum())

    assert twin_people(hard) > 2 * twin_people(easy) > 0


def test_common_surnames_appear_and_are_commoner_on_hard(
    hard: pd.DataFrame, easy: pd.DataFrame
) -> None:
    def share(frame: pd.DataFrame, name: str) -> float:
        people = frame.drop_duplicates("true_person_id")
        return float((people["surname"].str.upper() == name.upper()).mean())

    assert 0.005 < share(easy, "Smith") < 0.025
    for name in ("Jones", "Williams", "Taylor", "Brown", "Davies", "Evans"):
        assert share(easy, name) > 0.002
    assert share(hard, "Smith") > 1.5 * share(easy, "Smith")


# --- What each agency holds ------------------------------------------------------------------


def test_agencies_hold_different_fields(hard: pd.DataFrame) -> None:
    def present(agency: str, field: str) -> float:
        return float(hard.loc[hard["source"] == agency, field].notna().mean())

    for field in ("ni_number", "nhs_number", "email", "phone"):
        assert present("schools", field) == 0
    assert present("jobcentre", "ni_number") > 0.75
    assert present("jobcentre", "nhs_number") == 0
    assert present("health", "nhs_number") > 0.75
    assert present("health", "ni_number") < 0.05
    assert present("police", "postcode") < 0.5
    assert present("police", "email") < 0.1
    assert present("council_tax", "uprn") > 0.8
    assert present("council_tax", "address") > 0.8


def test_schools_hold_children(easy: pd.DataFrame) -> None:
    born = easy.loc[easy["source"] == "schools", "date_of_birth"].dropna().map(parse_date)
    ages = born.map(lambda d: (REFERENCE_DATE - d).days / 365.25)
    assert ages.quantile(0.01) >= 4 - 0.1
    assert ages.quantile(0.99) < 17 + 0.1


def test_signals_belong_to_their_agency(hard: pd.DataFrame) -> None:
    for agency, signals in SIGNALS.items():
        own = hard["source"] == agency
        for signal in signals:
            assert hard.loc[~own, signal].isna().all(), signal
            assert hard.loc[own, signal].notna().all(), signal
    assert set(hard["open_referral"].dropna()) == {"Y", "N"}
    attendance = hard["attendance_pct"].dropna()
    assert attendance.between(0, 100).all()


def test_signals_rise_with_the_number_of_agencies(hard: pd.DataFrame) -> None:
    agencies = hard.groupby("true_person_id")["source"].nunique()
    police = hard[hard["source"] == "police"]
    many = police["true_person_id"].map(agencies) >= 4
    incidents = police["incidents_12m"].astype(float)
    assert incidents[many].mean() > incidents[~many].mean()


# --- Identifiers and dates -------------------------------------------------------------------


def test_nhs_numbers_pass_the_check_digit_unless_placeholders(
    hard: pd.DataFrame, easy: pd.DataFrame
) -> None:
    for frame in (hard, easy):
        numbers = frame["nhs_number"].dropna()
        real = numbers[~numbers.isin(PLACEHOLDER_VALUES)]
        assert len(real) > 1000
        assert real.map(is_valid_nhs_number).all()
    assert hard["nhs_number"].isin(PLACEHOLDER_VALUES).any()
    assert not easy["nhs_number"].isin(PLACEHOLDER_VALUES).any()


def test_ni_numbers_are_valid_unless_placeholders_or_temporary(hard: pd.DataFrame) -> None:
    numbers = hard["ni_number"].dropna()
    temporary = numbers.str.fullmatch(r"TN\d{6}[MF]")
    assert temporary.any()
    real = numbers[~numbers.isin(PLACEHOLDER_VALUES) & ~temporary]
    assert real.map(is_valid_ni_number).all()
    assert not real.str.upper().str.startswith("QQ").any()


def test_postcodes_are_valid_uk_postcodes_apart_from_typos(hard: pd.DataFrame) -> None:
    postcodes = hard["postcode"].dropna()
    assert postcodes.map(lambda p: normalise_postcode(p) is not None).mean() > 0.98


def test_dates_of_birth_are_in_the_agencies_formats(hard: pd.DataFrame, easy: pd.DataFrame) -> None:
    for frame in (hard, easy):
        dates = frame["date_of_birth"].dropna()
        shares = {
            name: float(dates.str.fullmatch(pattern.pattern).mean())
            for name, pattern in DATE_FORMATS.items()
        }
        assert sum(shares.values()) == pytest.approx(1.0)
        assert shares["day first"] > 0.5
        assert shares["ISO"] > 0.05 and shares["compact"] > 0.05
        assert dates.map(lambda d: parse_date(d) is not None).all()
        assert (dates.map(parse_date) <= REFERENCE_DATE).all()


def _swapped_people(frame: pd.DataFrame) -> int:
    """People with two records whose dates of birth are each other's day/month swap."""
    dates = frame[["true_person_id", "date_of_birth"]].dropna()
    dates = dates.assign(born=dates["date_of_birth"].map(parse_date))
    found = 0
    for _, born in dates.groupby("true_person_id")["born"]:
        seen = set(born)
        if len(seen) > 1 and any(swap in seen for d in seen for swap in date_swaps(d)):
            found += 1
    return found


def test_hard_transposes_days_and_months(hard: pd.DataFrame, easy: pd.DataFrame) -> None:
    assert _swapped_people(hard) > 3 * max(_swapped_people(easy), 1)


# --- Noise: hard is harder than easy ---------------------------------------------------------


def test_hard_has_more_missing_values(hard: pd.DataFrame, easy: pd.DataFrame) -> None:
    assert _missing_share(hard) > _missing_share(easy) + 0.05


def test_hard_has_more_name_variation(hard: pd.DataFrame, easy: pd.DataFrame) -> None:
    for column in ("first_name", "surname"):
        assert _per_person_disagreement(hard, column) > 2 * _per_person_disagreement(easy, column)


def test_nicknames_are_used_and_commoner_on_hard(hard: pd.DataFrame, easy: pd.DataFrame) -> None:
    def nicknamed(frame: pd.DataFrame) -> int:
        names = frame[["true_person_id", "first_name"]].assign(
            name=frame["first_name"].map(normalise_name)
        )
        names = names[names["name"].str.len() > 1].drop_duplicates(["true_person_id", "name"])
        pairs = names.merge(names, on="true_person_id")
        pairs = pairs[pairs["name_x"] < pairs["name_y"]]
        return sum(names_match(a, b) for a, b in zip(pairs["name_x"], pairs["name_y"], strict=True))

    assert nicknamed(easy) > 10
    assert nicknamed(hard) > 3 * nicknamed(easy)


def test_hard_has_more_moves_and_postcode_typos(hard: pd.DataFrame, easy: pd.DataFrame) -> None:
    def people_with_two_postcodes(frame: pd.DataFrame) -> float:
        postcodes = frame[["true_person_id", "postcode"]].dropna()
        postcodes = postcodes.assign(unit=postcodes["postcode"].str.replace(" ", "").str.upper())
        several = frame["true_person_id"].value_counts()
        several = several[several > 1].index
        distinct = postcodes.groupby("true_person_id")["unit"].nunique()
        return float((distinct.reindex(several).fillna(0) > 1).mean())

    assert people_with_two_postcodes(hard) > 2 * people_with_two_postcodes(easy) > 0


def test_the_settings_differ_in_the_direction_documented() -> None:
    easy, hard = SETTINGS["easy"], SETTINGS["hard"]
    for rate in (
        "name_typo",
        "nickname",
        "dob_swap",
        "missing",
        "move",
        "postcode_typo",
        "placeholder",
        "twins",
        "common_surnames",
        "duplicates",
    ):
        assert getattr(hard, rate) > getattr(easy, rate), rate


# --- The agencies' files ---------------------------------------------------------------------


def test_agency_columns_cover_what_each_agency_holds() -> None:
    assert set(AGENCY_COLUMNS) == set(AGENCIES) == set(AGENCY_ID_COLUMNS)
    for agency in AGENCIES:
        fields = {f for f, share in FIELD_PRESENCE[agency].items() if share > 0}
        assert set(AGENCY_COLUMNS[agency]) == fields | set(SIGNALS[agency])
        headers = [AGENCY_ID_COLUMNS[agency], *AGENCY_COLUMNS[agency].values()]
        assert len(set(headers)) == len(headers)


def test_agency_files_use_the_agencies_headers_and_round_trip(
    hard: pd.DataFrame, tmp_path: Path
) -> None:
    frame = hard.iloc[:5_000]
    paths = write_agency_files(frame, tmp_path / "extracts")
    assert set(paths) == set(AGENCIES)
    for agency, path in paths.items():
        assert path.name == f"{agency}.csv"
        written = pd.read_csv(path, dtype=str, keep_default_na=False)
        expected_headers = [AGENCY_ID_COLUMNS[agency], *AGENCY_COLUMNS[agency].values()]
        assert list(written.columns) == expected_headers
        assert "true_person_id" not in written.columns
        assert "household_id" not in written.columns
        rows = frame[frame["source"] == agency]
        assert len(written) == len(rows)
        assert written[AGENCY_ID_COLUMNS[agency]].tolist() == rows["record_id"].tolist()
        for field in ("surname", "date_of_birth", "postcode"):
            if field in AGENCY_COLUMNS[agency]:
                assert (
                    written[AGENCY_COLUMNS[agency][field]].tolist()
                    == rows[field].fillna("").tolist()
                )


def test_police_headers_are_the_polices(hard: pd.DataFrame, tmp_path: Path) -> None:
    paths = write_agency_files(hard.iloc[:2_000], tmp_path)
    header = paths["police"].read_text(encoding="utf-8").splitlines()[0].split(",")
    for column in ("Forename", "Surname", "DOB", "Post Code", "Address Line 1", "Incidents (12m)"):
        assert column in header
    header = paths["council_tax"].read_text(encoding="utf-8").splitlines()[0].split(",")
    for column in ("FIRST_NAME", "LAST_NAME", "DATE_OF_BIRTH", "ADDRESS", "POSTCODE", "UPRN"):
        assert column in header
    assert "ARREARS_GBP" in header


def test_an_e_mail_address_belongs_to_one_person(hard: pd.DataFrame) -> None:
    """As a real mailbox does: namesakes' addresses made from common names take numbers."""
    held = hard.loc[hard["email"].notna() & ~hard["email"].isin(PLACEHOLDER_VALUES)]
    held = held.assign(address=held["email"].str.strip().str.lower())
    owners = held.groupby("address")["true_person_id"].nunique()
    assert (owners == 1).all(), owners[owners > 1].head()


def test_a_renumbered_address_is_never_one_already_made() -> None:
    """Renumbering "jane_smith7@" must not make the "jane_smith72@" someone else has, or that
    the person holds as their other address."""
    email = np.array(["jane_smith7@g.com", "jane_smith7@g.com", "bob@h.com"], dtype=object)
    other = np.array([None, "jane_smith72@g.com", "jane_smith72@g.com"], dtype=object)
    _one_owner_each(email, other)
    assert email[0] == "jane_smith7@g.com"  # the first to have it keeps it
    assert email[1] not in {"jane_smith7@g.com", "jane_smith72@g.com", other[1]}
    assert other[1] == "jane_smith72@g.com"
    assert other[2] not in {"jane_smith72@g.com", email[1]}
    addresses = [a for a in [*email, *other] if a is not None]
    assert len(addresses) == len(set(addresses))
