import pytest
from django.test import Client

from jixiao.web.demo import DEMO_PASSWORD, setup_demo
from jixiao.web.models import Evaluation


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo province once; each test runs in a transaction that is rolled back."""
    with django_db_blocker.unblock():
        setup_demo()


@pytest.fixture
def demo(db):
    setup_demo()  # a no-op when the session data is there; reloads after a transactional test
    return {e.unit.name + ":" + e.framework.key: e for e in Evaluation.objects.select_related("unit", "framework")}


@pytest.fixture
def login():
    def make(username: str) -> Client:
        client = Client()
        assert client.login(username=username, password=DEMO_PASSWORD), username
        return client
    return make


def nanjing(demo) -> Evaluation:
    return demo["南京市医疗保险管理中心:nanjing-2023-department"]


def xundian(demo) -> Evaluation:
    return next(e for k, e in demo.items() if k.startswith("寻甸"))
