"""X-Shoptimiza-Auth: a hand-computed vector, and verify's rejections."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from generator.affiliate.salesfile import shoptimiza_auth_header, verify_shoptimiza_auth

URL = "https://api.shoptimiza.com/v1/sites/KEY/sales-file"
NOW = 1_700_000_000
BODY = b'{"key":"122","items":["508","563"]}\n'


def test_post_header_matches_hand_computed_vector():
    # body "abc": sha1 -> base64 "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=" (checked with openssl dgst -sha1 -binary | base64);
    # HMAC-SHA256("sec", "KEY.1700000000.POST.api.shoptimiza.com/v1/sites/KEY/sales-file.<bodySig>") checked with
    # openssl dgst -sha256 -hmac sec -binary | base64.
    header = shoptimiza_auth_header("KEY", "sec", "post", URL, body=b"abc", now=NOW)
    assert header == ("KEY.1700000000.qZk+NkcGgWq6PiVxeFDCbJzQ2J0="
                      ".PoZpQzqyLYDFeXsMaYJQGn2KeQ2ExZs17IsReXHOnrU=")


def test_get_header_has_no_body_signature():
    header = shoptimiza_auth_header("KEY", "sec", "GET", "https://shop.example/sales.jsonl?x=1", now=NOW)
    message = b"KEY.1700000000.GET.shop.example/sales.jsonl?x=1"
    expected = base64.b64encode(hmac.new(b"sec", message, hashlib.sha256).digest()).decode()
    assert header == f"KEY.{NOW}.{expected}"


def test_verify_accepts_a_fresh_header():
    header = shoptimiza_auth_header("KEY", "sec", "POST", URL, body=BODY, now=NOW)
    check = verify_shoptimiza_auth(header, "POST", URL, BODY, "sec", max_age=300, now=NOW + 299)
    assert check and check.api_key == "KEY"
    get_header = shoptimiza_auth_header("KEY", "sec", "GET", URL, now=NOW)
    assert verify_shoptimiza_auth(get_header, "get", URL, b"", "sec", now=NOW)


@pytest.mark.parametrize("change, reason", [
    ({"body": BODY + b"x"}, "body does not match"),
    ({"method": "PUT"}, "signature does not match"),
    ({"url": URL.replace("KEY/", "OTHER/")}, "signature does not match"),
    ({"secret": "other"}, "signature does not match"),
    ({"now": NOW + 301}, "301 s old"),
    ({"now": NOW - 301}, "in the future"),
    ({"header": None}, "no X-Shoptimiza-Auth header"),
    ({"header": "KEY.abc.x.y"}, "not a unix time"),
    ({"method": "GET"}, "malformed for a GET request"),
    ({"header": "KEY.1700000000.sig"}, "malformed"),
])
def test_verify_rejects(change, reason):
    request = {"header": shoptimiza_auth_header("KEY", "sec", "POST", URL, body=BODY, now=NOW),
               "method": "POST", "url": URL, "body": BODY, "secret": "sec", "now": NOW}
    request.update(change)
    check = verify_shoptimiza_auth(request["header"], request["method"], request["url"], request["body"],
                                   request["secret"], 300, now=request["now"])
    assert not check and reason in check.reason
    assert "sec" not in check.reason.replace("secret", "")
