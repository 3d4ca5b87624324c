"""The files in deploy/ work as shipped (issue 18): the systemd units pass `systemd-analyze
verify` and their command lines are ones `jointcredit` takes, nginx accepts the reverse-proxy
configuration (`nginx -t`), the environment example names real settings.

Without systemd-analyze or nginx those tests skip and say so; CI installs nginx and sets
JOINTCREDIT_REQUIRE_DEPLOY_TOOLS=1, which makes a missing tool a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from jointcredit.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SCRIPT = Path(sys.executable).with_name("jointcredit")
SHIPPED_SCRIPT = "/opt/jointcredit/.venv/bin/jointcredit"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        if os.environ.get("JOINTCREDIT_REQUIRE_DEPLOY_TOOLS") == "1":
            pytest.fail(f"{name} is missing (JOINTCREDIT_REQUIRE_DEPLOY_TOOLS=1)")
        pytest.skip(f"{name} is not installed (apt-get install {name})")
    return found


def _exec_start(unit: Path) -> list[str]:
    [line] = re.findall(r"^ExecStart=(.+)$", unit.read_text(encoding="utf-8"), re.M)
    return shlex.split(line)


def test_the_units_verify(tmp_path: Path) -> None:
    verify = _tool("systemd-analyze")
    assert [u.name for u in UNITS] == ["jointcredit-worker.service", "jointcredit.service"]
    rendered = []
    for unit in UNITS:
        # This machine's executable where the unit names the documented install path.
        text = unit.read_text(encoding="utf-8").replace(SHIPPED_SCRIPT, str(SCRIPT))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
        rendered.append(str(tmp_path / unit.name))
    done = subprocess.run([verify, "verify", *rendered], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_the_units_command_lines_are_jointcredit_s(unit: Path, tmp_path: Path) -> None:
    command = _exec_start(unit)
    assert command[0] == SHIPPED_SCRIPT
    # --help last: every option before it is parsed (an unknown one fails), nothing runs.
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOINTCREDIT_")}
    env["JOINTCREDIT_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [str(SCRIPT), *command[1:], "--help"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_environment_example_names_settings() -> None:
    text = (DEPLOY / "systemd" / "jointcredit.env.example").read_text(encoding="utf-8")
    named = re.findall(r"^(JOINTCREDIT_[A-Z_]+)=", text, re.M)
    known = {f"JOINTCREDIT_{field.upper()}" for field in Settings.model_fields}
    assert named and set(named) <= known, set(named) - known


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "credit.example.gov.cn")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert, private = directory / "fullchain.pem", directory / "privkey.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, private


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    nginx = _tool("nginx")
    cert, private = _self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "jointcredit.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/jointcredit/fullchain.pem", str(cert))
    site = site.replace("/etc/ssl/jointcredit/privkey.pem", str(private))
    (tmp_path / "jointcredit.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/jointcredit.conf;\n}}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr
