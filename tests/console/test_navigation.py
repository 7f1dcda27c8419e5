"""The sidebar registry: sections by role, items by predicate, empty sections hidden."""

from django.contrib.auth.models import AnonymousUser, Permission
from django.test import RequestFactory

from apps.accounts.actors import ANONYMOUS, actor_for_user
from console import navigation
from console.navigation import NavSection, is_account_admin, is_staff, navigation_for
from tests.factories import UserFactory


def make_request(user, membership=None, path="/"):
    request = RequestFactory().get(path)
    request.user = user
    request.actor = (
        actor_for_user(user=user, membership=membership) if user.is_authenticated else ANONYMOUS
    )
    return request


def test_a_section_without_items_is_hidden_and_costs_no_query(staff, django_assert_num_queries):
    empty = NavSection("empty", "Empty", visible=lambda request: 1 / 0 > 0)  # never called

    with django_assert_num_queries(0):
        assert navigation_for(make_request(staff), [empty]) == []


def test_adding_an_item_is_one_line_and_shows_the_section(moderator):
    section = NavSection("moderation", "Moderation", navigation.is_moderator)
    section.add("Review queue", "console:home")

    [visible] = navigation_for(make_request(moderator), [section])

    assert visible.label == "Moderation"
    assert [link.label for link in visible.links] == ["Review queue"]


def test_a_section_whose_items_are_all_hidden_is_not_rendered(staff):
    section = NavSection("platform", "Platform", is_staff)
    section.add("Secret", "console:home", visible=lambda request: False)

    assert navigation_for(make_request(staff), [section]) == []


def test_moderators_see_the_review_queue(moderator):
    sections = {s.key: s for s in navigation_for(make_request(moderator))}

    assert [link.label for link in sections["moderation"].links] == ["Review queue"]


def test_moderation_is_hidden_from_everyone_else(admin):
    request = make_request(admin, admin.memberships.get())

    assert "moderation" not in [s.key for s in navigation_for(request)]


def test_every_signed_in_user_sees_the_marketplace(member):
    request = make_request(member, member.memberships.get())

    sections = {s.key: s for s in navigation_for(request)}

    assert [link.label for link in sections["marketplace"].links] == ["Browse apps", "My apps"]


def test_someone_without_an_account_has_no_apps_to_use(moderator):
    sections = {s.key: s for s in navigation_for(make_request(moderator))}

    assert [link.label for link in sections["marketplace"].links] == ["Browse apps"]


def test_account_admins_see_installed_apps(admin):
    request = make_request(admin, admin.memberships.get(), path="/apps/installed/3/")

    [section] = navigation_for(request, [navigation.ACCOUNT_ADMIN])

    assert [link.label for link in section.links if link.active] == ["Installed apps"]


def test_anonymous_is_offered_only_the_marketplace(db):
    assert [s.key for s in navigation_for(make_request(AnonymousUser()))] == ["marketplace"]


def test_the_longest_matching_link_is_active(admin):
    membership = admin.memberships.get()
    request = make_request(admin, membership, path="/accounts/api-keys/3/revoke/")

    [section] = navigation_for(request, [navigation.ACCOUNT_ADMIN])

    assert [link.label for link in section.links if link.active] == ["API keys"]
    assert is_account_admin(request)


def test_the_django_admin_is_offered_to_a_superuser(staff):
    assert navigation.has_django_admin(make_request(staff))


def test_a_moderator_has_nothing_in_the_django_admin_and_is_not_sent_there(moderator):
    sections = {s.key: s for s in navigation_for(make_request(moderator))}

    assert not navigation.has_django_admin(make_request(moderator))
    assert [link.label for link in sections["platform"].links] == ["System status"]


def test_staff_with_one_model_permission_are_offered_the_django_admin(db):
    user = UserFactory(email="support@platform.test", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_account"))

    assert navigation.has_django_admin(make_request(user))


def test_a_model_permission_without_staff_status_does_not_open_the_admin(admin):
    admin.user_permissions.add(Permission.objects.get(codename="view_account"))

    assert not navigation.has_django_admin(make_request(admin, admin.memberships.get()))
    assert not navigation.has_django_admin(make_request(AnonymousUser()))
