"""Single sign-on round trips against gunicorn on loopback (issue 16): SAML and OpenID Connect.

    .venv/bin/python bench/sso_bench.py [--rounds 50] [--record]

A private installation with one library, a researcher holding a licence for one resource, a pysaml2
service provider (Research and Scholarship) and an OpenID Connect client registered for it. Each round is
what a publisher's platform and the member's browser do:

- SAML: the service provider (pysaml2, in this process) makes an AuthnRequest, the browser takes it to
  Khizana (HTTP-Redirect), Khizana answers with a signed response, the service provider checks both
  signatures (xmlsec1) and reads the attributes;
- OIDC: authlib's client makes the authorization URL (PKCE), the browser follows it, authlib redeems the
  code, the ID token's signature is checked with the JWKS (fetched once), the userinfo is read.

Two cases for each: the member already signed in to Khizana (single sign-on proper), and a first visit
(the sign-in form posted in the round, PBKDF2 included). Median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import requests  # noqa: E402

from khizana.federation.tests.peers import meta_refresh, saml_form, sign_in, sp_client, sp_metadata  # noqa: E402
from tests.support import PrivateInstallation  # noqa: E402

CALLBACK = "https://rp.bench.invalid/callback"
SETUP = """
import json, os
from datetime import date, timedelta
from khizana.accounts.models import Membership
from khizana.testing import make_library, make_user
from khizana.federation import services
from khizana.federation.tests.peers import make_resource, license_resource
library = make_library("BENCH")
member = make_user("member", "reader", library, first_name="Bench", last_name="Member")
Membership.objects.filter(user=member).update(category="researcher")
admin = make_user("admin", "network_admin")
resource = make_resource("benchdb")
license_resource(resource, library, categories=["researcher"])
metadata = open(os.environ["BENCH_SP_METADATA"]).read()
services.register_service_provider(admin, metadata, resource_id=resource.pk)
callback = os.environ["BENCH_CALLBACK"]
client, secret = services.register_oidc_client(
    admin, name="bench", redirect_uris=callback, resource_id=resource.pk
)
print(json.dumps({"client_id": client.application.client_id, "secret": secret}))
"""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def signed_in_browser(base_url: str) -> requests.Session:
    browser = requests.Session()
    sign_in(browser, browser.get(f"{base_url}/account/login/", timeout=30), "member")
    return browser


def saml_round(base_url: str, client, browser: requests.Session | None) -> float:
    start = time.perf_counter()
    request_id, info = client.prepare_for_authenticate(
        entityid=f"{base_url}/sso/saml/metadata", relay_state="/r"
    )
    browser = browser or requests.Session()
    answer = browser.get(dict(info["headers"])["Location"], timeout=30)
    if "/account/login/" in answer.url:
        answer = sign_in(browser, answer, "member")
    _, response, _ = saml_form(answer)
    parsed = client.parse_authn_request_response(
        response, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", outstanding={request_id: "/r"}
    )
    elapsed = (time.perf_counter() - start) * 1000
    assert parsed.ava["eduPersonEntitlement"], parsed.ava
    return elapsed


def oidc_round(base_url: str, config: dict, keys, client_id: str, secret: str, browser) -> float:
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.jose import jwt

    start = time.perf_counter()
    rp = OAuth2Session(
        client_id, secret, scope="openid eduperson", redirect_uri=CALLBACK, code_challenge_method="S256"
    )
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, _ = rp.create_authorization_url(
        config["authorization_endpoint"], nonce=nonce, code_verifier=verifier
    )
    browser = browser or requests.Session()
    answer = browser.get(url, timeout=30, allow_redirects=False)
    while answer.is_redirect and not answer.headers["Location"].startswith(CALLBACK):
        answer = browser.get(
            requests.compat.urljoin(answer.url, answer.headers["Location"]), timeout=30, allow_redirects=False
        )
        if "/account/login/" in answer.url and answer.status_code == 200:
            page = answer
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
            answer = browser.post(
                page.url,
                data={
                    "username": "member",
                    "password": "une phrase de passe assez longue",
                    "next": nxt,
                    "csrfmiddlewaretoken": token,
                },
                headers={"Referer": page.url},
                timeout=30,
                allow_redirects=False,
            )
    # after the sign-in form, a page that moves on by itself (meta refresh) to the callback
    location = answer.headers["Location"] if answer.is_redirect else meta_refresh(answer)
    assert "code" in parse_qs(urlsplit(location).query), location
    token = rp.fetch_token(config["token_endpoint"], authorization_response=location, code_verifier=verifier)
    claims = jwt.decode(
        token["id_token"], keys, claims_options={"nonce": {"essential": True, "value": nonce}}
    )
    claims.validate()
    info = requests.get(
        config["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=30
    ).json()
    elapsed = (time.perf_counter() - start) * 1000
    assert info["eduperson_entitlement"], info
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # loopback over HTTP

    from authlib.jose import JsonWebKey

    data_dir = Path(tempfile.mkdtemp(prefix="khizana-sso-bench-"))
    site = PrivateInstallation(data_dir)
    try:
        site.khizana("migrate", "--noinput")
        base = site.serve()
        idp_metadata = requests.get(f"{base}/sso/saml/metadata", timeout=30).text
        client = sp_client(
            "https://sp.bench.invalid/shibboleth",
            "https://sp.bench.invalid/acs",
            data_dir / "sp",
            idp_metadata,
            ["http://refeds.org/category/research-and-scholarship"],
        )
        (data_dir / "sp.xml").write_text(sp_metadata(client))
        site.env.update(BENCH_SP_METADATA=str(data_dir / "sp.xml"), BENCH_CALLBACK=CALLBACK)
        ids = json.loads(site.khizana("shell", "-c", SETUP).stdout.strip().splitlines()[-1])
        config = requests.get(f"{base}/sso/oidc/.well-known/openid-configuration", timeout=30).json()
        keys = JsonWebKey.import_key_set(requests.get(config["jwks_uri"], timeout=30).json())

        rows = []
        for label, run in [
            ("SAML, member signed in", lambda b: saml_round(base, client, b)),
            ("SAML, first visit (sign-in form)", lambda b: saml_round(base, client, None)),
            (
                "OIDC, member signed in",
                lambda b: oidc_round(base, config, keys, ids["client_id"], ids["secret"], b),
            ),
            (
                "OIDC, first visit (sign-in form)",
                lambda b: oidc_round(base, config, keys, ids["client_id"], ids["secret"], None),
            ),
        ]:
            browser = signed_in_browser(base)
            for _ in range(3):
                run(browser)  # warm-up: both gunicorn workers, imports, pysaml2 servers
            times = [run(browser) for _ in range(args.rounds)]
            rows.append(f"| {label} | {args.rounds} | {statistics.median(times):.1f} | {p95(times):.1f} |")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        table = [
            f"round trip from the relying party's request to its checked answer, ms (load average {load}):",
            "",
            "| case | rounds | median | p95 |",
            "|---|---|---|---|",
            *rows,
        ]
        print("\n".join(table))
        if args.record:
            with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
                day = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
                out.write(
                    f"\n## Single sign-on round trips (`bench/sso_bench.py`, issue 16), {day}\n\n"
                    f"{os.cpu_count()} cores, gunicorn (2 workers) on loopback, "
                    f"{'PostgreSQL' if site.pg_url else 'SQLite'}; " + "\n".join(table) + "\n"
                )
    finally:
        site.close()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
