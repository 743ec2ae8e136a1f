import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from relocation.access import access_of, get_or_404, require_role
from relocation.models import Organisation, Role, RoleAssignment, User
from relocation.services import role_assign


def test_roles_carry_the_states_they_act_in(people):
    access = access_of(people["caseworker_gr"])
    assert access.has(Role.CASEWORKER)
    assert access.states(Role.CASEWORKER) == {"GR"}
    assert not access.has(Role.OFFICER)


def test_roles_are_read_once_per_user_object(people, django_assert_num_queries):
    user = User.objects.get(pk=people["officer_de"].pk)
    with django_assert_num_queries(1):
        access_of(user)
        access_of(user)


def test_a_user_without_the_role_gets_404(people):
    with pytest.raises(Http404):
        require_role(people["commission"], Role.CASEWORKER)
    assert require_role(people["coordinator"], Role.COORDINATOR, Role.CASEWORKER)


def test_inactive_users_hold_nothing(people):
    user = people["coordinator"]
    user.is_active = False
    assert not access_of(user).has(Role.COORDINATOR)


def test_get_or_404_hides_missing_and_forbidden_alike(people):
    visible = User.objects.filter(pk=people["coordinator"].pk)
    assert get_or_404(visible, pk=people["coordinator"].pk)
    with pytest.raises(Http404):
        get_or_404(visible, pk=people["officer_de"].pk)
    with pytest.raises(Http404):
        get_or_404(visible, pk="not-a-number")


def test_a_scoped_role_needs_a_state(people):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=people["nobody"], role=Role.CASEWORKER, country=None)


def test_an_unscoped_role_takes_no_state(people):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=people["nobody"], role=Role.COMMISSION, country_id="DE")


def test_a_caseworker_is_deployed_in_a_frontline_operation_only(people):
    with pytest.raises(ValidationError):
        role_assign(user=people["caseworker_gr"], role=Role.CASEWORKER, country_code="DE")


def test_a_national_authority_acts_for_its_own_state_only(people):
    with pytest.raises(ValidationError):
        role_assign(user=people["officer_de"], role=Role.OFFICER, country_code="FR")


def test_an_organisation_cannot_hold_a_role_meant_for_another(people):
    with pytest.raises(ValidationError):
        role_assign(user=people["iom_gr"], role=Role.OFFICER, country_code="GR")


def test_national_authorities_belong_to_a_state(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Nowhere", kind=Organisation.Kind.NATIONAL_AUTHORITY, authority_type="asylum_service")


def test_users_belong_to_an_organisation(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="floating", password="x")


def test_role_assignment_is_audited(people):
    from relocation.models import AuditEvent

    role_assign(user=people["caseworker_gr"], role=Role.CASEWORKER, country_code="IT", by=people["administrator"])
    event = AuditEvent.objects.get(action="role.assign")
    assert event.actor == people["administrator"]
    assert event.details == {"role": "caseworker", "state": "IT"}
    assert access_of(User.objects.get(pk=people["caseworker_gr"].pk)).states(Role.CASEWORKER) == {"GR", "IT"}
