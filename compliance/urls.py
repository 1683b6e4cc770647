from django.urls import re_path

from compliance import api
from core.routers import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("compliance/policies", api.WorkingTimePolicyViewSet, basename="compliance-policy")
router.register("compliance/violations", api.ViolationViewSet, basename="compliance-violation")

# The custom path comes first so that no router pattern can shadow it.
urlpatterns = [
    re_path(r"^compliance/summary/?$", api.ComplianceSummaryView.as_view(), name="compliance-summary"),
    *router.urls,
]
