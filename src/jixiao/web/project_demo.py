"""Project forms of the demo province (called by ``jixiao.web.demo.setup_demo``)."""


def setup_demo_projects(units: dict) -> None:
    """Load demo project forms for the demo units (keys as in ``demo._units``)."""
