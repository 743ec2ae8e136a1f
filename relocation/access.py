"""The one access layer: who may see and do what.

Every page, API endpoint and task asks here. Two mechanisms, nothing else:

* roles with a scope (``RoleAssignment``): selectors in each app narrow querysets
  by role and state, e.g. a caseworker sees households of the operations they are
  deployed in;
* per-object grants through django-guardian (direct foreign-key permission tables),
  e.g. an officer on a selection mission's team.

Missing and forbidden objects answer the same 404, so a URL never reveals whether
someone else's object exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from django.db.models import Model, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission

from .models import Role, RoleAssignment


@dataclass(frozen=True)
class Access:
    """What one user holds: roles, each with the states it acts in."""

    user_id: int | None
    organisation_id: int | None
    is_superuser: bool = False
    roles: dict[str, frozenset[str]] = field(default_factory=dict)

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def states(self, *roles: str) -> frozenset[str]:
        """States the user acts in through any of ``roles`` (country codes)."""
        codes: set[str] = set()
        for role in roles:
            codes |= self.roles.get(role, frozenset())
        return frozenset(codes)

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or Role.ADMINISTRATOR in self.roles


NO_ACCESS = Access(user_id=None, organisation_id=None)


def access_of(user) -> Access:
    """The user's roles, read once per request and kept on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_relocation_access", None)
    if cached is not None:
        return cached
    roles: dict[str, set[str]] = {}
    for role, country_id in RoleAssignment.objects.filter(user=user).values_list("role", "country_id"):
        scope = roles.setdefault(role, set())
        if country_id:
            scope.add(country_id)
    access = Access(
        user_id=user.pk,
        organisation_id=user.organisation_id,
        is_superuser=user.is_superuser,
        roles={role: frozenset(codes) for role, codes in roles.items()},
    )
    user._relocation_access = access
    return access


def forget_access(user) -> None:
    """Drop the cached roles after they change."""
    if hasattr(user, "_relocation_access"):
        del user._relocation_access


def require_role(user, *roles: str) -> Access:
    """The user's access if they hold one of ``roles``; otherwise the same 404 as a missing page."""
    access = access_of(user)
    if not access.has(*roles):
        raise Http404
    return access


def role_required(*roles: str):
    """View decorator: users without one of ``roles`` get 404."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_role(request.user, *roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def get_or_404(queryset: QuerySet, **lookup) -> Model:
    """Fetch one object from an already scoped queryset; missing and forbidden look the same."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def with_object_permission(user, perm: str, queryset: QuerySet) -> QuerySet:
    """Objects of ``queryset`` on which the user holds ``perm`` through a guardian grant."""
    return get_objects_for_user(
        user, perm, klass=queryset, accept_global_perms=False, with_superuser=False
    )


class HasRole(BasePermission):
    """DRF permission: the user holds one of ``roles``; others get 404, like the pages."""

    roles: tuple[str, ...] = ()

    def has_permission(self, request, view) -> bool:
        roles = getattr(view, "allowed_roles", self.roles)
        if not access_of(request.user).has(*roles):
            raise NotFound
        return True


def role_permission(*roles: str) -> type[HasRole]:
    return type("HasRole_" + "_".join(roles), (HasRole,), {"roles": tuple(roles)})
