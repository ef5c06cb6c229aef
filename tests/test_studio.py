"""The web studio in a real browser (Debian's chromium, driven by playwright) against a real
`manimgraph serve` with the offline model: generate, watch, edit, versions, revert, cancel,
escaping, API keys, and the static files' headers.

Elements are found by role and label, as a person or a screen reader finds them.
Screenshots of the main states land in the module's temp folder (or in
$MANIMGRAPH_STUDIO_SCREENSHOTS when set).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import (
    Browser,
    Locator,
    Page,
    Route,
    ViewportSize,
    expect,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from server.studio import STATIC_DIR
from tests.studio_helpers import CHROMIUM, PageGuard, Served, create_key, serve

pytestmark = pytest.mark.slow

JOB_S = 90_000
"""Milliseconds a job may take: a few scenes at low quality on a slow 2-core machine."""
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
FINAL = re.compile(r"^Final video, version (\d+)$")
SCENE_PLAYER = re.compile(r"^Scene \d+ video")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed: run `make system`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("studio-server")
    with serve(root / "data", root / "server.log") as served:
        yield served


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("MANIMGRAPH_STUDIO_SCREENSHOTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("studio-screenshots")


def open_page(browser: Browser, served: Served, **options: Any) -> tuple[Page, PageGuard]:
    context = browser.new_context(base_url=served.base, viewport=DESKTOP, **options)
    context.set_default_timeout(15_000)
    guard = PageGuard(served.base)
    guard.attach(context)
    return context.new_page(), guard


@pytest.fixture
def page(browser: Browser, server: Served) -> Iterator[Page]:
    """A fresh browser tab; fails the test on script errors, CSP violations, dialogs or
    requests to other origins."""
    opened, guard = open_page(browser, server)
    yield opened
    opened.context.close()
    guard.check()


def final_video(page: Page) -> Locator:
    return page.get_by_label(FINAL)


def scene_card(page: Page, number: int) -> Locator:
    return page.get_by_role("article", name=re.compile(rf"^Scene {number}\b"))


def assert_plays_mp4(page: Page, player: Locator) -> str:
    """The player's source answers 200 video/mp4, and the browser reads its metadata."""
    src = str(player.evaluate("video => video.currentSrc || video.src"))
    if not src.startswith("blob:"):
        answer = page.request.get(src)
        assert answer.status == 200, src
        assert answer.headers["content-type"] == "video/mp4"
    page.wait_for_function("video => video.readyState >= 1", arg=player.element_handle())
    assert player.evaluate("video => video.duration") > 0
    return src


def project_json(served: Served, url: str, headers: dict[str, str] | None = None) -> Any:
    project_id = re.search(r"project=(\w+)", url)
    assert project_id, url
    answer = httpx.get(f"{served.base}/api/v1/projects/{project_id[1]}", headers=headers)
    answer.raise_for_status()
    return answer.json()


def drop_first_stream(page: Page) -> list[str]:
    """Fail the page's first connection to a job's event stream, as a lost network would:
    the page must connect again by itself. Returns the stream URLs the page asked for."""
    asked: list[str] = []

    def handle(route: Route) -> None:
        asked.append(route.request.url)
        if len(asked) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r"/api/v1/jobs/\w+/events$"), handle)
    return asked


@dataclass
class Generated:
    """What the generate walk saw."""

    url: str
    cards_while_running: int
    rendered_while_running: bool
    players_while_running: bool
    final_src: str
    scene_srcs: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def generated(browser: Browser, server: Served, shots: Path) -> Iterator[Generated]:
    """Walk: empty studio → prompt → Generate → the project's page while the job runs → done."""
    page, guard = open_page(browser, server)
    page.goto("/")
    expect(page.get_by_text("No projects yet")).to_be_visible()
    expect(page.get_by_label("Prompt")).to_be_focused()
    page.screenshot(path=shots / "empty.png", full_page=True)

    page.get_by_label("Prompt").fill("Explain how a lever lifts a heavy stone")
    page.get_by_label("Scenes").fill("3")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r"\?project=\w+&job=\w+"))
    cancel = page.get_by_role("button", name="Cancel")
    expect(cancel).to_be_visible()

    cards = rendered = players = 0
    screenshot_taken = False
    while cancel.is_visible():
        cards = max(cards, page.get_by_role("article").count())
        rendered = rendered or scene_card(page, 1).get_by_text("Rendered").count() > 0
        if page.get_by_label(SCENE_PLAYER).count():
            players = True
        if cards == 3 and not screenshot_taken:
            page.screenshot(path=shots / "generating.png", full_page=True)
            screenshot_taken = True
        page.wait_for_timeout(100)

    download = page.get_by_role("link", name="Download video")
    expect(download).to_be_visible(timeout=JOB_S)
    expect(page.get_by_text("Done", exact=True)).to_be_visible()
    expect(final_video(page)).to_have_accessible_name("Final video, version 1")
    final_src = assert_plays_mp4(page, final_video(page))
    scene_srcs = [assert_plays_mp4(page, p) for p in page.get_by_label(SCENE_PLAYER).all()]
    page.screenshot(path=shots / "done.png", full_page=True)
    yield Generated(
        url=page.url,
        cards_while_running=cards,
        rendered_while_running=bool(rendered),
        players_while_running=bool(players),
        final_src=final_src,
        scene_srcs=scene_srcs,
    )
    page.context.close()
    guard.check()


def test_static_files_carry_csp_and_cache_headers(server: Served) -> None:
    page = httpx.get(f"{server.base}/")
    script = httpx.get(f"{server.base}/studio/app.js")
    for answer in (page, script):
        assert answer.status_code == 200
        csp = answer.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "script-src 'self';" in csp
        assert "frame-ancestors 'none'" in csp
        assert "require-trusted-types-for 'script'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert not re.search(r"https?:", csp), "no foreign origin is allowed"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["cache-control"] == "no-cache"
        assert answer.headers["etag"]
    assert page.headers["content-type"].startswith("text/html")
    assert script.headers["content-type"].startswith("text/javascript")

    again = httpx.get(
        f"{server.base}/studio/app.js", headers={"If-None-Match": script.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"
    assert "content-security-policy" in again.headers

    # the page has no inline script or style, and no file names another origin
    html = page.text
    assert re.findall(r"<script\b[^>]*>", html) == ['<script type="module" src="studio/app.js">']
    assert "style=" not in html and "<style" not in html
    for path in STATIC_DIR.iterdir():
        text = path.read_text()
        assert not re.search(r"(src|href|url)\s*[=(]\s*[\"']?(https?:)?//", text), path.name
        if path.suffix == ".js":
            assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", text)

    # the studio takes no API path: a wrong method is still 405, an unknown path 404 JSON
    assert httpx.get(f"{server.base}/api/v1/generate").status_code == 405
    missing = httpx.get(f"{server.base}/api/v1/nothing")
    assert missing.status_code == 404 and missing.json()["error_code"] == "not_found"
    assert httpx.post(f"{server.base}/").status_code == 405


def test_generate_shows_scenes_as_they_progress_and_the_final_video(
    generated: Generated, server: Served
) -> None:
    assert generated.cards_while_running == 3, "three scene cards appear before the job ends"
    assert generated.rendered_while_running, "a card says its scene is rendered before the end"
    assert re.search(r"/api/v1/projects/\w+/download\?version=1$", generated.final_src)
    assert len(generated.scene_srcs) == 3
    assert all(re.search(r"/scenes/\d/versions/1/video$", src) for src in generated.scene_srcs)
    project = project_json(server, generated.url)
    assert [s["current_version"] for s in project["scenes"]] == [1, 1, 1]


def test_scene_players_appear_before_the_job_ends(generated: Generated) -> None:
    assert generated.players_while_running


@pytest.fixture(scope="module")
def edited(browser: Browser, server: Served, generated: Generated, shots: Path) -> Iterator[Page]:
    """Walk: edit scene 2 in words and wait for its version 2."""
    page, guard = open_page(browser, server)
    page.goto(generated.url)
    card = scene_card(page, 2)
    card.get_by_label("Edit scene 2").fill("make the title blue")
    card.get_by_role("button", name="Apply edit").click()
    panel = page.get_by_role("region", name="Editing scene 2")
    expect(panel).to_be_visible()
    working = panel.get_by_text(re.compile(r"^(Loading|Writing code|Checking code|Rendering) · "))
    with suppress(PlaywrightTimeout):  # a cached render may finish first: only the shot waits
        working.wait_for(timeout=10_000)
    page.screenshot(path=shots / "editing.png", full_page=True)
    expect(card.get_by_role("listitem", name="Version 2 current")).to_be_visible(timeout=JOB_S)
    yield page
    page.context.close()
    guard.check()


def test_edit_scene_two_shows_version_two_and_keeps_version_one_playable(
    edited: Page, server: Served, shots: Path
) -> None:
    page = edited
    card = scene_card(page, 2)
    expect(final_video(page)).to_have_accessible_name("Final video, version 2")
    expect(card.get_by_label("Scene 2 video, version 2")).to_be_visible()
    first = card.get_by_role("listitem", name="Version 1", exact=True)
    expect(first).to_be_visible()
    expect(card.get_by_role("listitem", name="Version 2 current")).to_contain_text(
        "make the title blue"
    )
    # the other scenes did not change
    versions_of_1 = scene_card(page, 1).get_by_role("list", name="Versions of scene 1")
    expect(versions_of_1.get_by_role("listitem")).to_have_count(1)

    first.get_by_role("button", name="Play version 1").click()
    player = card.get_by_label("Scene 2 video, version 1")
    expect(player).to_be_visible()
    expect(first.get_by_role("button", name="Play version 1")).to_have_attribute(
        "aria-pressed", "true"
    )
    src = assert_plays_mp4(page, player)
    assert src.endswith("/scenes/2/versions/1/video")
    card.scroll_into_view_if_needed()
    page.screenshot(path=shots / "versions.png", full_page=True)


def test_revert_makes_version_one_current_again(
    edited: Page, server: Served, generated: Generated
) -> None:
    page = edited
    card = scene_card(page, 2)
    card.get_by_role("listitem", name="Version 1", exact=True).get_by_role(
        "button", name="Revert to this version"
    ).click()
    expect(card.get_by_role("listitem", name="Version 1 current")).to_be_visible()
    expect(card.get_by_role("listitem", name="Version 2", exact=True)).to_be_visible()
    expect(final_video(page)).to_have_accessible_name("Final video, version 3")
    assert_plays_mp4(page, final_video(page))
    scene = project_json(server, generated.url)["scenes"][1]
    assert scene["current_version"] == 1
    assert [v["version"] for v in scene["versions"]] == [1, 2]


def test_cancel_a_running_job_after_a_reload(page: Page, server: Served) -> None:
    page.goto("/")
    page.get_by_label("Prompt").fill("Explain how rainbows form after the rain")
    page.get_by_label("Scenes").fill("6")
    page.get_by_label("Quality").select_option("medium")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r"\?project=\w+&job=\w+"))
    expect(page.get_by_role("article")).to_have_count(6)

    page.reload()  # a dropped connection: the page finds the job and its state again
    expect(page.get_by_role("heading", name="Making the video")).to_be_visible()
    expect(page.get_by_role("article")).to_have_count(6)
    page.get_by_role("button", name="Cancel").click()

    job_panel = page.get_by_role("region", name="Making the video")
    expect(job_panel.get_by_role("alert")).to_have_text("Cancelled on request.")
    expect(page.get_by_role("button", name="Cancel")).to_be_hidden()
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    job_id = re.search(r"job=(\w+)", page.url)
    assert job_id, page.url
    assert httpx.get(f"{server.base}/api/v1/jobs/{job_id[1]}").json()["status"] == "cancelled"


MARKUP = "Explain fractions <img src=x onerror=alert(1)> to <script>alert(2)</script> kids"


def test_markup_in_prompts_is_shown_as_text_and_never_runs(page: Page) -> None:
    page.goto("/")
    streams = drop_first_stream(page)  # EventSource connects again on its own
    prompt = page.get_by_label("Prompt")
    prompt.fill(MARKUP)
    page.get_by_label("Scenes").fill("1")
    prompt.press("Control+Enter")  # the keyboard submits too
    page.wait_for_url(re.compile(r"\?project="))
    expect(page.get_by_text(f"Prompt: {MARKUP}")).to_be_visible()
    expect(page.get_by_role("link", name="Download video")).to_be_visible(timeout=JOB_S)
    assert len(streams) >= 2

    card = scene_card(page, 1)
    edit = "make it <b onmouseover=alert(3)>blue</b>"
    card.get_by_label("Edit scene 1").fill(edit)
    card.get_by_role("button", name="Apply edit").click()
    expect(card.get_by_role("listitem", name="Version 2 current")).to_contain_text(
        edit, timeout=JOB_S
    )

    injected = page.evaluate(
        "document.querySelectorAll('img[src=\"x\"], main script, b[onmouseover]').length"
    )
    assert injected == 0  # and the page guard saw no dialog
    title = page.get_by_role("heading", level=1).inner_text()

    # the project list shows it, and deleting it asks first
    page.goto("/")
    item = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=title))
    item.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete this project?")
    expect(dialog).to_contain_text(title)
    dialog.get_by_role("button", name="Keep it").click()
    expect(item).to_be_visible()
    item.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete project").click()
    expect(page.get_by_role("link", name=title)).to_have_count(0)


def test_fallbacks_and_failures_are_explained(page: Page) -> None:
    """A budget of one model call: the planner spends it, so the scenes become title cards,
    or, with the fallback off, the job fails and says why in one sentence."""
    page.goto("/")
    page.get_by_label("Prompt").fill("Explain why the sky is blue")
    page.get_by_label("Scenes").fill("1")
    page.get_by_text("Render options").click()
    page.get_by_label("Model calls at most").fill("1")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("link", name="Download video")).to_be_visible(timeout=JOB_S)
    card = scene_card(page, 1)
    expect(card.get_by_text("Title card", exact=True)).to_be_visible()
    expect(card.get_by_text("A title card stands in for this scene")).to_contain_text("budget")

    page.goto("/")
    page.get_by_label("Prompt").fill("Explain why the sea is salty")
    page.get_by_label("Scenes").fill("1")
    page.get_by_text("Render options").click()
    page.get_by_label("Model calls at most").fill("1")
    page.get_by_label("use a title card").uncheck()
    page.get_by_role("button", name="Generate").click()
    job_panel = page.get_by_role("region", name="Making the video")
    expect(job_panel.get_by_role("alert")).to_contain_text("budget", timeout=JOB_S)
    sentence = job_panel.get_by_role("alert").inner_text()
    assert sentence.endswith(".") and "\n" not in sentence and "Traceback" not in sentence
    expect(job_panel.get_by_role("button", name="Resume")).to_be_visible()
    expect(page.get_by_role("link", name="Download video")).to_have_count(0)


def test_rate_limits_and_job_caps_are_explained(page: Page) -> None:
    answers = iter(
        [
            (429, "rate_limited", "too many requests; retry later", {"Retry-After": "7"}),
            (429, "too_many_jobs", "this key already has 4 queued or running jobs", {}),
        ]
    )

    def refuse(route: Any) -> None:
        status, code, detail, headers = next(answers)
        route.fulfill(
            status=status,
            headers={"Content-Type": "application/json", **headers},
            body=json.dumps(
                {"detail": detail, "error_code": code, "timestamp": "2026-01-01T00:00:00Z"}
            ),
        )

    page.route("**/api/v1/generate", refuse)
    page.goto("/")
    page.get_by_label("Prompt").fill("Explain orbits")
    page.get_by_role("button", name="Generate").click()
    form_alert = page.get_by_role("form").get_by_role("alert")
    expect(form_alert).to_contain_text("Too many requests")
    expect(form_alert).to_contain_text("Try again in 7 s.")
    page.get_by_role("button", name="Generate").click()
    expect(form_alert).to_contain_text("as many videos in the making as this server allows")
    expect(page).not_to_have_url(re.compile(r"project="))


def count(server: Served, resource: str) -> int:
    answer = httpx.get(f"{server.base}/api/v1/{resource}")
    answer.raise_for_status()
    return int(answer.json()["count"])


def test_picture_options_and_an_uploaded_image_reach_the_job(page: Page, server: Served) -> None:
    """A file that is no image is refused with the API's reason and nothing is submitted;
    then a real PNG is uploaded, the job's stored request has it, the aspect and the length,
    and the portrait video plays in a portrait box."""
    jobs_before, projects_before = count(server, "jobs"), count(server, "projects")
    page.goto("/")
    page.get_by_label("Prompt").fill("Explain how a lighthouse guides ships at night")
    page.get_by_label("Scenes").fill("1")
    page.get_by_label("Aspect").select_option("9:16")
    page.get_by_label("Length (s)").fill("20")
    image = page.get_by_label("Image", exact=True)
    image.set_input_files({"name": "notes.png", "mimeType": "image/png", "buffer": b"not a PNG"})
    page.get_by_label("Image description").fill("a red lighthouse lamp")
    page.get_by_role("button", name="Generate").click()
    form_alert = page.get_by_role("form").get_by_role("alert")
    expect(form_alert).to_contain_text("The server refused the file")
    expect(form_alert).to_contain_text("Nothing was submitted")
    expect(page.get_by_role("button", name="Generate")).to_be_enabled()
    expect(page).not_to_have_url(re.compile(r"project="))
    assert count(server, "jobs") == jobs_before
    assert count(server, "projects") == projects_before
    assert count(server, "assets") == 0

    png = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(png, format="PNG")
    image.set_input_files({"name": "lamp.png", "mimeType": "image/png", "buffer": png.getvalue()})
    with page.expect_response(re.compile(r"/api/v1/assets$")) as uploaded:
        page.get_by_role("button", name="Generate").click()
    assert uploaded.value.status == 201
    asset = uploaded.value.json()
    page.wait_for_url(re.compile(r"\?project=\w+&job=\w+"))
    job_id = re.search(r"job=(\w+)", page.url)
    assert job_id, page.url
    job = httpx.get(f"{server.base}/api/v1/jobs/{job_id[1]}").json()
    expect(page.get_by_role("link", name="Download video")).to_be_visible(timeout=JOB_S)
    final = page.get_by_role("region", name="Video").locator("video")
    expect(final).to_have_css("aspect-ratio", "480 / 854", timeout=10_000)
    box = final.bounding_box()
    assert box is not None and box["width"] / box["height"] == pytest.approx(480 / 854, rel=0.02)

    stored = httpx.get(f"{server.base}/api/v1/assets/{asset['asset_id']}").json()
    assert (stored["kind"], stored["width"], stored["height"]) == ("image", 64, 48)
    assert stored["filename"] == "lamp.png"
    request = job["request"]
    assert request["frame"]["aspect"] == "9:16"
    assert request["target_duration"] == 20
    assert request["assets"] == [
        {
            "key": hashlib.sha256(png.getvalue()).hexdigest() + ".png",
            "role": "image",
            "name": "image1",
            "description": "a red lighthouse lamp",
        }
    ]


def test_api_keys_prompt_401_and_keyed_media(browser: Browser, tmp_path: Path, shots: Path) -> None:
    data_dir = tmp_path / "data"
    key = create_key(data_dir, "studio")
    with serve(data_dir, tmp_path / "server.log") as served:
        page, guard = open_page(browser, served)
        page.goto("/")
        expect(page.get_by_role("heading", name="This server needs an API key")).to_be_visible()
        expect(page.get_by_label("API key", exact=True)).to_be_focused()
        expect(page.get_by_role("alert").first).to_contain_text("needs an API key")
        page.screenshot(path=shots / "api-key.png", full_page=True)

        page.get_by_label("API key", exact=True).fill("mg_not_a_key")
        page.get_by_role("button", name="Use this key").click()
        expect(page.get_by_role("alert").first).to_contain_text("does not know that API key")
        expect(page.get_by_role("heading", name="This server needs an API key")).to_be_visible()

        page.get_by_label("API key", exact=True).fill(key)
        page.get_by_role("button", name="Use this key").click()
        expect(page.get_by_text("No projects yet")).to_be_visible()
        expect(page.get_by_role("heading", name="This server needs an API key")).to_be_hidden()
        assert page.evaluate("sessionStorage.getItem('manimgraph.apiKey')") == key

        # the event stream and the media are read with the key (fetch, then blob: URLs)
        streams = drop_first_stream(page)  # the fetch-read stream connects again too
        page.get_by_label("Prompt").fill("Explain magnets")
        page.get_by_label("Scenes").fill("1")
        page.get_by_role("button", name="Generate").click()
        expect(page.get_by_role("link", name="Download video")).to_be_visible(timeout=JOB_S)
        assert len(streams) >= 2
        assert assert_plays_mp4(page, final_video(page)).startswith("blob:")
        assert page.get_by_role("link", name="Download video").get_attribute("href", timeout=5000)

        page.reload()  # the key lasts the browser session
        expect(final_video(page)).to_be_visible()

        page.get_by_role("button", name="Forget API key").click()
        page.goto("/")
        expect(page.get_by_role("heading", name="This server needs an API key")).to_be_visible()
        page.context.close()
        guard.check()


def test_phone_width_dark_theme(
    browser: Browser, server: Served, generated: Generated, shots: Path
) -> None:
    page, guard = open_page(browser, server, color_scheme="dark")
    page.set_viewport_size(PHONE)
    page.goto(generated.url)
    expect(page.get_by_role("link", name="Download video")).to_be_visible()
    expect(scene_card(page, 3)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert background == "rgb(15, 20, 32)"  # the dark theme follows the system
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.screenshot(path=shots / "phone-dark.png", full_page=True)
    page.goto("/")
    expect(page.get_by_role("button", name="Generate")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.context.close()
    guard.check()
