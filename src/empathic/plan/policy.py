"""What the planner's rules read a situation with: the family of feeling, whether the fault is
ours, whether the person is telling us about their life, whether a hand-off is due.

The rules themselves are in ``rules.py``; ``planner.py`` applies them in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from empathic.check.content import asks_for_person, mentions_bereavement
from empathic.config import PlanningConfig, TrackingConfig
from empathic.track import facts
from empathic.types import EMPATHY_LEVELS, Plan, Reading, State, TurnSummary

ALWAYS_AVOID = (
    "calm down",
    "i understand exactly how you feel",
    "i know exactly how you feel",
    "as per my last message",
    "it is what it is",
    "no worries",
)
# Strategies the learned model may add, by the ESConv label it predicts.
ESCONV_TO_STRATEGY = {
    "Question": "ask",
    "Restatement or Paraphrasing": "restate",
    "Reflection of feelings": "acknowledge",
    "Self-disclosure": "validate",
    "Affirmation and Reassurance": "reassure",
    "Providing Suggestions": "suggest",
    "Information": "inform",
    "Others": None,
}
# Words that put the fault on our side (a late parcel, a wrong charge): only then apologize.
_OUR_FAULT = (
    "order", "parcel", "package", "delivery", "deliver", "charge", "charged", "refund", "bill",
    "invoice", "broken", "damaged", "wrong", "missing", "late", "delay", "crash", "bug", "error",
    "app", "website", "site", "account", "locked", "cancel", "subscription", "support", "waiting",
    "hold", "agent", "nobody", "no one", "never arrived", "still", "again",
)  # fmt: skip

# Words that tie a conversation to a shop or service. A conversation in which none appears is
# someone telling us about their life (people do tell a support bot that their dog died), and
# gets a listener's reply, not a reference-number request.
_SERVICE = re.compile(
    r"\b(?:(?:doesn'?t|does\s+not|won'?t)\s+let\s+me\s+(?:access|log|sign|use|play|open)|"
    r"(?<!in\s)order(?:s|ed|ing)?|parcel|package|deliver\w*|courier|shipping|shipped|"
    # "honestly just want my money back at this point" got "What did the people close to you
    # say?" (3 of 19,541 EmpatheticDialogues train openings say "money back").
    r"(?:want|need|get)\s+(?:my|our)\s+money\s+back|"
    r"tracking|refund\w*|accounts?|(?:un)?subscri\w+|up\s*load\w*|payment|invoice|billing|"
    r"billed|charged|charges|(?:credit|debit|bank|gift|sim)\s+card|password|log\s*in|login|"
    r"sign\s+in|apps?|website|browser\w*|cache|cookies|incognito|online|checkout|basket|cart|"
    r"items?|products?|screen\s*shots?|replacement|warranty|receipt|voucher|coupon|discount|"
    r"promo(?:s|\s*codes?|tional)?\b|membership|booking|upgrade|download|install\w*|bug|"
    r"glitch|error|"
    # "support my kids" is a life, not a help desk.
    r"devices?|customer\w*|complaint|support(?!\s+(?:my|our|his|her|their|him|them|me|us|"
    r"each)\b)|agent|representative|technician|chat\s*bot|bot|human|operator|"
    r"your\s+(?:company|team|service|store|shop|staff|policy|site|system|forums?|community|"
    r"platform)|you\s+guys|this\s+(?:company|service|shop|store)|"
    # Apps, devices and travel: real customers name the thing, not "your service".
    # "I've actually been a user since ... the deal", "yep it's the default on both !" (TWCS
    # train tweets, answered as stories; in EmpatheticDialogues train speaker turns "user" never
    # occurs, "default" once, "feature" five times).
    r"users?|default|features?|mobile|commercials?|"
    r"spotify|playlists?|songs?|albums?|artists?|roku\w*|chromecast|dev\s+team|developers?|"
    r"premium|stream\w*|podcasts?|shuffle|ios|android|iphones?|ipads?|laptops?|phones?|"
    r"tablets?|pcs?|macs?|macbook|windows|version|update\w*|(?:re)?install\w*|log(?:ging|"
    r"ged)?\s*(?:in|out|back\s+in)|sign\s*out|wi-?fi|bluetooth|speakers?|notifications?|"
    r"on\s+your\s+end|flights?|train|tickets?|seat|luggage|rebook\w*|boarding|store|airlines?|"
    r"airport|planes?|terminal|layover|tarmac|runway|baggage|jetway|stewardess|"
    r"flight\s+attendants?|fares?|carry[- ]?on|check[- ]?in|departed|on\s+hold|"
    r"call\s+volume|specialist|(?:trying|try|tried)\s+to\s+pay\b|"
    # Asked for help, or told what "you" (we) did: addressed to us, not a story.
    r"(?:can|could|will)\s+(?:you|u)\s+(?:please\s+)?help|(?:need|want)\s+your\s+help|"
    r"help\s+me\s+with|your\s+call|ur\s+\w+|cards?|bank|transfer|balance|atm|top\s*up|pin|"
    r"service)\b",
    re.IGNORECASE,
)
# A question about our own life or tastes ("Do you like old family pictures?") opens a chat, not
# a support question. ("delayed" and "cancelled" alone are not service words either: "he
# cancelled our date" is a story.)
_ABOUT_US = re.compile(
    r"^\W*(?:do|did|have|are|would|were)\s+you\s+(?:ever\s+)?(?:like|love|enjoy|ever|have\s+(?:any|a)\b|"
    r"think|prefer|remember|miss|go|play|watch|read|listen)|\bwhat'?s\s+your\s+fav",
    re.I,
)
# An opening question about something of ours ("Is someone using your name?") is for the
# company, whatever the intent model calls it.
_ASKS_ABOUT_YOURS = re.compile(r"\byour\b[^.!?]*\?", re.I)
# "goodbye" (and, in a personal conversation, "request a human") must be said, not guessed: chat
# such as "Yeah me either" or an answer such as "I'm on the newest iOS" reads to the intent model
# like a sign-off.
_CLOSING = re.compile(
    r"\b(?:bye|goodbye|good\s*night|see\s+(?:you|ya)|take\s+care|talk\s+(?:to\s+you\s+)?"
    r"(?:later|soon)|ttyl|have\s+a\s+(?:good|nice|great|lovely)|that'?s\s+(?:all|it)|gotta\s+go|"
    r"got\s+to\s+go|i'?m\s+off|cheers|thanks|thank\s+you)\b",
    re.IGNORECASE,
)
_ASK_HUMAN = re.compile(
    r"\b(?:human|real\s+person|a\s+person|someone\s+real|agent|representative|operator|"
    r"manager|supervisor|staff|speak\s+to|talk\s+to|(?:call|ring|phone)\s+me(?:\s+back)?|"
    r"someone\s+(?:to\s+)?(?:call|ring|phone|contact|email)|live\s+chat)\b",
    re.IGNORECASE,
)

# "Are you a bot?", "is this a real person?", "am I talking to a human?": asked what we are.
_ASKS_IF_BOT = re.compile(
    r"\bare\s+(?:you|u)\s+(?:an?\s+)?(?:real|human|bot|robot|chat\s*bot|ai|machine|computer|"
    r"person|automated)\b|\b(?:is\s+(?:this|it)|am\s+i\s+(?:talking|chatting|speaking|writing)\s+"
    r"(?:to|with))\s+(?:an?\s+)?(?:real\s+person|human(?!\s+error)|bot|robot|chat\s*bot|machine|"
    r"computer|automated|live\s+person|person)\b",
    re.IGNORECASE,
)


def asks_if_bot(text: str) -> bool:
    """The customer asks whether they are talking to a bot or a person."""
    return _ASKS_IF_BOT.search(text) is not None


# What a support agent hears in a customer's words, whatever the intent model says. Real
# customers answer "which phone?" with "iPhone 6s and version 11.1", report that a fix failed with
# "I did both and still stopping...", and say a fix worked with "works like a charm now": the
# intent model, trained on requests, reads the first two as a complaint or a sign-off.
_STILL_BROKEN = re.compile(
    # A bare "It does not." answers "does it work now?"
    r"^\W*(?:no|nope|nah)?\W*(?:it\s+)?(?:doesn'?t|does\s+not|didn'?t|did\s+not)\W*$|"
    # and a bare "Still." or "Still..." answers it too, as does "I even tried that." (a TWCS
    # train tweet that was asked "How have the people around you found it?").
    r"^\W*(?:no|nope|nah)?\W*still\W*$|"
    r"^\W*(?:(?:yes|yeah|yep)\W+)?i\s+(?:even\s+|already\s+|also\s+)?(?:tried\s+(?:that|this|"
    r"those|it|both|everything)|did\s+(?:that|this|those|both|everything))"
    r"(?:\s+(?:already|too|as\s+well|before))?\W*$|"
    r"\bstill\s+(?!works\b)(?:opens|shows|happens|plays|skips|freezes|crashes|loads|asks|says|"
    r"logs|goes|stops|keeps|jumps|won'?t|pausing|buffering|skipping|freezing|lagging|glitching|"
    r"stuttering|failing|hanging|cutting\s+out|dropping|logging\s+me\s+out)\b|"
    r"\b(?:still\s+(?:not|no|nothing|doesn'?t|does\s+not|don'?t|isn'?t|won'?t|can'?t|the\s+same|"
    r"stopping|crashing|broken|happening|getting|having|shows?|only)|"
    r"\b(?:problem|issue|error|it)\s+(?:still\s+)?persists|\btried\W+(?:it\W+)?no\s+(?:luck|results?|change)|"
    # "Have also de/re-installed the app. No avail." (a TWCS train tweet; its nine other train
    # uses all say a fix failed) got no word for it.
    r"\bno\s+avail\b|"
    # "I've looked into that page already", "I already checked with support" (TWCS train tweets;
    # all four train matches say the step did not help).
    r"\balready\s+(?:checked|asked|looked)\b|\b(?:checked|looked\s+into|asked)\b[^.!?]{0,40}\balready\b|"
    r"\bnone\s+of\s+(?:those|these|them|the\s+\w+)\s+(?:\w+\s+)?(?:work\w*|help\w*|appl\w*|allow\w*|fix\w*)|"
    r"(?:didn'?t|did\s+not|doesn'?t|does\s+not|hasn'?t|has\s+not|neither)\s+(?:\w+\s+)?"
    r"(?:work\w*|help\w*|fix\w*|change\w*|solve\w*)|no\s+luck|same\s+(?:problem|issue|thing)|"
    r"(?:already|both)\s+(?:did|done|tried)|(?:i'?ve|i\s+have)\s+(?:already\s+)?(?:done|tried)\s+"
    r"(?:that|this|those|both|it|everything)|did\s+(?:both|that|all|everything)\s+(?:\w+\s+){0,3}"
    r"(?:still|but|and)\b|"
    # "Turned off my antivirus, reinstalled, and still this."; "I just reinstalled Spotify app
    # to see if that helped, but no." (TWCS train tweets, answered with no word for it).
    # "nothing's resolved as of yet", "No, that's not sorted it" (TWCS train tweets).
    r"\bnothing(?:'?s|\s+is|\s+has\s+been|\s+was|\s+got)\s+(?:been\s+)?(?:resolved|fixed|sorted|"
    r"solved)\b|\bnot\s+(?:yet\s+)?(?:been\s+)?(?:resolved|fixed|sorted|solved)\b|"
    r"still\s+(?:this|that)(?=\s*[.!,]|\s*$)|(?:helped|worked|work|help|fixed\s+it)\W+but\s+no\b)",
    re.IGNORECASE,
)
# Something went wrong, in so many words (a request that only names what it wants is not a
# problem report: "I forgot my password, retrieve it" wants the answer, not sympathy).
_PROBLEM = re.compile(
    r"\b(?:not\s+working|doesn'?t\s+work|won'?t|can'?t(?!\s+(?:remember|recall|wait))|cannot|"
    r"couldn'?t|unable|broken|broke|incorrect|ignored|skip\w*|(?:just|need\s+to|should)\s+fix|"
    r"no\s+longer(?!\s+(?:need|require))|lost\s+access|locked\s+out|unfortunately|"
    r"fix\s+the\s+fact|"
    r"keeps?\s+(?:happening|doing|crashing|skipping)|been\s+doing\s+it|all\s+it\s+did|"
    r"crash\w*|error\w*|fail\w*|(?<!anything\sgoes\s)wrong|missing|(?<!no\s)(?<!without\s)(?:issues?|problems?)|"
    r"complain\w*|no\s+(?:sound|"
    r"audio|signal|response|reply|answer)|never\s+(?:arrived|came|got)|charged\s+twice|"
    r"what(?:'?s|\s+is)\s+the\s+point|(?:isn'?t|not)\s+an?\s+(?:answer|response)|"
    r"(?:haven'?t|didn'?t|never)\s+answered|ridiculous|joke|terrible|awful|worst|useless|pathetic|"
    r"unacceptable|disappoint\w*|frustrat\w*|annoy\w*|stop(?:s|ped)?\s+working|freez\w*|"
    r"crack\w*|damag\w*|faulty|defective|leak\w*|torn|stuck|stall\w*|late|delay\w*|lost|declined|locked|"
    r"overcharg\w*|charged|twice|double|duplicate|money\s+back|wast\w+\s+(?:my|our)\s+time|"
    r"tried\s+everything|lip\s+service|go(?:es)?\s+to\s+die|"
    # "just tap on any Queen track and nothing happens" (a TWCS train tweet, asked for an email).
    r"nothing\s+(?:happens|happened|loads|plays|shows\s+up)|does\s+nothing|"
    # "it will click in an out ... Ends up disconnecting" (a TWCS train tweet) got only "Thanks,
    # Samsung Galaxy S8 noted" and a sign-off.
    r"disconnects|(?:keeps?|ends?\s+up)\s+disconnecting|(?:cuts?|drops?)\s+out|"
    r"(?:clicks?|cuts?|goes|going)\s+in\s+(?:and|an|&)\s+out|"
    # "They don't care and neither do you" got only "What would you like the outcome to be?".
    r"(?:don'?t|doesn'?t|do\s+not|does\s+not|never)\s+(?:even\s+|really\s+)?care|nobody\s+cares|"
    # Present tense: "the button doesn't do anything", not "I didn't do anything but update".
    r"(?:doesn'?t|does\s+not|won'?t|will\s+not)\s+do\s+anything|"
    # "your suggestions weren't really that helpful" (a TWCS train tweet, thanked for first).
    r"(?:weren'?t|wasn'?t|were\s+not|was\s+not|isn'?t|aren'?t|not)\s+(?:really\s+|that\s+|very\s+|"
    r"particularly\s+|much\s+|of\s+)*(?:helpful|useful|(?:any\s+|much\s+)?help)\b|"
    r"(?:isn'?t|is\s+not|there'?s\s+no)\s+(?:even\s+)?(?:an?\s+|any\s+)?(?:option|way|button|setting)\b|"
    r"(?:doesn'?t|does\s+not|won'?t|wont|didn'?t)\s+let\s+me\b|"
    # "for many pages it doesn't.", "Its BAD.", "Shame, will switch to Tidal", "my name should
    # be there": failure said without the usual words.
    r"\bit\s+(?:doesn'?t|does\s+not|didn'?t|did\s+not)(?=\s*[.!])|(?<!not\s)(?<!not\stoo\s)\bbad\b|shocked|"
    r"\bshame\b|should\s+(?:be\s+(?:there|showing|working)|show\s+up|appear)|"
    # Leaving us ("will switch to Tidal"), not a change of plan ("switch to the annual plan").
    r"\bswitch(?:ing)?\s+(?:over\s+)?to\s+(?:tidal|apple\s+music|deezer|youtube|amazon|pandora|"
    r"soundcloud|another\s+(?:service|provider|app|company|bank)|a\s+(?:competitor|rival))|"
    r"for\s+nothing|"
    # "Works on iPhone but not on desktop or web player!" (a TWCS train tweet) got "Thanks,
    # iPhone noted. Is there a reference number I can use to find this?".
    r"works?\s+(?:fine\s+|ok\s+|well\s+)?on\s+[^.!?]{1,40}?\bbut\s+not\b|"
    # "Ok I guess I don't want this app then" (a TWCS train tweet) got "Is there a reference
    # number I can use to find this?".
    r"(?:don'?t|do\s+not)\s+want\s+(?:this|the|your)\s+(?:app|service|subscription)\b|"
    # "Thank you! It's a horrible Viceland [ad] as that should not be on family playlists" (a TWCS
    # train tweet) got "Aw, that's lovely to hear!".
    r"horrible|dreadful|appalling|disgusting|offensive|"
    # "Thank you. This is very painful for your biggest users." got "Happy to help with this any
    # time"; "i have to reinstall everytime i want to turn on my computer, which only started
    # happening 2 days ago" got no word for it (TWCS train tweets; every other train match of
    # these describes a fault).
    r"painful|started\s+(?:happening|doing\s+(?:this|that))|"
    # "This is the third time this happened." (a TWCS train tweet; both train matches report a
    # fault) was read as a sign-off.
    r"(?:second|third|fourth|fifth|2nd|3rd|4th|5th)\s+time\s+(?:this|it|that)\s+(?:has\s+)?happen\w*|"
    r"(?:have|had|need)\s+to\s+\w+(?:\s+it)?\s+every\s*time|every\s*time\s+i\s+(?:try|open|start|launch))\b",
    re.IGNORECASE,
)
_RESOLVED = re.compile(
    r"\b(?:(?:it|that|this|everything|all|which|both|now)\s+(?:now\s+|finally\s+|all\s+)?"
    r"(?:works?|worked|is\s+working|seems\s+to\s+(?:be\s+working|work|have\s+worked))\b|"
    r"(?:it'?s|its)\s+(?:now\s+)?working|works?\s+(?:now|again|fine|perfectly|great|like\s+a\s+charm)|"
    # "That did work, thank you so much!" (a TWCS train tweet) got only "It was genuinely my
    # pleasure to sort this out".
    r"(?:that|it|this)\s+did\s+work|"
    # "'Daily Mix' is functioning as expected" (a TWCS train tweet) got "How long has this been
    # happening?".
    r"(?:working|functioning)\s+as\s+(?:expected|normal|usual)|functioning\s+(?:again|fine|normally)|"
    # "I'm home now and it seems to working correctly" (a TWCS train tweet) got "Your
    # frustration is completely reasonable here".
    r"working\s+(?:now|again|fine|correctly|properly|normally)|worked[,!]*\s+(?:thanks|thx|cheers|now)|"
    r"(?:seems|appears)\s+to\s+(?:(?:be\s+)?working|have\s+worked)|did\s+(?:it|the\s+trick)|solved|sorted|fixed|resolved|arrived|"
    # "Cool that seemed to do the trick for now. Whole song, no skip." (a TWCS train tweet) got
    # "That sounds genuinely frustrating".
    r"(?:seems?|seemed|appears?|appeared)\s+to\s+(?:have\s+done|do)\s+the\s+trick|"
    r"turned\s+up|found\s+it|found\s+(?:a|the)\s+(?:fix|solution)|got\s+it\s+(?:back|working)|"
    # "ITS OKAY THANK YOU I HAVE IT NOW", not "I have it now too" (the same problem).
    r"(?:i'?ve|i\s+have)\s+(?:got\s+)?it\s+now(?!\s+(?:too|also|as\s+well))|all\s+good|"
    r"back\s+to\s+normal|(?:seems|looks)\s+(?:to\s+be\s+)?(?:alright|all\s+right|ok|okay|fine)|"
    r"panic\s+over|"
    # "panic over!! I'm logged in and enjoying the tunes once again" (a TWCS train tweet).
    r"(?:i'?m|i\s+am|we'?re)\s+(?:now\s+)?(?:back\s+)?(?:logged|signed)\s+(?:back\s+)?in|"
    r"(?:logged|signed)\s+(?:back\s+)?in\s+(?:now|again|fine)|"
    r"no\s+longer\s+need\s+(?:any\s+)?(?:assistance|help|support)|(?:solves|fixes)\s+(?:my|the|this|that)\s+(?:problem|issue)|"
    # Fixed by someone else: "I actually got one of the people from your team to fix it".
    r"got\s+(?:\w+\s+){1,8}?to\s+fix\s+it)\b",
    re.IGNORECASE,
)
_BUT = re.compile(r"\b(?:but|however|except|instead)\b", re.I)  # "it arrived, but broken"
_SOLVED = re.compile(
    r"\b(?:problem|issue)\s+(?:is\s+)?(?:solved|fixed|resolved|sorted)\b|"
    r"\b(?:solve[sd]?|fixe[sd]|resolve[sd]?|sort(?:s|ed)?)\s+(?:my|the|this|that)\s+(?:problem|issue)\b|"
    # The fault named as gone: "seemed to do the trick for now. Whole song, no skip."
    r"\bno\s+(?:more\s+)?(?:skip\w*|crash\w*|glitch\w*|errors?|lag\w*|buffering|freez\w*)\b",
    re.I,
)
# A negation or a condition shortly before "works" ("I can't get it working", "not fixed yet",
# "I'll let you know if it works").
_NEGATED = re.compile(
    # "Thank you, very much needed nothing's resolved as of yet lol" (a TWCS train tweet) was
    # celebrated as a fix.
    r"(?:\b(?:not|never(?!\s*mind)|no|nothing|neither|nor|without|still|dont|cant|wont|doesnt|didnt|isnt|stop\w*|"
    r"if|whether|once|when|until|hope\w*)\b|n't\b)"
    # "I don't know what I did but it's working now" is not a negation of the fix.
    r"(?!\s+(?:really\s+)?know\s+(?:what|how|why)\b)[^.!?]{0,25}$",
    re.IGNORECASE,
)
_PRAISE = re.compile(
    r"\blove\s+(?:you|u|y'?all|this\s+(?:app|service))\b(?!\s+to\b)|\byou\s+(?:guys\s+)?(?:rock|are\s+"
    r"(?:the\s+best|awesome|amazing|great|stars?))\b|\by'?all\s+(?:are\s+)?(?:the\s+(?:best|realest)|"
    r"awesome|amazing)|\breal\s+one\b|\bmvps?\b|"
    r"\b(?:customer\s+)?(?:service|support|team)\s+(?:rocks|rules|is\s+(?:the\s+best|awesome|amazing|"
    r"great|brilliant))\b|"
    # An answer taken well: "Sounds great! Just wanted to bring it to someone's attention."
    r"^\W*(?:(?:that\s+)?sounds|that'?s|that\s+is)\s+(?:great|good|perfect|awesome|brilliant)\b|"
    r"^\W*(?:perfect|awesome|brilliant|excellent)\s*!",
    re.I,
)
# The words of a thank-you ("thanks", "thankssss", "thank u", "tyvm").
# "Thnx", "thnks", "tnx": 26 TWCS train tweets spell it so ("Make it happen thnx bye").
_THANK_WORDS = r"thanks+|thanx|thnx|thnks|tnx|thank\s*(?:you|u)|thx|ty(?:vm|sm)?|cheers"
_THANKS = re.compile(rf"\b(?:{_THANK_WORDS}|appreciate\w*|tack)\b", re.I)
# A thank-you with what it thanks for ("Thanks so much for the quick reply"), cut out of a
# message to see whether anything else was said.
_THANKS_PHRASE = re.compile(
    rf"\b(?:{_THANK_WORDS})(?:\s+(?:so|very)\s+much|\s+a\s+lot|\s+again)?"
    r"(?:\s+for\s+[^.!?,;]*)?",
    re.I,
)
# Thanks for help given close a support exchange, whatever else is said.
_THANKS_FOR_HELP = re.compile(
    r"\bfor\s+(?:all\s+)?(?:your|the|ur)?\s*(?:help\w*|support|assist\w*|quick|fast|prompt|"
    r"repl\w*|response|answer|info\w*|advice|time)\b",
    re.I,
)
# A judgement of what we did, beside thanks (not a problem report: "odd", "a shame").
_CRITICAL = re.compile(
    r"\b(?:odd|strange|weird|a\s+shame|shame\s+(?:that|you)|disappointing|annoying|frustrating|"
    r"ridiculous|unfair|pointless|misleading|confusing|you\s+should(?:n'?t)?|you\s+ought)\b",
    re.I,
)
_HELLO = re.compile(
    r"\b(?:hi|hiya|hello|hey|howdy|greetings|good\s+(?:morning|afternoon|evening|day))\b", re.I
)
_PIECE = re.compile(r"[^.!?,;]+")
# A turn to what matters more ("thanks, but ..."); also where the composer's echo of a problem
# stops (respond/slots.py). "but" after "anything"/"nothing" means "except" ("I didn't do
# anything but update iOS", "I get nothing but errors").
CONTRAST = re.compile(r"(?<!anything\s)(?<!nothing\s)\b(?:but|although|though|however)\b", re.I)
_ASKS_FOR = re.compile(
    r"\?|\b(?:can|could|would)\s+you\b|\b(?:please|provide|give\s+me|send\s+me)\b", re.I
)
# The customer takes the problem back: nothing left to fix, nothing to celebrate.
_RETRACTED = re.compile(
    r"\b(?:never\s*mind|nvm|disregard\s+(?:that|my\s+last)|ignore\s+(?:that|my\s+last)|"
    r"my\s+(?:bad|mistake))\b",
    re.I,
)
# Facts a customer gives when asked "which device / version / order?".
_DETAIL_FACTS = (
    "order_number", "reference", "device", "os", "app_version", "product", "email", "address"
)  # fmt: skip


def _plain(text: str) -> str:
    return text.replace("\u2019", "'")  # "didn’t": phones type the curly apostrophe


# The narrow core of still_broken: a fix that failed, in words a story rarely uses ("I still
# can't believe it" is a story; "still the same", "the problem persists" are not). One such turn
# makes the rest of the conversation support.
_FIX_FAILED = re.compile(
    r"\bstill\s+(?:the\s+same|happening|not\s+working|doesn'?t\s+work)\b|"
    r"\bsame\s+(?:problem|issue|error|message)\b|\bpersists\b|"
    r"\b(?:tried|did)\s+(?:that|this|it)\s*(?:,|and|but)\s+(?:it'?s\s+)?still\b|"
    r"\b(?:didn'?t|did\s+not|doesn'?t|does\s+not)\s+(?:help|fix)\s+(?:it|the\s+(?:problem|issue))\b",
    re.I,
)


# Something the customer did to fix it themselves ("I've done it all", "reinstalled", "no luck").
_TRIED = re.compile(
    r"\b(?:tried|trying|did\s+(?:that|this|it|both|all|everything|the)|done\s+(?:that|this|it|both|"
    r"all|everything)|restart\w*|reinstall\w*|re-?install\w*|reset|cleared|logged\s+out|followed|"
    r"(?:didn'?t|did\s+not|doesn'?t|does\s+not)\s+(?:\w+\s+)?(?:help|work|fix)\w*|none\s+of\s+"
    r"(?:those|these|them)|no\s+luck)\b",
    re.IGNORECASE,
)


def says_tried(text: str) -> bool:
    """The customer says they tried something, or that something did not help."""
    return _TRIED.search(text) is not None


def still_broken(text: str) -> bool:
    """The customer says the fix or the steps did not help ("did that, still not working")."""
    return _STILL_BROKEN.search(_plain(text)) is not None


# Faces a customer adds when something is wrong: ☹ 😞 😟 😠 😡 😢 😤 😩 😫 😭 🙁 🙃 👎.
_UNHAPPY_FACES = re.compile(
    "[\u2639\U0001f61e\U0001f61f\U0001f620\U0001f621\U0001f622\U0001f624"
    "\U0001f629\U0001f62b\U0001f62d\U0001f641\U0001f643\U0001f44e]"
)


# The same typed: ":(", ":'(", ":-(", "D:".
_UNHAPPY_TYPED = re.compile(r"(?:^|\s):'?-?\((?!\w)|(?:^|\s)D:(?:\s|$)")
# Loud crying, which beside thanks is tears of relief.
_TEARS = re.compile("\U0001f62d")  # 😭


def reports_problem(text: str) -> bool:
    """The message says something went wrong, in so many words (or with an unhappy face: with
    thanks, loud crying is tears of relief, "THANK YOU I HAVE IT NOW 😭😭")."""
    text = _plain(text)
    if _NO_ERROR.match(text):
        return False
    faces = _UNHAPPY_FACES.search(_TEARS.sub("", text) if says_thanks(text) else text)
    faces = faces or _UNHAPPY_TYPED.search(text)
    return bool(_PROBLEM.search(text) or faces) or still_broken(text)


# A yes to our question, with no gladness of its own.
_CONFIRMS = re.compile(r"^\W*(?:yes|yep|yeah|yup|yea|correct)\b(?!\W*(?:finally|it\s+work))", re.I)
_GLAD = re.compile(
    r"\b(?:lov\w*|great|awesome|amazing|happy|glad|excited|brilliant|perfect|fantastic|thank\w*|"
    r"finally|yay)\b",
    re.I,
)


def only_confirms(text: str) -> bool:
    """A short yes that answers us ("yep it's the default on both !"), not good news."""
    return (
        _CONFIRMS.search(text) is not None
        and len(text.split()) <= 12
        and _GLAD.search(text) is None
        and not resolved(text)
    )


def resolved(text: str) -> bool:
    """The customer says it works now ("Now works, thanks!", "problem solved"), not negated
    ("still not working", "didn't fix it"), not asked ("is it fixed?"), and not beside a
    problem ("it worked, but now it crashes") unless the problem is what was solved."""
    text = _plain(text)
    if still_broken(text) or "?" in text:
        return False
    if _PROBLEM.search(text) and not _SOLVED.search(text):
        return False
    return any(
        not _NEGATED.search(text[: m.start()]) and not _BUT.search(text[m.end() :])
        for m in _RESOLVED.finditer(text)
    )


# Thanks that close the message: "iPhone SE IOS 11.1 Version 8.4.25.906 Thanks!".
_CLOSING_THANKS = re.compile(rf"(?:{_THANKS_PHRASE.pattern})\W*$", re.I)


def thanks_last(text: str) -> bool:
    """The message ends by thanking us (the thanks are said after everything else)."""
    return _CLOSING_THANKS.search(text.strip()) is not None


def told_of_a_death(turns: Iterable[TurnSummary]) -> bool:
    """Whether any of ``turns`` tells of a death (a person or a pet)."""
    return any(mentions_bereavement(t.text) for t in turns)


def says_thanks(text: str) -> bool:
    """A thank-you in the words ("thanks", "thank u", "cheers", "tack")."""
    return _THANKS.search(text) is not None


_NOT_SORTED_YET = re.compile(
    r"\b(?:i'?ll|i\s+will|going\s+to|gonna|will)\s+(?:\w+\s+)?(?:try|test|give\s+it\s+a)\b|"
    r"\bwill\s+do\b|\b(?:i'?ll|will)\s+let\s+you\s+know\b|\b(?:i\s+)?hope(?:fully)?\b|"
    r"\b(?:i'?ll|i\s+will|we'?ll)\s+see\s+(?:what|how|if|whether)\b|"
    # They sent what we asked for: "Hi, thanks. Just sent you what you asked".
    r"\b(?:just\s+)?(?:sent|dm'?d|messaged)\s+(?:you|it|them|over)\b|\bcheck\s+(?:your|ur)\s+dms?\b",
    re.I,
)


def nothing_sorted_yet(text: str) -> bool:
    """They are about to try what we suggested ("I have not. I'll try that now. Thanks."), or
    hope for what is not there yet ("hope India will be soon in your list"): nothing is sorted
    yet."""
    return _NOT_SORTED_YET.search(_plain(text)) is not None


def says_more_than_thanks(text: str) -> bool:
    """Thanks and then something of their own ("Thank you. I just don't know where to start with
    all of this."): four or more words, outside the thank-you, that neither thank nor praise."""
    rest = _THANKS_PHRASE.sub(",", text)
    return any(
        len(piece.split()) >= 4 and not _THANKS.search(piece) and not _PRAISE.search(piece)
        for piece in _PIECE.findall(rest)
    )


def _courtesy_only(reading: Reading, state: State) -> bool:
    """Thanks or a hello, and nothing of their own. After the opening, thanks with more said
    ("thank you, i was really depending on this promotion") or a "greeting" with no hello in it
    ("yes i have been very fortunate") is chat the intent model misread; an opening thank-you
    ("I'm following the steps you sent me. Thanks.") answers us."""
    if reading.intent not in {"thanks", "greeting"}:
        return False
    if len(state.turns) < 2:  # the opening (the turn being read is already in the state)
        return True
    if reading.intent == "thanks":
        # Thanks for our help close a support exchange, whatever else is said.
        return _THANKS_FOR_HELP.search(reading.text) is not None or not says_more_than_thanks(
            reading.text
        )
    return _HELLO.search(reading.text) is not None


# Thanks, but something is still not done: "thanks, but from that it seems like you have looked
# into it for three years now and still have status 'not right now'" (asked for an order number),
# "Thanks. It says I should have ... but I'm still set as a free user" (TWCS train tweets; every
# train tweet with thanks, then "but" and "still" in one sentence, is a complaint).
_BUT_STILL = re.compile(r"\bbut\b[^.!?]*\bstill\b", re.I)


def criticises(text: str) -> bool:
    """Thanks, then a criticism of what we did: "Thanks for explaining. Just find it odd you list
    release date when it will be unavailable." (it got "It was genuinely my pleasure to sort this
    out"), not "Thanks, weird glitch but it's working fine now"."""
    critical = _CRITICAL.search(text) or _BUT_STILL.search(text)
    return bool(critical) and says_more_than_thanks(text) and not resolved(text)


def thanked(reading: Reading) -> bool:
    """Plain thanks: a thank-you (or praise of us: "I love you guys"), no question, no problem,
    not said sarcastically."""
    text = reading.text
    return (
        (says_thanks(text) or _PRAISE.search(text) is not None)
        and "?" not in text
        and not reports_problem(text)
        and reading.sarcasm_span is None
    )


def gives_details(text: str) -> bool:
    """The message answers "which device, version, order?": it states one of those facts and
    neither asks anything nor reports a problem ("iPhone 6s and version 11.1")."""
    if "?" in text or reports_problem(text) or resolved(text) or len(text.split()) > 40:
        return False
    return any(k in _DETAIL_FACTS for k in facts.extract(text))


_DEFAULT_PLANNING = PlanningConfig()
_DEFAULT_TRACKING = TrackingConfig()


# EmpatheticDialogues emotions of a glad story.
_GLAD_STORY = {
    "grateful": "gratitude",
    **dict.fromkeys(
        ("joyful", "excited", "proud", "impressed", "confident", "content", "hopeful",
         "anticipating", "caring", "faithful", "trusting"),
        "joy",
    ),
}  # fmt: skip


def emotion_family(
    reading: Reading, config: PlanningConfig = _DEFAULT_PLANNING, personal: bool = False
) -> str:
    """The family of feeling the wording should fit. ``personal``: someone is telling us about
    their life (not about us)."""
    if reading.sarcasm_span is not None:
        # "Oh wonderful, the kettle broke AGAIN after two weeks. Just brilliant." is a glad story
        # only to the story-trained head: a complaint naming what went wrong is never one (on
        # 979 glad EmpatheticDialogues valid stories this turns 6 of them to frustration).
        complains = reading.intent == "complaint" and reports_problem(reading.text)
        glad = _glad_story(reading, config) if personal and not complains else None
        if glad:
            # The sarcasm head learnt irony from tweets at brands; on a story about someone's
            # own life it fires on one glad story in five ("We had a pretty fun family
            # vacation"), where the story-trained emotion head is sure of the gladness.
            return glad
        # "Thanks a lot for nothing": the GoEmotions probabilities keep the literal gratitude
        # and joy; the sarcasm head says what was meant.
        return "frustration"
    go = reading.goemotions
    if reading.intent == "thanks" or go.get("gratitude", 0) >= config.gratitude_family:
        return "gratitude"
    if (
        go.get("confusion", 0) >= config.confusion_family
        and reading.valence > config.confusion_max_negative
    ):
        return "confusion"
    if reading.ekman in {"anger", "disgust"}:
        return "frustration"
    if reading.ekman == "fear":
        return "fear"
    if reading.ekman == "sadness":
        if not personal and still_broken(reading.text):
            # "Reinstalled the app, but the problem persists :(" is let down by a fix, not
            # grieving: no "I hope the days ahead feel a little lighter".
            return "disappointment"
        grief = go.get("grief", 0) + reading.ed_probs.get("devastated", 0)
        if personal:
            grief += go.get("sadness", 0)
        # Told to a company, "sad" is mostly a sad answer or a sad face at a delay ("Sorry that
        # is a sad answer ... no response in 6 weeks"): disappointment, unless it is grief.
        return "sadness" if grief >= config.grief_family else "disappointment"
    if reading.ekman == "joy" and reading.valence > config.joy_min_valence:
        if only_confirms(reading.text):
            return "neutral"  # "yep it's the default on both !" answers us; it is no news
        # "Yep it's still the same. Here's a screenshot": never gladness at a failed fix.
        return "disappointment" if not personal and still_broken(reading.text) else "joy"
    if reading.intent == "complaint" or reading.has_cue("repetition"):
        # "Third time I'm asking. Still nothing." reads flat to the models; it is not.
        return (
            "frustration" if reading.intensity >= config.frustration_intensity else "disappointment"
        )
    return "neutral"


_OUR_FAULT_RE = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in _OUR_FAULT) + r")\b", re.I)


def our_fault(reading: Reading) -> bool:
    """A complaint about something we did (a late parcel, a wrong charge): only then apologize."""
    return reading.intent == "complaint" and _OUR_FAULT_RE.search(reading.text) is not None


def uses_prediction(plan: Plan) -> bool:
    """Whether the learned strategy could change ``plan`` (planned without it): only at moderate
    empathy or more, and never over a hand-off or the safety reply."""
    return (
        EMPATHY_LEVELS.index(plan.empathy_level) >= 2
        and not plan.handoff
        and not plan.safety_override
    )


def _glad_story(reading: Reading, config: PlanningConfig) -> str | None:
    """The glad family of a story the EmpatheticDialogues head reads as glad, if it does: the
    glad emotions together, not the top one alone ("content" 0.37 and "joyful" 0.30 is a glad
    story; the top one alone moves with the CPU's int8 arithmetic)."""
    glad = {e: p for e, p in reading.ed_probs.items() if e in _GLAD_STORY}
    if not glad or sum(glad.values()) < config.glad_story:
        return None
    return _GLAD_STORY[max(glad, key=glad.__getitem__)]


def _addressed_to_a_service(reading: Reading, state: State, story_min: float | None) -> bool:
    """The story head reads both this message and the conversation's opening as addressed to a
    shop or service ("imported a video file into premiere pro, but it has no sound????"). The
    opening counts too: a story's later turns ("Yes, it was.") say little on their own."""
    if reading.story is None or story_min is None:
        return False
    opening = _opening_story(reading, state)
    return reading.story < story_min and (opening is None or opening < story_min)


def _opening_story(reading: Reading, state: State) -> float | None:
    """The story head's reading of the conversation's opening (this message when it opens it;
    None where the opening was read without the head)."""
    return state.turns[0].story if state.turns else reading.story


# The story head's probability at which a story is a story whatever its words ("I got a phone
# call from a friend", "got a ticket" when I crossed the street): the word rules' service words
# are overruled only this sure, on the conversation's opening, with the message not against it.
_SURE_STORY = 0.99


def sure_story(reading: Reading, state: State) -> bool:
    """The story head is sure the conversation's opening is a personal story and does not read
    this message as addressed to a service, and neither names one of ours ("Your delivery
    driver threw my parcel over the fence", which the head read as a story at 0.99, got "What
    did the others make of it?")."""
    opening = _opening_story(reading, state)
    told = [reading.text, *(t.text for t in state.turns[:1])]
    return (
        opening is not None
        and reading.story is not None
        and opening >= _SURE_STORY
        and reading.story >= 0.5
        and not any(_YOUR_SERVICE.search(t) for t in told)
    )


# "Your driver", "your app", "your customer service": said to a company. No EmpatheticDialogues
# train story opens with one (0 of 19,541).
_YOUR_SERVICE = re.compile(
    r"\byour\s+(?:\w+\s+)?(?:driver|delivery|courier|app|service|website|site|staff|team|company|"
    r"shop|store|product|customer\s+service|support|agent|employee|policy|prices?)\b",
    re.I,
)


def personal_story(
    reading: Reading,
    state: State,
    knowledge: tuple[str, ...] = (),
    story_min: float | None = None,
) -> bool:
    """Whether the person is telling us about their life: nothing in the conversation so far is
    about a shop or service and nothing was found in the knowledge base. A question opens a
    conversation as a support question; asked inside a personal one ("Do you like old family
    pictures?") it is part of the chat. ``story_min``: the story head's threshold (None: the
    word rules alone)."""
    if knowledge or _courtesy_only(reading, state):
        return False
    opening = len(state.turns) < 2 and not _ABOUT_US.search(reading.text)
    # A "question" with no question mark that the story head is sure is a story ("I planted a
    # whole bunch of flower bushes this year.") is the intent model's misreading.
    asked = reading.intent == "question" and ("?" in reading.text or not sure_story(reading, state))
    if opening and (asked or _ASKS_ABOUT_YOURS.search(reading.text)):
        return False
    if opening and (len(reading.text.split()) < 4 or still_broken(reading.text)):
        # "Done", "Twitter", "Tried that and still have the same problem.": no story to
        # listen to, and an opening that says our fix failed is about us.
        return False
    if len(state.turns) > 1 and state.turns[0].intent == "thanks":
        return False  # a conversation opened by thanking us follows up on our help
    if len(state.turns) > 1 and _asked_us(state.turns[0]):
        # "The blender is too loud, is that normal?" then "it's the Harbor 500 model" got "It's
        # always nice to hear how things are going": a conversation opened by a question to us
        # goes on as support.
        return False
    if any(_FIX_FAILED.search(t.text) for t in state.turns):
        return False  # "still the same" once: a support conversation from then on
    if _addressed_to_a_service(reading, state, story_min):
        return False
    texts = [reading.text, *(t.text for t in state.turns)]
    return sure_story(reading, state) or not any(_SERVICE.search(_plain(t)) for t in texts)


_ASKED_US_STORY = 0.3  # "The blender is too loud, is that normal?" reads 0.18


def _asked_us(turn: TurnSummary) -> bool:
    """The turn asks us something ("is that normal?"), not the listener about their life ("Have
    you ever been to Las Vegas?", "Can you believe ...?": EmpatheticDialogues openings, which the
    story head reads at 0.45 or more, all but three of 34 in the valid split)."""
    return (
        turn.intent == "question"
        and (turn.story is None or turn.story < _ASKED_US_STORY)
        and turn.text.rstrip().endswith("?")
        and not _ABOUT_US.search(turn.text)
        and not re.search(
            r"\b(?:can|could)\s+you\s+believe\b|\bhave\s+you\s+ever\b", turn.text, re.I
        )
    )


_HELP_AWAITED = re.compile(
    r"\bthanks?\s+(?:you\s+)?in\s+advance\b|\bhope\s+you\s+(?:can|could|will)\s+help\b", re.I
)


# "No error messages." answers "do you see an error?": the message is the absence of one (TWCS
# train tweets; "No, I do not get any error messages." got "I can see how frustrating it is that
# you do not get any error messages" and an apology).
_NO_ERROR = re.compile(
    r"^\W*(?:(?:no|nope|nah)\b\W*)?(?:i\s+)?(?:do\s+not|don'?t|didn'?t|did\s+not)?\s*"
    r"(?:get|see|have|got)?\s*(?:any\s+|no\s+)?error\s+(?:messages?|codes?|pop-?ups?)"
    r"(?:\s+(?:at\s+all|so\s+far|either|whatsoever|come\s+up|appear|show\s+up))?\W*$",
    re.I,
)


def intent_said(reading: Reading, personal: bool) -> str:
    """The intent the plan answers: a sign-off is taken only when it is said, and a request for
    a human in a personal conversation too; a report that the fix did not work is a complaint,
    whatever the intent model made of it."""
    intent = reading.intent
    if (personal and intent in {"thanks", "greeting"}) or _NO_ERROR.match(_plain(reading.text)):
        # Inside a personal story, thanks or a hello with more said (personal_story) is the
        # story going on: "Thank you! I have so many fun games planned". "No error messages."
        # answers our question.
        return "other"
    # "is there a phone number?", "help me speak with a person"; with thanks only when asked for
    # ("I'd appreciate it if you could give me a phone number"), not when one was given.
    if (
        not personal
        and intent != "request_human"
        and asks_for_person(reading.text)
        and (intent != "thanks" or _ASKS_FOR.search(reading.text))
    ):
        return "request_human"
    if _HELP_AWAITED.search(reading.text) and not personal:
        # "my name should be there. Thanks in advance! Hope you can help me": thanks for help
        # not given yet close nothing.
        return "complaint" if reports_problem(reading.text) else "question"
    if _RETRACTED.search(reading.text) and not re.search(r"\?|!!|\bthank", reading.text, re.I):
        return "goodbye"  # "Turns out it's my headphones. Never mind!"
    if intent == "thanks":
        meant = _behind_thanks(reading)
        if meant is not None:
            return meant
    if (
        intent in {"goodbye", "thanks", "other", "greeting"}
        or (intent == "venting" and not personal)
    ) and still_broken(reading.text):
        return "complaint"  # "Hello! I did as you said and it still only shows 3": not a hello
    if (
        intent == "other"
        and (reports_problem(reading.text) or (not personal and _rolls_eyes(reading)))
    ) or (intent == "thanks" and criticises(reading.text)):
        # "You must think I'm stupid. I know you CAN retrieve this info", an eye-roll; thanks with
        # a criticism
        return "complaint"
    if intent not in {"thanks", "goodbye", "request_human", "good_news"} and thanked(reading):
        return "thanks"  # "Brilliant thanks 😊" after a long thread is not a complaint
    if intent == "goodbye" and not _CLOSING.search(reading.text):
        # A sign-off is said, not guessed: "I'm using the newest version of iOS" is an answer,
        # "I love you for that tweet" is thanks, and so is "Will try that in a bit. Can't
        # reboot at the moment. :) tyvm".
        if thanked(reading) or (
            says_thanks(reading.text)
            and nothing_sorted_yet(reading.text)
            and "?" not in reading.text
        ):
            return "thanks"
        if _aggrieved(reading) or reports_problem(reading.text):
            # "And I'm sure my concerns will be ignored", "some songs can't be played so I need
            # to restart 10 times": not a farewell.
            return "complaint"
        return "question" if "?" in reading.text else "other"
    if intent == "request_human" and not (
        _ASK_HUMAN.search(reading.text) or asks_for_person(reading.text)
    ):
        # "I need to return an item, can you help me with that?" asks for help, not a person.
        if personal:
            return "other"
        return "complaint" if reports_problem(reading.text) else "question"
    return intent


def _rolls_eyes(reading: Reading) -> bool:
    """Said with an eye-roll or another sarcasm cue, and negative: "Oh, I'm so sure 🙄" (a TWCS
    train tweet) after a complaint about deals got "How long has this been happening?"; it is
    the complaint going on. (The sarcasm head alone also reads a curt "Sure." or "Yes, at random
    moments" as irony, so the cue is needed.)"""
    return (
        reading.has_cue("sarcasm_hint") and reading.sarcasm_span is not None and reading.valence < 0
    )


def _behind_thanks(reading: Reading) -> str | None:
    """What a message the intent model reads as thanks is about, when it is more than thanks
    (None when the thanks are the message)."""
    text = reading.text
    if reports_problem(text) and not resolved(text):
        return "complaint"  # "Thanks. But the 10k limit is ridiculous": thanks are not the point
    if not says_more_than_thanks(text):
        return None
    if nothing_sorted_yet(text) and "?" not in text and not _aggrieved(reading):
        # "Thanks, I've opened a ticket with them so I'll see what they come back with": a
        # sign-off while they wait on something else.
        return None
    if gives_details(text):
        return "other"  # "Thanks. It's a Samsung galaxy S6.": the details are the message
    if "?" in text:
        return "question"  # "Thank you, lets hope so! Could you please notify me if ...?"
    contrast = CONTRAST.search(text)
    if contrast:
        if _aggrieved(reading) or criticises(text):
            return "complaint"
        if _THANKS_FOR_HELP.search(text, contrast.end()):
            # "would do but I'm in the car, I'll try soon though, thank you for your help": the
            # thanks close the message.
            return None
        # "I appreciate the response, although none of these suggestions apply to me": the
        # thanks are politeness, what follows "although" is the message.
        return "other"
    return None


def _aggrieved(reading: Reading) -> bool:
    """The sentiment head reads the message as mostly negative: a grievance, not a farewell."""
    negative = reading.sentiment.get("negative", 0.0)
    return negative >= 0.5 and negative == max(reading.sentiment.values())


def handoff_reason(
    reading: Reading,
    state: State,
    intent: str | None = None,
    planning: PlanningConfig = _DEFAULT_PLANNING,
    tracking: TrackingConfig = _DEFAULT_TRACKING,
) -> str | None:
    """Why this turn should go to a person, or None: a crisis, a request, escalation for
    consecutive turns, or the same problem coming back unresolved."""
    if reading.crisis is not None:
        return f"crisis: {reading.crisis.kind}"
    if state.handoff == "raised":
        return None  # already with a human; do not raise it twice
    if (intent or reading.intent) == "request_human":
        return "asked for a human"
    escalated = state.escalated_turns >= planning.handoff_escalated_turns
    unresolved = state.unresolved >= planning.handoff_unresolved
    if (escalated or unresolved) and gives_details(reading.text):
        # A customer answering "which phone, which version?" is working with us: the turns
        # before are not a reason to hand them off on this one.
        return None
    if escalated:
        return f"escalation above {tracking.escalation_threshold} for {state.escalated_turns} turns"
    if unresolved:
        return f"same issue unresolved {state.unresolved} times"
    return None
