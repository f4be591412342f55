"""Background jobs of the app, found by huey's consumer (it imports each app's ``tasks`` module)."""

from khizana.visibility.analysis_tasks import run_affiliation_report  # noqa: F401
