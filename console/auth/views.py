"""Sign in, sign out, password reset and change: Django's views with our templates."""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from console.auth.forms import LoginForm


class SessionLoginView(auth_views.LoginView):
    template_name = "console/auth/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class SessionLogoutView(auth_views.LogoutView):
    """POST only (Django's ``LogoutView`` refuses GET with 405)."""


class PasswordResetRequestView(auth_views.PasswordResetView):
    template_name = "console/auth/password_reset_form.html"
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("console:password-reset-done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "console/auth/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "console/auth/password_reset_confirm.html"
    success_url = reverse_lazy("console:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "console/auth/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "console/auth/password_change_form.html"
    success_url = reverse_lazy("console:password-change-done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "console/auth/password_change_done.html"
