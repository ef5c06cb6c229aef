"""The program inside the render subprocess: the only place that runs generated code.

It loads the scene file, runs it once with nothing rasterised (each play jumps to its end
state, `update_frame` does nothing) to surface errors and collect the layout report, and
in `render` mode then renders for real in the same interpreter, so Manim is imported once.

Usage (cwd = a fresh per-render workdir):
    python -I -m tools.render.harness --code scene.py --result result.json \
        --quality low --frame '{"aspect": "9:16"}' --mode render [--scene NAME]

result.json holds a `RenderResult` whose `video` and `last_frame` are relative to the
workdir; `log` and `seconds` are left for the runner, which sees the whole process.
"""

from __future__ import annotations

import argparse
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tools.render.errors import error_from_exception
from tools.render.models import Frame, RenderError, RenderResult

if TYPE_CHECKING:
    from manim import Scene

    from tools.layout_models import LayoutReport

__all__ = ["main", "run_scene_file"]

MANIM_QUALITY = {"low": "low_quality", "medium": "medium_quality", "high": "high_quality"}
LAST_FRAME_NAME = "last_frame.png"
MEDIA_DIR_NAME = "media"
# Forces Manim's skip path for every play: each animation is interpolated once, at its end.
SKIP_EVERY_PLAY = 10**9


class _SceneChoiceError(Exception):
    """The file does not define exactly one scene to render."""


def main(argv: list[str] | None = None) -> int:
    """Run one validation (and maybe render) and write the result file; exit status 0."""
    parser = argparse.ArgumentParser(prog="python -m tools.render.harness")
    parser.add_argument("--code", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--quality", choices=sorted(MANIM_QUALITY), default="low")
    parser.add_argument("--frame", type=Frame.model_validate_json, default=Frame())
    parser.add_argument("--mode", choices=["validate", "render"], default="render")
    parser.add_argument("--scene", default=None)
    args = parser.parse_args(argv)
    workdir = Path.cwd()
    result_file = args.result.resolve()  # before the scene can chdir
    result = run_scene_file(
        args.code.resolve(), workdir, args.quality, args.mode, args.scene, frame=args.frame
    )
    result_file.write_text(result.model_dump_json(indent=1), encoding="utf-8")
    return 0


def run_scene_file(
    scene_file: Path,
    workdir: Path,
    quality: str,
    mode: Literal["validate", "render"],
    scene_name: str | None,
    *,
    frame: Frame | None = None,
) -> RenderResult:
    """Validate (and maybe render) the scene in `scene_file`; outputs go below `workdir`."""
    frame = frame or Frame()
    try:
        _configure_manim(scene_file, workdir, quality, frame)
    except Exception as exc:
        return _failed(
            RenderError(
                kind="environment",
                type=type(exc).__name__,
                message=f"Manim cannot start ({exc}); reinstall manim and its system "
                "libraries (libcairo2, libpango-1.0).",
            )
        )
    try:
        scene_cls = _load_scene_class(scene_file, scene_name)
    except _SceneChoiceError as exc:
        return _failed(RenderError(kind="code", type="SceneNotFound", message=str(exc)))
    except BaseException as exc:
        return _failed(error_from_exception(exc, scene_file))
    name = scene_cls.__name__
    try:
        layout = _validate(scene_cls, scene_file).model_copy(update={"frame": frame})
    except BaseException as exc:
        return _failed(error_from_exception(exc, scene_file), scene_name=name)
    if mode == "validate":
        return RenderResult(ok=True, scene_name=name, layout=layout)
    try:
        video, duration = _render(scene_cls, workdir / LAST_FRAME_NAME)
    except BaseException as exc:
        return _failed(error_from_exception(exc, scene_file), scene_name=name, layout=layout)
    if video is not None and not video.is_relative_to(workdir):
        message = f"The video was written outside the work directory ({video}): leave media_dir."
        return _failed(
            RenderError(kind="code", type="OutputOutsideWorkdir", message=message),
            scene_name=name,
            layout=layout,
        )
    return RenderResult(
        ok=True,
        scene_name=name,
        video=video.relative_to(workdir) if video is not None else None,
        last_frame=Path(LAST_FRAME_NAME),
        duration=duration,
        layout=layout,
    )


def _failed(error: RenderError, **fields: Any) -> RenderResult:
    return RenderResult(ok=False, error=error, **fields)


def _configure_manim(scene_file: Path, workdir: Path, quality: str, frame: Frame) -> None:
    """Settings shared by both passes: the frame, own media dir, no cache, quiet logs."""
    from manim import config

    config.media_dir = str(workdir / MEDIA_DIR_NAME)
    config.input_file = str(scene_file)
    config.quality = MANIM_QUALITY[quality]
    config.pixel_width, config.pixel_height = frame.pixels(quality)
    config.frame_width, config.frame_height = frame.units
    config.frame_rate = frame.frame_rate(quality)
    config.disable_caching = True
    config.verbosity = "WARNING"
    config.progress_bar = "none"


def _load_scene_class(scene_file: Path, scene_name: str | None) -> type[Scene]:
    """Execute the file as a module and pick its scene: the named one, or its only leaf."""
    from manim import Scene

    module = types.ModuleType(scene_file.stem)
    module.__file__ = str(scene_file)
    sys.modules[module.__name__] = module
    code = compile(scene_file.read_bytes(), str(scene_file), "exec")
    exec(code, module.__dict__)
    defined = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Scene)
        and value.__module__ == module.__name__
    ]
    names = ", ".join(cls.__name__ for cls in defined) or "none"
    if scene_name is not None:
        for cls in defined:
            if cls.__name__ == scene_name:
                return cls
        raise _SceneChoiceError(f"No Scene subclass named {scene_name} (defined: {names}).")
    # A base class that another scene in the file extends is not a candidate itself.
    leaves = [
        cls for cls in defined if not any(o is not cls and issubclass(o, cls) for o in defined)
    ]
    if len(leaves) != 1:
        problem = "No Scene subclass is" if not leaves else f"{len(leaves)} Scene subclasses are"
        raise _SceneChoiceError(f"{problem} defined in the file (found: {names}); define one.")
    return leaves[0]


def _validate(scene_cls: type[Scene], scene_file: Path) -> LayoutReport:
    """Run the scene without rasterising anything, and report its layout after each play,
    with the lines of the file that created what is on screen."""
    from manim import tempconfig

    from tools.layout import record_creation_lines, track_layout

    config = {"dry_run": True, "from_animation_number": SKIP_EVERY_PLAY}
    with tempconfig(config), record_creation_lines(scene_file):
        scene = scene_cls()
        scene.renderer.update_frame = _draw_nothing  # type: ignore[method-assign]
        tracker = track_layout(scene, scene_file)
        scene.render()
    return tracker.report()


def _draw_nothing(*_args: object, **_kwargs: object) -> None:
    """Stands in for the renderer's `update_frame` while validating."""


def _render(scene_cls: type[Scene], last_frame: Path) -> tuple[Path | None, float]:
    """Render the video for real and save the final state as a PNG."""
    from manim import CairoRenderer, Camera

    scene = scene_cls()
    scene.render()
    renderer, camera = scene.renderer, scene.camera
    if not isinstance(renderer, CairoRenderer) or not isinstance(camera, Camera):
        raise TypeError("the render harness supports the Cairo renderer only")
    final = getattr(renderer.file_writer, "final_file_path", None)
    video = Path(final) if final is not None and Path(final).suffix == ".mp4" else None
    # The video's last frame precedes the end state; draw the end state itself.
    renderer.static_image = None
    renderer.update_frame(scene)
    camera.get_image().save(last_frame)
    return video, float(renderer.time)


if __name__ == "__main__":
    sys.exit(main())
