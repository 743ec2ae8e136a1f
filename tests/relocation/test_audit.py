import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from relocation import audit
from relocation.models import AuditEvent


def test_record_keeps_who_what_and_from_where(people, rf):
    token = audit.current_ip.set("203.0.113.7")
    try:
        event = audit.record(actor=people["coordinator"], action="test.write", obj=people["officer_de"])
    finally:
        audit.current_ip.reset(token)
    assert event.actor_username == people["coordinator"].username
    assert event.actor_organisation_id == people["coordinator"].organisation_id
    assert event.object_type == "relocation.user"
    assert event.object_id == str(people["officer_de"].pk)
    assert event.ip_address == "203.0.113.7"


def test_a_read_by_the_owning_organisation_is_not_logged(people):
    owner = people["caseworker_gr"].organisation_id
    audit.record_read(actor=people["caseworker_it"], obj=people["officer_de"], owner_organisation_id=owner)
    assert not AuditEvent.objects.exists()


def test_a_read_by_another_organisation_is_logged(people):
    owner = people["caseworker_gr"].organisation_id
    audit.record_read(actor=people["officer_de"], obj=people["caseworker_gr"], owner_organisation_id=owner)
    assert AuditEvent.objects.get().action == "read.file"


def test_the_application_cannot_change_or_delete_an_event(people):
    event = audit.record(actor=people["coordinator"], action="test.write")
    event.action = "rewritten"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_an_event(people):
    audit.record(actor=people["coordinator"], action="test.write")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(action="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM relocation_auditevent")
    assert AuditEvent.objects.get().action == "test.write"


def test_the_admin_offers_no_way_to_add_change_or_delete(people, client):
    audit.record(actor=people["coordinator"], action="test.write")
    admin = people["administrator"]
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    listing = client.get("/admin/relocation/auditevent/?q=test.write")
    assert listing.status_code == 200
    assert b"test.write" in listing.content
    assert client.get("/admin/relocation/auditevent/add/").status_code == 403
    event = AuditEvent.objects.get()
    assert client.post(f"/admin/relocation/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.count() == 1
