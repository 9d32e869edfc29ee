"""Slot values for the phrase bank, taken from what the person said.

{thing}: the object of the conversation ("your order"); {issue}: what went wrong, turned to the
second person ("your parcel still hasn't arrived"); {event}: the good news ("you got the job").
A slot is left empty when the words do not fit cleanly: a template without slots is better than a
garbled echo.
"""

from __future__ import annotations

import re

from empathic.plan.policy import CONTRAST

_THINGS = (
    "order", "parcel", "package", "delivery", "refund", "account", "subscription", "card",
    "payment", "password", "invoice", "bill", "booking", "flight", "phone", "plan", "laptop",
    "item", "return", "replacement", "money", "app", "login", "claim", "ticket",
)  # fmt: skip
_THING = re.compile(r"\b(?:my|our|the)\s+((?:new\s+)?(?:" + "|".join(_THINGS) + r"))\b", re.I)
_SWAP = {
    "i": "you", "i'm": "you're", "im": "you're", "i've": "you've", "ive": "you've", "i'd": "you'd",
    "i'll": "you'll", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
    "we": "you", "our": "your", "us": "you", "we're": "you're", "we've": "you've",
    "ourselves": "yourselves",
}  # fmt: skip
# Contractions typed without their apostrophe, put back before the words are echoed.
_APOSTROPHES = {
    "dont": "don't", "didnt": "didn't", "cant": "can't", "couldnt": "couldn't", "wont": "won't",
    "wasnt": "wasn't", "werent": "weren't", "isnt": "isn't", "arent": "aren't", "havent": "haven't",
    "hasnt": "hasn't", "hadnt": "hadn't", "doesnt": "doesn't", "wouldnt": "wouldn't",
    "shouldnt": "shouldn't", "thats": "that's", "ive": "i've", "im": "i'm",
}  # fmt: skip
# A sentence: up to a full stop, "?", "!" or a line break, but not the point inside a number
# ("I was charged €12.99" was echoed as "you were charged €12").
_SENTENCE = re.compile(r"(?:[^.!?\n]|(?<=\d)\.(?=\d))+")
_OPENERS = re.compile(
    r"^(?:hi|hello|hey|ok|okay|so|well|ugh|omg|wow|yes|yeah|yep|yup|no|nope|oh|ah|lol|haha|"
    r"honestly|anyway|yay|guess what|great news|good news)"
    r"\b[,!.:\s-]*",
    re.I,
)


def thing(text: str) -> str | None:
    match = _THING.search(text)
    return f"your {match.group(1).lower()}" if match else None


# Verbs that follow "I" and change with "you".
_AGREE = {"was": "were", "am": "are", "wasn't": "weren't"}


def _second_person(clause: str) -> str:
    """First person turned to second, verbs agreeing: "I was" -> "you were", "I wasn't" ->
    "you weren't", "I really was" -> "you really were"; contractions typed without their
    apostrophe are put back first ("dont" -> "don't")."""
    words = [_APOSTROPHES.get(w.lower(), w) for w in clause.split()]
    out = []
    for i, word in enumerate(words):
        bare = word.lower().strip(",;:")
        after_i = (i and words[i - 1].lower() == "i") or (
            i > 1 and words[i - 2].lower() == "i" and words[i - 1].lower().endswith("ly")
        )
        if bare in _AGREE and after_i:
            out.append(_AGREE[bare] + word[len(word.rstrip(",;:")) :])
        elif bare in _SWAP:
            out.append(_SWAP[bare] + word[len(word.rstrip(",;:")) :])
        else:
            out.append(word)
    return " ".join(out)


# Faces and emoji closing a clause are how it was said, not what happened: echoed back
# mid-sentence they read oddly ("Glad to hear you're enjoying the tunes once again 😎, and ...").
_TRAILING_FACES = re.compile(
    r"(?:\s*(?:[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200d]|[:;]-?[()DPp/\\|]|<3))+\s*$"
)


def _clause(text: str, max_words: int = 14) -> str | None:
    for piece in _SENTENCE.findall(text):
        piece = _TRAILING_FACES.sub("", _OPENERS.sub("", piece.strip())).strip(" ,-")
        words = piece.split()
        if (
            3 <= len(words) <= max_words
            and not piece.isupper()
            and re.match(r"(?i)(?:i|my|we|our|the|your|it)\b", piece)
        ):
            return piece
    return None


# Shouting and insults are how the person said it, not what went wrong: echoed back they read as
# mockery ("... that you've had ENOUGH of this stupid bot").
_SHOUTED = re.compile(r"\b[A-Z]{3,}\b")  # an acronym ("DHL") only costs the echo
_INSULT = re.compile(
    r"\b(?:stupid|useless|idiot\w*|pathetic|dumb|rubbish|crap\w*|bloody|damn\w*|f+u+c+k\w*|"
    r"sh[i1]t\w*|hell)\b",
    re.IGNORECASE,
)


# The template says the feeling; a clause that says it again doubles it ("Of course you're sad
# that you feel really sad because ...").
_OWN_FEELING = re.compile(
    r"\b(?:feel|feels|felt|feeling)\b|\b(?:i'?m|i\s+am|i\s+was|we're|we\s+are|we\s+were)\s+"
    r"(?:so\s+|really\s+|very\s+|just\s+|a\s+bit\s+)?(?:sad|happy|glad|upset|angry|mad|annoyed|"
    r"scared|afraid|worried|anxious|excited|proud|disappointed|frustrated|nervous|thrilled)\b",
    re.I,
)
# Words that carry no story of their own: a clause of nothing else ("I hope so", "I think so")
# says nothing to echo.
_LIGHT = frozenset((
    "i", "i'm", "im", "i've", "i'd", "i'll", "me", "my", "we", "our", "us", "it", "it's", "its",
    "the", "a", "an", "and", "or", "but", "so", "to", "of", "in", "on", "at", "for", "with", "that",
    "this", "is", "are", "was", "were", "be", "been", "am", "do", "did", "does", "have", "has",
    "had", "just", "really", "very", "not", "no", "think", "hope", "guess", "know", "suppose",
    "too", "also", "well", "yes", "yeah",
))  # fmt: skip


def _weighty(clause: str) -> list[str]:
    """The words of ``clause`` that carry something of its own (not in _LIGHT)."""
    return [w for w in re.findall(r"[a-z0-9']+", clause.lower()) if w not in _LIGHT]


def _reads_cleanly(clause: str) -> bool:
    return bool(_weighty(clause)) and not _OWN_FEELING.search(clause)


# An {issue} says what went wrong: a clause without a word of trouble is a detail or a request
# ("... that you have a Google Pixel XL", "... that you forgot your password, retrieve it").
_TROUBLE = re.compile(
    r"\b(?:not|no|never|nothing|n't|wrong|broke\w*|lost|late|delay\w*|cancel+ed|crash\w*|"
    r"fail\w*|error\w*|missing|stuck|charged|declined|locked|damaged|faulty|stopped|"
    r"disappeared|gone|postponed|overcharged|scar\w+|awful|terrible|horrible|bad|worse|worst|"
    r"hard|sad|hurt\w*|sick|ill|died|dead|passed|fell|fired|dumped|left|rude|ignored|cheated)\b|"
    r"n't\b",
    re.I,
)
# A request, a placeholder or a version string is not something to echo back.
_NOT_AN_ISSUE = re.compile(
    r"\b(?:please|pls|plz|retrieve|request|help|can\s+(?:i|you)|could\s+you|want|need|"
    r"already|tried|did\s+(?:that|this|both)|done\s+(?:that|this))\b|"
    # A concession is not the problem: "I know it's not possible" was said back as "It's
    # understandably irritating that you know it's not possible".
    r"^\s*i\s+(?:know|understand|reali[sz]e|get\s+(?:it|that)|appreciate)\b|"
    # An error that is not there: "No, I do not get any error messages" got "When did you first
    # notice that you do not get any error messages?".
    r"\b(?:no|any)\s+error\b|"
    # A verb left without its object: "It didn't solve" was said back as "when you realised it
    # didn't solve".
    r"\b(?:solve|fix|help)\W*$|"
    r"__\w+__|\d+\.\d+|[:;]-?[\\/()|]",
    re.I,
)


def issue(text: str) -> str | None:
    """The problem as a second-person clause, or None when it would not read cleanly."""
    if "?" in text:
        return None
    clause = _clause(text.replace("\u2019", "'"))
    contrast = CONTRAST.search(clause) if clause is not None else None
    if clause is not None and contrast is not None:
        # What comes after "but" is not the problem: "I can't remove the battery, but let me
        # try it" was said back as "you can't remove the battery, but let you try it".
        clause = clause[: contrast.start()].rstrip(" ,")
        if len(clause.split()) < 3:
            return None
    if clause is None or re.search(r"\b(?:you|your|you're)\b", clause, re.I):
        return None  # "you lost my parcel" would become "you lost your parcel": skip
    if not _TROUBLE.search(clause) or _NOT_AN_ISSUE.search(clause):
        return None
    if _SHOUTED.search(clause) or _INSULT.search(clause) or not _reads_cleanly(clause):
        return None
    swapped = _second_person(clause)
    return swapped[0].lower() + swapped[1:]


# "I'm so happy, I got the job": the feeling is said by the template, the event is the rest.
_FEELING_LEAD = re.compile(
    r"^(?:i'?m|i\s+am)\s+(?:so\s+|really\s+|very\s+|just\s+)?(?:happy|glad|excited|thrilled|"
    r"delighted|pleased|relieved)(?:\s+(?:that|because))?[,!:\s-]+(?=(?:i|my|we|our)\b)",
    re.I,
)


# Thanks inside the clause ("I will, thanks for the help"), a thread marker ("[1/2]") or a
# placeholder: echoed as news they read as "Glad to hear you will, thanks for the help".
_NOT_AN_EVENT = re.compile(
    r"\b(?:thanks?|thank\s+you|thx|cheers|appreciate\w*)\b|\[\d+/\d+\]|__\w+__", re.I
)


def event(text: str) -> str | None:
    clause = _clause(_FEELING_LEAD.sub("", _OPENERS.sub("", text.strip())))
    if clause is None or not re.match(r"(?i)(?:i|my|we|our)\b", clause):
        return None
    if not _reads_cleanly(clause) or _NOT_AN_EVENT.search(clause):
        return None
    swapped = _second_person(clause)
    return swapped[0].lower() + swapped[1:]


def fill(text: str) -> dict[str, str]:
    values = {
        "thing": thing(text),
        "issue": issue(text),
        "event": event(text),
        "story": story(text),
    }
    return {k: v for k, v in values.items() if v}


# {story}: what a personal story is about, said back in the second person ("your boyfriend
# cancelled your date last week"): the first plain statement of the message, short, no question,
# no shouting, nothing said to us. The listener's reflections name it to show what was understood.
_STORY_START = re.compile(
    r"(?i)(?:i|i'm|im|i've|i'd|i'll|my|we|we're|we've|our|the|a|an|last|yesterday|today|tonight|"
    r"once|recently|he|she|they|his|her|their|someone|somebody|there|this|for|years|"
    r"back|earlier|lately|growing|one|some|it|sometimes|usually|always|every)\b"
)
# Openers of a reply to the listener, not of a story: "I agree", "I know that's what I meant".
_NOT_A_STORY = re.compile(
    r"(?i)^(?:i|we)\s+(?:agree|know|think|guess|mean|suppose|understand|see|bet|totally|"
    r"definitely|appreciate|thank|wish\s+you|hope\s+so|will|would|wouldn't|could|couldn't|"
    r"(?:do|don't|dont|do\s+not)\s+(?:think|know|feel|mind|care|really|remember)|"
    r"(?:was|am)\s+(?:just\s+)?(?:thinking|wondering|saying|kidding|joking))\b|"
    r"^(?:i'm|im|i\s+am)\s+(?:sure|not\s+sure|glad\s+you|sorry|fine|okay|ok|good|well)\b"
)
_STORY_OPENERS = re.compile(
    r"^(?:(?:hi|hello|hey|ok|okay|so|well|ugh|omg|wow|yes|yeah|yep|yup|no|nope|oh|ah|lol|haha|"
    r"honestly|anyway|yay|guess what|great news|good news|actually|um|umm|and|but|also|then|"
    r"true|right|exactly|sure|definitely|absolutely|indeed|thanks|thank you|i know|i agree|ya|yea|"
    r"yah|man|aw+|hmm+|ha)"
    r"\b[,!.:\s-]*)+",
    re.I,
)
# Marks that do not read well inside a reply sentence: quotes, brackets, lists, links.
_ODD = re.compile(r"[\"()\[\]*#:;/\\@<>|_~=+]|https?|www\.|\.\.|\bu\b|\bur\b")
# Where a long sentence may be cut: before a new clause with a subject of its own.
_CONJUNCTION = re.compile(
    r"(?:,?\s+(?:and|but|so|because)|,)\s+"
    r"(?=(?:i|we|he|she|they|it|my|our|his|her|their|then|this|the|there)\b)",
    re.I,
)
# A head opening on a dependent clause ("years ago when ...") or holding a comma of its own does
# not stand alone once cut; "... to the park when they were young" does.
_DEPENDENT = re.compile(
    r"(?i),|^(?:\S+\s+){0,2}(?:when|after|before|since|if|while|because|although|until)\b"
)
_SUBORDINATE = re.compile(r"(?i)^(?:when|after|before|since|if|while|as|because|although|once)\b")
_SECOND = re.compile(r"(?i)\b(?:you|your|yours|yourself|you're|you've|you'd|you'll|ya|y'all)\b")


def _story_clause(piece: str, max_words: int) -> str | None:
    piece = _TRAILING_FACES.sub("", _STORY_OPENERS.sub("", piece.strip())).strip(" ,-")
    if not _STORY_START.match(piece) or _NOT_A_STORY.match(piece):
        return None
    words = piece.split()
    if len(words) > max_words and not _SUBORDINATE.match(piece):
        # A long sentence is cut where its first clause ends ("..., and then ...").
        for cut in _CONJUNCTION.finditer(piece):
            head = piece[: cut.start()].strip()
            if 5 <= len(head.split()) <= max_words and not _DEPENDENT.search(head):
                piece, words = head, head.split()
                break
    if not 4 <= len(words) <= max_words:
        return None
    return piece


# A clause that opens on a thing ("a printer that ...") says what happened only with a verb of
# its own in it.
_DETERMINER = re.compile(r"(?i)(?:a|an|the|this|some|one)\b")
_FINITE = re.compile(
    r"(?i)\b(?:i|we|he|she|they|is|was|were|are|am|has|had|have|did|does|got|gets|went|goes|came|"
    r"made|took|gave|told|said|ran|left|broke|fell|found|saw|bought|won|lost|\w+ed)\b"
)
# A "was" after "and" once "I" became "you" may have needed "were": such a clause is not echoed.
_UNSURE_VERB = re.compile(r"(?i)\byou\b.*\b(?:and|but|or|then)\s+(?:was|wasn't|am)\b")


def story(text: str, max_words: int = 18) -> str | None:
    """What a personal story is about, in the second person, or None when no sentence of it
    would read cleanly inside a reply ("It sounds like {story}.")."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    for match in re.finditer(r"(?:[^.!?\n]|(?<=\d)\.(?=\d))+([.!?\n]*)", text):
        if "?" in match.group(1):
            continue  # a question is not the story
        clause = _story_clause(match.group(0).rstrip(".!?\n "), max_words)
        if clause is None or clause.isupper() or _ODD.search(clause) or _SECOND.search(clause):
            continue
        if _SHOUTED.search(clause) or _INSULT.search(clause):
            continue
        if len(_weighty(clause)) < 2:
            continue
        swapped = _second_person(clause)
        if _DETERMINER.match(clause) and not _FINITE.search(clause):
            continue  # "a printer that causes more trouble": a thing, not what happened
        if _UNSURE_VERB.search(swapped):
            continue  # "you were at the library and was trying": whose "was" is unclear
        return swapped[0].lower() + swapped[1:]
    return None
