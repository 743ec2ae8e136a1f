"""Settings for the test suite: PostgreSQL when reachable, SQLite (with a warning) otherwise."""

import os
import socket
import sys

from .base import *  # noqa: F403
from .base import BASE_DIR

import dj_database_url


def _postgres_reachable(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


if "DATABASE_URL" not in os.environ:
    if _postgres_reachable():
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/relocation"
    else:
        print(
            "WARNING: PostgreSQL is not reachable at 127.0.0.1:5432 and DATABASE_URL is not set; "
            "running the tests on SQLite. Tests marked 'postgres' will skip "
            "(or fail with REQUIRE_SERVICES=1).",
            file=sys.stderr,
        )
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'test.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-documents"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests call tasks directly unless they run a real worker (marked 'worker').
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = False
