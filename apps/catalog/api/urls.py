from django.urls import path

from apps.catalog.api import views

app_name = "catalog"

urlpatterns = [
    path("manifests/schema", views.ManifestSchemaApi.as_view(), name="manifest-schema"),
    path("manifests/validate", views.ManifestValidateApi.as_view(), name="manifest-validate"),
    path("manifests/diff", views.ManifestDiffApi.as_view(), name="manifest-diff"),
]
