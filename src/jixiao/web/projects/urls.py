"""URLs of the 项目支出绩效自评表 pages; the site includes them under ``projects/`` with the
namespace ``projects``."""

from django.urls import path

from jixiao.web.projects import views as v

app_name = "projects"

urlpatterns = [
    path("", v.project_list, name="list"),
    path("<int:pk>/", v.project_detail, name="detail"),
    path("<int:pk>/upload/", v.project_upload, name="upload"),
    path("<int:pk>/export.<str:fmt_>", v.project_export, name="export"),
    path("<int:pk>/<str:action>/", v.project_transition, name="transition"),
]
