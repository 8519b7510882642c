"""Number filters of the pages: stored scale dropped, amounts with separators to the fen."""

from decimal import Decimal

from django.template import Context, Template

from jixiao.web.templatetags.jixiao_numbers import money, num


def test_num_drops_storage_scale_and_keeps_text():
    assert num(Decimal("78.0000")) == "78"
    assert num(Decimal("95.8700")) == "95.87"
    assert num("≥2次") == "≥2次"
    assert num(None) is None


def test_money_rounds_half_up_to_the_fen_with_separators():
    assert money(Decimal("1114158.585")) == "1,114,158.59"
    assert money(Decimal("2865000")) == "2,865,000.00"
    assert money("") == ""


def test_filters_in_a_template():
    html = Template("{% load jixiao_numbers %}{{ a|money }} {{ b|num }}").render(
        Context({"a": Decimal("845123.2"), "b": Decimal("76.9900")}))
    assert html == "845,123.20 76.99"
