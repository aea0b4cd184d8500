"""Writing output files atomically: into a temporary file beside the target, then one rename.
A failed write leaves no half file and an existing file untouched."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import InputError


@contextmanager
def atomic_path(out: Path) -> Iterator[Path]:
    """Yields a temporary path to write; on success it replaces `out`."""
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, out)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
