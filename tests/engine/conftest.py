"""Fixtures shared by the engine tests."""

import pytest

from matching.engine import solver


@pytest.fixture
def started_beside(monkeypatch) -> list[str]:
    """The names of the functions the solver starts beside its main search (``solver.Beside``),
    in the order it starts them; the list can be cleared between solves."""
    started: list[str] = []

    class Recorded(solver.Beside):
        def __init__(self, function, *args, **options):
            started.append(function.__name__)
            super().__init__(function, *args, **options)

    monkeypatch.setattr(solver, "Beside", Recorded)
    return started
