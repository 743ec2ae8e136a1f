from django.urls import path

from . import views

app_name = "missions"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("households/<int:pk>/", views.household_file, name="household_file"),
    path("households/<int:pk>/decide/", views.household_decide, name="household_decide"),
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
]
