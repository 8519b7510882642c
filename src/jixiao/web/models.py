"""Database records of the site, one module per concern (accounts, evaluations, cycle, projects);
this module gathers them so Django finds every model of the app ``jixiao`` (tables, app label and
migrations unchanged). Scores are never computed here: ``bridge`` rebuilds the core objects from these
records and asks ``jixiao.core`` to score them; the cached totals exist only for listing and dashboards."""

from __future__ import annotations

from jixiao.web.accounts.models import *  # noqa: F401,F403
from jixiao.web.evaluations.models import *  # noqa: F401,F403
from jixiao.web.evaluations.models import attachment_path  # noqa: F401  (named by migration 0001)
from jixiao.web.cycle.models import *  # noqa: F401,F403
from jixiao.web.projects.models import *  # noqa: F401,F403

# Accounts are signed-in users: their activation and password changes made on the admin pages
# are in the change trail too (never the password hash itself).
from django.contrib.auth.models import User  # noqa: E402
from simple_history import register  # noqa: E402

register(User, app="jixiao.web", excluded_fields=["password", "last_login"])
