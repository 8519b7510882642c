"""Object permissions of the performance cycle (django-rules), registered when imported
(``cycle.urls`` imports it). The shared predicates are in ``jixiao.web.rules``."""

import rules

from jixiao.web.models import Account
from jixiao.web.rules import (_account, is_admin, is_overseer, oversees_unit_of, prepares_unit_of, state_in,
                              supervises_unit_of)

# --- the performance cycle (issue 9) ----------------------------------------------------
# Target tables, monitoring reports, problems and allocations follow the evaluation rules:
# the preparer works on their own unit, reviewers and finance see their sub-tree, reviewers
# of a unit above approve target tables. Each predicate takes the record's unit.

from jixiao.web.models import MonitoringReport, TargetTable  # noqa: E402


table_editable = state_in(*TargetTable.EDITABLE)
table_submitted = state_in(TargetTable.SUBMITTED)
table_approved = state_in(TargetTable.APPROVED)
report_editable = state_in(*MonitoringReport.EDITABLE)
report_submitted = state_in(MonitoringReport.SUBMITTED)


@rules.predicate
def report_table_approved(user, report):
    return report.table.state == TargetTable.APPROVED


@rules.predicate
def allocates_for(user, allocation):
    """Reviewers and finance of the allocating unit's sub-tree prepare its allocations."""
    account = _account(user)
    return (account is not None and account.role in (Account.REVIEWER, Account.FINANCE)
            and account.unit.contains(allocation.unit))


_sees_unit = is_admin | prepares_unit_of | oversees_unit_of
rules.add_perm("jixiao.view_targettable", _sees_unit)
rules.add_perm("jixiao.change_targettable", prepares_unit_of & table_editable)
rules.add_perm("jixiao.submit_targettable", prepares_unit_of & table_editable)
rules.add_perm("jixiao.review_targettable", supervises_unit_of & table_submitted)
rules.add_perm("jixiao.start_evaluation", prepares_unit_of & table_approved)
rules.add_perm("jixiao.view_monitoringreport", _sees_unit)
rules.add_perm("jixiao.change_monitoringreport", prepares_unit_of & report_table_approved & report_editable)
rules.add_perm("jixiao.submit_monitoringreport", prepares_unit_of & report_table_approved & report_editable)
rules.add_perm("jixiao.review_monitoringreport", supervises_unit_of & report_submitted)
rules.add_perm("jixiao.view_problem", _sees_unit)
rules.add_perm("jixiao.change_problem", prepares_unit_of | supervises_unit_of)
rules.add_perm("jixiao.view_allocation", is_admin | oversees_unit_of)
rules.add_perm("jixiao.change_allocation", allocates_for)
rules.add_perm("jixiao.view_warnings", is_admin | is_overseer)
# a reviewer of a unit above turns the audit findings of its evaluation into tracked problems
rules.add_perm("jixiao.track_findings", supervises_unit_of)


@rules.predicate
def sets_thresholds_for(user, setting):
    """Admins set any thresholds; reviewers and finance those of units in their sub-tree
    (a setting without a unit is a framework's, for admins only)."""
    if is_admin(user):
        return True
    account = _account(user)
    return (setting.unit_id is not None and account is not None
            and account.role in (Account.REVIEWER, Account.FINANCE) and account.unit.contains(setting.unit))


rules.add_perm("jixiao.change_thresholdsetting", sets_thresholds_for)
rules.add_perm("jixiao.view_thresholds", is_admin | is_overseer)
