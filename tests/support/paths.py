"""Where the shared reference material lies: `../shared` beside the repository (as on a
developer's machine and in CI), or OHLOCAL_SHARED_DIR."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("OHLOCAL_SHARED_DIR") or REPO.parent / "shared")
RECORDINGS = SHARED / "recordings"
REFERENCE = SHARED / "reference"
