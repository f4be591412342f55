from .support import setting, stores  # noqa: F401  (fixtures)
