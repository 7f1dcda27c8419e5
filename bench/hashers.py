"""Cost of checking an OAuth client secret: our keyed HMAC hasher against Django's default.

Every authorization-code exchange and every refresh checks the client secret once. The
secrets are long random strings, so a slow key-derivation function buys no security and
costs latency. Prints the median time per check of each hasher and their ratio, measured
in the same run.

    .venv/bin/python bench/hashers.py [--rounds N]
"""

import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.local")

import django

django.setup()

from django.contrib.auth.hashers import check_password, make_password  # noqa: E402


def median_seconds(hasher: str, rounds: int) -> float:
    secret = secrets.token_urlsafe(96)
    encoded = make_password(secret, hasher=hasher)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        assert check_password(secret, encoded)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    baseline = median_seconds("pbkdf2_sha256", args.rounds)
    ours = median_seconds("hmac_sha256_pepper", args.rounds * 100)
    print(f"pbkdf2_sha256 (Django default): {baseline * 1000:10.3f} ms per check")
    print(f"hmac_sha256_pepper (ours):      {ours * 1000:10.3f} ms per check")
    print(f"ratio: ours is {baseline / ours:,.0f}x faster")


if __name__ == "__main__":
    main()
