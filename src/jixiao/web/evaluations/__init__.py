"""Evaluations: the entry grid, extra forms (questionnaires, finance, narrative), assignments and
setup, attachments and the change trail, workflow pages, report jobs, public pages, the audit
upload, the dashboard and bulk save."""
