"""The authorize endpoint: ``/oauth/authorize/``, the one consent screen every install and
authorization ends in. The marketplace's Install buttons and install links send the browser
here, and so do apps that start the flow themselves.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.oauth2.rfc6749 import errors as oauthlib_errors

from apps.accounts.middleware import SESSION_KEY as CURRENT_ACCOUNT_KEY
from apps.catalog.selectors import version_manifest, version_scope_lines
from apps.core.errors import ApplicationError
from apps.installations.selectors import installation_setup_missing
from apps.oauth.authorization import Refusal, app_redirect_uris, authorization_resolve
from apps.oauth.context import AuthorizationContext, Mode, authorization_context
from apps.oauth.errors import OAuthProtocolError, RefusalKind
from apps.oauth.handoff import handoff_hold
from apps.oauth.issuer import oauth_issuer
from apps.oauth.policies import pkce_challenge_problem
from apps.oauth.services import authorization_allow, consent_lines, consent_needed
from apps.scopes.policies import effective_scopes, scope_phrase

# Query parameters of ours that ride along with the OAuth ones.
ACCOUNT_PARAM = "account"
VERSION_PARAM = "version"
LINK_PARAM = "install_link"
# OpenID Connect's ``prompt``: ``consent`` shows the consent screen even where it would be
# skipped (Reauthorize from the console).
PROMPT_PARAM = "prompt"

# What the way back from a refusal page tells the app in ``error_description`` (RFC 6749
# §4.1.2.1 allows ASCII only there, so never the page's own wording with its names).
WAY_BACK_DESCRIPTION = {
    RefusalKind.PICK_ACCOUNT: "The user cancelled.",
    RefusalKind.NO_ACCOUNT: "The user is not a member of any account.",
    RefusalKind.NOT_MEMBER: "The user is not a member of the account.",
    RefusalKind.ASK_ADMIN: "The app must be installed or updated by an admin of the account.",
    RefusalKind.NO_ACCESS: "The user may not use the app on this account.",
    RefusalKind.APP_UNAVAILABLE: "The app is not available.",
    RefusalKind.CANNOT_INSTALL: "The app cannot be installed on this account.",
    RefusalKind.LINK: "The install link cannot be used.",
}

# ``error_description`` for oauthlib's errors that come without one (RFC 6749 §4.1.2.1).
OAUTHLIB_DESCRIPTION = {
    oauthlib_errors.InvalidRequestError.error: (
        "The authorization request is missing or repeats a parameter, or has one that is not valid."
    ),
    oauthlib_errors.InvalidScopeError.error: (
        "The requested scope is unknown, malformed, or beyond what the app may ask on this account."
    ),
    oauthlib_errors.UnsupportedResponseTypeError.error: "Use response_type=code.",
    oauthlib_errors.UnauthorizedClientError.error: "The app may not use this grant.",
    oauthlib_errors.AccessDeniedError.error: "The request was refused.",
    oauthlib_errors.ServerError.error: "The server could not complete the request.",
}

REFUSAL_STATUS = {
    RefusalKind.UNKNOWN_CLIENT: 400,
    RefusalKind.APP_UNAVAILABLE: 409,
    RefusalKind.NO_ACCOUNT: 403,
    RefusalKind.NOT_MEMBER: 403,
    RefusalKind.PICK_ACCOUNT: 200,
    RefusalKind.ASK_ADMIN: 403,
    RefusalKind.NO_ACCESS: 403,
    RefusalKind.CANNOT_INSTALL: 409,
    RefusalKind.LINK: 410,
}


def consent_stamp(version: Any) -> str:
    """What the consent form carries to prove the person saw this version as it is now:
    its id and when it last changed (a draft edited meanwhile no longer matches)."""
    return f"{version.pk}:{int(version.updated_at.timestamp() * 1_000_000)}"


def _several_accounts(request: HttpRequest) -> bool:
    """Whether the signed-in user belongs to more than one active account."""
    return bool(
        request.user.memberships.filter(account__is_active=True)[1:2].exists()  # type: ignore[union-attr]
    )


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def callback_with_error(
    uri: str, *, error: str, description: str, issuer: str, state: str = ""
) -> str:
    """``uri`` (a redirect URI already checked against the app's manifest) with an error
    response's parameters, the ``state`` (RFC 6749 §4.1.2.1) and the issuer (RFC 9207 §2:
    error responses carry ``iss`` as well, so an app can tell which server answered)."""
    params = {"error": error, "error_description": description}
    if state:
        params["state"] = state
    params["iss"] = issuer
    separator = "&" if "?" in uri else "?"
    return uri + separator + urlencode(params)


def way_back(request: HttpRequest, refusal: Refusal) -> str:
    """Where a refusal page's Cancel (or Back) link returns the browser: the app's
    redirect URI with ``error=user_denied`` and the ``state``; "" when the client is
    unknown or the request names a redirect URI the app never registered, which is never
    followed."""
    if refusal.app is None:
        return ""
    registered = app_redirect_uris(refusal.app)
    uri = request.GET.get("redirect_uri", "") or (registered[0] if registered else "")
    if not uri or uri not in registered:
        return ""
    return callback_with_error(
        uri,
        error=OAuthProtocolError.USER_DENIED,
        description=WAY_BACK_DESCRIPTION.get(refusal.kind, "The request was refused."),
        issuer=oauth_issuer(request),
        state=request.GET.get("state", ""),
    )


@method_decorator(never_cache, name="dispatch")
class AuthorizeView(LoginRequiredMixin, OAuthLibMixin, View):
    """GET shows the account picker or the consent screen (or goes straight back to the
    app when no consent is needed); POST is the person's Allow or Cancel."""

    template_name = "oauth2_provider/authorize.html"

    def _resolve(self, request: HttpRequest) -> AuthorizationContext | Refusal:
        params = request.GET
        return authorization_resolve(
            user=request.user,  # type: ignore[arg-type]
            client_id=params.get("client_id", ""),
            account_slug=params.get(ACCOUNT_PARAM, "").strip(),
            version_number=params.get(VERSION_PARAM, "").strip(),
            install_link_token=params.get(LINK_PARAM, "").strip(),
        )

    def _refusal(self, request: HttpRequest, refusal: Refusal) -> HttpResponse:
        base = request.path + "?" + _query_without(request, ACCOUNT_PARAM)
        choices = [
            {
                "membership": m,
                "url": base + "&" + urlencode({ACCOUNT_PARAM: m.account.slug}),
            }
            for m in refusal.memberships
        ]
        several = refusal.kind in (
            RefusalKind.ASK_ADMIN,
            RefusalKind.NO_ACCESS,
            RefusalKind.CANNOT_INSTALL,
        ) and (_several_accounts(request))
        return render(
            request,
            "oauth2_provider/refusal.html",
            {
                "refusal": refusal,
                "app": refusal.app,
                "choices": choices,
                "change_account_url": base if several else "",
                "way_back_url": way_back(request, refusal),
            },
            status=REFUSAL_STATUS.get(refusal.kind, 400),
        )

    def _oauth_error(self, error: OAuthToolkitError) -> HttpResponse:
        """oauthlib's refusal: back to the (validated) redirect URI with the error, an
        ``error_description``, the ``state`` and ``iss``; or, when the client or the
        redirect URI cannot be trusted, an error page that goes nowhere."""
        redirect, response = self.error_response(error)
        oauthlib_error = response["error"]
        if redirect and oauthlib_error.redirect_uri:
            uri = callback_with_error(
                oauthlib_error.redirect_uri,
                error=oauthlib_error.error,
                description=oauthlib_error.description
                or OAUTHLIB_DESCRIPTION.get(oauthlib_error.error, "The request was refused."),
                issuer=oauth_issuer(self.request),
                state=oauthlib_error.state or "",
            )
            return OAuth2ResponseRedirect(uri, ["https", "http"])
        return render(
            self.request,
            "oauth2_provider/error.html",
            {
                "error": oauthlib_error.error,
                "description": oauthlib_error.description,
            },
            status=400,
        )

    def _consent_page(
        self,
        request: HttpRequest,
        context: AuthorizationContext,
        scopes: list[str],
        status: int = 200,
        problem: str = "",
    ) -> HttpResponse:
        lines = consent_lines(context, scopes)
        reasons = {s.scope: s.reason for s in version_scope_lines(version=context.version)}

        def described(values: tuple[str, ...]) -> list[dict[str, str]]:
            return [
                {"scope": v, "phrase": scope_phrase(v), "reason": reasons.get(v, "")}
                for v in values
            ]

        change_account = request.path + "?" + _query_without(request, ACCOUNT_PARAM)
        return render(
            request,
            self.template_name,
            {
                "context": context,
                "app": context.app,
                "version": context.version,
                "account": context.account,
                "mode": context.mode.value,
                "version_stamp": consent_stamp(context.version),
                "already_approved": described(lines["already_approved"]),
                "new_scopes": described(lines["new"]),
                "several_accounts": _several_accounts(request),
                "change_account_url": change_account,
                "problem": problem,
            },
            status=status,
        )

    def _validated(
        self, request: HttpRequest
    ) -> tuple[AuthorizationContext, list[str], dict[str, Any]] | HttpResponse:
        """The resolved context and oauthlib's checks of the request (client, redirect URI,
        scopes, PKCE), or the page or redirect that refuses it."""
        resolved = self._resolve(request)
        if isinstance(resolved, Refusal):
            return self._refusal(request, resolved)
        with authorization_context(resolved):
            try:
                scopes, credentials = self.validate_authorization_request(request)
            except OAuthToolkitError as error:
                return self._oauth_error(error)
        problem = pkce_challenge_problem(
            challenge=credentials.get("code_challenge"),
            method=credentials.get("code_challenge_method"),
        )
        if problem is not None:
            # Refused before consent: nothing is installed and no code is issued.
            return self._back_with_error(credentials, OAuthProtocolError.INVALID_REQUEST, problem)
        return resolved, list(effective_scopes(scopes)), credentials

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        validated = self._validated(request)
        if isinstance(validated, HttpResponse):
            return validated
        resolved, scopes, credentials = validated
        if consent_needed(resolved, scopes) or request.GET.get(PROMPT_PARAM) == "consent":
            return self._consent_page(request, resolved, scopes)
        return self._issue(request, resolved, scopes, credentials)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        validated = self._validated(request)
        if isinstance(validated, HttpResponse):
            return validated
        resolved, scopes, credentials = validated
        if request.POST.get("decision") != "allow":
            return self._denied(credentials)
        if (
            request.POST.get("version_id") != consent_stamp(resolved.version)
            or request.POST.get("mode") != resolved.mode.value
        ):
            return self._consent_page(
                request,
                resolved,
                scopes,
                status=409,
                problem="What this page asks changed since it was shown. Review it again.",
            )
        return self._issue(request, resolved, scopes, credentials, allow_writes=True)

    def _denied(self, credentials: dict[str, Any]) -> HttpResponse:
        """Cancel: back to the app's callback with ``error=user_denied`` (RFC 6749
        §4.1.2.1's ``access_denied``, by the name Pipedrive gives it); nothing is installed
        or granted."""
        return self._back_with_error(
            credentials, OAuthProtocolError.USER_DENIED, "The user cancelled."
        )

    def _back_with_error(
        self, credentials: dict[str, Any], error: str, description: str
    ) -> HttpResponse:
        """Back to the app's (validated) callback with an error and the ``state``."""
        uri = callback_with_error(
            credentials["redirect_uri"],
            error=error,
            description=description,
            issuer=oauth_issuer(self.request),
            state=credentials.get("state") or "",
        )
        return OAuth2ResponseRedirect(uri, ["https", "http"])

    def _issue(
        self,
        request: HttpRequest,
        context: AuthorizationContext,
        scopes: list[str],
        credentials: dict[str, Any],
        *,
        allow_writes: bool = False,
    ) -> HttpResponse:
        bound = context
        try:
            with transaction.atomic():
                if allow_writes:
                    bound = authorization_allow(
                        context=context,
                        user=request.user,  # type: ignore[arg-type]
                        requested=scopes,
                    )
                with authorization_context(bound):
                    uri, _headers, _body, _status = self.create_authorization_response(
                        request=request,
                        scopes=" ".join(scopes),
                        credentials=credentials,
                        allow=True,
                    )
        except OAuthToolkitError as error:
            return self._oauth_error(error)
        except ApplicationError as exc:
            return self._consent_page(request, context, scopes, status=409, problem=exc.message)
        separator = "&" if "?" in uri else "?"
        uri = uri + separator + urlencode({ACCOUNT_PARAM: context.account.slug})
        if allow_writes and bound.mode is not Mode.AUTHORIZE:
            setup = self._setup_first(request, bound, uri)
            if setup is not None:
                return setup
        return OAuth2ResponseRedirect(uri, ["https", "http"])

    def _setup_first(
        self, request: HttpRequest, context: AuthorizationContext, uri: str
    ) -> HttpResponse | None:
        """After an install or update that left required app-level settings empty: the
        installation's settings form, with the way back to the app (``uri``, code
        included) held in the session for it (``apps.oauth.handoff``); ``None`` when the
        installation needs no setup."""
        installation = context.installation
        if installation is None:
            return None
        if installation_setup_missing(installation=installation):
            page = "installation-settings"
        elif context.mode is Mode.INSTALL and (
            version_manifest(installation.version).connection.type != "none"
        ):
            # A new install of an app with a connection: its Connection page first
            # (parameters, Connect), then on to the app.
            page = "installation-connection"
        else:
            return None
        handoff_hold(request.session, installation_id=installation.pk, redirect_uri=uri)
        # The form is the current account's: the one just installed on becomes current.
        request.session[CURRENT_ACCOUNT_KEY] = context.account.pk
        return redirect(
            reverse(f"console:installations:{page}", kwargs={"installation_id": installation.pk})
        )
