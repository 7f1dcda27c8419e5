from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.accounts.selectors import membership_list_for_user
from console.access import request_actor
from console.navigation import navigation_for


def console(request: HttpRequest) -> dict[str, object]:
    """The current membership, the sidebar and the switcher's other accounts.

    The last two are lazy: a page that does not render them (the 500 page, an htmx
    partial) runs no query for them.
    """
    membership = request_actor(request).membership
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_membership": None, "nav_sections": [], "other_memberships": []}

    def other_memberships() -> list[object]:
        return [
            m
            for m in membership_list_for_user(user=user)
            if membership is None or m.pk != membership.pk
        ]

    return {
        "current_membership": membership,
        "nav_sections": SimpleLazyObject(lambda: navigation_for(request)),
        "other_memberships": SimpleLazyObject(other_memberships),
    }
