"""Every link of the home page (header, sidebar and the page itself) opens for the person
it is shown to: no 403, no 404, and no Django admin that has nothing for them.

The sidebar is the same on every console page, so this covers it everywhere.
"""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.accounts.actors import actor_for_user
from apps.moderation.services import review_claim
from tests.factories import UserFactory, make_app, make_version

HOME = reverse("console:home")


@pytest.fixture
def plain_staff(db):
    return UserFactory(email="plain.staff@platform.test", is_staff=True)


@pytest.fixture
def support_staff(db):
    """Staff who may only read accounts in the Django admin."""
    user = UserFactory(email="support@platform.test", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_account"))
    return user


@pytest.fixture
def newcomer(db):
    return UserFactory(email="newcomer@example.test")


@pytest.fixture
def claimed_review(account, moderator):
    """A version in the queue claimed by the moderator: their home links to its review."""
    app = make_app(account=account, name="Invoicer", type="public")
    version = make_version(app=app, number="1.0.0", status="submitted")
    review_claim(version=version, actor=actor_for_user(user=moderator))
    return version


def links(html: str) -> list[str]:
    return sorted(set(re.findall(r'<a\b[^>]*\bhref="(/[^"#]*)"', html)))


@pytest.mark.parametrize(
    "persona",
    [
        "member",
        "developer",
        "admin",
        "outsider",
        "moderator",
        "staff",
        "plain_staff",
        "support_staff",
        "newcomer",
    ],
)
def test_every_link_on_the_home_page_opens(client_for, request, claimed_review, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    html = client.get(HOME).content.decode()

    answers = {url: client.get(url) for url in links(html)}

    assert answers, "the home page has no links"
    assert {url: r.status_code for url, r in answers.items() if r.status_code != 200} == {}
    if "/admin/" in answers:
        assert answers["/admin/"].context["app_list"], "the Django admin has nothing for them"


@pytest.mark.parametrize("persona", ["moderator", "plain_staff", "member", "newcomer"])
def test_the_django_admin_link_is_hidden_from_who_has_nothing_there(client_for, request, persona):
    html = client_for(request.getfixturevalue(persona)).get(HOME).content.decode()

    assert "/admin/" not in links(html)


@pytest.mark.parametrize("persona", ["staff", "support_staff"])
def test_the_django_admin_link_is_shown_to_who_has_something_there(client_for, request, persona):
    html = client_for(request.getfixturevalue(persona)).get(HOME).content.decode()

    assert "/admin/" in links(html)
