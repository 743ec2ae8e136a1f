from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import (
    AuditEvent,
    Country,
    Language,
    Notification,
    Organisation,
    RoleAssignment,
    User,
    VulnerabilityCategory,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through the services (and so leave audit rows):
    administrators look and search, never add, change or delete here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_eu_plus", "is_frontline", "is_signatory"]
    list_filter = ["is_eu_plus", "is_frontline", "is_signatory"]
    search_fields = ["code", "name"]


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(VulnerabilityCategory)
class VulnerabilityCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "position"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "authority_type", "country"]
    list_filter = ["kind", "authority_type", "country"]
    search_fields = ["name"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["country"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "organisation", "is_active", "is_staff"]
    list_filter = ["organisation", "role_assignments__role", "is_active", "is_staff"]
    list_select_related = ["organisation"]
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Organisation"), {"fields": ["organisation"]}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + ((_("Organisation"), {"fields": ["organisation"]}),)
    inlines = [RoleAssignmentInline]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Administrators search the trail; nobody edits or deletes it."""

    list_display = ["at", "actor_username", "actor_organisation", "action", "object_type", "object_repr", "ip_address"]
    list_filter = ["action", "object_type", "actor_organisation"]
    search_fields = ["actor_username", "object_id", "object_repr", "action", "ip_address"]
    date_hierarchy = "at"
    list_select_related = ["actor_organisation"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "subject", "read_at", "emailed_at"]
    search_fields = ["recipient__username", "subject"]
    list_select_related = ["recipient"]
