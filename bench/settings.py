"""Production settings with the benchmarks' URLs (the bare view); for ``bench/load.py``."""

from marketplace.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
