"""An uploaded file kept where the server can read it, under one size limit: the rule for every
upload of the page (the data file and the mix's reference file)."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import DistvizError

UPLOAD_LIMIT_MB = float(os.environ.get("DISTVIZ_MAX_UPLOAD_MB", "50"))


def save_upload(filename: str, data: bytes | None, folder: Path) -> Path:
    """Write ``data`` (the bytes of the browser's ``filename``) into ``folder`` under a safe
    name; a file over the upload limit is refused with one line saying what to do."""
    data = data or b""  # None after a file picked: it was empty
    if len(data) > UPLOAD_LIMIT_MB * 2**20:
        raise DistvizError(f"{filename} is {len(data) / 2**20:.1f} MB, over the upload limit "
                           f"of {UPLOAD_LIMIT_MB:g} MB; sample the file, or raise "
                           "DISTVIZ_MAX_UPLOAD_MB where the server runs.")
    # The browser's name may hold path separators or shell characters: keep a plain name.
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(filename).name)
    path = Path(folder) / (safe or "upload.csv")
    path.write_bytes(data)
    return path
