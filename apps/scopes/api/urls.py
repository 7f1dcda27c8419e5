from django.urls import path

from apps.scopes.api import views

app_name = "scopes"

urlpatterns = [
    path("scopes", views.ScopeCatalogApi.as_view(), name="catalog"),
]
