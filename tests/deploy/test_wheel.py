"""An installed wheel runs without a source checkout: migrations and the map library inside it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_installed_wheel_upgrades_and_serves(tmp_path: Path):
    if not (REPO / "node_modules" / "leaflet" / "dist" / "leaflet.js").is_file():
        pytest.skip("node_modules/leaflet missing (npm install): the wheel would carry no map")
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        check=True,
        cwd=tmp_path,
        capture_output=True,
    )
    (wheel,) = wheels.glob("connect_rota-*.whl")
    # A fresh environment whose only copy of ``app`` is the wheel's; the dependencies come from
    # this interpreter's site-packages (a path, so its editable-install hook is not run).
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
        # gunicorn runs in production, which refuses a short key (issue 11).
        "SECRET_KEY": "wheel-test-" + "k" * 40,
        "PYTHONNOUSERSITE": "1",
    }
    where = subprocess.run(
        [str(python), "-c", "import app; print(app.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=run_dir,
        env=env,
    ).stdout.strip()
    assert where.startswith(site), where  # the installed copy, not the checkout
    subprocess.run(
        [str(python), "-m", "flask", "--app", "app", "db", "upgrade"],
        check=True,
        capture_output=True,
        cwd=run_dir,
        env=env,
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            str(python),
            "-m",
            "gunicorn",
            "-c",
            "python:app.gunicorn_conf",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "app:create_app()",
        ],
        cwd=run_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"{base}/readyz")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert status == 200, body
        status, body = _get(f"{base}/login")
        assert status == 200 and b"Sign in" in body
        status, body = _get(f"{base}/assets/leaflet/leaflet.js")
        assert status == 200 and b"Leaflet" in body[:2000]
    finally:
        server.terminate()
        server.wait(20)
