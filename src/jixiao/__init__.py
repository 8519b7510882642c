"""jixiao (绩效): budget performance self-evaluation for healthcare-security agencies."""

__version__ = "0.1.0"
