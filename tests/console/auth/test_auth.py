"""Sign in with e-mail, sign out (POST only), password reset and change."""

import re

import pytest
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.core import mail
from django.urls import reverse

from tests.console.conftest import login_url
from tests.factories import UserFactory

LOGIN = reverse("console:login")
LOGOUT = reverse("console:logout")
HOME = reverse("console:home")


def signed_in_user_id(client) -> str | None:
    return client.session.get(AUTH_SESSION_KEY)


class TestLogin:
    def test_the_form_asks_for_an_email(self, client_for):
        response = client_for(None).get(LOGIN)

        assert response.status_code == 200
        assert response.context["form"].fields["username"].label == "E-mail"
        assert 'type="email"' in response.content.decode()
        assert reverse("console:password-reset") in response.content.decode()

    @pytest.mark.parametrize("typed", ["member@acme.test", "Member@ACME.test"])
    def test_signs_in_with_email_in_any_case(self, client_for, member, password, typed):
        client = client_for(None)

        response = client.post(LOGIN, {"username": typed, "password": password})

        assert response.status_code == 302
        assert response.url == HOME
        assert signed_in_user_id(client) == str(member.pk)

    def test_wrong_password_shows_an_error_and_signs_nobody_in(self, client_for, member):
        client = client_for(None)

        response = client.post(LOGIN, {"username": member.email, "password": "wrong"})

        assert response.status_code == 200
        assert "Please enter a correct e-mail address and password" in response.content.decode()
        assert signed_in_user_id(client) is None

    def test_goes_to_a_safe_next_after_sign_in(self, client_for, admin, password):
        target = reverse("console:accounts:member-list")

        response = client_for(None).post(
            f"{LOGIN}?next={target}", {"username": admin.email, "password": password}
        )

        assert response.url == target

    def test_ignores_an_unsafe_next(self, client_for, admin, password):
        response = client_for(None).post(
            f"{LOGIN}?next=https://evil.example/", {"username": admin.email, "password": password}
        )

        assert response.url == HOME

    def test_a_signed_in_user_goes_home(self, client_for, member):
        response = client_for(member).get(LOGIN)

        assert response.status_code == 302
        assert response.url == HOME

    def test_anonymous_visitor_of_a_page_is_sent_to_login_with_next(self, client_for):
        response = client_for(None).get(HOME)

        assert response.status_code == 302
        assert response.url == login_url(HOME)


class TestLogout:
    def test_get_is_refused_and_keeps_the_session(self, client_for, member):
        client = client_for(member)

        response = client.get(LOGOUT)

        assert response.status_code == 405
        assert signed_in_user_id(client) == str(member.pk)

    def test_post_signs_out(self, client_for, member):
        client = client_for(member)

        response = client.post(LOGOUT)

        assert response.status_code == 302
        assert response.url == LOGIN
        assert signed_in_user_id(client) is None

    def test_the_header_offers_sign_out_as_a_post_form(self, client_for, member):
        html = client_for(member).get(HOME).content.decode()

        assert re.search(rf'<form method="post" action="{LOGOUT}">', html)


class TestPasswordReset:
    def test_sends_a_link_that_sets_a_new_password(self, client_for, member):
        client = client_for(None)

        response = client.post(reverse("console:password-reset"), {"email": "MEMBER@acme.test"})

        assert response.status_code == 302
        assert response.url == reverse("console:password-reset-done")
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["member@acme.test"]
        assert message.subject == "Reset your Marketplace password"
        assert not message.alternatives  # plain text only
        link = re.search(r"http://testserver(/password/reset/\S+/)", message.body).group(1)

        # The token moves from the URL into the session, then the form is shown.
        form_page = client.get(link, follow=True)
        assert form_page.status_code == 200
        assert form_page.context["validlink"] is True
        set_url = form_page.redirect_chain[-1][0]
        done = client.post(
            set_url,
            {"new_password1": "a-brand-new-pass-42", "new_password2": "a-brand-new-pass-42"},
        )

        assert done.status_code == 302
        assert done.url == reverse("console:password-reset-complete")
        member.refresh_from_db()
        assert member.check_password("a-brand-new-pass-42")
        # The link works once.
        again = client.get(link, follow=True)
        assert again.context["validlink"] is False

    def test_unknown_address_sends_nothing_but_looks_the_same(self, client_for, db):
        response = client_for(None).post(
            reverse("console:password-reset"), {"email": "nobody@nowhere.test"}
        )

        assert response.status_code == 302
        assert response.url == reverse("console:password-reset-done")
        assert mail.outbox == []

    def test_pages_render(self, client_for):
        client = client_for(None)

        for name in ("password-reset", "password-reset-done", "password-reset-complete"):
            assert client.get(reverse(f"console:{name}")).status_code == 200


class TestPasswordChange:
    URL = reverse("console:password-change")

    def test_anonymous_is_sent_to_login(self, client_for):
        response = client_for(None).get(self.URL)

        assert response.status_code == 302
        assert response.url == login_url(self.URL)

    def test_changes_the_password_and_keeps_the_session(self, client_for, password, db):
        user = UserFactory(email="changer@acme.test")
        client = client_for(user)

        response = client.post(
            self.URL,
            {
                "old_password": password,
                "new_password1": "another-long-pass-77",
                "new_password2": "another-long-pass-77",
            },
        )

        assert response.status_code == 302
        assert response.url == reverse("console:password-change-done")
        user.refresh_from_db()
        assert user.check_password("another-long-pass-77")
        assert client.get(reverse("console:password-change-done")).status_code == 200

    def test_wrong_old_password_changes_nothing(self, client_for, password, db):
        user = UserFactory(email="changer@acme.test")

        response = client_for(user).post(
            self.URL,
            {
                "old_password": "wrong",
                "new_password1": "another-long-pass-77",
                "new_password2": "another-long-pass-77",
            },
        )

        assert response.status_code == 200
        assert response.context["form"].errors["old_password"]
        user.refresh_from_db()
        assert user.check_password(password)
