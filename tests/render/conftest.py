"""Fixtures of the renderer tests: the compiler tests' reference and inline institutions."""

from tests.compile.conftest import compile_text, reference, reference_text

__all__ = ["compile_text", "reference", "reference_text"]
