"""The site's URLs plus the cycle pages, for tests run before ``jixiao.web.urls`` includes
``cycle_urls`` itself (``@pytest.mark.urls("jixiao.web.test_cycle_urls")``)."""

from django.urls import include, path

from .urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns]
if not any(getattr(p, "namespace", None) == "cycle" for p in site_urlpatterns):
    urlpatterns.append(path("cycle/", include("jixiao.web.cycle_urls")))
