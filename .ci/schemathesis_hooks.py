# Schemathesis hooks for CI (SCHEMATHESIS_HOOKS=schemathesis_hooks, PYTHONPATH=.ci): every
# generated request is signed the way its real sender signs it, with the secrets of the test API
# (bench/api-target.ts writes them to $CARDBRIDGE_TARGET_SECRETS), so generated bodies get past
# verification and are parsed and acted on instead of all answering 401.
#   WooCommerce   X-WC-Webhook-Signature = base64 HMAC-SHA256(body)
#   Standard      webhook-signature = v1,base64 HMAC-SHA256("id.timestamp.body"), key = base64 of whsec_
#   Pocketsflow   X-Pocketsflow-Signature = hex HMAC-SHA256(body), X-Pocketsflow-Timestamp = now (ms)
#   Pay'nUp       the body becomes an HS256 JWT with the store's API id and key
#   supplier      X-Signature = hex HMAC-SHA256(body)
# Store ids come from the document itself (in test mode {storeId} lists the configured stores).
import base64
import hashlib
import hmac
import json
import os
import random
import time

import schemathesis

with open(os.environ["CARDBRIDGE_TARGET_SECRETS"], encoding="utf-8") as f:
    SECRETS = json.load(f)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _paynup_token(store: dict) -> str:
    now = int(time.time())
    claims = {
        "jti": f"st-{random.getrandbits(48):x}",
        "iss": store["paynup"]["apiId"],
        "iat": now,
        "exp": now + 600,
        "orderNumber": str(random.randint(1, 10**9)),
        "amount": random.choice(["10.99", "52.99", "0.01"]),
        "status": random.choice(["SOLD", "USED"]),
    }
    head = f'{_b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())}.{_b64url(json.dumps(claims).encode())}'
    sig = _hmac(store["paynup"]["apiKey"].encode(), head.encode())
    return f"{head}.{_b64url(sig)}"


def _payload(case) -> bytes | None:
    body = case.body
    if isinstance(body, (dict, list, int, float, bool)) or body is None:
        return json.dumps(body).encode()
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes):
        return body
    return None  # no body generated (NotSet)


@schemathesis.hook
def before_call(ctx, case, kwargs):
    path = case.operation.path
    store_id = (case.path_parameters or {}).get("storeId")
    store = SECRETS["stores"].get(store_id) if store_id else None
    headers = case.headers if case.headers is not None else {}
    media = (case.media_type or "").split(";")[0].strip().lower()

    if path == "/webhooks/paynup/{storeId}":
        if store and store.get("paynup"):
            token = _paynup_token(store).encode()
            kwargs["data"] = token
        case.headers = headers
        return
    if media != "application/json":
        return  # e.g. the WooCommerce ping (form-encoded, unsigned by design)
    payload = _payload(case)
    if payload is None:
        return
    kwargs["data"] = payload

    if path == "/webhooks/woocommerce/{storeId}" and store:
        headers["X-WC-Webhook-Signature"] = base64.b64encode(_hmac(store["woocommerce"].encode(), payload)).decode()
    elif path == "/webhooks/standard/{storeId}" and store:
        msg_id = f"msg_st{random.getrandbits(48):x}"
        ts = str(int(time.time()))
        key = base64.b64decode(store["standard"].removeprefix("whsec_"))
        sig = base64.b64encode(_hmac(key, f"{msg_id}.{ts}.".encode() + payload)).decode()
        headers.update({"webhook-id": msg_id, "webhook-timestamp": ts, "webhook-signature": f"v1,{sig}"})
    elif path == "/webhooks/pocketsflow/{storeId}" and store:
        headers["X-Pocketsflow-Timestamp"] = str(int(time.time() * 1000))
        headers["X-Pocketsflow-Event"] = "order.completed"
        headers["X-Pocketsflow-Signature"] = hmac.new(store["pocketsflow"].encode(), payload, hashlib.sha256).hexdigest()
    elif path == "/webhooks/supplier":
        headers["X-Signature"] = hmac.new(SECRETS["supplier"].encode(), payload, hashlib.sha256).hexdigest()
    case.headers = headers


# Which answers each operation got: proof that generated requests reach the handlers (written
# at exit to $CARDBRIDGE_STATUS_TALLY when set).
TALLY: dict[str, dict[str, int]] = {}


@schemathesis.hook
def after_call(ctx, case, response):
    key = f"{case.method} {case.operation.path}"
    counts = TALLY.setdefault(key, {})
    counts[str(response.status_code)] = counts.get(str(response.status_code), 0) + 1


def _write_tally() -> None:
    out = os.environ.get("CARDBRIDGE_STATUS_TALLY")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(TALLY, f, indent=1, sort_keys=True)


import atexit  # noqa: E402

atexit.register(_write_tally)
