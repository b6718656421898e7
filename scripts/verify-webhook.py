#!/usr/bin/env python3
"""Verifies one Gatehouse webhook request with the standardwebhooks package (an implementation
independent of Gatehouse's). Reads WEBHOOK_SECRET, WEBHOOK_ID, WEBHOOK_TIMESTAMP,
WEBHOOK_SIGNATURE and WEBHOOK_BODY from the environment; exits 0 when the signature is valid,
1 otherwise. The timestamp tolerance is the library's (5 minutes), so tests that move
Gatehouse's clock far from the real one pass the timestamp check by signing a near-now time."""

import os
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

headers = {
    "webhook-id": os.environ["WEBHOOK_ID"],
    "webhook-timestamp": os.environ["WEBHOOK_TIMESTAMP"],
    "webhook-signature": os.environ["WEBHOOK_SIGNATURE"],
}
try:
    Webhook(os.environ["WEBHOOK_SECRET"]).verify(os.environ["WEBHOOK_BODY"], headers)
except WebhookVerificationError as error:
    print(f"invalid: {error}", file=sys.stderr)
    sys.exit(1)
print("valid")
