"""Fixtures of the missions floor's tests (households proposed, accepted, prepared by IOM)."""

from tests.missions.conftest import (  # noqa: F401
    cycle,
    make_accepted,
    make_proposed,
    make_ready,
    make_responsible,
    pledges,
)
