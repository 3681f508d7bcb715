"""Changes for data matching: loading extracts, saving column mappings, linkage runs, the
review decisions and undoing merges and splits. Only data officers (and system admins) do
these; every change is audited.

A linkage run (:func:`execute_run`) reads the records and computes everything outside the
application's database (Splink on DuckDB or Spark), then writes its answer in ONE
transaction: the stable ids, merges and splits, the review queue and the run's figures. A
run killed part-way therefore leaves nothing half-written; its row says "running" until a
new run is started, which marks it interrupted (REL-03).
"""

from __future__ import annotations

import itertools
import logging
import secrets
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from joinedup.accounts.roles import Role
from joinedup.audit.services import AuditEntry, record_event, record_events
from joinedup.sharing.categories import IDENTITY

from . import linkage, stable_ids
from .cleaning import clean_frame
from .extracts import ReadExtract, read_extract, sha256_of
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
    SourceKind,
    person_key,
    record_key,
)

if TYPE_CHECKING:
    from joinedup.accounts.models import Organisation
    from joinedup.core.actor import Actor

logger = logging.getLogger(__name__)

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: A run still "running" after this long is taken to have died (its worker was killed).
STALE_RUN = timedelta(minutes=30)
#: A run still "queued" after this long was never picked up (no worker is running).
UNCLAIMED_RUN = timedelta(hours=1)
RUN_IN_PROGRESS = "Wait until the matching run in progress finishes: it would not see this change."
BATCH = 2000

DATA_ROLES = (Role.DATA_OFFICER,)


def _new_reference(prefix: str) -> str:
    return prefix + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))


def require_data_officer(actor: Actor) -> None:
    user = actor.user
    if user is None:
        return  # the system itself (commands run by operators)
    if not user.has_any_role(DATA_ROLES):  # not system admins: they see no one's records
        raise PermissionDenied("Only data and insight officers work with agency extracts.")


# ----------------------------------------------------------------------------- mappings


def save_mapping(
    *,
    actor: Actor,
    organisation: Organisation,
    source_kind: str,
    name: str,
    id_column: str,
    fields: dict[str, str],
    signals: dict[str, str],
) -> ColumnMapping:
    """Save (or replace, by name) an organisation's column mapping."""
    require_data_officer(actor)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Enter a name for the mapping"
    if not id_column.strip():
        errors["id_column"] = "Choose the column holding the agency's record id"
    fields = {k: v.strip() for k, v in fields.items() if v and v.strip()}
    signals = {k: v.strip() for k, v in signals.items() if v and v.strip()}
    if set(fields) - set(STANDARD_FIELDS):
        errors["fields"] = "Unknown standard field"
    if not ({"first_name", "surname"} & set(fields)):
        errors["fields"] = "Map at least the first name or the surname"
    if source_kind not in SourceKind.values:
        errors["source_kind"] = "Choose the kind of extract"
    if errors:
        raise ValidationError(errors)
    mapping, _ = ColumnMapping.objects.update_or_create(
        organisation=organisation,
        name=name.strip(),
        defaults={
            "source_kind": source_kind,
            "id_column": id_column.strip(),
            "fields": fields,
            "signals": signals,
            "modified_by_id": actor.user_id,
        },
    )
    return mapping


# ----------------------------------------------------------------------------- extracts


def agreement_covers(agreement: Any, organisation_ids: Iterable[Any], today: date) -> bool:
    """Is ``agreement`` current on ``today`` and are all ``organisation_ids`` its parties?"""
    if agreement.archived_on is not None or agreement.starts_on > today:
        return False
    if agreement.ends_on is not None and agreement.ends_on < today:
        return False
    parties = set(agreement.parties.values_list("pk", flat=True))
    return all(pk in parties for pk in organisation_ids)


def content_digest(kind: str, extract_date: date, rows: list[dict[str, Any]]) -> str:
    """What makes an extract the same extract (REL-02: idempotent on the extract's own record
    ids): its kind, its date and the set of its record ids. The same extract loaded again,
    as another file (other line endings, columns in another order, a re-export), is
    recognised and not loaded twice."""
    import hashlib
    import json

    ids = sorted(str(row.get("source_record_id", "")) for row in rows)
    text = json.dumps([kind, extract_date.isoformat(), ids])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class LoadResult:
    extract: Extract | None
    #: True when this file was loaded before: nothing new was written (REL-02).
    already_loaded: bool
    read: ReadExtract | None = None


def load_extract(
    *,
    actor: Actor,
    organisation: Organisation,
    data: bytes,
    name: str,
    mapping: ColumnMapping,
    extract_date: date,
    lawful_basis: str,
    agreement: Any = None,
    dry_run: bool = False,
) -> LoadResult:
    """Load an extract whole or not at all. Every bad row is reported
    (``ValidationError`` with a message per row and nothing written); the same file for the
    same organisation again is recognised and not loaded twice."""
    require_data_officer(actor)
    if mapping.organisation_id != organisation.pk:
        raise ValidationError({"mapping": "Use a mapping of the organisation that sent the file"})
    errors: dict[str, str] = {}
    if not lawful_basis.strip() and agreement is None:
        errors["lawful_basis"] = "Enter the lawful basis for sharing this extract"
    today = timezone.localdate()
    if extract_date > today:
        errors["extract_date"] = "The extract date must be today or in the past"
    # Only the system itself (a command run by an operator) loads for anyone without one.
    for_another = actor.user is not None and (
        actor.organisation_id is None or organisation.pk != actor.organisation_id
    )
    if for_another and (
        agreement is None
        or not agreement_covers(agreement, [organisation.pk, actor.organisation_id], today)
    ):
        errors["agreement"] = (
            "To load another organisation's extract, choose a current sharing agreement "
            "that names both that organisation and yours"
        )
    if errors:
        raise ValidationError(errors)
    digest = sha256_of(data)
    existing = Extract.objects.filter(organisation=organisation, sha256=digest).first()
    if existing is not None:
        return LoadResult(extract=existing, already_loaded=True)
    read = read_extract(
        data,
        name,
        id_column=mapping.id_column,
        fields=mapping.fields,
        signals=mapping.signals,
        today=today,
    )
    if read.problems:
        raise ValidationError([str(problem) for problem in read.problems])
    content = content_digest(mapping.source_kind, extract_date, read.rows)
    same = Extract.objects.filter(
        organisation=organisation, source_kind=mapping.source_kind, content_sha256=content
    ).first()
    if same is not None:
        return LoadResult(extract=same, already_loaded=True)
    if dry_run:
        return LoadResult(extract=None, already_loaded=False, read=read)
    try:
        with transaction.atomic():
            extract = Extract(
                reference=_new_reference("X"),
                organisation=organisation,
                source_kind=mapping.source_kind,
                extract_date=extract_date,
                lawful_basis=lawful_basis.strip(),
                agreement=agreement,
                mapping=mapping,
                original_name=name[:255],
                sha256=digest,
                content_sha256=content,
                row_count=len(read.rows),
            ).stamp(actor)
            extract.save()
            ExtractRecord.objects.bulk_create(
                (
                    ExtractRecord(
                        extract=extract,
                        **{k: row.get(k, "") for k in ("row_number", "source_record_id")},
                        **{k: row.get(k, "") or "" for k in STANDARD_FIELDS},
                        signals=row["signals"],
                    )
                    for row in read.rows
                ),
                batch_size=BATCH,
            )
            record_event(
                actor=actor,
                action="create",
                detail={
                    "extract": extract.reference,
                    "organisation": organisation.name,
                    "kind": mapping.source_kind,
                    "rows": len(read.rows),
                    "lawful basis": extract.lawful_basis[:200],
                },
            )
    except IntegrityError:
        # The same file, loaded by someone else a moment ago (or, vanishingly rarely, a
        # reference drawn twice: then say so rather than pretend it was loaded).
        existing = Extract.objects.filter(organisation=organisation, sha256=digest).first()
        if existing is None:
            raise
        return LoadResult(extract=existing, already_loaded=True)
    return LoadResult(extract=extract, already_loaded=False, read=read)


# ----------------------------------------------------------------------------- runs


def request_run(*, actor: Actor, kind: str = LinkageRun.Kind.FULL) -> LinkageRun:
    """Queue a linkage run (a background job). Refused while another run is queued or
    running, except one that has been running so long that its worker must have died: that
    one is marked interrupted (REL-03)."""
    require_data_officer(actor)
    if kind not in LinkageRun.Kind.values:
        raise ValidationError({"kind": "Choose a full or an incremental run"})
    with transaction.atomic():
        expire_dead_runs()
        busy = LinkageRun.objects.filter(
            status__in=(LinkageRun.Status.QUEUED, LinkageRun.Status.RUNNING)
        ).exists()
        if busy:
            raise ValidationError("A linkage run is already queued or running.")
        if kind == LinkageRun.Kind.INCREMENTAL and latest_model_run() is None:
            raise ValidationError("There is no trained model yet: run a full linkage first.")
        if not ExtractRecord.objects.exists():
            raise ValidationError("Load at least one extract before running the matching.")
        run = LinkageRun.objects.create(
            kind=kind,
            requested_by_id=actor.user_id,
            upper_threshold=settings.JOINEDUP_MATCH_UPPER_THRESHOLD,
            lower_threshold=settings.JOINEDUP_MATCH_LOWER_THRESHOLD,
        )
        record_event(
            actor=actor, action="create", detail={"linkage run": str(run.pk), "kind": kind}
        )
    from .tasks import linkage_task

    transaction.on_commit(lambda: linkage_task.enqueue(str(run.pk)))
    return run


def expire_dead_runs() -> int:
    """Mark as failed the runs whose job died (running, silent for ``STALE_RUN``) or was
    never picked up (queued for ``UNCLAIMED_RUN``): they would block new runs for ever.
    Nothing of theirs was kept. Returns how many."""
    now = timezone.now()
    silent = Q(status=LinkageRun.Status.RUNNING) & (
        Q(heartbeat_on__lt=now - STALE_RUN)
        | Q(heartbeat_on__isnull=True, started_on__lt=now - STALE_RUN)
    )
    died = LinkageRun.objects.filter(silent).update(
        status=LinkageRun.Status.FAILED,
        error="Interrupted: the job stopped before it finished; nothing it found was kept.",
        finished_on=now,
        stage="failed",
    )
    unclaimed = LinkageRun.objects.filter(
        status=LinkageRun.Status.QUEUED, requested_on__lt=now - UNCLAIMED_RUN
    ).update(
        status=LinkageRun.Status.FAILED,
        error="No background worker picked this run up: is manage.py db_worker running?",
        finished_on=now,
        stage="failed",
    )
    return died + unclaimed


def run_in_progress() -> bool:
    expire_dead_runs()
    return LinkageRun.objects.filter(
        status__in=(LinkageRun.Status.QUEUED, LinkageRun.Status.RUNNING)
    ).exists()


def latest_model_run() -> LinkageRun | None:
    return (
        LinkageRun.objects.filter(status=LinkageRun.Status.SUCCEEDED, model__isnull=False)
        .order_by("-finished_on")
        .first()
    )


def _progress(
    run: LinkageRun, also: Callable[[str, int], None] | None
) -> Callable[[str, int], None]:
    def tell(stage: str, count: int) -> None:
        if also is not None:
            also(stage, count)
        fields: dict[str, Any] = {"stage": stage, "heartbeat_on": timezone.now()}
        if stage == "records loaded":
            fields["records_loaded"] = count
        elif stage == "pairs scored":
            fields["pairs_scored"] = count
        elif stage == "clusters":
            fields["clusters"] = count
        LinkageRun.objects.filter(pk=run.pk).update(**fields)
        for name, value in fields.items():
            setattr(run, name, value)

    return tell


def records_frame(*, only_unlinked: bool = False, linked: bool | None = None) -> pd.DataFrame:
    """The extract records and JoinedUp's people as one raw frame of standard fields, keyed
    ``r<id>`` and ``p<uuid>``. ``linked``: only those already with (True) or without (False)
    a stable id."""
    from joinedup.people.models import Person

    columns = [
        "id",
        "extract__source_kind",
        *STANDARD_FIELDS,
        "extract_id",
        "extract__extract_date",
    ]
    records = ExtractRecord.objects.all()
    if linked is not None:
        records = records.filter(linked_person__isnull=not linked)
    rows = list(records.values_list(*columns))
    frame = pd.DataFrame(
        rows, columns=["id", "source", *STANDARD_FIELDS, "extract", "extract_date"], dtype=object
    )
    frame.insert(0, "unique_id", ["r" + str(i) for i in frame["id"]])
    frame = frame.drop(columns=["id"])
    frame["extract"] = ["x" + str(i) for i in frame["extract"]]
    people = Person.objects.filter(archived_on__isnull=True)
    linked_people = LinkedPerson.objects.filter(person__isnull=False).values("person_id")
    if linked is True:
        people = people.filter(pk__in=linked_people)
    elif linked is False:
        people = people.exclude(pk__in=linked_people)
    person_rows = [
        {
            "unique_id": person_key(p["id"]),
            "source": "joinedup",
            "extract": "joinedup",
            "first_name": p["given_name"],
            "surname": p["family_name"],
            "date_of_birth": p["date_of_birth"].isoformat() if p["date_of_birth"] else "",
            "sex": p["sex"],
            "address": " ".join(x for x in (p["address_line_1"], p["address_line_2"]) if x),
            "postcode": p["postcode"],
            "uprn": p["uprn"],
            "ni_number": p["ni_number"],
            "nhs_number": p["nhs_number"],
            "email": p["email"],
            "phone": p["phone"],
        }
        for p in people.values(
            "id",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "address_line_1",
            "address_line_2",
            "postcode",
            "uprn",
            "ni_number",
            "nhs_number",
            "email",
            "phone",
        )
    ]
    if person_rows:
        frame = pd.concat([frame, pd.DataFrame(person_rows, dtype=object)], ignore_index=True)
    return frame


def _previous_ids() -> dict[str, str]:
    previous = {
        record_key(pk): str(person)
        for pk, person in ExtractRecord.objects.filter(linked_person__isnull=False).values_list(
            "pk", "linked_person_id"
        )
    }
    for pk, person in LinkedPerson.objects.filter(
        person__isnull=False, status=LinkedPerson.Status.ACTIVE
    ).values_list("pk", "person_id"):
        previous[person_key(person)] = str(pk)
    return previous


def _decisions() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    accepted: list[tuple[str, str]] = []
    rejected: list[tuple[str, str]] = []
    for left, right, decision in PairDecision.objects.values_list(
        "left_key", "right_key", "decision"
    ):
        (accepted if decision == PairDecision.Decision.MATCH else rejected).append((left, right))
    return accepted, rejected


def execute_run(run_id: Any, *, progress: Callable[[str, int], None] | None = None) -> LinkageRun:
    """Carry out a queued run (the background job's body; ``manage.py run_linkage`` too).
    Progress goes to the run's row (the page shows it) and to ``progress`` if given."""
    run = LinkageRun.objects.get(pk=run_id)
    if run.status == LinkageRun.Status.SUCCEEDED:
        return run
    started = time.monotonic()
    LinkageRun.objects.filter(pk=run.pk).update(
        status=LinkageRun.Status.RUNNING,
        started_on=timezone.now(),
        heartbeat_on=timezone.now(),
        error="",
        stage="starting",
    )
    tell = _progress(run, progress)
    try:
        _execute(run, tell, started)
    except Exception as exc:
        logger.exception("Linkage run %s failed", run.pk)
        LinkageRun.objects.filter(pk=run.pk).update(
            status=LinkageRun.Status.FAILED,
            finished_on=timezone.now(),
            # The details (which may quote records) go to the server log, not the page.
            error=f"The run failed ({type(exc).__name__}); the details are in the server log.",
            stage="failed",
        )
        logger.debug("%s", traceback.format_exc())
        run.refresh_from_db()
        return run
    run.refresh_from_db()
    return run


def _execute(run: LinkageRun, tell: Callable[[str, int], None], started: float) -> None:
    thresholds = linkage.Thresholds(upper=run.upper_threshold, lower=run.lower_threshold)
    previous = _previous_ids()
    accepted, rejected = _decisions()
    if run.kind == LinkageRun.Kind.INCREMENTAL:
        model_run = latest_model_run()
        if model_run is None or model_run.model is None:
            raise ValueError("There is no trained model yet: run a full linkage first.")
        new = clean_frame(records_frame(linked=False))
        existing = clean_frame(records_frame(linked=True))
        tell("records loaded", len(new))
        result = linkage.link_incremental(
            existing,
            new,
            model=model_run.model,
            tf_tables={
                column: pd.DataFrame(rows, columns=[column, f"tf_{column}"])
                for column, rows in (model_run.tf_tables or {}).items()
            },
            thresholds=thresholds,
            progress=tell,
        )
        ids = list(existing["unique_id"]) + list(new["unique_id"])
        cleaned = pd.concat([existing, new], ignore_index=True)
        # Existing people stay together: their records are joined as if accepted.
        together: dict[str, list[str]] = {}
        for key, person in previous.items():
            together.setdefault(person, []).append(key)
        for keys in together.values():
            accepted.extend(itertools.pairwise(keys))
    else:
        frame = clean_frame(records_frame())
        tell("records loaded", len(frame))
        result = linkage.link(
            frame, thresholds=thresholds, progress=tell, accepted=accepted, rejected=rejected
        )
        ids = list(frame["unique_id"])
        cleaned = frame
    clusters = linkage.clusters(
        ids,
        result.pairs,
        thresholds=thresholds,
        accepted=accepted,
        rejected=rejected,
        records=cleaned,
    )
    tell("clusters", len(set(clusters.values())))
    seniority = {
        str(pk): rank
        for rank, pk in enumerate(
            LinkedPerson.objects.order_by("created_on", "reference").values_list("pk", flat=True)
        )
    }
    answer = stable_ids.assign(
        clusters, previous, new_id=lambda: str(uuid.uuid4()), seniority=seniority
    )
    decided = {(left, right) for left, right in accepted} | {
        (left, right) for left, right in rejected
    }
    with transaction.atomic():
        # Still ours? A run declared dead while it worked must not overwrite a newer run's
        # answer; and decisions made meanwhile are refused (RUN_IN_PROGRESS), so the snapshot
        # read at the start is still right.
        alive = LinkageRun.objects.select_for_update().filter(
            pk=run.pk, status=LinkageRun.Status.RUNNING
        )
        if not alive.exists():
            raise RuntimeError("The run was marked interrupted while it worked.")
        _apply(run, answer)
        review = _queue_for_review(run, result.pairs, thresholds, decided)
        auto = int((result.pairs["match_weight"] >= thresholds.upper).sum())
        LinkageRun.objects.filter(pk=run.pk).update(
            status=LinkageRun.Status.SUCCEEDED,
            finished_on=timezone.now(),
            stage="finished",
            pairs_scored=len(result.pairs),
            clusters=len(set(answer.person_of.values())),
            auto_links=auto,
            review_pairs=review,
            people_created=len(answer.created),
            merges=len(answer.merges),
            splits=len(answer.splits),
            seconds=round(time.monotonic() - started, 2),
            model=result.model if run.kind == LinkageRun.Kind.FULL else None,
            tf_tables=(
                {c: t.astype(object).values.tolist() for c, t in result.tf_tables.items()}
                if run.kind == LinkageRun.Kind.FULL
                else None
            ),
        )
        from joinedup.core.actor import Actor

        actor = (
            Actor.for_user(run.requested_by, process="linkage")
            if run.requested_by is not None
            else Actor.system(process="linkage")
        )
        record_event(
            actor=actor,
            action="update",
            detail={
                "linkage run": str(run.pk),
                "records": len(ids),
                "people created": len(answer.created),
                "merges": len(answer.merges),
                "splits": len(answer.splits),
            },
        )


def _apply(run: LinkageRun, answer: stable_ids.Assignment) -> None:
    """Write the stable ids: new people, merges, splits and each record's person."""
    now = timezone.now()
    LinkedPerson.objects.bulk_create(
        (
            LinkedPerson(
                id=uuid.UUID(new), reference=_new_reference("P"), created_by_run=run, created_on=now
            )
            for new in answer.created
        ),
        batch_size=BATCH,
    )
    for merge in answer.merges:
        LinkedPerson.objects.filter(pk=merge.absorbed).update(
            status=LinkedPerson.Status.MERGED, merged_into_id=merge.survivor, person=None
        )
        ClusterChange.objects.create(
            kind=ClusterChange.Kind.MERGE,
            person_id=merge.survivor,
            other_id=merge.absorbed,
            records=merge.records,
            run=run,
        )
    ClusterChange.objects.bulk_create(
        ClusterChange(
            kind=ClusterChange.Kind.SPLIT,
            person_id=split.original,
            other_id=split.new,
            records=split.records,
            run=run,
        )
        for split in answer.splits
    )
    current = dict(ExtractRecord.objects.values_list("pk", "linked_person_id"))
    changed: dict[str, list[int]] = {}
    people: dict[str, str] = {}
    for key, person in answer.person_of.items():
        if key.startswith("r"):
            pk = int(key[1:])
            if str(current.get(pk)) != person:
                changed.setdefault(person, []).append(pk)
        else:
            people.setdefault(person, key[1:])
    to_update = []
    for person, pks in changed.items():
        for pk in pks:
            to_update.append(ExtractRecord(pk=pk, linked_person_id=uuid.UUID(person)))
    ExtractRecord.objects.bulk_update(to_update, ["linked_person"], batch_size=BATCH)
    # The JoinedUp person in each cluster (the first, if JoinedUp itself holds duplicates):
    # only the ids whose person changes are written, in batches (no unbounded IN lists).
    wanted = {uuid.UUID(linked): uuid.UUID(person_pk) for linked, person_pk in people.items()}
    held = dict(LinkedPerson.objects.filter(person__isnull=False).values_list("pk", "person_id"))
    cleared = [pk for pk in held if pk not in wanted]
    for start in range(0, len(cleared), BATCH):
        LinkedPerson.objects.filter(pk__in=cleared[start : start + BATCH]).update(person=None)
    LinkedPerson.objects.bulk_update(
        [
            LinkedPerson(pk=linked, person_id=person_pk)
            for linked, person_pk in wanted.items()
            if held.get(linked) != person_pk
        ],
        ["person"],
        batch_size=BATCH,
    )


def _queue_for_review(
    run: LinkageRun,
    pairs: pd.DataFrame,
    thresholds: linkage.Thresholds,
    decided: set[tuple[str, str]],
) -> int:
    uncertain = pairs.loc[
        (pairs["match_weight"] >= thresholds.lower) & (pairs["match_weight"] < thresholds.upper)
    ]
    weights = [c for c in uncertain.columns if c.startswith("mw_")]
    rows = []
    for row in uncertain.itertuples(index=False):
        data = row._asdict()
        left, right = sorted((str(data["unique_id_l"]), str(data["unique_id_r"])))
        if (left, right) in decided:
            continue
        rows.append(
            CandidatePair(
                run=run,
                left_key=left,
                right_key=right,
                match_weight=float(data["match_weight"]),
                match_probability=float(data["match_probability"]),
                field_weights={
                    c[3:]: round(float(data[c]), 2) for c in weights if pd.notna(data[c])
                },
            )
        )
    CandidatePair.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


# ----------------------------------------------------------------------------- review


def decide_pair(
    *, actor: Actor, candidate: CandidatePair, decision: str, note: str = ""
) -> PairDecision:
    """A data officer's decision on a pair from the review queue; stored on the two records
    and reused by every later run. A later decision on the same pair replaces the earlier."""
    require_data_officer(actor)
    if run_in_progress():
        raise ValidationError(RUN_IN_PROGRESS)
    if decision not in PairDecision.Decision.values:
        raise ValidationError({"decision": "Choose whether these are the same person"})
    left, right = sorted((candidate.left_key, candidate.right_key))
    with transaction.atomic():
        made, _ = PairDecision.objects.update_or_create(
            left_key=left,
            right_key=right,
            defaults={
                "decision": decision,
                "note": note.strip()[:500],
                "decided_by_id": actor.user_id,
                "decided_on": timezone.now(),
            },
        )
        CandidatePair.objects.filter(left_key=left, right_key=right).update(decision=made)
        # SEC-20: the event names each person on the shared record the decision is about, so
        # it shows on their "who looked" and in a subject access pack.
        people: list[uuid.UUID | None] = [*shared_record_people([left, right])] or [None]
        record_events(
            actor=actor,
            action="review",
            entries=[
                AuditEntry(
                    person_id=person_id,
                    categories=[IDENTITY] if person_id else [],
                    basis="lawful_basis" if person_id else "",
                    detail={"pair": f"{left} {right}", "decision": decision},
                )
                for person_id in people
            ],
        )
    return made


def shared_record_people(keys: Iterable[str]) -> list[uuid.UUID]:
    """The people on JoinedUp's shared record that these record keys are, or are linked to
    (``p<uuid>`` keys, and extract records whose linked person has one), in a fixed order."""
    found: set[uuid.UUID] = set()
    records: list[int] = []
    for key in keys:
        if key.startswith("p"):
            try:
                found.add(uuid.UUID(key[1:]))
            except ValueError:
                continue
        elif key.startswith("r") and key[1:].isdigit():
            records.append(int(key[1:]))
    if records:
        found.update(
            ExtractRecord.objects.filter(
                pk__in=records, linked_person__person__isnull=False
            ).values_list("linked_person__person_id", flat=True)
        )
    return sorted(found, key=str)


def _keep_apart(actor: Actor, lefts: Iterable[str], rights: Iterable[str], note: str) -> None:
    rights = list(rights)
    for a in lefts:
        for b in rights:
            if a == b:
                continue
            left, right = sorted((a, b))
            PairDecision.objects.update_or_create(
                left_key=left,
                right_key=right,
                defaults={
                    "decision": PairDecision.Decision.NON_MATCH,
                    "note": note,
                    "decided_by_id": actor.user_id,
                    "decided_on": timezone.now(),
                },
            )


def _keep_together(actor: Actor, a: str, b: str, note: str) -> None:
    left, right = sorted((a, b))
    PairDecision.objects.update_or_create(
        left_key=left,
        right_key=right,
        defaults={
            "decision": PairDecision.Decision.MATCH,
            "note": note,
            "decided_by_id": actor.user_id,
            "decided_on": timezone.now(),
        },
    )


def _keys_of(person: LinkedPerson) -> list[str]:
    keys = [record_key(pk) for pk in person.records.values_list("pk", flat=True)]
    if person.person_id:
        keys.append(person_key(person.person_id))
    return keys


def undo_change(*, actor: Actor, change: ClusterChange) -> ClusterChange:
    """Undo a merge (the absorbed person gets their records back, and the two are kept
    apart in later runs) or a split (the records go back, and are kept together). Refused
    while a run is in progress, and for a change a later one has built on."""
    require_data_officer(actor)
    if run_in_progress():
        raise ValidationError(RUN_IN_PROGRESS)
    with transaction.atomic():
        change = ClusterChange.objects.select_for_update().get(pk=change.pk)
        if change.undone_on is not None:
            raise ValidationError("This change has already been undone.")
        involved = [change.person_id, change.other_id]
        later = ClusterChange.objects.filter(
            Q(person_id__in=involved) | Q(other_id__in=involved),
            undone_on__isnull=True,
            made_on__gt=change.made_on,
        )
        if later.exists():
            raise ValidationError(
                "A later merge or split involves these people: undo that one first."
            )
        moved_records = [int(k[1:]) for k in change.records if k.startswith("r")]
        moved_person = next((k[1:] for k in change.records if k.startswith("p")), None)
        if change.kind == ClusterChange.Kind.MERGE:
            survivor, absorbed = change.person, change.other
            LinkedPerson.objects.filter(pk=absorbed.pk).update(
                status=LinkedPerson.Status.ACTIVE, merged_into=None
            )
            ExtractRecord.objects.filter(pk__in=moved_records, linked_person=survivor).update(
                linked_person=absorbed
            )
            if moved_person is not None:
                # The shared-record person goes back with their records, and only there.
                LinkedPerson.objects.filter(pk=survivor.pk, person_id=moved_person).update(
                    person=None
                )
                LinkedPerson.objects.filter(pk=absorbed.pk).update(person_id=moved_person)
            survivor.refresh_from_db()
            staying = [k for k in _keys_of(survivor) if k not in change.records]
            _keep_apart(actor, change.records, staying, "Merge undone")
        else:
            original, new = change.person, change.other
            LinkedPerson.objects.filter(pk=original.pk).update(
                status=LinkedPerson.Status.ACTIVE, merged_into=None
            )
            ExtractRecord.objects.filter(pk__in=moved_records, linked_person=new).update(
                linked_person=original
            )
            if moved_person is not None:
                LinkedPerson.objects.filter(pk=new.pk, person_id=moved_person).update(person=None)
                LinkedPerson.objects.filter(pk=original.pk).update(person_id=moved_person)
            original.refresh_from_db()
            remaining = [k for k in _keys_of(original) if k not in change.records]
            if change.records and remaining:
                _keep_together(actor, change.records[0], remaining[0], "Split undone")
            new.refresh_from_db()
            if not new.records.exists() and not new.person_id:
                LinkedPerson.objects.filter(pk=new.pk).update(
                    status=LinkedPerson.Status.MERGED, merged_into=original
                )
        ClusterChange.objects.filter(pk=change.pk).update(
            undone_on=timezone.now(), undone_by_id=actor.user_id
        )
        people = shared_record_people(change.records) + [
            pk for pk in (change.person.person_id, change.other.person_id) if pk is not None
        ]
        record_events(
            actor=actor,
            action="update",
            entries=[
                AuditEntry(
                    person_id=person_id,
                    categories=[IDENTITY] if person_id else [],
                    basis="lawful_basis" if person_id else "",
                    detail={
                        "undo": change.kind,
                        "people": [change.person.reference, change.other.reference],
                        "records": len(change.records),
                    },
                )
                for person_id in people
            ],
        )
    change.refresh_from_db()
    return change
