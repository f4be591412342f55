"""Send the requests a lender left unanswered too long to the next lender; mark late loans Overdue (and
tell the requesting libraries); delete expired copies."""

from django.core.management.base import BaseCommand

from khizana.ill.delivery import purge_expired
from khizana.ill.services import mark_overdue, route_timed_out


class Command(BaseCommand):
    help = (
        "Send interlibrary requests unanswered for longer than the routing policy allows to the next lender."
    )

    def handle(self, *args, **options):
        moved = route_timed_out()
        self.stdout.write(f"{moved} request(s) sent to the next lender")
        self.stdout.write(f"{mark_overdue()} overdue loan(s) notified")
        self.stdout.write(f"{purge_expired()} expired cop(y/ies) deleted")
