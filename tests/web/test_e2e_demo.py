"""The demo exactly as the README starts it (``./scripts/demo``: set-up, then ``jixiao demo`` —
runserver with DEBUG off and a Huey worker), in Debian's headless Chromium: styles applied,
htmx and ECharts loaded, a typed value saved and still there after a reload, a report job
polled to its download. And the production server (gunicorn) serving the same static files.

These run a real server process against its own data folder, not the test database."""

from .e2e import open_dashboard_for, sign_in  # noqa: I001  (sets DJANGO_ALLOW_ASYNC_UNSAFE first)
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
STATIC = ("jixiao/site.css", "jixiao/vendor/htmx.min.js", "jixiao/vendor/echarts.min.js")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"服务器已退出（{process.returncode}）：\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} 在{seconds}秒内没有响应：\n{log.read_text(errors='replace')[-3000:]}")


def server_env(data: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "JIXIAO_DATABASE_URL", "JIXIAO_DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(JIXIAO_DATA=str(data), **extra)
    env.pop("PYTEST_VERSION", None)  # the server's Huey queue must not run jobs inline, as in the demo
    return env


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


SERVER_LOGS: dict[str, Path] = {}


@contextlib.contextmanager
def server_output_on_failure(site: str):
    """What the server printed is the only witness of a failure seen from the browser."""
    try:
        yield
    except Exception as exc:
        log = SERVER_LOGS[site]
        raise AssertionError(f"{exc}\n服务器输出：\n{log.read_text(errors='replace')[-4000:]}") from exc


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """``./scripts/demo`` on a free port with its data in a temporary folder."""
    data = tmp_path_factory.mktemp("demo-data")
    log = data / "demo.log"
    port = free_port()
    process = start(["scripts/demo"], server_env(data, PORT=str(port)), log)
    try:
        wait_for(f"http://127.0.0.1:{port}/login/", process, log, 300)
        SERVER_LOGS[f"http://127.0.0.1:{port}"] = log
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def test_scripts_demo_serves_a_working_site(page, demo_server):
    with server_output_on_failure(demo_server):
        the_demo_works(page, demo_server)


def the_demo_works(page, site: str) -> None:
    for name in STATIC:
        response = page.request.get(f"{site}/static/{name}")
        assert response.status == 200, name
        assert response.headers["content-type"].startswith(("text/css", "text/javascript", "application/javascript"))
    page.goto(f"{site}/login/")
    # the stylesheet applies (header colour from site.css, not the browser's default)
    assert page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor") == "rgb(31, 78, 121)"

    sign_in(page, site, "nanjing_tianbao")
    page.click("table a:has-text('南京市医疗保险管理中心')")
    page.wait_for_selector("#row-C22")
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.inner_text("#total") == "96.65"
    row = page.locator("#row-C22")
    row.locator("input[name=actual]").fill("10.5")
    row.locator("input[name=actual]").press("Tab")
    page.wait_for_function("document.querySelector('#total').innerText === '99.65'")
    # saved on the server, not only shown: a fresh load has it
    page.reload()
    page.wait_for_selector("#row-C22")
    assert page.locator("#row-C22 input[name=actual]").input_value() == "10.5"
    assert page.inner_text("#total") == "99.65"
    assert page.locator("#row-C22 td.score").inner_text() == "3.00"

    # the report job runs in the demo's Huey worker; its page polls until the download appears
    page.uncheck("input[name=pdf]")
    page.click("#report-btn")
    page.wait_for_selector("#download", timeout=180_000)
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename.endswith(".zip")

    sign_in(page, site, "sheng_shenhe")
    open_dashboard_for(page, site, "南京市医疗保险管理中心")
    assert "南京市医疗保险管理中心" in page.inner_text("#ranking")

    # the pages name their icon, so the browser never asks for /favicon.ico: that 404 page,
    # answered late, set the CSRF cookie of the page before a sign-in and its POST was refused
    icon = page.request.get(f"{site}/static/jixiao/favicon.svg")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert "/favicon.ico" not in SERVER_LOGS[site].read_text(errors="replace")


def test_gunicorn_serves_static_files(tmp_path):
    """docs/production.md runs the site under gunicorn: the same static files, compressed copies
    included, without DEBUG."""
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = server_env(tmp_path)
    subprocess.run([str(Path(sys.executable).parent / "jixiao"), "demo", "--setup-only"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    process = start([str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                     "jixiao.web.wsgi:application"], env, log)
    try:
        wait_for(f"http://127.0.0.1:{port}/login/", process, log, 60)
        for name in STATIC:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/static/{name}",
                                             headers={"Accept-Encoding": "identity"})
            with urllib.request.urlopen(request, timeout=5) as response:
                body = response.read()
            assert response.status == 200 and len(body) > 1000, name
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
            assert "/static/jixiao/site.css" in response.read().decode("utf-8")
    finally:
        stop(process)
