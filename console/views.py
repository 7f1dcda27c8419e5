"""The home page (dashboard)."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from apps.accounts.models import AccessLevel
from apps.accounts.policies import module_choices
from apps.moderation.policies import actor_can_moderate
from apps.moderation.selectors import review_queue_summary
from console.access import request_actor
from console.embedding.menu import widgets_for
from console.navigation import section_links


class HomeView(LoginRequiredMixin, TemplateView):
    """The current account, the user's role and rights, other accounts and sections.

    A moderator also finds the review queue's counts and the reviews they claimed; platform
    staff without an account, their platform pages. Anyone else without an account gets a
    page that says so and what to do.
    """

    template_name = "console/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        actor = request_actor(self.request)
        if actor.membership is not None:
            rights = actor.rights
            context["widgets"] = widgets_for(self.request)
            context["rights"] = [
                {
                    "label": label,
                    "level": rights[code],
                    "level_label": AccessLevel(rights[code]).label,
                }
                for code, label in module_choices()
            ]
        else:
            context["platform_links"] = section_links(self.request, "platform")
        if actor_can_moderate(actor):
            context["review_queue"] = review_queue_summary(actor=actor)
        return context
