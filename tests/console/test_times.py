"""Every time the product shows carries its time zone: templates show datetimes through
the ``when`` filter (``2026-12-07 09:30 UTC``), never through an ad-hoc ``|date``
format without a zone, ``|time`` or Django's default format; Python code that words a
time for people goes through ``apps.core.times.when``.

Allowed ``|date`` formats: ``c`` (ISO 8601 with its offset, for ``<time datetime>``) and
``Y-m-d`` (a calendar day, no time of day)."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.template import TemplateSyntaxError, engines

from apps.core.times import when
from apps.jobs.models import Heartbeat

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted((ROOT / "templates").rglob("*.html")) + sorted(
    (ROOT / "templates").rglob("*.txt")
)
PYTHON = [
    path
    for top in ("apps", "console", "marketplace")
    for path in sorted((ROOT / top).rglob("*.py"))
    if "migrations" not in path.parts and path != ROOT / "apps/core/times.py"
]
ALLOWED_DATE_FORMATS = {"c", "Y-m-d"}
DATE_FILTER = re.compile(r"\|date(?::\s*([\"'])(.*?)\1)?")
TIME_FILTER = re.compile(r"\|time\b")
# A datetime field printed as it is: Django's default format has no zone.
BARE = re.compile(r"\{\{\s*[\w.]*(?:_at|expires|date_joined|last_login)\s*\}\}")
PY_FORMAT = re.compile(r"\{[^{}]*:%[^{}]*%[HIM][^{}]*\}|strftime\(|\.isoformat\(\)\s*\+")
MOMENT = datetime(2026, 12, 7, 9, 30, 15, tzinfo=UTC)


def _where(path: Path, text: str, index: int) -> str:
    return f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, index) + 1}"


def test_there_are_templates_to_scan():
    assert len(TEMPLATES) > 50


def test_templates_show_datetimes_with_their_zone_only():
    problems = []
    for path in TEMPLATES:
        text = path.read_text()
        for match in DATE_FILTER.finditer(text):
            if match.group(2) not in ALLOWED_DATE_FORMATS:
                problems.append(f"{_where(path, text, match.start())}: {match.group(0)}")
        for pattern in (TIME_FILTER, BARE):
            for match in pattern.finditer(text):
                problems.append(f"{_where(path, text, match.start())}: {match.group(0)}")
        if "|when" in text and not re.search(r"\{% load [\w ]*\btimes\b", text):
            problems.append(f"{path.relative_to(ROOT)}: uses |when without {{% load times %}}")
    assert problems == [], "Show times with |when (apps.core.times):\n" + "\n".join(problems)


def test_python_words_times_through_when():
    problems = []
    for path in PYTHON:
        text = path.read_text()
        for match in PY_FORMAT.finditer(text):
            problems.append(f"{_where(path, text, match.start())}: {match.group(0)}")
    assert problems == [], "Word times with apps.core.times.when:\n" + "\n".join(problems)


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load times %}" + source).render(context)


class TestWhen:
    def test_the_three_precisions(self):
        assert when(MOMENT) == "2026-12-07 09:30 UTC"
        assert when(MOMENT, precision="second") == "2026-12-07 09:30:15 UTC"
        assert when(MOMENT, precision="time") == "09:30 UTC"

    def test_the_filter_says_the_same(self):
        html = render('{{ t|when }} / {{ t|when:"second" }} / {{ t|when:"time" }}', t=MOMENT)

        assert html == "2026-12-07 09:30 UTC / 2026-12-07 09:30:15 UTC / 09:30 UTC"

    def test_no_datetime_renders_nothing_so_a_default_shows(self):
        assert render('{{ t|when|default:"—" }}', t=None) == "—"

    def test_an_unknown_precision_is_refused_by_name(self):
        with pytest.raises(TemplateSyntaxError, match="unknown precision 'hour'"):
            render('{{ t|when:"hour" }}', t=MOMENT)

    def test_in_the_zone_the_platform_runs_in_named(self, settings):
        settings.TIME_ZONE = "Europe/Lisbon"

        assert when(MOMENT) == "2026-12-07 09:30 WET"
        assert when(datetime(2026, 7, 7, 9, 30, tzinfo=UTC)) == "2026-07-07 10:30 WEST"

    def test_a_heartbeat_names_its_zone(self):
        beat = Heartbeat(name="sweeper", last_seen_at=MOMENT)

        assert str(beat) == "sweeper at 2026-12-07 09:30:15 UTC"
