"""The transport rules of IMAP and SMTP alike (relay/gateway/security.py): plain text only
on loopback, TLS always verified, against the system's CAs or one bundle."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from relay.gateway.errors import ConfigError
from relay.gateway.security import SECURITY, check, tls_context
from tests.relay.certificates import make


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"])
def test_plain_text_is_for_loopback(host: str) -> None:
    check(host, "none")


@pytest.mark.parametrize("host", ["mail.example.com", "10.0.0.5", "0.0.0.0", "localhost.evil"])
def test_plain_text_anywhere_else_is_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="clear text") as refused:
        check(host, "none")
    assert refused.value.exit_code == 2 and refused.value.code == "usage"


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_goes_anywhere(security: str) -> None:
    assert security in SECURITY
    check("imap.example.com", security)


def test_what_makes_no_sense_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown security 'ssl'"):
        check("imap.example.com", "ssl")
    with pytest.raises(ConfigError, match="no mail server host"):
        check(" ", "tls")
    with pytest.raises(ConfigError, match="CA file is for"):
        check("127.0.0.1", "none", ca_file=str(tmp_path / "ca.pem"))


def test_the_context_always_verifies(tmp_path: Path) -> None:
    certificates = make(tmp_path)
    for context in (tls_context(None), tls_context(str(certificates.ca))):
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
        assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    (only,) = tls_context(str(certificates.ca)).get_ca_certs()
    assert "inbox test CA" in str(only["subject"])


def test_a_ca_file_that_does_not_load_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read CA file"):
        tls_context(str(tmp_path / "missing.pem"))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(ConfigError, match="not a PEM bundle"):
        tls_context(str(junk))
