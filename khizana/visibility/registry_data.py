"""The ROR extract readers under their former name: they are :mod:`khizana.visibility.registry.data`.

Kept only for ``matching.py`` and ``anomalies.py``, which import this name and are not changed while they
are under mutation testing; new code imports ``khizana.visibility.registry.data``. No Django import."""

from khizana.visibility.registry.data import *  # noqa: F403
