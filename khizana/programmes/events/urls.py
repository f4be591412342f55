"""URLs of events: public pages (``urlpatterns``, at /network/events/) and staff pages
(``staff_urlpatterns``, at /staff/network/events/); both included by khizana/urls.py."""

from django.urls import path

from . import views

app_name = "events"

urlpatterns: list = [
    path("", views.calendar, name="calendar"),
    path("calendar.ics", views.feed, name="feed"),
    path("<int:pk>/", views.event_page, name="event"),
    path("<int:pk>/register/", views.register, name="register"),
    path("ticket/<str:token>/", views.ticket, name="ticket"),
    path("ticket/<str:token>/qr.svg", views.ticket_qr, name="ticket-qr"),
    path("ticket/<str:token>/cancel/", views.cancel_ticket, name="ticket-cancel"),
    path("ticket/<str:token>/certificate.pdf", views.certificate, name="certificate"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/cancel/", views.cancel_mine, name="cancel"),
    path("rooms/", views.rooms, name="rooms"),
    path("rooms/slots/<int:pk>/book/", views.book, name="book"),
    path("rooms/bookings/<int:pk>/cancel/", views.cancel_booking, name="cancel-booking"),
]

staff_urlpatterns = (
    [
        path("", views.staff_events, name="events"),
        path("new/", views.staff_edit, name="new"),
        path("figures/", views.staff_figures, name="figures"),
        path("<int:pk>/", views.staff_event, name="event"),
        path("<int:pk>/edit/", views.staff_edit, name="edit"),
        path("<int:pk>/scan/", views.staff_scan, name="scan"),
        path("<int:pk>/attended/", views.staff_mark_attended, name="attended"),
        path("<int:pk>/certificates/", views.staff_send_certificates, name="certificates"),
        path("rooms/", views.staff_rooms, name="rooms"),
        path("rooms/<int:pk>/", views.staff_room, name="room"),
        path("rooms/<int:pk>/day/", views.staff_day, name="day"),
    ],
    "events-staff",
)
