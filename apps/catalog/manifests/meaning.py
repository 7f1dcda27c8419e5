"""Stage 2 of manifest validation, the meaning: what a schema cannot say. Duplicate ids
and keys, URLs, webhook events and reference settings covered by the declared scopes,
defaults that fit their setting, and the scope precedence warnings.

The data is read defensively (the structure stage may have found it wrong), so the
problems of both stages come together.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from apps.catalog.manifests.codes import ManifestError, ManifestWarning
from apps.catalog.manifests.connection_meaning import connection_problems
from apps.catalog.manifests.problems import Problem, json_path, json_type, short
from apps.catalog.manifests.urls import url_problem
from apps.scopes.catalog import Catalog, Level
from apps.scopes.policies import (
    DropReason,
    ScopeGrant,
    scope_precedence,
    scopes_allow,
    scopes_needed_for,
)


class ManifestMeaning:
    """The second stage, over data that may still be structurally wrong."""

    def __init__(self, data: Mapping[str, Any], catalog: Catalog) -> None:
        self.data = data
        self.catalog = catalog
        self.indexed_grants = self._indexed_grants()
        self.grants = [grant for _, grant in self.indexed_grants]
        self.precedence = scope_precedence(self.grants, catalog=catalog)

    def _list(self, key: str) -> list[tuple[int, Mapping[str, Any]]]:
        items = self.data.get(key)
        if not isinstance(items, list):
            return []
        return [(i, item) for i, item in enumerate(items) if isinstance(item, Mapping)]

    def _indexed_grants(self) -> list[tuple[int, ScopeGrant]]:
        """The well-formed scope entries with their index; the rest are the first
        stage's to report."""
        grants = []
        for index, item in self._list("scopes"):
            code, level = item.get("code"), item.get("level")
            if isinstance(code, str) and code in self.catalog.scopes and level in ("read", "full"):
                grants.append((index, ScopeGrant(code, Level(level))))
        return grants

    def effective_scopes(self) -> tuple[str, ...]:
        return self.precedence.strings

    # errors

    def errors(self) -> Iterator[Problem]:
        yield from self._duplicates("webhooks", "id", ManifestError.DUPLICATE_ID, "webhook id")
        yield from self._duplicates("embeddings", "id", ManifestError.DUPLICATE_ID, "embedding id")
        yield from self._duplicates("settings", "key", ManifestError.DUPLICATE_KEY, "setting key")
        yield from self._urls()
        yield from self._events_covered()
        yield from self._settings()
        yield from connection_problems(self.data)

    def _duplicates(
        self, key: str, field_name: str, code: ManifestError, noun: str
    ) -> Iterator[Problem]:
        first: dict[str, int] = {}
        for index, item in self._list(key):
            value = item.get(field_name)
            if not isinstance(value, str):
                continue
            if value in first:
                yield Problem(
                    json_path([key, index, field_name]),
                    code,
                    f"The {noun} {short(value)} is already used by {key}[{first[value]}]; "
                    f"each {noun} must be unique within the manifest.",
                )
            else:
                first[value] = index

    def _urls(self) -> Iterator[Problem]:
        redirects = self.data.get("redirect_uris")
        seen: dict[str, int] = {}
        for index, uri in enumerate(redirects if isinstance(redirects, list) else []):
            if not isinstance(uri, str):
                continue
            if uri in seen:
                yield Problem(
                    json_path(["redirect_uris", index]),
                    ManifestError.DUPLICATE_URI,
                    f"This redirect URI is already listed at redirect_uris[{seen[uri]}].",
                )
                continue
            seen[uri] = index
            yield from self._url_at(["redirect_uris", index], uri, redirect=True)
        for key in ("webhooks", "embeddings"):
            for index, item in self._list(key):
                url = item.get("url")
                if isinstance(url, str):
                    yield from self._url_at([key, index, "url"], url, redirect=False)
        for key in ("connection_test_url", "install_start_url"):
            url = self.data.get(key)
            if isinstance(url, str):
                yield from self._url_at([key], url, redirect=False)

    def _url_at(self, path: list[str | int], url: str, *, redirect: bool) -> Iterator[Problem]:
        if not url:
            return  # reported as too_short by the structure stage
        problem = url_problem(url, redirect=redirect)
        if problem:
            yield Problem(json_path(path), problem[0], problem[1])

    def _covered(self, model: str) -> bool:
        return scopes_allow(self.grants, model=model, level=Level.READ, catalog=self.catalog)

    def _needed(self, model: str) -> str:
        return " or ".join(scopes_needed_for(model=model, level=Level.READ, catalog=self.catalog))

    def _self_only_note(self, model: str) -> str:
        covering = [
            g
            for g in self.grants
            if self.catalog.scopes[g.code].self_only and model in self.catalog.scope_models(g.code)
        ]
        if covering:
            return f" {covering[0].code} is not enough: it reaches only the authorizing user."
        return ""

    def _events_covered(self) -> Iterator[Problem]:
        """A model event needs read on its model. App events (``app.installed`` ...)
        reach no module data and need no scope; an unknown event is the first stage's."""
        for index, item in self._list("webhooks"):
            code = item.get("event")
            event = self.catalog.events.get(code) if isinstance(code, str) else None
            if event is None or self._covered(event.model):
                continue
            yield Problem(
                json_path(["webhooks", index, "event"]),
                ManifestError.EVENT_NOT_COVERED,
                f"The event {event.code} needs read access to {event.model}: declare "
                f"{self._needed(event.model)} in scopes.{self._self_only_note(event.model)}",
            )

    def _settings(self) -> Iterator[Problem]:
        for index, item in self._list("settings"):
            setting_type = item.get("type")
            path: list[str | int] = ["settings", index]
            model = item.get("model")
            if "options" in item and setting_type != "select":
                yield Problem(
                    json_path([*path, "options"]),
                    ManifestError.FIELD_NOT_ALLOWED,
                    f"Only select settings have options; this one is {short(setting_type)}.",
                )
            if "model" in item and setting_type != "reference":
                yield Problem(
                    json_path([*path, "model"]),
                    ManifestError.FIELD_NOT_ALLOWED,
                    f"Only reference settings have a model; this one is {short(setting_type)}.",
                )
            if (
                setting_type == "reference"
                and isinstance(model, str)
                and model in self.catalog.models
                and not self._covered(model)
            ):
                yield Problem(
                    json_path([*path, "model"]),
                    ManifestError.MODEL_NOT_COVERED,
                    f"A setting that refers to {model} needs read access to it: declare "
                    f"{self._needed(model)} in scopes.{self._self_only_note(model)}",
                )
            yield from self._options(item, path)
            if "default" in item:
                yield from self._default(item, path)

    def _options(self, item: Mapping[str, Any], path: list[str | int]) -> Iterator[Problem]:
        options = item.get("options")
        seen: dict[str, int] = {}
        for index, option in enumerate(options if isinstance(options, list) else []):
            value = option.get("value") if isinstance(option, Mapping) else None
            if not isinstance(value, str):
                continue
            if value in seen:
                yield Problem(
                    json_path([*path, "options", index, "value"]),
                    ManifestError.DUPLICATE_OPTION,
                    f"The option value {short(value)} is already used by options[{seen[value]}].",
                )
            else:
                seen[value] = index

    def _default(self, item: Mapping[str, Any], path: list[str | int]) -> Iterator[Problem]:
        setting_type, default = item.get("type"), item.get("default")
        where = json_path([*path, "default"])
        if default is None:
            return
        if setting_type in ("secret", "file", "reference"):
            yield Problem(
                where,
                ManifestError.FIELD_NOT_ALLOWED,
                f"A {setting_type} setting cannot have a default; remove it.",
            )
            return
        expected: dict[str, tuple[type, ...]] = {
            "string": (str,),
            "text": (str,),
            "select": (str,),
            "number": (int, float),
            "boolean": (bool,),
        }
        if not isinstance(setting_type, str) or setting_type not in expected:
            return
        types = expected[setting_type]
        wrong_type = not isinstance(default, types) or (
            setting_type == "number" and isinstance(default, bool)
        )
        if wrong_type:
            word = {"number": "a number", "boolean": "true or false"}.get(setting_type, "text")
            yield Problem(
                where,
                ManifestError.INVALID_DEFAULT,
                f"The default of a {setting_type} setting must be {word}, not "
                f"{json_type(default)}.",
            )
        elif setting_type == "select":
            options = item.get("options")
            values = [
                o.get("value")
                for o in (options if isinstance(options, list) else [])
                if isinstance(o, Mapping)
            ]
            if default not in values:
                yield Problem(
                    where,
                    ManifestError.INVALID_DEFAULT,
                    f"The default {short(default)} is not one of the option values: "
                    f"{', '.join(short(v) for v in values) or 'none'}.",
                )

    # warnings

    def warnings(self) -> Iterator[Problem]:
        yield from self._precedence_warnings()
        yield from self._location_warnings()
        yield from self._subscription_warnings()

    def _precedence_warnings(self) -> Iterator[Problem]:
        indexes: dict[ScopeGrant, list[int]] = {}
        for index, grant in self.indexed_grants:
            indexes.setdefault(grant, []).append(index)
        codes = {
            DropReason.DUPLICATE: ManifestWarning.DUPLICATE_SCOPE,
            DropReason.SAME_CODE: ManifestWarning.SCOPE_LEVEL_OVERRIDDEN,
            DropReason.MODULE_SCOPE: ManifestWarning.SCOPE_OVERRIDDEN_BY_MODULE,
        }
        for dropped in self.precedence.dropped:
            at = indexes.get(dropped.declared, [0])
            # Every repetition is ignored, not only the second: point at each of them.
            repeats = at[1:] if dropped.reason is DropReason.DUPLICATE and len(at) > 1 else at[:1]
            for index in repeats:
                yield Problem(json_path(["scopes", index]), codes[dropped.reason], dropped.message)

    def _location_warnings(self) -> Iterator[Problem]:
        for index, item in self._list("embeddings"):
            code = item.get("location")
            location = self.catalog.locations.get(code) if isinstance(code, str) else None
            if location is None or location.model is None or self._covered(location.model):
                continue
            yield Problem(
                json_path(["embeddings", index, "location"]),
                ManifestWarning.LOCATION_MODEL_NOT_COVERED,
                f"The app receives the id of a {location.model} record at {location.code} "
                f"but cannot read it without {self._needed(location.model)}.",
            )

    def _subscription_warnings(self) -> Iterator[Problem]:
        seen: dict[tuple[Any, Any], int] = {}
        for index, item in self._list("webhooks"):
            key = (item.get("event"), item.get("url"))
            if not all(isinstance(k, str) for k in key):
                continue
            if key in seen:
                yield Problem(
                    json_path(["webhooks", index]),
                    ManifestWarning.DUPLICATE_SUBSCRIPTION,
                    f"webhooks[{seen[key]}] already sends {key[0]} to the same URL; every "
                    "event would be delivered twice.",
                )
            else:
                seen[key] = index
