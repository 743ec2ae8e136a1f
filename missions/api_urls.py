from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("mission-candidates", api.CandidateViewSet, basename="mission-candidate")
router.register("missions", api.MissionViewSet, basename="mission")
router.register("mission-slots", api.SlotViewSet, basename="mission-slot")
router.register("mission-interviews", api.InterviewViewSet, basename="mission-interview")
router.register("mission-decisions", api.DecisionViewSet, basename="mission-decision")

urlpatterns = router.urls
