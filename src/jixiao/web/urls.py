from django.contrib.auth import views as auth_views
from django.urls import include, path

from jixiao.web.accounts.views import ThrottledLoginView
from jixiao.web.api import api
from jixiao.web.evaluations import file_views, public_views, setup_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("evaluations/<int:pk>/rows/<str:code>/", views.save_row, name="save_row"),
    path("evaluations/<int:pk>/extra/", setup_views.edit_extra, name="evaluation_extra"),
    path("assignments/", setup_views.assignments, name="assignments"),
    path("assignments/<int:pk>/start/", setup_views.start_evaluation, name="start_evaluation"),
    path("evaluations/<int:pk>/radar.json", views.unit_radar, name="radar"),
    path("evaluations/<int:pk>/report/", views.request_report, name="request_report"),
    path("evaluations/<int:pk>/attachments/", file_views.upload_attachment, name="upload_attachment"),
    path("evaluations/<int:pk>/attachments/<int:attachment_id>/", file_views.download_attachment, name="attachment"),
    path("evaluations/<int:pk>/trail/", file_views.history, name="evaluation_history"),
    path("evaluations/<int:pk>/<str:action>/", views.transition, name="transition"),
    path("reports/batch/", file_views.batch_reports, name="batch_reports"),
    path("jobs/<int:pk>/", views.job_status, name="job"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/ranking.xlsx", views.dashboard_export, name="dashboard_export"),
    path("frameworks/", views.frameworks, name="frameworks"),
    path("public/", views.published, name="published"),
    path("public/<int:pk>/", public_views.published_detail, name="published_detail"),
    path("public/<int:pk>/download/<str:kind>/", public_views.published_download, name="published_download"),
    path("audit/", views.audit_upload, name="audit"),
    path("cycle/", include("jixiao.web.cycle.urls")),
    path("projects/", include("jixiao.web.projects.urls")),
    path("manage/", include(("jixiao.web.accounts.admin_views", "manage"))),
    path("api/", api.urls),
]
