"""empathic.config as a user meets it: defaults, environment, a TOML file, their precedence,
clear errors, and thresholds that really change what the engine does."""

import os

import pytest
from typer.testing import CliRunner

from empathic.cli import app
from empathic.config import (
    WORKER_ENV,
    ConfigError,
    EmpathicConfig,
    KnowledgeConfig,
    LLMConfig,
    PerceptionConfig,
    worker_config,
)
from empathic.data import demo_knowledge
from empathic.errors import InputError
from empathic.perceive import Perceiver
from empathic.respond.knowledge import CONFIDENT_MATCH, KnowledgeBase, load_entries
from empathic.respond.llm import ChatClient

# The learned head alone finds this one (no phrase rule matches it): danger 0.9999.
MODEL_ONLY_CRISIS = "I keep standing on the bridge near my house looking down at the water."


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No EMPATHIC_* variable of the machine running the tests leaks into them."""
    for name in list(os.environ):
        if name.upper().startswith("EMPATHIC_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def perceiver() -> Perceiver:
    return Perceiver(config=PerceptionConfig())


def write(tmp_path, text: str):
    path = tmp_path / "empathic.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_the_tuned_values():
    config = EmpathicConfig.load()
    assert config.serving.db_url == "sqlite:///empathic.db"
    assert config.serving.rate_limit == 600 and config.serving.max_body_bytes == 256_000
    assert config.tracking.escalation_threshold == 0.55 and config.tracking.smoothing == 0.6
    assert config.planning.handoff_escalated_turns == 2 and config.planning.handoff_unresolved == 3
    assert config.responding.knowledge.confident_match == CONFIDENT_MATCH == 0.4
    assert config.perception.sentence_gate == 0.003 and config.perception.crisis_threshold is None
    assert config.llm.url is None and config.llm.timeout == 20.0 and config.llm.api_key is None
    assert config.threads is None and config.data_dir is None


def test_nested_environment_names(monkeypatch):
    monkeypatch.setenv("EMPATHIC_SERVING__RATE_LIMIT", "5")
    monkeypatch.setenv("EMPATHIC_PERCEPTION__SENTENCE_GATE", "0.25")
    monkeypatch.setenv("EMPATHIC_RESPONDING__KNOWLEDGE__TOP_K", "4")
    monkeypatch.setenv("EMPATHIC_SERVING__CORS_ORIGINS", '["https://shop.example"]')
    config = EmpathicConfig.load()
    assert config.serving.rate_limit == 5
    assert config.perception.sentence_gate == 0.25
    assert config.responding.knowledge.top_k == 4
    assert config.serving.cors_origins == ["https://shop.example"]


def test_the_flat_names_of_earlier_releases_still_work(monkeypatch, tmp_path):
    monkeypatch.setenv("EMPATHIC_DB_URL", "postgresql://bot@db/empathic")
    monkeypatch.setenv("EMPATHIC_LLM_MODEL", "small-llm")
    monkeypatch.setenv("EMPATHIC_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("EMPATHIC_THREADS", "3")
    monkeypatch.setenv("EMPATHIC_DATA", str(tmp_path))
    config = EmpathicConfig.load()
    assert config.serving.db_url == "postgresql://bot@db/empathic"
    assert config.llm.model == "small-llm"
    assert config.llm.api_key is not None and config.llm.api_key.get_secret_value() == "sk-secret"
    assert "sk-secret" not in repr(config)  # a logged config does not leak the key
    assert config.threads == 3 and config.data_dir == tmp_path


def test_nested_name_wins_over_the_flat_one(monkeypatch):
    monkeypatch.setenv("EMPATHIC_DB_URL", "sqlite:///flat.db")
    monkeypatch.setenv("EMPATHIC_SERVING__DB_URL", "sqlite:///nested.db")
    assert EmpathicConfig.load().serving.db_url == "sqlite:///nested.db"


def test_toml_file_by_path_and_by_environment(monkeypatch, tmp_path):
    path = write(
        tmp_path,
        'threads = 2\n[serving]\nrate_limit = 7\nreports_dir = "out"\n'
        "[planning]\nhandoff_unresolved = 5\n[responding.knowledge]\nconfident_match = 0.5\n",
    )
    for config in (EmpathicConfig.load(path), _with_env(monkeypatch, path)):
        assert config.threads == 2
        assert config.serving.rate_limit == 7 and config.serving.reports_dir == "out"
        assert config.serving.max_batch == 256  # not in the file: the default
        assert config.planning.handoff_unresolved == 5
        assert config.responding.knowledge.confident_match == 0.5


def _with_env(monkeypatch, path) -> EmpathicConfig:
    monkeypatch.setenv("EMPATHIC_CONFIG", str(path))
    return EmpathicConfig.load()


def test_precedence_arguments_over_environment_over_file_over_defaults(monkeypatch, tmp_path):
    path = write(tmp_path, "[serving]\nrate_limit = 7\nmax_batch = 8\nanalyze_threads = 9\n")
    monkeypatch.setenv("EMPATHIC_SERVING__RATE_LIMIT", "70")
    monkeypatch.setenv("EMPATHIC_SERVING__MAX_BATCH", "80")
    config = EmpathicConfig.load(path, serving={"rate_limit": 700})
    assert config.serving.rate_limit == 700  # argument
    assert config.serving.max_batch == 80  # environment over file
    assert config.serving.analyze_threads == 9  # file over default
    assert config.serving.max_body_bytes == 256_000  # default


def test_unknown_key_in_the_file_is_named(tmp_path):
    path = write(tmp_path, "[serving]\nrate_limt = 7\n")
    with pytest.raises(ConfigError, match=r"serving\.rate_limt: unknown setting") as caught:
        EmpathicConfig.load(path)
    assert str(path) in str(caught.value)


def test_unknown_section_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"percepton: unknown setting"):
        EmpathicConfig.load(write(tmp_path, "[percepton]\nsentence_gate = 0.1\n"))


def test_bad_toml_syntax_names_the_file(tmp_path):
    path = write(tmp_path, "[serving\nrate_limit = 7\n")
    with pytest.raises(ConfigError, match="cannot read config file") as caught:
        EmpathicConfig.load(path)
    assert str(path) in str(caught.value)


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        EmpathicConfig.load(tmp_path / "absent.toml")


def test_bad_values_name_the_setting_and_its_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("EMPATHIC_SERVING__RATE_LIMIT", "lots")
    with pytest.raises(
        ConfigError, match=r"serving\.rate_limit \(env EMPATHIC_SERVING__RATE_LIMIT\)"
    ):
        EmpathicConfig.load()
    monkeypatch.delenv("EMPATHIC_SERVING__RATE_LIMIT")
    with pytest.raises(ConfigError, match=r"perception\.opening_weight.*less than or equal to 1"):
        EmpathicConfig.load(write(tmp_path, "[perception]\nopening_weight = 1.5\n"))
    monkeypatch.setenv("EMPATHIC_SERVING__BOGUS", "1")
    with pytest.raises(ConfigError, match=r"serving\.bogus: unknown setting"):
        EmpathicConfig.load()


def test_worker_processes_get_the_same_config_secrets_included(monkeypatch):
    config = EmpathicConfig.load(
        serving={"rate_limit": 3}, llm={"url": "http://llm.local/v1", "api_key": "sk-1"}
    )
    monkeypatch.setenv(WORKER_ENV, config.to_json())
    monkeypatch.setenv("EMPATHIC_SERVING__RATE_LIMIT", "99")  # the parent already merged env
    copy = worker_config()
    assert copy == config
    assert copy.llm.api_key is not None and copy.llm.api_key.get_secret_value() == "sk-1"


def test_crisis_threshold_decides_what_the_learned_head_raises(perceiver):
    assert perceiver.read(MODEL_ONLY_CRISIS).crisis is not None  # the default does raise it
    never = Perceiver(
        perceiver.encoder, perceiver.heads, config=PerceptionConfig(crisis_threshold=1.01)
    )
    assert never.read(MODEL_ONLY_CRISIS).crisis is None
    # The explicit phrase rules do not depend on the head's threshold.
    assert never.read("I want to kill myself tonight.").crisis is not None


def test_perceiver_reads_its_section_from_the_environment(monkeypatch, perceiver):
    monkeypatch.setenv("EMPATHIC_PERCEPTION__MAX_MESSAGE_CHARS", "40")
    short = Perceiver(perceiver.encoder, perceiver.heads)
    assert short.config.max_message_chars == 40
    with pytest.raises(InputError, match="the limit is 40"):
        short.read("This message is a good deal longer than forty characters.")
    assert perceiver.read("This message is a good deal longer than forty characters.")


def test_knowledge_thresholds_change_what_is_found(perceiver):
    entries = load_entries(demo_knowledge())
    kb = KnowledgeBase(entries, config=KnowledgeConfig())
    query = "How long do I have to return an item?"
    assert len(kb.search(query)) == 2
    one = KnowledgeBase(entries, kb.encoder, config=KnowledgeConfig(top_k=1))
    assert [h.entry for h in one.search(query)] == [kb.search(query)[0].entry]
    best = kb.search(query)[0].score
    raised = KnowledgeConfig(min_score=min(best + 0.01, 1.5))
    assert KnowledgeBase(entries, kb.encoder, config=raised).search(query) == []
    words_only = KnowledgeBase(entries, kb.encoder, config=KnowledgeConfig(cosine_weight=0.0))
    assert words_only.search(query)[0].score != pytest.approx(best)
    tentative = KnowledgeBase(entries, kb.encoder, config=KnowledgeConfig(confident_match=0.9))
    assert tentative.confident_match == 0.9


def test_chat_client_takes_what_it_is_not_told_from_the_config():
    client = ChatClient(
        config=LLMConfig(url="http://llm.local", model="m", api_key="k", timeout=3, retries=0)
    )
    try:
        assert client.base_url == "http://llm.local/v1"
        assert (client.model, client.api_key, client.timeout, client.retries) == ("m", "k", 3, 0)
        explicit = ChatClient("http://other", timeout=9, config=LLMConfig(timeout=3))
        assert explicit.timeout == 9
        explicit.close()
    finally:
        client.close()


def test_cli_reports_a_bad_config_file_and_exits_2(tmp_path):
    path = write(tmp_path, "[serving]\nrate_limt = 7\n")
    for command in (["serve"], ["chat"]):
        result = CliRunner().invoke(app, [*command, "--config", str(path)])
        assert result.exit_code == 2, result.output
        assert "rate_limt" in result.output


def test_chat_honours_its_config_file(tmp_path):
    path = write(tmp_path, "[perception]\nmax_message_chars = 30\n")
    result = CliRunner().invoke(
        app,
        ["chat", "--config", str(path), "--no-show-reading"],
        input="This message is longer than thirty characters.\n/quit\n",
    )
    assert result.exit_code == 0, result.output
    assert "the limit is 30" in result.output
