from rest_framework.routers import SimpleRouter

from . import api, transfer_api

router = SimpleRouter()
router.register("mission-candidates", api.CandidateViewSet, basename="mission-candidate")
router.register("missions", api.MissionViewSet, basename="mission")
router.register("mission-slots", api.SlotViewSet, basename="mission-slot")
router.register("mission-interviews", api.InterviewViewSet, basename="mission-interview")
router.register("mission-decisions", api.DecisionViewSet, basename="mission-decision")
router.register("mission-splits", api.DecisionSplitViewSet, basename="mission-split")
router.register("transfers", transfer_api.TransferViewSet, basename="transfer")
router.register("health-assessments", transfer_api.HealthAssessmentViewSet, basename="health-assessment")
router.register("movements", transfer_api.MovementViewSet, basename="movement")

urlpatterns = router.urls
