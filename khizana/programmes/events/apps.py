from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "khizana.programmes.events"
    label = "events"
    verbose_name = "Training, events and reading-room bookings"
