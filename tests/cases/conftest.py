from dataclasses import replace

import pytest


@pytest.fixture
def cases_rules_only(monkeypatch):
    """The case workflow as the cases floor defines it. Higher floors add requirements to its
    transitions (missions: a transfer request, a movement ...); tests of this floor's own rules
    walk a household through without building those floors' objects."""
    from cases import workflow

    own = [
        replace(
            t,
            requirements=tuple(r for r in t.requirements if r.__module__ == workflow.__name__),
            effects=tuple(e for e in t.effects if e.__module__ == workflow.__name__),
        )
        for t in workflow._REGISTRY
    ]
    monkeypatch.setattr(workflow, "_REGISTRY", own)
