"""Performance-cycle data of the demo province (called by ``jixiao.web.demo.setup_demo``)."""


def setup_demo_cycle(units: dict) -> None:
    """Load demo targets, monitoring, problems and an allocation for the demo units."""
