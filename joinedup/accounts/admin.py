from django.contrib import admin

from .models import Membership, Organisation, Team, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["role", "team"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation_type", "co_located", "archived_on"]
    list_filter = ["organisation_type", "co_located"]
    search_fields = ["name", "short_name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "organisation", "is_active", "last_login"]
    list_filter = ["is_active", "organisation"]
    search_fields = ["full_name", "email"]
    fields = [
        "email",
        "full_name",
        "job_title",
        "organisation",
        "is_active",
        "last_login",
        "date_joined",
        "deactivated_on",
        "deactivation_reason",
    ]
    # Activation goes through the staff pages, which end sessions and log the change.
    readonly_fields = ["is_active", "last_login", "date_joined", "deactivated_on"]
    inlines = [MembershipInline]
