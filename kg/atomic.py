"""Writing output files (`kg export -o`, `kg viz -o`) without clobbering what is not a file.

What the name points at decides how it is written:
- a regular file or a new name: into a temporary file in the directory of the resolved target,
  then one rename. A failed write leaves no half file and an existing file untouched; a symlink
  is followed, its target replaced and the link kept;
- a character device, a FIFO or a /proc (or /dev/fd) file descriptor: opened and written
  directly, as a shell redirection would (renaming over /dev/full would make it a regular file);
- `-`: streamed to standard output;
- a directory, a block device, a socket, a missing directory, an empty name: refused with one
  line before any work is done.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kg.errors import InputError

# A directory of open file descriptors; its entries are "magic" links that name the open file itself.
_FD_DIR = re.compile(r"/proc/(?:\d+|self|thread-self)(?:/task/\d+)?/fd|/dev/fd")


@dataclass(frozen=True)
class Output:
    """Where output goes, decided once (before any work) by `resolve_output`."""

    shown: str  # the name as the user gave it, for messages
    kind: str  # "atomic" (regular file or new name), "stream" (device, FIFO, fd) or "stdout"
    path: Path | None  # for "atomic": the resolved target; for "stream": the name to open
    same_as_stdout: bool = False  # e.g. /dev/stdout: messages then go to stderr
    fd: int | None = None  # /proc/self/fd/N, /dev/fd/N: written through a copy of this descriptor

    @property
    def is_stdout(self) -> bool:
        """True when the output is what standard output is, so progress and summaries must not go there."""
        return self.kind == "stdout" or self.same_as_stdout

    def __str__(self) -> str:
        return self.shown


def _fd_link(path: str) -> bool:
    return bool(_FD_DIR.fullmatch(os.path.realpath(os.path.dirname(path))))


def _own_fd(path: str) -> int | None:
    """N for /proc/<this process>/fd/N: writing through the descriptor keeps how it was opened
    (`>>` appends, `>` has truncated already), as the shell would."""
    folder = os.path.realpath(os.path.dirname(path))
    name = os.path.basename(path)
    own = re.fullmatch(rf"/proc/{os.getpid()}(?:/task/\d+)?/fd", folder)
    return int(name) if own and name.isdigit() else None


def _follow(path: str) -> tuple[str, bool]:
    """The path with its symlinks followed one by one (so a dangling link names the file to
    create); True if the chain reaches an open file descriptor's magic link."""
    path = os.path.abspath(path)
    for _ in range(40):
        if _fd_link(path):
            return path, True
        if not os.path.islink(path):
            return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path)), False
        path = os.path.join(os.path.dirname(path), os.readlink(path))
        path = os.path.abspath(path)
    raise InputError(f"cannot write {path}: too many levels of symbolic links")


def resolve_output(name: str | os.PathLike) -> Output:
    """Decides how `name` will be written, or refuses it (InputError, exit 2) before any work."""
    shown = os.fspath(name)
    if shown == "-":
        return Output("-", "stdout", None)
    if not shown.strip():
        raise InputError("the output file name is empty (use -o FILE, or -o - for standard output)")
    if shown.endswith(os.sep):
        raise InputError(f"cannot write {shown}: the name ends in '/', not a file name")
    target, via_fd = _follow(shown)
    if via_fd:
        fd = _own_fd(target)
        try:
            os.fstat(fd) if fd is not None else os.stat(target)
        except OSError as exc:
            raise InputError(f"cannot write {shown}: {exc.strerror or exc}") from None
        return Output(shown, "stream", Path(shown), _is_stdout(shown), fd)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(f"cannot write {shown}: {exc.strerror or exc}") from None
    if st is None:
        parent = os.path.dirname(target)
        if not os.path.isdir(parent):
            what = "is not a directory" if os.path.exists(parent) else "does not exist"
            raise InputError(f"cannot write {shown}: the directory {parent} {what}")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(f"cannot write {shown}: the directory {parent} is not writable")
        return Output(shown, "atomic", Path(target))
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise InputError(f"cannot write {shown}: it is a directory")
    if stat.S_ISREG(mode):
        if not os.access(os.path.dirname(target), os.W_OK | os.X_OK):
            raise InputError(f"cannot write {shown}: the directory {os.path.dirname(target)} is not writable")
        return Output(shown, "atomic", Path(target))
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return Output(shown, "stream", Path(shown), _is_stdout(shown))
    kind = "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
    raise InputError(f"cannot write {shown}: it is {kind}")


def _is_stdout(name: str) -> bool:
    try:
        return os.path.samestat(os.stat(name), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError):
        return False


@contextmanager
def open_output(out: Output | str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file to write `out` through; see the module docstring for what each kind does.
    Any OSError (ENOSPC on /dev/full, EPIPE, a full disk) becomes one line, exit 2."""
    target = out if isinstance(out, Output) else resolve_output(out)
    if target.kind == "stdout":
        try:
            sys.stdout.flush()
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            silence_stdout()
            raise  # the reader went away: not an error to report (the CLI exits quietly)
        except OSError as exc:
            silence_stdout()
            raise InputError(f"cannot write to standard output: {exc.strerror or exc}") from None
        return
    if target.kind == "stream":
        try:
            with os.fdopen(os.dup(target.fd), "wb") if target.fd is not None else open(target.path, "wb") as f:
                yield f
        except OSError as exc:
            raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
        return
    with atomic_path(target.path, shown=target.shown) as tmp, open(tmp, "wb") as f:
        yield f


@contextmanager
def atomic_path(out: Path, shown: str | None = None) -> Iterator[Path]:
    """Yields a temporary path beside `out` (a regular file or a new name, symlinks already
    resolved) to write; on success it replaces `out` in one rename, keeping an old file's mode."""
    shown = shown or str(out)
    try:
        fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write {shown}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(name)
    try:
        try:
            mode = stat.S_IMODE(os.stat(out).st_mode)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, out)
    except OSError as exc:
        raise InputError(f"cannot write {shown}: {exc.strerror or exc}") from None
    finally:
        if tmp.exists():
            tmp.unlink()


def silence_stdout() -> None:
    """After a broken pipe, point fd 1 at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
