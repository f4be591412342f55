from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from khizana.eresources.models import Resource
from khizana.federation import services
from khizana.federation.models import InstitutionIdP, OIDCClient, ServiceProvider


class Command(BaseCommand):
    help = (
        "Single sign-on: list the registered SAML service providers, OpenID Connect clients and "
        "institutions' identity providers, or register a service provider from its metadata file "
        "(as a network administrator named by --by)."
    )

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        commands.add_parser("list", help="What is registered.")
        add = commands.add_parser("add-sp", help="Register (or update) a SAML service provider.")
        add.add_argument("metadata", help="The service provider's SAML 2.0 metadata file.")
        add.add_argument("--by", required=True, help="Username of the network administrator registering it.")
        add.add_argument("--resource", help="Code of the electronic resource whose entitlements it receives.")

    def handle(self, *args, **options):
        if options["action"] == "list":
            return self._list()
        user = get_user_model().objects.filter(username=options["by"]).first()
        if user is None:
            raise CommandError(f"--by: no user named {options['by']!r}")
        resource_id = None
        if options["resource"]:
            resource_id = (
                Resource.objects.filter(code=options["resource"]).values_list("pk", flat=True).first()
            )
            if resource_id is None:
                raise CommandError(f"--resource: no electronic resource with code {options['resource']!r}")
        path = Path(options["metadata"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            provider = services.register_service_provider(user, path.read_bytes(), resource_id=resource_id)
        except services.RegistrationError as error:
            raise CommandError(f"{path}: {error.message}") from None
        except PermissionDenied as error:
            raise CommandError(f"--by: {error}") from None
        categories = ", ".join(provider.categories) or "no entity category"
        self.stdout.write(f"registered {provider.entity_id} ({categories})")

    def _list(self):
        for provider in ServiceProvider.objects.select_related("resource"):
            resource = provider.resource.code if provider.resource else "-"
            self.stdout.write(f"saml-sp\t{provider.entity_id}\t{resource}\t{' '.join(provider.categories)}")
        for client in OIDCClient.objects.select_related("application", "resource"):
            resource = client.resource.code if client.resource else "-"
            self.stdout.write(
                f"oidc-client\t{client.application.client_id}\t{resource}\t{client.application.name}"
            )
        for idp in InstitutionIdP.objects.select_related("library"):
            self.stdout.write(f"{idp.kind}-idp\t{idp.entity_id}\t{idp.library.code}\t{idp.scopes}")
