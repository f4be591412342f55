"""Sign-in throttling over HTTP: per address first, then per account, on every sign-in form (the admin's
too), counted in the database so that every worker process and a restarted server see the same counts."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from khizana.accounts.models import Role
from khizana.testing import PASSWORD, make_user

LOGIN = "/account/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.KHIZANA_LOGIN_MAX_FAILURES_PER_IP = 5
    settings.KHIZANA_LOGIN_MAX_FAILURES = 8


def attempt(client, url, username, password, ip="192.0.2.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_one_address_is_stopped_before_the_account_is(client, lib_a, url):
    make_user("amina", Role.LIBRARY_ADMIN, lib_a, is_staff=True)
    for _ in range(4):
        assert attempt(client, url, "amina", "wrong").status_code == 200
    assert attempt(client, url, "amina", "wrong").status_code == 429  # the 5th failure reaches the limit
    blocked = attempt(client, url, "amina", PASSWORD)
    assert blocked.status_code == 429 and "_auth_user_id" not in client.session
    assert reverse("accounts:password_reset") in blocked.content.decode()
    # the account itself is not blocked: its owner signs in from elsewhere
    assert signed_in(attempt(client, url, "amina", PASSWORD, ip="198.51.100.9"))


def test_the_address_limit_counts_every_name_tried(client, lib_a):
    make_user("amina", Role.READER, lib_a)
    for name in ["x1", "x2", "x3", "x4", "x5"]:
        attempt(client, LOGIN, name, "wrong")
    assert attempt(client, LOGIN, "amina", PASSWORD).status_code == 429
    assert signed_in(attempt(client, LOGIN, "amina", PASSWORD, ip="192.0.2.2"))


def test_guessing_spread_over_addresses_blocks_the_account_until_its_owner_resets_the_password(client, lib_a):
    make_user("amina", Role.READER, lib_a)
    for n in range(8):
        attempt(client, LOGIN, "AMINA" if n % 2 else "amina", "wrong", ip=f"203.0.113.{n}")
    assert attempt(client, LOGIN, "amina", PASSWORD, ip="198.51.100.7").status_code == 429
    # the owner resets the password by e-mail, and is let in
    reset = reverse("accounts:password_reset")
    client.post(reset, {"email": "amina@example.org"}, REMOTE_ADDR="198.51.100.7")
    link = re.search(r"https?://[^/\s]+(/account/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    new = "un tout autre mot de passe"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert signed_in(attempt(client, LOGIN, "amina", new, ip="198.51.100.7"))


def test_a_successful_sign_in_clears_only_its_own_failures(client, lib_a):
    make_user("amina", Role.READER, lib_a)
    make_user("mallory", Role.READER, lib_a)
    for _ in range(4):
        attempt(client, LOGIN, "amina", "wrong")
    # mallory signing in from the same address clears nothing of amina's failures there
    assert signed_in(attempt(client, LOGIN, "mallory", PASSWORD))
    client.post(reverse("accounts:logout"))
    attempt(client, LOGIN, "amina", "wrong")
    assert attempt(client, LOGIN, "amina", PASSWORD).status_code == 429


def test_amina_clears_her_own_typing_mistakes(client, lib_a):
    make_user("amina", Role.READER, lib_a)
    for _ in range(4):
        attempt(client, LOGIN, "amina", "wrong")
    assert signed_in(attempt(client, LOGIN, "amina", PASSWORD))
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        attempt(client, LOGIN, "amina", "wrong")
    assert signed_in(attempt(client, LOGIN, "amina", PASSWORD))


@pytest.mark.slow
def test_limits_hold_across_workers_and_restarts(tmp_path: Path):
    """30 wrong passwords then the right one on /admin/login/ of a 2-worker gunicorn: refused, also after
    a restart; the readers' form shares the count."""
    from tests.support import migrated_installation

    site = migrated_installation(tmp_path / "site")
    site.env.update(
        {
            "KHIZANA_LOGIN_MAX_FAILURES_PER_IP": "10",
            "KHIZANA_LOGIN_MAX_FAILURES": "25",
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        }
    )
    site.khizana("createsuperuser", "--noinput", "--username", "root", "--email", "r@example.org")
    try:
        base = site.serve()
        statuses = [_post_login(base + ADMIN_LOGIN, "root", "wrong") for _ in range(30)]
        assert statuses[:9] == [200] * 9 and set(statuses[9:]) == {429}
        assert _post_login(base + ADMIN_LOGIN, "root", PASSWORD) == 429
        assert _post_login(base + LOGIN, "root", PASSWORD) == 429
        site.server.terminate()  # a restart: the server goes, the database stays
        site.server.wait(timeout=20)
        base = site.serve()
        assert _post_login(base + ADMIN_LOGIN, "root", PASSWORD) == 429
    finally:
        site.close()


def _post_login(url: str, username: str, password: str) -> int:
    """A fresh browser session: fetch the form for its CSRF token, then post (redirects not followed)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    page = opener.open(url, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token, "next": "/admin/"}
    ).encode()
    request = urllib.request.Request(url, data=body, headers={"Referer": url})
    try:
        return opener.open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
