"""Object permissions (django-rules). A user never sees or changes another unit's data
outside their role:

- 填报人 (preparer): their own unit's evaluations; edits only drafts and returned ones.
- 审核人 (reviewer): the sub-tree of their unit; returns or approves submitted evaluations of
  units below their own.
- 财政复核 (finance): the sub-tree their bureau oversees; publishes approved evaluations or
  returns them.
- 管理员 (admin): everything to read, the framework library, accounts and units.
- everyone, anonymous included: the score table and report of a published evaluation
  (``evaluations.public_views``), nothing else of it.
"""

import rules

from jixiao.web.models import Account, Evaluation


def account_of(user):
    """The user's Account, or None (anonymous, or a user without one)."""
    if not user.is_authenticated:
        return None
    try:
        return user.account
    except Account.DoesNotExist:
        return None


_account = account_of


def visible_to(user, qs, unit_field: str = "unit"):
    """The records of ``qs`` a user may see, as one query: all for superusers and admins, the
    review sub-tree for reviewers and finance, the own unit for preparers, none otherwise.
    ``unit_field`` names the records' unit."""
    if user.is_superuser:
        return qs
    account = account_of(user)
    if account is None:
        return qs.none()
    if account.role == Account.ADMIN:
        return qs
    if account.role == Account.PREPARER:
        return qs.filter(**{unit_field: account.unit})
    return qs.filter(**{f"{unit_field}__path__startswith": account.unit.review_root.path})


def _role(user, role):
    account = _account(user)
    return account is not None and account.role == role


@rules.predicate
def is_admin(user):
    return user.is_authenticated and (user.is_superuser or _role(user, Account.ADMIN))


def _unit_of(obj):
    """The unit a record belongs to (an evaluation, target table, problem…; a monitoring
    report through its target table)."""
    if hasattr(obj, "table_id") and hasattr(obj, "period"):  # a monitoring report
        return obj.table.unit
    return obj.unit


@rules.predicate
def prepares_unit_of(user, obj):
    account = _account(user)
    return account is not None and account.role == Account.PREPARER and _unit_of(obj).pk == account.unit_id


@rules.predicate
def oversees_unit_of(user, obj):
    account = _account(user)
    return (account is not None and account.role in (Account.REVIEWER, Account.FINANCE)
            and account.unit.contains(_unit_of(obj)))


@rules.predicate
def supervises_unit_of(user, obj):
    account = _account(user)
    if account is None or account.role != Account.REVIEWER:
        return False
    unit = _unit_of(obj)
    return account.unit.contains(unit) and (unit.pk != account.unit.pk or unit.parent_id is None)


@rules.predicate
def is_finance_over(user, evaluation):
    account = _account(user)
    return account is not None and account.role == Account.FINANCE and account.unit.contains(evaluation.unit)


def state_in(*states: str) -> rules.Predicate:
    """A predicate true when a record (evaluation, target table…) is in one of ``states``."""

    def check(user, record) -> bool:
        return record.state in states

    return rules.Predicate(check, name=f"state_in{states}")


is_editable = state_in(*Evaluation.EDITABLE)
is_submitted = state_in(Evaluation.SUBMITTED)
is_approved = state_in(Evaluation.APPROVED)


# An evaluation (its entry page, financial data and questionnaire pages, working papers and
# change trail) is the unit's and its overseers' only, published or not. What the public sees
# of a published one — its score table and report — is served by ``evaluations.public_views`` to everyone.
rules.add_perm("jixiao.view_evaluation", is_admin | prepares_unit_of | oversees_unit_of)
rules.add_perm("jixiao.change_evaluation", prepares_unit_of & is_editable)
rules.add_perm("jixiao.submit_evaluation", prepares_unit_of & is_editable)
rules.add_perm("jixiao.review_evaluation", supervises_unit_of & is_submitted)
rules.add_perm("jixiao.publish_evaluation", is_finance_over & is_approved)
rules.add_perm("jixiao.return_approved_evaluation", is_finance_over & is_approved)
rules.add_perm("jixiao.manage_frameworks", is_admin)
rules.add_perm("jixiao.manage_accounts", is_admin)


@rules.predicate
def is_overseer(user):
    return _role(user, Account.REVIEWER) or _role(user, Account.FINANCE)


rules.add_perm("jixiao.view_dashboard", is_admin | is_overseer)
