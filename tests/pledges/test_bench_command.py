import io

import pytest
from django.core.management import call_command

from cases.models import Household, StatusChange
from pledges.models import Placement, Pledge, SolidarityCycle, StageStay, StageStayMonth


@pytest.mark.postgres
def test_the_benchmark_command_times_every_variant_and_removes_its_data(transactional_db):
    out = io.StringIO()
    call_command("bench_dashboard", applicants=300, pledges=10, repeat=1, stdout=out)
    report = out.getvalue()
    assert "300 applicants" in report
    for variant in ("dashboard page, today", "dashboard page, as of 2023-06-30", "API /api/dashboard/, today",
                    "registry page", "CSV export"):
        assert variant in report
    assert "Removed the benchmark's data again." in report
    assert not Household.objects.exists() and not StatusChange.objects.exists() and not StageStay.objects.exists()
    assert not StageStayMonth.objects.exists()  # the monthly histograms lost the benchmark's stays too
    assert not Placement.objects.exists() and not Pledge.objects.exists() and not SolidarityCycle.objects.exists()
