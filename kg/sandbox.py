"""The second wall: a process that evaluates user SPARQL cannot open network sockets.

The guard (kg.sparqlguard) decides on a parse, and a parser can disagree with Oxigraph's. This wall
does not depend on any parser: a seccomp-BPF filter makes socket(2) and socketpair(2) fail with
EACCES for every address family except AF_UNIX (pipes, multiprocessing and local IPC keep working),
and io_uring_setup(2) fail with ENOSYS (io_uring could open sockets without the socket syscall).
Everything else is allowed. The filter covers every thread of the process (SECCOMP_FILTER_FLAG_TSYNC)
and is inherited by child processes; it cannot be removed, so call it only in processes (or at the
point of a command) that need no network afterwards.

Linux on x86_64 and aarch64 only; elsewhere `deny_network()` returns the reason and the caller says
it once and continues with the first wall alone.
"""

from __future__ import annotations

import platform
import struct
import sys

_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_AF_UNIX = 1
_EACCES = 13
_ENOSYS = 38

# BPF instruction classes and the few opcodes used.
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000

# offsets in struct seccomp_data: nr (u32), arch (u32), instruction_pointer (u64), args[6] (u64)
_NR, _ARCH, _ARG0 = 0, 4, 16

# machine -> (AUDIT_ARCH_*, seccomp, socket, socketpair, io_uring_setup, x32 bit or 0)
_ARCHES = {
    "x86_64": (0xC000003E, 317, 41, 53, 425, 0x40000000),
    "aarch64": (0xC00000B7, 277, 198, 199, 425, 0),
}

_result: list[str | None] = []  # empty: not tried yet; else the one outcome


def deny_network() -> str | None:
    """Installs the filter; None on success, else a one-line reason. A second call is a no-op."""
    if not _result:
        _result.append(_install())
    return _result[0]


def is_denied() -> bool:
    """Whether this process (or the parent it was forked from) installed the filter."""
    return bool(_result) and _result[0] is None


def _program(arch: tuple[int, int, int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """The filter, as (code, jt, jf, k). Jumps are relative to the next instruction."""
    audit, _, socket_nr, socketpair_nr, uring_nr, x32 = arch
    deny_errno = lambda errno: (_RET_K, 0, 0, _RET_ERRNO | errno)  # noqa: E731
    prog = [
        (_LD_W_ABS, 0, 0, _ARCH),
        (_JEQ_K, 1, 0, audit),  # native arch: go on; else (i386 on x86_64, ...): ENOSYS
        deny_errno(_ENOSYS),
        (_LD_W_ABS, 0, 0, _NR),
    ]
    if x32:
        prog += [(_JGE_K, 0, 1, x32), deny_errno(_ENOSYS)]  # x32 ABI calls carry their own numbers
    prog += [
        (_JEQ_K, 5, 0, uring_nr),
        (_JEQ_K, 1, 0, socket_nr),
        (_JEQ_K, 0, 4, socketpair_nr),
        (_LD_W_ABS, 0, 0, _ARG0),  # the address family (low 32 bits of args[0])
        (_JEQ_K, 2, 0, _AF_UNIX),
        deny_errno(_EACCES),
        deny_errno(_ENOSYS),  # io_uring_setup lands here
        (_RET_K, 0, 0, _RET_ALLOW),
    ]
    # Jumps: io_uring (+5) lands on ENOSYS, a socketpair miss (+4) and AF_UNIX (+2) on ALLOW.
    return prog


def _install() -> str | None:
    if not sys.platform.startswith("linux"):
        return f"network sandbox unavailable: seccomp needs Linux, this is {sys.platform}"
    machine = platform.machine().lower()
    arch = _ARCHES.get({"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine))
    if arch is None:
        return f"network sandbox unavailable: no seccomp filter for the {machine} architecture"
    if struct.calcsize("P") != 8:
        return "network sandbox unavailable: a 32-bit Python on a 64-bit kernel"
    import ctypes
    import os

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError as exc:
        return f"network sandbox unavailable: cannot load libc ({exc})"
    prog = _program(arch)
    filters = (ctypes.c_ubyte * (8 * len(prog)))()
    for i, (code, jt, jf, k) in enumerate(prog):
        struct.pack_into("=HBBI", filters, 8 * i, code, jt, jf, k)

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(prog), ctypes.addressof(filters))
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"network sandbox unavailable: prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}"
    libc.syscall.restype = ctypes.c_long
    rc = libc.syscall(
        ctypes.c_long(arch[1]),
        ctypes.c_ulong(_SECCOMP_SET_MODE_FILTER),
        ctypes.c_ulong(_SECCOMP_FILTER_FLAG_TSYNC),
        ctypes.byref(fprog),
    )
    if rc == 0:
        return None
    if rc > 0:
        return f"network sandbox unavailable: thread {rc} could not take the seccomp filter"
    return f"network sandbox unavailable: seccomp refused: {os.strerror(ctypes.get_errno())}"
