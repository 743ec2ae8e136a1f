"""The Celery application: the worker that runs matching and scheduled jobs."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relocation.settings.base")

app = Celery("relocation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
