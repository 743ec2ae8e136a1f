"""Reference data loaded by migrations: EU+ states, nationalities, languages, vulnerabilities.

Kept as plain data so migrations, the demo world and the matching engine's vocabulary
agree on one list.
"""

FRONTLINE_STATES = ["CY", "GR", "IT", "MT", "ES"]

# EU Member States plus the Schengen-associated states that take part as "EU+".
EU_PLUS_STATES = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    "NO", "CH", "LI", "IS",
]

# The 21 signatories of the Declaration of Solidarity of 22 June 2022:
# 18 Member States plus Norway, Switzerland and Liechtenstein.
SIGNATORIES_2022 = [
    "BE", "BG", "HR", "CY", "CZ", "FI", "FR", "DE", "GR", "IE", "IT", "LT", "LU", "MT",
    "NL", "PT", "RO", "ES", "NO", "CH", "LI",
]

STATELESS = ("XX", "Stateless")

# Article 24 of the recast Reception Conditions Directive (EU) 2024/1346; the codes are
# the vocabulary of the matching contract.
VULNERABILITY_CATEGORIES = [
    ("minor", "Minor"),
    ("unaccompanied_minor", "Unaccompanied minor"),
    ("disability", "Person with disabilities"),
    ("elderly", "Elderly person"),
    ("pregnant", "Pregnant woman"),
    ("single_parent", "Single parent with minor children"),
    ("trafficking_victim", "Victim of trafficking"),
    ("serious_illness", "Person with serious illness"),
    ("mental_disorder", "Person with mental disorders, including post-traumatic stress disorder"),
    ("torture_or_violence_victim", "Person subjected to torture, rape or other serious violence"),
    ("gender_based_violence_victim", "Victim of gender-based violence (FGM, child or forced marriage ...)"),
    ("lgbtiq", "LGBTIQ person"),
]


def countries() -> list[tuple[str, str]]:
    import pycountry

    rows = [(c.alpha_2, getattr(c, "common_name", None) or c.name) for c in pycountry.countries]
    return sorted(rows + [STATELESS])


def languages() -> list[tuple[str, str]]:
    import pycountry

    return sorted((lang.alpha_2, lang.name) for lang in pycountry.languages if hasattr(lang, "alpha_2"))


def load(Country, Language, VulnerabilityCategory) -> None:
    """Insert the reference rows that are missing (the models are passed in, so a migration
    can hand over its historical models)."""
    Country.objects.bulk_create(
        [
            Country(
                code=code,
                name=name,
                is_eu_plus=code in EU_PLUS_STATES,
                is_frontline=code in FRONTLINE_STATES,
                is_signatory=code in SIGNATORIES_2022,
            )
            for code, name in countries()
        ],
        ignore_conflicts=True,
    )
    Language.objects.bulk_create(
        [Language(code=code, name=name) for code, name in languages()], ignore_conflicts=True
    )
    VulnerabilityCategory.objects.bulk_create(
        [
            VulnerabilityCategory(code=code, name=name, position=position)
            for position, (code, name) in enumerate(VULNERABILITY_CATEGORIES)
        ],
        ignore_conflicts=True,
    )
