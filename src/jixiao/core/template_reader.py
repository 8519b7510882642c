"""Where ``project_form.load_template`` reads the built-in project-form templates from.

The core reads no files: a reader (variant → (the template's ``form:`` data, its framework)) is
registered from outside. ``jixiao`` registers one that imports ``jixiao.io.project_form_yaml``
when a template is first read, so that importing jixiao (a bulk run scores thousands of
evaluations and never reads a form) does not import the project-form machinery; importing
``jixiao.io.project_form_yaml`` registers its reader itself (``project_form.register_template_reader``).
This module imports nothing, so that registering costs nothing.
"""

reader = None  # Callable[[str], tuple[dict, Framework]] | None
