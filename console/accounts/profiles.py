"""People pages: a member's profile, which every member of the account opens (the
account's people directory, with the apps' ``users.profile.card`` record cards), and a
user's own preferences (the interface language)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from apps.accounts.actors import Actor
from apps.accounts.models import Language
from apps.accounts.selectors import member_profile_get_for
from apps.accounts.services import user_language_set
from apps.core.errors import ApplicationError
from apps.embedding.policies import launch_language
from apps.modules.members import USERS_MODEL
from console.access import MemberRequiredMixin, access_errors, request_actor
from console.accounts.forms import PreferencesForm
from console.embedding.menu import record_cards_for
from console.forms import form_add_application_error

# The session's note that the language just changed: the next preferences page passes it
# once to the browser, which tells the user's other tabs (``lang.changed``).
LANG_CHANGED = "preferences.lang_changed"


class MemberProfileView(MemberRequiredMixin, View):
    """One member of the current account as its people see them: name, e-mail, role,
    groups, status, and the cards of the apps embedded on user profiles. Any member
    opens it; another account's user is a 404. Admins' changes stay on the member's
    admin page (linked from here for them)."""

    def get(self, request: HttpRequest, user_id: int) -> HttpResponse:
        with access_errors():
            member = member_profile_get_for(actor=self.actor, user_id=user_id)
        context = {
            "member": member,
            "is_self": member.user_id == self.actor.user_id,
            "may_edit": self.actor.is_admin,
            "record": member.user,
            "record_code": USERS_MODEL,
            "cards": record_cards_for(request, model=USERS_MODEL, record_id=member.user_id),
        }
        return render(request, "console/accounts/member_profile.html", context)


def _account_language(actor: Actor) -> str | None:
    return actor.account.language if actor.account is not None else None


class PreferencesView(LoginRequiredMixin, View):
    """The signed-in user's own preferences: the interface language embedded apps are
    told (``lang``), blank to follow the account's. After a change, the page tells the
    apps open in the user's other tabs (``lang.changed``, static/console/embedding.js)."""

    template_name = "console/accounts/preferences.html"

    def _render(self, form: PreferencesForm, *, status: int = 200, **extra: object) -> HttpResponse:
        return render(self.request, self.template_name, {"form": form, **extra}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        actor = request_actor(request)
        form = PreferencesForm(
            initial={"language": actor.user.language if actor.user else ""},
            account_language=_account_language(actor),
        )
        return self._render(form, lang_changed=request.session.pop(LANG_CHANGED, None))

    def post(self, request: HttpRequest) -> HttpResponse:
        actor = request_actor(request)
        form = PreferencesForm(request.POST, account_language=_account_language(actor))
        if form.is_valid():
            try:
                changed = user_language_set(actor=actor, language=form.cleaned_data["language"])
            except ApplicationError as exc:
                form_add_application_error(form, exc)
            else:
                assert actor.user is not None
                lang = launch_language(
                    user_language=actor.user.language,
                    account_language=_account_language(actor) or Language.EN,
                )
                if changed:
                    request.session[LANG_CHANGED] = lang
                label = dict(Language.choices).get(lang, lang)
                messages.success(request, f"Saved. Apps now speak {label} to you.")
                return redirect("console:accounts:preferences")
        return self._render(form, status=400)
