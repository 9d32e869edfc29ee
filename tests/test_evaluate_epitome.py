"""The EPITOME scorer: emotional reactions, interpretations, explorations from (seeker, response)."""

import numpy as np
import pytest

from empathic.evaluate import datasets as ds
from empathic.evaluate.epitome import EpitomeScorer, encode_pairs, load_tokenizer
from empathic.perceive.encoder import artifact

SEEKER = (
    "My dad passed away last month and I can't stop crying. I feel so alone and I don't know "
    "how to keep going."
)


@pytest.fixture(scope="module")
def scorer() -> EpitomeScorer:
    return EpitomeScorer()


def test_emotional_response_gets_strong_emotional_reaction_and_dry_one_none(scorer):
    warm = (
        "I'm so, so sorry for your loss. My heart really goes out to you, that is heartbreaking "
        "and I'm sending you all my love."
    )
    dry = "Probate usually takes six to nine months depending on the state."
    scores = scorer.score([SEEKER, SEEKER], [warm, dry])
    assert scores.levels[0, 0] == 2  # emotional reactions: strong
    assert scores.levels[1, 0] == 0  # none
    assert scores.levels.shape == (2, 3) and scores.probs.shape == (2, 3, 3)
    assert np.allclose(scores.probs.sum(-1), 1, atol=1e-5)


def test_a_question_about_the_seeker_is_an_exploration(scorer):
    asks = "What was your dad like? How have you been coping with the nights since he died?"
    states = "Probate usually takes six to nine months depending on the state."
    levels = scorer.score([SEEKER, SEEKER], [asks, states]).levels
    assert levels[0, 2] >= 1 and levels[1, 2] == 0  # explorations


def test_empty_batch_and_mismatched_lengths(scorer):
    assert scorer.score([], []).levels.shape == (0, 3)
    with pytest.raises(ValueError):
        scorer.score(["a"], [])


def test_pairs_keep_the_response_and_the_end_of_the_seeker_post():
    tokenizer = load_tokenizer(str(artifact("tokenizer.json")))
    seeker = " ".join(f"word{i}" for i in range(400)) + " the very end"
    response = "a short kind reply"
    ((ids, types),) = encode_pairs(tokenizer, [seeker], [response], max_tokens=64)
    assert len(ids) == len(types) == 64
    text = tokenizer.decode(ids)
    assert text.endswith("the very end a short kind reply")
    assert types[-5:] == [1] * 5 and types[-6] == 0 and types[0] == 0  # 4 words + [SEP]


@pytest.mark.skipif(not ds.have_data(), reason="../shared/data not present")
def test_split_is_grouped_by_seeker_post_and_seeded():
    pairs = ds.epitome()
    split = ds.epitome_split(pairs)
    assert sum(len(v) for v in split.values()) == len(pairs) == 3084
    sides = [{p.sp_id for p in split[k]} for k in ("train", "dev", "test")]
    assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
    assert [p.rp_id for p in ds.epitome_split(pairs)["test"]] == [p.rp_id for p in split["test"]]
    assert 0.17 < len(split["test"]) / len(pairs) < 0.23
