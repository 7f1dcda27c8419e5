"""Authentication pages. Included into the ``console`` namespace without one of their own,
so the names stay ``console:login``, ``console:logout`` (the settings use them)."""

from django.urls import path

from console.auth import views

urlpatterns = [
    path("login/", views.SessionLoginView.as_view(), name="login"),
    path("logout/", views.SessionLogoutView.as_view(), name="logout"),
    path("password/reset/", views.PasswordResetRequestView.as_view(), name="password-reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path(
        "password/change/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password-change-done",
    ),
]
