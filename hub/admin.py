from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from hub import models


@admin.register(models.User)
class CrossdockUserAdmin(UserAdmin):
    list_display = ["email", "first_name", "last_name", "is_active", "is_superuser"]
    search_fields = ["email", "first_name", "last_name", "username"]
    ordering = ["email"]


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(models.Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "source", "type", "external_id", "status", "received_at"]
    list_filter = ["status", "source", "unmapped"]
    search_fields = ["external_id", "type"]
    readonly_fields = [f.name for f in models.Event._meta.fields]


@admin.register(models.AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_repr"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in models.AuditLog._meta.fields]


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "starts_on", "ends_on"]
    list_filter = ["status"]
    search_fields = ["name", "external_id"]
    # A status moves only through hub.business.campaign_set_status: its events open the launch
    # checklist and its launch gate may refuse going live. An edit here would skip both.
    readonly_fields = ["status"]


for model in [
    models.Zone,
    models.PromoCode,
    models.MarketingSpend,
    models.Customer,
    models.Delivery,
    models.Incident,
    models.Invitation,
    models.Notification,
]:
    admin.site.register(model)
