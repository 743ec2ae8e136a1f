from django.urls import path

from . import views

app_name = "pledges"
urlpatterns = [
    path("", views.registry, name="registry"),
    path("new/", views.pledge_record, name="record"),
    path("<int:pk>/", views.pledge_detail, name="detail"),
    path("<int:pk>/amend/", views.pledge_amend, name="amend"),
    path("fair-shares/", views.fair_shares, name="fair_shares"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<slug:slug>.csv", views.dashboard_csv, name="dashboard_csv"),
]
