"""The conservation tests use the accounts tests' users, libraries and catalogue (fixtures re-exported)."""

from khizana.accounts.tests.conftest import (  # noqa: F401  (pytest fixtures)
    _accounts_test_environment,
    catalog,
    lib_a,
    lib_b,
    users,
)
