"""The institution registry: the ROR extract readers (data.py, no Django), the registry files read line by
line (files.py, no Django), the services (services.py: load, add, walk the hierarchy, export), the staff
pages (forms.py, views.py, urls.py at /research/registry/) and ``khizana registry``."""
