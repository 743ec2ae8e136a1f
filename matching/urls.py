from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("compare/", views.run_compare, name="run_compare"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("runs/<int:pk>/proposals/", views.run_review, name="run_review"),
    path("runs/<int:pk>/unplaced/", views.run_unplaced, name="run_unplaced"),
    path("runs/<int:pk>/instance.json", views.run_input, name="run_input"),
]
