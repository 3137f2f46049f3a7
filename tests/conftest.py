"""Shared test configuration: hypothesis profiles.

``fast`` (the default) keeps a local run quick; ``ci`` (selected when the ``CI`` environment
variable is set) draws more examples.
"""

import os

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
settings.load_profile("ci" if os.environ.get("CI") else "fast")
