"""The ``private_names`` contract (tools/importlint_contracts.py), run by lint-imports on a package made for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

FILES = {
    "pkg/__init__.py": "",
    "pkg/a/__init__.py": "_shared = 1\n",
    "pkg/a/impl.py": "_helper = 1\nPUBLIC = 2\n",
    "pkg/a/sub/__init__.py": "",
    "pkg/a/sub/deep.py": "from pkg.a.impl import _helper  # within pkg.a: allowed\n_deep = _helper\n",
    "pkg/a/other.py": "from .impl import _helper  # allowed\nfrom .sub.deep import _deep  # private to pkg.a.sub\n",
    "pkg/b.py": "from pkg.a.impl import PUBLIC, _helper\nfrom pkg.a import _shared\nimport pkg.a.impl\n",
}
CONFIG = """
[importlinter]
root_package = pkg
contract_types =
    private_names: tools.importlint_contracts.PrivateNamesContract

[importlinter:contract:private]
name = Private names
type = private_names
"""


def lint(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / ".importlinter").write_text(CONFIG)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]), "COLUMNS": "200"}
    lint_imports = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_private_names_crossing_a_package_line_break_the_contract(tmp_path: Path) -> None:
    result = lint(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    reported = sorted(line.strip() for line in result.stdout.splitlines() if line.strip().startswith("- pkg."))
    assert reported == [
        "- pkg.a.other (l.2) imports pkg.a.sub.deep._deep (private to pkg.a.sub)",
        "- pkg.b (l.1) imports pkg.a.impl._helper (private to pkg.a)",
        "- pkg.b (l.2) imports pkg.a._shared (private to pkg.a)",
    ]
