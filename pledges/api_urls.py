from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("pledges", api.PledgeViewSet, basename="pledge")
router.register("capacity", api.CapacityViewSet, basename="capacity")
router.register("cycles", api.CycleViewSet, basename="cycle")

urlpatterns = [
    path("fair-shares/", api.FairShareView.as_view(), name="fair-shares"),
    path("dashboard/", api.DashboardView.as_view(), name="dashboard"),
    *router.urls,
]
