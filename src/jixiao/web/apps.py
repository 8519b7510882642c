from django.apps import AppConfig


class JixiaoConfig(AppConfig):
    name = "jixiao.web"
    label = "jixiao"
    verbose_name = "绩效自评"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # every concern's object permissions exist once the site is loaded, whether or not a
        # page of that concern has been imported yet
        from jixiao.web import rules  # noqa: F401
        from jixiao.web.cycle import rules as cycle_rules  # noqa: F401
        from jixiao.web.projects import rules as project_rules  # noqa: F401
