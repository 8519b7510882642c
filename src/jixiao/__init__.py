"""jixiao (绩效): budget performance self-evaluation for healthcare-security agencies."""

__version__ = "0.1.0"

# The core reads no files; the readers it is given (built-in project-form templates) are
# registered by the io package once jixiao is imported.
from jixiao.io import project_form_yaml as _project_form_templates  # noqa: E402,F401
