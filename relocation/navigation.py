"""Which pages each role sees in the menu, and where each role lands after login.

Apps register their pages in ``AppConfig.ready`` so the core floor never imports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .access import access_of
from .models import Role


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    roles: tuple[str, ...]
    position: int = 100


_menu: list[MenuItem] = []
# Role -> URL name of its work queue, in order of precedence for users with several roles.
_home: dict[str, str] = {}
HOME_PRECEDENCE = [
    Role.ADMINISTRATOR,
    Role.COORDINATOR,
    Role.CASEWORKER,
    Role.OFFICER,
    Role.DUBLIN_OFFICER,
    Role.IOM_OFFICER,
    Role.COMMISSION,
]


def register_page(label, url_name: str, roles, position: int = 100) -> None:
    if any(item.url_name == url_name for item in _menu):
        return
    _menu.append(MenuItem(label=label, url_name=url_name, roles=tuple(roles), position=position))
    _menu.sort(key=lambda item: item.position)


def register_home(role: str, url_name: str) -> None:
    _home[role] = url_name


def menu_for(user) -> list[dict]:
    access = access_of(user)
    items = []
    for item in _menu:
        if access.has(*item.roles) or (access.is_administrator and Role.ADMINISTRATOR in item.roles):
            try:
                items.append({"label": item.label, "url": reverse(item.url_name), "name": item.url_name})
            except NoReverseMatch:
                continue
    return items


def home_url_for(user) -> str:
    access = access_of(user)
    for role in HOME_PRECEDENCE:
        if access.has(role) and role in _home:
            return reverse(_home[role])
    if access.is_administrator:
        return reverse("admin:index")
    return reverse("role_home")


register_page(_("Notifications"), "notifications", [r.value for r in Role], position=900)
register_page(_("API documentation"), "api-docs", [r.value for r in Role if r != Role.COMMISSION], 950)
register_home(Role.ADMINISTRATOR, "admin:index")
