from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from . import api, views

router = DefaultRouter()
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = [
    path("", views.home, name="home"),
    path("welcome/", views.role_home, name="role_home"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Each domain floor mounts its pages and its API resources.
    path("cases/", include("cases.urls")),
    path("pledges/", include("pledges.urls")),
    path("matching/", include("matching.urls")),
    path("missions/", include("missions.urls")),
    path("api/me/", api.MeView.as_view(), name="api-me"),
    path("api/token/", obtain_auth_token, name="api-token"),
    path("api/", include(router.urls)),
    path("api/", include("cases.api_urls")),
    path("api/", include("pledges.api_urls")),
    path("api/", include("matching.api_urls")),
    path("api/", include("missions.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
