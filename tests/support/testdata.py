"""Where the team's shared third-party test files are: they live beside the repository, never in it.

``CONVEYOR_TESTDATA`` wins; then ``../shared/testdata``; a clone made elsewhere (``git clone . /tmp/x``) finds them
beside the repository it was cloned from. Every test reads them through ``TESTDATA``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conveyor.cli.up_demo import TESTDATA_ENV, testdata_root

ROOT = Path(__file__).resolve().parents[2]


def shared_testdata() -> Path:
    """The shared ``testdata`` folder (see the module docstring for the order it is looked up in)."""
    beside = testdata_root()  # the variable, else beside the checkout: as ``conveyor up --demo`` looks
    if os.environ.get(TESTDATA_ENV, "").strip() or beside.is_dir():
        return beside.resolve()
    found = subprocess.run(
        ["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"], capture_output=True, text=True, check=False
    )
    origin = Path(found.stdout.strip())
    if found.stdout.strip() and origin.is_dir():
        return (origin.resolve().parent / "shared" / "testdata").resolve()
    return beside


TESTDATA = shared_testdata()
