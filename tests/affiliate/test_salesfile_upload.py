"""Upload against a real loopback server; dry run; publish guard; CLI."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands.salesfile import salesfile_group
from generator.core.errors import Abort
from generator.affiliate.salesfile import (
    UploadError,
    UploadTarget,
    publish_sales_file,
    upload_sales_file,
    verify_shoptimiza_auth,
)
from tests.support.loopback import LoopbackServer

SECRET = "s3cr3t-never-shown"
API_KEY = "site-key-42"
BODY = b'{"key":"122","items":["508","563","572","807"]}\n{"key":"144","items":["123"]}\n'


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        recorder = self.server.app  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        url = f"http://{self.headers['Host']}{self.path}"
        check = verify_shoptimiza_auth(self.headers.get("X-Shoptimiza-Auth"), "POST", url, body, SECRET)
        recorder.requests.append({"path": self.path, "body": body, "check": check,
                                  "type": self.headers["Content-Type"]})
        status = recorder.statuses.pop(0) if recorder.statuses else (200 if check else 401)
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


class Recorder(LoopbackServer):
    """A loopback Shoptimiza: answers with the queued statuses, records requests."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.requests: list[dict] = []
        super().__init__(_Handler, "/v1/")

    @property
    def base_url(self) -> str:
        return self.url


@pytest.fixture
def shoptimiza() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


@pytest.fixture
def sales_file(tmp_path: Path) -> Path:
    path = tmp_path / "sales.jsonl"
    path.write_bytes(BODY)
    return path


pytestmark = pytest.mark.server


def test_upload_sends_signed_body(shoptimiza, sales_file):
    response = upload_sales_file(sales_file, UploadTarget(API_KEY, SECRET, shoptimiza.base_url))
    assert response.status_code == 200
    [request] = shoptimiza.requests
    assert request["path"] == f"/v1/sites/{API_KEY}/sales-file"
    assert request["body"] == BODY and request["check"].valid and request["check"].api_key == API_KEY
    assert request["type"].startswith("text/plain")


def test_upload_retries_5xx_then_succeeds(shoptimiza, sales_file):
    shoptimiza.statuses = [503, 500]
    waits: list[float] = []
    upload_sales_file(sales_file, UploadTarget(API_KEY, SECRET, shoptimiza.base_url), backoff=0.5,
                      sleep=waits.append)
    assert len(shoptimiza.requests) == 3 and all(r["check"] for r in shoptimiza.requests)
    assert waits == [0.5, 1.0]


def test_upload_gives_up_with_a_clear_redacted_error(shoptimiza, sales_file):
    shoptimiza.statuses = [502] * 3
    with pytest.raises(UploadError) as caught:
        upload_sales_file(sales_file, UploadTarget(API_KEY, SECRET, shoptimiza.base_url), retries=2,
                          sleep=lambda _: None)
    message = caught.value.format_message()
    assert "after 3 attempts: HTTP 502" in message
    assert SECRET not in message and API_KEY not in message and "<api-key>" in message


def test_upload_4xx_is_not_retried_and_names_the_fix(shoptimiza, sales_file):
    with pytest.raises(UploadError) as caught:
        upload_sales_file(sales_file, UploadTarget(API_KEY, "wrong-secret", shoptimiza.base_url),
                          sleep=lambda _: None)
    assert len(shoptimiza.requests) == 1
    assert "HTTP 401" in caught.value.format_message() and "SHOPTIMIZA_SECRET" in caught.value.format_message()


def test_connection_errors_are_retried(sales_file):
    waits: list[float] = []
    with pytest.raises(UploadError) as caught:
        upload_sales_file(sales_file, UploadTarget(API_KEY, SECRET, "http://127.0.0.1:9/v1/"), retries=1,
                          sleep=waits.append)
    assert "connection failed" in caught.value.format_message() and len(waits) == 1


def test_cli_upload_and_dry_run_hide_the_secret(shoptimiza, sales_file, monkeypatch):
    monkeypatch.setenv("SHOPTIMIZA_API_KEY", API_KEY)
    monkeypatch.setenv("SHOPTIMIZA_SECRET", SECRET)
    runner = CliRunner()
    dry = runner.invoke(salesfile_group, ["upload", str(sales_file), "--base-url", shoptimiza.base_url, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"POST {shoptimiza.base_url}sites/{API_KEY}/sales-file" in dry.output
    assert "X-Shoptimiza-Auth: site-key-42." in dry.output and "signature hidden" in dry.output
    assert SECRET not in dry.output and shoptimiza.requests == []
    real = runner.invoke(salesfile_group, ["upload", str(sales_file), "--base-url", shoptimiza.base_url])
    assert real.exit_code == 0, real.output
    assert "HTTP 200" in real.output and SECRET not in real.output


def test_cli_upload_without_secret_env(sales_file, monkeypatch):
    monkeypatch.setenv("SHOPTIMIZA_API_KEY", API_KEY)
    monkeypatch.delenv("SHOPTIMIZA_SECRET", raising=False)
    result = CliRunner().invoke(salesfile_group, ["upload", str(sales_file)])
    assert result.exit_code == 1 and "SHOPTIMIZA_SECRET is not set" in result.output


def test_publish_refuses_without_public(sales_file, tmp_path):
    with pytest.raises(Abort) as caught:
        publish_sales_file(sales_file, tmp_path / "static")
    assert "cannot check the X-Shoptimiza-Auth header" in caught.value.format_message()
    assert not (tmp_path / "static").exists()


def test_publish_public_copies_into_static(sales_file, tmp_path):
    runner = CliRunner()
    refused = runner.invoke(salesfile_group, ["publish", str(sales_file), "--static-dir", str(tmp_path / "s")])
    assert refused.exit_code == 1 and "--public" in refused.output
    done = runner.invoke(salesfile_group, ["publish", str(sales_file), "--static-dir", str(tmp_path / "s"),
                                           "--public"])
    assert done.exit_code == 0, done.output
    assert "cannot check" in done.output
    assert (tmp_path / "s" / "sales-file.jsonl").read_bytes() == BODY


def test_publish_rejects_names_leaving_the_static_dir(sales_file, tmp_path):
    with pytest.raises(Exception, match="must not leave"):
        publish_sales_file(sales_file, tmp_path / "s", name="../x.jsonl", public=True)
