"""Create or locate the peers' virtual environment (``.venv-bench/``) for the benchmarks.

The peers (csdid, differences, moderndid, diff-diff) are installed from
``benchmarks/peers-requirements.txt`` into their own environment so that the project's
``.venv`` never depends on them (``differences`` is GPL-3; effekt only calls it here).
``EFFEKT_PEERS_PYTHON`` names an existing interpreter with the peers instead.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = ROOT / ".venv-bench"
REQUIREMENTS = HERE / "peers-requirements.txt"


def _stamp() -> Path:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    return VENV / f".installed-{digest}"


def peers_python(create: bool = True) -> tuple[str | None, str]:
    """Return (path of the peers' python or None, a note saying where it came from or why not).

    With ``create`` the environment is made (``python -m venv`` and ``pip install -r
    peers-requirements.txt``) when it is missing or the requirements changed.
    """
    env = os.environ.get("EFFEKT_PEERS_PYTHON")
    if env:
        return (env, f"EFFEKT_PEERS_PYTHON={env}") if Path(env).exists() else (
            None, f"EFFEKT_PEERS_PYTHON={env} does not exist")
    py = VENV / "bin" / "python"
    if py.exists() and _stamp().exists():
        return str(py), f"{VENV.name}/ (from {REQUIREMENTS.name})"
    if not create:
        return None, f"{VENV.name}/ not installed"
    print(f"creating {VENV} with the peers from {REQUIREMENTS.name} ...", flush=True)
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(VENV)],
        [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(REQUIREMENTS)],
    ]
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["failed"]
            return None, f"could not install the peers ({' '.join(cmd[-3:])}): {last[0]}"
    _stamp().touch()
    return str(py), f"{VENV.name}/ (created from {REQUIREMENTS.name})"


if __name__ == "__main__":
    path, note = peers_python()
    print(path or "", note)
    sys.exit(0 if path else 1)
