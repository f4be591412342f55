"""Adding digital items: the file checks (formats.py, no Django), the services (services.py), the staff pages
(views.py, urls.py at /staff/digital/)."""
