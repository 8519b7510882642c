"""The whole site scored in bulk (``web.evaluations.bulk.score_site``, what ``jixiao score
--site`` runs) writes what scoring each evaluation alone writes, builds each distinct stored
input once and shares it, reads a stored framework fast only when its rules hash is the stored
one, and names a bad stored value as the one-by-one path does. Runs on SQLite and PostgreSQL."""

import pytest


@pytest.mark.django_db
def test_site_bulk_scoring_writes_what_score_and_cache_writes():
    from jixiao.web.bridge import score_and_cache
    from jixiao.web.evaluations.bulk import score_site
    from jixiao.web.models import Evaluation as Stored
    from jixiao.web.models import IndicatorValue

    n = Stored.objects.count()
    assert n >= 6
    IndicatorValue.objects.update(score=None, explanation="")
    Stored.objects.update(total=None, grade="", findings_count=0, summary={})
    outcomes, stats = score_site()
    assert stats["evaluations"] == stats["evaluations_updated"] == len(outcomes) == n
    assert stats["values_updated"] == IndicatorValue.objects.count()
    assert stats["queries"] <= 2 + 2 * 2 + 2  # two reads, one batch of updates each (+ savepoint)
    after = {e.pk: (e.total, e.grade, e.declared_total, e.findings_count, e.summary) for e in Stored.objects.all()}
    rows = dict(IndicatorValue.objects.values_list("pk", "score"))
    texts = dict(IndicatorValue.objects.values_list("pk", "explanation"))
    for ev in Stored.objects.select_related("unit", "framework"):
        sheet, findings = score_and_cache(ev)  # the one-by-one path
        assert after[ev.pk] == (sheet.total, sheet.grade, sheet.declared_total, len(findings), ev.summary)
    assert dict(IndicatorValue.objects.values_list("pk", "score")) == rows
    assert dict(IndicatorValue.objects.values_list("pk", "explanation")) == texts
    assert all(o.ok and o.total is not None for o in outcomes)
    _, again = score_site()
    assert (again["evaluations_updated"], again["values_updated"]) == (0, 0)


@pytest.mark.django_db
def test_site_bulk_scoring_shares_equal_stored_inputs_and_names_a_bad_one():
    import gc

    from jixiao.core.scoring import _SHARED
    from jixiao.web import bridge
    from jixiao.web.evaluations import bulk as site_bulk
    from jixiao.web.models import Evaluation as Stored
    from jixiao.web.models import IndicatorValue

    work = site_bulk.read_site()
    reader = site_bulk.SiteReader()
    by_text, built = {}, {}
    for ev, values in work:
        stored = Stored.objects.select_related("unit", "framework").get(pk=ev.pk)
        plain = bridge.core_evaluation(stored, values)  # the stored JSON decoded and validated whole
        fast = reader.evaluation(ev, values)
        assert fast.model_dump() == plain.model_dump()
        assert fast.unit == plain.unit and fast.finance == plain.finance
        for value in values:
            if value.text not in site_bulk._EMPTY:  # an indicator's equal stored texts: one shared object
                key = (value.code, value.text)
                assert by_text.setdefault(key, fast.inputs[value.code]) is fast.inputs[value.code]
        built.update((id(i), i) for i in fast.inputs.values())
    assert reader.read_whole == 0  # every stored evaluation read the shared way
    texts = [(v.code, v.text) for _, values in work for v in values if v.text not in site_bulk._EMPTY]
    assert len(by_text) < len(texts)
    assert set(built) <= _SHARED
    del reader
    gc.collect()
    assert not set(built) & _SHARED  # its inputs no longer shared once the reader is gone

    value = IndicatorValue.objects.filter(data__has_key="actual").select_related("evaluation").first()
    value.data = {**value.data, "actual": "九十"}
    value.save()
    outcomes, stats = site_bulk.score_site(Stored.objects.filter(pk=value.evaluation_id))
    (bad,) = outcomes
    assert not bad.ok and stats["read_whole"] == 1
    assert any(f"'inputs', '{value.code}', 'actual'" in e for e in bad.load_errors), bad.load_errors


@pytest.mark.django_db
def test_site_bulk_reads_whole_what_the_core_evaluation_leaves_out():
    """Contents of ``extra`` that are not the core's (``loc`` is a core field, ``note`` not) are
    left out as ``core_evaluation`` leaves them out: such an evaluation is read the plain way."""
    from jixiao.web import bridge
    from jixiao.web.evaluations import bulk as site_bulk
    from jixiao.web.models import Evaluation as Stored

    site_bulk.score_site()
    first = Stored.objects.order_by("pk").first()
    expected = site_bulk.score_site(Stored.objects.filter(pk=first.pk))[0][0].total
    for key, value in (("loc", {"file": "x.yaml", "line": 3}), ("note", "备注")):
        Stored.objects.filter(pk=first.pk).update(extra={**first.extra, key: value})
        (ev, values), = site_bulk.read_site(Stored.objects.filter(pk=first.pk))
        reader = site_bulk.SiteReader()
        core = reader.evaluation(ev, values)
        assert reader.read_whole == 1
        stored = Stored.objects.select_related("unit", "framework").get(pk=first.pk)
        assert core.model_dump() == bridge.core_evaluation(stored, values).model_dump()
        assert core.loc is None
        (done,), stats = site_bulk.score_site(Stored.objects.filter(pk=first.pk))
        assert done.ok and done.total == expected and stats["read_whole"] == 1


@pytest.mark.django_db
def test_a_stored_framework_read_fast_is_kept_only_with_its_stored_rules_hash(monkeypatch):
    from jixiao.web import bridge
    from jixiao.web.models import FrameworkVersion

    version = FrameworkVersion.objects.first()
    slow = bridge.parse_framework_text(version.yaml_text, "x")
    other = FrameworkVersion.objects.exclude(rules_hash=version.rules_hash).first()
    calls = []
    real = bridge.parse_framework_text

    def parse(text, name, fast=False):
        calls.append(fast)
        if fast:  # libyaml reading it otherwise: another framework's rules
            return real(other.yaml_text, name)
        return real(text, name, fast)

    monkeypatch.setattr(bridge, "parse_framework_text", parse)
    bridge._FRAMEWORKS.clear()
    framework = bridge.core_framework(version)
    assert calls == [True, False]
    assert bridge.framework_rules_hash(framework) == version.rules_hash == bridge.rules_hash(slow)
    calls.clear()
    monkeypatch.setattr(bridge, "parse_framework_text", real)
    bridge._FRAMEWORKS.clear()
    assert bridge.framework_rules_hash(bridge.core_framework(version)) == version.rules_hash
