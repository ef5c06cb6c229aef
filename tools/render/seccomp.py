"""The seccomp filter of the render sandbox, compiled to BPF for bubblewrap's `--seccomp FD`.

Denied calls fail with EPERM rather than killing the process, so a scene that tries one
gets a Python exception the harness can classify as a `security` error.
"""

from __future__ import annotations

import errno
import os
import socket

__all__ = ["ALLOWED_SOCKET_FAMILY", "DENIED_SYSCALLS", "seccomp_available", "seccomp_program_fd"]

# Everything a render never needs and an escape would: tracing, mounts, namespaces, kernel
# keyrings, BPF, io_uring (which bypasses per-syscall filtering), module and clock control,
# and memory outside the address-space limit (memfd files and SysV IPC, which stays after
# its process ends).
DENIED_SYSCALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root",
    "chroot", "unshare", "setns", "bpf", "keyctl", "add_key", "request_key", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "perf_event_open", "userfaultfd", "kexec_load",
    "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "syslog",
    "acct", "settimeofday", "clock_settime", "open_by_handle_at", "name_to_handle_at",
    "fsopen", "fsmount", "move_mount", "open_tree", "memfd_create", "shmget", "msgget",
    "semget",
)  # fmt: skip
# Unix sockets stay: the network namespace already hides the host's, and Python uses them.
# Every other family is refused, not only inet: vsock, for one, is in no namespace and
# reaches the host of a virtual machine.
ALLOWED_SOCKET_FAMILY = socket.AF_UNIX
CLONE_NEWUSER = 0x10000000


def seccomp_available() -> str | None:
    """None when a filter can be built here, else why not."""
    try:
        import pyseccomp  # type: ignore[import-untyped]  # noqa: F401
    except (ImportError, OSError) as exc:  # the binding loads libseccomp.so.2 on import
        return f"libseccomp is unavailable ({exc}); install libseccomp2 and pyseccomp"
    return None


def seccomp_program_fd() -> int:
    """A file descriptor holding the compiled filter; the caller passes it on and closes it."""
    import pyseccomp as seccomp  # type: ignore[import-untyped]

    deny = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in DENIED_SYSCALLS:
        rules.add_rule(deny, name)
    for call in ("socket", "socketpair"):
        rules.add_rule(deny, call, seccomp.Arg(0, seccomp.NE, ALLOWED_SOCKET_FAMILY))
    rules.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER))
    # clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back
    # to clone, which the rule above inspects.
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    fd = os.memfd_create("manimgraph-seccomp")
    with os.fdopen(os.dup(fd), "wb") as program:
        rules.export_bpf(program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
