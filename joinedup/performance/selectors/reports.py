"""Reads for turn-the-curve reports (issue 7, item 4): the list, one report with its parts, who
may edit it, its history and what changed between two versions, and the report card.

Reports hold no personal data about residents (they are about a population), so every member of
staff who has signed in with two-factor may read them. Who may *edit* is decided here, in
``may_edit_report``, and the services ask the same question before writing:

- a performance analyst of any partner organisation (they own the partnership's indicators), or
- any member of staff whose organisation is a listed partner of the report (its partners co-edit
  the plan they are part of).

A system admin without an organisation, and staff of organisations not listed, read only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from joinedup.accounts.models import Organisation
from joinedup.accounts.roles import Role
from joinedup.cases.models import Programme

from ..models import (
    Area,
    DataDevelopmentItem,
    Indicator,
    ReportAction,
    ReportPartner,
    ReportRevision,
    StoryCause,
    Target,
    TurnTheCurveReport,
    WhatWorksIdea,
)

if TYPE_CHECKING:
    from joinedup.core.actor import Actor

    from ..charts import PageChart
    from .indicators import IndicatorSeries

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 25

#: The parts of a report that are lists, by the slug used in URLs: (model, the snapshot key,
#: one item's name, the section's heading, the ordering field users can change or "").
SECTIONS: dict[str, tuple[type[Any], str, str, str, str]] = {
    "causes": (StoryCause, "causes", "cause", "The story behind the baseline", "rank"),
    "partners": (ReportPartner, "partners", "partner", "Partners with a role to play", ""),
    "ideas": (WhatWorksIdea, "ideas", "idea", "What works", ""),
    "actions": (ReportAction, "actions", "action", "The action plan", ""),
    "data": (
        DataDevelopmentItem,
        "data_development",
        "data development item",
        "The data development agenda",
        "priority",
    ),
}

#: The report's own fields kept in a snapshot, with their labels for "what changed".
REPORT_FIELDS: dict[str, str] = {
    "title": "Title",
    "population": "Population",
    "outcome": "Outcome",
    "what_success_looks_like": "What success would look like",
    "status": "Status",
}

#: Item fields shown in "what changed", by snapshot key (the ``id`` and ordering fields are
#: compared separately).
ITEM_FIELDS: dict[str, dict[str, str]] = {
    "causes": {"text": "Cause", "tag": "Tag"},
    "partners": {"organisation": "Organisation", "name": "Name", "role": "Role"},
    "ideas": {"text": "Idea", "evidence": "Evidence", "cost": "Cost", "source": "Source"},
    "actions": {
        "action": "Action",
        "for_whom": "For whom",
        "lead_organisation": "Lead organisation",
        "lead_name": "Lead",
        "due_on": "By when",
        "status": "Status",
        "programme": "Programme",
    },
    "data_development": {"text": "Data we need"},
}

LOW_COST = {WhatWorksIdea.Cost.NO_COST, WhatWorksIdea.Cost.LOW_COST}

STATUS_TAGS: dict[str, str] = {
    TurnTheCurveReport.Status.DRAFT: "govuk-tag--grey",
    TurnTheCurveReport.Status.AGREED: "govuk-tag--green",
    TurnTheCurveReport.Status.ARCHIVED: "govuk-tag--blue",
}
ACTION_TAGS: dict[str, str] = {
    ReportAction.Status.NOT_STARTED: "govuk-tag--grey",
    ReportAction.Status.IN_PROGRESS: "govuk-tag--blue",
    ReportAction.Status.DONE: "govuk-tag--green",
    ReportAction.Status.DROPPED: "govuk-tag--red",
}


# ----------------------------------------------------------------------------- who may edit


def may_edit_report(*, actor: Actor, report: TurnTheCurveReport) -> bool:
    """True when the actor may change the report (the rule is in the module's docstring)."""
    user = actor.user
    if user is None or actor.organisation_id is None or not getattr(user, "is_active", False):
        return False
    if user.has_role(Role.PERFORMANCE_ANALYST):
        return True
    return ReportPartner.objects.filter(
        report_id=report.pk, organisation_id=actor.organisation_id
    ).exists()


def may_start_report(*, actor: Actor) -> bool:
    """Performance analysts of a partner organisation start reports (and then invite partners)."""
    user = actor.user
    return bool(
        user is not None
        and actor.organisation_id is not None
        and user.has_role(Role.PERFORMANCE_ANALYST)
    )


# ----------------------------------------------------------------------------- snapshots


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def report_snapshot(report: TurnTheCurveReport) -> dict[str, Any]:
    """The whole report as JSON-ready data: what a revision keeps. Lists are in their order on
    the page. Six queries."""
    snapshot: dict[str, Any] = {name: getattr(report, name) for name in REPORT_FIELDS}
    snapshot["indicator"] = {
        "id": str(report.indicator_id),
        "code": report.indicator.code,
        "name": report.indicator.name,
    }
    snapshot["area"] = {
        "id": str(report.area_id),
        "code": report.area.code,
        "name": report.area.name,
    }
    snapshot["causes"] = [
        {"id": str(c.pk), "text": c.text, "tag": c.tag, "rank": c.rank}
        for c in StoryCause.objects.filter(report_id=report.pk).order_by("rank", "created_on")
    ]
    snapshot["partners"] = [
        {
            "id": str(p.pk),
            "organisation_id": _text(p.organisation_id),
            "organisation": p.organisation.name if p.organisation else "",
            "name": p.name,
            "role": p.role,
        }
        for p in ReportPartner.objects.filter(report_id=report.pk)
        .select_related("organisation")
        .order_by("created_on")
    ]
    snapshot["ideas"] = [
        {
            "id": str(i.pk),
            "text": i.text,
            "evidence": i.evidence,
            "cost": i.cost,
            "source": i.source,
        }
        for i in WhatWorksIdea.objects.filter(report_id=report.pk).order_by("created_on")
    ]
    snapshot["actions"] = [
        {
            "id": str(a.pk),
            "action": a.action,
            "for_whom": a.for_whom,
            "lead_organisation_id": str(a.lead_organisation_id),
            "lead_organisation": a.lead_organisation.name,
            "lead_name": a.lead_name,
            "due_on": a.due_on.isoformat(),
            "status": a.status,
            "programme_id": _text(a.programme_id),
            "programme": a.programme.name if a.programme else "",
        }
        for a in ReportAction.objects.filter(report_id=report.pk)
        .select_related("lead_organisation", "programme")
        .order_by("due_on", "created_on")
    ]
    snapshot["data_development"] = [
        {"id": str(d.pk), "text": d.text, "priority": d.priority}
        for d in DataDevelopmentItem.objects.filter(report_id=report.pk).order_by(
            "priority", "created_on"
        )
    ]
    # Round-trip through JSON so that the snapshot compares equal to one read back from the
    # database (no dates or UUIDs left as objects).
    result: dict[str, Any] = json.loads(json.dumps(snapshot, default=str))
    return result


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a report, in words."""

    section: str
    text: str
    before: str = ""
    after: str = ""


_CHOICE_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("report", "status"): dict(TurnTheCurveReport.Status.choices),
    ("ideas", "evidence"): dict(WhatWorksIdea.Evidence.choices),
    ("ideas", "cost"): dict(WhatWorksIdea.Cost.choices),
    ("actions", "status"): dict(ReportAction.Status.choices),
}


def _label(section: str, name: str, value: Any) -> str:
    labels = _CHOICE_LABELS.get((section, name))
    text = _text(value)
    if labels:
        return labels.get(text, text)
    if name == "due_on" and text:
        day = date.fromisoformat(text)
        return f"{day.day} {day:%B %Y}"
    return text


def _short(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _item_title(key: str, item: dict[str, Any]) -> str:
    if key == "partners":
        return item.get("organisation") or item.get("name") or "a partner"
    return _short(item.get("action") or item.get("text") or "")


def snapshot_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """What changed from ``before`` to ``after`` (two snapshots), in the order of the page. With
    no ``before`` (the first version), the report was started."""
    if before is None:
        return [Change(section="Report", text="Started the report")]
    changes: list[Change] = []
    for name, label in REPORT_FIELDS.items():
        if before.get(name) != after.get(name):
            changes.append(
                Change(
                    section="Report",
                    text=f"Changed the {label.lower()}",
                    before=_label("report", name, before.get(name)),
                    after=_label("report", name, after.get(name)),
                )
            )
    for slug, (_, key, noun, heading, order_field) in SECTIONS.items():
        old = {item["id"]: item for item in before.get(key, [])}
        new = {item["id"]: item for item in after.get(key, [])}
        section = slug
        for item_id, item in new.items():
            if item_id not in old:
                changes.append(
                    Change(section=heading, text=f"Added {noun} “{_item_title(key, item)}”")
                )
        for item_id, item in old.items():
            if item_id not in new:
                changes.append(
                    Change(section=heading, text=f"Removed {noun} “{_item_title(key, item)}”")
                )
        for item_id, item in new.items():
            was = old.get(item_id)
            if was is None:
                continue
            for name, label in ITEM_FIELDS[key].items():
                if was.get(name) != item.get(name):
                    changes.append(
                        Change(
                            section=heading,
                            text=f"Changed the {label.lower()} of {noun} “{_item_title(key, was)}”",
                            before=_label(section, name, was.get(name)),
                            after=_label(section, name, item.get(name)),
                        )
                    )
        if order_field:
            kept_old = [i for i in old if i in new]
            kept_new = [i for i in new if i in old]
            if kept_old != kept_new:
                changes.append(Change(section=heading, text=f"Reordered the {noun}s"))
    return changes


def changes_summary(changes: list[Change], *, limit: int = 300) -> str:
    """A one-line summary of ``changes`` for the history list (at most ``limit`` characters)."""
    if not changes:
        return "No changes"
    text = "; ".join(change.text for change in changes)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ----------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class ReportRow:
    report: TurnTheCurveReport
    status_tag: str


def reports_list(*, actor: Actor, page: Any = None) -> Page[Any]:
    """Every report, most recently changed first, a page at a time (two queries)."""
    queryset = TurnTheCurveReport.objects.select_related("indicator", "area", "modified_by")
    result: Page[Any] = Paginator(queryset.order_by("-modified_on", "title"), PAGE_SIZE).get_page(
        page
    )
    result.object_list = [
        ReportRow(report=report, status_tag=STATUS_TAGS.get(report.status, ""))
        for report in result.object_list
    ]
    return result


# ----------------------------------------------------------------------------- one report


@dataclass
class ReportView:
    """One report with everything its page shows."""

    report: TurnTheCurveReport
    causes: list[StoryCause]
    partners: list[ReportPartner]
    ideas: list[WhatWorksIdea]
    actions: list[ReportAction]
    data_development: list[DataDevelopmentItem]
    target: Target | None
    can_edit: bool
    status_tag: str
    action_tags: dict[str, str] = field(default_factory=lambda: dict(ACTION_TAGS))

    @property
    def low_cost_ideas(self) -> list[WhatWorksIdea]:
        return [idea for idea in self.ideas if idea.cost in LOW_COST]

    @property
    def needs_low_cost_idea(self) -> bool:
        """A turn-the-curve plan needs at least one no-cost or low-cost idea."""
        return not self.low_cost_ideas


def _load_report(report_id: Any) -> TurnTheCurveReport:
    try:
        return TurnTheCurveReport.objects.select_related(
            "indicator", "area", "modified_by", "created_by"
        ).get(pk=report_id)
    except (TurnTheCurveReport.DoesNotExist, ValueError) as error:
        raise Http404("No such report.") from error


def report_detail(*, actor: Actor, report_id: Any) -> ReportView:
    """One report with its parts in page order; 404 if there is none. Eight queries."""
    report = _load_report(report_id)
    return ReportView(
        report=report,
        causes=list(StoryCause.objects.filter(report=report).order_by("rank", "created_on")),
        partners=list(
            ReportPartner.objects.filter(report=report)
            .select_related("organisation")
            .order_by("created_on")
        ),
        ideas=list(WhatWorksIdea.objects.filter(report=report).order_by("created_on")),
        actions=list(
            ReportAction.objects.filter(report=report)
            .select_related("lead_organisation", "programme")
            .order_by("due_on", "created_on")
        ),
        data_development=list(
            DataDevelopmentItem.objects.filter(report=report).order_by("priority", "created_on")
        ),
        target=Target.objects.filter(indicator_id=report.indicator_id, area_id=report.area_id)
        .order_by("target_period")
        .first(),
        can_edit=may_edit_report(actor=actor, report=report),
        status_tag=STATUS_TAGS.get(report.status, ""),
    )


def report_for_change(*, actor: Actor, report_id: Any) -> TurnTheCurveReport:
    """The report to change: 404 if there is none, refused if the actor may not edit it."""
    report = _load_report(report_id)
    if not may_edit_report(actor=actor, report=report):
        raise PermissionDenied(
            "Only performance analysts and staff of the report's partner organisations can "
            "change it."
        )
    return report


def report_item(*, actor: Actor, report: TurnTheCurveReport, section: str, item_id: Any) -> Any:
    """One item of a report's list (a cause, partner, idea, action or data item); 404 if the
    section or the item is unknown."""
    if section not in SECTIONS:
        raise Http404("No such part of a report.")
    model = SECTIONS[section][0]
    try:
        return model.objects.get(report_id=report.pk, pk=item_id)
    except (model.DoesNotExist, ValueError) as error:
        raise Http404("No such item.") from error


# ----------------------------------------------------------------------------- history


def report_history(*, actor: Actor, report: TurnTheCurveReport, page: Any = None) -> Page[Any]:
    """The report's revisions, newest first, a page at a time."""
    queryset = (
        ReportRevision.objects.filter(report_id=report.pk)
        .select_related("created_by")
        .defer("snapshot")
        .order_by("-version")
    )
    return Paginator(queryset, HISTORY_PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class RevisionView:
    revision: ReportRevision
    previous: ReportRevision | None
    changes: list[Change]
    newer_version: int | None
    #: Labels for the codes a snapshot keeps (status, evidence, cost), by field.
    labels: dict[str, dict[str, str]] = field(
        default_factory=lambda: {
            "status": dict(TurnTheCurveReport.Status.choices),
            "evidence": dict(WhatWorksIdea.Evidence.choices),
            "cost": dict(WhatWorksIdea.Cost.choices),
            "action_status": dict(ReportAction.Status.choices),
        }
    )


#: The largest version a PositiveIntegerField holds on every database.
MAX_VERSION = 2_147_483_647


def report_revision(
    *, actor: Actor, report: TurnTheCurveReport, version: int, compare_with: Any = None
) -> RevisionView:
    """One revision and what changed from an earlier one (``compare_with``, a version number;
    by default the one just before it); 404 for an unknown version. An unusable
    ``compare_with`` (not a number, not earlier, unknown) falls back to the one before."""
    if not 1 <= version <= MAX_VERSION:  # past what the database column can hold
        raise Http404("No such version of this report.")
    try:
        earlier = int(compare_with) if compare_with not in (None, "") else version - 1
    except (TypeError, ValueError):
        earlier = version - 1
    if not 1 <= earlier < version:
        earlier = version - 1
    found = list(
        ReportRevision.objects.filter(report_id=report.pk, version__in=[earlier, version])
        .select_related("created_by")
        .order_by("version")
    )
    current = next((r for r in found if r.version == version), None)
    if current is None:
        raise Http404("No such version.")
    previous = next((r for r in found if r.version == earlier), None)
    newer = version + 1 if report.version > version else None
    return RevisionView(
        revision=current,
        previous=previous,
        changes=snapshot_changes(previous.snapshot if previous else None, current.snapshot),
        newer_version=newer,
    )


def changes_since(*, actor: Actor, report: TurnTheCurveReport, version: int) -> list[Change]:
    """What others changed after ``version`` up to the report's current version: shown to
    someone whose form was out of date, so that they can see the other edit."""
    found = {
        r.version: r.snapshot
        for r in ReportRevision.objects.filter(
            report_id=report.pk, version__in=[version, report.version]
        )
    }
    if report.version not in found:
        return []
    return snapshot_changes(found.get(version), found[report.version])


# ----------------------------------------------------------------------------- choices


def report_choices_indicators(*, actor: Actor) -> QuerySet[Indicator]:
    return Indicator.objects.filter(active=True).order_by("name")


def report_choices_areas(*, actor: Actor) -> QuerySet[Area]:
    """Districts, wards and custom target areas: a report is about a population, and an LSOA
    (about 1,500 people) is too small for one; a group of LSOAs is a custom target area."""
    return Area.objects.exclude(level=Area.Level.LSOA).order_by("level", "name")


def report_choices_organisations(*, actor: Actor) -> QuerySet[Organisation]:
    """The partnership's organisations (not archived), for partners and action leads."""
    return Organisation.objects.filter(archived_on__isnull=True).order_by("name")


def report_choices_programmes(*, actor: Actor) -> QuerySet[Programme]:
    """JoinedUp programmes an action can be linked to (names only; no case data)."""
    return Programme.objects.filter(active=True).order_by("name")


def report_for_reading(*, actor: Actor, report_id: Any) -> TurnTheCurveReport:
    """The report alone (for its history pages); 404 if there is none."""
    return _load_report(report_id)


# ----------------------------------------------------------------------------- the chart


@dataclass(frozen=True)
class ReportChart:
    """The indicator's chart for the report's area (history, forecast if nothing changes,
    target and actual), made by the indicators part: ``page`` is what
    ``performance/_chart.html`` draws, with its table alternative."""

    series: IndicatorSeries
    page: PageChart


def report_chart(*, actor: Actor, report: TurnTheCurveReport) -> ReportChart | None:
    """The chart of the report's indicator in its area; None until there are figures."""
    from ..charts import indicator_page_chart
    from .indicators import indicator_series

    series = indicator_series(actor=actor, indicator=report.indicator, area=report.area)
    if not series.history:
        return None
    return ReportChart(
        series=series, page=indicator_page_chart(series=series, element_id="report-chart")
    )


# ----------------------------------------------------------------------------- the report card

#: How many items of each list the card shows, largest first: the card is drawn with fewer
#: until it fits on one page (the report page has them all).
CARD_LIMITS = (6, 5, 4, 3, 2, 1)
#: How much of a long text the card keeps, for the same reason.
CARD_TEXT = (600, 400, 300, 200, 150, 120)


@dataclass(frozen=True)
class ReportCard:
    """The one-page report card as a PDF, with its file name."""

    pdf: bytes
    file_name: str
    pages: int


def _card_context(view: ReportView, chart_svg: str, limit: int, text: int) -> dict[str, Any]:
    def cut(items: list[Any]) -> tuple[list[Any], int]:
        return items[:limit], max(len(items) - limit, 0)

    causes, more_causes = cut(view.causes)
    partners, more_partners = cut(view.partners)
    # Low-cost ideas first: the card must show at least one when there is one.
    ideas, more_ideas = cut(
        sorted(view.ideas, key=lambda idea: (idea.cost not in LOW_COST, idea.created_on))
    )
    live = [a for a in view.actions if a.status != ReportAction.Status.DROPPED]
    actions, more_actions = cut(live)
    data_items, more_data = cut(view.data_development)
    return {
        "view": view,
        "report": view.report,
        "chart_svg": chart_svg,
        "text_limit": text,
        "causes": causes,
        "more_causes": more_causes,
        "partners": partners,
        "more_partners": more_partners,
        "ideas": ideas,
        "more_ideas": more_ideas,
        "actions": actions,
        "more_actions": more_actions,
        "data_items": data_items,
        "more_data": more_data,
        "low_cost": LOW_COST,
    }


def report_card_document(*, actor: Actor, report_id: Any) -> tuple[Any, ReportView]:
    """The report card laid out by WeasyPrint (a ``weasyprint.Document``), with the report it
    shows: one A4 page with the outcome, the chart (SVG, drawn offline by vl-convert), the
    target, the top causes, partners, what works, the action plan and the data development
    agenda. Lists are shortened (with "and N more") until the card fits on one page."""
    import base64

    from django.template.loader import render_to_string
    from weasyprint import HTML

    from ..charts import chart_svg

    view = report_detail(actor=actor, report_id=report_id)
    chart = report_chart(actor=actor, report=view.report)
    svg = ""
    if chart is not None:
        svg = "data:image/svg+xml;base64," + base64.b64encode(
            chart_svg(chart.page.spec).encode("utf-8")
        ).decode("ascii")
    document: Any = None
    for limit, text in zip(CARD_LIMITS, CARD_TEXT, strict=True):
        html = render_to_string(
            "performance/reports/card_pdf.html", _card_context(view, svg, limit, text)
        )
        document = HTML(string=html).render()
        if len(document.pages) == 1:
            break
    return document, view


def report_card(*, actor: Actor, report_id: Any) -> ReportCard:
    """The report card as a PDF to download (see ``report_card_document``)."""
    from django.utils.text import slugify

    document, view = report_card_document(actor=actor, report_id=report_id)
    name = slugify(view.report.title)[:60] or "report"
    return ReportCard(
        pdf=bytes(document.write_pdf()),
        file_name=f"report-card-{name}-v{view.report.version}.pdf",
        pages=len(document.pages),
    )
