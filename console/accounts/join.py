"""Accepting an invitation: the page its e-mailed link opens.

Signed in with the invited address: one button accepts. Signed in as someone else: the
page says so (the link works for the invited address only). Signed out: sign in when
the address has a user already, else sign up here with it; either way the person lands
in the account, which becomes their current one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from apps.accounts.middleware import SESSION_KEY
from apps.accounts.models import Invitation, Membership, User
from apps.accounts.services import (
    invitation_accept,
    invitation_accept_by_signup,
    invitation_get_by_token,
)
from apps.core.errors import ApplicationError, NotFound
from console.accounts.forms import SignUpForm
from console.forms import form_add_application_error


def _invitation(token: str) -> Invitation:
    try:
        return invitation_get_by_token(raw_token=token)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@method_decorator(never_cache, name="dispatch")
class InvitationAcceptView(View):
    template_name = "console/accounts/invitation_accept.html"

    def _render(
        self, invitation: Invitation, form: SignUpForm | None = None, status: int = 200
    ) -> HttpResponse:
        user = self.request.user
        signed_in = user.is_authenticated
        context: dict[str, Any] = {
            "invitation": invitation,
            "account": invitation.account,
            "status": invitation.status,
            "signed_in": signed_in,
            "same_user": signed_in and user.email.lower() == invitation.email.lower(),  # type: ignore[union-attr]
            "has_user": not signed_in
            and User.objects.filter(email__iexact=invitation.email).exists(),
            "form": form or SignUpForm(),
        }
        response = render(self.request, self.template_name, context, status=status)
        # The token is in the address: keep it out of Referer headers sent elsewhere
        # ("no-referrer" would also make the form's own POST fail the CSRF origin check).
        response["Referrer-Policy"] = "same-origin"
        return response

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return self._render(_invitation(token))

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = _invitation(token)
        if request.user.is_authenticated:
            try:
                membership = invitation_accept(raw_token=token, user=request.user)  # type: ignore[arg-type]
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return self._render(invitation, status=exc.status_code)
            return self._welcome(membership)
        form = SignUpForm(request.POST)
        if form.is_valid():
            try:
                user, membership = invitation_accept_by_signup(
                    raw_token=token,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
            except ApplicationError as exc:
                if "password" in exc.fields:
                    exc.fields["password1"] = exc.fields.pop("password")
                form_add_application_error(form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return self._welcome(membership)
        return self._render(invitation, form, status=400)

    def _welcome(self, membership: Membership) -> HttpResponse:
        self.request.session[SESSION_KEY] = membership.account_id
        messages.success(self.request, f"Welcome to {membership.account.name}.")
        return redirect("console:home")
