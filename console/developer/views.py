"""Developer tools: check a manifest in the browser, and the scope catalog to write one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View
from django.views.generic import TemplateView

from apps.catalog.manifests import ManifestCheck, format_for, manifest_validate_text
from apps.scopes.policies import parse_scope, scope_phrase
from apps.scopes.selectors import scope_catalog_describe
from console.access import DeveloperRequiredMixin
from console.developer.forms import ManifestCheckForm


def _effective_rows(check: ManifestCheck) -> list[dict[str, str]]:
    """Each effective scope in plain words, with the reason the developer gave."""
    rows = []
    for value in check.effective_scopes:
        grant = parse_scope(value)
        rows.append(
            {
                "scope": value,
                "phrase": scope_phrase(grant),
                "reason": check.manifest.scope_reason(grant.code) if check.manifest else "",
            }
        )
    return rows


class ManifestCheckView(DeveloperRequiredMixin, View):
    """Paste or upload a manifest; see every problem with its path, or the effective
    scopes as admins will read them. Nothing is stored."""

    template_name = "console/developer/manifest_check.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": ManifestCheckForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ManifestCheckForm(request.POST, request.FILES)
        context: dict[str, Any] = {"form": form}
        if form.is_valid():
            upload = form.cleaned_data.get("manifest_file")
            if upload is not None:
                raw: bytes | str = upload.read()
                fmt = format_for(filename=upload.name)
            else:
                raw, fmt = form.cleaned_data["manifest"], None
            check = manifest_validate_text(raw, fmt=fmt)
            context.update(check=check, effective=_effective_rows(check))
        return render(request, self.template_name, context, status=200)


class ScopeReferenceView(DeveloperRequiredMixin, TemplateView):
    """Every scope with the models it covers and its consent wording, every embedding
    location, the webhook events per model and the app events."""

    template_name = "console/developer/scope_reference.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        described = scope_catalog_describe()
        # Grouped by module, the module scope first.
        described["scopes"].sort(key=lambda s: (s["module"], not s["is_module_scope"], s["code"]))
        return described
