"""Readers' pages: register, sign in and out, reset a password, see the account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import permissions
from .forms import RegistrationForm

LOGIN_URL = reverse_lazy("accounts:login")


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:account")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your account has been created."))
        return redirect("accounts:account")
    return render(request, "accounts/register.html", {"form": form})


@login_required(login_url=LOGIN_URL)
def account(request: HttpRequest) -> HttpResponse:
    membership = permissions.membership(request.user)
    context = {
        "membership": membership,
        "role": permissions.role(request.user),
        "is_staff_role": permissions.is_staff(request.user),
        "libraries": permissions.libraries_managed(request.user),
    }
    return render(request, "accounts/account.html", context)
