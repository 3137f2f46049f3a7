"""Shared test configuration: hypothesis profiles, and a key directory of the tests' own.

``fast`` (the default) keeps a local run quick; ``ci`` (selected when the ``CI`` environment
variable is set) draws more examples. ``GOVLANG_KEY_DIR`` points at a fresh private directory,
so that runs without an operator key never touch the user's own signing key.
"""

import os
import tempfile

from hypothesis import HealthCheck, settings

settings.register_profile(
    "fast", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
os.environ["GOVLANG_KEY_DIR"] = tempfile.mkdtemp(prefix="govlang-test-keys-")
settings.load_profile("ci" if os.environ.get("CI") else "fast")
