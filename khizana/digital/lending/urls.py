"""URLs of the digital library: loans part (borrow, return, waiting list, downloads, loans, staff alerts)."""

from django.urls import path

from khizana.digital.lending import views

urlpatterns = [
    path("<int:item_id>/borrow", views.borrow_page, name="digital-borrow"),
    path("<int:item_id>/borrow/confirm", views.borrow, name="digital-borrow-confirm"),
    path("<int:item_id>/waitlist/join", views.join_waitlist, name="digital-waitlist-join"),
    path("<int:item_id>/waitlist/leave", views.leave_waitlist, name="digital-waitlist-leave"),
    path("<int:item_id>/download", views.download, name="digital-download"),
    path("loans/<int:loan_id>/return", views.return_loan, name="digital-loan-return"),
    path(
        # Strings, not <int:>: a malformed link gets the view's "invalid link" answer, not a 404.
        "loans/<str:loan_id>/download/<str:expires>/<str:signature>",
        views.loan_download,
        name="digital-loan-download",
    ),
    path("account/loans/", views.account_loans, name="digital-account-loans"),
    path("staff-alerts/", views.staff_alerts, name="digital-staff-alerts"),
]
