"""How a delivery reaches the receiver: by the address that was checked, with the name kept
for the Host header and for TLS, whose certificate is verified; and a try made twice (the
outbox and the due job may both hand it out) sends once."""

import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection

from conftest import requires_postgres
from webhooks.models import WebhookDelivery
from webhooks.tasks import webhook_deliver_task


@pytest.mark.django_db
def test_a_name_is_resolved_once_and_kept_in_the_host_header(receiver, register, log_work):
    register(f"http://localhost:{receiver.port}/hooks/time?tenant=7", events=["time_entry.created"])
    log_work("2026-02-24")
    [request] = receiver.requests
    assert request.headers["Host"] == f"localhost:{receiver.port}"
    assert request.path == "/hooks/time?tenant=7"


@pytest.mark.django_db
def test_a_try_handed_out_twice_is_sent_once(receiver, register, log_work):
    register(receiver.url, events=["time_entry.created"])
    receiver.then = 500
    log_work("2026-02-24")
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1
    assert webhook_deliver_task.delay(delivery.pk, 1).get() is None  # the same try again: nothing
    assert len(receiver.requests) == 1
    assert webhook_deliver_task.delay(delivery.pk, 2).get() == "pending"  # the next try is sent
    assert len(receiver.requests) == 2 and WebhookDelivery.objects.get().attempts == 2


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_with_the_same_try_at_once_send_it_once_on_postgres(receiver, register, log_work):
    register(receiver.url, events=["time_entry.created"])
    receiver.script = [500]
    log_work("2026-02-24")
    delivery = WebhookDelivery.objects.get()
    barrier, outcomes = threading.Barrier(2), []

    def work():
        barrier.wait()
        try:
            outcomes.append(webhook_deliver_task.apply(args=(delivery.pk, 2)).get())
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert sorted(outcomes, key=str) == [None, "succeeded"]
    assert len(receiver.requests) == 2  # the first try and one second try
    assert WebhookDelivery.objects.get().attempts == 2


@pytest.fixture
def tls_receiver(tmp_path):
    """An https receiver on 127.0.0.1 with a self-signed certificate for "localhost"."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    self_signed = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
    names = ["-addext", "subjectAltName=DNS:localhost"]
    subprocess.run(
        ["openssl", *self_signed, *names, "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True
    )
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen, cert
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_an_https_receiver_without_a_trusted_certificate_gets_nothing(tls_receiver, register, log_work):
    port, seen, _cert = tls_receiver
    register(f"https://localhost:{port}/hooks", events=["time_entry.created"])
    log_work("2026-02-24")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code) == ("pending", None)  # a network error: tried again
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    assert seen == []


@pytest.mark.django_db
def test_an_https_receiver_is_dialled_by_address_and_verified_by_name(tls_receiver, register, log_work, monkeypatch):
    """The certificate names "localhost" only: the check passes because the name, not the
    dialled 127.0.0.1, is what TLS verifies (and sends as SNI)."""
    port, seen, cert = tls_receiver
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust this one certificate, as a CA would be
    register(f"https://localhost:{port}/hooks", events=["time_entry.created"])
    log_work("2026-02-24")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code, delivery.last_error) == ("succeeded", 200, "")
    assert seen == ["/hooks"]
