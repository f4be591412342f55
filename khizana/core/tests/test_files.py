"""Sent file names made harmless (khizana.core.files)."""

from khizana.core.files import safe_display_name


def test_safe_display_name():
    assert safe_display_name("../../etc/passwd.mrc") == "passwd.mrc"
    assert safe_display_name("C:\\Users\\x\\notice.mrc") == "notice.mrc"
    assert safe_display_name("..") == "upload"
    assert safe_display_name("a\x00b\nc.xml") == "abc.xml"
    assert safe_display_name(".htaccess") == "htaccess"
