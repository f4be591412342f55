from pathlib import Path

import pytest

from khizana.core.config import ConfigurationError, env


@pytest.mark.parametrize(
    "raw, default, expected",
    [
        (None, 5, 5),
        ("", 5, 5),
        ("12", 5, 12),
        ("2.5", 1.0, 2.5),
        ("yes", False, True),
        ("0", True, False),
        ("a, b,,c", [], ["a", "b", "c"]),
        ("text", "default", "text"),
        (None, None, None),
        ("", None, ""),
        ("/tmp/x/../y", Path("/z"), Path("/tmp/y")),
    ],
)
def test_env_reads_the_type_of_the_default(monkeypatch, raw, default, expected):
    if raw is None:
        monkeypatch.delenv("KHIZANA_TEST_VALUE", raising=False)
    else:
        monkeypatch.setenv("KHIZANA_TEST_VALUE", raw)
    assert env("KHIZANA_TEST_VALUE", default) == expected


@pytest.mark.parametrize("raw, default, message", [("ten", 5, "a whole number"), ("maybe", True, "1 or 0")])
def test_a_bad_value_names_the_variable(monkeypatch, raw, default, message):
    monkeypatch.setenv("KHIZANA_TEST_VALUE", raw)
    with pytest.raises(ConfigurationError, match=f"KHIZANA_TEST_VALUE='{raw}': expected {message}"):
        env("KHIZANA_TEST_VALUE", default)
