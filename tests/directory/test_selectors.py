"""Reading the directory: suggestions for needs, search and the service page (F12)."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from joinedup.accounts.models import Organisation
from joinedup.directory import selectors
from joinedup.directory.models import Service
from joinedup.directory.needs import NeedArea

from ..factories import OrganisationFactory
from .factories import ServiceFactory

pytestmark = pytest.mark.django_db


def _archive(service: Service) -> None:
    service.archived_on = timezone.now()
    service.save()


class TestServicesForNeed:
    def test_taking_referrals_first_then_shortest_wait_unknown_waits_last(self) -> None:
        debt = [NeedArea.MONEY_DEBT]
        ServiceFactory(
            name="Closed to referrals", needs=debt, accepting_referrals=False, waiting_time_days=0
        )
        ServiceFactory(name="Long wait", needs=debt, waiting_time_days=30)
        ServiceFactory(name="Wait not known", needs=debt, waiting_time_days=None)
        ServiceFactory(name="Short wait", needs=debt, waiting_time_days=2)
        ServiceFactory(name="Not running", needs=debt, status=Service.Status.INACTIVE)
        _archive(ServiceFactory(name="Archived", needs=debt, waiting_time_days=0))
        ServiceFactory(name="Other need", needs=[NeedArea.HOUSING], waiting_time_days=0)

        names = [s.name for s in selectors.services_for_need(need=NeedArea.MONEY_DEBT)]
        assert names == ["Short wait", "Long wait", "Wait not known", "Closed to referrals"]
        assert [s.name for s in selectors.services_for_need(need="money_debt", limit=2)] == [
            "Short wait",
            "Long wait",
        ]

    def test_an_unknown_need_is_a_programming_error(self) -> None:
        with pytest.raises(ValueError, match="not a need area"):
            selectors.services_for_need(need="astrology")
        with pytest.raises(ValueError, match="not a need area"):
            selectors.services_for_needs(needs=["housing", "astrology"])


class TestServicesForNeeds:
    def test_each_need_gets_its_own_ordered_suggestions(self) -> None:
        both = ServiceFactory(
            name="Both", needs=[NeedArea.MONEY_DEBT, NeedArea.HOUSING], waiting_time_days=5
        )
        quick_debt = ServiceFactory(
            name="Quick debt", needs=[NeedArea.MONEY_DEBT], waiting_time_days=1
        )
        slow_housing = ServiceFactory(
            name="Slow housing", needs=[NeedArea.HOUSING], waiting_time_days=40
        )
        result = selectors.services_for_needs(
            needs=[NeedArea.HOUSING, NeedArea.MONEY_DEBT, NeedArea.OFFENDING, NeedArea.HOUSING]
        )
        assert list(result) == [NeedArea.HOUSING, NeedArea.MONEY_DEBT, NeedArea.OFFENDING]
        assert result[NeedArea.HOUSING] == [both, slow_housing]
        assert result[NeedArea.MONEY_DEBT] == [quick_debt, both]
        assert result[NeedArea.OFFENDING] == []
        assert result[NeedArea.HOUSING][0].need_codes == [NeedArea.MONEY_DEBT, NeedArea.HOUSING]

    def test_limit_applies_per_need(self) -> None:
        for days in range(8):
            ServiceFactory(needs=[NeedArea.HOUSING, NeedArea.OFFENDING], waiting_time_days=days)
        result = selectors.services_for_needs(needs=[NeedArea.HOUSING, NeedArea.OFFENDING], limit=3)
        assert [s.waiting_time_days for s in result[NeedArea.HOUSING]] == [0, 1, 2]
        assert [s.waiting_time_days for s in result[NeedArea.OFFENDING]] == [0, 1, 2]

    def test_agrees_with_services_for_need(self) -> None:
        rng_days = [7, 3, None, 3, 12, 0, None, 21, 5, 9]
        for index, days in enumerate(rng_days):
            needs = [NeedArea.values[index % 4], NeedArea.values[(index + 1) % 4]]
            ServiceFactory(needs=needs, waiting_time_days=days, accepting_referrals=index % 3 != 0)
        wanted = NeedArea.values[:5]
        together = selectors.services_for_needs(needs=wanted, limit=3)
        for need in wanted:
            assert together[need] == selectors.services_for_need(need=need, limit=3)

    def test_query_count_does_not_grow_with_needs_or_services(
        self,
        django_assert_max_num_queries,  # type: ignore[no-untyped-def]
    ) -> None:
        for index in range(40):
            ServiceFactory(
                needs=[NeedArea.values[index % 11], NeedArea.values[(index + 3) % 11]],
                organisation=OrganisationFactory(),
                waiting_time_days=index,
            )
        with django_assert_max_num_queries(2):
            result = selectors.services_for_needs(needs=NeedArea.values)
            # Reading what triage shows (organisation, need areas) needs no further query.
            shown = [
                (service.organisation.name, service.need_labels)
                for services in result.values()
                for service in services
            ]
        assert len(shown) == 11 * 5  # every need has more than five services
        with django_assert_max_num_queries(2):
            selectors.services_for_needs(needs=[NeedArea.HOUSING])

    def test_no_needs_no_queries(self, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
        with django_assert_num_queries(0):
            assert selectors.services_for_needs(needs=[]) == {}


class TestDirectorySearch:
    def test_filters_by_words_need_and_organisation(self) -> None:
        cab = OrganisationFactory(name="Citizens Advice Northvale", short_name="CAB")
        council = OrganisationFactory(name="Northvale Borough Council")
        debt = ServiceFactory(
            organisation=cab,
            name="Debt advice",
            description="Priority debts",
            needs=[NeedArea.MONEY_DEBT],
        )
        housing = ServiceFactory(
            organisation=cab,
            name="Housing advice",
            description="Tenants' rights",
            needs=[NeedArea.HOUSING],
        )
        hub = ServiceFactory(
            organisation=council,
            name="Employment hub",
            description="Help into work and out of debt",
        )
        _archive(
            ServiceFactory(organisation=cab, name="Old debt clinic", needs=[NeedArea.MONEY_DEBT])
        )

        def names(**filters: object) -> list[str]:
            page = selectors.directory_search(**filters)  # type: ignore[arg-type]
            return [s.name for s in page.object_list]

        assert names() == [debt.name, hub.name, housing.name]
        assert names(query="debt") == [debt.name, hub.name]
        assert names(query="DEBT priority") == [debt.name]
        assert names(query="cab") == [debt.name, housing.name]
        assert names(need=NeedArea.HOUSING) == [housing.name]
        assert names(organisation_id=council.pk) == [hub.name]
        assert names(query="advice", need=NeedArea.MONEY_DEBT, organisation_id=cab.pk) == [
            debt.name
        ]
        assert names(query="astrology") == []

    def test_running_services_come_before_those_not_running(self) -> None:
        ServiceFactory(name="A paused", status=Service.Status.INACTIVE)
        ServiceFactory(name="B running")
        page = selectors.directory_search()
        assert [s.name for s in page.object_list] == ["B running", "A paused"]

    def test_pages(self) -> None:
        for _ in range(45):
            ServiceFactory()
        first = selectors.directory_search(page=1)
        assert len(first.object_list) == selectors.PAGE_SIZE
        assert first.paginator.num_pages == 3
        last = selectors.directory_search(page="99")
        assert last.number == 3 and len(last.object_list) == 5
        assert selectors.directory_search(page="not a number").number == 1


class TestServiceDetail:
    def test_missing_or_archived_is_404(self) -> None:
        service = ServiceFactory()
        assert selectors.service_detail(service_id=service.pk) == service
        _archive(service)
        with pytest.raises(Http404):
            selectors.service_detail(service_id=service.pk)
        with pytest.raises(Http404):
            selectors.service_detail(service_id="not-a-uuid")

    def test_organisations_in_directory_lists_only_those_with_services(
        self, organisation: Organisation, other_organisation: Organisation
    ) -> None:
        ServiceFactory(organisation=organisation)
        _archive(ServiceFactory(organisation=other_organisation))
        assert list(selectors.organisations_in_directory()) == [organisation]
