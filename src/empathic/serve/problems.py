"""Errors as ``application/problem+json`` (RFC 9457), each with a message a developer can act on."""

from __future__ import annotations

import json

from starlette.responses import Response

PROBLEM_TYPES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "rate-limited",
    431: "headers-too-large",
    500: "internal-error",
    502: "upstream-error",
    503: "store-unavailable",
}
TITLES = {
    400: "Bad request",
    401: "API key missing or not valid",
    403: "Not allowed for this role",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Rate limit exceeded",
    431: "Request headers too large",
    500: "Internal error",
    502: "Upstream error",
    503: "Service unavailable",
}


def problem(
    status: int,
    detail: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra,
) -> Response:
    body = {
        "type": f"/problems/{PROBLEM_TYPES.get(status, 'error')}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    # OpenAI's error shape too, so OpenAI clients show the detail in their exceptions.
    body["error"] = {"message": detail, "type": PROBLEM_TYPES.get(status, "error"), "code": status}
    return Response(
        json.dumps(body), status_code=status, media_type="application/problem+json",
        headers=headers,
    )  # fmt: skip
