# ruff: noqa: RUF001 - the unicode table maps look-alike characters on purpose
"""What changed between manimgl / older Manim CE and 0.22, as data the rules read.

Every key here is a name 0.22 does not define and every target one it does; a test checks
both against the installed Manim, so the tables cannot drift silently.
"""

from __future__ import annotations

__all__ = [
    "ANIMATION_CLASSES",
    "ATTRIBUTE_CONSTANTS",
    "COLOR_NAMES",
    "DIRECTIONS",
    "KNOWN_SETTERS",
    "METHOD_RENAMES",
    "MODULE_IMPORTS",
    "NAME_RENAMES",
    "NEWLINE_MACROS",
    "NUMPY_FUNCTIONS",
    "OPPOSITE_DIRECTIONS",
    "RANGE_KEYWORDS",
    "RATE_FUNCTIONS",
    "SCENE_BASES",
    "SILENT_SETTERS",
    "TEXT_TEX_CALLS",
    "TEX_CALLS",
    "TEX_MACRO_ARGUMENTS",
    "TEX_MACRO_RENAMES",
    "THREE_D_CAMERA_CALLS",
    "UNICODE_MATH",
]

# Plain renames of classes and functions: same arguments, new name.
NAME_RENAMES: dict[str, str] = {
    "ShowCreation": "Create",
    "TextMobject": "Tex",
    "TexText": "Tex",
    "OldTexText": "Tex",
    "TexMobject": "MathTex",
    "OldTex": "MathTex",
    "SingleStringTexMobject": "SingleStringMathTex",
    "ParametricSurface": "Surface",
    "ParametricCurve": "ParametricFunction",
    "SmallDot": "Dot",
    "GlowDot": "Dot",
    "TransformMatchingStrings": "TransformMatchingShapes",
    "VFadeIn": "FadeIn",
    "VFadeOut": "FadeOut",
    "WiggleOutThenIn": "Wiggle",
    "FlashAround": "Circumscribe",
    "ShowCreationThenFadeAround": "Circumscribe",
    "ShowCreationThenDestructionAround": "Circumscribe",
    "Color": "ManimColor",
}

# manimgl's frame constants live on `config` in Manim CE.
ATTRIBUTE_CONSTANTS: dict[str, str] = {
    "FRAME_WIDTH": "config.frame_width",
    "FRAME_HEIGHT": "config.frame_height",
    "FRAME_X_RADIUS": "config.frame_x_radius",
    "FRAME_Y_RADIUS": "config.frame_y_radius",
    "TOP": "config.top",
    "BOTTOM": "config.bottom",
    "LEFT_SIDE": "config.left_side",
    "RIGHT_SIDE": "config.right_side",
}

# Colour names models reach for that Manim does not define, mapped to ones it does.
COLOR_NAMES: dict[str, str] = {
    "CYAN": "PURE_CYAN",
    "AQUA": "PURE_CYAN",
    "TURQUOISE": "TEAL_B",
    "MAGENTA": "PURE_MAGENTA",
    "FUCHSIA": "PURE_MAGENTA",
    "BROWN": "DARK_BROWN",
    "LIGHT_BLUE": "BLUE_B",
    "SKY_BLUE": "BLUE_B",
    "NAVY": "DARK_BLUE",
    "NAVY_BLUE": "DARK_BLUE",
    "INDIGO": "PURPLE_E",
    "VIOLET": "PURPLE",
    "LAVENDER": "PURPLE_A",
    "LIGHT_PURPLE": "PURPLE_A",
    "DARK_PURPLE": "PURPLE_E",
    "DARK_GREEN": "GREEN_E",
    "LIGHT_GREEN": "GREEN_B",
    "LIME": "GREEN_B",
    "OLIVE": "GREEN_E",
    "MINT": "GREEN_A",
    "DARK_RED": "RED_E",
    "LIGHT_RED": "RED_B",
    "CRIMSON": "RED_E",
    "SALMON": "RED_A",
    "CORAL": "RED_B",
    "DARK_ORANGE": "ORANGE",
    "LIGHT_ORANGE": "GOLD_A",
    "AMBER": "GOLD",
    "LIGHT_YELLOW": "YELLOW_A",
    "DARK_YELLOW": "YELLOW_E",
    "DARK_PINK": "MAROON",
    "HOT_PINK": "PINK",
    "BEIGE": "GOLD_A",
    "TAN": "LIGHT_BROWN",
    "SILVER": "LIGHT_GRAY",
    "LIGHT_TEAL": "TEAL_A",
    "DARK_TEAL": "TEAL_E",
    "GREY_LIGHT": "LIGHT_GRAY",
    "GRAY_LIGHT": "LIGHT_GRAY",
    "GREY_DARK": "DARK_GRAY",
    "GRAY_DARK": "DARK_GRAY",
    # Manim grades BLUE_A..BLUE_E and the like, but not orange or pink.
    **{f"{base}_{grade}": base for base in ("ORANGE", "PINK") for grade in "ABCDE"},
}

# Easing functions exist only as `rate_functions.<name>`: `from manim import *` skips them.
RATE_FUNCTIONS: frozenset[str] = frozenset(
    f"ease_{way}_{curve}"
    for way in ("in", "out", "in_out")
    for curve in ("sine", "quad", "cubic", "quart", "quint", "expo", "circ", "back", "elastic")
) | frozenset(f"ease_{way}_bounce" for way in ("in", "out", "in_out"))

# Bare numpy functions written as if imported: `sin(x)` → `np.sin(x)`.
NUMPY_FUNCTIONS: frozenset[str] = frozenset(
    {
        "sin",
        "cos",
        "tan",
        "arcsin",
        "arccos",
        "arctan",
        "arctan2",
        "sinh",
        "cosh",
        "tanh",
        "exp",
        "log",
        "log2",
        "log10",
        "sqrt",
        "floor",
        "ceil",
        "linspace",
        "arange",
        "array",
        "dot",
        "cross",
    }
)

# Standard modules used as `module.name` without an import.
MODULE_IMPORTS: dict[str, str] = {
    "math": "import math",
    "random": "import random",
    "itertools": "import itertools",
    "functools": "import functools",
    "operator": "import operator",
    "string": "import string",
    "colorsys": "import colorsys",
    "copy": "import copy",
    "collections": "import collections",
    "fractions": "import fractions",
    "statistics": "import statistics",
    "cmath": "import cmath",
    "numpy": "import numpy",
}

# Methods that are gone, as (new name, keyword the old second positional becomes).
METHOD_RENAMES: dict[str, tuple[str, str | None]] = {
    "scale_about_point": ("scale", "about_point"),
    "rotate_about_point": ("rotate", "about_point"),
    "scale_in_place": ("scale", None),
    "rotate_in_place": ("rotate", None),
    "get_graph": ("plot", None),
    "get_parametric_curve": ("plot_parametric_curve", None),
    "get_derivative_graph": ("plot_derivative_graph", None),
    "get_implicit_curve": ("plot_implicit_curve", None),
    "add_coordinate_labels": ("add_coordinates", None),
}

# manimgl-only rendering setters: Manim CE's `Mobject.__getattr__` turns them into no-ops.
SILENT_SETTERS: frozenset[str] = frozenset(
    {
        "set_glow_factor",
        "set_shading",
        "set_gloss",
        "set_shadow",
        "set_reflectiveness",
        "set_flat_stroke",
        "set_joint_type",
        "set_anti_alias_width",
    }
)

# Scene base classes that are gone, and the 0.22 class that takes their place.
SCENE_BASES: dict[str, str] = {
    "InteractiveScene": "Scene",
    "ReconfigurableScene": "Scene",
}

# `self.<call>` that only a ThreeDScene has.
THREE_D_CAMERA_CALLS: frozenset[str] = frozenset(
    {
        "set_camera_orientation",
        "move_camera",
        "begin_ambient_camera_rotation",
        "stop_ambient_camera_rotation",
        "begin_3dillusion_camera_rotation",
        "stop_3dillusion_camera_rotation",
        "add_fixed_in_frame_mobjects",
        "add_fixed_orientation_mobjects",
        "set_to_default_angled_camera_orientation",
    }
)

# Old `<axis>_min`/`<axis>_max` keywords and the `<axis>_range` that replaced them, with the
# 0.22 default of each bound (an expression) for calls that give only one of the two.
RANGE_KEYWORDS: dict[str, tuple[str, str]] = {
    "x": ("-config.frame_x_radius", "config.frame_x_radius"),
    "y": ("-config.frame_y_radius", "config.frame_y_radius"),
    "z": ("-4", "4"),
    "t": ("0", "1"),
    "u": ("0", "1"),
    "v": ("0", "1"),
}

ANIMATION_CLASSES: frozenset[str] = frozenset(
    {
        "Create",
        "Uncreate",
        "Write",
        "Unwrite",
        "DrawBorderThenFill",
        "FadeIn",
        "FadeOut",
        "GrowFromCenter",
        "GrowFromEdge",
        "GrowArrow",
        "SpinInFromNothing",
        "Indicate",
        "Flash",
        "Circumscribe",
        "Wiggle",
        "ShowPassingFlash",
        "ApplyWave",
        "FocusOn",
        "ShrinkToCenter",
        "AddTextLetterByLetter",
        "Transform",
        "ReplacementTransform",
    }
)

DIRECTIONS: frozenset[str] = frozenset(
    {"UP", "DOWN", "LEFT", "RIGHT", "UL", "UR", "DL", "DR", "IN", "OUT", "ORIGIN"}
)
OPPOSITE_DIRECTIONS: dict[str, str] = {
    "UP": "DOWN",
    "DOWN": "UP",
    "LEFT": "RIGHT",
    "RIGHT": "LEFT",
    "UL": "DR",
    "DR": "UL",
    "UR": "DL",
    "DL": "UR",
    "IN": "OUT",
    "OUT": "IN",
}

# Calls whose string arguments are TeX; the second set typesets them in text mode.
TEX_CALLS: frozenset[str] = frozenset(
    {"MathTex", "Tex", "SingleStringMathTex", "Title", "BulletedList"}
)
TEXT_TEX_CALLS: frozenset[str] = frozenset({"Tex", "Title", "BulletedList"})

# Macros the default TeX template (babel, amsmath, amssymb) lacks, and TeX it has instead.
TEX_MACRO_RENAMES: dict[str, str] = {
    "mathscr": r"\mathcal",
    "bm": r"\boldsymbol",
    "mathbbm": r"\mathbb",
    "coloneqq": ":=",
    "degree": r"^{\circ}",
    "R": r"\mathbb{R}",
    "N": r"\mathbb{N}",
    "Z": r"\mathbb{Z}",
    "Q": r"\mathbb{Q}",
}

# How many brace arguments common macros take: a MathTex part ending short continues in the next.
TEX_MACRO_ARGUMENTS: dict[str, int] = {
    "frac": 2,
    "dfrac": 2,
    "tfrac": 2,
    "cfrac": 2,
    "binom": 2,
    "dbinom": 2,
    "tbinom": 2,
    "overset": 2,
    "underset": 2,
    "stackrel": 2,
    "sqrt": 1,
    "text": 1,
    "textbf": 1,
    "mathrm": 1,
    "mathbf": 1,
    "mathit": 1,
    "mathcal": 1,
    "mathbb": 1,
    "operatorname": 1,
    "hat": 1,
    "bar": 1,
    "vec": 1,
    "dot": 1,
    "ddot": 1,
    "tilde": 1,
    "overline": 1,
    "underline": 1,
    "overbrace": 1,
    "underbrace": 1,
    "boxed": 1,
    "widehat": 1,
}

# Unicode a model types where TeX wants a macro (math mode).
UNICODE_MATH: dict[str, str] = {
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "δ": r"\delta",
    "ε": r"\varepsilon",
    "ζ": r"\zeta",
    "η": r"\eta",
    "θ": r"\theta",
    "ι": r"\iota",
    "κ": r"\kappa",
    "λ": r"\lambda",
    "μ": r"\mu",
    "ν": r"\nu",
    "ξ": r"\xi",
    "π": r"\pi",
    "ρ": r"\rho",
    "σ": r"\sigma",
    "ς": r"\varsigma",
    "τ": r"\tau",
    "υ": r"\upsilon",
    "φ": r"\varphi",
    "χ": r"\chi",
    "ψ": r"\psi",
    "ω": r"\omega",
    "Γ": r"\Gamma",
    "Δ": r"\Delta",
    "Θ": r"\Theta",
    "Λ": r"\Lambda",
    "Ξ": r"\Xi",
    "Π": r"\Pi",
    "Σ": r"\Sigma",
    "Υ": r"\Upsilon",
    "Φ": r"\Phi",
    "Ψ": r"\Psi",
    "Ω": r"\Omega",
    "×": r"\times",
    "·": r"\cdot",
    "⋅": r"\cdot",
    "÷": r"\div",
    "±": r"\pm",
    "∓": r"\mp",
    "≤": r"\leq",
    "≥": r"\geq",
    "≠": r"\neq",
    "≈": r"\approx",
    "≡": r"\equiv",
    "∝": r"\propto",
    "∞": r"\infty",
    "→": r"\rightarrow",
    "←": r"\leftarrow",
    "↔": r"\leftrightarrow",
    "⇒": r"\Rightarrow",
    "⇐": r"\Leftarrow",
    "⇔": r"\Leftrightarrow",
    "∑": r"\sum",
    "∏": r"\prod",
    "∫": r"\int",
    "∮": r"\oint",
    "√": r"\sqrt",
    "∂": r"\partial",
    "∇": r"\nabla",
    "∈": r"\in",
    "∉": r"\notin",
    "⊂": r"\subset",
    "⊆": r"\subseteq",
    "⊃": r"\supset",
    "⊇": r"\supseteq",
    "∪": r"\cup",
    "∩": r"\cap",
    "∅": r"\emptyset",
    "∀": r"\forall",
    "∃": r"\exists",
    "¬": r"\neg",
    "∧": r"\wedge",
    "∨": r"\vee",
    "⊥": r"\perp",
    "∥": r"\parallel",
    "∠": r"\angle",
    "°": r"^{\circ}",
    "ℝ": r"\mathbb{R}",
    "ℕ": r"\mathbb{N}",
    "ℤ": r"\mathbb{Z}",
    "ℚ": r"\mathbb{Q}",
    "ℂ": r"\mathbb{C}",
    "²": r"^{2}",
    "³": r"^{3}",
    "¹": r"^{1}",
    "⁰": r"^{0}",
    "ⁿ": r"^{n}",
    "₀": r"_{0}",
    "₁": r"_{1}",
    "₂": r"_{2}",
    "…": r"\ldots",
    "ℏ": r"\hbar",
    "ℓ": r"\ell",
}

# Macros whose `\n` a non-raw string turns into a newline ("\nabla" → newline + "abla").
NEWLINE_MACROS: frozenset[str] = frozenset(
    {
        "nabla",
        "neq",
        "ne",
        "nu",
        "not",
        "neg",
        "ni",
        "newline",
        "nleq",
        "ngeq",
        "nmid",
        "nexists",
        "nsubseteq",
        "notin",
        "noindent",
        "nolimits",
        "nonumber",
        "normalsize",
        "nparallel",
    }
)

# Setters Manim 0.22 mobjects really have; any other `set_*` is `Mobject.__getattr__`'s shim.
KNOWN_SETTERS: frozenset[str] = frozenset(
    {
        "set_anchors_and_handles",
        "set_angle",
        "set_background_stroke",
        "set_cap_style",
        "set_color",
        "set_color_by_gradient",
        "set_color_by_tex",
        "set_color_by_tex_to_color_map",
        "set_colors_by_radial_gradient",
        "set_column_colors",
        "set_coord",
        "set_default",
        "set_direction",
        "set_fill",
        "set_fill_by_checkerboard",
        "set_fill_by_value",
        "set_length",
        "set_location",
        "set_opacity",
        "set_opacity_by_tex",
        "set_path_arc",
        "set_points",
        "set_points_as_corners",
        "set_points_by_ends",
        "set_points_smoothly",
        "set_resampling_algorithm",
        "set_row_colors",
        "set_shade_in_3d",
        "set_sheen",
        "set_sheen_direction",
        "set_start_and_end_attrs",
        "set_stroke",
        "set_stroke_width",
        "set_style",
        "set_submobject_colors_by_gradient",
        "set_submobject_colors_by_radial_gradient",
        "set_value",
        "set_x",
        "set_y",
        "set_z",
        "set_z_index",
        "set_z_index_by_z_Point3D",
    }
)
