"""Tests of the in-repo fakes (tests/fakes) through the real client libraries.

The fakes stand in for SendGrid and Mastodon in the channel tests, so they must enforce the
platform rules (shared reference platform-rules.md §1, §2, §4) the way the real services do, and
they must be reachable by sendgrid-python (urllib) and Mastodon.py (requests) unmodified.
"""

import http.client
import json
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServiceUnavailableError,
    MastodonUnauthorizedError,
)
from python_http_client import exceptions as sg_errors
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import (
    Asm,
    Category,
    CustomArg,
    From,
    GroupsToDisplay,
    Header,
    Mail,
    Personalization,
    To,
)

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `bot` and `tests.fakes` must import however pytest was started
    sys.path.insert(0, str(ROOT))

from tests.fakes.mastodon_stub import MastodonStub  # noqa: E402
from tests.fakes.sendgrid_server import RESERVED_HEADERS, FakeSendGrid  # noqa: E402

KEY = "SG.test-key.secret"
TOKEN = "stub-token"
T0 = 1_767_229_200.0  # 2026-01-01T01:00:00Z, one hour into a 3 h statuses window
ISO_MICRO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


# -- SendGrid ----------------------------------------------------------------------------------
@pytest.fixture
def sg():
    with FakeSendGrid(api_key=KEY) as fake:
        yield fake


def client(fake: FakeSendGrid, timeout: float = 5) -> SendGridAPIClient:
    c = SendGridAPIClient(api_key=KEY, host=fake.url)
    c.client.timeout = timeout
    return c


def mail(*addresses: str, **extra) -> dict:
    """A minimal valid Mail Send body, one personalization per address."""
    body = {
        "personalizations": [{"to": [{"email": a}]} for a in addresses],
        "from": {"email": "news@example.org", "name": "Paper Digest"},
        "subject": "New papers",
        "content": [{"type": "text/plain", "value": "hi"}, {"type": "text/html", "value": "<p>hi"}],
    }
    body.update(extra)
    return body


def rejected(fake: FakeSendGrid, body: dict) -> list[dict]:
    """Send `body`, expect 400, return the error list."""
    with pytest.raises(sg_errors.BadRequestsError) as exc:
        client(fake).send(body)
    assert exc.value.status_code == 400
    return exc.value.to_dict["errors"]


def fields(errors: list[dict]) -> list[str]:
    return [e["field"] for e in errors]


def test_helper_built_mail_is_accepted_and_recorded(sg):
    m = Mail(from_email=From("news@example.org", "Paper Digest"), subject="26 papers")
    m.add_content("plain text", "text/plain")
    m.add_content("<p>html</p>", "text/html")
    for addr in ("ada@example.org", "bob@example.org"):
        p = Personalization()
        p.add_to(To(addr))
        p.add_header(Header("List-Unsubscribe", f"<https://paperbot.example/u/{addr[:3]}>"))
        p.add_custom_arg(CustomArg("sub_id", addr[:3]))
        m.add_personalization(p)
    m.add_header(Header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    m.asm = Asm(12345, GroupsToDisplay([12345]))
    m.add_category(Category("digest"))

    resp = client(sg).send(m)

    assert resp.status_code == 202
    assert resp.body == b""
    message_id = resp.headers["X-Message-Id"]
    (rec,) = sg.accepted
    assert rec.message_id == message_id and rec.delivered and rec.outcome == "accepted"
    assert rec.headers["Authorization"] == f"Bearer {KEY}"
    assert rec.payload["asm"] == {"group_id": 12345, "groups_to_display": [12345]}
    # add_personalization inserts at index 0: the fake records the wire order
    assert sg.delivered_addresses() == ["bob@example.org", "ada@example.org"]


def test_dict_send_gets_unique_message_ids(sg):
    ids = {client(sg).send(mail(f"u{i}@example.org")).headers["X-Message-Id"] for i in range(5)}
    assert len(ids) == 5
    assert len(sg.requests) == 5


def test_1000_personalizations_accepted_1001_rejected(sg):
    ok = mail(*[f"user{i}@example.org" for i in range(1000)])
    assert client(sg).send(ok).status_code == 202
    assert len(sg.delivered_addresses()) == 1000

    errors = rejected(sg, mail(*[f"user{i}@example.org" for i in range(1001)]))
    assert "personalizations" in fields(errors)
    assert any("1000 personalizations" in e["message"] for e in errors)
    assert len(sg.delivered_addresses()) == 1000  # the rejected batch was not delivered


def test_more_than_1000_recipients_in_total_rejected(sg):
    body = mail(*[f"to{i}@example.org" for i in range(500)])
    for i, p in enumerate(body["personalizations"]):
        p["cc"] = [{"email": f"cc{i}@example.org"}]
    assert client(sg).send(body).status_code == 202
    body["personalizations"][0]["bcc"] = [{"email": "one-too-many@example.org"}]
    assert any("recipients" in e["message"] for e in rejected(sg, body))


def test_duplicate_address_in_other_case_rejected(sg):
    errors = rejected(sg, mail("Ada@Example.org", "ada@example.ORG"))
    assert errors[0]["message"].startswith(
        "Each unique email address in the personalizations array should only be included once"
    )
    assert sg.delivered_addresses() == []


def test_html_before_plain_rejected(sg):
    body = mail("ada@example.org")
    body["content"].reverse()
    (error,) = rejected(sg, body)
    assert error["message"].startswith("Following RFC 1341, section 7.2,")
    assert error["field"] == "content"


def test_content_rules(sg):
    body = mail("ada@example.org")
    body["content"].append({"type": "text/plain", "value": "again"})
    assert "content.2.type" in fields(rejected(sg, body))
    assert "content" in fields(rejected(sg, mail("ada@example.org", content=[])))
    only_html = mail("ada@example.org", content=[{"type": "text/html", "value": "<p>x"}])
    assert client(sg).send(only_html).status_code == 202


@pytest.mark.parametrize("name", sorted(RESERVED_HEADERS))
def test_reserved_header_rejected_at_both_levels(sg, name):
    body = mail("ada@example.org", headers={name.upper(): "x"})
    body["personalizations"][0]["headers"] = {name.title(): "x"}
    assert fields(rejected(sg, body)) == [
        f"headers.{name.upper()}",
        f"personalizations.0.headers.{name.title()}",
    ]


def test_header_values_must_be_strings(sg):
    body = mail("ada@example.org", headers={"X-Count": 3})
    assert fields(rejected(sg, body)) == ["headers.X-Count"]


def test_asm_types(sg):
    errors = rejected(sg, mail("ada@example.org", asm={"group_id": "12345"}))
    assert fields(errors) == ["asm.group_id"]
    assert "given: string" in errors[0]["message"]
    assert fields(rejected(sg, mail("a@example.org", asm={"group_id": True}))) == ["asm.group_id"]
    too_many = {"group_id": 1, "groups_to_display": list(range(26))}
    assert fields(rejected(sg, mail("a@example.org", asm=too_many))) == ["asm.groups_to_display"]
    ok = {"group_id": 1, "groups_to_display": list(range(25))}
    assert client(sg).send(mail("a@example.org", asm=ok)).status_code == 202


def test_required_fields_and_addresses(sg):
    assert fields(rejected(sg, {**mail("a@example.org"), "personalizations": []})) == ["personalizations"]
    assert "personalizations.0.to" in fields(rejected(sg, mail(personalizations=[{"to": []}])))
    assert fields(rejected(sg, mail("not-an-address"))) == ["personalizations.0.to.0.email"]
    no_from = mail("a@example.org")
    del no_from["from"]
    assert fields(rejected(sg, no_from)) == ["from.email"]
    unicode_from = mail("a@example.org", **{"from": {"email": "nöws@example.org"}})
    assert fields(rejected(sg, unicode_from)) == ["from.email"]


def test_subject_required_unless_every_personalization_has_one(sg):
    body = mail("a@example.org", "b@example.org")
    del body["subject"]
    assert fields(rejected(sg, body)) == ["subject"]
    body["personalizations"][0]["subject"] = "one"
    assert fields(rejected(sg, body)) == ["subject"]
    body["personalizations"][1]["subject"] = "two"
    assert client(sg).send(body).status_code == 202


def test_custom_args_categories_send_at_sandbox_types(sg):
    body = mail("a@example.org", custom_args={"n": 1})
    assert fields(rejected(sg, body)) == ["custom_args.n"]
    body = mail("a@example.org")
    body["personalizations"][0]["custom_args"] = {"big": "x" * 10_001}
    assert fields(rejected(sg, body)) == ["personalizations.0.custom_args"]
    assert fields(rejected(sg, mail("a@example.org", categories=[str(i) for i in range(11)]))) == ["categories"]
    assert fields(rejected(sg, mail("a@example.org", categories=["x", "x"]))) == ["categories"]
    assert fields(rejected(sg, mail("a@example.org", categories=["é"]))) == ["categories.0"]
    assert fields(rejected(sg, mail("a@example.org", categories=["x" * 256]))) == ["categories.0"]
    assert fields(rejected(sg, mail("a@example.org", send_at="1767229200"))) == ["send_at"]
    sandbox = {"sandbox_mode": {"enable": "true"}}
    assert fields(rejected(sg, mail("a@example.org", mail_settings=sandbox))) == ["mail_settings.sandbox_mode.enable"]
    assert client(sg).send(mail("a@example.org", send_at=1767229200)).status_code == 202


def test_all_errors_reported_at_once(sg):
    body = mail("a@example.org", "A@example.org", asm={"group_id": "1"}, headers={"To": "x"})
    body["content"].reverse()
    assert set(fields(rejected(sg, body))) == {"personalizations", "asm.group_id", "headers.To", "content"}


def test_sandbox_mode_validates_without_delivering(sg):
    resp = client(sg).send(mail("a@example.org", mail_settings={"sandbox_mode": {"enable": True}}))
    assert resp.status_code == 200
    assert resp.body == b""
    assert [r.outcome for r in sg.accepted] == ["sandbox"]
    assert sg.delivered_addresses() == []


def test_wrong_key_is_401():
    with FakeSendGrid(api_key="SG.right") as fake:
        with pytest.raises(sg_errors.UnauthorizedError) as exc:
            client(fake).send(mail("a@example.org"))
        assert exc.value.to_dict == {"errors": [{"message": "authorization required", "field": None, "help": None}]}
        assert fake.delivered_addresses() == []


def raw_post(fake: FakeSendGrid, data: bytes) -> tuple[int, dict]:
    req = urllib.request.Request(
        f"{fake.url}/v3/mail/send",
        data=data,
        method="POST",
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, {}
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


def test_invalid_json_400_and_invalid_utf8_415(sg):
    assert raw_post(sg, b"{not json")[0] == 400
    status, body = raw_post(sg, b'{"subject": "\xff"}')
    assert status == 415 and body["errors"][0]["message"]


def test_body_size_limit_is_413():
    with FakeSendGrid(api_key=KEY, max_body_bytes=2_000) as fake:
        small = mail("a@example.org")
        assert client(fake).send(small).status_code == 202
        big = mail("a@example.org", content=[{"type": "text/plain", "value": "x" * 2_000}])
        with pytest.raises(sg_errors.PayloadTooLargeError) as exc:
            client(fake).send(big)
        assert exc.value.to_dict == {"errors": [{"message": "content too large"}]}
        assert len(fake.delivered_addresses()) == 1


def test_429_has_epoch_reset_and_is_consumed(sg):
    sg.fail_next(status=429, reset_in=2)
    before = time.time()
    with pytest.raises(sg_errors.TooManyRequestsError) as exc:
        client(sg).send(mail("a@example.org"))
    assert exc.value.to_dict == {"errors": [{"field": None, "message": "too many requests"}]}
    reset = exc.value.headers.get("X-RateLimit-Reset")
    assert reset.isdigit() and before + 1 <= int(reset) <= time.time() + 2
    assert exc.value.headers.get("X-RateLimit-Remaining") == "0"
    assert exc.value.headers.get("X-RateLimit-Limit").isdigit()
    assert sg.delivered_addresses() == []
    assert client(sg).send(mail("a@example.org")).status_code == 202  # fault consumed


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, sg_errors.BadRequestsError),
        (401, sg_errors.UnauthorizedError),
        (403, sg_errors.ForbiddenError),
        (413, sg_errors.PayloadTooLargeError),
        (500, sg_errors.InternalServerError),
        (503, sg_errors.ServiceUnavailableError),
    ],
)
def test_scripted_failures(sg, status, error):
    sg.fail_next(status=status)
    with pytest.raises(error) as exc:
        client(sg).send(mail("a@example.org"))
    assert exc.value.to_dict["errors"][0]["message"]
    if status == 500:
        assert exc.value.to_dict == {"errors": [{"message": "internal server error"}]}
    assert [r.outcome for r in sg.requests] == ["fault"]
    assert sg.accepted == []


def test_faults_are_consumed_in_order(sg):
    sg.fail_next(status=500)
    sg.fail_next(status=429)
    with pytest.raises(sg_errors.InternalServerError):
        client(sg).send(mail("a@example.org"))
    with pytest.raises(sg_errors.TooManyRequestsError):
        client(sg).send(mail("a@example.org"))
    assert client(sg).send(mail("a@example.org")).status_code == 202


def test_stall_times_out_client_after_delivery(sg):
    sg.stall_next(2.0)
    with pytest.raises(TimeoutError):  # raw socket.timeout from urllib, not an HTTPError
        client(sg, timeout=0.3).send(mail("a@example.org"))
    assert sg.delivered_addresses() == ["a@example.org"]  # the uncertain case: it WAS delivered
    assert sg.accepted[0].outcome == "stalled"


@pytest.mark.parametrize("delivered", [False, True])
def test_drop_closes_connection(sg, delivered):
    sg.drop_next(delivered=delivered)
    with pytest.raises(http.client.RemoteDisconnected):
        client(sg).send(mail("a@example.org"))
    assert sg.requests[0].outcome == "dropped"
    assert sg.delivered_addresses() == (["a@example.org"] if delivered else [])


def test_latency_and_reset():
    with FakeSendGrid(api_key=KEY, latency=0.2) as fake:
        start = time.monotonic()
        client(fake).send(mail("a@example.org"))
        assert time.monotonic() - start >= 0.2
        fake.fail_next(status=500)
        fake.reset()
        fake.latency = 0.0
        assert fake.requests == []
        assert client(fake).send(mail("a@example.org")).status_code == 202  # fault was cleared


def test_concurrent_requests_all_recorded(sg):
    def send(i):
        client(sg).send(mail(*[f"t{i}-{j}@example.org" for j in range(3)]))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sg.accepted) == 8
    assert len({r.message_id for r in sg.accepted}) == 8
    assert len(set(sg.delivered_addresses())) == 24


def test_100_requests_of_1000_personalizations_all_land(sg):
    """The benchmark's workload (its speed is measured in bench/, not here)."""
    c = client(sg)
    for batch in range(100):
        assert c.send(mail(*[f"u{batch}-{i}@example.org" for i in range(1000)])).status_code == 202
    assert len(sg.delivered_addresses()) == 100_000


# -- Mastodon ----------------------------------------------------------------------------------
class Clock:
    """A settable clock for the stub: idempotency TTL and rate-limit windows without sleeping."""

    def __init__(self, now: float = T0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def stub(clock):
    with MastodonStub(access_token=TOKEN, clock=clock) as server:
        yield server


def masto(server: MastodonStub, token: str = TOKEN, timeout: float = 5) -> Mastodon:
    return Mastodon(
        access_token=token,
        api_base_url=server.url,
        ratelimit_method="throw",
        request_timeout=timeout,
        version_check_mode="none",
    )


def test_instance_endpoints(stub):
    m = masto(stub)
    info = m.instance_v2()
    statuses = info["configuration"]["statuses"]
    assert (
        statuses["max_characters"],
        statuses["characters_reserved_per_url"],
        statuses["max_media_attachments"],
    ) == (500, 23, 4)
    assert (info["version"], info["api_versions"]["mastodon"]) == ("4.5.8", 6)
    assert m.retrieve_mastodon_version(fail_hard=True) == "4.5.8"  # uses the trailing-slash paths
    assert m.mastodon_api_version == 6
    for path in ("/api/v2/instance", "/api/v2/instance/", "/api/v1/instance", "/api/v1/instance/"):
        body = requests.get(stub.url + path, timeout=5).json()
        assert body["configuration"]["statuses"]["max_characters"] == 500


def test_instance_reports_configured_limit():
    with MastodonStub(max_characters=1000) as server:
        info = requests.get(f"{server.url}/api/v2/instance", timeout=5).json()
        assert info["configuration"]["statuses"]["max_characters"] == 1000


def test_post_returns_status_entity(stub):
    m = masto(stub)
    status = m.status_post("Tom & <Jerry>\nnext", visibility="unlisted", spoiler_text="cw", language="de")
    assert isinstance(status["id"], str)
    assert status["url"] == f"{stub.url}/@bot/{status['id']}"
    assert status["uri"] and status["created_at"]
    assert status["content"] == "<p>Tom &amp; &lt;Jerry&gt;<br />next</p>"
    assert (status["visibility"], status["spoiler_text"], status["language"]) == ("unlisted", "cw", "de")
    assert status["in_reply_to_id"] is None
    assert (status["account"]["username"], status["account"]["acct"]) == ("bot", "bot")
    assert [s["id"] for s in stub.statuses] == [status["id"]]
    assert stub.requests[-1]["headers"]["Content-Type"].startswith(
        "application/x-www-form-urlencoded"
    )  # Mastodon.py sends form data
    assert m.status(status["id"])["id"] == status["id"]
    assert m.account_verify_credentials()["username"] == "bot"
    second = m.status_post("again")
    assert int(second["id"]) > int(status["id"])


def test_json_body_and_server_side_visibility_check(stub):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = f"{stub.url}/api/v1/statuses"
    ok = requests.post(url, json={"status": "json body", "visibility": "private"}, headers=headers, timeout=5)
    assert ok.status_code == 200 and ok.json()["visibility"] == "private"
    bad = requests.post(url, json={"status": "x", "visibility": "everyone"}, headers=headers, timeout=5)
    assert bad.status_code == 422 and bad.json()["error"].startswith("Validation failed")
    assert "Retry-After" not in ok.headers


def test_bad_token_is_401(stub):
    with pytest.raises(MastodonUnauthorizedError) as exc:
        masto(stub, token="wrong").status_post("hi")
    assert exc.value.args[1] == 401 and exc.value.args[3] == "The access token is invalid"
    with pytest.raises(MastodonUnauthorizedError):
        masto(stub, token="wrong").account_verify_credentials()
    assert stub.statuses == []


def test_blank_status_is_422(stub):
    with pytest.raises(MastodonAPIError) as exc:
        masto(stub).status_post("   ")
    assert exc.value.args[1] == 422


def test_replies_need_an_existing_parent(stub):
    m = masto(stub)
    with pytest.raises(MastodonNotFoundError) as exc:
        m.status_post("orphan", in_reply_to_id="999")
    assert exc.value.args[3] == "Record not found"
    parent = m.status_post("part 1")
    child = m.status_post("part 2", in_reply_to_id=parent)
    assert child["in_reply_to_id"] == parent["id"]
    with pytest.raises(MastodonNotFoundError):
        m.status("12345")


def test_idempotency_key_kept_one_hour_of_stub_clock(stub, clock):
    m = masto(stub)
    first = m.status_post("hello", idempotency_key="k1")
    clock.advance(3599)
    repeat = m.status_post("different text", idempotency_key="k1")
    assert repeat["id"] == first["id"] and repeat["content"] == "<p>hello</p>"
    assert len(stub.statuses) == 1
    clock.advance(2)  # 3601 s after the create
    later = m.status_post("hello", idempotency_key="k1")
    assert later["id"] != first["id"]
    assert len(stub.statuses) == 2


def test_idempotency_key_is_per_account(clock):
    with MastodonStub(tokens={"tok-a": "bot", "tok-b": "other"}, clock=clock) as server:
        a = masto(server, "tok-a").status_post("a", idempotency_key="same")
        b = masto(server, "tok-b").status_post("b", idempotency_key="same")
        assert a["id"] != b["id"]
        assert b["account"]["username"] == "other"


def test_failed_create_does_not_store_the_key(stub):
    m = masto(stub)
    with pytest.raises(MastodonAPIError) as exc:
        m.status_post("a" * 501, idempotency_key="k2")
    assert exc.value.args[1] == 422
    created = m.status_post("short", idempotency_key="k2")
    assert created["content"] == "<p>short</p>"
    assert len(stub.statuses) == 1


def test_301st_status_in_window_is_429_with_iso_reset(stub, clock):
    m = masto(stub)
    for i in range(300):
        m.status_post(f"post {i}")
    assert m.ratelimit_remaining == 0 and m.ratelimit_limit == 300
    with pytest.raises(MastodonRatelimitError):
        m.status_post("one too many")
    assert len(stub.statuses) == 300
    # Mastodon.py parsed the ISO reset; with Date from the stub clock it is "now + 2 h" locally
    assert abs(m.ratelimit_reset - (time.time() + 7200)) < 3

    raw = requests.post(
        f"{stub.url}/api/v1/statuses",
        data={"status": "raw"},
        timeout=5,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert raw.status_code == 429 and raw.json() == {"error": "Too many requests"}
    assert raw.headers["X-RateLimit-Limit"] == "300"
    assert raw.headers["X-RateLimit-Remaining"] == "0"
    assert raw.headers["X-RateLimit-Reset"] == "2026-01-01T03:00:00.000000Z"
    assert ISO_MICRO.match(raw.headers["X-RateLimit-Reset"])
    assert "Retry-After" not in raw.headers

    clock.advance(7200)  # next epoch-aligned window
    fresh = requests.post(
        f"{stub.url}/api/v1/statuses",
        data={"status": "new window"},
        timeout=5,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert fresh.status_code == 200
    assert fresh.headers["X-RateLimit-Remaining"] == "299"
    assert fresh.headers["X-RateLimit-Reset"] == "2026-01-01T06:00:00.000000Z"


def test_quota_counts_only_successful_creates(clock):
    with MastodonStub(statuses_limit=2, clock=clock) as server:
        m = masto(server)
        m.status_post("one", idempotency_key="k")
        m.status_post("one again", idempotency_key="k")  # replay: no new status
        with pytest.raises(MastodonAPIError):
            m.status_post("")
        m.status_post("two")
        with pytest.raises(MastodonRatelimitError):
            m.status_post("three")


def test_length_rule_uses_url_placeholder(stub):
    m = masto(stub)
    url = "http://" + "b" * 30 + ".com/example"
    assert m.status_post("a" * 476 + " " + url)["id"]  # 476 + 1 + 23 = 500 passes
    with pytest.raises(MastodonAPIError) as exc:
        m.status_post("a" * 476 + url)  # glued URL counts literally: 525
    assert exc.value.args[1] == 422
    assert exc.value.args[3] == "Validation failed: Text character limit of 500 exceeded"
    with pytest.raises(MastodonAPIError):
        m.status_post("b" * 251, spoiler_text="a" * 250)  # the CW counts: 501


def test_length_limit_comes_from_constructor():
    with MastodonStub(max_characters=100) as server:
        m = masto(server)
        m.status_post("a" * 100)
        with pytest.raises(MastodonAPIError) as exc:
            m.status_post("a" * 101)
        assert exc.value.args[3] == "Validation failed: Text character limit of 100 exceeded"


def test_scripted_failures_mastodon(stub):
    m = masto(stub)
    stub.fail_next(503)
    with pytest.raises(MastodonServiceUnavailableError):
        m.status_post("x")
    stub.fail_next(429)
    with pytest.raises(MastodonRatelimitError):
        m.status_post("x")
    stub.fail_next(422, body={"error": "Validation failed: custom"}, headers={"X-Test": "1"})
    with pytest.raises(MastodonAPIError) as exc:
        m.status_post("x")
    assert exc.value.args[3] == "Validation failed: custom"
    assert m.instance_v2()["version"] == "4.5.8"  # faults target POST /api/v1/statuses only
    assert stub.statuses == []
    assert m.status_post("x")["id"]


def test_stall_after_create_is_maybe_posted_then_key_retry(stub):
    stub.stall_next(2.0, create=True)
    with pytest.raises(MastodonNetworkError):
        masto(stub, timeout=0.3).status_post("thread part 1", idempotency_key="p1")
    assert len(stub.statuses) == 1  # the server did post it
    retry = masto(stub).status_post("thread part 1", idempotency_key="p1")
    assert retry["id"] == stub.statuses[0]["id"]
    assert len(stub.statuses) == 1


def test_stall_without_create(stub):
    stub.stall_next(0.5, create=False)
    with pytest.raises(MastodonNetworkError):
        masto(stub, timeout=0.2).status_post("lost")
    assert stub.statuses == []


def test_latency_set_clock_and_reset(stub, clock):
    m = masto(stub)
    stub.latency = 0.2
    start = time.monotonic()
    m.status_post("slow")
    assert time.monotonic() - start >= 0.2
    stub.latency = 0.0
    stub.set_clock(lambda: T0 + 10800)
    assert m.status_post("later")["created_at"].isoformat().startswith("2026-01-01T04:00:00")
    stub.fail_next(500)
    stub.reset()
    assert stub.statuses == [] and stub.requests == []
    assert m.status_post("after reset")["id"]
