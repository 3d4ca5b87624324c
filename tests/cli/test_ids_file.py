"""``jointcredit ids validate --file FILE`` / ``-``: identifiers from a file or standard input.

Run as the installed console script, as an operator would. Every identifier here is synthetic:
organisation codes carry the marker "JC", resident identity numbers are computed.
"""

from __future__ import annotations

import codecs
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest

from importing.rows import resident_id, uscc

KEYS = ["input", "normalized", "type", "valid", "error", "warnings"]
TODAY = "2026-11-27"

VALID_USCC = uscc(1)
BAD_USCC = VALID_USCC[:-1] + ("0" if VALID_USCC[-1] != "0" else "1")  # wrong check character
PERSON = resident_id(7)
BAD_PERSON = resident_id(8, birth="19801301")  # month 13


def _command() -> list[str]:
    beside_python = Path(sys.executable).with_name("jointcredit")
    if beside_python.exists():
        return [str(beside_python)]
    found = shutil.which("jointcredit")
    if found:
        return [found]
    return [sys.executable, "-m", "jointcredit.cli.main"]


# The default language (zh), whatever the calling environment says.
ENV = {
    **{k: v for k, v in os.environ.items() if k != "JOINTCREDIT_LANG"},
    "COLUMNS": "200",
    "NO_COLOR": "1",
    "PYTHONIOENCODING": "utf-8",
}


def validate(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*_command(), "ids", "validate", "--today", TODAY, *args],
        input=stdin,
        capture_output=True,
        env=ENV,
        timeout=120,
        check=False,
    )


def out_lines(done: subprocess.CompletedProcess[bytes]) -> list[str]:
    return done.stdout.decode("utf-8").splitlines()


def register(tmp_path: Path) -> Path:
    """A register as departments save them: BOM, CRLF, blank lines, spaces, lower-case x."""
    text = (
        f"{VALID_USCC}\r\n"
        "\r\n"
        f"  {BAD_USCC}  \r\n"
        f"{PERSON.lower()}\r\n"
        "   \r\n"
        "\r\n"
        f"{BAD_PERSON}\r\n"
        f"\t{VALID_USCC[:4]}-{VALID_USCC[4:]}"  # no line break at the end
    )
    path = tmp_path / "register.txt"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    return path


# Line numbers of register(): blank lines count.
EXPECTED = [
    (1, VALID_USCC, "uscc", "yes"),
    (3, BAD_USCC, "uscc", "no"),
    (4, PERSON, "resident-id", "yes"),
    (7, BAD_PERSON, "resident-id", "no"),
    (8, VALID_USCC, "uscc", "yes"),
]


def test_file_tab_separated_in_order(tmp_path: Path) -> None:
    done = validate("--file", str(register(tmp_path)))
    assert done.returncode == 1, done.stderr
    rows = [line.split("\t") for line in out_lines(done)]
    assert [tuple(row[:4]) for row in rows] == [(str(n), *rest) for n, *rest in EXPECTED]
    assert all(len(row) == 5 for row in rows)
    # The reasons in Chinese, the default (docs/configuration.md#languages).
    assert rows[1][4] == f"校验码应为“{VALID_USCC[-1]}”，实为“{BAD_USCC[-1]}”"
    assert rows[3][4] == "出生日期无效：第7—14位“19801301”不是有效日期"
    assert rows[0][4] == rows[2][4] == ""
    assert done.stderr.decode().strip() == "5 identifiers: 3 valid, 2 invalid"


def test_file_json_lines_are_the_array_objects_with_line(tmp_path: Path) -> None:
    done = validate("--json", "--file", str(register(tmp_path)))
    assert done.returncode == 1, done.stderr
    objects = [json.loads(line) for line in out_lines(done)]
    assert [list(o) for o in objects] == [["line", *KEYS]] * len(EXPECTED)
    assert [(o["line"], o["normalized"], o["type"]) for o in objects] == [
        (n, code, kind) for n, code, kind, _ in EXPECTED
    ]
    assert objects[2]["input"] == PERSON.lower()  # stripped, otherwise as given
    assert objects[4]["input"] == f"{VALID_USCC[:4]}-{VALID_USCC[4:]}"
    # The same objects as the JSON array of the same inputs given as arguments.
    array = json.loads(validate("--json", *(o["input"] for o in objects)).stdout)
    assert [{k: v for k, v in o.items() if k != "line"} for o in objects] == array


@pytest.mark.parametrize("how", [["-"], ["--file", "-"], ["-f", "-"]])
def test_standard_input(tmp_path: Path, how: list[str]) -> None:
    data = register(tmp_path).read_bytes()
    from_file = validate("--json", "--file", str(register(tmp_path)))
    done = validate("--json", *how, stdin=data)
    assert done.returncode == 1, done.stderr
    assert done.stdout == from_file.stdout


def test_arguments_then_file(tmp_path: Path) -> None:
    path = tmp_path / "codes.txt"
    path.write_text(f"{PERSON}\n", encoding="utf-8")
    done = validate("--json", VALID_USCC, "60003734-1", "--file", str(path))
    assert done.returncode == 0, done.stderr
    objects = [json.loads(line) for line in out_lines(done)]
    assert [(o["line"], o["type"]) for o in objects] == [
        (None, "uscc"),
        (None, "org-code"),
        (1, "resident-id"),
    ]
    tsv = validate(VALID_USCC, "--file", str(path))
    assert [line.split("\t")[0] for line in out_lines(tsv)] == ["", "1"]
    # '-' among the arguments is read where it stands.
    mixed = validate(VALID_USCC, "-", "60003734-1", stdin=f"\n{PERSON}\n".encode())
    assert [line.split("\t")[:2] for line in out_lines(mixed)] == [
        ["", VALID_USCC],
        ["2", PERSON],
        ["", "600037341"],
    ]


def test_all_valid_exits_0_and_invalid_only(tmp_path: Path) -> None:
    path = tmp_path / "ok.txt"
    path.write_text(f"{VALID_USCC}\n{PERSON}\n", encoding="utf-8")
    done = validate("--file", str(path))
    assert done.returncode == 0, done.stderr
    assert len(out_lines(done)) == 2
    assert done.stderr.decode().strip() == "2 identifiers: 2 valid, 0 invalid"

    only = validate("--invalid-only", "--file", str(register(tmp_path)))
    assert only.returncode == 1
    assert [line.split("\t")[:2] for line in out_lines(only)] == [
        ["3", BAD_USCC],
        ["7", BAD_PERSON],
    ]
    assert only.stderr.decode().strip() == "5 identifiers: 3 valid, 2 invalid"
    clean = validate("--invalid-only", "--json", "--file", str(path))
    assert (clean.returncode, clean.stdout) == (0, b"")


def test_arguments_only_keep_the_array() -> None:
    done = validate("--json", VALID_USCC, BAD_USCC)
    assert done.returncode == 1
    assert [list(o) for o in json.loads(done.stdout)] == [KEYS, KEYS]
    only = validate("--json", "--invalid-only", VALID_USCC, BAD_USCC)
    assert [o["normalized"] for o in json.loads(only.stdout)] == [BAD_USCC]


def test_missing_file_and_usage_errors(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.txt"
    done = validate("--file", str(missing), VALID_USCC)
    assert done.returncode == 2
    assert done.stdout == b""  # nothing checked before the file failed to open
    assert done.stderr.decode().strip() == f"错误：{missing}：文件不存在"

    assert validate("--file", str(tmp_path)).returncode == 2  # a directory
    none = validate()
    assert none.returncode == 2 and "--file" in none.stderr.decode()
    assert validate("-", "--file", "-", stdin=b"").returncode == 2
    assert validate("-", "-", stdin=b"").returncode == 2


def test_not_utf8_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    # Line 2 settles UTF-8 (full-width digits); line 4 is then a Latin-1 byte.
    path.write_bytes(
        f"{VALID_USCC}\n\uff19{VALID_USCC[1:]}\n\n".encode() + b"\xe9" + PERSON.encode() + b"\n"
    )
    done = validate("--file", str(path))
    assert done.returncode == 2
    err = done.stderr.decode()
    assert "broken.txt" in err and "line 4" in err and "UTF-8" in err
    assert PERSON[:6] not in err  # no identifier in the message
    assert len(out_lines(done)) == 2  # the lines before it were written


def test_gb18030_after_ascii_lines(tmp_path: Path) -> None:
    path = tmp_path / "gb.txt"
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in VALID_USCC)  # ９１１…
    body = f"{VALID_USCC}\n" * 5000 + f"{full_width}\n"  # past the first read of 64 KiB
    path.write_bytes(body.encode("gb18030"))
    done = validate("--invalid-only", "--file", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().strip() == "5001 identifiers: 5001 valid, 0 invalid"

    utf16 = tmp_path / "utf16.txt"
    utf16.write_text(VALID_USCC, encoding="utf-16")
    done = validate("--file", str(utf16))
    assert done.returncode == 2 and "UTF-16" in done.stderr.decode()


def test_overlong_line_is_rejected_not_read(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_bytes(b"9" * 100_000 + b"\n" + VALID_USCC.encode() + b"\n" + b"x" * 10_000)
    done = validate("--json", "--file", str(path))
    assert done.returncode == 1
    objects = [json.loads(line) for line in out_lines(done)]
    assert [(o["line"], o["valid"]) for o in objects] == [(1, False), (2, True), (3, False)]
    assert "longer than" in objects[0]["error"]


def _reader(stream: IO[bytes]) -> queue.Queue[bytes]:
    lines: queue.Queue[bytes] = queue.Queue()

    def pump() -> None:
        for line in iter(stream.readline, b""):
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_streams_answers_before_input_ends() -> None:
    """Each line is answered while standard input is still open: nothing is read ahead."""
    proc = subprocess.Popen(
        [*_command(), "ids", "validate", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        answers = _reader(proc.stdout)
        for number, code in enumerate([VALID_USCC, BAD_PERSON, PERSON], start=1):
            proc.stdin.write(code.encode() + b"\n")
            proc.stdin.flush()
            answer = json.loads(answers.get(timeout=30))
            assert (answer["line"], answer["normalized"]) == (number, code)
        proc.stdin.close()
        assert proc.wait(timeout=30) == 1
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_a_million_lines_in_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "million.txt"
    codes = [uscc(i) if i % 2 else resident_id(i) for i in range(1, 1001)]
    with path.open("w", encoding="utf-8") as out:
        for _ in range(1000):
            out.write("\n".join(codes) + "\n")
    # A fresh interpreter runs the command, so that its children's peak RSS is the command's.
    measure = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(done.returncode, peak)\n"
    )
    command = [*_command(), "ids", "validate", "--json", "--today", TODAY, "--file", str(path)]
    done = subprocess.run(
        [sys.executable, "-c", measure, *command],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=600,
        check=True,
    )
    status, peak_kib = map(int, done.stdout.split())
    assert status == 0, done.stderr
    assert peak_kib < 150 * 1024, f"peak RSS {peak_kib / 1024:.0f} MiB for 1,000,000 lines"
