"""Login with throttling: after too many failures for a username or from one address within
the window, further attempts are refused (even with the right password) until it passes."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import views as auth_views
from django.utils import timezone

from jixiao.web.models import LoginFailure

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def _address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")[:64]


def locked(username: str, address: str) -> bool:
    since = timezone.now() - WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    return (recent.filter(username=username).count() >= MAX_FAILURES
            or recent.filter(address=address).count() >= MAX_FAILURES * 4)


class ThrottledLoginView(auth_views.LoginView):
    template_name = "jixiao/login.html"

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")[:150]
        if locked(username, _address(request)):
            form = self.get_form()
            form.errors.clear()
            return self.render_to_response(self.get_context_data(form=form, locked=True,
                                                                 minutes=int(WINDOW.total_seconds() // 60)))
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        LoginFailure.objects.create(username=self.request.POST.get("username", "")[:150],
                                    address=_address(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        LoginFailure.objects.filter(username=form.get_user().get_username()).delete()
        return super().form_valid(form)
