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

from . import permissions, verification
from .forms import RegistrationForm, VerificationRequestForm

LOGIN_URL = reverse_lazy("accounts:login")


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:account")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if verification.check_member_file(user.membership):
            messages.success(
                request,
                _("Welcome! Your library's member file holds your card: your membership is verified."),
            )
        else:
            messages.success(
                request,
                _(
                    "Welcome! Your account has been created. Until your library verifies your membership "
                    "you may search the catalogue; ask for verification below."
                ),
            )
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
        "verification_form": VerificationRequestForm(),
    }
    return render(request, "accounts/account.html", context)


@login_required(login_url=LOGIN_URL)
@require_http_methods(["POST"])
def ask_verification(request: HttpRequest) -> HttpResponse:
    """The reader asks their home library to verify the membership."""
    form = VerificationRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("note", [])))
        return redirect("accounts:account")
    try:
        verification.request_verification(request.user, form.cleaned_data["note"])
    except verification.VerificationError as error:
        messages.info(request, str(error))
    else:
        messages.success(request, _("Your library has been asked to verify your membership."))
    return redirect("accounts:account")
