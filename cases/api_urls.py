from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("households", api.HouseholdViewSet, basename="household")
router.register("applicants", api.ApplicantViewSet, basename="applicant")
router.register("documents", api.DocumentViewSet, basename="document")

urlpatterns = router.urls
