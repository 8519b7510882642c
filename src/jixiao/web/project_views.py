"""Pages for the 项目支出绩效自评表 (project-expenditure self-evaluation form)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def project_list(request):
    return render(request, "jixiao/project/list.html", {"forms": []})
