"""The home page (dashboard), the layout around every page and the sidebar per role."""

import re

import pytest
from django.urls import reverse

from apps.accounts.actors import actor_for_user
from apps.moderation.services import review_claim
from tests.console.conftest import login_url
from tests.factories import UserFactory, make_app, make_version

HOME = reverse("console:home")


def sidebar_sections(html: str) -> list[str]:
    return re.findall(r'<section class="sidebar__section" data-section="([\w-]+)"', html)


def test_anonymous_is_sent_to_login(client_for):
    response = client_for(None).get(HOME)

    assert response.status_code == 302
    assert response.url == login_url(HOME)


def test_member_sees_account_role_and_rights(client_for, member):
    response = client_for(member).get(HOME)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Corp" in html
    assert "<dt>Your role</dt><dd>Sales</dd>" in html
    rights = {right["label"]: right["level"] for right in response.context["rights"]}
    assert rights["CRM"] == "full"
    assert rights["Tasks"] == "read"
    assert rights["Finance"] == "none"
    assert "Account admin</span>" not in html


def test_admin_has_full_rights_everywhere(client_for, admin):
    response = client_for(admin).get(HOME)

    assert {right["level"] for right in response.context["rights"]} == {"full"}
    assert '<span class="badge badge--blue">Account admin</span>' in response.content.decode()


def test_lists_the_other_accounts_to_switch_to(client_for, member_of_two):
    html = client_for(member_of_two).get(HOME).content.decode()

    assert "Your other accounts" in html
    assert '<input type="hidden" name="account" value="globex">' in html
    # The header's switcher offers both, the current one selected.
    assert '<option value="acme" selected>Acme Corp</option>' in html
    assert '<option value="globex">Globex</option>' in html


def test_a_single_account_has_no_switcher_select(client_for, member):
    html = client_for(member).get(HOME).content.decode()

    assert 'id="account-switcher" class="switcher__current">Acme Corp' in html
    assert '<select id="account-switcher"' not in html


def test_user_without_an_account_gets_a_friendly_page(client_for, db):
    user = UserFactory(email="newcomer@example.test")

    response = client_for(user).get(HOME)

    assert response.status_code == 200
    html = response.content.decode()
    assert "You don\u2019t belong to any account yet" in html
    assert "newcomer@example.test" in html
    assert "No account" in html
    assert "rights" not in response.context


def test_the_header_shows_brand_user_and_csrf_header_for_htmx(client_for, member):
    html = client_for(member).get(HOME).content.decode()

    assert '<a class="topbar__brand" href="/">Marketplace</a>' in html
    assert "member@acme.test" in html
    assert re.search(r"""hx-headers='\{"X-CSRFToken": "\w+"\}'""", html)
    assert "/static/vendor/htmx.min.js" in html
    assert "http://" not in html and "https://" not in html  # nothing loaded from outside


@pytest.mark.parametrize(
    ("persona", "sections"),
    [
        # The member's Sales role reads CRM and tasks; the developer has no role.
        ("member", ["records", "marketplace"]),
        ("developer", ["developer", "marketplace"]),
        ("admin", ["records", "account-admin", "marketplace"]),
        ("outsider", ["records", "account-admin", "marketplace"]),
        ("moderator", ["moderation", "platform", "marketplace"]),
        # A superuser holds every permission, the moderator's too.
        ("staff", ["moderation", "platform", "marketplace"]),
    ],
)
def test_sidebar_sections_follow_the_role(client_for, request, persona, sections):
    user = request.getfixturevalue(persona)

    html = client_for(user).get(HOME).content.decode()

    assert sidebar_sections(html) == sections


def test_sidebar_links_of_an_admin(client_for, admin):
    html = client_for(admin).get(reverse("console:accounts:api_key-list")).content.decode()

    assert f'<a href="{reverse("console:accounts:member-list")}">Members</a>' in html
    assert f'<a href="{reverse("console:accounts:role-list")}">Roles &amp; groups</a>' in html
    assert (
        f'<a href="{reverse("console:accounts:api_key-list")}" class="is-active" '
        'aria-current="page">API keys</a>'
    ) in html


def test_sidebar_links_of_staff_and_developer(client_for, staff, developer):
    staff_html = client_for(staff).get(HOME).content.decode()
    developer_html = client_for(developer).get(HOME).content.decode()

    assert f'href="{reverse("console:system:status")}">System status</a>' in staff_html
    assert 'href="/admin/">Django admin</a>' in staff_html
    assert 'href="/api/docs/">API reference</a>' in developer_html
    assert "System status" not in developer_html


def platform_card(html: str) -> str:
    match = re.search(r'<section class="card" id="platform">(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


def test_a_moderator_without_an_account_lands_on_the_review_queue(client_for, moderator, account):
    app = make_app(account=account, name="Invoicer", type="public")
    make_version(app=app, number="1.0.0", status="submitted")
    claimed = make_version(app=app, number="2.0.0", status="submitted")
    review_claim(version=claimed, actor=actor_for_user(user=moderator))

    response = client_for(moderator).get(HOME)

    html = response.content.decode()
    queue = reverse("console:moderation:review-list")
    assert "You don\u2019t belong to any account yet" not in html
    assert (
        f'<a href="{queue}?claimed=no"><strong>1</strong> version waiting for a moderator</a>'
        in html
    )
    assert f'<a href="{queue}?claimed=me"><strong>1</strong> claimed by you</a>' in html
    detail = reverse("console:moderation:review-detail", args=[claimed.pk])
    assert f'<a href="{detail}">Invoicer 2.0.0</a>' in html
    assert [link.label for link in response.context["platform_links"]] == ["System status"]
    assert 'href="/admin/"' not in html


def test_staff_without_an_account_find_their_platform_pages(client_for, staff):
    response = client_for(staff).get(HOME)

    html = response.content.decode()
    assert "You don\u2019t belong to any account yet" not in html
    card = platform_card(html)
    assert f'<a href="{reverse("console:system:status")}">System status</a>' in card
    assert '<a href="/admin/">Django admin</a>' in card
    # A superuser may moderate too.
    assert 'id="review-queue"' in html
    assert "<strong>0</strong> versions waiting for a moderator" in html


def test_staff_without_any_permission_are_not_sent_to_an_empty_admin(client_for, db):
    plain = UserFactory(email="plain.staff@platform.test", is_staff=True)

    html = client_for(plain).get(HOME).content.decode()

    assert f'<a href="{reverse("console:system:status")}">System status</a>' in platform_card(html)
    assert 'href="/admin/"' not in html
    assert 'id="review-queue"' not in html


def test_members_have_no_queue_and_no_platform_card(client_for, member):
    response = client_for(member).get(HOME)

    assert "review_queue" not in response.context
    assert "platform_links" not in response.context
    assert 'id="platform"' not in response.content.decode()
