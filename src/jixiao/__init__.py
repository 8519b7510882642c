"""jixiao (绩效): budget performance self-evaluation for healthcare-security agencies."""

__version__ = "0.1.0"

# The core reads no files; the reader of the built-in project-form templates it is given is
# registered here, and imports the io package's only when a template is first read (most uses
# of jixiao never read one).
from jixiao.core import template_reader as _template_reader  # noqa: E402


def _read_builtin_template(variant: str):
    from jixiao.io.project_form_yaml import read_builtin_template  # (registers itself on import)

    return read_builtin_template(variant)


if _template_reader.reader is None:
    _template_reader.reader = _read_builtin_template
