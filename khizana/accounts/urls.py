"""Readers' accounts. Django's auth views, with Khizana's templates: they are named registration/account_*
because django.contrib.admin and django.contrib.auth ship templates under the default names and come
first in INSTALLED_APPS."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import ratelimit, views


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's, and a new password clears the sign-in failures that blocked the account."""

    def form_valid(self, form):
        ratelimit.clear_account(self.user.get_username())
        return super().form_valid(form)


app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("register/", views.register, name="register"),
    path("verification/", views.ask_verification, name="ask-verification"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            next_page=reverse_lazy("accounts:account"),
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page=reverse_lazy("web:home")), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/account_password_change_form.html",
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/account_password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="registration/account_password_reset_form.html",
            email_template_name="registration/account_password_reset_email.txt",
            subject_template_name="registration/account_password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/account_password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(
            template_name="registration/account_password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/account_password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
