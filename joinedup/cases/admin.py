"""Programmes, complexity weights and key workers' capacity are set up by system admins in
Django admin (rule 6: business rules are data). Cases themselves change only through their
pages, whose services audit every change."""

from django.contrib import admin

from .models import ComplexityWeight, Programme, WorkerCapacity


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "active")
    search_fields = ("name",)


@admin.register(ComplexityWeight)
class ComplexityWeightAdmin(admin.ModelAdmin):
    list_display = ("rating", "weight")


@admin.register(WorkerCapacity)
class WorkerCapacityAdmin(admin.ModelAdmin):
    list_display = ("user", "full_time_points", "fte")
    raw_id_fields = ("user",)
