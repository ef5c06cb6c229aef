"""Turn a failed render into a compact, classified `RenderError`.

Only `code` errors go back to a model, so the split matters: a missing LaTeX binary or a
memory cap is not something a rewrite of the scene can fix. Messages stay short (the
exception line, the user's line and its source, the TeX `!` line), never a traceback.
This module does not import Manim: the runner uses it on exit statuses too.
"""

from __future__ import annotations

import errno
import re
import resource
import signal
import traceback
from pathlib import Path

from tools.render.models import RenderError

__all__ = [
    "error_from_exception",
    "error_from_exit",
    "latex_error",
    "timeout_error",
]

MAX_MESSAGE_CHARS = 600

TEX_PROGRAMS = frozenset({"latex", "pdflatex", "xelatex", "lualatex", "dvisvgm"})
LATEX_INSTALL_HINT = (
    "apt-get install texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm"
)
# Files the default TeX template loads: when one is missing the installation is incomplete.
TEMPLATE_TEX_FILES = frozenset(
    {"standalone.cls", "preview.sty", "babel.sty", "english.ldf", "amsmath.sty", "amssymb.sty"}
)

_TEX_FAILURE = re.compile(r"error converting to \w+\. .*the log file: (?P<log>\S+\.log)")
_UNESCAPED_PERCENT = re.compile(r"(?<!\\)%")
_SVG_GROUP_OPEN = "dvisvgm:raw <g"
_SVG_GROUP_CLOSE = "dvisvgm:raw </g>"
_TEX_FILE_NOT_FOUND = re.compile(r"File `(?P<file>[^']+)' not found")
_TRAILING_MACRO = re.compile(r"(\\[A-Za-z@]+)\s*$")
# The sandbox refused: a denied syscall or permission (EPERM, EACCES), or a write to the
# read-only system (EROFS).
DENIED_ERRNOS = frozenset({errno.EPERM, errno.EACCES, errno.EROFS})
_MEMORY_HINTS = ("MemoryError", "Cannot allocate memory", "bad_alloc", "out of memory")

_SIGNAL_LIMITS: dict[int, str] = {
    signal.SIGXCPU: "the CPU-time limit",
    signal.SIGXFSZ: "the file-size limit",
    signal.SIGKILL: "a kill signal (usually the memory limit or the system's OOM killer)",
}


def timeout_error(timeout_s: float) -> RenderError:
    """The render ran past its wall-clock budget and was killed."""
    return RenderError(
        kind="timeout",
        type="Timeout",
        message=f"The render did not finish within {timeout_s:g} s and was killed.",
    )


def error_from_exception(exc: BaseException, scene_file: Path) -> RenderError:
    """Classify an exception raised while loading or running the scene file."""
    line, excerpt = _user_location(exc, scene_file)
    kind_type = type(exc).__name__
    if isinstance(exc, OSError) and exc.errno in DENIED_ERRNOS:
        message = f"The sandbox denied an operation: {_shorten(str(exc))}"
        return RenderError(
            kind="security", type=kind_type, message=message, line=line, excerpt=excerpt
        )
    limit = _limit_message(exc)
    if limit is not None:
        return RenderError(kind="limit", type=kind_type, message=limit, line=line, excerpt=excerpt)
    cut_short = _tex_cut_short(exc)
    if cut_short is not None:
        return cut_short.model_copy(update={"line": line, "excerpt": excerpt})
    environment = _environment_message(exc)
    if environment is not None:
        return RenderError(
            kind="environment", type=kind_type, message=environment, line=line, excerpt=excerpt
        )
    tex = latex_error(str(exc))
    if tex is not None:
        return tex.model_copy(update={"line": line, "excerpt": excerpt})
    # A SyntaxError's str() repeats the file and line that `line` already carries.
    message = _shorten(exc.msg if isinstance(exc, SyntaxError) else str(exc))
    if not message:
        # e.g. `raise NotImplementedError()` inside a Manim method the scene relies on.
        where = f" at line {line}" if line is not None else ""
        message = f"{kind_type} raised with no message{where}: the call there is not supported"
    return RenderError(kind="code", type=kind_type, message=message, line=line, excerpt=excerpt)


def latex_error(message: str) -> RenderError | None:
    """Read the TeX log named in Manim's "error converting" message and keep its `!` line."""
    match = _TEX_FAILURE.search(message)
    if match is None:
        return None
    log = Path(match["log"])
    bang = _tex_bang_line(log.read_text(errors="replace")) if log.exists() else None
    if bang is None:
        return RenderError(
            kind="environment",
            type="LaTeXError",
            message=f"LaTeX failed without a readable log ({log.name}). {LATEX_INSTALL_HINT}",
        )
    missing = _TEX_FILE_NOT_FOUND.search(bang)
    if missing is not None and missing["file"] in TEMPLATE_TEX_FILES:
        return RenderError(
            kind="environment",
            type="LaTeXError",
            message=f"LaTeX is incomplete ({bang}): {LATEX_INSTALL_HINT}",
        )
    return RenderError(kind="code", type="LaTeXError", message=f"LaTeX failed: {bang}")


def error_from_exit(returncode: int, output_tail: str) -> RenderError:
    """Classify a render process that ended without writing its result file."""
    if returncode < 0:
        number = -returncode
        name = _signal_name(number)
        if number in _SIGNAL_LIMITS:
            return RenderError(
                kind="limit",
                type=name,
                message=f"The render was stopped by {_SIGNAL_LIMITS[number]}.",
            )
        if any(hint in output_tail for hint in _MEMORY_HINTS):
            return RenderError(
                kind="limit",
                type=name,
                message=f"The render ran out of memory and crashed ({name}).",
            )
        return RenderError(
            kind="environment",
            type=name,
            message=f"The renderer crashed with {name}: {_last_line(output_tail)}",
        )
    if "Traceback" in output_tail:
        return RenderError(
            kind="environment",
            type="HarnessError",
            message=f"The render harness failed to start: {_last_line(output_tail)}",
        )
    return RenderError(
        kind="code",
        type="SystemExit",
        message=f"The scene ended the process (exit status {returncode}) before it finished.",
    )


def _user_location(exc: BaseException, scene_file: Path) -> tuple[int | None, str | None]:
    """The innermost line of the scene file involved in the exception, with its source."""
    path = str(scene_file)
    line: int | None = None
    if isinstance(exc, SyntaxError) and exc.filename == path:
        line = exc.lineno
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
        line = frames[-1].lineno if frames else None
    if line is None:
        return None, None
    lines = scene_file.read_text(errors="replace").splitlines()
    excerpt = lines[line - 1].strip() if 0 < line <= len(lines) else None
    return line, excerpt


def _tex_cut_short(exc: BaseException) -> RenderError | None:
    """dvisvgm's "does not support converting" when the TeX source commented out its own end.

    An unescaped `%` in a string hides the rest of its line, including the closing marker
    Manim puts after each part, so the DVI holds unbalanced SVG groups and dvisvgm writes
    nothing. LaTeX itself worked, so the scene is at fault, not the installation.
    """
    if "does not support converting" not in str(exc):
        return None
    tex_file = _traceback_local(exc, "dvi_file")
    if not isinstance(tex_file, Path):
        return None
    tex_file = tex_file.with_suffix(".tex")
    if not tex_file.exists():
        return None
    source = tex_file.read_text(errors="replace")
    body = source.split("\\begin{document}", 1)[-1]
    kept = "\n".join(_UNESCAPED_PERCENT.split(line, 1)[0] for line in body.splitlines())
    if kept.count(_SVG_GROUP_OPEN) == kept.count(_SVG_GROUP_CLOSE) and "\\end{document}" in kept:
        return None
    return RenderError(
        kind="code",
        type="LaTeXError",
        message="LaTeX output was cut short: an unescaped % in a TeX string commented out "
        "the rest of its line; write \\% for a percent sign.",
    )


def _traceback_local(exc: BaseException, name: str) -> object:
    """The innermost frame's local `name` along the exception's traceback, if any."""
    found: object = None
    tb = exc.__traceback__
    while tb is not None:
        found = tb.tb_frame.f_locals.get(name, found)
        tb = tb.tb_next
    return found


def _limit_message(exc: BaseException) -> str | None:
    if isinstance(exc, MemoryError):
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        cap = "" if soft == resource.RLIM_INFINITY else f" of {soft // 2**20} MB"
        return f"The render ran out of memory (address-space limit{cap})."
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
        cap = "" if soft == resource.RLIM_INFINITY else f" of {soft // 2**20} MB"
        return f"The render wrote a file larger than the file-size limit{cap}."
    if _out_of_processes(exc):
        soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
        cap = "" if soft == resource.RLIM_INFINITY else f" of {soft}"
        return f"The render hit the process and thread limit{cap}: start fewer."
    return None


def _out_of_processes(exc: BaseException) -> bool:
    """A fork or thread start refused by the process limit."""
    if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
        return True
    # A refused fork raises EAGAIN from os.fork or subprocess, not from a socket read.
    frames = traceback.extract_tb(exc.__traceback__)
    forking = any(f.name in ("fork", "_fork_exec", "_execute_child") for f in frames)
    return isinstance(exc, BlockingIOError) and exc.errno == errno.EAGAIN and forking


def _environment_message(exc: BaseException) -> str | None:
    if isinstance(exc, FileNotFoundError) and Path(str(exc.filename)).name in TEX_PROGRAMS:
        return f"{Path(str(exc.filename)).name} is not installed (LaTeX): {LATEX_INSTALL_HINT}"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "The disk is full: free space for the render's media directory."
    text = str(exc)
    if "does not support converting" in text:
        return f"dvisvgm cannot convert TeX output to SVG: {LATEX_INSTALL_HINT}"
    if "failed but did not produce a log file" in text:
        return f"LaTeX is broken: {_shorten(text)} {LATEX_INSTALL_HINT}"
    return None


def _tex_bang_line(log: str) -> str | None:
    """The first `!` line of a TeX log; for an undefined macro, the macro's name as well."""
    lines = log.splitlines()
    for index, text in enumerate(lines):
        if not text.startswith("!"):
            continue
        if "Undefined control sequence" in text and index + 1 < len(lines):
            macro = _TRAILING_MACRO.search(lines[index + 1])
            if macro is not None:
                return f"{text} {macro.group(1)}"
        return text
    return None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return _shorten(lines[-1]) if lines else "no output"


def _shorten(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"
