from django.urls import path

from . import transfer_views as tv
from . import views

app_name = "missions"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("households/<int:pk>/", views.household_file, name="household_file"),
    path("households/<int:pk>/decide/", views.household_decide, name="household_decide"),
    path("households/<int:pk>/split/", views.split_for_decision, name="split_for_decision"),
    path("selection/", views.mission_list, name="mission_list"),
    path("selection/new/", views.mission_create, name="mission_create"),
    path("selection/<int:pk>/", views.mission_detail, name="mission_detail"),
    path("selection/<int:pk>/status/", views.mission_status, name="mission_status"),
    path("selection/<int:pk>/team/", views.mission_team, name="mission_team"),
    path("selection/<int:pk>/interpreters/", views.interpreter_add, name="interpreter_add"),
    path("selection/<int:pk>/slots/", views.slot_add, name="slot_add"),
    path("selection/<int:pk>/slots/<int:slot_pk>/cancel/", views.slot_cancel, name="slot_cancel"),
    path("selection/<int:pk>/slots/<int:slot_pk>/interview/", views.interview_record, name="interview_record"),
    path("selection/<int:pk>/slots/<int:slot_pk>/interview/view/", views.interview_detail, name="interview_detail"),
    path("selection/<int:pk>/decisions/", views.mission_decisions, name="mission_decisions"),
    path("selection/<int:pk>/schedule.csv", views.schedule_csv, name="schedule_csv"),
    path("selection/<int:pk>/schedule.ics", views.schedule_ics, name="schedule_ics"),
    path("overview/", views.overview, name="overview"),
    # transfers of responsibility (Dublin Units)
    path("transfers/", tv.transfer_list, name="transfer_list"),
    path("transfers/new/", tv.transfer_create, name="transfer_create"),
    path("transfers/deadlines/", tv.deadlines_page, name="deadlines"),
    path("transfers/<int:pk>/", tv.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/<slug:action>/", tv.transfer_action, name="transfer_action"),
    # IOM
    path("departures/", tv.iom_queue, name="iom_queue"),
    path("departures/<int:pk>/", tv.iom_household, name="iom_household"),
    path("departures/<int:pk>/<slug:kind>/", tv.iom_record, name="iom_record"),
    path("movements/", tv.movement_list, name="movement_list"),
    path("movements/new/", tv.movement_create, name="movement_create"),
    path("movements/<int:pk>/", tv.movement_detail, name="movement_detail"),
    path("movements/<int:pk>/add/", tv.movement_add, name="movement_add"),
    path("movements/<int:pk>/rows/<int:row_pk>/departure/", tv.movement_departure, name="movement_departure"),
    path("movements/<int:pk>/rows/<int:row_pk>/arrival/", tv.movement_arrival, name="movement_arrival"),
    path("movements/<int:pk>/manifest.csv", tv.manifest_csv, name="manifest_csv"),
    path("movements/<int:pk>/manifest.pdf", tv.manifest_pdf, name="manifest_pdf"),
]
