"""Reads for the data matching pages (rule 1: views read through here).

**Who sees what.** Extract records are personal data. Only data and insight officers (and
system admins) read them, and every page that shows a record's fields (a review pair, a
linked person) records what it showed with the audit service before returning it. Matching
is a partnership function carried out under the extracts' lawful bases and the sharing
agreement, so a data officer of *any* partner organisation sees every partner's extracts,
not only their own organisation's. Performance analysts see only counts (:func:`overview`).

A person on JoinedUp's own shared record (a ``p<uuid>`` key) is different: their details
are shown only when the one access policy (``sharing.policy``) allows the officer's
organisation to see who they are; otherwise the page says "JoinedUp record (restricted)".

**The audit record of a page.** One event per JoinedUp person the page is about (a record
linked to them, or their own record), or one event without a person when none is linked.
The audit service accepts only the policy's bases, not free text, so the basis recorded is
the most exceptional of: ``lawful_basis`` when extract records are shown (the extract's own
lawful basis, whose text goes in the event's detail with the extract references), and the
policy's basis for the JoinedUp person's details when those are shown; ``restricted`` when
only a restricted JoinedUp record was shown, and blank when nothing personal was.

Lists (extracts, runs, the review queue, merges and splits) show references, counts and
sources only, never a record's fields, so they are not audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from joinedup.accounts.models import Organisation
from joinedup.accounts.roles import Role
from joinedup.audit.services import AuditEntry, record_events
from joinedup.sharing.categories import IDENTITY
from joinedup.sharing.models import SharingAgreement
from joinedup.sharing.policy import PersonAccess, access_to_people

from . import linkage
from .models import (
    STANDARD_FIELDS,
    CandidatePair,
    ClusterChange,
    ColumnMapping,
    Extract,
    ExtractRecord,
    LinkageRun,
    LinkedPerson,
    PairDecision,
    record_key,
)
from .services import require_data_officer

if TYPE_CHECKING:
    from joinedup.core.actor import Actor
    from joinedup.people.models import Person

PAGE_SIZE = 25
#: Roles that may see the matching overview's counts (no personal data).
OVERVIEW_ROLES = (Role.DATA_OFFICER, Role.PERFORMANCE_ANALYST)
#: The most exceptional basis first, as ``PersonAccess.audit_basis`` orders them.
BASIS_ORDER = ("break_glass", "lawful_basis", "consent", "own_organisation")
#: A run's trained model and term-frequency tables: large, and never shown.
HEAVY_RUN_FIELDS = ("model", "tf_tables")
JOINEDUP = "JoinedUp record"
RESTRICTED = "JoinedUp record (restricted)"


def _page(queryset: QuerySet[Any], number: Any) -> Page[Any]:
    return Paginator(queryset, PAGE_SIZE).get_page(number)


def _require_overview_reader(actor: Actor) -> None:
    user = actor.user
    if user is None:
        return
    if not (user.is_system_admin or user.has_any_role(OVERVIEW_ROLES)):
        raise PermissionDenied("Only data officers and performance analysts see data matching.")


# ----------------------------------------------------------------------------- overview


@dataclass
class AgencyCount:
    organisation: str
    extracts: int
    rows: int


@dataclass
class Overview:
    agencies: list[AgencyCount]
    extracts: int
    rows: int
    latest_run: LinkageRun | None
    waiting: int
    linked_people: int
    changes: int


def overview(*, actor: Actor) -> Overview:
    """Counts only: extracts by agency, the latest run, pairs waiting, linked people."""
    _require_overview_reader(actor)
    agencies = [
        AgencyCount(organisation=row["organisation__name"], extracts=row["n"], rows=row["rows"])
        for row in Extract.objects.values("organisation__name")
        .annotate(n=Count("id"), rows=Sum("row_count"))
        .order_by("organisation__name")
    ]
    return Overview(
        agencies=agencies,
        extracts=sum(a.extracts for a in agencies),
        rows=sum(a.rows or 0 for a in agencies),
        latest_run=LinkageRun.objects.select_related("requested_by")
        .defer(*HEAVY_RUN_FIELDS)
        .first(),
        waiting=_waiting().count(),
        linked_people=LinkedPerson.objects.filter(status=LinkedPerson.Status.ACTIVE).count(),
        changes=ClusterChange.objects.count(),
    )


# ----------------------------------------------------------------------------- extracts


def extracts_page(*, actor: Actor, page: Any) -> Page[Any]:
    require_data_officer(actor)
    return _page(
        Extract.objects.select_related("organisation", "created_by", "agreement", "mapping"),
        page,
    )


def sending_organisations(*, actor: Actor) -> QuerySet[Organisation]:
    """The partner organisations an extract can come from."""
    require_data_officer(actor)
    return Organisation.objects.active().order_by("name")


def current_agreements(*, actor: Actor) -> QuerySet[SharingAgreement]:
    require_data_officer(actor)
    today = timezone.localdate()
    return (
        SharingAgreement.objects.filter(archived_on__isnull=True, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .prefetch_related("parties")
        .order_by("name")
    )


def organisation_for_load(*, actor: Actor, organisation_id: Any) -> Organisation:
    require_data_officer(actor)
    try:
        return Organisation.objects.active().get(pk=organisation_id)
    except (Organisation.DoesNotExist, ValueError) as exc:
        raise Http404("No such organisation.") from exc


def agreement_for_load(*, actor: Actor, agreement_id: Any) -> SharingAgreement | None:
    if not agreement_id:
        return None
    try:
        return current_agreements(actor=actor).get(pk=agreement_id)
    except (SharingAgreement.DoesNotExist, ValueError) as exc:
        raise Http404("No such sharing agreement.") from exc


def saved_mappings(*, actor: Actor, organisation: Organisation, source_kind: str) -> list[Any]:
    """The organisation's saved column mappings for this kind of extract."""
    require_data_officer(actor)
    return list(
        ColumnMapping.objects.filter(organisation=organisation, source_kind=source_kind).order_by(
            "name"
        )
    )


def already_loaded(*, actor: Actor, organisation: Organisation, sha256: str) -> Extract | None:
    """The extract this very file was loaded as before, for this organisation (REL-02)."""
    require_data_officer(actor)
    return (
        Extract.objects.select_related("created_by")
        .filter(organisation=organisation, sha256=sha256)
        .first()
    )


# ----------------------------------------------------------------------------- runs


def runs_page(*, actor: Actor, page: Any) -> Page[Any]:
    require_data_officer(actor)
    return _page(LinkageRun.objects.select_related("requested_by").defer(*HEAVY_RUN_FIELDS), page)


def run_detail(*, actor: Actor, run_id: Any) -> LinkageRun:
    require_data_officer(actor)
    try:
        return (
            LinkageRun.objects.select_related("requested_by")
            .defer(*HEAVY_RUN_FIELDS)
            .get(pk=run_id)
        )
    except (LinkageRun.DoesNotExist, ValueError) as exc:
        raise Http404("No such run.") from exc


@dataclass
class RunOptions:
    has_records: bool
    has_model: bool
    in_progress: LinkageRun | None


def run_options(*, actor: Actor) -> RunOptions:
    """What the "Run matching" form may offer."""
    require_data_officer(actor)
    return RunOptions(
        has_records=ExtractRecord.objects.exists(),
        # As ``services.latest_model_run``, without loading the model itself.
        has_model=LinkageRun.objects.filter(
            status=LinkageRun.Status.SUCCEEDED, model__isnull=False
        ).exists(),
        in_progress=LinkageRun.objects.filter(
            status__in=(LinkageRun.Status.QUEUED, LinkageRun.Status.RUNNING)
        )
        .defer(*HEAVY_RUN_FIELDS)
        .first(),
    )


# ----------------------------------------------------------------------------- review queue


def review_run() -> LinkageRun | None:
    """The run whose pairs are reviewed: the newest that finished."""
    return (
        LinkageRun.objects.filter(status=LinkageRun.Status.SUCCEEDED)
        .defer(*HEAVY_RUN_FIELDS)
        .order_by("-finished_on", "-requested_on")
        .first()
    )


def _waiting(run: LinkageRun | None = None) -> QuerySet[CandidatePair]:
    run = run or review_run()
    if run is None:
        return CandidatePair.objects.none()
    return CandidatePair.objects.filter(run=run, decision__isnull=True).order_by(
        "-match_weight", "id"
    )


@dataclass
class Source:
    """Where a record came from, without any of its fields."""

    key: str
    is_joinedup: bool
    organisation: str = ""
    extract: str = ""
    line: int | None = None

    def __str__(self) -> str:
        if self.is_joinedup:
            return JOINEDUP
        if not self.extract:
            return "A record no longer held"
        return f"{self.organisation}, {self.extract} line {self.line}"


def _sources(keys: Iterable[str]) -> dict[str, Source]:
    keys = list(keys)
    record_ids = [int(k[1:]) for k in keys if k.startswith("r") and k[1:].isdigit()]
    found = {
        record_key(row["pk"]): row
        for row in ExtractRecord.objects.filter(pk__in=record_ids).values(
            "pk", "row_number", "extract__reference", "extract__organisation__name"
        )
    }
    sources = {}
    for key in keys:
        if key.startswith("p"):
            sources[key] = Source(key=key, is_joinedup=True)
        elif key in found:
            row = found[key]
            sources[key] = Source(
                key=key,
                is_joinedup=False,
                organisation=row["extract__organisation__name"],
                extract=row["extract__reference"],
                line=row["row_number"],
            )
        else:
            sources[key] = Source(key=key, is_joinedup=False)
    return sources


@dataclass
class QueueItem:
    pair: CandidatePair
    left: Source
    right: Source


@dataclass
class ReviewQueue:
    run: LinkageRun | None
    page: Page[Any] | None
    items: list[QueueItem]
    waiting: int


def review_queue(*, actor: Actor, page: Any) -> ReviewQueue:
    """The newest finished run's pairs that no one has decided, highest weight first: where
    each record came from, never its fields."""
    require_data_officer(actor)
    run = review_run()
    if run is None:
        return ReviewQueue(run=None, page=None, items=[], waiting=0)
    shown = _page(_waiting(run), page)
    pairs: list[CandidatePair] = list(shown.object_list)
    sources = _sources(k for p in pairs for k in (p.left_key, p.right_key))
    return ReviewQueue(
        run=run,
        page=shown,
        items=[
            QueueItem(pair=p, left=sources[p.left_key], right=sources[p.right_key]) for p in pairs
        ],
        waiting=shown.paginator.count,
    )


def next_pair(*, actor: Actor) -> CandidatePair | None:
    """The next pair waiting for review (the highest weight)."""
    require_data_officer(actor)
    return _waiting().first()


# ----------------------------------------------------------------------------- reading records


def _person_values(person: Person) -> dict[str, str]:
    return {
        "first_name": person.given_name,
        "surname": person.family_name,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "sex": person.get_sex_display() if person.sex else "",
        "address": ", ".join(x for x in (person.address_line_1, person.address_line_2) if x),
        "postcode": person.postcode,
        "uprn": person.uprn,
        "ni_number": person.ni_number,
        "nhs_number": person.nhs_number,
        "email": person.email,
        "phone": person.phone,
    }


def _record_values(record: ExtractRecord) -> dict[str, str]:
    return {name: getattr(record, name) for name in STANDARD_FIELDS}


def _people(actor: Actor, ids: Iterable[Any]) -> tuple[dict[Any, Person], dict[Any, PersonAccess]]:
    """JoinedUp's people by id, and what the actor may see of each (the one policy)."""
    from joinedup.people.models import Person

    wanted = {uuid.UUID(str(i)) for i in ids if i}
    if not wanted:
        return {}, {}
    people = {p.pk: p for p in Person.objects.filter(pk__in=wanted)}
    return people, access_to_people(actor=actor, people=people.values())


def _basis(*, shows_records: bool, access: PersonAccess | None, shows_person: bool) -> str:
    """The basis to record (see the module): the most exceptional of those that applied."""
    bases: list[str] = []
    if shows_records:
        bases.append("lawful_basis")
    if shows_person and access is not None:
        decision = access.decide(IDENTITY)
        if decision.allowed:
            bases.append(decision.basis.value)
    for basis in BASIS_ORDER:
        if basis in bases:
            return basis
    return "restricted" if access is not None else ""


def _audit(
    *,
    actor: Actor,
    records: list[ExtractRecord],
    people: Iterable[Any],
    shown_people: dict[Any, PersonAccess],
    detail: dict[str, Any],
) -> None:
    """Record what a page showed, one event per JoinedUp person it is about (see the module).
    Called inside the caller's transaction, last, so nothing is returned unless written."""
    extracts = sorted({r.extract.reference for r in records})
    bases = sorted(
        {r.extract.lawful_basis or f"Sharing agreement {r.extract.agreement}" for r in records}
    )
    detail = {
        **detail,
        "records": sorted(record_key(r.pk) for r in records),
        "extracts": extracts,
        "lawful basis": [b[:200] for b in bases],
    }
    about = sorted({uuid.UUID(str(p)) for p in people if p}, key=str)
    entries = [
        AuditEntry(
            person_id=person_id,
            categories=[IDENTITY],
            basis=_basis(
                shows_records=bool(records),
                access=shown_people.get(person_id),
                shows_person=person_id in shown_people,
            ),
            detail=detail,
        )
        for person_id in about
    ] or [
        AuditEntry(
            person_id=None,
            categories=[IDENTITY] if records else [],
            basis="lawful_basis" if records else "",
            detail=detail,
        )
    ]
    record_events(actor=actor, action="view", entries=entries)


@dataclass
class Side:
    """One record of a pair, as the review page shows it."""

    key: str
    heading: str
    values: dict[str, str]
    restricted: bool = False
    missing: bool = False
    record: ExtractRecord | None = None
    person: Person | None = None
    linked_person: LinkedPerson | None = None
    #: The lawful basis (or agreement) the agency shared the record under.
    basis_text: str = ""


@dataclass
class FieldRow:
    name: str
    label: str
    left: str
    right: str


@dataclass
class Comparison:
    """One comparison of the model: the fields it compares (one, or several for the home)
    and its match weight for the pair."""

    name: str
    rows: list[FieldRow]
    weight: float | None

    @property
    def evidence(self) -> str:
        if self.weight is None:
            return "not compared"
        if self.weight > 0:
            return "for"
        if self.weight < 0:
            return "against"
        return "neither"

    @property
    def shown(self) -> str:
        """The weight as text with its sign, a true minus sign for a negative one."""
        if self.weight is None:
            return ""
        if self.weight > 0:
            return f"+{self.weight:.1f}"
        if self.weight < 0:
            return f"\u2212{-self.weight:.1f}"
        return "0.0"

    @property
    def bar(self) -> int:
        """The bar's length out of 100: 10 match weight points fill it."""
        return 0 if self.weight is None else min(100, round(abs(self.weight) * 10))


#: Comparisons of several standard fields (``linkage.settings``: the home is one comparison
#: of the UPRN, address and postcode). Every other field is compared on its own.
COMPARISON_FIELDS: dict[str, tuple[str, ...]] = {"home": ("address", "postcode", "uprn")}


def _comparisons(
    weights: dict[str, Any], left: dict[str, str], right: dict[str, str]
) -> tuple[list[Comparison], dict[str, float]]:
    """The fields grouped by the comparison that scored them, in the model's order (then
    any field no comparison scored), and any weights for something else."""
    weights = dict(weights)
    groups = {name: COMPARISON_FIELDS.get(name, (name,)) for name in linkage.COMPARED_FIELDS}
    for name in STANDARD_FIELDS:
        if not any(name in fields for fields in groups.values()):
            groups[name] = (name,)
    found = []
    for name, fields in groups.items():
        # An older run may have scored the home's fields one by one.
        if name not in weights and len(fields) > 1 and any(f in weights for f in fields):
            for field_name in fields:
                found.append(_comparison(field_name, (field_name,), weights, left, right))
            continue
        found.append(_comparison(name, fields, weights, left, right))
    extra = {name: w for name, value in weights.items() if (w := _number(value)) is not None}
    return found, extra


def _comparison(
    name: str,
    fields: tuple[str, ...],
    weights: dict[str, Any],
    left: dict[str, str],
    right: dict[str, str],
) -> Comparison:
    return Comparison(
        name=name,
        rows=[
            FieldRow(
                name=f,
                label=STANDARD_FIELDS.get(f, f.replace("_", " ").capitalize()),
                left=left.get(f, ""),
                right=right.get(f, ""),
            )
            for f in fields
        ],
        weight=_number(weights.pop(name, None)),
    )


@dataclass
class PairView:
    pair: CandidatePair
    left: Side
    right: Side
    comparisons: list[Comparison]
    decision: PairDecision | None
    extra_weights: dict[str, float] = field(default_factory=dict)

    @property
    def sides(self) -> tuple[Side, Side]:
        return (self.left, self.right)


def _side(
    key: str,
    records: dict[str, ExtractRecord],
    people: dict[Any, Person],
    access: dict[Any, PersonAccess],
) -> Side:
    if key.startswith("r"):
        record = records.get(key)
        if record is None:
            return Side(key=key, heading="A record no longer held", values={}, missing=True)
        extract = record.extract
        return Side(
            key=key,
            heading=extract.organisation.name,
            values=_record_values(record),
            record=record,
            linked_person=record.linked_person,
            basis_text=extract.lawful_basis or f"Sharing agreement {extract.agreement}",
        )
    person_id = _uuid_or_none(key[1:])
    person = people.get(person_id)
    if person is None:
        return Side(key=key, heading="A JoinedUp record no longer held", values={}, missing=True)
    allowed = access[person.pk].allows(IDENTITY)
    return Side(
        key=key,
        heading=JOINEDUP if allowed else RESTRICTED,
        values=_person_values(person) if allowed else {},
        restricted=not allowed,
        person=person,
    )


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def pair_for_review(*, actor: Actor, pair_id: int) -> PairView:
    """Both records of a pair side by side with each field's match weight; audited."""
    require_data_officer(actor)
    try:
        pair = (
            CandidatePair.objects.select_related("run", "decision__decided_by")
            .defer(*(f"run__{name}" for name in HEAVY_RUN_FIELDS))
            .get(pk=pair_id)
        )
    except CandidatePair.DoesNotExist as exc:
        raise Http404("No such pair.") from exc
    keys = (pair.left_key, pair.right_key)
    record_ids = [int(k[1:]) for k in keys if k.startswith("r") and k[1:].isdigit()]
    records = {
        r.key: r
        for r in ExtractRecord.objects.select_related(
            "extract__organisation", "extract__agreement", "linked_person"
        ).filter(pk__in=record_ids)
    }
    person_ids = [_uuid_or_none(k[1:]) for k in keys if k.startswith("p")]
    linked_to = [r.linked_person.person_id for r in records.values() if r.linked_person]
    people, access = _people(actor, [*person_ids, *linked_to])
    clusters = {
        lp.person_id: lp
        for lp in LinkedPerson.objects.filter(
            person_id__in=[p for p in person_ids if p], status=LinkedPerson.Status.ACTIVE
        )
    }
    left, right = (_side(k, records, people, access) for k in keys)
    for side in (left, right):
        if side.person is not None:
            side.linked_person = clusters.get(side.person.pk)
    comparisons, extra = _comparisons(pair.field_weights or {}, left.values, right.values)
    shown = {p.pk: access[p.pk] for side in (left, right) if (p := side.person) is not None}
    with transaction.atomic():
        _audit(
            actor=actor,
            records=list(records.values()),
            people=[*(p for p in person_ids if p in people), *linked_to],
            shown_people=shown,
            detail={
                "page": "review pair",
                "pair": pair.pk,
                "linked people": sorted(
                    {lp.reference for side in (left, right) if (lp := side.linked_person)}
                ),
            },
        )
    return PairView(
        pair=pair,
        left=left,
        right=right,
        comparisons=comparisons,
        decision=pair.decision,
        extra_weights=extra,
    )


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def pair_for_decision(*, actor: Actor, pair_id: int) -> CandidatePair:
    require_data_officer(actor)
    try:
        return CandidatePair.objects.get(pk=pair_id)
    except CandidatePair.DoesNotExist as exc:
        raise Http404("No such pair.") from exc


# ----------------------------------------------------------------------------- linked people


@dataclass
class LinkedPersonView:
    linked_person: LinkedPerson
    records: list[ExtractRecord]
    #: The JoinedUp person in the cluster, and whether the actor may see who they are.
    person: Person | None
    person_allowed: bool
    changes: list[ClusterChange]
    absorbed: list[LinkedPerson]

    @property
    def agencies(self) -> list[str]:
        return sorted({r.extract.organisation.name for r in self.records})


def linked_person(*, actor: Actor, linked_person_id: Any) -> LinkedPersonView:
    """A linked person with their records, their JoinedUp person (the name only if the policy
    allows) and their merges and splits; audited."""
    require_data_officer(actor)
    try:
        found = (
            LinkedPerson.objects.select_related("merged_into", "created_by_run")
            .defer(*(f"created_by_run__{name}" for name in HEAVY_RUN_FIELDS))
            .get(pk=linked_person_id)
        )
    except (LinkedPerson.DoesNotExist, ValueError) as exc:
        raise Http404("No such linked person.") from exc
    records = list(
        found.records.select_related("extract__organisation", "extract__agreement").order_by(
            "-extract__extract_date", "extract__reference", "row_number"
        )
    )
    people, access = _people(actor, [found.person_id])
    person = people.get(found.person_id) if found.person_id else None
    allowed = person is not None and access[person.pk].allows(IDENTITY)
    changes = list(_changes().filter(Q(person=found) | Q(other=found)))
    absorbed = list(LinkedPerson.objects.filter(merged_into=found).order_by("reference"))
    with transaction.atomic():
        _audit(
            actor=actor,
            records=records,
            people=[found.person_id] if person is not None else [],
            shown_people={person.pk: access[person.pk]} if person is not None else {},
            detail={"page": "linked person", "linked person": found.reference},
        )
    return LinkedPersonView(
        linked_person=found,
        records=records,
        person=person,
        person_allowed=allowed,
        changes=changes,
        absorbed=absorbed,
    )


# ----------------------------------------------------------------------------- merges and splits


def _changes() -> QuerySet[ClusterChange]:
    return ClusterChange.objects.select_related(
        "person", "other", "run", "made_by", "undone_by"
    ).defer(*(f"run__{name}" for name in HEAVY_RUN_FIELDS))


def changes_page(*, actor: Actor, page: Any) -> Page[Any]:
    """Recent merges and splits, newest first (references only)."""
    require_data_officer(actor)
    return _page(
        _changes(),
        page,
    )


def change_for_undo(*, actor: Actor, change_id: int) -> ClusterChange:
    require_data_officer(actor)
    try:
        return _changes().get(pk=change_id)
    except ClusterChange.DoesNotExist as exc:
        raise Http404("No such change.") from exc
