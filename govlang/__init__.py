"""govlang: a governance-graph specification language for multi-agent AI safety research."""

__version__ = "0.1.0"
