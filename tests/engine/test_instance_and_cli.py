"""Malformed instances: exit status 2 and one readable line, never a traceback."""

import codecs
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from matching.engine.cli import EXIT_BAD_INPUT, main, match_instance
from matching.engine.instance import InstanceError, parse_instance
from matching.engine.model import UNPLACED, feasibility_violations
from matching.engine.scoring import value as household_value

from .builders import household, instance, pledge

ROOT = Path(__file__).resolve().parents[2]


def with_household(**changes):
    h = household()
    for key, value in changes.items():
        if value is DELETE:
            del h[key]
        else:
            h[key] = value
    return instance([h])


def with_pledge(**changes):
    p = pledge()
    for key, value in changes.items():
        if value is DELETE:
            del p[key]
        else:
            p[key] = value
    return instance(pledges=[p])


DELETE = object()

MALFORMED = {
    "not an object": [1, 2],
    "missing format": {k: v for k, v in instance().items() if k != "format"},
    "wrong format": {**instance(), "format": "relocation-matching/2"},
    "missing households": {k: v for k, v in instance().items() if k != "households"},
    "households not a list": {**instance(), "households": {"id": "H-1"}},
    "missing pledges": {k: v for k, v in instance().items() if k != "pledges"},
    "household not an object": instance(["H-1"]),
    "missing household id": with_household(id=DELETE),
    "empty household id": with_household(id=""),
    "missing size": with_household(size=DELETE),
    "size as string": with_household(size="4"),
    "size as float": with_household(size=2.5),
    "size as boolean": with_household(size=True),
    "zero size": with_household(size=0),
    "negative size": with_household(size=-2),
    "negative vulnerable members": with_household(vulnerable_members=-1),
    "vulnerable members above size": with_household(size=2, vulnerable_members=3),
    "negative waiting days": with_household(waiting_days=-5),
    "size above the largest household": with_household(size=10_001),
    "size beyond any integer type": with_household(size=10**20),
    "waiting days too large for a number": with_household(waiting_days=10**400),
    "weight too large for a number": {**instance(), "weights": {"person": 10**400}},
    "weight too large for the values to sum": {**instance(), "weights": {"person": 1e307}},
    "waiting too long for its weight": with_household(waiting_days=1e305),
    "waiting days as string": with_household(waiting_days="210"),
    "unknown composition": with_household(composition="extended_family"),
    "unknown vulnerability": with_household(vulnerabilities=["sad"]),
    "vulnerabilities not a list": with_household(vulnerabilities="minor"),
    "missing vulnerabilities": with_household(vulnerabilities=DELETE),
    "missing excluded states": with_household(excluded_states=DELETE),
    "lower-case nationality": with_household(nationality="af"),
    "three-letter nationality": with_household(nationality="AFG"),
    "frontline state not frontline": with_household(frontline_state="DE"),
    "frontline state not a code": with_household(frontline_state="Greece"),
    "language not ISO 639-1": with_household(languages=["farsi"]),
    "family tie not a state code": with_household(family_ties=["Germany"]),
    "duplicate household id": instance([household("H-1"), household("H-1")]),
    "duplicate pledge id": instance(pledges=[pledge("P-1"), pledge("P-1")]),
    "missing pledge state": with_pledge(state=DELETE),
    "missing capacity": with_pledge(capacity=DELETE),
    "negative capacity": with_pledge(capacity=-1),
    "capacity as string": with_pledge(capacity="10"),
    "quotas not an object": with_pledge(quotas=["GR"]),
    "quota for unknown state": with_pledge(quotas={"DE": 5}),
    "quota key not a code": with_pledge(quotas={"Greece": 5}),
    "negative quota": with_pledge(quotas={"GR": -5}),
    "criteria not an object": with_pledge(criteria=["AF"]),
    "unknown criterion": with_pledge(criteria={"religion": ["x"]}),
    "unknown composition in criteria": with_pledge(criteria={"compositions": ["group"]}),
    "unknown excluded vulnerability": with_pledge(criteria={"excluded_vulnerabilities": ["flu"]}),
    "max household size as string": with_pledge(criteria={"max_household_size": "6"}),
    "unknown weight": {**instance(), "weights": {"persons": 1.0}},
    "weight as string": {**instance(), "weights": {"person": "1"}},
    "weights not an object": {**instance(), "weights": [1, 2]},
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_instance_is_one_readable_error(case):
    with pytest.raises(InstanceError) as caught:
        parse_instance(MALFORMED[case])
    message = str(caught.value)
    assert message and "\n" not in message


def test_error_names_the_household_and_field():
    with pytest.raises(
        InstanceError, match=r'households\[0\] \(H-1\): "size" must be >= 1, got -2'
    ):
        parse_instance(with_household(size=-2))


@pytest.mark.parametrize(
    ("field", "first", "second", "message"),
    [
        ("languages", ["ar"], ["ar", "farsi"], r"\"languages\" holds 'farsi'"),
        ("languages", ["ar"], ["ar", 5], r'"languages" holds 5'),
        ("languages", ["ar"], ["ar", ["ar"]], r"\"languages\" holds \['ar'\]"),
        ("family_ties", ["DE"], ["DE", {"DE": 1}], r'"family_ties" holds \{'),
        ("vulnerabilities", ["minor"], ["minor", "sad"], r"unknown word 'sad'"),
        ("excluded_states", [], "DE", r'"excluded_states" must be a list'),
        ("nationality", "AF", "af", r'"nationality" must be a 2-letter'),
        ("nationality", "AF", ["AF"], r'"nationality" must be a 2-letter'),
        ("composition", "couple", ["couple"], r'"composition" must be a string'),
    ],
)
def test_values_checked_once_are_still_checked_for_each_household(field, first, second, message):
    """Values seen before are not checked again (:class:`.instance._Checked`): a later
    household whose value differs, if only by one more item or by an item that cannot be
    hashed, is still refused, and the error names it."""
    data = instance([household("H-1", **{field: first}), household("H-2", **{field: second})])
    with pytest.raises(InstanceError, match=r"households\[1\] \(H-2\): " + message):
        parse_instance(data)


def test_codes_given_as_a_string_subclass_are_read_as_before():
    """From Python (not JSON), strings may come as a subclass of ``str`` (numpy's ``str_``)."""

    class Code(str):
        pass

    data = instance([household("H-1", frontline_state=Code("GR"), nationality=Code("AF"))])
    (read,) = parse_instance(data).households
    assert read.frontline_state == "GR" and read.nationality == "AF"


def test_households_with_the_same_lists_share_their_sets():
    data = instance([
        household("H-1", languages=["ar", "fa"]),
        household("H-2", languages=["ar", "fa"]),
        household("H-3", languages=["fa", "ar"]),
    ])
    first, second, third = parse_instance(data).households
    assert first.languages == {"ar", "fa"} and first.languages is second.languages
    assert third.languages == first.languages


def test_absent_optional_parts_are_allowed():
    data = instance([household()], [{"id": "P-1", "state": "DE", "capacity": 3}])
    data.pop("weights", None)
    inst = parse_instance(data)
    assert inst.pledges[0].quotas == {}
    assert inst.pledges[0].criteria.max_household_size is None
    assert inst.weights.family_tie == 3.0
    partial = parse_instance({**instance(), "weights": {"family_tie": 5}})
    assert partial.weights.family_tie == 5.0 and partial.weights.person == 1.0


def run_cli(tmp_path, payload, *extra):
    path = tmp_path / "instance.json"
    if isinstance(payload, str):
        path.write_text(payload)
    else:
        path.write_text(json.dumps(payload))
    out = tmp_path / "result.json"
    return path, out, [str(path), "--output", str(out), *extra]


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_cli_function_exits_2_with_one_line(case, tmp_path, capsys):
    _, out, argv = run_cli(tmp_path, MALFORMED[case])
    assert main(argv) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "text", ["", "{", '{"format": "relocation-matching/1",}', "[1, 2", '{"a": NaN}', "\x00"]
)
def test_invalid_json_exits_2(text, tmp_path, capsys):
    _, _, argv = run_cli(tmp_path, text)
    assert main(argv) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid JSON" in err


def test_a_file_starting_with_a_byte_order_mark_is_read(tmp_path):
    path, out, _ = run_cli(tmp_path, instance([household("H-1", size=2)], [pledge()]))
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    assert match_instance(path, out).objective == pytest.approx(2.0)


def test_missing_file_exits_2(tmp_path, capsys):
    assert main([str(tmp_path / "nope.json"), "--output", str(tmp_path / "r.json")]) == 2
    assert "not found" in capsys.readouterr().err


def test_match_instance_writes_the_contract_result(tmp_path):
    path, out, _ = run_cli(
        tmp_path, instance([household("H-1", size=2, composition="couple")], [pledge()])
    )
    result = match_instance(path, out)
    document = json.loads(out.read_text())
    assert set(document) == {
        "format",
        "status",
        "objective",
        "bound",
        "solve_seconds",
        "assignments",
    }
    assert document["format"] == "relocation-matching-result/1"
    assert document["status"] == "optimal"
    assert document["assignments"] == [{"household": "H-1", "pledge": "P-1"}]
    assert document["objective"] == pytest.approx(2.0) == result.objective


def manage(*args, cwd=ROOT, env=None):
    return subprocess.run(
        [sys.executable, "manage.py", "match_instance", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.mark.skipif(not (ROOT / "manage.py").exists(), reason="needs the Django project")
def test_management_command_runs_without_starting_django(tmp_path):
    # Settings that cannot be imported: Django would fail to start, the engine needs none.
    from matching.engine.generator import generate_instance

    path, out, _ = run_cli(tmp_path, generate_instance(200, seed=3))
    broken = {**os.environ, "DJANGO_SETTINGS_MODULE": "no_such_settings_module"}
    done = manage(str(path), "--output", str(out), "--time-limit", "60", env=broken)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("optimal: objective")
    fast = json.loads(out.read_text())

    # With one of Django's own options the command goes through Django, which needs them...
    through_django = manage(str(path), "--output", str(out), "-v", "0", env=broken)
    assert through_django.returncode != 0 and "no_such_settings_module" in through_django.stderr
    # ...and with the project's settings it writes the same placement.
    done = manage(str(path), "--output", str(out), "--time-limit", "60", "--verbosity", "0")
    assert done.returncode == 0, done.stderr
    slow = json.loads(out.read_text())
    assert slow["status"] == fast["status"] == "optimal"
    assert slow["assignments"] == fast["assignments"] and slow["objective"] == fast["objective"]


@pytest.mark.skipif(not (ROOT / "manage.py").exists(), reason="needs the Django project")
@pytest.mark.parametrize(
    "case", ["negative size", "unknown vulnerability", "duplicate household id", "missing format"]
)
def test_management_command_exits_2_with_one_line(case, tmp_path):
    path, out, _ = run_cli(tmp_path, MALFORMED[case])
    done = manage(str(path), "--output", str(out))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr


@pytest.mark.skipif(not (ROOT / "manage.py").exists(), reason="needs the Django project")
def test_management_command_rejects_invalid_json(tmp_path):
    path, out, _ = run_cli(tmp_path, "{not json")
    done = manage(str(path), "--output", str(out))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(not (ROOT / "manage.py").exists(), reason="needs the Django project")
def test_management_command_solves_a_generated_instance(tmp_path):
    from matching.engine.generator import generate_instance

    path, out, _ = run_cli(tmp_path, generate_instance(300, seed=11))
    done = manage(str(path), "--output", str(out), "--time-limit", "60")
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert document["status"] == "optimal"
    assert document["bound"] >= document["objective"] > 0


def test_without_time_limit_the_command_still_stops(tmp_path, monkeypatch):
    import matching.engine.cli as cli

    seen = []
    real_solve = cli.solve

    def spy(instance, time_limit=None, started=None):
        seen.append(time_limit)
        return real_solve(instance, time_limit=time_limit, started=started)

    monkeypatch.setattr(cli, "solve", spy)
    path = tmp_path / "i.json"
    path.write_text(json.dumps(instance()))
    match_instance(path, tmp_path / "r.json")
    match_instance(path, tmp_path / "r.json", time_limit=5)
    assert seen == [cli.DEFAULT_TIME_LIMIT, 5]


def test_the_time_limit_counts_from_the_commands_start(tmp_path, monkeypatch):
    # --time-limit covers the whole command: the solve is given the limit itself (what it
    # chooses to do depends on that alone), counted from the process's start, less the time
    # writing the result will take.
    import matching.engine.cli as cli
    from matching.engine.generator import generate_instance

    seen = []
    real_solve = cli.solve

    def spy(instance, time_limit=None, started=None):
        seen.append((time_limit, started))
        return real_solve(instance, time_limit=time_limit, started=started)

    monkeypatch.setattr(cli, "solve", spy)
    monkeypatch.setattr(cli, "OUTPUT_SECONDS_PER_HOUSEHOLD", 1e-3)  # 0.4 s for 400 households
    path, out, _ = run_cli(tmp_path, generate_instance(400, seed=5))
    process_start = time.perf_counter() - 0.5  # as if starting and reading had taken 0.5 s
    match_instance(path, out, time_limit=20, started=process_start)
    [(limit, started)] = seen
    assert limit == 20
    assert started == pytest.approx(process_start - 0.4, abs=1e-9)
    optimum = json.loads(out.read_text())
    assert optimum["status"] == "optimal"

    # A limit already used up by the time the instance is read: the solve stops at once (a
    # solve given the whole second proves this optimum), with a feasible placement and an
    # honest bound (what the LP's first steps found, or the greedy one).
    seen.clear()
    match_instance(path, out, time_limit=1, started=time.perf_counter() - 5)
    document = json.loads(out.read_text())
    assert document["status"] == "feasible" and document["assignments"]
    assert document["objective"] <= optimum["objective"] + 1e-9 <= document["bound"] + 2e-9
    inst = parse_instance(json.loads(path.read_text()))
    household_at = {h.id: i for i, h in enumerate(inst.households)}
    pledge_at = {p.id: j for j, p in enumerate(inst.pledges)}
    assignment = [UNPLACED] * len(inst.households)
    for a in document["assignments"]:
        assignment[household_at[a["household"]]] = pledge_at[a["pledge"]]
    assert not feasibility_violations(inst, assignment)
    assert document["objective"] == pytest.approx(
        sum(household_value(inst.households[i], inst.pledges[j], inst.weights)
            for i, j in enumerate(assignment) if j != UNPLACED)
    )


def test_the_command_line_passes_its_start_on(tmp_path, monkeypatch):
    import matching.engine.cli as cli

    seen = []
    monkeypatch.setattr(cli, "match_instance", lambda *args, started=None: seen.append(started))
    monkeypatch.setattr(cli, "summary", lambda result: "")
    assert main(["i.json", "--output", str(tmp_path / "r.json")], started=12.5) == 0
    assert seen == [12.5]


@pytest.mark.parametrize("lingering", [True, False])
def test_the_command_line_does_not_wait_for_a_highs_run_left_going(lingering):
    # A HiGHS run past its deadline is a non-daemon thread the interpreter would wait for.
    child = f"""
import threading, time
from matching.engine.cli import exit_now_if_highs_runs_on
if {lingering}:
    threading.Thread(target=time.sleep, args=(60,), name="highs-run").start()
print("result written", flush=False)
exit_now_if_highs_runs_on(3)
print("returned")
"""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", child], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert time.perf_counter() - started < 30
    if lingering:  # ended at once, its output flushed, with the code given
        assert done.returncode == 3 and done.stdout.splitlines() == ["result written"]
    else:
        assert done.returncode == 0 and done.stdout.splitlines() == ["result written", "returned"]
