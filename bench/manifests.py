"""Cost of validating a manifest, against the cost of merely parsing the same bytes.

The validation endpoint is open to every signed-in user and API key, so its worst case
matters: a manifest at the 256 KB limit, one packed with problems, and hostile input
(deep brackets, YAML). Prints the median time of each case and its ratio to ``json.loads``
(or ``yaml.safe_load``) of the same text, measured in the same run.

    .venv/bin/python bench/manifests.py [--rounds N]
"""

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.local")

import django

django.setup()

import yaml  # noqa: E402

from apps.catalog.manifests import MAX_BYTES, manifest_validate_text  # noqa: E402


def typical() -> dict:
    return {
        "manifest_version": 1,
        "version": "1.2.0",
        "authorization": "account",
        "redirect_uris": ["https://app.example.com/oauth/callback"],
        "scopes": [
            {"code": "crm.accounts", "level": "read", "reason": "Shows customers."},
            {"code": "fin.invoices", "level": "full", "reason": "Creates invoices."},
        ],
        "webhooks": [
            {"id": f"hook-{i}", "event": "crm.account.updated", "url": f"https://a.example/{i}"}
            for i in range(5)
        ],
        "embeddings": [
            {
                "id": "panel",
                "location": "fin.invoice.card",
                "code": "panel",
                "url": "https://app.example.com/embed",
                "title": "App",
            }
        ],
        "settings": [
            {"key": f"s{i}", "level": "app", "type": "string", "label": f"Setting {i}"}
            for i in range(10)
        ],
    }


def largest_valid() -> dict:
    """Every list at its limit, long texts, just under 256 KB."""
    manifest = typical()
    manifest["webhooks"] = [
        {"id": f"hook-{i}", "event": "crm.account.updated", "url": f"https://a.example/{i}"}
        for i in range(100)
    ]
    manifest["settings"] = [
        {
            "key": f"s{i}",
            "level": "app",
            "type": "select",
            "label": "L" * 100,
            "help": "H" * 500,
            "options": [{"value": f"v{j}", "label": "O" * 40} for j in range(20)],
        }
        for i in range(100)
    ]
    text = json.dumps(manifest)
    assert len(text) <= MAX_BYTES, len(text)
    return manifest


def full_of_problems() -> dict:
    """Every item wrong in several ways."""
    manifest = typical()
    manifest["version"] = "one"
    manifest["scopes"] = [{"code": f"nope{i}", "level": "write", "x": 1} for i in range(50)]
    manifest["webhooks"] = [
        {"id": "SAME", "event": "fin.invoices.created", "url": "http://x.example"}
        for _ in range(100)
    ]
    manifest["settings"] = [
        {"key": "dup", "level": "team", "type": "select", "label": "", "default": 3}
        for _ in range(100)
    ]
    return manifest


def median(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    cases: list[tuple[str, str, bool]] = [
        ("typical (2 scopes, 5 webhooks, 10 settings)", json.dumps(typical()), False),
        ("largest valid (100 webhooks, 100 selects)", json.dumps(largest_valid()), False),
        ("full of problems", json.dumps(full_of_problems()), False),
        ("typical, as YAML", yaml.safe_dump(typical()), True),
        ("hostile: 256 KB of '['", "[" * MAX_BYTES, False),
        ("hostile: YAML nested 30,000 deep", "a: " + "[" * 30000, True),
        ("hostile: YAML list of 60,000 items", "a:\n" + "- 1\n" * 60000, True),
        (
            "hostile: 20,000 unknown fields (YAML)",
            "".join(f"k{i}: v\n" for i in range(20000)),
            True,
        ),
    ]
    print(f"{'case':46} {'bytes':>8} {'problems':>8} {'parse':>9} {'validate':>9} {'ratio':>6}")
    for name, text, is_yaml in cases:
        parse: Callable[[], object]
        if is_yaml:
            parse = lambda text=text: yaml.safe_load(text)  # noqa: E731
        else:
            parse = lambda text=text: json.loads(text)  # noqa: E731
        try:
            baseline = median(parse, args.rounds)
        except (ValueError, RecursionError):
            baseline = float("nan")  # the parser itself refuses it
        check = manifest_validate_text(text)
        ours = median(lambda text=text: manifest_validate_text(text), args.rounds)
        ratio = ours / baseline if baseline == baseline else float("nan")
        print(
            f"{name:46} {len(text):>8,} {len(check.errors):>8} "
            f"{baseline * 1000:>7.2f}ms {ours * 1000:>7.2f}ms {ratio:>5.1f}x"
        )


if __name__ == "__main__":
    main()
