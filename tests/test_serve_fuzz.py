"""Fuzzing (issue 17): Schemathesis against the OpenAPI schema (a bounded number of examples per
operation, derandomized so CI is repeatable) and Hypothesis over the text-handling functions.
The bar is zero server errors: whatever a client sends is a 2xx or a 4xx."""

from __future__ import annotations

import unicodedata

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from serve_support import database_url

from empathic.check.guard import guard
from empathic.engine import Engine
from empathic.serve import Settings, create_app
from empathic.serve.api import clean_text
from empathic.serve.openai_compat import fingerprint
from empathic.store import ID_PATTERN

EXAMPLES_PER_OPERATION = 40
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture(scope="module")
def fuzz_app(engine, tmp_path_factory):
    url = database_url("sqlite", tmp_path_factory.mktemp("fuzz"))
    return create_app(Settings(db_url=url, open=True, rate_limit=0),
                      engine=Engine(engine.perceiver, knowledge="demo"))  # fmt: skip


def test_no_request_gets_a_server_error(fuzz_app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @FUZZ
        def call(case) -> None:
            response = case.call()
            case.validate_response(response, checks=[not_a_server_error])

        call()


# -- Hypothesis over the text handling ------------------------------------------------------

SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)


@given(st.text())
@settings(max_examples=300, deadline=None, database=None)
def test_clean_text_is_normalised_printable_and_stable(text):
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        with pytest.raises(ValueError):
            clean_text(text)
        return
    cleaned = clean_text(text)
    assert unicodedata.is_normalized("NFC", cleaned)
    assert all(c in "\t\n\r" or not (ord(c) < 32 or 0x7F <= ord(c) < 0xA0) for c in cleaned)
    assert clean_text(cleaned) == cleaned
    cleaned.encode("utf-8")  # storable and sendable as UTF-8


@given(st.text(), SURROGATE, st.text())
@settings(max_examples=100, deadline=None, database=None)
def test_a_lone_surrogate_anywhere_is_refused(before, surrogate, after):
    with pytest.raises(ValueError, match="surrogate"):
        clean_text(before + surrogate + after)


@given(st.text(max_size=3000), st.integers(min_value=80, max_value=5000))
@settings(max_examples=200, deadline=None, database=None)
def test_the_guard_never_fails_and_caps_length(text, cap):
    result = guard(text, None, "cnry-0123456789abcdef", cap)
    if len(text) > cap:
        assert "length" in result.failures
    assert result.passed == (not result.failures)


@given(st.lists(st.tuples(st.sampled_from(["user", "assistant"]), st.text()), max_size=8))
@settings(max_examples=200, deadline=None, database=None)
def test_fingerprints_take_any_text(messages):
    cleaned = [(role, t) for role, t in messages if not any(0xD800 <= ord(c) <= 0xDFFF for c in t)]
    assert len(fingerprint(cleaned)) == 64


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None, database=None)
def test_conversation_ids_are_plain(text):
    if ID_PATTERN.fullmatch(text):
        assert "/" not in text and "\x00" not in text and len(text) <= 128 and text.isascii()
