"""Interop: institutions from paper-style manifests, governed trajectories as SFT data.

- :mod:`govlang.interop.source`, :mod:`govlang.interop.schema`, :mod:`govlang.interop.to_gov`:
  ``govlang import MANIFEST -o FILE.gov`` (``specs/interop.md``);
- :mod:`govlang.interop.sft`, :mod:`govlang.interop.card`: ``govlang export-sft RESULTS``.

Nothing here is imported by ``govlang check``; the command line registers both commands
through :mod:`govlang.interop.cli`, which imports the rest only when a command runs.
"""
