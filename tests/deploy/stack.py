"""Throwaway servers and the Procfile's processes, for the whole-stack and fault tests.

A test starts its own PostgreSQL (``initdb`` + ``pg_ctl`` in a temporary folder, on a free port)
and its own Redis (``redis-server`` on a free port, nothing saved to disk), runs
``flask db upgrade`` like the Procfile's ``release`` step, then starts ``web``, ``sms``,
``planning`` and ``cron`` with honcho, configured only by the environment, as a bureau would.
A coordinator then works through the web app over HTTP, with the CSRF tokens of real forms.

Each Procfile process can run under its own honcho (``Stack.start("planning")``), as under one
systemd unit per process, so a test can kill one and start it again like ``Restart=always``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import requests

from tests.twilio_standin import TwilioStandIn

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROCFILE = REPO / "Procfile"
# Long and random-looking: the production settings refuse the built-in development key.
SECRET_KEY = "whole-stack-" + "5f0c9a7e3b1d4c2a8e6f0b9d7c5a3e1f" * 2
COORDINATOR = ("coordinator@bureau.example", "a long coordinator passphrase")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], object], *, timeout_s: float, what: str, every: float = 0.1):
    """Poll ``check`` until it returns something truthy (returned); fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception as exc:  # noqa: BLE001 - a server still starting answers with errors
            last_error = exc
            value = None
        if value:
            return value
        time.sleep(every)
    msg = f"timed out after {timeout_s:.0f} s waiting for {what} (last error: {last_error!r})"
    raise AssertionError(msg)


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (Debian keeps them off PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def missing_tools() -> str | None:
    """Why the stack cannot be started here, or None."""
    if postgres_bin() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not found"
    for tool in ("redis-server", "pg_dump", "pg_restore", "createdb"):
        if shutil.which(tool) is None and not (postgres_bin() / tool).exists():  # type: ignore[operator]
            return f"{tool} not found"
    if not (BIN / "honcho").exists():
        return "honcho not installed (pip install -e '.[dev]')"
    return None


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own in ``root``, trust auth, listening on ``port``."""

    def __init__(self) -> None:
        # Its own folder under /tmp: the ``postgres`` user cannot enter pytest's (mode 700).
        self.root = Path(tempfile.mkdtemp(prefix="connect-rota-pg-"))
        self.data = self.root / "pgdata"
        self.port = free_port()
        self.bin = postgres_bin()
        assert self.bin is not None
        # initdb refuses to run as root: run the server as the ``postgres`` user then.
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions")  # fmt: skip

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self._as, str(self.bin / tool), *args],  # type: ignore[operator]
            capture_output=True,
            text=True,
            cwd=self.root,
        )
        if done.returncode != 0:
            msg = f"{tool} failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}"
            raise RuntimeError(msg)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=60"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "pg.log"),
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "immediate") -> None:
        """Stop (``immediate``: like a crash, every connection cut) and start again."""
        self.stop(mode)
        self.start()

    def url(self, database: str, *, driver: bool = True) -> str:
        scheme = "postgresql+psycopg" if driver else "postgresql"
        return f"{scheme}://postgres@127.0.0.1:{self.port}/{database}"

    def client_env(self) -> dict[str, str]:
        """libpq's variables, so ``createdb``, ``pg_dump`` and ``pg_restore`` find this server."""
        return {"PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": "postgres"}

    def createdb(self, name: str) -> None:
        subprocess.run(
            ["createdb", name],
            check=True,
            capture_output=True,
            env={**os.environ, **self.client_env()},
        )


class ThrowawayRedis:
    """A Redis of the test's own on ``port`` that keeps nothing on disk (a restart loses all)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        conn = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(conn.ping, timeout_s=20, what="Redis to answer")
        conn.close()

    def stop(self, *, kill: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            self.process.wait(20)
        self.process = None

    def restart(self) -> None:
        """Killed and started again: every queued job is gone, as after a crash."""
        self.stop(kill=True)
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@dataclass
class Honcho:
    """One ``honcho start`` and the pids of the Procfile processes it started."""

    names: tuple[str, ...]
    process: subprocess.Popen[bytes]
    log: Path
    pids: dict[str, int] = field(default_factory=dict)

    def child_pids(self) -> dict[str, int]:
        """Each process's pid, read from honcho's "web.1 started (pid=123)" lines."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        for name, pid in re.findall(r"(\w+)\.\d+ started \(pid=(\d+)\)", text):
            self.pids[name] = int(pid)
        return self.pids


class Stack:
    """Throwaway PostgreSQL and Redis, the Twilio stand-in, and the Procfile's processes."""

    def __init__(self, root: Path, twilio: TwilioStandIn, **settings: str) -> None:
        self.root = root
        self.twilio = twilio
        self.pg = ThrowawayPostgres()
        self.redis = ThrowawayRedis(root)
        self.web_port = free_port()
        self.database = "connect_rota"
        self.honchos: list[Honcho] = []
        self.app: Any = None  # an app in the test process on the stack's database
        self.env = {
            "DATABASE_URL": self.pg.url(self.database, driver=False),
            "REDIS_URL": self.redis.url,
            "SECRET_KEY": SECRET_KEY,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.web_port}",
            "GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
            "WEB_CONCURRENCY": "2",
            "PLAN_TIME_LIMIT_S": "2",
            "SMS_RETRY_INTERVALS": "1,1,1,2,2,2,2,2",
            "SMS_SENDING_STALE_S": "3",
            "SMS_SWEEP_INTERVAL_S": "1",
            "LOG_FORMAT": "json",
            "APP_ENV": "production",
            "PYTHONUNBUFFERED": "1",
            **twilio.env(),
            **settings,
        }

    # --- servers ---

    def start_servers(self) -> None:
        self.pg.start()
        self.pg.createdb(self.database)
        self.redis.start()

    def process_env(self) -> dict[str, str]:
        """This machine's environment without any Connect Rota or Twilio setting, then ours."""
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("CONNECT_ROTA_", "TWILIO_", "SMS_", "TEST_", "FLASK_", "PG"))
            and k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PORT")
        }
        base["PATH"] = f"{BIN}:{base.get('PATH', '')}"
        return {**base, **self.env}

    def release(self) -> None:
        """The Procfile's ``release`` step, run the way a platform runs it."""
        command = _procfile()["release"]
        subprocess.run(
            command, shell=True, check=True, capture_output=True, cwd=REPO, env=self.process_env()
        )

    # --- processes ---

    def start(self, *names: str) -> Honcho:
        """``honcho start <names>`` with the stack's environment; waits until each started."""
        log = self.root / f"honcho-{'-'.join(names)}-{len(self.honchos)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    str(BIN / "honcho"),
                    "-f",
                    str(PROCFILE),
                    "-d",
                    str(REPO),
                    "--no-colour",
                    "start",
                    *names,
                ],  # fmt: skip
                cwd=REPO,
                env=self.process_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        honcho = Honcho(names, process, log)
        self.honchos.append(honcho)
        wait_for(
            lambda: set(names) <= set(honcho.child_pids()),
            timeout_s=30,
            what=f"honcho to start {names}",
        )
        if "web" in names:
            self.wait_web()
        return honcho

    def wait_web(self, timeout_s: float = 60) -> None:
        wait_for(
            lambda: requests.get(f"{self.base}/healthz", timeout=2).status_code == 200,
            timeout_s=timeout_s,
            what="gunicorn to answer /healthz",
        )

    def process(self, name: str) -> Honcho:
        """The running honcho that started ``name``."""
        return next(
            h for h in reversed(self.honchos) if name in h.names and h.process.poll() is None
        )

    def kill(self, name: str) -> Honcho:
        """SIGKILL one Procfile process and everything it started (RQ's work horse too)."""
        honcho = self.process(name)
        root = honcho.child_pids()[name]
        # RQ's work horse runs in a session of its own: kill the whole tree, as the OOM killer or
        # systemd's control group would, found before the parent dies and they are re-parented.
        for pid in [root, *_descendants(root)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        honcho.process.wait(30)  # honcho stops when its only process dies
        return honcho

    def stop(self, honcho: Honcho, *, timeout_s: float = 30) -> None:
        """Stop a honcho the way systemd does (SIGTERM); what outlives it gets SIGKILL."""
        if honcho.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                honcho.process.send_signal(signal.SIGTERM)
            try:
                honcho.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                honcho.process.kill()
                honcho.process.wait(5)
        for pid in honcho.child_pids().values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)

    def shutdown(self) -> None:
        for honcho in self.honchos:
            self.stop(honcho, timeout_s=10)
        self.redis.stop(kill=True)
        self.pg.stop("immediate")
        self.pg.remove()

    def logs(self, tail: int = 6000) -> str:
        return "\n".join(h.log.read_text(errors="replace")[-tail:] for h in self.honchos)

    # --- the coordinator, over HTTP ---

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def coordinator(self) -> Coordinator:
        return Coordinator(self.base)


class Coordinator:
    """A signed-in coordinator's browser session: real forms, real CSRF tokens."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.headers["Accept"] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
        self.csrf = ""

    def _token(self, page: str) -> str:
        match = _CSRF.search(page)
        assert match, "the page has no CSRF token"
        return match.group(1)

    def sign_in(self) -> None:
        page = self.http.get(f"{self.base}/login", timeout=10).text
        response = self.http.post(
            f"{self.base}/login",
            data={
                "email": COORDINATOR[0],
                "password": COORDINATOR[1],
                "csrf_token": self._token(page),
            },
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:2000]
        self.csrf = self._token(self.http.get(f"{self.base}/lifts/new", timeout=10).text)

    def get(self, path: str, **params: str) -> requests.Response:
        return self.http.get(f"{self.base}{path}", params=params, timeout=30)

    def post(self, path: str, data: dict[str, str], timeout: float = 60) -> requests.Response:
        return self.http.post(
            f"{self.base}{path}",
            data={**data, "csrf_token": self.csrf},
            allow_redirects=False,
            timeout=timeout,
        )

    def flashed(self, path: str) -> str:
        """The page a redirect lands on (where the flashed message is shown)."""
        return self.get(
            urllib.parse.urlsplit(path).path,
            **dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query)),
        ).text


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, grandchildren, ...), from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _procfile() -> dict[str, str]:
    entries = {}
    for line in PROCFILE.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.startswith("#"):
            entries[name.strip()] = command.strip()
    return entries


@contextlib.contextmanager
def running_stack(root: Path, **settings: str) -> Iterator[Stack]:
    """Start the servers (not the processes) and always tear everything down after."""
    with TwilioStandIn() as twilio:
        stack = Stack(root, twilio, **settings)
        try:
            stack.start_servers()
            yield stack
        finally:
            stack.shutdown()
            keep = os.environ.get("STACK_KEEP_LOGS")  # a folder to copy the processes' logs to
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                for honcho in stack.honchos:
                    shutil.copy(honcho.log, Path(keep) / honcho.log.name)
