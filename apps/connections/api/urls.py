from django.urls import path

from apps.connections.api import views

app_name = "connections"

urlpatterns = [
    path("connection", views.ConnectionApi.as_view(), name="connection"),
]
