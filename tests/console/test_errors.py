"""Error pages in the console's look; the 500 page needs no request context."""

from django.template import loader
from django.test import RequestFactory
from django.urls import reverse

from marketplace.urls import handler500


def test_404_page(client_for, member):
    response = client_for(member).get("/no/such/page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert '<a class="topbar__brand" href="/">Marketplace</a>' in html


def test_404_page_for_anonymous(client_for, db):
    response = client_for(None).get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert reverse("console:login") in response.content.decode()


def test_403_page(client_for, member):
    response = client_for(member).get(reverse("console:system:status"))

    assert response.status_code == 403
    html = response.content.decode()
    assert "You can\u2019t open this page" in html
    assert "Acme Corp" in html


def test_500_page_renders_without_context():
    html = loader.get_template("500.html").render()

    assert "Something went wrong on our side" in html
    assert "/static/console/console.css" in html


def test_500_handler_uses_it(db):
    response = handler500(RequestFactory().get("/somewhere/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
