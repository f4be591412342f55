"""django-oauth-toolkit's authorization endpoint, answering differently after the sign-in form.

Chrome and Safari apply the sign-in page's Content-Security-Policy ``form-action 'self'`` to every
redirect that follows the form's submission, so the last redirect, to the platform's redirect URI,
would be refused. When the member came through the sign-in form (or the consent form), the endpoint
therefore answers with a page that moves on by itself (a meta refresh, which is a navigation, not a form
submission) and a link; otherwise it redirects as usual.
"""

from __future__ import annotations

from django.shortcuts import render
from oauth2_provider.views import AuthorizationView

AFTER_SIGN_IN = "federation.oidc_after_sign_in"


class KhizanaAuthorizationView(AuthorizationView):
    def handle_no_permission(self):
        self.request.session[AFTER_SIGN_IN] = True
        return super().handle_no_permission()

    def redirect(self, redirect_to, application):
        response = super().redirect(redirect_to, application)  # checks the URI's scheme
        after_sign_in = self.request.session.pop(AFTER_SIGN_IN, False)
        if after_sign_in or self.request.method == "POST":  # after the sign-in or the consent form
            return render(
                self.request,
                "federation/continue.html",
                {"url": response["Location"], "application": application},
            )
        return response
