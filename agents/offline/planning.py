"""The offline planner: a VideoPlan for any topic, and the assembler's description of it.

Scenes are chosen from the topic's words (see `topics.content_archetypes`): a title card,
then the content archetypes in teaching order, then a recap. Texts are templates filled
with the topic, so they are generic, but they read as plain explanatory English.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.offline import topics
from agents.offline.formulas import find_formula
from agents.offline.text import normalise, sentences, shorten, stable_index
from agents.schemas import ScenePlan, VideoDescription, VideoPlan
from tools.assets import PlanImage

__all__ = ["describe", "plan_video"]

_ANGLES = {
    "equation": "the formula",
    "plot": "a graph",
    "construction": "a geometric picture",
    "chart": "the numbers",
    "flow": "the process step by step",
    "bullets": "the key ideas",
}


@dataclass(frozen=True)
class _Facet:
    """A bullet-list scene: its title, goal, opening line and three points ({s}: subject)."""

    title: str
    goal: str
    intro: str
    points: tuple[str, str, str]


_PROCESS_IDEAS = _Facet(
    "The key ideas",
    "Grasp the core of {s} in three points.",
    "Three ideas carry {s}.",
    (
        "What it does: turns an input into a result through clear steps",
        "Why it works: every step moves closer to the goal",
        "When to use it: whenever a problem has this shape",
    ),
)
_CONCEPT_IDEAS = _Facet(
    "The key ideas",
    "Grasp the core of {s} in three points.",
    "Three ideas carry {s}.",
    (
        "What it is: a precise name for a pattern we can observe",
        "Why it matters: it explains what we see and predicts what comes next",
        "How to use it: recognise the pattern, then reason from it",
    ),
)
_FACETS: tuple[_Facet, ...] = (
    _Facet(
        "The key ideas",
        "Grasp the core of {s} in three points.",
        "Three ideas carry {s}.",
        (
            "What it says: {meaning}",
            "Why it holds: it follows from a few simple assumptions",
            "How to use it: start from what you know, then solve for the rest",
        ),
    ),
    _Facet(
        "Why it matters",
        "See why {s} is worth knowing.",
        "Why is {s} worth knowing?",
        (
            "It turns an intuition into a precise rule",
            "It predicts results before we measure them",
            "It connects to many other ideas in the field",
        ),
    ),
    _Facet(
        "A worked example",
        "Apply {s} to a concrete case.",
        "Let's work through {s} on a concrete case.",
        (
            "Write down what is given and what is asked",
            "Apply {short} one step at a time",
            "Check that the answer makes sense",
        ),
    ),
    _Facet(
        "Where it is used",
        "Recognise where {s} shows up in practice.",
        "Where does {s} show up?",
        (
            "In textbook problems and exam questions",
            "In everyday science and engineering work",
            "As a building block for more advanced results",
        ),
    ),
    _Facet(
        "Common pitfalls",
        "Avoid the usual mistakes with {s}.",
        "A few mistakes with {s} are very common.",
        (
            "Check the conditions before applying it",
            "Keep track of units, signs and definitions",
            "Test the result on a simple special case",
        ),
    ),
    _Facet(
        "Where it comes from",
        "See where {s} came from.",
        "Where does {s} come from?",
        (
            "It grew out of concrete questions people could not yet answer",
            "It was sharpened by many people over time",
            "Today it is a standard part of the subject",
        ),
    ),
    _Facet(
        "Test yourself",
        "Check your understanding of {s}.",
        "Time to test yourself on {s}.",
        (
            "Restate it in your own words",
            "Apply it to a small example by hand",
            "Explain when it would not apply",
        ),
    ),
    _Facet(
        "Related ideas",
        "Place {s} among the ideas around it.",
        "How does {s} relate to other ideas?",
        (
            "The ideas it builds on",
            "The results that build on it",
            "The ideas it is often confused with",
        ),
    ),
    _Facet(
        "In one sentence",
        "Say {s} in a single sentence.",
        "Can we say {s} in one sentence?",
        (
            "State the setting it applies to",
            "State what it guarantees or computes",
            "Remember one example that shows it",
        ),
    ),
    _Facet(
        "Going further",
        "Know where to go after {s}.",
        "Where can you go after {s}?",
        (
            "Try it on an example of your own",
            "Ask which assumption matters most",
            "Explore the results that build on it",
        ),
    ),
)


@dataclass(frozen=True)
class _Context:
    """What every scene template needs to know about the video."""

    subject: str
    phrase: str
    words: str
    style: str
    meaning: str | None
    angles: str
    process: bool


def _in_sentence(subject: str) -> str:
    """The subject as it reads mid-sentence: a leading article is lower-cased."""
    first, _, rest = subject.partition(" ")
    return f"{first.lower()} {rest}" if rest and first in {"The", "A", "An"} else subject


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _scene(number: int, archetype: str, duration: float, **texts: str) -> ScenePlan:
    return ScenePlan(
        number=number,
        archetype=archetype,  # type: ignore[arg-type]
        duration=duration,
        title=shorten(texts["title"], 120),
        goal=shorten(texts["goal"], 400),
        segments=sentences(shorten(texts["narration"], 1200)),
        visual=shorten(texts["visual"], 800),
    )


def _title(number: int, ctx: _Context) -> ScenePlan:
    openers = (
        f"Welcome! This short video is about {ctx.phrase}.",
        f"Let's explore {ctx.phrase} together.",
        f"Today's topic is {ctx.phrase}.",
    )
    opener = openers[stable_index(ctx.words, len(openers))]
    return _scene(
        number,
        "title",
        6,
        title=ctx.subject,
        goal=(
            f"What {ctx.phrase} does, why it works, and when to use it."
            if ctx.process
            else f"What {ctx.phrase} says, why it holds, and how to use it."
        ),
        narration=f"{opener} We look at it through {ctx.angles}, then sum up what to remember.",
        visual=(
            f"Title card on a {ctx.style} background: the topic name in large type over a short "
            "accent rule, with a one-line subtitle below."
        ),
    )


def _equation(number: int, ctx: _Context) -> ScenePlan:
    formula = topics.formula_for(ctx.words)
    known = bool(formula.keys)
    if known:
        named = any(word in ctx.words for word in ("formula", "equation"))
        short = len(ctx.phrase) <= 40 and not named
        title = f"The formula behind {ctx.phrase}" if short else "The formula, step by step"
        body = f"Here is the formula for {ctx.phrase}, written step by step."
    else:
        title = "Writing it as a relation"
        body = f"Written compactly, {ctx.phrase} becomes a relation we can read term by term."
    return _scene(
        number,
        "equation",
        7 + len(formula.steps),
        title=title,
        goal=f"Read {ctx.phrase} as a formula, symbol by symbol.",
        narration=f"{formula.meaning} {body} The final line is boxed: it is the part to remember.",
        visual=f"MathTex derivation in {len(formula.steps)} step(s), the last line boxed.",
    )


def _plot(number: int, ctx: _Context) -> ScenePlan:
    function = topics.plot_function(ctx.words)
    return _scene(
        number,
        "plot",
        9,
        title="Seeing it on a graph",
        goal=f"See how {ctx.phrase} behaves on a graph.",
        narration=(
            f"A graph turns {ctx.phrase} into a shape we can see. On these axes the "
            f"{function.phrase} shows how the output y changes as the input x grows. The dot "
            "marks where the curve ends, and the slope along the way tells how fast things change."
        ),
        visual=(
            f"Axes with a {function.phrase} drawn left to right, a dot at its end, "
            "its formula beside it."
        ),
    )


def _construction(number: int, ctx: _Context) -> ScenePlan:
    shape = topics.shape_for(ctx.words)
    return _scene(
        number,
        "construction",
        9,
        title="A geometric picture",
        goal=f"Connect {ctx.phrase} to a {shape.phrase} with labelled parts.",
        narration=(
            f"A picture makes {ctx.phrase} concrete. We construct a {shape.phrase} and label its "
            "parts, so every symbol has a place on the figure."
        ),
        visual=(
            f"A {shape.phrase} constructed edge by edge and labelled; beside it the key facts: "
            f"Draw the {shape.phrase}; Label every part; Relate the parts to each other"
        ),
    )


def _chart(number: int, ctx: _Context) -> ScenePlan:
    data = topics.chart_data(ctx.words)
    if data["kind"] == "number_line":
        return _scene(
            number,
            "chart",
            8,
            title="On the number line",
            goal=f"See the pattern of {ctx.phrase} on a number line.",
            narration=(
                f"A number line shows the pattern behind {ctx.phrase}. Each marked point is one "
                "term, and the spacing between the points tells the story."
            ),
            visual="Number line from 0 to 10 with the terms marked as labelled points.",
        )
    pairs = ", ".join(
        f"{label}={value}" for label, value in zip(data["labels"], data["values"], strict=True)
    )  # type: ignore[call-overload]
    return _scene(
        number,
        "chart",
        8,
        title="By the numbers",
        goal=f"Compare the values that matter for {ctx.phrase}.",
        narration=(
            f"Numbers make {ctx.phrase} easier to compare. Each bar stands for one case and its "
            "height shows the value, so the differences are visible at a glance."
        ),
        visual=f"Bar chart: {pairs}",
    )


def _flow(number: int, ctx: _Context) -> ScenePlan:
    steps, layout = topics.flow_steps(ctx.words)
    order = ", then ".join(step.lower() for step in steps)
    ending = ", and around again" if layout == "cycle" else ""
    shape_words = "as a cycle" if layout == "cycle" else "in a row"
    return _scene(
        number,
        "flow",
        10,
        title="The cycle, stage by stage" if layout == "cycle" else "Step by step",
        goal=f"Follow {ctx.phrase} as a sequence of steps.",
        narration=(
            f"{ctx.subject} is easiest to follow as a process. It goes: {order}{ending}. Each "
            "arrow is one move from one stage to the next."
        ),
        visual=f"Flow diagram {shape_words}: {' → '.join(steps)}",
    )


def _facet_scene(number: int, ctx: _Context, facet: _Facet) -> ScenePlan:
    meaning = (ctx.meaning or "a precise statement about how things relate").rstrip(".")
    fill = {
        "s": ctx.phrase,
        "short": shorten(ctx.phrase, 40),
        "meaning": meaning[0].lower() + meaning[1:],
    }
    points = [point.format(**fill) for point in facet.points]
    return _scene(
        number,
        "bullets",
        9,
        title=facet.title,
        goal=facet.goal.format(**fill),
        narration=(
            f"{facet.intro.format(**fill)} First: {points[0]}. Second: {points[1]}. "
            f"Third: {points[2]}."
        ),
        visual="Bullet list: " + "; ".join(shorten(point, 84) for point in points),
    )


def _picture(number: int, ctx: _Context, image: PlanImage) -> ScenePlan:
    """A scene that shows one of the viewer's images large, under a heading."""
    about = image.description.rstrip(".") or f"an image about {ctx.phrase}"
    scene = _scene(
        number,
        "custom",
        7,
        title=shorten(f"In the picture: {about}", 120),
        goal=f"See {about[0].lower()}{about[1:]} and connect it to {ctx.phrase}.",
        narration=f"Here is a picture: {about}. Keep it in mind as we look at {ctx.phrase}.",
        visual=f"The image {image.name} shown large under the heading, a caption below it.",
    )
    return scene.model_copy(update={"images": [image]})


def _with_pictures(
    scenes: list[ScenePlan], ctx: _Context, images: list[PlanImage], scene_count: int | None
) -> list[ScenePlan]:
    """One picture scene per image after the title card; a fixed scene count gives up the
    middle scenes from the last one back (never the title or the summary), and a one-scene
    video shows the images on its title card."""
    if len(scenes) == 1:
        return [scenes[0].model_copy(update={"images": images})]
    closing = scenes[-1:] if scenes[-1].archetype == "summary" else []
    middle = scenes[1 : len(scenes) - len(closing)]
    pictures = [_picture(2 + i, ctx, image) for i, image in enumerate(images)]
    room = None if scene_count is None else scene_count - 1 - len(closing)
    shown = [*pictures, *middle][:room] if room is not None else [*pictures, *middle]
    ordered = [scenes[0], *shown, *closing]
    return [scene.model_copy(update={"number": i}) for i, scene in enumerate(ordered, 1)]


def _summary(number: int, ctx: _Context) -> ScenePlan:
    if ctx.meaning:
        first = f"{ctx.subject}: {ctx.meaning[0].lower()}{ctx.meaning[1:].rstrip('.')}"
    elif ctx.process:
        first = f"What {ctx.phrase} does and when to use it"
    else:
        first = f"What {ctx.phrase} states and when it applies"
    points = [
        shorten(first, 84),
        f"We saw it through {ctx.angles}",
        "Practise on an example to make it stick",
    ]
    return _scene(
        number,
        "summary",
        8,
        title="Summary",
        goal=f"Remember the essentials of {ctx.phrase}.",
        narration=(
            f"Let's recap {ctx.phrase}. {ctx.meaning or ''} We saw it through {ctx.angles}. "
            "The best next step is to try it on an example of your own."
        ),
        visual="Bullet list with check marks: " + "; ".join(points),
    )


_CONTENT = {
    "equation": _equation,
    "plot": _plot,
    "construction": _construction,
    "chart": _chart,
    "flow": _flow,
}


def _middle(content: list[str], count: int | None, ideas: _Facet) -> list[str | _Facet]:
    """The scenes between title and summary: content archetypes, padded with bullet facets."""
    if count is None:
        chosen: list[str | _Facet] = list(content[:4])
        return [ideas, *chosen] if len(chosen) < 2 else chosen
    facets = [ideas, *_FACETS[1:]]
    pool: list[str | _Facet] = [*content] or [ideas]
    pool += [facet for facet in facets if facet not in pool]
    pool += [f"{name}+" for name in content]
    return pool[:count]


def plan_video(
    topic: str,
    scene_count: int | None = None,
    style: str = "dark",
    images: list[PlanImage] | None = None,
) -> VideoPlan:
    """A deterministic plan: 3 to 6 scenes chosen from the content, or exactly `scene_count`;
    each of `images` (the viewer's uploads) gets a scene of its own after the title card.

    Example:
        >>> [s.archetype for s in plan_video("The Pythagorean Theorem").scenes]
        ['title', 'construction', 'equation', 'summary']
    """
    if scene_count is not None and not 1 <= scene_count <= 12:
        raise ValueError(f"scene_count must be between 1 and 12, got {scene_count}")
    subject = topics.subject_of(topic)
    words = normalise(topic)
    content = topics.content_archetypes(topic)
    formula = find_formula(words)
    process = "flow" in content and formula is None
    ideas = _PROCESS_IDEAS if process else _FACETS[0] if formula else _CONCEPT_IDEAS
    if scene_count is not None and scene_count <= 2:
        middle = _middle(content, scene_count - 1, ideas)
    else:
        middle = _middle(content, None if scene_count is None else scene_count - 2, ideas)
    angle_names = [
        _ANGLES[m.rstrip("+")] if isinstance(m, str) else _ANGLES["bullets"] for m in middle
    ]
    ctx = _Context(
        subject=subject,
        phrase=_in_sentence(subject),
        words=words,
        style=style if style in {"dark", "light"} else "dark",
        meaning=formula.meaning if formula else None,
        angles=_join(list(dict.fromkeys(angle_names))) or "the key ideas",
        process=process,
    )
    scenes = [_title(1, ctx)]
    for item in middle:
        number = len(scenes) + 1
        if isinstance(item, _Facet):
            scenes.append(_facet_scene(number, ctx, item))
        else:
            scene = _CONTENT[item.rstrip("+")](number, ctx)
            if item.endswith("+"):
                scene = scene.model_copy(
                    update={"title": shorten(f"{scene.title}: a closer look", 120)}
                )
            scenes.append(scene)
    if scene_count is None or scene_count >= 3:
        scenes.append(_summary(len(scenes) + 1, ctx))
    if images:
        scenes = _with_pictures(scenes, ctx, images, scene_count)
    return VideoPlan(title=shorten(subject, 160), scenes=scenes)


def describe(plan: VideoPlan) -> VideoDescription:
    """Title, a short description and one chapter per scene, for the manifest."""
    angles = [_ANGLES.get(scene.archetype, "the key ideas") for scene in plan.scenes]
    angles = list(
        dict.fromkeys(
            a
            for a, s in zip(angles, plan.scenes, strict=True)
            if s.archetype not in {"title", "summary"}
        )
    )
    description = f"A {len(plan.scenes)}-scene visual explainer on {_in_sentence(plan.title)}."
    if angles:
        description += f" It looks at the topic through {_join(angles)}"
        description += ", then sums up." if plan.scenes[-1].archetype == "summary" else "."
    description += " Made by manimgraph's offline template engine."
    return VideoDescription(
        title=plan.title,
        description=shorten(description, 1000),
        chapters=[shorten(scene.title, 80) for scene in plan.scenes],
    )
