"""A real Yiwang server for the browser tests: `yiwang serve` (gunicorn) in a subprocess, on a
fresh database loaded with the small demo city, driven by Playwright in Debian's chromium.

The fixtures are registered once, by the root ``tests/conftest.py``: every app's browser tests
share one server and one Playwright. (Imported into a test module or an app's conftest, a
session fixture would be a second one, and a second sync Playwright in the same thread fails.)"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _browser_database_url() -> str:
    """On a PostgreSQL run the server gets its own fresh PostgreSQL database too."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return ""
    import psycopg

    base, _, _name = url.rpartition("/")
    name = "yiwang_browser"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def _yiwang(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", *args], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"yiwang {' '.join(args)} failed:\n{result.stderr[-3000:]}")


def _require_chromium() -> None:
    """Outside CI a machine without chromium skips the browser tests; CI must run them."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("Debian's chromium is missing (apt-get install chromium fonts-noto-cjk)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)")


@pytest.fixture(scope="session")
def live_yiwang(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    _require_chromium()
    var_dir = tmp_path_factory.mktemp("yiwang-var")
    port = _free_port()
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": _browser_database_url(),
        "RATE_LIMIT_LOGIN": "60/m",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _yiwang(env, "migrate", "--noinput", "-v", "0")
    _yiwang(env, "demo", "load", "--scale", "small")
    log = (var_dir / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "yiwang.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v1/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((var_dir / "server.log").read_text()[-3000:])
            time.sleep(0.3)
        yield LiveServer(url=url, env=env)
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_yiwang: LiveServer) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    page.js_errors = errors
    yield page
    context.close()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
