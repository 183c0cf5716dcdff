"""A private Dovecot IMAP server for the mail_fetch tests (Debian's ``dovecot-imapd``).

``python -m tests.tickets.imap_server`` (what ``make dovecot`` runs) and the tests' fixture both
call ``ensure_running``: it starts ``dovecot -c <dir>/dovecot.conf`` with its own base, state
and mail directories under ``DOVECOT_TEST_DIR`` (default ``/tmp/portal-dovecot-<uid>``) and
listening on 127.0.0.1:``DOVECOT_TEST_PORT`` (10143) only, so it never touches a system
Dovecot. Any user name logs in with the password ``PASSWORD`` (plaintext allowed, local only)
and gets its own Maildir: each test uses a fresh user, so parallel pytest-xdist workers share
the one server without sharing a mailbox. The first worker starts it (under a file lock), the
others find it answering.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

PASSWORD = "imap-test-secret"
HOST = "127.0.0.1"
PORT = int(os.environ.get("DOVECOT_TEST_PORT") or 10143)
BASE = Path(os.environ.get("DOVECOT_TEST_DIR") or f"/tmp/portal-dovecot-{os.getuid()}")  # noqa: S108
CONF = BASE / "dovecot.conf"
HINT = (
    "The IMAP tests need Dovecot (Debian: apt-get install dovecot-imapd; `make dovecot` installs "
    "and starts it)."
)


class DovecotUnavailable(RuntimeError):
    pass


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if not found:
        raise DovecotUnavailable(f"{name} was not found. {HINT}")
    return found


def answering(timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=timeout) as sock:
            sock.settimeout(timeout)
            return sock.recv(64).startswith(b"* OK")
    except OSError:
        return False


def _config() -> str:
    if os.getuid() == 0:  # Dovecot refuses to run its login processes as root
        internal, login, mail = "dovecot", "dovenull", "dovecot"
    else:
        internal = login = mail = pwd.getpwuid(os.getuid()).pw_name
    return (
        f"""# written by tests/tickets/imap_server.py: a private test server, local only
base_dir = {BASE}/run
state_dir = {BASE}/state
log_path = {BASE}/dovecot.log
protocols = imap
listen = {HOST}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{BASE}/mail/%u
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail} gid={mail} home={BASE}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {PORT}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""",
        mail,
    )


def _log_tail() -> str:
    try:
        return "\n".join((BASE / "dovecot.log").read_text().splitlines()[-8:])
    except OSError:
        return "(no log)"


def ensure_running(wait: float = 15.0) -> None:
    """Start the private server unless it answers; ``DovecotUnavailable`` saying why not."""
    if answering():
        return
    dovecot = _binary("dovecot")
    BASE.mkdir(parents=True, exist_ok=True)
    with open(BASE / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if answering():
            return
        text, mail_user = _config()
        CONF.write_text(text)
        for name in ("mail", "home"):
            (BASE / name).mkdir(exist_ok=True)
            if os.getuid() == 0:
                shutil.chown(BASE / name, mail_user, mail_user)
        pid_file = BASE / "run" / "master.pid"
        if pid_file.exists():  # a stale server of ours that stopped answering
            subprocess.run(  # noqa: S603 - the system's dovecot, our own config
                [dovecot, "-c", str(CONF), "stop"], capture_output=True, timeout=20
            )
        # the daemon keeps inherited pipes open: its output goes to a file, not to a pipe
        with open(BASE / "start.out", "w+") as out:
            code = subprocess.call(  # noqa: S603 - the system's dovecot, our own config
                [dovecot, "-c", str(CONF)], stdin=subprocess.DEVNULL, stdout=out, stderr=out
            )
            out.seek(0)
            said = out.read().strip()
        if code:
            raise DovecotUnavailable(
                f"dovecot -c {CONF} failed ({code}): {said}\n{_log_tail()}\n{HINT}"
            )
        deadline = time.monotonic() + wait
        while not answering():
            if time.monotonic() > deadline:
                raise DovecotUnavailable(
                    f"Dovecot did not answer on {HOST}:{PORT} within {wait:g} s:\n{_log_tail()}"
                )
            time.sleep(0.2)


def kick(user: str, wait: float = 5.0) -> None:
    """Drop every connection of ``user`` (server side), as a network outage would; returns
    once the server shows no session of ``user`` left."""
    doveadm = _binary("doveadm")
    subprocess.run(  # noqa: S603 - the system's doveadm, our own config
        [doveadm, "-c", str(CONF), "kick", user], check=True, capture_output=True
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        who = subprocess.run(  # noqa: S603 - the system's doveadm, our own config
            [doveadm, "-c", str(CONF), "who", user], capture_output=True, text=True
        )
        if user not in who.stdout:
            return
        time.sleep(0.05)
    raise DovecotUnavailable(f"{user} still connected {wait:g} s after doveadm kick")


if __name__ == "__main__":
    try:
        ensure_running()
    except DovecotUnavailable as exc:
        print(f"make dovecot: {exc}", file=sys.stderr)
        sys.exit(1)
    print(f"Dovecot (tests) answering on {HOST}:{PORT}, directory {BASE}")
