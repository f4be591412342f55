"""Readers over HTTP: register, sign in and out, rate limiting, password reset, the account page."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from khizana.accounts.models import Membership, Role
from khizana.testing import PASSWORD, make_user

User = get_user_model()


def register(client, library, **changes):
    data = {
        "username": "amina",
        "email": "amina@example.org",
        "last_name": "Benali",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "membership_number": "A-2024-0042",
        "home_library": library.pk,
        **changes,
    }
    return client.post(reverse("accounts:register"), data)


def test_register_creates_a_reader_and_signs_in(client, lib_a):
    assert client.get(reverse("accounts:register")).status_code == 200
    response = register(client, lib_a)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:account")
    membership = Membership.objects.get(user__username="amina")
    assert (membership.role, membership.library, membership.membership_number) == (
        Role.READER,
        lib_a,
        "A20240042",  # as compared with the member file: no spaces nor hyphens
    )
    assert not membership.is_verified  # nobody has vouched for it yet
    assert User.objects.get(username="amina").check_password(PASSWORD)
    page = client.get(reverse("accounts:account"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "A20240042" in text and "LIBA" in text and str(Role.READER.label) in text
    assert 'id="membership-status"' in text and reverse("accounts:ask-verification") in text


def test_register_validates_passwords_and_membership_number(client, lib_a, lib_b):
    response = register(client, lib_a, password1="12345678", password2="12345678")
    assert response.status_code == 200 and not User.objects.exists()
    assert response.context["form"].errors["password2"]  # Django's validators: too common, numeric
    response = register(client, lib_a, password2="something else entirely")
    assert response.status_code == 200 and not User.objects.exists()

    assert register(client, lib_a).status_code == 302
    client.logout()
    # an unverified claim on a card does not keep its owner out; a verified one does
    assert register(client, lib_a, username="karim", email="karim@example.org").status_code == 302
    client.logout()
    Membership.objects.filter(user__username="amina").update(verified_at=timezone.now())
    again = register(client, lib_a, username="samir", email="samir@example.org")
    assert again.status_code == 200 and "membership_number" in again.context["form"].errors
    # the same number at another library is another card
    assert register(client, lib_b, username="samir", email="samir@example.org").status_code == 302


def test_login_and_logout(client, lib_a):
    make_user("amina", Role.READER, lib_a)
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content
    response = client.post(reverse("accounts:login"), {"username": "amina", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:account")
    assert client.get(reverse("accounts:account")).status_code == 200
    assert client.get(reverse("accounts:logout")).status_code == 405  # sign out is a POST
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    account = client.get(reverse("accounts:account"))
    assert account.status_code == 302 and account["Location"].startswith(reverse("accounts:login"))


def test_wrong_password_is_refused(client, lib_a):
    make_user("amina", Role.READER, lib_a)
    response = client.post(reverse("accounts:login"), {"username": "amina", "password": "wrong"})
    assert response.status_code == 200 and response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, lib_a):
    make_user("amina", Role.READER, lib_a)
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    response = client.post(reverse("accounts:password_reset"), {"email": "amina@example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amina@example.org"] and "Khizana" in message.subject
    link = re.search(r"https?://[^/\s]+(/account/password/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)  # Django swaps the token for a session key and redirects
    assert form_page.status_code == 200 and form_page.context["validlink"]
    new = "un tout autre mot de passe"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert User.objects.get(username="amina").check_password(new)


def test_password_reset_for_an_unknown_address_sends_nothing(client, db):
    response = client.post(reverse("accounts:password_reset"), {"email": "personne@example.org"})
    assert response.status_code == 302 and mail.outbox == []


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_account_pages_render_in_every_language(client, lib_a, language):
    user = make_user("amina", Role.READER, lib_a)
    client.cookies.load({"django_language": language})
    for name in ["accounts:login", "accounts:register", "accounts:password_reset"]:
        assert client.get(reverse(name)).status_code == 200, name
    client.force_login(user)
    assert client.get(reverse("accounts:account")).status_code == 200
