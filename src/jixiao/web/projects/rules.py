"""Object permissions of the 项目支出绩效自评表 pages (django-rules), with the predicates of
``jixiao.web.rules``:

- 填报人 (preparer): creates, edits (draft or returned) and submits their own unit's forms;
- 审核人 (reviewer) and 财政复核 (finance): read the forms of their sub-tree; a reviewer of a
  unit above returns or approves submitted ones;
- 管理员 (admin): reads everything;
- anyone else: nothing.

Registered by ``JixiaoConfig.ready`` (apps.py), so the rules exist once the site is loaded.
"""

import rules

from jixiao.web.projects.models import ProjectForm
from jixiao.web.rules import is_admin, oversees_unit_of, prepares_unit_of, state_in, supervises_unit_of

form_editable = state_in(*ProjectForm.EDITABLE)
form_submitted = state_in(ProjectForm.SUBMITTED)

rules.set_perm("jixiao.view_projectform", is_admin | prepares_unit_of | oversees_unit_of)
rules.set_perm("jixiao.change_projectform", prepares_unit_of & form_editable)
rules.set_perm("jixiao.submit_projectform", prepares_unit_of & form_editable)
rules.set_perm("jixiao.review_projectform", supervises_unit_of & form_submitted)
