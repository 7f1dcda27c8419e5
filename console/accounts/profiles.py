"""People pages every member opens: a member's profile (the account's people directory,
with the apps' ``users.profile.card`` record cards)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from apps.accounts.selectors import member_profile_get_for
from apps.modules.members import USERS_MODEL
from console.access import MemberRequiredMixin, access_errors
from console.embedding.menu import record_cards_for


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
