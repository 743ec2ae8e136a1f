"""The demo world's case files on 9 February 2024.

* A bit over 4,000 persons relocated between late 2022 and 5 February 2024 (the day 31 people
  left Greece) to 12 of the 13 pledging states, with a status history per household;
* a pipeline at every other stage, several hundred households available for matching;
* families, single people, single parents and unaccompanied minors from Afghanistan, Syria,
  Eritrea, Sudan, Iraq, Palestine, Somalia and the DR Congo, named in their own script and in
  Latin transliteration, with vulnerabilities and family and cultural ties.

Built with ``bulk_create`` from a fixed random seed (the same world every time); skipped when
it is already there. The history is written as StatusChange rows and audit events, as the
services would have written them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from relocation.models import AuditEvent, Organisation

from .models import (
    Applicant,
    CaseNumberCounter,
    CaseStatus,
    Consent,
    CulturalTie,
    EligibilityDecision,
    FamilyTie,
    Household,
    InformationSession,
    Relationship,
    SecurityExclusion,
    StatusChange,
    TieStatus,
    VulnerabilityAssessment,
    derive_composition,
)

S = CaseStatus
SEED = 20240209
# The reason of every demo household's first status change: how a second run knows it ran.
DEMO_MARK = "Registered (demo world)"
RELOCATED_PERSONS_TARGET = 4060
# 12 of the 13 pledging states had received people by 9 February 2024.
RELOCATION_DESTINATIONS = ["BE", "HR", "FR", "DE", "IE", "LT", "LU", "NL", "PT", "RO", "NO", "CH"]
DESTINATION_WEIGHTS = [6, 2, 20, 34, 5, 2, 3, 8, 9, 2, 4, 5]
PIPELINE_DESTINATIONS = [*RELOCATION_DESTINATIONS, "BG"]
# Households per status on the demo day (besides the relocated ones).
PIPELINE = {
    S.IDENTIFIED: 60,
    S.INFORMED: 45,
    S.ASSESSED: 45,
    S.ELIGIBLE: 55,
    S.AVAILABLE: 320,
    S.PROPOSED: 80,
    S.INTERVIEW_SCHEDULED: 45,
    S.ACCEPTED: 60,
    S.REJECTED: 12,
    S.TRANSFER_PENDING: 50,
    S.READY_FOR_DEPARTURE: 24,
    S.DEPARTED: 6,
    S.CONSENT_WITHDRAWN: 18,
    S.ABSCONDED: 20,
    S.EXCLUDED: 4,
    S.INELIGIBLE: 22,
    S.CLOSED: 12,
}
ORDER = [
    S.IDENTIFIED, S.INFORMED, S.ASSESSED, S.ELIGIBLE, S.AVAILABLE, S.PROPOSED, S.INTERVIEW_SCHEDULED,
    S.ACCEPTED, S.TRANSFER_PENDING, S.READY_FOR_DEPARTURE, S.DEPARTED, S.RELOCATED,
]
# Days spent in each status before the next one (low, high).
STAGE_DAYS = {
    S.IDENTIFIED: (5, 20),
    S.INFORMED: (5, 25),
    S.ASSESSED: (5, 20),
    S.ELIGIBLE: (2, 12),
    S.AVAILABLE: (15, 90),
    S.PROPOSED: (7, 30),
    S.INTERVIEW_SCHEDULED: (7, 25),
    S.ACCEPTED: (5, 20),
    S.TRANSFER_PENDING: (20, 60),
    S.READY_FOR_DEPARTURE: (3, 14),
    S.DEPARTED: (0, 1),
}

# nationality: (languages, male (Latin, own script), female, family names)
PEOPLE = {
    "AF": (
        ["fa", "ps"],
        [("Ahmad", "احمد"), ("Mohammad", "محمد"), ("Ali", "علی"), ("Hamid", "حمید"), ("Farid", "فرید"),
         ("Javad", "جواد"), ("Omid", "امید"), ("Nasir", "ناصر"), ("Sohrab", "سهراب"), ("Mustafa", "مصطفی")],
        [("Zahra", "زهرا"), ("Fatima", "فاطمه"), ("Maryam", "مریم"), ("Shabnam", "شبنم"), ("Parisa", "پریسا"),
         ("Mahsa", "مهسا"), ("Nilofar", "نیلوفر"), ("Soraya", "ثریا")],
        [("Ahmadi", "احمدی"), ("Haidari", "حیدری"), ("Rahimi", "رحیمی"), ("Karimi", "کریمی"),
         ("Hosseini", "حسینی"), ("Sultani", "سلطانی"), ("Noori", "نوری"), ("Sadat", "سادات")],
    ),
    "SY": (
        ["ar", "ku"],
        [("Khaled", "خالد"), ("Omar", "عمر"), ("Mahmoud", "محمود"), ("Yousef", "يوسف"), ("Rami", "رامي"),
         ("Bashir", "بشير"), ("Hussam", "حسام"), ("Ziad", "زياد")],
        [("Rania", "رانيا"), ("Lina", "لينا"), ("Nour", "نور"), ("Huda", "هدى"), ("Amal", "أمل"), ("Salma", "سلمى"),
         ("Rasha", "رشا")],
        [("Al-Hassan", "الحسن"), ("Haddad", "حداد"), ("Al-Khatib", "الخطيب"), ("Darwish", "درويش"),
         ("Al-Najjar", "النجار"), ("Saleh", "صالح"), ("Qassem", "قاسم")],
    ),
    "ER": (
        ["ti", "en"],
        [("Yonas", "ዮናስ"), ("Dawit", "ዳዊት"), ("Tesfay", "ተስፋይ"), ("Filmon", "ፊልሞን"), ("Samuel", "ሳሙኤል"),
         ("Robel", "ሮቤል"), ("Merhawi", "መርሃዊ")],
        [("Selam", "ሰላም"), ("Helen", "ሄለን"), ("Saba", "ሳባ"), ("Luwam", "ሉዋም"), ("Senait", "ሰናይት"),
         ("Rahel", "ራሄል"), ("Yordanos", "ዮርዳኖስ")],
        [("Tesfaye", "ተስፋየ"), ("Gebremedhin", "ገብረመድህን"), ("Haile", "ሃይለ"), ("Berhane", "በርሀነ"),
         ("Kidane", "ኪዳነ"), ("Woldu", "ወልዱ"), ("Ghebreyesus", "ገብረየሱስ")],
    ),
    "SD": (
        ["ar", "en"],
        [("Abdelrahman", "عبد الرحمن"), ("Mohamed", "محمد"), ("Osman", "عثمان"), ("Hassan", "حسن"),
         ("Adam", "آدم"), ("Ibrahim", "إبراهيم"), ("Musa", "موسى")],
        [("Amna", "آمنة"), ("Hawa", "حواء"), ("Mariam", "مريم"), ("Aisha", "عائشة"), ("Samira", "سميرة"),
         ("Khadija", "خديجة")],
        [("Abdalla", "عبد الله"), ("Idris", "إدريس"), ("Yagoub", "يعقوب"), ("Babiker", "بابكر"),
         ("Elamin", "الأمين"), ("Ishag", "إسحاق")],
    ),
    "IQ": (
        ["ar", "ku"],
        [("Haider", "حيدر"), ("Mustafa", "مصطفى"), ("Karwan", "کاروان"), ("Ahmed", "أحمد"), ("Ali", "علي"),
         ("Rebin", "ڕێبین")],
        [("Zainab", "زينب"), ("Shilan", "شیلان"), ("Ruqaya", "رقية"), ("Nour", "نور"), ("Hozan", "هۆزان")],
        [("Al-Jabouri", "الجبوري"), ("Karim", "كريم"), ("Aziz", "عزيز"), ("Barzani", "بارزانی"),
         ("Hussein", "حسين")],
    ),
    "PS": (
        ["ar", "en"],
        [("Mahmoud", "محمود"), ("Sami", "سامي"), ("Tareq", "طارق"), ("Fadi", "فادي"), ("Majed", "ماجد")],
        [("Dima", "ديما"), ("Reem", "ريم"), ("Yasmin", "ياسمين"), ("Hanan", "حنان"), ("Suha", "سهى")],
        [("Abu Khalil", "أبو خليل"), ("Odeh", "عودة"), ("Barghouti", "البرغوثي"), ("Shaheen", "شاهين"),
         ("Masri", "المصري")],
    ),
    "SO": (
        ["so", "ar"],
        [("Abdi", "Cabdi"), ("Mohamed", "Maxamed"), ("Ahmed", "Axmed"), ("Hassan", "Xasan"), ("Yusuf", "Yuusuf")],
        [("Hodan", "Hodan"), ("Ayaan", "Ayaan"), ("Fadumo", "Faadumo"), ("Sahra", "Sahra"), ("Hamdi", "Hamdi")],
        [("Warsame", "Warsame"), ("Abdullahi", "Cabdullaahi"), ("Farah", "Faarax"), ("Jama", "Jaamac"),
         ("Osman", "Cismaan")],
    ),
    "CD": (
        ["fr", "ln", "sw"],
        [("Jean-Baptiste", "Jean-Baptiste"), ("Patrick", "Patrick"), ("Emmanuel", "Emmanuel"),
         ("Héritier", "Héritier"), ("Christian", "Christian")],
        [("Grâce", "Grâce"), ("Esther", "Esther"), ("Chantal", "Chantal"), ("Bénédicte", "Bénédicte"),
         ("Divine", "Divine")],
        [("Mukendi", "Mukendi"), ("Kabongo", "Kabongo"), ("Ilunga", "Ilunga"), ("Mbuyi", "Mbuyi"),
         ("Kalala", "Kalala"), ("Lukusa", "Lukusa")],
    ),
    # Stateless Kurds from Syria (ajanib), recorded as XX.
    "XX": (
        ["ku", "ar"],
        [("Rezan", "ڕێزان"), ("Delil", "دلیل"), ("Baran", "باران")],
        [("Berivan", "بێریڤان"), ("Ronahi", "ڕۆناهی"), ("Jiyan", "ژیان")],
        [("Ali", "علي"), ("Hemo", "حەمۆ"), ("Sheikhmous", "شێخموس")],
    ),
}

FRONTLINE = {
    # state: (weight, sites, nationality weights)
    "GR": (50, ["Ritsona", "Malakasa", "Mavrovouni (Lesvos)", "Zervou (Samos)", "Diavata"],
           {"AF": 30, "SY": 20, "IQ": 12, "PS": 10, "SO": 10, "CD": 12, "XX": 3, "ER": 3}),
    "IT": (22, ["Lampedusa hotspot", "Pozzallo hotspot", "Crotone Sant'Anna", "Bari Palese"],
           {"ER": 25, "SD": 25, "SO": 15, "SY": 10, "AF": 10, "PS": 5, "CD": 10}),
    "CY": (14, ["Pournara", "Kofinou"], {"SY": 35, "CD": 20, "SO": 15, "AF": 15, "PS": 10, "IQ": 5}),
    "MT": (9, ["Hal Far", "Safi"], {"SD": 35, "ER": 30, "SY": 20, "SO": 15}),
    "ES": (5, ["CETI Melilla", "Las Raíces (Tenerife)"], {"SY": 30, "PS": 20, "SD": 20, "CD": 15, "SO": 15}),
}
COMPOSITIONS = {
    "single_man": 34, "single_woman": 10, "couple": 10, "family": 30, "single_parent": 11, "minor": 5,
}
TIE_RELATIVES = ["brother", "sister", "uncle", "aunt", "cousin", "father", "mother", "son", "daughter"]
FRENCH_SPEAKING = ["FR", "BE", "LU", "CH"]
VULNERABILITY_NOTES = {
    "mental_disorder": "Under the care of the site's psychologist; report on file.",
    "serious_illness": "Needs continuing treatment; medical certificate on file.",
    "torture_or_violence_victim": "Disclosed during the vulnerability interview; referred to a specialised NGO.",
    "gender_based_violence_victim": "Referred to the GBV focal point; female interpreter required.",
    "disability": "Uses a wheelchair; needs accessible accommodation.",
    "pregnant": "Expected delivery in the coming months; fit to travel to be checked by IOM.",
    "elderly": "Reduced mobility.",
    "trafficking_victim": "Identified by the anti-trafficking unit; protection measures in place.",
    "lgbtiq": "Requests accommodation away from the main camp.",
    "single_parent": "",
    "unaccompanied_minor": "Guardian appointed; best-interests assessment done.",
}


@dataclass
class Plan:
    """One household to create, with its history."""

    state: str
    site: str
    nationality: str
    members: list[dict]
    history: list[tuple[str, dt.datetime]]  # (status, at), oldest first
    destination: str | None = None
    excluded: list[str] = field(default_factory=list)
    rejected_by: dict[int, str] = field(default_factory=dict)  # history index -> state
    vulnerabilities: list[tuple[int, str]] = field(default_factory=list)  # (member index, category)
    family_ties: list[tuple[int, str, str, str]] = field(default_factory=list)
    cultural_ties: list[tuple[int, str, str, str]] = field(default_factory=list)
    deciders: list[int] = field(default_factory=list)  # members who decide (adults, else everyone)
    refused_member: int | None = None
    withdrawn_member: int | None = None
    excluded_member: int | None = None

    @property
    def status(self) -> str:
        return self.history[-1][0]


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59))))


def _members(rng: random.Random, nationality: str, kind: str, day: dt.date) -> list[dict]:
    languages, males, females, families = PEOPLE[nationality]
    family = rng.choice(families)

    used: set[str] = set()

    def person(sex: str, relationship: str, min_age: int, max_age: int) -> dict:
        names = males if sex == "male" else females
        first = rng.choice(names)
        # Siblings don't share a first name: take the next free one (no extra draw, so the
        # rest of the seeded world stays as it was).
        start = names.index(first)
        for step in range(len(names)):
            candidate = names[(start + step) % len(names)]
            if candidate[0] not in used:
                first = candidate
                break
        used.add(first[0])
        age_days = rng.randint(min_age * 365 + 30, max_age * 365 + 300)
        own_family = family if relationship != Relationship.SPOUSE or rng.random() < 0.5 else rng.choice(families)
        return {
            "given_name": first[0], "family_name": own_family[0],
            "given_name_native": first[1], "family_name_native": own_family[1],
            "date_of_birth": day - dt.timedelta(days=age_days),
            "dob_estimated": rng.random() < 0.12,
            "sex": sex, "relationship_to_principal": relationship,
            "languages": languages[: rng.randint(1, len(languages))] + (["en"] if rng.random() < 0.3 else []),
            "nationality": nationality,
        }

    # Children are young enough to be minors long after the demo day.
    def children(n: int) -> list[dict]:
        return [person(rng.choice(["male", "female"]), Relationship.CHILD, 1, 12) for _ in range(n)]

    if kind == "single_man":
        return [person("male", Relationship.PRINCIPAL, 19, 45)]
    if kind == "single_woman":
        return [person("female", Relationship.PRINCIPAL, 19, 50)]
    if kind == "couple":
        return [person("male", Relationship.PRINCIPAL, 22, 60), person("female", Relationship.SPOUSE, 20, 55)]
    if kind == "family":
        return [person("male", Relationship.PRINCIPAL, 26, 50), person("female", Relationship.SPOUSE, 24, 45),
                *children(rng.choice([1, 1, 2, 2, 2, 3, 3, 4]))]
    if kind == "single_parent":
        return [person(rng.choice(["female", "female", "female", "male"]), Relationship.PRINCIPAL, 24, 45),
                *children(rng.choice([1, 1, 2, 2, 3]))]
    # An unaccompanied minor, sometimes with a sibling.
    minors = [person(rng.choice(["male", "male", "female"]), Relationship.PRINCIPAL, 12, 13)]
    if rng.random() < 0.25:
        minors.append(person(rng.choice(["male", "female"]), Relationship.SIBLING, 10, 12))
    return minors


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _plan(rng: random.Random, final: str, end_day: dt.date, destination: str | None, state: str | None = None) -> Plan:
    """A household that reached ``final`` on ``end_day``, with its history before that."""
    state = state or rng.choices(list(FRONTLINE), weights=[v[0] for v in FRONTLINE.values()])[0]
    _, sites, nationalities = FRONTLINE[state]
    nationality = _pick(rng, nationalities)
    kind = _pick(rng, COMPOSITIONS)
    # Exits leave from some stage before the proposal.
    if final in (S.CONSENT_WITHDRAWN, S.ABSCONDED, S.EXCLUDED, S.INELIGIBLE, S.CLOSED):
        leave_from = {
            S.CONSENT_WITHDRAWN: [S.ELIGIBLE, S.AVAILABLE],
            S.ABSCONDED: [S.INFORMED, S.ASSESSED, S.AVAILABLE],
            S.EXCLUDED: [S.ASSESSED, S.ELIGIBLE],
            S.INELIGIBLE: [S.ASSESSED],
            S.CLOSED: [S.IDENTIFIED, S.INFORMED],
        }[final]
        path = ORDER[: ORDER.index(rng.choice(leave_from)) + 1] + [final]
    elif final == S.REJECTED:
        path = ORDER[: ORDER.index(S.PROPOSED) + 1] + ([S.INTERVIEW_SCHEDULED] if rng.random() < 0.6 else []) + [S.REJECTED]
    else:
        path = ORDER[: ORDER.index(final) + 1]
        if S.INTERVIEW_SCHEDULED in path and final != S.INTERVIEW_SCHEDULED and rng.random() < 0.35:
            path.remove(S.INTERVIEW_SCHEDULED)  # accepted on the file, without an interview
    rejected_by: dict[int, str] = {}
    excluded: list[str] = []
    if final in (S.RELOCATED, S.ACCEPTED, S.TRANSFER_PENDING) and rng.random() < 0.06:
        # Rejected once by another state, back in the pool, then proposed to the destination.
        first = rng.choice([s for s in PIPELINE_DESTINATIONS if s != destination])
        i = path.index(S.PROPOSED)
        path = path[: i + 1] + [S.REJECTED, S.AVAILABLE, S.PROPOSED] + path[i + 1:]
        rejected_by[i + 1] = first
        excluded.append(first)
    # Walk back from the end day.
    days = [end_day]
    for status in reversed(path[:-1]):
        low, high = STAGE_DAYS.get(status, (3, 20))
        days.append(days[-1] - dt.timedelta(days=rng.randint(low, high)))
    days.reverse()
    history = [(status, _at(day, rng)) for status, day in zip(path, days, strict=True)]
    # Same-day steps keep their order.
    for i in range(1, len(history)):
        if history[i][1] <= history[i - 1][1]:
            history[i] = (history[i][0], history[i - 1][1] + dt.timedelta(minutes=30))
    members = _members(rng, nationality, kind, days[0])
    if final == S.REJECTED:
        excluded.append(destination)
        rejected_by[len(path) - 1] = destination
        destination = None
    plan = Plan(
        state=state, site=rng.choice(sites), nationality=nationality, members=members, history=history,
        destination=destination, excluded=excluded, rejected_by=rejected_by,
    )
    _assess(rng, plan, kind)
    return plan


def _assess(rng: random.Random, plan: Plan, kind: str) -> None:
    adults = [i for i, m in enumerate(plan.members) if m["relationship_to_principal"] != Relationship.CHILD
              and kind != "minor"]
    if kind == "minor":
        plan.vulnerabilities.append((0, "unaccompanied_minor"))
    if kind == "single_parent":
        plan.vulnerabilities.append((0, "single_parent"))
    if rng.random() < 0.3 and adults:
        category = rng.choice(["mental_disorder", "serious_illness", "torture_or_violence_victim", "disability",
                               "gender_based_violence_victim", "pregnant", "trafficking_victim", "lgbtiq"])
        who = rng.choice(adults)
        if category in ("pregnant", "gender_based_violence_victim") and plan.members[who]["sex"] != "female":
            category = "torture_or_violence_victim"
        plan.vulnerabilities.append((who, category))
    if rng.random() < 0.16:
        state = plan.destination if plan.destination and rng.random() < 0.7 else rng.choice(PIPELINE_DESTINATIONS)
        plan.family_ties.append((0, state, rng.choice(TIE_RELATIVES), rng.choice(list(TieStatus.values))))
    if rng.random() < 0.14:
        if plan.nationality == "CD":
            state, kind_, detail = rng.choice(FRENCH_SPEAKING), "language", "French"
        else:
            state = plan.destination if plan.destination and rng.random() < 0.6 else rng.choice(PIPELINE_DESTINATIONS)
            kind_, detail = rng.choice([("residence", "Lived there for two years"), ("study", "University exchange"),
                                        ("work", "Seasonal work"), ("language", "Basic knowledge")])
        plan.cultural_ties.append((0, state, kind_, detail))
    deciders = adults or list(range(len(plan.members)))
    if plan.status == S.INELIGIBLE:
        plan.refused_member = deciders[0]
    if plan.status == S.CONSENT_WITHDRAWN:
        plan.withdrawn_member = rng.choice(deciders)
    if plan.status == S.EXCLUDED:
        plan.excluded_member = deciders[0]
    plan.deciders = deciders


# The source article does not say where the 31 people of 5 February 2024 went; the demo
# sends them to Germany, the largest receiving state.
MOVEMENT_OF_5_FEBRUARY_TO = "DE"


def build_plans(day: dt.date) -> list[Plan]:
    rng = random.Random(SEED)
    plans: list[Plan] = []
    # Movements: departure days from November 2022 to 5 February 2024.
    start = dt.date(2022, 11, 8)
    movement_days = []
    current = start
    while current < dt.date(2024, 2, 5):
        movement_days.append(current)
        current += dt.timedelta(days=rng.randint(3, 9))
    # The movement of 5 February 2024: 31 people from Greece, on one flight to one state.
    remaining = 31
    while remaining:
        # Drawn and not used, so the rest of the seeded world stays as it was.
        rng.choices(RELOCATION_DESTINATIONS, DESTINATION_WEIGHTS)
        plan = _plan(rng, S.RELOCATED, dt.date(2024, 2, 5), MOVEMENT_OF_5_FEBRUARY_TO, state="GR")
        if len(plan.members) <= remaining:
            plans.append(plan)
            remaining -= len(plan.members)
    persons = 31
    while persons < RELOCATED_PERSONS_TARGET:
        departure = rng.choice(movement_days)
        destination = rng.choices(RELOCATION_DESTINATIONS, DESTINATION_WEIGHTS)[0]
        plan = _plan(rng, S.RELOCATED, departure, destination)
        # Arrival confirmed on the day of the flight or the next.
        plans.append(plan)
        persons += len(plan.members)
    for status, count in PIPELINE.items():
        for _ in range(count):
            age = {S.AVAILABLE: (1, 120), S.IDENTIFIED: (0, 20)}.get(status, (1, 45))
            end = day - dt.timedelta(days=rng.randint(*age))
            destination = None
            if status in (S.PROPOSED, S.INTERVIEW_SCHEDULED, S.ACCEPTED, S.REJECTED, S.TRANSFER_PENDING,
                          S.READY_FOR_DEPARTURE, S.DEPARTED):
                destination = rng.choice(PIPELINE_DESTINATIONS)
            if status == S.DEPARTED:
                end = day - dt.timedelta(days=rng.randint(0, 3))
            plans.append(_plan(rng, status, end, destination))
    return plans


def seed(world) -> None:
    if not settings.DEMO_ALLOWED:
        return
    if StatusChange.objects.filter(reason=DEMO_MARK).exists():
        world.log.append("Case files: demo households already there.")
        return
    euaa = world.organisations.get("euaa") or Organisation.objects.filter(kind=Organisation.Kind.EUAA).first()
    users = world.users
    plans = build_plans(world.day)
    _write(plans, euaa, users)
    relocated = [p for p in plans if p.status == S.RELOCATED]
    world.log.append(
        f"Case files: {len(plans)} households; {sum(len(p.members) for p in relocated)} persons relocated "
        f"to {len({p.destination for p in relocated})} states; "
        f"{sum(1 for p in plans if p.status == S.AVAILABLE)} households available for matching."
    )


def _actor(users: dict, status: str, plan: Plan):
    if status in (S.PROPOSED,):
        return users.get("coordinator")
    if status in (S.INTERVIEW_SCHEDULED, S.ACCEPTED, S.REJECTED, S.RELOCATED):
        return users.get(f"officer.{(plan.destination or '').lower()}")
    if status == S.TRANSFER_PENDING:
        return users.get(f"dublin.{plan.state.lower()}")
    if status in (S.READY_FOR_DEPARTURE, S.DEPARTED):
        return users.get(f"iom.{plan.state.lower()}")
    return users.get(f"caseworker.{plan.state.lower()}")


REASONS = {
    S.IDENTIFIED: DEMO_MARK,
    S.REJECTED: "Did not meet the national criteria after the interview",
    S.CONSENT_WITHDRAWN: "Wishes to stay near relatives in the frontline state",
    S.ABSCONDED: "Left the site; not seen for three weeks",
    S.EXCLUDED: "Security check (AMMR Art. 67(2))",
    S.INELIGIBLE: "Nationality outside the eligible caseload",
    S.CLOSED: "Registered twice; file closed",
}


def _write(plans: list[Plan], euaa, users: dict) -> None:
    # Case numbers per state and registration year, continuing any counter already there.
    counters: dict[tuple[str, int], int] = {}
    for row in CaseNumberCounter.objects.all():
        counters[(row.frontline_state_id, row.year)] = row.last
    households = []
    registration = dict(
        Applicant.objects.values("frontline_state").annotate(n=Max("id")).values_list("frontline_state", "n")
    )
    for plan in plans:
        first = plan.history[0][1]
        key = (plan.state, first.year)
        counters[key] = counters.get(key, 0) + 1
        status, at = plan.history[-1]
        households.append(Household(
            case_number=f"{plan.state}-{first.year}-{counters[key]:06d}",
            frontline_state_id=plan.state, site=plan.site, registered_on=timezone.localtime(first).date(),
            status=status, status_changed_at=at, owner=euaa, destination_state_id=plan.destination,
            composition=derive_composition(_Member.of(plan.members)), size=len(plan.members), created_at=first,
        ))
    Household.objects.bulk_create(households, batch_size=1000)
    existing = {(r.frontline_state_id, r.year): r for r in CaseNumberCounter.objects.all()}
    CaseNumberCounter.objects.bulk_create(
        [CaseNumberCounter(frontline_state_id=s, year=y, last=n) for (s, y), n in counters.items() if (s, y) not in existing]
    )
    for (s, y), row in existing.items():
        if counters[(s, y)] != row.last:
            CaseNumberCounter.objects.filter(pk=row.pk).update(last=counters[(s, y)])

    applicants = []
    seq = {state: (registration.get(state) or 0) + 1 for state in FRONTLINE}
    for plan, household in zip(plans, households, strict=True):
        for m in plan.members:
            seq[plan.state] += 1
            applicant = Applicant(
                household=household, frontline_state_id=plan.state,
                given_name=m["given_name"], family_name=m["family_name"],
                given_name_native=m["given_name_native"], family_name_native=m["family_name_native"],
                date_of_birth=m["date_of_birth"], dob_estimated=m["dob_estimated"], sex=m["sex"],
                nationality_id=m["nationality"], relationship_to_principal=m["relationship_to_principal"],
                registration_number=f"{plan.state}{household.registered_on:%y}-{seq[plan.state]:07d}",
                security_excluded=False, created_at=household.created_at,
            )
            applicant.set_search_names()
            applicants.append(applicant)
    Applicant.objects.bulk_create(applicants, batch_size=2000)
    language_links = []
    Through = Applicant.languages.through
    excluded_links = []
    ExcludedThrough = Household.excluded_states.through
    changes, events, sessions = [], [], []
    vulnerabilities, family_ties, cultural_ties, consents, decisions, exclusions = [], [], [], [], [], []
    cursor = 0
    for plan, household in zip(plans, households, strict=True):
        people = applicants[cursor: cursor + len(plan.members)]
        cursor += len(plan.members)
        for person, m in zip(people, plan.members, strict=True):
            language_links += [Through(applicant_id=person.pk, language_id=code) for code in dict.fromkeys(m["languages"])]
        excluded_links += [ExcludedThrough(household_id=household.pk, country_id=code) for code in plan.excluded]
        previous = ""
        reached = {s for s, _ in plan.history}
        times = dict(plan.history)
        current = None
        for index, (status, at) in enumerate(plan.history):
            actor = _actor(users, status, plan)
            if status == S.PROPOSED:
                # Proposed to the state that rejects it next, if it does; else to the destination.
                ahead = [i for i in plan.rejected_by if i > index]
                current = plan.rejected_by[min(ahead)] if ahead else plan.destination
            if status == S.AVAILABLE:
                current = None
            destination = current
            reason = REASONS.get(status, "")
            changes.append(StatusChange(household=household, from_status=previous, to_status=status, at=at,
                                        by=actor, reason=reason, destination_state_id=destination))
            events.append(AuditEvent(
                at=at, actor=actor, actor_username=actor.username if actor else "",
                actor_organisation_id=actor.organisation_id if actor else None,
                action="household.create" if index == 0 else "household.transition",
                object_type="cases.household", object_id=str(household.pk), object_repr=household.case_number,
                details={"from": previous, "to": status, "reason": reason, "destination_state": destination},
            ))
            previous = status
        caseworker = users.get(f"caseworker.{plan.state.lower()}")
        if S.INFORMED in reached:
            held = timezone.localtime(times[S.INFORMED]).date() - dt.timedelta(days=1)
            sessions.append(InformationSession(
                household=household, held_on=held, language_id=plan.members[0]["languages"][0],
                interpreter=plan.members[0]["languages"][0] != "en", recorded_by=caseworker,
                recorded_at=times[S.INFORMED],
            ))
        assessed_at = times.get(S.ASSESSED) or times.get(S.INELIGIBLE) or plan.history[-1][1]
        for who, category in plan.vulnerabilities:
            if S.ASSESSED in reached or plan.status in (S.INELIGIBLE, S.EXCLUDED):
                vulnerabilities.append(VulnerabilityAssessment(
                    applicant=people[who], category_id=category, assessed_by=caseworker, assessed_at=assessed_at,
                    notes=VULNERABILITY_NOTES.get(category, ""),
                ))
        for who, state, relationship, status_there in plan.family_ties:
            if state != plan.state:
                family_ties.append(FamilyTie(applicant=people[who], state_id=state, relationship=relationship,
                                             status_there=status_there, recorded_at=assessed_at))
        for who, state, kind, detail in plan.cultural_ties:
            cultural_ties.append(CulturalTie(applicant=people[who], state_id=state, kind=kind, detail=detail,
                                             recorded_at=assessed_at))
        deciders = plan.deciders
        if S.ELIGIBLE in reached:
            for who in deciders:
                decisions.append(EligibilityDecision(applicant=people[who], eligible=True, reason="",
                                                     decided_at=times[S.ELIGIBLE] - dt.timedelta(hours=2),
                                                     decided_by=caseworker))
        if plan.refused_member is not None:
            decisions.append(EligibilityDecision(
                applicant=people[plan.refused_member], eligible=False, decided_by=caseworker,
                reason="Nationality outside the eligible caseload", decided_at=times[S.INELIGIBLE] - dt.timedelta(hours=2),
            ))
        if S.AVAILABLE in reached:
            for who in deciders:
                consents.append(Consent(applicant=people[who], given=True, how_recorded=Consent.How.SIGNED_FORM,
                                        at=times[S.AVAILABLE] - dt.timedelta(hours=1), recorded_by=caseworker))
        if plan.withdrawn_member is not None:
            if S.AVAILABLE not in reached:
                consents.append(Consent(applicant=people[plan.withdrawn_member], given=True,
                                        how_recorded=Consent.How.SIGNED_FORM,
                                        at=times[S.ELIGIBLE] + dt.timedelta(hours=1), recorded_by=caseworker))
            consents.append(Consent(applicant=people[plan.withdrawn_member], given=False,
                                    how_recorded=Consent.How.SIGNED_FORM,
                                    at=times[S.CONSENT_WITHDRAWN] - dt.timedelta(hours=1), recorded_by=caseworker))
        if plan.excluded_member is not None:
            person = people[plan.excluded_member]
            person.security_excluded = True
            exclusions.append(SecurityExclusion(applicant=person, at=times[S.EXCLUDED] - dt.timedelta(hours=3),
                                                by=caseworker, reason="Security check (AMMR Art. 67(2))"))
    Through.objects.bulk_create(language_links, batch_size=5000)
    ExcludedThrough.objects.bulk_create(excluded_links, batch_size=5000)
    StatusChange.objects.bulk_create(changes, batch_size=5000)
    AuditEvent.objects.bulk_create(events, batch_size=5000)
    InformationSession.objects.bulk_create(sessions, batch_size=5000)
    VulnerabilityAssessment.objects.bulk_create(vulnerabilities, batch_size=5000, ignore_conflicts=True)
    FamilyTie.objects.bulk_create(family_ties, batch_size=5000)
    CulturalTie.objects.bulk_create(cultural_ties, batch_size=5000)
    EligibilityDecision.objects.bulk_create(decisions, batch_size=5000)
    Consent.objects.bulk_create(consents, batch_size=5000)
    SecurityExclusion.objects.bulk_create(exclusions)
    Applicant.objects.filter(pk__in=[e.applicant.pk for e in exclusions]).update(security_excluded=True)
    # The bulk inserts bypassed the service: derive the vulnerability and tie columns in one go.
    from .services import recompute_flags

    ids = [h.pk for h in households]
    recompute_flags(Household.objects.filter(pk__gte=min(ids), pk__lte=max(ids)))


@dataclass
class _Member:
    date_of_birth: dt.date
    sex: str
    relationship_to_principal: str

    @classmethod
    def of(cls, members: list[dict]) -> list[_Member]:
        return [cls(m["date_of_birth"], m["sex"], m["relationship_to_principal"]) for m in members]
