"""A manifest diff as the console pages show it (the developer's version page and the
moderator's review page share one rendering: ``console/catalog/includes/manifest_diff.html``)."""

from typing import Any

from apps.catalog.models import AppVersion
from apps.catalog.selectors import version_diff
from apps.core.errors import NotFound
from apps.scopes.policies import scope_phrase


def _scope_rows(scopes: list[str]) -> list[dict[str, str]]:
    return [{"scope": scope, "phrase": scope_phrase(scope)} for scope in scopes]


def manifest_diff_shown(*, version: AppVersion, against: AppVersion | None) -> dict[str, Any]:
    """``{"against", "diff", "error"}``: what changed from ``against`` to ``version`` as
    ``ManifestDiff.as_dict()`` plus ``changed``, with added, removed and exceeding scopes
    as ``{scope, phrase}`` rows. ``diff`` is ``None`` when there is nothing to compare
    with; ``error`` says why there is no diff when a stored manifest no longer validates
    against the scope catalog in force."""
    try:
        found = version_diff(version=version, against=against)
    except NotFound as exc:
        return {"against": against, "diff": None, "error": exc.message}
    if found is None:
        return {"against": against, "diff": None, "error": ""}
    data = found.as_dict()
    data["changed"] = found.changed
    for key in ("added", "removed", "exceeding"):
        data["scopes"][key] = _scope_rows(data["scopes"][key])
    return {"against": against, "diff": data, "error": ""}
