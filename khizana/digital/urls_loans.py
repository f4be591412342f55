"""URLs of the digital library: loans part (borrow, return, waiting list, downloads, loans, staff alerts)."""

from django.urls import path

from . import loan_views

urlpatterns = [
    path("<int:item_id>/borrow", loan_views.borrow_page, name="digital-borrow"),
    path("<int:item_id>/borrow/confirm", loan_views.borrow, name="digital-borrow-confirm"),
    path("<int:item_id>/waitlist/join", loan_views.join_waitlist, name="digital-waitlist-join"),
    path("<int:item_id>/waitlist/leave", loan_views.leave_waitlist, name="digital-waitlist-leave"),
    path("<int:item_id>/download", loan_views.download, name="digital-download"),
    path("loans/<int:loan_id>/return", loan_views.return_loan, name="digital-loan-return"),
    path(
        # Strings, not <int:>: a malformed link gets the view's "invalid link" answer, not a 404.
        "loans/<str:loan_id>/download/<str:expires>/<str:signature>",
        loan_views.loan_download,
        name="digital-loan-download",
    ),
    path("account/loans/", loan_views.account_loans, name="digital-account-loans"),
    path("staff-alerts/", loan_views.staff_alerts, name="digital-staff-alerts"),
]
