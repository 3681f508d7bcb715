from django.contrib import admin

from .models import Service, ServiceContact, ServiceLocation, ServiceNeed


class ServiceNeedInline(admin.TabularInline):
    model = ServiceNeed
    extra = 0
    fields = ["need"]


class ServiceLocationInline(admin.TabularInline):
    model = ServiceLocation
    extra = 0
    fields = ["name", "address_1", "city", "postcode", "latitude", "longitude"]


class ServiceContactInline(admin.TabularInline):
    model = ServiceContact
    extra = 0
    fields = ["name", "title", "phone", "email"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    """For system admins looking into a problem; everyday changes go through the directory
    pages, which check the values."""

    list_display = ["name", "organisation", "status", "accepting_referrals", "archived_on"]
    list_filter = ["status", "accepting_referrals", "organisation"]
    search_fields = ["name", "oruk_id", "organisation__name"]
    readonly_fields = ["oruk_id", "archived_on", "archive_reason"]
    inlines = [ServiceNeedInline, ServiceLocationInline, ServiceContactInline]
