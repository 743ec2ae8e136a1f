"""Shared fixtures: the service gate, the permission matrix, real workers and the browser.

Tests marked ``postgres``, ``redis``, ``worker`` or ``browser`` need a real service. When
it is missing they skip, or fail when REQUIRE_SERVICES=1 (as in CI), so a green CI run
means every service was really exercised.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
from django.db import connection

from relocation.models import Organisation, Role, RoleAssignment, User

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _redis_url() -> str:
    """Each pytest-xdist worker gets its own Redis database, as it gets its own test database:
    a real Celery worker started by one must never take another's tasks."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if xdist_worker.startswith("gw"):
        base, _, db = url.rpartition("/")
        url = f"{base}/{(int(db or 0) - int(xdist_worker[2:])) % 16}"
    return url


REDIS_URL = _redis_url()


def _service_missing(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(autouse=True)
def _service_gate(request):
    marks = {m.name for m in request.node.iter_markers()}
    if marks & {"postgres", "worker"} and connection.vendor != "postgresql":
        _service_missing("PostgreSQL is not reachable (tests run on SQLite)")
    if marks & {"redis", "worker"} and not _redis_reachable():
        _service_missing(f"Redis is not reachable at {REDIS_URL}")
    if "browser" in marks and not shutil.which("chromium"):
        _service_missing("Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests flush the tables, reference rows included: put them back."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        from relocation import reference
        from relocation.models import Country, Language, VulnerabilityCategory

        reference.load(Country, Language, VulnerabilityCategory)


# -- people -------------------------------------------------------------------------------


@pytest.fixture
def make_user(db):
    """Build a user of an organisation holding roles: make_user("officer", "DE")."""
    counter = {"n": 0}

    def make(role: str | None = None, state: str | None = None, username: str | None = None, **extra):
        counter["n"] += 1
        org = _organisation_for(role, state)
        user = User.objects.create_user(
            username=username or f"{role or 'user'}-{state or 'eu'}-{counter['n']}",
            password="pw-for-tests-only",
            organisation=org,
            email=f"{role}-{counter['n']}@test.invalid",
            **extra,
        )
        if role:
            RoleAssignment.objects.create(user=user, role=role, country_id=state)
        return user

    return make


def _organisation_for(role: str | None, state: str | None) -> Organisation:
    if role in (Role.OFFICER, Role.DUBLIN_OFFICER):
        authority = (
            Organisation.AuthorityType.ASYLUM_SERVICE
            if role == Role.OFFICER
            else Organisation.AuthorityType.DUBLIN_UNIT
        )
        org, _ = Organisation.objects.get_or_create(
            name=f"{authority} {state}",
            defaults={"kind": Organisation.Kind.NATIONAL_AUTHORITY, "authority_type": authority, "country_id": state},
        )
        return org
    kind = {
        Role.IOM_OFFICER: Organisation.Kind.IOM,
        Role.COMMISSION: Organisation.Kind.COMMISSION,
    }.get(role, Organisation.Kind.EUAA)
    org, _ = Organisation.objects.get_or_create(name=f"Test {kind}", defaults={"kind": kind})
    return org


@pytest.fixture
def people(make_user):
    """The permission matrix: one user per role and scope, plus colleagues elsewhere.

    Every endpoint test tries at least the outsiders here, who must get 404.
    """
    return {
        "caseworker_gr": make_user(Role.CASEWORKER, "GR"),
        "caseworker_it": make_user(Role.CASEWORKER, "IT"),
        "coordinator": make_user(Role.COORDINATOR),
        "officer_de": make_user(Role.OFFICER, "DE"),
        "officer_fr": make_user(Role.OFFICER, "FR"),
        "dublin_gr": make_user(Role.DUBLIN_OFFICER, "GR"),
        "dublin_de": make_user(Role.DUBLIN_OFFICER, "DE"),
        "iom_gr": make_user(Role.IOM_OFFICER, "GR"),
        "commission": make_user(Role.COMMISSION),
        "administrator": make_user(Role.ADMINISTRATOR, is_staff=True),
        "nobody": make_user(None),
    }


@pytest.fixture
def client_for(client):
    """A test client logged in as the given user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_for():
    from rest_framework.test import APIClient

    def login(user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    return login


# -- a real Celery worker ------------------------------------------------------------------


@pytest.fixture
def celery_worker_process(transactional_db):
    """Start a real Celery worker process on Redis against the test database; stop it after."""
    from relocation.celery import app

    db = connection.settings_dict
    database_url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "relocation.settings.base",
        "DATABASE_CONN_MAX_AGE": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    previous_broker = app.conf.broker_url
    _use_broker(app, REDIS_URL)
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    hostname = f"test-{os.getpid()}-{time.monotonic_ns()}@localhost"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "relocation", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", hostname],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("the Celery worker exited at start:\n" + proc.stdout.read(), pytrace=False)
            if app.control.ping(destination=[hostname], timeout=0.5):
                break
        else:
            pytest.fail("the Celery worker did not answer within 60 s", pytrace=False)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        _use_broker(app, previous_broker)
        connection.close()


def _use_broker(app, url: str) -> None:
    # The app caches its connection pools; earlier tests may have opened them on the
    # in-memory broker, so drop them (as Celery itself does after a fork).
    app.conf.broker_url = url
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Poll until ``predicate()`` is truthy; return its value or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s", pytrace=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
