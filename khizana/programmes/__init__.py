"""The life of the network itself: calls for projects, labelling campaigns and the map of collections of
excellence, training and events (and reading-room bookings), the network's portal, needs surveys. Each is
its own Django app."""
