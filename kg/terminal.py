"""Text that came from data, made safe to print on a terminal.

A label such as "\\x1b]0;pwn\\x07" (set the window title) or "\\x1b[2J" (clear the screen) is data,
not a command to the user's terminal: C0 and C1 control characters and DEL are shown as visible
escapes. Newline and tab are kept where the layout puts them (`keep`). JSON output needs none of
this: json.dumps escapes control characters itself.
"""

from __future__ import annotations

import re

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text: str, keep_layout: bool = True) -> str:
    """`text` with control characters as `\\xNN`; keeps newline and tab unless keep_layout=False."""
    pattern = _CONTROLS if keep_layout else _CONTROLS_ALL
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
