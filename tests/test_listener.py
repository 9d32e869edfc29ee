"""The listener's tables (respond/listener.toml) and the {story} slot they echo."""

from __future__ import annotations

import re

import pytest

from empathic.respond import slots
from empathic.respond.composer import LISTENER_PHRASES, phrase_bank

_FAMILIES = ("sadness", "fear", "frustration", "disappointment", "joy", "neutral")


@pytest.mark.parametrize(
    ("said", "echo"),
    [
        ("My dog died last year.", "your dog died last year"),
        (
            "I was really nervous when i went to meet my girl's parents",
            "you were really nervous when you went to meet your girl's parents",
        ),
        ("Yeah, I know. We got the keys to our first flat!", "you got the keys to your first flat"),
        ("I wasn't sure how it could have happened", "you weren't sure how it could have happened"),
        ("I really was shocked by it all", "you really were shocked by it all"),
        (
            "My girlfriend and I were watching a series on Netflix.",
            "your girlfriend and you were watching a series on Netflix",
        ),
        ("I didnt get the part in the play", "you didn't get the part in the play"),
        ("ya i had bruises on my leg", "you had bruises on your leg"),
        ("A dog chased me down the street", "a dog chased you down the street"),
        (
            "i used to take my children to disney world when they were young, we always had a great time",
            "you used to take your children to disney world when they were young",
        ),
        (
            "Sometimes I'm surprised my son is actually my son.",
            "sometimes you're surprised your son is actually your son",
        ),
        (
            "Last week my neighbor began making renovations on his home, and it has been loud",
            "last week your neighbor began making renovations on his home, and it has been loud",
        ),
    ],
)
def test_story_says_the_persons_words_back_in_the_second_person(said, echo):
    assert slots.story(said) == echo


@pytest.mark.parametrize(
    "said",
    [
        "Do you like old family pictures?",  # a question is not the story
        "I agree.",  # a reply to us, nothing to echo
        "I don't think so, but thanks",
        "I dont know",
        "I HATE my stupid landlord",  # shouting and insults are how, not what
        "You lost my parcel",  # said to us: "you lost your parcel" would read wrongly
        'My friend told me "you are late" again',  # quotes do not sit inside a reply
        "I hope so",
        "A printer that causes more trouble than it's worth.",  # a thing, not what happened
        "When strangers would say hello and good morning to me",  # a "when" clause alone is no story
        "Yes",
        # "... and was trying": the verb would not agree once "I" is "you".
        "I was at the library today and was trying to study, but this lady was loud",
    ],
)
def test_story_is_left_empty_when_it_would_not_read_cleanly(said):
    assert slots.story(said) is None


def test_a_long_story_is_cut_where_its_first_clause_ends():
    said = (
        "I went to the store to buy some milk for the kids this morning, and they had run out "
        "of every single brand"
    )
    assert slots.story(said) == "you went to the store to buy some milk for the kids this morning"
    # A cut never leaves a dangling "when ..." head.
    assert (
        slots.story(
            "Years ago when we moved into our home, we found a young kitten that had been "
            "abandoned in the woods behind the shed"
        )
        is None
    )


def test_fill_offers_the_story_with_the_other_echoes():
    assert slots.fill("My sister surprised me with tickets to the show")["story"] == (
        "your sister surprised you with tickets to the show"
    )


def _listener_tables() -> dict[str, dict[str, list[str]]]:
    import tomllib

    with LISTENER_PHRASES.open("rb") as handle:
        return tomllib.load(handle)


def test_listener_tables_have_room_to_vary():
    bank = phrase_bank()
    for table, least in (
        ("personal_reflect", 30),
        ("personal_ask", 20),
        ("personal_acknowledge", 14),
    ):
        for family in _FAMILIES:
            assert len(bank[table][family]) >= least, (table, family)


def test_listener_tables_keep_the_house_style():
    for table, keys in _listener_tables().items():
        for key, templates in keys.items():
            assert len(set(templates)) == len(templates), (table, key)
            openings: dict[str, str] = {}
            for template in templates:
                opening = " ".join(re.findall(r"[a-z']+", template.lower())[:4])
                assert opening not in openings, (table, key, template, openings[opening])
                openings[opening] = template
                assert not re.search(r"[\U0001F300-\U0001FAFF]", template), template
                if "!" in template:
                    assert table == "personal_react" or key in {"joy", "gratitude"}, template
                # The listener has no life of its own and no shop to speak for.
                assert not re.search(
                    r"(?i)\b(?:happened to me too|same (?:thing )?happened to me|when I was|"
                    r"my (?:dog|mom|dad|wife|husband|friend|kids?)|I remember when|order|refund|"
                    r"ticket|I'll (?:look|check|get back))\b",
                    template,
                ), template


def test_story_sits_only_where_a_clause_reads():
    # {story} is a clause ("your dog died"): never the subject of a verb in the template.
    for keys in _listener_tables().values():
        for templates in keys.values():
            for template in templates:
                assert not re.search(r"\{story\}\s+(?:has|have|is|was|must|makes)\b", template)
