"""Reads for the data matching pages (rule 1: views read through here).

**Who sees what.** Extract records are personal data. Only data and insight officers read them
(system admins never do), and an officer sees a record's fields only when their organisation
may see them (deny by default): records of extracts their own organisation sent (basis
``own_organisation``), or of extracts whose sharing agreement is current (started, not ended,
not archived, as ``sharing.policy`` decides) and names their organisation among its parties
(basis ``lawful_basis``). Any other record is shown as "A record held by <organisation> (not
shared with your organisation)", with no field values and, on the review page, no per-field
match weights (they would say whether the values agree). Performance analysts see only
counts (:func:`overview`).

A person on JoinedUp's own shared record (a ``p<uuid>`` key) is decided by the one access
policy (``sharing.policy``): without a basis for who they are the page says "JoinedUp record
(restricted)", without the key, and hides the pair's per-field weights. A data officer may
decide a pair only when they may see both records: other pairs are left out of their review
queue, and the pair page shows them read-only and refuses a decision (404).

**The audit record of a page.** Events only for what was shown: one per JoinedUp person the
page showed something of (a shown record linked to them, or their own record when the policy
allows it), and one without a person for shown records linked to no one (or, when nothing
personal was shown, one with a blank basis). The basis is the most exceptional of those that
applied: ``own_organisation`` or ``lawful_basis`` for each shown record (the extract's lawful
basis text goes in the event's detail with the extract references), and the policy's
``audit_basis`` for the JoinedUp person's details. A basis the policy refused is never
recorded; records and people not shown are not in the event.

Lists (extracts, runs, the review queue, merges and splits) show references, counts and
sources only, never a record's fields, so they are not audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
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
    person_key,
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


def _page(queryset: QuerySet[Any] | list[Any], number: Any) -> Page[Any]:
    return Paginator(queryset, PAGE_SIZE).get_page(number)


def _require_overview_reader(actor: Actor) -> None:
    user = actor.user
    if user is None:
        return
    if not user.has_any_role(OVERVIEW_ROLES):
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


def _current(prefix: str = "") -> Q:
    """A sharing agreement in force today (``sharing.policy``: started, not ended, not
    archived); ``prefix`` reaches it through a relation (``"agreement__"``)."""
    today = timezone.localdate()
    return Q(**{f"{prefix}archived_on__isnull": True, f"{prefix}starts_on__lte": today}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": today})
    )


def current_agreements(*, actor: Actor) -> QuerySet[SharingAgreement]:
    """The agreements in force today that the actor's organisation is party to: the only ones
    an extract may be loaded under by them."""
    require_data_officer(actor)
    if actor.organisation_id is None:
        return SharingAgreement.objects.none()
    return (
        SharingAgreement.objects.filter(_current(), parties=actor.organisation_id)
        .prefetch_related("parties")
        .order_by("name")
        .distinct()
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
    require_data_officer(actor)
    try:
        # Any agreement in force: :func:`load_refusal` then says whether it names both.
        return SharingAgreement.objects.filter(_current()).get(pk=agreement_id)
    except (SharingAgreement.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such sharing agreement.") from exc


def load_refusal(
    *, actor: Actor, organisation: Organisation, agreement: SharingAgreement | None
) -> str:
    """Why the actor may not load an extract sent by ``organisation`` under ``agreement``, or
    "" when they may: their own organisation's extracts always (with a lawful basis); another
    organisation's only under an agreement in force today naming both organisations."""
    require_data_officer(actor)
    if actor.organisation_id is not None and organisation.pk == actor.organisation_id:
        return ""
    if agreement is None:
        return (
            f"Choose the current sharing agreement between your organisation and "
            f"{organisation.name}"
        )
    both = (
        SharingAgreement.objects.filter(_current(), pk=agreement.pk, parties=actor.organisation_id)
        .filter(parties=organisation.pk)
        .exists()
    )
    if actor.organisation_id is None or not both:
        return f"{agreement.name} is not a current agreement between your organisation and {organisation.name}"
    return ""


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


def _succeeded() -> QuerySet[LinkageRun]:
    return (
        LinkageRun.objects.filter(status=LinkageRun.Status.SUCCEEDED)
        .defer(*HEAVY_RUN_FIELDS)
        .order_by("-finished_on", "-requested_on")
    )


def review_run() -> LinkageRun | None:
    """The newest run that finished (the queue's pairs come from it and the runs before it
    back to the newest full run: :func:`review_runs`)."""
    return _succeeded().first()


def review_runs() -> list[LinkageRun]:
    """The runs whose pairs are reviewed, newest first: the newest full run that finished and
    every run that finished after it (the incremental runs since, which scored only new
    records). Without a full run, the newest run that finished."""
    runs = list(_succeeded())
    for index, run in enumerate(runs):
        if run.kind == LinkageRun.Kind.FULL:
            return runs[: index + 1]
    return runs[:1]


def _waiting(runs: list[LinkageRun] | None = None) -> QuerySet[CandidatePair]:
    """The undecided pairs of the review runs, each pair of records once (its newest score),
    highest weight first."""
    runs = review_runs() if runs is None else runs
    if not runs:
        return CandidatePair.objects.none()
    newer = CandidatePair.objects.filter(
        run__in=runs,
        left_key=OuterRef("left_key"),
        right_key=OuterRef("right_key"),
    ).filter(
        Q(run__finished_on__gt=OuterRef("run__finished_on"))
        | Q(run__finished_on=OuterRef("run__finished_on"), pk__gt=OuterRef("pk"))
    )
    decided = PairDecision.objects.filter(
        left_key=OuterRef("left_key"), right_key=OuterRef("right_key")
    )
    return (
        CandidatePair.objects.filter(run__in=runs, decision__isnull=True)
        .exclude(Exists(newer))
        .exclude(Exists(decided))
        .order_by("-match_weight", "id")
    )


# ----------------------------------------------------------------------------- who may see what


@dataclass(frozen=True)
class RecordAccess:
    """What the actor's organisation may see of agency extracts (see the module)."""

    organisation_id: uuid.UUID | None
    #: The agreements in force today that name the organisation among their parties.
    agreements: frozenset[uuid.UUID]

    def basis(self, organisation_id: Any, agreement_id: Any) -> str:
        """``own_organisation``, ``lawful_basis`` or ``""`` (may not see) for a record of an
        extract sent by ``organisation_id`` under ``agreement_id``."""
        if self.organisation_id is None:
            return ""
        if organisation_id == self.organisation_id:
            return "own_organisation"
        if agreement_id is not None and agreement_id in self.agreements:
            return "lawful_basis"
        return ""

    def basis_for(self, extract: Extract) -> str:
        return self.basis(extract.organisation_id, extract.agreement_id)


def record_access(*, actor: Actor) -> RecordAccess:
    """One query: the current agreements the actor's organisation is party to."""
    org = actor.organisation_id
    user = actor.user
    if org is None or user is None or not user.is_active:
        return RecordAccess(organisation_id=None, agreements=frozenset())
    return RecordAccess(
        organisation_id=org,
        agreements=frozenset(
            SharingAgreement.objects.filter(_current(), parties=org).values_list("pk", flat=True)
        ),
    )


CHUNK = 2000


def _visible_keys(actor: Actor, keys: Iterable[str]) -> set[str]:
    """Of ``keys``, those whose record the actor may see: an extract record of an extract
    their organisation may see, or a JoinedUp person the policy lets them identify. A record
    no longer held is not visible. A fixed number of queries per 2,000 keys."""
    from joinedup.people.models import Person

    keys = set(keys)
    allowed = record_access(actor=actor)
    visible: set[str] = set()
    record_ids = sorted(int(k[1:]) for k in keys if k.startswith("r") and k[1:].isdigit())
    person_ids = sorted(
        {p for k in keys if k.startswith("p") and (p := _uuid_or_none(k[1:]))}, key=str
    )
    for start in range(0, len(record_ids), CHUNK):
        for row in ExtractRecord.objects.filter(pk__in=record_ids[start : start + CHUNK]).values(
            "pk", "extract__organisation_id", "extract__agreement_id"
        ):
            if allowed.basis(row["extract__organisation_id"], row["extract__agreement_id"]):
                visible.add(record_key(row["pk"]))
    for start in range(0, len(person_ids), CHUNK):
        people = Person.objects.filter(pk__in=person_ids[start : start + CHUNK]).only(
            "pk", "registered_by"
        )
        for person_id, access in access_to_people(actor=actor, people=people).items():
            if access.allows(IDENTITY):
                visible.add(person_key(person_id))
    return visible


def _decidable(actor: Actor, pairs: QuerySet[CandidatePair]) -> list[int]:
    """The ids of ``pairs`` (in their order) whose two records the actor may both see."""
    rows = list(pairs.values_list("pk", "left_key", "right_key"))
    visible = _visible_keys(actor, (k for _, left, right in rows for k in (left, right)))
    return [pk for pk, left, right in rows if left in visible and right in visible]


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
    """The pairs no one has decided of the newest full run and the runs since (each pair
    once, its newest score), highest weight first, that the actor may decide (both records
    visible to their organisation): where each record came from, never its fields."""
    require_data_officer(actor)
    runs = review_runs()
    if not runs:
        return ReviewQueue(run=None, page=None, items=[], waiting=0)
    shown = _page(_decidable(actor, _waiting(runs)), page)
    found = CandidatePair.objects.in_bulk(list(shown.object_list))
    pairs: list[CandidatePair] = [found[pk] for pk in shown.object_list if pk in found]
    sources = _sources(k for p in pairs for k in (p.left_key, p.right_key))
    return ReviewQueue(
        run=runs[0],
        page=shown,
        items=[
            QueueItem(pair=p, left=sources[p.left_key], right=sources[p.right_key]) for p in pairs
        ],
        waiting=shown.paginator.count,
    )


def next_pair(*, actor: Actor) -> CandidatePair | None:
    """The next pair waiting for review that the actor may decide (the highest weight)."""
    require_data_officer(actor)
    ids = _decidable(actor, _waiting())
    return CandidatePair.objects.filter(pk=ids[0]).first() if ids else None


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


def _most_exceptional(bases: Iterable[str]) -> str:
    found = set(bases)
    return next((basis for basis in BASIS_ORDER if basis in found), "")


def _shown_basis_text(extract: Extract) -> str:
    return extract.lawful_basis or f"Sharing agreement {extract.agreement}"


def _audit(
    *,
    actor: Actor,
    allowed: RecordAccess,
    records: list[ExtractRecord],
    shown_people: dict[Any, PersonAccess],
    detail: dict[str, Any],
) -> None:
    """Record what a page showed (see the module): ``records`` are the records whose fields
    were shown (each with its ``linked_person`` loaded), ``shown_people`` the JoinedUp people
    whose own details were shown, with what the policy allowed. Called inside the caller's
    transaction, last, so nothing is returned unless written."""
    detail = {
        **detail,
        "records": sorted(record_key(r.pk) for r in records),
        "extracts": sorted({r.extract.reference for r in records}),
        "lawful basis": [b[:200] for b in sorted({_shown_basis_text(r.extract) for r in records})],
    }
    bases: dict[Any, list[str]] = {}
    unlinked: list[str] = []
    for r in records:
        basis = allowed.basis_for(r.extract)
        person_id = r.linked_person.person_id if r.linked_person_id and r.linked_person else None
        if person_id is None:
            unlinked.append(basis)
        else:
            bases.setdefault(person_id, []).append(basis)
    for person_id, access in shown_people.items():
        basis, _ = access.audit_basis([IDENTITY])
        if basis in BASIS_ORDER:  # the policy allowed it
            bases.setdefault(person_id, []).append(basis)
    entries = [
        AuditEntry(
            person_id=uuid.UUID(str(person_id)),
            categories=[IDENTITY],
            basis=_most_exceptional(found),
            detail=detail,
        )
        for person_id, found in sorted(bases.items(), key=lambda item: str(item[0]))
    ]
    if unlinked or not entries:
        entries.append(
            AuditEntry(
                person_id=None,
                categories=[IDENTITY] if unlinked else [],
                basis=_most_exceptional(unlinked),
                detail=detail,
            )
        )
    record_events(actor=actor, action="view", entries=entries)


@dataclass
class Side:
    """One record of a pair, as the review page shows it."""

    key: str
    heading: str
    values: dict[str, str]
    #: Shown without its values: not shared with the actor's organisation, or a JoinedUp
    #: person the policy gives it no basis for.
    restricted: bool = False
    missing: bool = False
    record: ExtractRecord | None = None
    person: Person | None = None
    linked_person: LinkedPerson | None = None
    #: The lawful basis (or agreement) the agency shared the record under.
    basis_text: str = ""
    #: Why a restricted record is not shown.
    note: str = ""

    @property
    def visible(self) -> bool:
        return not (self.restricted or self.missing)


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


#: What the evidence added after the model scored a pair is called on the pair's page
#: (``linkage.EXTRA_EVIDENCE``).
EXTRA_EVIDENCE_LABELS: dict[str, str] = {
    "household_move": (
        "Both homes are linked by another person's records (perhaps a household that "
        "moved; those records may not be shared with you)"
    ),
}

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
    extra = {
        EXTRA_EVIDENCE_LABELS.get(name, name): w
        for name, value in weights.items()
        if (w := _number(value)) is not None
    }
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
    #: A record is not shown, so neither are the per-field weights, and no decision is taken.
    weights_hidden: bool = False

    @property
    def sides(self) -> tuple[Side, Side]:
        return (self.left, self.right)


def not_shared(organisation: str) -> str:
    return f"A record held by {organisation} (not shared with your organisation)"


def _side(
    key: str,
    records: dict[str, ExtractRecord],
    people: dict[Any, Person],
    access: dict[Any, PersonAccess],
    allowed: RecordAccess,
) -> Side:
    if key.startswith("r"):
        record = records.get(key)
        if record is None:
            return Side(key=key, heading="A record no longer held", values={}, missing=True)
        extract = record.extract
        if not allowed.basis_for(extract):
            return Side(
                key=key,
                heading=not_shared(extract.organisation.name),
                values={},
                restricted=True,
                note="The organisation that sent this extract has not shared it with yours.",
            )
        return Side(
            key=key,
            heading=extract.organisation.name,
            values=_record_values(record),
            record=record,
            linked_person=record.linked_person,
            basis_text=_shown_basis_text(extract),
        )
    person_id = _uuid_or_none(key[1:])
    person = people.get(person_id)
    if person is None:
        return Side(key=key, heading="A JoinedUp record no longer held", values={}, missing=True)
    if not access[person.pk].allows(IDENTITY):
        return Side(
            key=key,
            heading=RESTRICTED,
            values={},
            restricted=True,
            note="Your organisation has no basis to see this person’s details on JoinedUp’s "
            "shared record.",
        )
    return Side(key=key, heading=JOINEDUP, values=_person_values(person), person=person)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def pair_for_review(*, actor: Actor, pair_id: uuid.UUID) -> PairView:
    """Both records of a pair side by side with each field's match weight; audited. A record
    the actor's organisation may not see is shown without its values, and then the pair's
    per-field weights are hidden too (``weights_hidden``) and it may not be decided."""
    require_data_officer(actor)
    try:
        pair = (
            CandidatePair.objects.select_related("run", "decision__decided_by")
            .defer(*(f"run__{name}" for name in HEAVY_RUN_FIELDS))
            .get(public_id=pair_id)
        )
    except CandidatePair.DoesNotExist as exc:
        raise Http404("No such pair.") from exc
    allowed = record_access(actor=actor)
    keys = (pair.left_key, pair.right_key)
    record_ids = [int(k[1:]) for k in keys if k.startswith("r") and k[1:].isdigit()]
    records = {
        r.key: r
        for r in ExtractRecord.objects.select_related(
            "extract__organisation", "extract__agreement", "linked_person"
        ).filter(pk__in=record_ids)
    }
    person_ids = [_uuid_or_none(k[1:]) for k in keys if k.startswith("p")]
    people, access = _people(actor, person_ids)
    clusters = {
        lp.person_id: lp
        for lp in LinkedPerson.objects.filter(
            person_id__in=[p for p in person_ids if p], status=LinkedPerson.Status.ACTIVE
        )
    }
    left, right = (_side(k, records, people, access, allowed) for k in keys)
    for side in (left, right):
        if side.person is not None:
            side.linked_person = clusters.get(side.person.pk)
    hidden = not (left.visible and right.visible)
    comparisons, extra = _comparisons(pair.field_weights or {}, left.values, right.values)
    if hidden:
        for comparison in comparisons:
            comparison.weight = None
        extra = {}
    shown_records = [side.record for side in (left, right) if side.record is not None]
    shown_people = {p.pk: access[p.pk] for side in (left, right) if (p := side.person)}
    with transaction.atomic():
        _audit(
            actor=actor,
            allowed=allowed,
            records=shown_records,
            shown_people=shown_people,
            detail={
                "page": "review pair",
                "pair": str(pair.public_id),
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
        weights_hidden=hidden,
    )


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def pair_for_decision(*, actor: Actor, pair_id: uuid.UUID) -> CandidatePair:
    """A pair the actor may decide: one whose two records their organisation may both see
    (404 otherwise, as for a pair that does not exist)."""
    require_data_officer(actor)
    try:
        pair = CandidatePair.objects.get(public_id=pair_id)
    except CandidatePair.DoesNotExist as exc:
        raise Http404("No such pair.") from exc
    if not {pair.left_key, pair.right_key} <= _visible_keys(actor, (pair.left_key, pair.right_key)):
        raise Http404("No such pair.")
    return pair


# ----------------------------------------------------------------------------- linked people


@dataclass
class LinkedPersonView:
    linked_person: LinkedPerson
    #: The records the actor's organisation may see, with their fields.
    records: list[ExtractRecord]
    #: The JoinedUp person in the cluster, and whether the actor may see who they are.
    person: Person | None
    person_allowed: bool
    changes: list[ClusterChange]
    absorbed: list[LinkedPerson]
    #: The other records, as "A record held by <organisation> (not shared …)", no fields.
    not_shared: list[str] = field(default_factory=list)
    #: The agencies holding any of the records.
    agency_names: list[str] = field(default_factory=list)

    @property
    def agencies(self) -> list[str]:
        return self.agency_names or sorted({r.extract.organisation.name for r in self.records})


def linked_person(*, actor: Actor, linked_person_id: Any) -> LinkedPersonView:
    """A linked person with the records the actor's organisation may see (the others by their
    holder only), their JoinedUp person (the name only if the policy allows) and their merges
    and splits; audited."""
    require_data_officer(actor)
    try:
        found = (
            LinkedPerson.objects.select_related("merged_into", "created_by_run")
            .defer(*(f"created_by_run__{name}" for name in HEAVY_RUN_FIELDS))
            .get(pk=linked_person_id)
        )
    except (LinkedPerson.DoesNotExist, ValueError) as exc:
        raise Http404("No such linked person.") from exc
    allowed = record_access(actor=actor)
    every = list(
        found.records.select_related("extract__organisation", "extract__agreement").order_by(
            "-extract__extract_date", "extract__reference", "row_number"
        )
    )
    for r in every:
        r.linked_person = found
    records = [r for r in every if allowed.basis_for(r.extract)]
    hidden = [not_shared(r.extract.organisation.name) for r in every if r not in records]
    people, access = _people(actor, [found.person_id])
    person = people.get(found.person_id) if found.person_id else None
    allowed_person = person is not None and access[person.pk].allows(IDENTITY)
    changes = list(_changes().filter(Q(person=found) | Q(other=found)))
    absorbed = list(LinkedPerson.objects.filter(merged_into=found).order_by("reference"))
    with transaction.atomic():
        _audit(
            actor=actor,
            allowed=allowed,
            records=records,
            shown_people={person.pk: access[person.pk]}
            if person is not None and allowed_person
            else {},
            detail={"page": "linked person", "linked person": found.reference},
        )
    return LinkedPersonView(
        linked_person=found,
        records=records,
        person=person,
        person_allowed=allowed_person,
        changes=changes,
        absorbed=absorbed,
        not_shared=hidden,
        agency_names=sorted({r.extract.organisation.name for r in every}),
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


def change_for_undo(*, actor: Actor, change_id: uuid.UUID) -> ClusterChange:
    require_data_officer(actor)
    try:
        return _changes().get(public_id=change_id)
    except ClusterChange.DoesNotExist as exc:
        raise Http404("No such change.") from exc
