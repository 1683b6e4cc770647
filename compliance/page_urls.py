from django.urls import path

from compliance import pages

urlpatterns = [
    path("compliance/", pages.compliance_page, name="compliance"),
    path(
        "compliance/violations/<int:violation_id>/acknowledge/",
        pages.violation_acknowledge,
        name="compliance-acknowledge",
    ),
]
