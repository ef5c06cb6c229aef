"""The render sandbox: how a render command is wrapped so generated code stays contained.

Layers, strongest last; each is probed once per process and reported by `/health` and
`manimgraph doctor`:

- `env`: the process starts with an empty environment plus a few fixed variables.
- `rlimits`: address space, CPU seconds, file size, open files and processes.
- `timeout`: a wall-clock kill of the whole process tree (and `timeout -s KILL` inside).
- `tex`: TeX may only read and write below the work directory, shell escape off.
- `namespaces`: bubblewrap with new mount, PID, network, IPC, UTS and cgroup namespaces;
  only `/usr`, the Python install, the harness, fonts and TeX are visible (read-only),
  `/tmp` is a small tmpfs and the work directory is the only writable place.
- `uid`: the code runs as an unprivileged uid, not as the server's user.
- `seccomp`: sockets other than unix ones, ptrace, mounts, namespaces, BPF, keyrings,
  io_uring and user-namespace clones fail with EPERM.

`MANIMGRAPH_SANDBOX` selects `strict` (refuse to render without every layer), `standard`
(the strongest layers available here, the rest reported missing) or `off` (no bubblewrap,
uid or seccomp: only for tests of the plain path).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from tools.assets.models import ASSET_DIR
from tools.render.seccomp import seccomp_available, seccomp_program_fd

__all__ = [
    "LAYERS",
    "STANDARD_PATH",
    "Layer",
    "Sandbox",
    "SandboxMode",
    "SandboxSettings",
    "SandboxStatus",
    "SandboxUnavailable",
    "UidPool",
    "WrappedCommand",
    "current_sandbox",
    "sandbox_warning",
    "stage_assets",
    "tex_environment",
]

SandboxMode = Literal["strict", "standard", "off"]
Layer = Literal["env", "rlimits", "timeout", "tex", "namespaces", "uid", "seccomp"]
LAYERS: tuple[Layer, ...] = ("env", "rlimits", "timeout", "tex", "namespaces", "uid", "seccomp")
ISOLATION_LAYERS: tuple[Layer, ...] = ("namespaces", "uid", "seccomp")

# Where things appear inside the sandbox.
WORKDIR = Path("/render")
HARNESS_ROOT = Path("/opt/manimgraph")
TMPFS_BYTES = 256 * 2**20
# Read-only system paths a render needs besides /usr: fonts, TeX's configuration and formats.
SYSTEM_PATHS = ("/etc/fonts", "/etc/texmf", "/var/lib/texmf", "/var/cache/fontconfig")
ROOT_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
PROBE_TIMEOUT_S = 20.0
STANDARD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class SandboxSettings(BaseSettings):
    """`MANIMGRAPH_SANDBOX` and the uids renders drop to when the server runs as root.

    Each concurrent render (and each warm worker) has a uid of its own, so one render's
    process limit, signals and files never reach another's.
    """

    model_config = SettingsConfigDict(env_prefix="MANIMGRAPH_", extra="ignore")

    sandbox: SandboxMode = "standard"
    warm_renders: bool = Field(
        default=True, description="Keep Manim imported in sandboxed workers (full sandbox only)."
    )
    sandbox_uid: int = Field(
        default=61184, ge=1, description="First uid of the range renders run as (when root)."
    )
    sandbox_uids: int = Field(
        default=64, ge=1, le=4096, description="How many uids: one per concurrent render."
    )
    sandbox_gid: int = Field(default=65534, ge=1, description="Default: nogroup.")


class SandboxStatus(BaseModel):
    """Which layers wrap each render on this machine, and why any are missing."""

    mode: SandboxMode
    active: list[Layer]
    missing: dict[str, str] = Field(default_factory=dict, description="Layer → reason.")

    @property
    def complete(self) -> bool:
        return all(layer in self.active for layer in ISOLATION_LAYERS)


class SandboxUnavailable(RuntimeError):
    """`strict` mode and a layer is missing: nothing may render."""


@dataclass(frozen=True)
class WrappedCommand:
    """The argv to execute and the file descriptors it must inherit."""

    argv: list[str]
    pass_fds: tuple[int, ...] = ()

    def close(self) -> None:
        for fd in self.pass_fds:
            os.close(fd)


class UidPool:
    """Lends each concurrent render a uid of the range, process-wide.

    The starting point depends on the process id, so two processes on one machine tend to
    use different uids; with the range lent out, renders share its first uid.
    """

    def __init__(self, first: int, count: int) -> None:
        self._first = first
        self._free = deque(range(first, first + count))
        self._free.rotate(-(os.getpid() % count))
        self._lock = threading.Lock()

    def acquire(self) -> int:
        with self._lock:
            return self._free.popleft() if self._free else self._first

    def release(self, uid: int) -> None:
        with self._lock:
            if uid not in self._free:
                self._free.append(uid)


@dataclass(frozen=True)
class Sandbox:
    """Builds the wrapped command of one render from the layers probed at start."""

    status: SandboxStatus
    settings: SandboxSettings
    uids: UidPool = field(init=False, compare=False)

    def __post_init__(self) -> None:
        pool = UidPool(self.settings.sandbox_uid, self.settings.sandbox_uids)
        object.__setattr__(self, "uids", pool)

    def wrap(
        self, argv: list[str], workdir: Path, timeout_s: float | None, uid: int | None = None
    ) -> WrappedCommand:
        """`argv` (a Python harness invocation) as it runs inside the sandbox.

        `workdir` must be fresh: Manim reads `manim.cfg` from it. With the `uid` layer it
        is handed to the unprivileged uid, which owns everything the render writes.
        `timeout_s` None is for a long-lived worker whose caller enforces time itself.
        `uid` is the leased uid (`lease_uid`); the first of the range by default.
        """
        if self.status.mode == "strict" and not self.status.complete:
            raise SandboxUnavailable(_missing_text(self.status))
        if "namespaces" not in self.status.active:
            return WrappedCommand(argv)
        drop = "uid" in self.status.active
        user = self.settings.sandbox_uid if uid is None else uid
        if drop:
            os.chown(workdir, user, self.settings.sandbox_gid)
        kill = [] if timeout_s is None else [_tool("timeout"), "-s", "KILL", f"{timeout_s + 5:g}"]
        inner = [*kill, *(_drop_privileges(user, self.settings.sandbox_gid) if drop else []), *argv]
        if "seccomp" not in self.status.active:
            return WrappedCommand(_bwrap(workdir, root=drop) + inner)
        fd = seccomp_program_fd()
        return WrappedCommand([*_bwrap(workdir, root=drop), "--seccomp", str(fd), *inner], (fd,))

    @property
    def workdir_inside(self) -> Path | None:
        """Where the work directory appears to the render, when it is remapped."""
        return WORKDIR if "namespaces" in self.status.active else None

    @property
    def harness_root(self) -> Path | None:
        """Where the harness package appears to the render, when it is remapped."""
        return HARNESS_ROOT if "namespaces" in self.status.active else None


@functools.cache
def current_sandbox() -> Sandbox:
    """The sandbox for this process, probed once: a trial run of each layer."""
    settings = SandboxSettings()
    return Sandbox(status=probe(settings), settings=settings)


def probe(settings: SandboxSettings) -> SandboxStatus:
    """Find the strongest working layers by running Python under them."""
    base: list[Layer] = ["env", "rlimits", "timeout", "tex"]
    missing: dict[str, str] = {}
    if settings.sandbox == "off":
        missing = dict.fromkeys(ISOLATION_LAYERS, "the sandbox is off (MANIMGRAPH_SANDBOX=off)")
        return SandboxStatus(mode="off", active=base, missing=missing)
    if shutil.which("bwrap", path=STANDARD_PATH) is None:
        missing["namespaces"] = "bubblewrap is not installed (apt-get install bubblewrap)"
    else:
        problem = _trial(settings, uid=False, seccomp=False)
        if problem is not None:
            missing["namespaces"] = f"bubblewrap cannot create namespaces here: {problem}"
    if "namespaces" in missing:
        missing["uid"] = missing["seccomp"] = "needs the namespaces layer"
        return SandboxStatus(mode=settings.sandbox, active=base, missing=missing)
    active: list[Layer] = [*base, "namespaces"]
    uid = os.geteuid() == 0
    if not uid:
        missing["uid"] = "the server is not root, so renders cannot drop to another uid"
    elif (problem := _trial(settings, uid=True, seccomp=False)) is not None:
        missing["uid"], uid = f"cannot drop to uid {settings.sandbox_uid}: {problem}", False
    else:
        active.append("uid")
    problem = seccomp_available() or _trial(settings, uid=uid, seccomp=True)
    if problem is None:
        active.append("seccomp")
    else:
        missing["seccomp"] = problem
    return SandboxStatus(mode=settings.sandbox, active=active, missing=missing)


def _trial(settings: SandboxSettings, *, uid: bool, seccomp: bool) -> str | None:
    """Run `python -c pass` under the given layers; None when it works, else the error."""
    layers: list[Layer] = ["namespaces"]
    layers += ["uid"] if uid else []
    layers += ["seccomp"] if seccomp else []
    status = SandboxStatus(mode="standard", active=layers)
    sandbox = Sandbox(status=status, settings=settings)
    work = Path(tempfile.mkdtemp(prefix="manimgraph-probe-"))
    try:
        command = sandbox.wrap([sys.executable, "-I", "-c", "pass"], work, PROBE_TIMEOUT_S)
        try:
            done = subprocess.run(
                command.argv,
                env={},
                capture_output=True,
                timeout=PROBE_TIMEOUT_S,
                pass_fds=command.pass_fds,
                check=False,
            )
        finally:
            command.close()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if done.returncode == 0:
        return None
    lines = done.stderr.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


def _drop_privileges(uid: int, gid: int) -> list[str]:
    return [
        _tool("setpriv"),
        f"--reuid={uid}",
        f"--regid={gid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
    ]


def _bwrap(workdir: Path, *, root: bool) -> list[str]:
    """bubblewrap's arguments: every namespace, read-only system, one writable directory.

    As root the mounts are made with real privileges and the code drops to the sandbox
    uid with `setpriv` (a user namespace would map it back to host root); otherwise a
    user namespace is created and further ones are refused.
    """
    argv = [
        _tool("bwrap"),
        "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session",
    ]  # fmt: skip
    if root:
        argv += ["--cap-add", "CAP_SETUID,CAP_SETGID"]
    else:
        argv += ["--unshare-user", "--disable-userns"]
    argv += ["--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev"]
    # Before the binds: a project or virtualenv under /tmp must stay visible above it.
    argv += ["--perms", "1777", "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp"]
    for name in ROOT_LINKS:
        path = Path("/") / name
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), str(path)]
    made: set[Path] = {Path("/"), Path("/tmp")}  # /tmp is writable: parents go in it
    mounts: set[Path] = {Path("/usr"), Path("/proc"), Path("/dev")}
    for source, target in _read_only_binds():
        argv += [*_parents(target, made, mounts), "--ro-bind", str(source), str(target)]
    argv += _parents(WORKDIR, made, mounts)
    argv += ["--bind", str(workdir), str(WORKDIR), "--chdir", str(WORKDIR)]
    staged = workdir / ASSET_DIR
    if staged.is_dir() and not staged.is_symlink():
        argv += ["--ro-bind", str(staged), str(WORKDIR / ASSET_DIR)]
    return argv


def stage_assets(workdir: Path, assets: Mapping[str, Path]) -> None:
    """Copy the files a scene may load into `workdir/assets/`, read-only (blocking).

    The render sees its own copies, never the stored originals, and only by a relative
    path beside its scene file; with the namespaces layer the folder is also mounted
    read-only, so not even a render under the server's own uid can change it.

    Raises:
        ValueError: a name that is not a plain file name.
    """
    if not assets:
        return
    folder = workdir / ASSET_DIR
    folder.mkdir(mode=0o755)
    for name, source in assets.items():
        if Path(name).name != name or name.startswith("."):
            raise ValueError(f"not a plain asset file name: {name!r}")
        target = folder / name
        shutil.copyfile(source, target)
        target.chmod(0o444)


def _read_only_binds() -> list[tuple[Path, Path]]:
    """Fonts and TeX's configuration, the Python install, the virtualenv, Manim plugins
    installed outside it, and the harness."""
    from tools.plugins import plugin_paths  # tools.plugins imports this package's models

    binds = [(Path(path), Path(path)) for path in SYSTEM_PATHS if Path(path).exists()]
    prefixes = sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()})
    for prefix in prefixes:
        if not prefix.is_relative_to("/usr"):
            binds.append((prefix, prefix))
    shown = [Path("/usr"), *prefixes]
    for path in plugin_paths():
        if not any(path.is_relative_to(root) for root in shown):
            binds.append((path, path))
    tools = Path(__file__).resolve().parents[1]
    binds.append((tools, HARNESS_ROOT / tools.name))
    return binds


def _parents(target: Path, made: set[Path], mounts: set[Path]) -> list[str]:
    """`--dir` for each missing ancestor, world-traversable (bubblewrap's default is 0700)."""
    argv: list[str] = []
    for parent in reversed(target.parents):
        if parent in made or any(parent.is_relative_to(mount) for mount in mounts):
            continue
        made.add(parent)
        argv += ["--perms", "0755", "--dir", str(parent)]
    mounts.add(target)
    return argv


def tex_environment(workdir: Path) -> dict[str, str]:
    """TeX's file access, which kpathsea reads from the environment over texmf.cnf.

    TeX opens files only by search or below the work directory (never a dotfile or an
    absolute path elsewhere), and shell escape (`\\write18`) is off.
    """
    return {
        "openin_any": "p",
        "openout_any": "p",
        "TEXMFOUTPUT": str(workdir),
        "shell_escape": "f",
    }


def sandbox_warning(status: SandboxStatus) -> str | None:
    """One line to show at start-up when renders run with less than full isolation."""
    if status.complete:
        return None
    missing = "; ".join(f"{layer}: {why}" for layer, why in status.missing.items())
    return f"sandbox ({status.mode}) is missing layers, generated code is less contained: {missing}"


def _tool(name: str) -> str:
    """The absolute path of a system tool: the render's own PATH may not contain it."""
    return shutil.which(name, path=STANDARD_PATH) or name


def _missing_text(status: SandboxStatus) -> str:
    reasons = "; ".join(f"{layer}: {why}" for layer, why in status.missing.items())
    return (
        f"the strict sandbox cannot run here ({reasons}). Install bubblewrap and libseccomp2, "
        "run as root, or set MANIMGRAPH_SANDBOX=standard."
    )
