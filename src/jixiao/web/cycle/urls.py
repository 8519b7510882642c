"""URLs of the performance cycle; the site includes them under ``cycle/`` with the namespace
``cycle``: ``path("cycle/", include("jixiao.web.cycle.urls"))``."""

from django.urls import path

from jixiao.web.cycle import views as v

app_name = "cycle"

urlpatterns = [
    path("targets/", v.targets, name="targets"),
    path("targets/<int:pk>/", v.target_detail, name="target"),
    path("targets/<int:pk>/start/", v.start_evaluation, name="start_evaluation"),
    path("targets/<int:pk>/monitoring/<str:period>/", v.monitoring, name="monitoring"),
    path("targets/<int:pk>/<str:action>/", v.target_transition, name="target_transition"),
    path("monitoring/<int:pk>/export.<str:fmt_>", v.monitoring_export, name="monitoring_export"),
    path("monitoring/<int:pk>/<str:action>/", v.monitoring_transition, name="monitoring_transition"),
    path("evaluations/<int:pk>/findings-to-problems/", v.findings_to_problems, name="findings_to_problems"),
    path("thresholds/", v.thresholds, name="thresholds"),
    path("thresholds/<int:pk>/delete/", v.threshold_delete, name="threshold_delete"),
    path("warnings/", v.warnings, name="warnings"),
    path("problems/", v.problems, name="problems"),
    path("problems/<int:pk>/", v.problem_update, name="problem"),
    path("allocations/", v.allocations, name="allocations"),
    path("allocations/<int:pk>/", v.allocation_detail, name="allocation"),
    path("allocations/<int:pk>/export.xlsx", v.allocation_export, name="allocation_export"),
]
