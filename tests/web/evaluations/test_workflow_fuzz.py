"""The workflow cannot be skipped or reversed by crafted requests, through the pages or the API.

The allowed graph (``EDGES``): 草稿/退回 →提交→ 已提交 (the unit's preparer);
已提交 →审核通过/退回 (a reviewer of a unit above); 审核通过 →公开/退回 (finance over the
unit). Nothing leaves 已公开. Every action — the four page transitions, invented ones,
the API's submit, invented API transitions, writes of values and a crafted 'state' in the
evaluation's YAML — is fired as every account (and anonymously) at evaluations of two units
at different depths. After each request the state must be what the graph says, a change
must add exactly one change-trail record, and a refused attempt must change nothing: not
the state, not the evaluation's history, not any row or row history.

Two tests: an exhaustive matrix (every state × account × action × unit) and a hypothesis
state machine firing random sequences, so that multi-step paths (submit → return → submit
→ approve → publish, and every detour) are walked through the real views."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from jixiao.web.models import Evaluation, IndicatorValue
from ..conftest import nanjing, xundian

pytestmark = pytest.mark.django_db

D, S, R, A, P = Evaluation.DRAFT, Evaluation.SUBMITTED, Evaluation.RETURNED, Evaluation.APPROVED, Evaluation.PUBLISHED
EDGES = {(D, S), (R, S), (S, R), (S, A), (A, P), (A, R)}

USERS = ["nanjing_tianbao", "xundian_tianbao", "suzhou_tianbao", "sheng_shenhe", "kunming_shenhe",
         "sheng_caizheng", "admin", None]
# who holds which role over each evaluation's unit (南京: a city under the province;
# 寻甸: a county under 昆明 under the province). Everyone else has no say.
ROLES = {
    "nanjing": {"nanjing_tianbao": "preparer", "sheng_shenhe": "reviewer", "sheng_caizheng": "finance"},
    "xundian": {"xundian_tianbao": "preparer", "sheng_shenhe": "reviewer", "kunming_shenhe": "reviewer",
                "sheng_caizheng": "finance"},
}
ALLOWED = {  # (role, action, state) → new state
    ("preparer", "submit", D): S, ("preparer", "submit", R): S,
    ("preparer", "api-submit", D): S, ("preparer", "api-submit", R): S,
    ("reviewer", "approve", S): A, ("reviewer", "return", S): R,
    ("finance", "publish", A): P, ("finance", "return", A): R,
}
PAGE_ACTIONS = ["submit", "return", "approve", "publish", "reopen", "draft", "withdraw"]
API_ACTIONS = ["api-submit", "api-approve", "api-publish", "api-return", "api-put-state", "api-put-value"]
OTHER_ACTIONS = ["extra-yaml-state", "return-no-comment"]
ACTIONS = PAGE_ACTIONS + API_ACTIONS + OTHER_ACTIONS


def leaf_code(evaluation: Evaluation) -> str:
    """The first indicator row that holds input (not a parent of sub-rows)."""
    from jixiao.web.bridge import core_framework

    return next(i.code for i in core_framework(evaluation.framework).indicators() if not i.subrows)


def fire(client: Client, evaluation: Evaluation, action: str, row_comment: bool = True):
    pk = evaluation.pk
    code = leaf_code(evaluation)
    if action in ("return", "return-no-comment"):
        data = {"comment": "请补充佐证", f"comment:{code}": "佐证不足"} if action == "return" else {"comment": " "}
        if action == "return" and not row_comment:
            data.pop(f"comment:{code}")
        return client.post(f"/evaluations/{pk}/return/", data)
    if action in PAGE_ACTIONS:
        return client.post(f"/evaluations/{pk}/{action}/")
    if action == "api-put-state":
        return client.put(f"/api/evaluations/{pk}", json.dumps({"state": "published"}), content_type="application/json")
    if action == "api-put-value":
        return client.put(f"/api/evaluations/{pk}/values/{code}", json.dumps({"data": {"actual": "1"}}),
                          content_type="application/json")
    if action.startswith("api-"):
        return client.post(f"/api/evaluations/{pk}/{action[4:]}", content_type="application/json")
    if action == "extra-yaml-state":
        return client.post(f"/evaluations/{pk}/extra/", {"data": "state: published\nyear: 1999\ntotal: 100\n"})
    raise AssertionError(action)


def trail(evaluation: Evaluation) -> tuple:
    """What a refused request must leave untouched."""
    # one query (a thousand requests each read it twice): state, year, the evaluation's and its
    # rows' change-trail records, and the rows' count, versions and reviewer comments
    tables = {"e": Evaluation._meta.db_table, "he": Evaluation.history.model._meta.db_table,
              "v": IndicatorValue._meta.db_table, "hv": IndicatorValue.history.model._meta.db_table}
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT e.state, e.year,
                   (SELECT COUNT(*) FROM {tables['he']} h WHERE h.id = e.id),
                   (SELECT COUNT(*) FROM {tables['hv']} h WHERE h.evaluation_id = e.id),
                   (SELECT COUNT(*) FROM {tables['v']} v WHERE v.evaluation_id = e.id),
                   (SELECT SUM(v.version) FROM {tables['v']} v WHERE v.evaluation_id = e.id),
                   (SELECT COUNT(*) FROM {tables['v']} v WHERE v.evaluation_id = e.id AND v.reviewer_comment <> '')
            FROM {tables['e']} e WHERE e.id = %s""", [evaluation.pk])
        state, year, history, row_history, *rows = cursor.fetchone()
    return (state, year, history, row_history, tuple(rows))


# Not transitions: the preparer may write a value while the evaluation is editable.
EDITS = {("preparer", "api-put-value", D), ("preparer", "api-put-value", R)}


def expected(unit: str, user: str | None, action: str, state: str) -> str | None:
    role = ROLES[unit].get(user or "")
    return ALLOWED.get((role, action, state))


def check(unit: str, evaluation: Evaluation, user, client, action: str, row_comment: bool = True) -> str:
    before = trail(evaluation)
    state = before[0]
    response = fire(client, evaluation, action, row_comment)
    after = trail(evaluation)
    target = expected(unit, user, action, state)
    where = f"{user} {action} on {unit} in {state}: HTTP {response.status_code}"
    if (ROLES[unit].get(user or ""), action, state) in EDITS:
        assert response.status_code == 200 and after[:3] == before[:3] and after[3] == before[3] + 1, where
    elif target is None:
        assert after == before, f"refused request changed something: {where}"
        if action.startswith("api-"):
            assert response.status_code >= 400, where
    else:
        assert after[0] == target, where
        assert (state, target) in EDGES
        assert after[2] == before[2] + 1, f"one change-trail record per transition: {where}"
        row_records = 1 if action == "return" and row_comment else 0
        assert after[3] == before[3] + row_records, where
    assert after[0] == state or (state, after[0]) in EDGES, where
    return after[0]


@pytest.fixture
def clients(demo, caplog):
    caplog.set_level("ERROR", logger="django.request")  # a thousand refusals, each logged with its traceback
    out = {None: Client()}
    for username in USERS:
        if username:
            out[username] = Client()
            out[username].force_login(get_user_model().objects.get(username=username))
    return out


def test_every_state_account_and_action(demo, clients):
    evaluations = {"nanjing": nanjing(demo), "xundian": xundian(demo)}
    tried = allowed = 0
    for unit, evaluation in evaluations.items():
        for state in (D, S, R, A, P):
            for user in USERS:
                for action in ACTIONS:
                    with transaction.atomic():
                        Evaluation.objects.filter(pk=evaluation.pk).update(state=state)
                        new = check(unit, evaluation, user, clients[user], action)
                        allowed += new != state
                        transaction.set_rollback(True)
                    tried += 1
    assert tried == 2 * 5 * len(USERS) * len(ACTIONS)
    # per unit: the preparer's submit (page and API) from 草稿 and 退回 (4), a reviewer's approve
    # and return (2 for 南京; 4 for 寻甸, which 昆明 reviews too), finance's publish and return (2)
    assert allowed == (4 + 2 + 2) + (4 + 4 + 2)
    print(f"\nworkflow matrix: {tried} requests, {allowed} allowed transitions, {tried - allowed} refused without a trace")


STEPS = {"n": 0, "moves": 0, "paths": set()}


def test_random_sequences_follow_the_graph(demo, clients):
    evaluations = {"nanjing": nanjing(demo), "xundian": xundian(demo)}

    class Workflow(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.states = {unit: Evaluation.DRAFT for unit in evaluations}
            self.path = {unit: [Evaluation.DRAFT] for unit in evaluations}

        @rule(unit=st.sampled_from(sorted(evaluations)), user=st.sampled_from(USERS),
              action=st.sampled_from(ACTIONS), row_comment=st.booleans())
        def anyone_anything(self, unit, user, action, row_comment):
            self._fire(unit, user, action, row_comment)

        @rule(data=st.data(), unit=st.sampled_from(sorted(evaluations)),
              action=st.sampled_from(["submit", "api-submit", "approve", "publish", "return"]),
              row_comment=st.booleans())
        def someone_with_a_role(self, data, unit, action, row_comment):
            """A user who holds a role over the unit (so the walk gets somewhere), any action."""
            user = data.draw(st.sampled_from(sorted(ROLES[unit])))
            self._fire(unit, user, action, row_comment)

        @rule(data=st.data(), unit=st.sampled_from(sorted(evaluations)), row_comment=st.booleans())
        def a_move_the_graph_allows(self, data, unit, row_comment):
            """One of the moves the oracle allows from the current state (none from 已公开)."""
            moves = sorted((user, action) for user, role in ROLES[unit].items() for (r, action, state) in ALLOWED
                           if r == role and state == self.states[unit])
            if moves:
                user, action = data.draw(st.sampled_from(moves))
                self._fire(unit, user, action, row_comment)

        def _fire(self, unit, user, action, row_comment):
            new = check(unit, evaluations[unit], user, clients[user], action, row_comment)
            STEPS["n"] += 1
            if new != self.states[unit]:
                STEPS["moves"] += 1
                self.path[unit].append(new)
            self.states[unit] = new

        @invariant()
        def database_agrees(self):
            for unit, evaluation in evaluations.items():
                assert Evaluation.objects.get(pk=evaluation.pk).state == self.states[unit]

        def teardown(self):
            for path in self.path.values():
                STEPS["paths"].add(tuple(path))
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    run_state_machine_as_test(Workflow, settings=settings(
        max_examples=30, stateful_step_count=25, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    assert STEPS["moves"] > 100 and any(P in path for path in STEPS["paths"]), STEPS
    print(f"\nworkflow state machine: {STEPS['n']} requests, {STEPS['moves']} transitions, "
          f"{len(STEPS['paths'])} distinct paths")


@pytest.mark.parametrize("channel", ["page", "api"])
def test_a_save_racing_a_submission_is_refused(demo, clients, monkeypatch, channel):
    """The preparer's save passes the permission check while the evaluation is a draft; the
    submission commits before the save takes its locks (injected here deterministically at
    the point where the save loads the framework). The save must not land in the submitted
    evaluation: the reviewer would approve figures that changed after submission."""
    from jixiao.web import bridge

    evaluation = nanjing(demo)
    code = leaf_code(evaluation)
    core_framework = bridge.core_framework

    def submitted_meanwhile(version):
        Evaluation.objects.filter(pk=evaluation.pk).update(state=S)
        return core_framework(version)

    monkeypatch.setattr(bridge, "core_framework", submitted_meanwhile)
    before = trail(evaluation)
    client = clients["nanjing_tianbao"]
    if channel == "page":
        response = client.post(f"/evaluations/{evaluation.pk}/rows/{code}/", {"version": 0, "actual": "7"})
    else:
        response = client.put(f"/api/evaluations/{evaluation.pk}/values/{code}",
                              json.dumps({"data": {"actual": "7"}}), content_type="application/json")
    after = trail(evaluation)
    assert after[0] == S
    assert after[3:] == before[3:], f"a value was written into a submitted evaluation (HTTP {response.status_code})"
    assert response.status_code == 409
