"""Members changelist: account admin only, scoped to the current account."""

import pytest
from django.urls import reverse

from tests.console.conftest import login_url
from tests.factories import GroupFactory, MembershipFactory, RoleFactory, UserFactory

URL = reverse("console:accounts:member-list")


def emails(response) -> list[str]:
    return [m.user.email for m in response.context["cl"].rows]


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client_for):
        response = client_for(None).get(URL)

        assert response.status_code == 302
        assert response.url == login_url(URL)

    @pytest.mark.parametrize("persona", ["member", "developer"])
    def test_member_without_admin_right_is_refused(self, client_for, request, persona):
        user = request.getfixturevalue(persona)

        response = client_for(user).get(URL)

        assert response.status_code == 403
        assert "You can\u2019t open this page" in response.content.decode()

    def test_user_without_an_account_gets_404(self, client_for, staff):
        assert client_for(staff).get(URL).status_code == 404

    def test_outsider_sees_only_their_own_account(self, client_for, outsider, admin, member):
        response = client_for(outsider).get(URL)

        assert response.status_code == 200
        assert emails(response) == ["admin@globex.test"]
        assert "acme.test" not in response.content.decode()

    def test_admin_sees_the_members_of_the_account(
        self, client_for, admin, member, developer, outsider
    ):
        response = client_for(admin).get(URL)

        assert response.status_code == 200
        assert emails(response) == ["admin@acme.test", "dev@acme.test", "member@acme.test"]
        html = response.content.decode()
        assert "admin@globex.test" not in html
        assert "1\u20133 of 3" in html


class TestColumnsSearchFilterSort:
    @pytest.fixture
    def team(self, account, admin, member, developer):
        support = GroupFactory(account=account, name="Support")
        night = GroupFactory(account=account, name="Night shift")
        ops = RoleFactory(account=account, name="Ops", rights={})
        MembershipFactory(
            account=account,
            user=UserFactory(email="zoe@acme.test", full_name="Zoe Quinn"),
            role=ops,
            groups=[support, night],
        )
        return {"ops": ops}

    def test_shows_role_groups_and_flags(self, client_for, admin, team):
        html = client_for(admin).get(URL).content.decode()

        assert "Zoe Quinn" in html
        assert '<span class="tag">Night shift</span><span class="tag">Support</span>' in html
        assert "<td>Ops</td>" in html

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("ZOE", ["zoe@acme.test"]),
            ("quinn", ["zoe@acme.test"]),
            ("zoe quinn", ["zoe@acme.test"]),
            ("dev@", ["dev@acme.test"]),
            ("nobody", []),
        ],
    )
    def test_searches_email_and_name(self, client_for, admin, team, query, expected):
        response = client_for(admin).get(URL, {"q": query})

        assert emails(response) == expected

    def test_empty_search_result_offers_to_clear(self, client_for, admin, team):
        html = client_for(admin).get(URL, {"q": "nobody"}).content.decode()

        assert "No member matches your search and filters." in html
        assert f'href="{URL}"' in html

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"admin": "yes"}, ["admin@acme.test"]),
            ({"developer": "yes"}, ["dev@acme.test"]),
            ({"developer": "no", "admin": "no"}, ["member@acme.test", "zoe@acme.test"]),
            ({"role": "none"}, ["admin@acme.test", "dev@acme.test"]),
            (
                {"role": "bogus"},
                ["admin@acme.test", "dev@acme.test", "member@acme.test", "zoe@acme.test"],
            ),
        ],
    )
    def test_filters(self, client_for, admin, team, params, expected):
        response = client_for(admin).get(URL, params)

        assert emails(response) == expected

    def test_filters_by_role(self, client_for, admin, team, sales_role):
        response = client_for(admin).get(URL, {"role": str(team["ops"].pk)})

        assert emails(response) == ["zoe@acme.test"]
        choices = response.context["cl"].filter_specs[0]["options"]
        assert [o["label"] for o in choices] == ["No role", "Ops", "Sales"]

    def test_another_accounts_role_is_not_a_choice(self, client_for, admin, team, other_account):
        foreign = RoleFactory(account=other_account, name="Foreign")

        response = client_for(admin).get(URL, {"role": str(foreign.pk)})

        assert len(emails(response)) == 4  # ignored, not applied
        assert "Foreign" not in response.content.decode()

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("name", ["member@acme.test", "zoe@acme.test"]),
            ("-name", ["zoe@acme.test", "member@acme.test"]),
            ("-email", ["zoe@acme.test", "member@acme.test"]),
            ("role", ["zoe@acme.test", "member@acme.test"]),
            ("-role", ["member@acme.test", "zoe@acme.test"]),
            ("not-a-column", ["member@acme.test", "zoe@acme.test"]),
        ],
    )
    def test_sorts(self, client_for, admin, member, team, sort, expected):
        member.full_name = "Mia Member"
        member.save()

        response = client_for(admin).get(URL, {"o": sort, "admin": "no", "developer": "no"})

        assert emails(response) == expected

    def test_header_links_toggle_the_direction(self, client_for, admin, team):
        cl = client_for(admin).get(URL, {"o": "name"}).context["cl"]

        headers = {h["label"]: h for h in cl.headers}
        assert headers["Name"]["direction"] == "asc"
        assert headers["Name"]["url"] == f"{URL}?o=-name"
        assert headers["E-mail"]["direction"] is None
        assert headers["E-mail"]["url"] == f"{URL}?o=email"
        assert headers["Groups"]["url"] is None


class TestPaginationAndQueries:
    @pytest.fixture
    def crowd(self, account, admin, sales_role):
        groups = [GroupFactory(account=account), GroupFactory(account=account)]

        def make(total: int) -> None:
            for n in range(total - 1):  # the admin is one
                MembershipFactory(
                    account=account,
                    user=UserFactory(email=f"person{n:02}@acme.test"),
                    role=sales_role,
                    groups=groups,
                )

        return make

    def test_pages_of_25(self, client_for, admin, crowd):
        crowd(60)
        client = client_for(admin)

        first = client.get(URL)
        last = client.get(URL, {"page": 3})

        assert "1\u201325 of 60" in first.content.decode()
        assert len(first.context["cl"].rows) == 25
        assert "51\u201360 of 60" in last.content.decode()
        assert len(last.context["cl"].rows) == 10
        assert f'href="{URL}?page=2" rel="next"' in first.content.decode()

    def test_a_page_past_the_end_shows_the_last_page(self, client_for, admin, crowd):
        crowd(60)

        response = client_for(admin).get(URL, {"page": 99})

        assert response.context["cl"].page.number == 3

    @pytest.mark.parametrize("rows", [3, 60])
    def test_query_count_does_not_grow_with_rows(
        self, client_for, admin, crowd, rows, django_assert_max_num_queries
    ):
        crowd(rows)
        client = client_for(admin)

        # session, user, current membership, switcher's memberships, role choices, COUNT,
        # the page, its groups: the same for 3 rows and for 60.
        with django_assert_max_num_queries(8):
            response = client.get(URL)

        assert response.context["cl"].count == rows
