from django.dispatch import Signal

# Sent after every search of khizana.search.services.search, in the thread that searched; arguments:
# seconds (its wall time, float) and results (the SearchResults). khizana.operations times searches with it
# (the search app imports nothing above it).
search_finished = Signal()
