"""Settings for ``bench/pages.py``: the portal's settings, with the benchmark URLs on top."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
