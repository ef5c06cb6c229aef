"""The layout report, measured on real scenes run through the harness's validation pass."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent, indent

import pytest

from tools.layout_models import LayoutIssue, LayoutReport
from tools.render import RenderSettings, render_scene

pytestmark = pytest.mark.slow


async def layout_of(tmp_path: Path, body: str, base: str = "Scene") -> LayoutReport:
    code = f"from manim import *\n\n\nclass S({base}):\n    def construct(self):\n" + indent(
        dedent(body), " " * 8
    )
    result = await render_scene(code, tmp_path, RenderSettings(), mode="validate")
    assert result.ok, result.error
    assert result.layout is not None
    return result.layout


def only(report: LayoutReport) -> LayoutIssue:
    assert len(report.issues) == 1, report.issues
    return report.issues[0]


async def test_text_past_the_right_edge_is_severe(tmp_path: Path) -> None:
    report = await layout_of(
        tmp_path,
        """
        self.wait(0.1)
        self.play(FadeIn(Text("Far right title").shift(RIGHT * 6)))
        """,
    )

    issue = only(report)
    assert (issue.kind, issue.severe, issue.mobjects) == (
        "out_of_frame",
        True,
        ["Text('Far right title')"],
    )
    assert (issue.first_animation, issue.last_animation, issue.persists) == (1, 1, True)
    assert "right edge" in issue.detail


async def test_shape_slightly_out_is_reported_but_not_severe(tmp_path: Path) -> None:
    report = await layout_of(
        tmp_path, "self.play(Create(Circle(radius=1).to_edge(DOWN, buff=-0.3)))"
    )

    issue = only(report)
    assert (issue.kind, issue.severe, issue.mobjects) == ("out_of_frame", False, ["Circle"])
    assert "bottom edge" in issue.detail


async def test_overlapping_texts(tmp_path: Path) -> None:
    report = await layout_of(
        tmp_path,
        """
        self.play(FadeIn(Text("Hello world")), FadeIn(Text("Second line").shift(DOWN * 0.2)))
        """,
    )

    issue = only(report)
    assert (issue.kind, issue.severe) == ("text_overlap", True)
    assert sorted(issue.mobjects) == ["Text('Hello world')", "Text('Second line')"]


async def test_tiny_text_tracks_scale(tmp_path: Path) -> None:
    report = await layout_of(
        tmp_path,
        """
        self.play(FadeIn(Text("x", font_size=10).shift(UP * 2)))
        self.play(FadeIn(MathTex("a^2").scale(0.3).shift(DOWN * 2)))
        self.play(FadeIn(Text("big enough", font_size=48).scale(0.5)))
        """,
    )

    assert [(i.kind, i.mobjects, i.first_animation) for i in report.issues] == [
        ("tiny_text", ["Text('x')"], 0),
        ("tiny_text", ["MathTex('a^2')"], 1),
    ]
    assert "effective font size 10.0" in report.issues[0].detail
    assert "effective font size 14.4" in report.issues[1].detail


async def test_clean_title_and_bullets_have_no_issues(tmp_path: Path) -> None:
    report = await layout_of(
        tmp_path,
        """
        title = Text("Bayes rule", font_size=44).to_edge(UP)
        bullets = VGroup(
            *[Text(f"- point number {i}", font_size=28) for i in range(4)]
        ).arrange(DOWN, aligned_edge=LEFT).next_to(title, DOWN, buff=0.6)
        plane = NumberPlane()
        ghost = Text("invisible, off screen").shift(RIGHT * 9).set_opacity(0)
        self.add(plane, ghost, ValueTracker(0))
        self.play(Write(title))
        self.play(FadeIn(bullets, shift=UP))
        self.play(Create(Circle().to_corner(DR)))
        self.wait()
        """,
    )

    assert report.animations == 4
    assert report.issues == []


async def test_transient_issue_is_reported_once_with_its_span(tmp_path: Path) -> None:
    report = await layout_of(
        tmp_path,
        """
        a = Text("Alpha")
        b = Text("Beta").move_to(a)
        self.play(FadeIn(a))
        self.wait(0.1)
        self.play(FadeIn(b))
        self.wait(0.1)
        self.play(b.animate.shift(DOWN * 2))
        self.wait(0.1)
        """,
    )

    issue = only(report)
    assert issue.kind == "text_overlap"
    assert (issue.first_animation, issue.last_animation, issue.persists) == (2, 3, False)
    assert report.animations == 6


async def test_moving_camera_zoom_counts(tmp_path: Path) -> None:
    report = await layout_of(
        tmp_path,
        """
        self.add(Text("Side note", font_size=36).shift(RIGHT * 4))
        self.play(self.camera.frame.animate.scale(0.5))
        """,
        base="MovingCameraScene",
    )

    kinds = {issue.kind: issue for issue in report.issues}
    assert set(kinds) == {"out_of_frame"}
    assert kinds["out_of_frame"].severe


async def test_fixed_in_frame_title_is_not_projected(tmp_path: Path) -> None:
    report = await layout_of(
        tmp_path,
        """
        self.set_camera_orientation(phi=60 * DEGREES, theta=-45 * DEGREES, zoom=3)
        title = Text("Fixed title", font_size=40).to_edge(UP)
        self.add_fixed_in_frame_mobjects(title)
        self.play(Create(ThreeDAxes(x_length=2, y_length=2, z_length=2)))
        self.play(Write(Text("Projected", font_size=40).to_edge(UP)))
        """,
        base="ThreeDScene",
    )

    labels = [issue.mobjects for issue in report.issues if issue.kind == "out_of_frame"]
    assert labels == [["Text('Projected')"]]
