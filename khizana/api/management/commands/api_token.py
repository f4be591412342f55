from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from khizana.accounts import permissions
from khizana.api import services
from khizana.api.models import ApiToken


class Command(BaseCommand):
    help = (
        "API tokens of staff accounts, for writes through /api/ (holdings, imports): "
        "create USER --name NAME (the token is shown once), list [USER], revoke PREFIX."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token for a member of staff; print it once.")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="What the token is for (e.g. the nightly sync).")
        listing = actions.add_parser("list", help="List tokens (prefix, name, user, created, last used).")
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help="Revoke a token, given its prefix (khz_...).")
        revoke.add_argument("prefix")

    def handle(self, *args, **options):
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options):
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        if not permissions.is_staff(user):
            raise CommandError(
                f"{user.username!r} is not a member of staff: API tokens are for cataloguers and "
                "administrators (khizana create-staff gives a role)"
            )
        name = options["name"].strip()
        if not name or len(name) > 100:
            raise CommandError("--name must be 1 to 100 characters")
        token, key = services.create_token(user, name)
        self.stderr.write(f"token {token.prefix}… for {user.username} ({name}); it is shown only now:")
        self.stdout.write(key)

    def _list(self, options):
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created")
        if options["username"]:
            tokens = tokens.filter(user__username=options["username"])
        for token in tokens:
            used = f"{token.last_used:%Y-%m-%d %H:%M}" if token.last_used else "never used"
            state = "revoked" if token.revoked else "active"
            self.stdout.write(
                f"{token.prefix}  {token.user.username}  {token.name}  created {token.created:%Y-%m-%d}  "
                f"{used}  {state}"
            )

    def _revoke(self, options):
        found = list(ApiToken.objects.filter(prefix=options["prefix"], revoked=False))
        if not found:
            raise CommandError(f"no active token with the prefix {options['prefix']!r} (api-token list)")
        if len(found) > 1:
            raise CommandError(f"several tokens start with {options['prefix']!r}: revoke them in the admin")
        services.revoke_token(found[0])
        self.stdout.write(f"revoked {found[0]}")
