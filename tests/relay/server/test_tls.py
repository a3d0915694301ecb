"""The relay over TLS: `relay serve --tls-cert/--tls-key`, replicas that join and sync over
https with certificates verified, and what a certificate that does not verify costs
(nothing sent, a clear error)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_inbox
from tests.relay import certificates
from tests.relay.certificates import Certificates
from tests.relay.relays import BEN, DANA, MBOX, RelayProcess, ok

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def certs(tmp_path: Path) -> Certificates:
    return certificates.make(tmp_path / "tls")


@pytest.fixture
def tls_relay(tmp_path: Path, certs: Certificates) -> Iterator[RelayProcess]:
    """A real relay serving https/wss on a loopback port, with a certificate of a private CA."""
    where = tmp_path / "relay"
    where.mkdir()
    process = RelayProcess(where, tls=(certs.cert, certs.key)).start()
    yield process
    process.stop()


def secrets(token_file: Path) -> str:
    return token_file.read_text().strip()


def subjects(home: Path) -> list[str]:
    return sorted(r["subject"] for r in json.loads(ok(home, "list", "--status", "all", "--json")))


def test_replicas_join_and_sync_over_tls_with_the_relays_ca(
    tls_relay: RelayProcess, certs: Certificates, tmp_path: Path
) -> None:
    assert tls_relay.url.startswith("https://")
    a, b = tmp_path / "a", tmp_path / "b"
    tokens = {DANA: tls_relay.token(DANA), BEN: tls_relay.token(BEN)}
    ca = ("--ca-file", str(certs.ca))
    done = run_inbox(a, "join", tls_relay.url, "--token-file", str(tokens[DANA]), *ca)
    assert done.returncode == 0, done.stderr
    ok(a, "import", str(MBOX))
    ok(a, "sync")  # the CA was kept with the replica: sync needs no flag
    done = run_inbox(b, "join", tls_relay.url, "--token-file", str(tokens[BEN]), *ca)
    assert done.returncode == 0, done.stderr
    assert len(subjects(b)) == 7 and subjects(b) == subjects(a)
    ok(b, "tag", json.loads(ok(b, "list", "--json"))[0]["id"], "--add", "over-tls")
    ok(b, "sync")
    ok(a, "sync")
    assert json.loads(ok(a, "list", "--tag", "over-tls", "--json"))
    logged = tls_relay.logged()
    for token in map(secrets, tokens.values()):
        assert token not in logged and token.split("_", 2)[2] not in logged


def test_ssl_cert_file_names_the_ca_too(
    tls_relay: RelayProcess, certs: Certificates, tmp_path: Path
) -> None:
    token = tls_relay.token(DANA)
    home = tmp_path / "a"
    env = {"SSL_CERT_FILE": str(certs.ca)}
    done = run_inbox(home, "join", tls_relay.url, "--token-file", str(token), env=env)
    assert done.returncode == 0, done.stderr
    assert run_inbox(home, "sync", env=env).returncode == 0


def test_sync_takes_a_new_ca_file_and_keeps_it(
    tls_relay: RelayProcess, certs: Certificates, tmp_path: Path
) -> None:
    """A replica joined trusting SSL_CERT_FILE, later without it (or with a CA renewed)."""
    home = tmp_path / "a"
    token = tls_relay.token(DANA)
    env = {"SSL_CERT_FILE": str(certs.ca)}
    assert (
        run_inbox(home, "join", tls_relay.url, "--token-file", str(token), env=env).returncode == 0
    )
    untrusted = run_inbox(home, "sync")
    assert untrusted.returncode == 1 and "certificate" in untrusted.stderr
    assert run_inbox(home, "sync", "--ca-file", str(tmp_path / "missing.pem")).returncode == 2
    ok(home, "sync", "--ca-file", str(certs.ca))
    ok(home, "sync")


def test_join_without_the_ca_fails_on_the_certificate_and_sends_no_token(
    tls_relay: RelayProcess, tmp_path: Path
) -> None:
    token = tls_relay.token(DANA)
    home = tmp_path / "a"
    done = run_inbox(home, "join", tls_relay.url, "--token-file", str(token))
    assert done.returncode == 1
    assert "certificate" in done.stderr and "--ca-file" in done.stderr
    assert "Traceback" not in done.stderr
    assert secrets(token) not in done.stderr + done.stdout
    assert not (home / "replica.db").exists()
    # the handshake never got to HTTP: the relay saw no request, so logged no refusal
    assert "refused a socket" not in tls_relay.logged()


def test_a_ca_that_did_not_sign_the_relay_is_not_enough(
    tls_relay: RelayProcess, tmp_path: Path
) -> None:
    other = certificates.make(tmp_path / "other", label="other")
    token = tls_relay.token(DANA)
    done = run_inbox(
        tmp_path / "a",
        "join",
        tls_relay.url,
        "--token-file",
        str(token),
        "--ca-file",
        str(other.ca),
    )
    assert done.returncode == 1 and "certificate" in done.stderr, done.stderr


def test_a_certificate_for_another_host_is_refused(tmp_path: Path) -> None:
    elsewhere = certificates.make(tmp_path / "tls", names=("relay.acme.example.com",))
    where = tmp_path / "relay"
    where.mkdir()
    relay = RelayProcess(where, tls=(elsewhere.cert, elsewhere.key)).start()
    try:
        token = relay.token(DANA)
        done = run_inbox(
            tmp_path / "a", "join", relay.url, "--token-file", str(token),
            "--ca-file", str(elsewhere.ca),
        )  # fmt: skip
    finally:
        relay.stop()
    assert done.returncode == 1
    assert "certificate" in done.stderr and "mismatch" in done.stderr, done.stderr
    assert secrets(token) not in done.stderr


def test_plain_http_to_a_tls_relay_does_not_get_in(tls_relay: RelayProcess, tmp_path: Path) -> None:
    token = tls_relay.token(DANA)
    plain = tls_relay.url.replace("https://", "http://")
    done = run_inbox(tmp_path / "a", "join", plain, "--token-file", str(token))
    assert done.returncode == 1 and "wants https://" in done.stderr, done.stderr
    assert not (tmp_path / "a" / "replica.db").exists()


def serve(where: Path, *args: str) -> tuple[int, str]:
    done = run_inbox(where, "relay", "serve", "--store", str(where / "relay.db"), *args)
    return done.returncode, str(done.stderr)


def test_serve_refuses_a_certificate_without_its_key(certs: Certificates, tmp_path: Path) -> None:
    code, err = serve(tmp_path, "--tls-cert", str(certs.cert))
    assert code == 2 and "--tls-key" in err


def test_serve_refuses_a_key_that_is_not_the_certificates(
    certs: Certificates, tmp_path: Path
) -> None:
    other = certificates.make(tmp_path / "other", label="other")
    code, err = serve(tmp_path, "--tls-cert", str(certs.cert), "--tls-key", str(other.key))
    assert code == 2 and "do not load together" in err and str(other.key) in err, err
    assert "Traceback" not in err


def test_serve_refuses_a_key_with_a_passphrase_rather_than_prompt(
    certs: Certificates, tmp_path: Path
) -> None:
    locked = certificates.encrypted_copy(certs.key, b"a passphrase")
    code, err = serve(tmp_path, "--tls-cert", str(certs.cert), "--tls-key", str(locked))
    assert code == 2 and "passphrase" in err, err


def test_serve_names_a_missing_file(certs: Certificates, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pem"
    code, err = serve(tmp_path, "--tls-cert", str(missing), "--tls-key", str(certs.key))
    assert code == 2 and f"cannot read the TLS certificate {missing}" in err, err
    assert "Traceback" not in err


def test_serve_warns_when_plain_http_leaves_loopback(tmp_path: Path) -> None:
    where = tmp_path / "relay"
    where.mkdir()
    relay = RelayProcess(where, host="0.0.0.0").start()
    relay.stop()
    assert "clear text" in relay.logged()
    assert os.path.exists(relay.store)
