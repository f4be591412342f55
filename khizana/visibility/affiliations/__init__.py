"""The affiliation reports: the analysis of Scopus and Web of Science exports against the registry
(services.py), the report tables and files (reports.py, no Django), the texts shown on the pages
(anomaly_texts.py), the uploads asked for on the page (uploads.py; the background job is
``khizana.visibility.analysis_tasks``), the page (forms.py, views.py, urls.py at /research/affiliations/)
and ``khizana affiliations``."""
