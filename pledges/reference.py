"""Population and GDP of the 27 Member States: the inputs of the Annex I fair-share key of
Regulation (EU) 2024/1351 (50% population share + 50% GDP share).

APPROXIMATE DEMO FIGURES, rounded from Eurostat-like values (population on 1 January 2024,
GDP at current prices of 2023 in EUR million). Replace them with the official figures the
Commission publishes for the pool year before relying on them.
"""

REFERENCE_YEAR = 2024
SOURCE = "Approximate demo figures after Eurostat (population 1 Jan 2024, GDP 2023 current prices)"

# state: (population, GDP in EUR million)
FIGURES_2024 = {
    "AT": (9_159_000, 477_000),
    "BE": (11_833_000, 584_000),
    "BG": (6_446_000, 94_000),
    "HR": (3_862_000, 77_000),
    "CY": (934_000, 31_000),
    "CZ": (10_901_000, 305_000),
    "DK": (5_961_000, 387_000),
    "EE": (1_375_000, 38_000),
    "FI": (5_604_000, 277_000),
    "FR": (68_401_000, 2_803_000),
    "DE": (83_445_000, 4_122_000),
    "GR": (10_398_000, 220_000),
    "HU": (9_585_000, 197_000),
    "IE": (5_272_000, 510_000),
    "IT": (58_990_000, 2_128_000),
    "LV": (1_872_000, 40_000),
    "LT": (2_886_000, 72_000),
    "LU": (672_000, 79_000),
    "MT": (563_000, 20_000),
    "NL": (17_942_000, 1_034_000),
    "PL": (36_621_000, 750_000),
    "PT": (10_640_000, 266_000),
    "RO": (19_064_000, 324_000),
    "SK": (5_424_000, 122_000),
    "SI": (2_124_000, 63_000),
    "ES": (48_619_000, 1_462_000),
    "SE": (10_552_000, 541_000),
}


def load(StateReferenceFigure) -> None:
    """Insert the figures that are missing (the model is passed in, so a migration can hand
    over its historical model)."""
    StateReferenceFigure.objects.bulk_create(
        [
            StateReferenceFigure(
                state_id=code, year=REFERENCE_YEAR, population=population, gdp_eur_million=gdp, source=SOURCE
            )
            for code, (population, gdp) in FIGURES_2024.items()
        ],
        ignore_conflicts=True,
    )
