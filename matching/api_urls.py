from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("matching-runs", api.MatchingRunViewSet, basename="matching-run")

urlpatterns = router.urls
