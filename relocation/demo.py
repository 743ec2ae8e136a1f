"""The demo world's core: organisations and one demo user per role.

``manage.py seed_demo`` calls ``seed(world)`` of every app that has a ``demo`` module,
lowest floor first; each app adds its own objects and may read what lower floors made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings

from .models import Organisation, Role, RoleAssignment, User

# The day of the source article (../shared/seed-news-2024-02-09.md).
DEMO_DAY = dt.date(2024, 2, 9)

# The 13 states that pledged relocation places under the 2022 Declaration.
PLEDGING_STATES_2022 = ["BE", "BG", "HR", "FR", "DE", "IE", "LT", "LU", "NL", "PT", "RO", "NO", "CH"]

NATIONAL_AUTHORITIES = {
    # state: (asylum service, Dublin Unit)
    "BE": ("Commissioner General for Refugees and Stateless Persons (BE)", "Dublin Unit Belgium"),
    "BG": ("State Agency for Refugees (BG)", "Dublin Unit Bulgaria"),
    "HR": ("Ministry of the Interior, Asylum Service (HR)", "Dublin Unit Croatia"),
    "CY": ("Asylum Service (CY)", "Dublin Unit Cyprus"),
    "DE": ("Federal Office for Migration and Refugees (DE)", "Dublin Unit Germany"),
    "ES": ("Office of Asylum and Refuge (ES)", "Dublin Unit Spain"),
    "FR": ("French Office for the Protection of Refugees and Stateless Persons (FR)", "Dublin Unit France"),
    "GR": ("Asylum Service (GR)", "Dublin Unit Greece"),
    "IE": ("International Protection Office (IE)", "Dublin Unit Ireland"),
    "IT": ("National Commission for the Right of Asylum (IT)", "Dublin Unit Italy"),
    "LT": ("Migration Department (LT)", "Dublin Unit Lithuania"),
    "LU": ("Directorate of Immigration (LU)", "Dublin Unit Luxembourg"),
    "MT": ("International Protection Agency (MT)", "Dublin Unit Malta"),
    "NL": ("Immigration and Naturalisation Service (NL)", "Dublin Unit Netherlands"),
    "NO": ("Directorate of Immigration (NO)", "Dublin Unit Norway"),
    "PT": ("Agency for Integration, Migrations and Asylum (PT)", "Dublin Unit Portugal"),
    "RO": ("General Inspectorate for Immigration (RO)", "Dublin Unit Romania"),
    "CH": ("State Secretariat for Migration (CH)", "Dublin Unit Switzerland"),
}

# username: (first name, last name, organisation key, [(role, state)])
DEMO_USERS = {
    "caseworker.gr": ("Eleni", "Papadaki", "euaa", [(Role.CASEWORKER, "GR")]),
    "caseworker.it": ("Giulia", "Romano", "euaa", [(Role.CASEWORKER, "IT")]),
    "coordinator": ("Marta", "Kowalska", "euaa", [(Role.COORDINATOR, None)]),
    "officer.de": ("Jonas", "Becker", "asylum:DE", [(Role.OFFICER, "DE")]),
    "officer.fr": ("Claire", "Martin", "asylum:FR", [(Role.OFFICER, "FR")]),
    "dublin.gr": ("Nikos", "Georgiou", "dublin:GR", [(Role.DUBLIN_OFFICER, "GR")]),
    "dublin.de": ("Anna", "Schmidt", "dublin:DE", [(Role.DUBLIN_OFFICER, "DE")]),
    "iom.gr": ("Dimitra", "Alexiou", "iom", [(Role.IOM_OFFICER, "GR")]),
    "commission": ("Pieter", "Janssens", "commission", [(Role.COMMISSION, None)]),
    "admin": ("Ada", "Admin", "euaa", [(Role.ADMINISTRATOR, None)]),
}


@dataclass
class DemoWorld:
    """What lower floors built, handed to higher floors' ``seed``."""

    day: dt.date = DEMO_DAY
    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)


def seed(world: DemoWorld) -> None:
    orgs = world.organisations
    orgs["euaa"], _ = Organisation.objects.get_or_create(
        name="European Union Agency for Asylum", defaults={"kind": Organisation.Kind.EUAA}
    )
    orgs["commission"], _ = Organisation.objects.get_or_create(
        name="European Commission, DG Migration and Home Affairs",
        defaults={"kind": Organisation.Kind.COMMISSION},
    )
    orgs["iom"], _ = Organisation.objects.get_or_create(
        name="International Organization for Migration", defaults={"kind": Organisation.Kind.IOM}
    )
    for state, (asylum, dublin) in NATIONAL_AUTHORITIES.items():
        for key, name, kind in (
            (f"asylum:{state}", asylum, Organisation.AuthorityType.ASYLUM_SERVICE),
            (f"dublin:{state}", dublin, Organisation.AuthorityType.DUBLIN_UNIT),
        ):
            orgs[key], _ = Organisation.objects.get_or_create(
                name=name,
                defaults={
                    "kind": Organisation.Kind.NATIONAL_AUTHORITY,
                    "authority_type": kind,
                    "country_id": state,
                },
            )
    if not settings.DEMO_ALLOWED:
        world.log.append("Production settings: no demo users created.")
        return
    for username, (first, last, org_key, roles) in DEMO_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=first, last_name=last, organisation=orgs[org_key])
            user.email = f"{username}@demo.invalid"
            user.set_password(settings.DEMO_PASSWORD)
            if username == "admin":
                user.is_staff = user.is_superuser = True
            user.save()
        for role, state in roles:
            RoleAssignment.objects.get_or_create(user=user, role=role, country_id=state)
        world.users[username] = user
    world.log.append(f"{len(DEMO_USERS)} demo users, password from DEMO_PASSWORD.")
