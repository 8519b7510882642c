"""URLs of the 项目支出绩效自评表 pages; the site includes them under ``projects/`` with the
namespace ``projects``."""

from django.urls import path

from . import project_views as v

app_name = "projects"

urlpatterns = [
    path("", v.project_list, name="list"),
]
