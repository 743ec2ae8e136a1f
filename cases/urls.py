from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("export/", views.export, name="export"),
    path("new/", views.household_new, name="household_new"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("import/<str:token>/columns/", views.import_mapping, name="import_mapping"),
    path("import/<str:token>/check/", views.import_preview, name="import_preview"),
    path("import/report/<int:pk>/", views.import_report, name="import_report"),
    path("<int:pk>/", views.household_detail, name="household"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/record/<slug:kind>/", views.record, name="record"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document_download"),
    path("<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("<int:pk>/members/add/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:applicant_pk>/edit/", views.member_edit, name="member_edit"),
    path("<int:pk>/members/<int:applicant_pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/remove/<slug:kind>/<int:obj_pk>/", views.remove, name="remove"),
    path("<int:pk>/split/", views.split, name="split"),
    path("<int:pk>/merge/", views.merge, name="merge"),
]
