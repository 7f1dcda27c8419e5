"""Scopes & events page: the catalog a developer writes a manifest from."""

import pytest
from django.urls import reverse

from apps.scopes.catalog import get_catalog
from tests.console.conftest import login_url

URL = reverse("console:developer:scope-reference")


def test_anonymous_is_sent_to_login(client_for, db):
    response = client_for(None).get(URL)

    assert response.status_code == 302
    assert response.url == login_url(URL)


@pytest.mark.parametrize("persona", ["member", "admin", "outsider"])
def test_member_without_the_developer_right_is_refused(client_for, request, persona):
    assert client_for(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_developer_sees_every_scope_model_and_location(client_for, developer):
    response = client_for(developer).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    catalog = get_catalog()
    for code in catalog.scopes:
        assert f"<code>{code}</code>" in html
    for model in catalog.models:
        assert f"<code>{model}</code>" in html
    for code in catalog.locations:
        assert f"<code>{code}</code>" in html
    assert "own record only" in html
    assert "View, create, change and delete CRM deals and their items" in html


def test_developer_sees_the_app_events_that_need_no_scope(client_for, developer):
    html = client_for(developer).get(URL).content.decode()

    assert 'id="app-events"' in html
    for code in ("app.installed", "app.updated", "app.uninstalled"):
        assert f'<th scope="row"><code>{code}</code></th>' in html
    assert "They need no scope." in html


def test_the_developer_sidebar_links_both_pages(client_for, developer):
    html = client_for(developer).get(URL).content.decode()

    assert reverse("console:developer:manifest-check") in html
    assert 'class="is-active"' in html or "is-active" in html
