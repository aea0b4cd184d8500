"""Errors that reach the user as one line, with a documented exit code.

Exit codes (also in docs/cli.md): 0 success, 1 the data does not conform (validation
violations) or an unknown name, 2 usage or input error (malformed file, unknown term, bad
argument), 3 internal error, 4 a remote store refused, failed or could not be reached.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_INPUT = 2


class Location(NamedTuple):
    """A place in an input file, so every message can say file:line."""

    path: Path
    line: int | None = None

    def __str__(self) -> str:
        from kg.paths import display_path

        shown = display_path(self.path)
        return f"{shown}:{self.line}" if self.line else shown


class KgError(Exception):
    """Base class: carries its exit code so the CLI never has to guess."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, where: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InputError(KgError):
    """Malformed or inconsistent input: a file, a term, an id, an argument."""

    exit_code = EXIT_INPUT


class ViolationsFound(KgError):
    """The data loaded but does not conform; `lines` are file:line: message strings."""

    exit_code = EXIT_VIOLATIONS

    def __init__(self, lines: list[str]) -> None:
        super().__init__(f"{len(lines)} violation(s)")
        self.lines = lines
