"""The fictional demo mission (UNSMIK, Republic of Kanthara) used by ``make demo``, the docs and the tests."""

from pochub.demo.generator import DemoFiles, generate_demo

__all__ = ["DemoFiles", "generate_demo"]
