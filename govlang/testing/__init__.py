"""Testing helpers for govlang and for code built on it.

:mod:`govlang.testing.strategies` holds the hypothesis strategies: expressions, valid
institutions, and arbitrary or grammar-shaped text for fuzzing the parser. It needs the
``hypothesis`` package (installed with the ``test`` extra).
"""
