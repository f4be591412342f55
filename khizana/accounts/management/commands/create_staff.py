from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from khizana.accounts.management.passwords import set_password_from_environment_or_prompt
from khizana.accounts.models import Membership, Role
from khizana.libraries.models import Library


class Command(BaseCommand):
    help = (
        "Create a staff account (cataloguer, library administrator or network administrator) scoped to a "
        "member library, or change the role of an existing one. The password is read from "
        "$KHIZANA_STAFF_PASSWORD or asked for; --no-password leaves it unusable (reset it by e-mail)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role", required=True, choices=[Role.CATALOGUER, Role.LIBRARY_ADMIN, Role.NETWORK_ADMIN]
        )
        parser.add_argument("--library", metavar="CODE", help="Library code (every role but network_admin).")
        parser.add_argument("--email", default="")
        parser.add_argument("--no-password", action="store_true", help="Create it without a usable password.")
        parser.add_argument(
            "--update", action="store_true", help="Change the role and library of an existing user."
        )

    def handle(self, *args, **options):
        role, code = options["role"], options["library"]
        library = None
        if code:
            library = Library.objects.filter(code=code.upper()).first()
            if library is None:
                raise CommandError(f"no library with code {code!r} (khizana libraries lists them)")
        elif role != Role.NETWORK_ADMIN:
            raise CommandError(f"--library is required for the role {role}")
        if role == Role.NETWORK_ADMIN:
            library = None
        User = get_user_model()
        user = User.objects.filter(username=options["username"]).first()
        if user is not None and not options["update"]:
            raise CommandError(f"user {user.username!r} exists already (--update changes its role)")
        with transaction.atomic():
            if user is None:
                user = User(username=options["username"], email=options["email"])
                self._set_password(user, options["no_password"])
                user.save()
            elif options["email"]:
                user.email = options["email"]
                user.save(update_fields=["email"])
            Membership.objects.update_or_create(user=user, defaults={"role": role, "library": library})
        where = f" of {library.code}" if library else ""
        self.stdout.write(f"{user.username}: {Role(role).label}{where}")

    def _set_password(self, user, no_password: bool) -> None:
        set_password_from_environment_or_prompt(
            user, variable="KHIZANA_STAFF_PASSWORD", no_password=no_password
        )
