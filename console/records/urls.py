"""One list, record, create, edit, delete and revision route for each page of
``console.records.pages.PAGES``: ``/records/crm/accounts/``, ``.../new/``, ``.../7/``,
``.../7/edit/``, ``.../7/delete/``, ``.../7/revision/``, named
``console:records:<slug>-<verb>``."""

from django.urls import URLPattern, path

from console.records import views
from console.records.pages import PAGES

app_name = "records"


def _routes() -> list[URLPattern]:
    routes = []
    for page in PAGES:
        base = f"{page.path}/"
        record = f"{base}<int:record_id>/"
        routes += [
            path(base, views.RecordListView.as_view(page=page), name=f"{page.slug}-list"),
            path(
                f"{base}new/", views.RecordCreateView.as_view(page=page), name=f"{page.slug}-create"
            ),
            path(record, views.RecordDetailView.as_view(page=page), name=f"{page.slug}-detail"),
            path(
                f"{record}revision/",
                views.RecordRevisionView.as_view(page=page),
                name=f"{page.slug}-revision",
            ),
            path(
                f"{record}edit/", views.RecordEditView.as_view(page=page), name=f"{page.slug}-edit"
            ),
            path(
                f"{record}delete/",
                views.RecordDeleteView.as_view(page=page),
                name=f"{page.slug}-delete",
            ),
        ]
    return routes


urlpatterns = _routes()
