"""Object permissions (django-rules). A user never sees or changes another unit's data
outside their role:

- 填报人 (preparer): their own unit's evaluations; edits only drafts and returned ones.
- 审核人 (reviewer): the sub-tree of their unit; returns or approves submitted evaluations of
  units below their own.
- 财政复核 (finance): the sub-tree their bureau oversees; publishes approved evaluations or
  returns them.
- 管理员 (admin): everything to read, and the framework library.
"""

import rules

from .models import Account, Evaluation


def _account(user):
    if not user.is_authenticated:
        return None
    try:
        return user.account
    except Account.DoesNotExist:
        return None


def _role(user, role):
    account = _account(user)
    return account is not None and account.role == role


@rules.predicate
def is_admin(user):
    return user.is_authenticated and (user.is_superuser or _role(user, Account.ADMIN))


@rules.predicate
def is_preparer_of(user, evaluation):
    account = _account(user)
    return account is not None and account.role == Account.PREPARER and evaluation.unit_id == account.unit_id


@rules.predicate
def oversees(user, evaluation):
    account = _account(user)
    return (account is not None and account.role in (Account.REVIEWER, Account.FINANCE)
            and account.unit.contains(evaluation.unit))


@rules.predicate
def supervises(user, evaluation):
    """A reviewer of a unit strictly above the evaluated unit (or the bureau itself for a
    top-level unit with no parent agency in the system)."""
    account = _account(user)
    if account is None or account.role != Account.REVIEWER:
        return False
    unit = evaluation.unit
    return account.unit.contains(unit) and (unit.pk != account.unit.pk or unit.parent_id is None)


@rules.predicate
def is_finance_over(user, evaluation):
    account = _account(user)
    return account is not None and account.role == Account.FINANCE and account.unit.contains(evaluation.unit)


@rules.predicate
def is_published(user, evaluation):
    return evaluation.state == Evaluation.PUBLISHED


@rules.predicate
def is_editable(user, evaluation):
    return evaluation.state in Evaluation.EDITABLE


@rules.predicate
def is_submitted(user, evaluation):
    return evaluation.state == Evaluation.SUBMITTED


@rules.predicate
def is_approved(user, evaluation):
    return evaluation.state == Evaluation.APPROVED


rules.add_perm("jixiao.view_evaluation", is_admin | is_preparer_of | oversees | is_published)
rules.add_perm("jixiao.change_evaluation", is_preparer_of & is_editable)
rules.add_perm("jixiao.submit_evaluation", is_preparer_of & is_editable)
rules.add_perm("jixiao.review_evaluation", supervises & is_submitted)
rules.add_perm("jixiao.publish_evaluation", is_finance_over & is_approved)
rules.add_perm("jixiao.return_approved_evaluation", is_finance_over & is_approved)
rules.add_perm("jixiao.manage_frameworks", is_admin)
@rules.predicate
def is_overseer(user):
    return _role(user, Account.REVIEWER) or _role(user, Account.FINANCE)


rules.add_perm("jixiao.view_dashboard", is_admin | is_overseer)
