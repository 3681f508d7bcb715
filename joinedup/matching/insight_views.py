"""The "known to several agencies" pages (issue 6, F13): the people and households lists with
their filters, one person's signals and priority, and the referral for triage. Performance
analysts and data officers see them; only data officers refer. Views call the selectors and
the service in ``insight`` only (rule 1)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from joinedup.accounts.roles import Role
from joinedup.core.access import access, staff_with_roles
from joinedup.core.actor import Actor
from joinedup.core.forms import add_service_errors

from . import insight

INSIGHT_STAFF = staff_with_roles(Role.PERFORMANCE_ANALYST, Role.DATA_OFFICER)
DATA_OFFICERS = staff_with_roles(Role.DATA_OFFICER)


class InsightFilterForm(forms.Form):
    """The filters, sent with GET so that a filtered page can be bookmarked and paged."""

    minimum = forms.TypedChoiceField(
        label="Known to at least",
        coerce=int,
        required=False,
        choices=[(n, f"{n} agencies") for n in insight.MINIMUM_CHOICES],
    )
    area = forms.ChoiceField(label="Area (postcode district)", required=False)
    agency = forms.ChoiceField(label="Agency", required=False)

    def __init__(self, *args: Any, choices: insight.FilterChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area: Any = self.fields["area"]
        area.choices = [("", "All areas"), *((d, d) for d in choices.districts)]
        agency: Any = self.fields["agency"]
        agency.choices = [("", "All agencies"), *((str(pk), name) for pk, name in choices.agencies)]


def _filters(request: HttpRequest, actor: Actor) -> tuple[InsightFilterForm, dict[str, Any]]:
    """The filter form from the query string and the filters it gives (a value that is not
    one of the choices is shown as an error and left out)."""
    form = InsightFilterForm(
        request.GET or None,
        choices=insight.filter_choices(actor=actor),
        initial={"minimum": settings.JOINEDUP_SEVERAL_AGENCIES},
    )
    filters: dict[str, Any] = {
        "minimum": settings.JOINEDUP_SEVERAL_AGENCIES,
        "area": "",
        "agency": "",
    }
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
        filters = {
            "minimum": data.get("minimum") or settings.JOINEDUP_SEVERAL_AGENCIES,
            "area": data.get("area") or "",
            "agency": data.get("agency") or "",
        }
    return form, filters


def _query_string(filters: dict[str, Any]) -> str:
    pairs = {
        "minimum": filters["minimum"]
        if filters["minimum"] != settings.JOINEDUP_SEVERAL_AGENCIES
        else "",
        "area": filters["area"],
        "agency": filters["agency"],
    }
    return urlencode({key: value for key, value in pairs.items() if value})


def _list_context(filters: dict[str, Any]) -> dict[str, Any]:
    query_string = _query_string(filters)
    return {
        "query_string": query_string,
        "filtered": bool(filters["area"] or filters["agency"]),
        "minimum": filters["minimum"],
        "scheme": insight.PRIORITY_SCHEME,
    }


@access(INSIGHT_STAFF)
@require_safe
def people(request: HttpRequest) -> HttpResponse:
    """People known to several agencies, highest priority first."""
    actor = Actor.from_request(request)
    form, filters = _filters(request, actor)
    listing = insight.known_to_several(
        actor=actor,
        minimum=filters["minimum"],
        area=filters["area"],
        agency=filters["agency"] or None,
        page=request.GET.get("page"),
    )
    return render(
        request,
        "matching/insight.html",
        {"form": form, "listing": listing, "tab": "people", **_list_context(filters)},
    )


@access(INSIGHT_STAFF)
@require_safe
def households(request: HttpRequest) -> HttpResponse:
    """Households whose members, together, are known to several agencies."""
    actor = Actor.from_request(request)
    form, filters = _filters(request, actor)
    listing = insight.households_known_to_several(
        actor=actor,
        minimum=filters["minimum"],
        area=filters["area"],
        agency=filters["agency"] or None,
        page=request.GET.get("page"),
    )
    return render(
        request,
        "matching/insight_households.html",
        {"form": form, "listing": listing, "tab": "households", **_list_context(filters)},
    )


@access(INSIGHT_STAFF)
@require_safe
def person(request: HttpRequest, reference: str) -> HttpResponse:
    """One listed person: the signals by agency, the priority's reasons and the referrals."""
    actor = Actor.from_request(request)
    view = insight.person_insight(actor=actor, reference=reference)
    return render(
        request,
        "matching/insight_person.html",
        {"view": view, "row": view.person, "scheme": insight.PRIORITY_SCHEME},
    )


class ReferForm(forms.Form):
    to_organisation = forms.ChoiceField(
        label="Organisation to refer them to",
        help_text="The partnership hub triages residents' own referrals, so it is chosen first.",
        error_messages={"required": "Choose the organisation to refer them to"},
    )
    lawful_basis = forms.CharField(
        label="Lawful basis for sharing their details",
        help_text=(
            "There is no consent: the person has not asked for this. This is pre-filled with "
            "the lawful bases of the extracts their signals come from. Check that it covers "
            "sharing their details with the organisation you choose."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=insight.LAWFUL_BASIS_MAX,
        error_messages={"required": "Enter the lawful basis for sharing their details"},
    )
    reason = forms.CharField(
        label="Why they should be triaged",
        help_text="The receiving organisation sees this with the referral.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=insight.REASON_MAX,
        error_messages={"required": "Enter why they should be triaged"},
    )

    def __init__(self, *args: Any, organisations: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {str(o.pk): o for o in organisations}
        field: Any = self.fields["to_organisation"]
        field.choices = [(pk, o.name) for pk, o in self.organisations.items()]


@access(DATA_OFFICERS)
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, reference: str) -> HttpResponse:
    """Refer a listed person for triage: confirm the organisation, the lawful basis and the
    reason (pre-filled), then one POST makes the referral."""
    actor = Actor.from_request(request)
    linked_person = insight.linked_person_for_referral(actor=actor, reference=reference)
    view = insight.person_insight(actor=actor, reference=linked_person.reference)
    organisations, default = insight.referral_organisations(actor=actor)
    form = ReferForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        initial={
            "to_organisation": str(default.pk) if default else "",
            "lawful_basis": view.lawful_basis,
            "reason": view.reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = insight.refer_for_triage(
                actor=actor,
                linked_person=linked_person,
                to_organisation=form.organisations[data["to_organisation"]],
                lawful_basis=data["lawful_basis"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{linked_person.reference} has been referred for triage to "
                f"{made.referral.to_organisation.name}: referral {made.referral.reference}.",
            )
            return redirect("matching:insight_person", reference=linked_person.reference)
    return render(
        request,
        "matching/insight_refer.html",
        {"form": form, "view": view, "row": view.person},
    )


urlpatterns: list[URLPattern] = [
    path("insight/", people, name="insight"),
    path("insight/households/", households, name="insight_households"),
    path("insight/people/<str:reference>/", person, name="insight_person"),
    path("insight/people/<str:reference>/refer/", refer, name="insight_refer"),
]
