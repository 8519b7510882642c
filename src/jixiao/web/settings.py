"""Django settings. SQLite by default; ``DATABASE_URL=postgres://…`` switches to PostgreSQL;
``REDIS_URL`` switches the background queue from SQLite to Redis."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("JIXIAO_DATA", Path.home() / ".local" / "share" / "jixiao"))
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("JIXIAO_SECRET_KEY", "jixiao-demo-insecure-key-change-me-in-production")
DEBUG = os.environ.get("JIXIAO_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("JIXIAO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # WhiteNoise serves /static/ the same way under runserver (DEBUG on or off) and gunicorn
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "django_htmx",
    "huey.contrib.djhuey",
    "jixiao.web.apps.JixiaoConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "jixiao.web.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    # each concern keeps its templates beside its views (accounts/, evaluations/, projects/,
    # cycle/); templates/ of the app holds the shared ones (base, pager, change trail, errors)
    "DIRS": [BASE_DIR / concern / "templates" for concern in ("accounts", "evaluations", "projects", "cycle")],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "jixiao.web.evaluations.views.nav_context",
    ]},
}]
WSGI_APPLICATION = "jixiao.web.wsgi.application"

DATABASES = {"default": dj_database_url.config(
    default=os.environ.get("JIXIAO_DATABASE_URL", f"sqlite:///{DATA_DIR / 'jixiao.sqlite3'}"),
    conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

# Caches. "template_fragments" holds the entry page's rendered grid and change trail
# (evaluations/templates/jixiao/evaluation.html) under keys that change with every save and are digests of
# what the fragment shows (evaluations.views.grid_key / history_key). It is a directory shared by
# all worker processes (a per-process cache would make each gunicorn worker render every page
# once); a grid is ~100-200 kB before compression, at most 2,000 of them are kept.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jixiao-default"},
    "template_fragments": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                           "LOCATION": str(DATA_DIR / "cache" / "fragments"), "TIMEOUT": 7 * 86400,
                           "OPTIONS": {"MAX_ENTRIES": 2000}},
}

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# One questionnaire form posts options × questions × 3 fields and a project form 8 fields per
# row: Django's default of 1,000 fields would refuse a 60-question survey. Still bounded.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise looks for it at start-up
# Without DEBUG, runserver serves no static files: the demo (`jixiao demo`) would be unstyled,
# with no htmx (so no autosave) and no charts. WhiteNoise serves them from the package's static
# folders directly (no collectstatic needed); `collectstatic` into STATIC_ROOT still works for
# production, where WhiteNoise then serves the collected, compressed copies.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("JIXIAO_MEDIA", DATA_DIR / "media"))
MEDIA_URL = "/media/"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

if os.environ.get("REDIS_URL"):
    HUEY = {"huey_class": "huey.RedisHuey", "name": "jixiao", "url": os.environ["REDIS_URL"],
            "immediate": False}
else:
    HUEY = {"huey_class": "huey.SqliteHuey", "name": "jixiao", "filename": str(DATA_DIR / "queue.sqlite3"),
            # Tests (pytest sets PYTEST_VERSION) run jobs in-process, immediately.
            "immediate": os.environ.get("JIXIAO_HUEY_IMMEDIATE", "0") == "1" or "PYTEST_VERSION" in os.environ}
