"""Production settings: the defaults plus HTTPS-only cookies, HSTS and a required secret key.
Use with ``DJANGO_SETTINGS_MODULE=jixiao.web.settings_production`` behind a TLS proxy."""

import os

from .settings import *  # noqa: F401,F403

if not os.environ.get("JIXIAO_SECRET_KEY"):
    raise RuntimeError("生产环境须设置 JIXIAO_SECRET_KEY（至少50个随机字符）")
SECRET_KEY = os.environ["JIXIAO_SECRET_KEY"]
DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
