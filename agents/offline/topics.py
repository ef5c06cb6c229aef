"""Reading a topic: which visual archetypes fit it and which concrete visuals to draw.

Every choice is a keyword lookup on normalised text, so the same words always give the
same picture. The tables are small on purpose: unknown topics fall back to generic but
valid visuals instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.offline.formulas import Formula, find_formula
from agents.offline.text import mentions, normalise, shorten, stable_index

__all__ = [
    "FUNCTIONS",
    "PlotFunction",
    "Shape",
    "chart_data",
    "content_archetypes",
    "flow_steps",
    "formula_for",
    "plot_function",
    "shape_for",
    "subject_of",
]

_FILLER = re.compile(
    r"^(?:please\s+)?(?:(?:can|could) you\s+)?"
    r"(?:explain|describe|visuali[sz]e|show(?: me)?|teach me|tell me about|"
    r"(?:make|create)? ?an? (?:short )?video (?:about|on)|"
    r"an? (?:short )?(?:introduction|intro) to|introduction to|what (?:is|are))"
    r"\s+(?:the idea of\s+)?",
    re.IGNORECASE,
)


def subject_of(topic: str) -> str:
    """A short display name for the topic: filler verbs dropped, at most 60 characters."""
    subject = " ".join(topic.split()).strip(" ?!.")
    stripped = _FILLER.sub("", subject).strip(" ?!.")
    subject = stripped or subject or "This topic"
    return shorten(subject[0].upper() + subject[1:], 60)


def _any(words: str, keys: tuple[str, ...]) -> bool:
    return any(mentions(words, key) for key in keys)


_EQUATION_KEYS = (
    "formula",
    "theorem",
    "equation",
    "identity",
    "law ",
    "laws ",
    "lemma",
    "rule ",
    "rules ",
    "derivative",
    "integral",
    "inequality",
    "limit",
    "=",
    "^",
    "calculus",
    "algebra",
)
_PLOT_KEYS = (
    "graph of",
    "graphing",
    "plot",
    "curve",
    "function",
    "growth",
    "decay",
    "exponential",
    "logarithm",
    "wave",
    "oscillat",
    "sine",
    "cosine",
    "frequency",
    "periodic",
    "signal",
    "over time",
    "trend",
    "continuous",
    "derivative",
    "integral",
    "slope",
    "tangent",
    "extreme",
    "maximum",
    "minimum",
    "descent",
    "diagram",
    "isotherm",
    "damping",
    "doppler",
    "superposition",
    "taylor",
    "newton-raphson",
    "mean value",
    "rolle",
    "intermediate value",
    "squeeze",
    "simpson",
    "elbow",
    "boyle",
    "charles",
    "gay-lussac",
    "arrhenius",
    "michaelis",
    "hooke",
    "ohm",
    "hubble",
    "kinetic energy",
    "brownian",
    "chain rule",
    "product rule",
    "quotient rule",
    "power rule",
    "second derivative",
    "fermat's theorem",
    "ultrasound",
    "paschen",
    "langmuir",
    "stefan",
    "half-life",
    "rate ",
    "spectrum",
)
_CONSTRUCTION_KEYS = (
    "triangle",
    "circle",
    "square",
    "angle",
    "polygon",
    "kite",
    "area",
    "geometry",
    "rectangle",
    "perimeter",
    "congruent",
    "similar",
    "rotation",
    "conic",
    "ellipse",
    "directrix",
    "eccentricity",
    "hexagon",
    "pentagon",
    "quadrilateral",
    "parallelogram",
    "rhombus",
    "circumference",
    "radius",
    "diameter",
    "pythagor",
    "heron",
    "law of sines",
    "cosine rule",
    "law of cosines",
    "pappus",
    "delian",
    "snell",
    "brewster",
    "refraction",
    "reflection",
    "torque",
    "right-hand",
    "centrifugal",
    "centripetal",
    "kepler",
    "orbit",
    "disk",
    "washer",
    "cube",
)
_CHART_KEYS = (
    "number",
    "statistic",
    "distribution",
    "comparison",
    "compare",
    "percentage",
    "data ",
    "histogram",
    "probability",
    "average",
    "mean ",
    "median",
    "count",
    "population",
    "survey",
    "ranking",
    "proportion",
    "sequence",
    "series",
    "integer",
    "prime",
    "fraction",
    "decimal",
    "permutation",
    "combinatori",
    "pigeonhole",
    "periodic table",
    "alkali",
    "noble gas",
    "transition metal",
    "ph scale",
    "ph ",
    "entropy",
    "spectrum",
    "partial pressure",
    "versus",
    "vs ",
)
_NUMBER_LINE_KEYS = (
    "sequence",
    "series",
    "integer",
    "number line",
    "prime",
    "fraction",
    "decimal",
    "interval",
    "absolute value",
    "ph scale",
    "ph ",
)
_FLOW_KEYS = (
    "process",
    "algorithm",
    "cycle",
    "pipeline",
    "reaction",
    "steps",
    "procedure",
    "method",
    "protocol",
    "search",
    "sort",
    "encod",
    "decod",
    "compress",
    "coding",
    "loop",
    "recursion",
    "induction",
    "network",
    "machine",
    "state",
    "workflow",
    "lifecycle",
    "life cycle",
    "synthesis",
    "distillation",
    "titration",
    "extraction",
    "crystallization",
    "recrystallization",
    "reflux",
    "analysis",
    "filter",
    "cluster",
    "training",
    "learning",
    "iterat",
    "paging",
    "scheduling",
    "deadlock",
    "mechanism",
    "pathway",
    "photosynthesis",
    "respiration",
    "latch",
    "tcp",
    "routing",
    "osi",
    "layer",
    "linked list",
    "hash table",
    "binary tree",
    "queue",
    "stack",
    "huffman",
    "halting",
    "turing",
    "automat",
    "dijkstra",
    "kruskal",
    "prim's",
    "viterbi",
    "forward-backward",
    "message passing",
    "expectation",
    "nearest neighbo",
    "chain code",
    "run-length",
    "subsampling",
    "region growing",
    "floyd",
    "chord",
    "aloha",
    "modulation",
    "aufbau",
    "octet",
    "combustion",
    "electrogravimetry",
    "kjeldahl",
    "oxidation",
    "balance",
    "le chatelier",
    "hammond",
    "woodward",
    "transform",
    "attention",
    "adversarial",
    "boltzmann machine",
    "cook-levin",
    "church-turing",
)

_ORDER = ("construction", "equation", "plot", "chart", "flow")


def content_archetypes(text: str) -> list[str]:
    """The content archetypes the text calls for, in teaching order (figure, formula, graph…)."""
    words = normalise(text)
    sequence = re.search(r"geometric (?:sequence|series|progression|brownian|mean)", words)
    found = {
        "construction": not sequence
        and (_any(words, _CONSTRUCTION_KEYS) or mentions(words, "geometr")),
        "equation": find_formula(words) is not None or _any(words, _EQUATION_KEYS),
        "plot": not mentions(words, "graph theory")
        and (_any(words, _PLOT_KEYS) or any(_any(words, f.keys) for f in FUNCTIONS)),
        "chart": _any(words, _CHART_KEYS),
        "flow": _any(words, _FLOW_KEYS),
    }
    return [name for name in _ORDER if found[name]]


def formula_for(text: str) -> Formula:
    """The known formula the text names, else a generic but honest stand-in."""
    words = normalise(text)
    known = find_formula(words)
    if known is not None:
        return known
    if _any(words, ("theorem", "lemma", "principle", "postulate", "thesis", "rule ", "rules ")):
        return Formula(
            (),
            (
                r"\text{assumptions} \;\Longrightarrow\; \text{conclusion}",
                r"\text{check the conditions, then apply the result}",
            ),
            "Every result of this kind says: when the conditions hold, the conclusion follows.",
        )
    return Formula(
        (),
        (r"y = f(x)", r"\Delta y \approx f'(x)\, \Delta x"),
        "A relation links an input to an output, and small changes to small changes.",
    )


@dataclass(frozen=True)
class PlotFunction:
    """A function the scene template knows how to draw, with words that describe it."""

    name: str
    phrase: str
    latex: str
    keys: tuple[str, ...]


FUNCTIONS: tuple[PlotFunction, ...] = (
    PlotFunction(
        "damped", "damped wave", r"y = e^{-0.3x}\sin 2x", ("damp", "landau", "decaying wave")
    ),
    PlotFunction(
        "sine",
        "sine wave",
        r"y = \sin x",
        (
            "wave",
            "oscillat",
            "sine",
            "periodic",
            "superposition",
            "signal",
            "harmonic",
            "sound",
            "ultrasound",
            "frequency",
            "fourier",
            "doppler",
            "alternating",
            "cosine",
            "spectrum",
            "modulation",
            "euler's formula",
        ),
    ),
    PlotFunction(
        "exp_decay",
        "decaying exponential",
        r"y = 5e^{-0.7x}",
        ("decay", "half-life", "cooling", "attenuat", "beer", "absorb", "elbow", "divergence"),
    ),
    PlotFunction(
        "logistic",
        "S-shaped curve",
        r"y = \frac{6}{1 + e^{-1.5(x - 3)}}",
        ("logistic", "saturat", "michaelis", "langmuir", "sigmoid", "adsorption", "titration"),
    ),
    PlotFunction(
        "inverse",
        "inverse curve",
        r"y = \frac{4}{x}",
        ("boyle", "inverse", "pv ", "gravitation", "coulomb", "inverse square", "pressure"),
    ),
    PlotFunction(
        "exp_growth",
        "exponential growth curve",
        r"y = e^{0.5x}",
        (
            "growth",
            "exponential",
            "compound",
            "population",
            "arrhenius",
            "exponent",
            "geometric",
            "clausius",
            "van't hoff",
            "brownian",
            "stefan",
            "paschen",
        ),
    ),
    PlotFunction(
        "gaussian",
        "bell curve",
        r"y = 4e^{-(x - 3)^2 / 2}",
        ("gaussian", "normal distribution", "bell", "probability density", "distribution"),
    ),
    PlotFunction(
        "log",
        "logarithmic curve",
        r"y = \ln(x + 1)",
        ("logarithm", "log ", "ph ", "binary search", "entropy", "decibel"),
    ),
    PlotFunction(
        "cubic",
        "cubic curve",
        r"y = 0.2x^3 - x",
        (
            "cubic",
            "polynomial",
            "intermediate value",
            "factor theorem",
            "remainder",
            "root",
            "zero",
            "newton-raphson",
            "one-to-one",
            "inverse function",
            "continuous",
        ),
    ),
    PlotFunction(
        "parabola",
        "parabola",
        r"y = x^2",
        (
            "quadratic",
            "parabola",
            "projectile",
            "kinetic energy",
            "power rule",
            "second derivative",
            "minimum",
            "maximum",
            "extreme",
            "fermat",
            "rolle",
            "mean value",
            "gradient descent",
            "convex",
            "loss",
            "taylor",
            "derivative",
        ),
    ),
    PlotFunction(
        "linear",
        "straight line",
        r"y = 0.8x + 1",
        (
            "linear",
            "ohm",
            "hooke",
            "charles",
            "gay-lussac",
            "proportional",
            "hubble",
            "henry",
            "velocity",
            "work-energy",
            "raoult",
        ),
    ),
)
_DEFAULT_FUNCTION = "logistic"


def plot_function(text: str) -> PlotFunction:
    """The function to draw: named by its phrase first, then by topic keywords."""
    words = normalise(text)
    by_name = {function.name: function for function in FUNCTIONS}
    for function in FUNCTIONS:
        if function.phrase in words:
            return function
    for function in FUNCTIONS:
        if _any(words, function.keys):
            return function
    return by_name[_DEFAULT_FUNCTION]


@dataclass(frozen=True)
class Shape:
    """A figure the scene template can construct, with its labels (LaTeX) and a phrase."""

    name: str
    phrase: str
    labels: tuple[str, ...]
    keys: tuple[str, ...]


SHAPES: tuple[Shape, ...] = (
    Shape(
        "right_triangle",
        "right triangle",
        ("a", "b", "c"),
        ("pythagor", "right triangle", "hypotenuse", "trigonometr"),
    ),
    Shape("kite", "kite", ("a", "a", "b", "b"), ("kite", "rhombus", "quadrilateral")),
    Shape(
        "ellipse",
        "ellipse",
        ("F_1", "F_2"),
        ("ellipse", "conic", "eccentricity", "directrix", "kepler", "orbit"),
    ),
    Shape(
        "polygon",
        "regular hexagon",
        ("s",),
        ("polygon", "hexagon", "pentagon", "symmetry", "burnside", "polya"),
    ),
    Shape(
        "angle",
        "angle between two rays",
        (r"\theta",),
        (
            "angle",
            "rotation",
            "snell",
            "brewster",
            "refraction",
            "reflection",
            "torque",
            "right-hand",
        ),
    ),
    Shape(
        "circle",
        "circle",
        ("r",),
        (
            "circle",
            "radius",
            "circumference",
            "diameter",
            "centripetal",
            "centrifugal",
            "disk",
            "washer",
            "pappus",
        ),
    ),
    Shape("square", "square", ("s",), ("square", "delian", "cube", "rectangle", "area")),
    Shape(
        "triangle",
        "triangle",
        ("a", "b", "c"),
        ("triangle", "congruent", "similar", "heron", "sines", "cosine"),
    ),
)


def shape_for(text: str) -> Shape:
    """The figure to construct, by keywords in table order, else a general triangle."""
    words = normalise(text)
    for shape in SHAPES:
        if _any(words, shape.keys):
            return shape
    return SHAPES[-1]


_FLOWS: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    (
        ("carnot",),
        (
            "Isothermal expansion",
            "Adiabatic expansion",
            "Isothermal compression",
            "Adiabatic compression",
        ),
        "cycle",
    ),
    (
        ("born-haber", "born haber"),
        ("Atomise the metal", "Ionise the atoms", "Add electrons", "Form the lattice"),
        "cycle",
    ),
    (
        ("sort",),
        ("Unsorted list", "Compare neighbours", "Swap if out of order", "Sorted list"),
        "row",
    ),
    (
        ("search",),
        ("Sorted data", "Probe the middle", "Compare with target", "Keep one half"),
        "row",
    ),
    (
        ("cluster", "k-means", "k means", "expectation"),
        ("Pick k centres", "Assign each point", "Move each centre", "Repeat until stable"),
        "cycle",
    ),
    (
        ("descent", "training", "learning", "adversarial", "newton-raphson", "iterat"),
        ("Start with a guess", "Measure the error", "Step downhill", "Repeat until converged"),
        "cycle",
    ),
    (
        ("dijkstra", "kruskal", "prim's", "shortest path", "spanning tree"),
        (
            "Start at the source",
            "Pick the cheapest edge",
            "Update the distances",
            "Repeat until done",
        ),
        "row",
    ),
    (
        ("encod", "decod", "compress", "coding", "huffman", "run-length", "chain code"),
        ("Raw data", "Find the patterns", "Encode compactly", "Decode exactly"),
        "row",
    ),
    (("linked list",), ("Head", "Node", "Node", "Null"), "row"),
    (("hash table", "hashing"), ("Key", "Hash function", "Bucket index", "Stored value"), "row"),
    (
        ("titration",),
        ("Analyte in flask", "Add titrant slowly", "Indicator changes", "Compute concentration"),
        "row",
    ),
    (
        (
            "distillation",
            "extraction",
            "crystallization",
            "reflux",
            "separation",
            "kjeldahl",
            "electrogravimetry",
            "combustion",
        ),
        ("Start with a mixture", "Heat or dissolve", "Separate the phases", "Collect the product"),
        "row",
    ),
    (
        (
            "reaction",
            "oxidation",
            "balance",
            "mechanism",
            "le chatelier",
            "hammond",
            "woodward",
            "transition state",
        ),
        ("Reactants", "Bonds break", "Bonds form", "Products"),
        "row",
    ),
    (
        ("tcp", "osi", "network", "protocol", "aloha", "chord", "routing", "paging", "layer"),
        ("Sender", "Split into packets", "Transmit and check", "Receiver"),
        "row",
    ),
    (
        ("cycle", "loop", "deadlock", "recursion", "induction"),
        ("First stage", "Second stage", "Third stage", "Back to the start"),
        "cycle",
    ),
    (
        ("algorithm", "procedure", "method", "machine", "automat", "turing", "halting"),
        ("Take the input", "Apply one step", "Check the result", "Return the answer"),
        "row",
    ),
)
_DEFAULT_FLOW: tuple[tuple[str, ...], str] = (
    ("Starting point", "Key step", "What changes", "Outcome"),
    "row",
)


def flow_steps(text: str) -> tuple[list[str], str]:
    """Box labels and layout ('row' or 'cycle') for the process the text describes."""
    words = normalise(text)
    for keys, steps, layout in _FLOWS:
        if _any(words, keys):
            return list(steps), layout
    steps, layout = _DEFAULT_FLOW
    return list(steps), layout


def chart_data(text: str) -> dict[str, object]:
    """Either a bar chart or a number line, with deterministic, topic-seeded values."""
    words = normalise(text)
    if _any(words, _NUMBER_LINE_KEYS):
        if mentions(words, "geometric"):
            points = [1, 2, 4, 8]
        elif mentions(words, "arithmetic"):
            points = [1, 3, 5, 7, 9]
        else:
            points = [2, 5, 8]
        labels = [f"a_{index + 1}" for index in range(len(points))]
        return {"kind": "number_line", "points": points, "labels": labels}
    labels = ["Case A", "Case B", "Case C", "Case D"]
    values = [2 + stable_index(f"{words}|{label}", 8) for label in labels]
    return {"kind": "bars", "labels": labels, "values": values}
