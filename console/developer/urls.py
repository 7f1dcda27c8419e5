from django.urls import path

from console.developer import views

app_name = "developer"

urlpatterns = [
    path("manifest-check/", views.ManifestCheckView.as_view(), name="manifest-check"),
    path("scopes/", views.ScopeReferenceView.as_view(), name="scope-reference"),
]
