"""`manage.py check --deploy` is clean with the production settings."""

import os
import subprocess
import sys


def test_check_deploy_is_clean(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}, "DJANGO_SETTINGS_MODULE": "jixiao.web.settings_production", "JIXIAO_DATA": str(tmp_path),
           "JIXIAO_SECRET_KEY": "k" * 20 + "Zq8#x!vP3@mL0$wR7^tY2&uE5*oI9(aS4)dF6_gH1+jK",
           "JIXIAO_ALLOWED_HOSTS": "jixiao.example.gov.cn"}
    proc = subprocess.run([sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_production_needs_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "JIXIAO_SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="jixiao.web.settings_production", JIXIAO_DATA=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "django", "check"], capture_output=True, text=True, env=env)
    assert proc.returncode != 0 and "JIXIAO_SECRET_KEY" in proc.stderr
