"""Crisis detection: self-harm, harm to others, abuse, medical emergency.

Two detectors, either can raise the signal:

* phrase rules, written for high recall on first-person statements, each with idiom guards
  ("this delay is killing me", "I'm dying to know", "I could kill for a coffee"); they give the
  evidence spans;
* a logistic-regression head on the shared embedding, trained on training/data/crisis.jsonl, for
  indirect wording the rules miss ("everyone would be better off without me").

A false alarm costs an awkward reply and a hand-off; a miss can cost a life. Thresholds are set
for recall first, and the idiom guards keep the false-positive rate down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from empathic.config import PerceptionConfig
from empathic.types import CRISIS_KINDS, CrisisSignal, Span

# The defaults of the perception settings (empathic.config); the names stay for callers.
_DEFAULTS = PerceptionConfig()

_I = r"(?:i|i'm|im|i am|i've|ive|i have|i'll|ill|i will|i'd|id|i was|me|my|myself)"

_PERSON = (
    r"(?:him|her|them|everyone|everybody|people|someone|somebody|my\s+(?:\w+\s+)?(?:ex|wife|"
    r"husband|partner|boyfriend|girlfriend|boss|manager|mother|mom|mum|father|dad|stepdad|stepmom|"
    r"brother|sister|neighbou?r|coworker|co-worker|colleague|landlord|roommate|teacher|son|"
    r"daughter|kids?|baby|family|child)|the\s+(?:guy|man|woman|kid|driver|courier|technician|"
    r"neighbou?r|adjuster|rep|agent)|that\s+(?:guy|man|woman|kid|driver|courier|idiot|bastard|bitch))"
)
_NEAR = r"[^.!?\n]{0,60}"  # within the same sentence, bounded so long inputs stay linear

# Phrase rules by crisis kind: first-person, explicit wording only. Indirect wording is the
# learned head's job; a rule that fires on "my phone is going to die" would hand off a shopper.
_RULES: dict[str, list[str]] = {
    "medical_emergency": [
        r"\b(?:can'?t|cannot|can\s+not|struggling\s+to|hard\s+to)\s+breathe\b"
        r"(?!\s+(?:when|because|from|with)\s+(?:i|laughing|laughter))",
        r"\bchest\s+(?:pain|hurts|tightness|pressure)\b|\bcrushing\s+(?:pain|chest)\b",
        r"\b(?:he|she|they|my\s+\w+)(?:'s|\s+is|\s+was|\s+has|\s+just)?\s+(?:unconscious|"
        r"not\s+breathing|stopped\s+breathing|unresponsive|passed\s+out|collapsed|not\s+moving|"
        r"having\s+a\s+seizure|having\s+a\s+stroke|having\s+a\s+heart\s+attack|choking(?!\s+(?:my|him|her|them|me|us|his|their)\b)|turning\s+blue|"
        r"overdosed|fitting|convulsing)\b",
        r"\b(?:isn'?t|is\s+not|not)\s+(?:breathing|conscious|waking\s+up)\b|"
        # "not responding" is an emergency for a person, not for an app or a phone.
        r"\b(?:he|she|they|baby|dad|mum|mom|father|mother|son|daughter|husband|wife|partner|friend|"
        r"grandma|grandpa|child|kid)(?:'s|\s+is|\s+are|'re)?\s+(?:not|isn'?t|aren'?t)\s+responding\b|"
        r"\bwon'?t\s+wake\s+up\b|\bcan'?t\s+wake\s+(?:him|her|them)\b",
        r"\b(?:i'?m|i\s+am|i\s+think\s+i'?m)\s+having\s+a\s+(?:heart\s+attack|stroke|seizure)\b",
        r"\b(?:anaphyla\w+|allergic\s+reaction)\b"
        + _NEAR
        + r"\b(?:swell\w*|breath\w*|throat|lips)\b",
        r"\b(?:swallowed|drank|ate|has\s+eaten)\s+(?:\w+\s+){0,4}(?:bleach|button\s+batter\w+|batter\w+|"
        r"pills|poison|detergent|chemicals|magnets|cleaning\s+\w+|tablets|medication)\b",
        r"\b(?:bleeding\s+(?:heavily|badly|everywhere|a\s+lot)|won'?t\s+stop\s+bleeding|"
        r"(?:a\s+lot|lots|so\s+much)\s+of\s+blood|heavy\s+bleeding)\b",
        r"\b(?:face|lips|tongue|throat)\s+(?:is\s+|are\s+)?(?:swelling|swollen|closing\s+up|drooping)\b",
        r"\b(?:call(?:ed|ing)?|need|send)\s+(?:an?\s+)?(?:ambulance|paramedics)\b|\bcall(?:ed)?\s+(?:911|999|112)\b",
        r"\bhit\s+(?:his|her|their|my)\s+head\b" + _NEAR + r"\b(?:vomit\w*|throwing\s+up|confused|"
        r"unconscious|bleeding|not\s+making\s+sense)\b",
        r"\bfell\b" + _NEAR + r"\b(?:can'?t\s+get\s+up|hasn'?t\s+moved|all\s+night)\b",
        r"\bbone\s+(?:is\s+)?sticking\s+out\b|\bcan'?t\s+feel\s+(?:his|her|my)\s+(?:legs|arms|face)\b",
        # Stroke signs: one side numb or weak, speech gone wrong.
        r"\b(?:can'?t|cannot)\s+(?:feel|move)\s+(?:the\s+)?(?:left|right|one)\s+side\s+of\s+(?:my|his|her|"
        r"their)\s+(?:body|face)\b|\b(?:my|his|her|their)\s+speech\s+(?:is|went|has\s+gone|sounds)\s+"
        r"(?:all\s+)?(?:weird|strange|slurred|funny|garbled|wrong)\b",
        r"\bworst\s+headache\s+of\s+my\s+life\b",
        # A fire happening now: "my toaster caught fire this morning, the kitchen is full of
        # smoke" got a listener's "Honestly, same, my temper would be wearing thin". Said of a
        # home or an appliance in the present, not a story ("my car caught fire the other day").
        r"\b(?:my|our|the)\s+(?:\w+\s+)?(?:house|home|flat|apartment|kitchen|room|bedroom|"
        r"garage|car|toaster|oven|microwave|kettle|charger|battery|phone|laptop|heater|dryer|"
        r"washer|washing\s+machine|stove|hob|fridge|plug|socket|outlet|cable|appliance|blender|"
        r"fryer)\s+(?:is|are|'s|has\s+just|just)\s+(?:caught\s+fire|on\s+fire|full\s+of\s+smoke)\b|"
        r"\b(?:smoke\s+is|there'?s\s+smoke)\s+(?:everywhere|pouring|coming\s+out)\b",
        r"\bsmell\s+(?:of\s+)?gas\b"
        + _NEAR
        + r"\b(?:dizzy|sick|vomit\w*|headache|throwing\s+up|faint)\b",
        # A bystander's report: "the courier just collapsed on my doorstep".
        r"\b(?:the|a|an|our|this|some)\s+(?:\w+\s+)?(?:man|woman|guy|lady|driver|courier|customer|"
        r"kid|child|boy|girl|baby|person|worker|colleague|coworker|co-worker|neighbou?r|"
        r"delivery\s+(?:guy|man|driver)|cyclist|pedestrian)\s+(?:just\s+|has\s+|suddenly\s+)?"
        r"(?:collapsed|fainted|passed\s+out|is\s+unconscious|stopped\s+breathing|"
        r"(?:is|isn'?t|is\s+not)\s+(?:breathing|moving|responding)|is\s+having\s+a\s+(?:seizure|fit|"
        r"stroke|heart\s+attack)|is\s+choking|got\s+hit\s+by\s+a\s+(?:car|truck|van|bus))\b",
        r"\b(?:someone|somebody)\s+(?:just\s+)?(?:collapsed|fainted|passed\s+out|stopped\s+breathing|"
        r"(?:is|isn'?t)\s+(?:breathing|unconscious|having\s+a\s+(?:seizure|stroke|heart\s+attack)))\b",
        r"\b(?:lips|face|fingers)\s+(?:are\s+|is\s+)?(?:turning|gone|going)\s+(?:blue|grey|gray)\b",
        r"\b(?:slurr\w+\s+(?:his|her|their|my)\s+words|speech\s+is\s+slurred|one\s+side\s+of\s+"
        r"(?:his|her|their|my)\s+(?:face|body)\s+(?:is\s+)?(?:drooping|numb|weak))\b",
        r"\b(?:need|needs|use|used|grab|find)\s+(?:an?\s+|my\s+|his\s+|her\s+)?epi-?pen\b",
        r"\b(?:severe|serious|really\s+bad)\s+(?:burns?|allergic\s+reaction|bleeding)\b",
        r"\b(?:electrocuted|drowning(?!\s+in\s+(?:\w+\s+){0,4}(?:paperwork|work|emails?|debt|bills|"
        r"orders|admin|tasks|messages|requests|notifications|laundry|homework|deadlines|meetings|loans?))|"
        r"bitten\s+by\s+a\s+snake)\b",
        r"\b(?:vomiting|throwing\s+up|coughing\s+up|spitting\s+up|puking\s+up|puking)\s+(?:up\s+)?"
        r"(?:\w+\s+)?blood\b",
        r"\bclutching\s+(?:his|her|their|my)\s+(?:chest|left\s+arm)\b",
        r"\bchest\s+(?:is\s+|feels\s+|'s\s+)?(?:so\s+|really\s+|very\s+)?(?:tight|heavy|crushed|"
        r"like\s+(?:it'?s\s+being\s+crushed|something'?s\s+(?:sitting|crushing)))\b",
        # Hypo- or hyperglycaemia with the symptoms that make it urgent.
        r"\bblood\s+sugar\s+(?:is\s+|'s\s+)?(?:really\s+|very\s+|dangerously\s+|way\s+too\s+|so\s+|"
        r"super\s+)?(?:low|high|crashing|dropping)\b(?=[^\n]{0,80}\b(?:shak\w+|confused|dizzy|"
        r"sweat\w*|faint\w*|pass(?:ing)?\s+out|can'?t\s+think|blurry|slurr\w+|vomit\w*)\b)",
        # Happening now: "I was so hot I thought I was gonna pass out" is a story.
        r"(?<!was\s)(?<!were\s)\b(?:about\s+to|going\s+to|gonna)\s+(?:pass\s+out|faint|black\s+out)\b"
        r"(?!\s+(?:from|of|with)\s+(?:boredom|laughing|laughter|excitement|joy|happiness|hunger))",
    ],
    "self_harm": [
        r"\bsleep\s+and\s+never\s+wake\s+up\b|\bnever\s+wake\s+up\s+again\b",
        r"\bkill(?:ing)?\s+my\s*self\b",
        r"\b(?:end|ending|take|taking)\s+(?:my\s+(?:own\s+)?life|it\s+all)\b",
        r"\b(?:decided|going|want|ready|planning|plan)\s+to\s+end\s+it\b(?!\s+with)",
        r"\bsuicid(?:e|al)\b(?!\s+(?:doors?|squeeze|prevention|rates?|squad|awareness|hotline\s+number\s+for))",
        # "I so want to die", "I either want to die or ...": an adverb between does not soften it.
        r"\bi(?:'m|\s+am|'ve|\s+have)?\s+(?:(?:just|really|already|so|either|honestly|truly|"
        r"literally|sometimes|often|still|kinda|kind\s+of|actually|deeply|desperately|genuinely|"
        r"seriously|badly|totally)\s+){0,3}(?:want|wanna|wish|going|"
        r"planning|ready|decided|deserve)\s+(?:to\s+)?die\b",
        r"\bwish\s+i\s+(?:was|were)\s+(?:dead|never\s+born)\b",
        r"\b(?:ways?|how)\s+to\s+(?:die|end\s+my\s+life|kill\s+myself)\b",
        r"\b(?:don'?t|do\s+not|no\s+longer)\s+(?:want|deserve)\s+to\s+(?:live|be\s+alive|exist|"
        r"wake\s+up|be\s+here\s+anymore)\b",
        r"\b(?:life|living)\s+(?:isn'?t|is\s+not|ain'?t)\s+worth\s+(?:it|living)\b",
        r"\b(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|burned|burnt)\s+my\s*self\b"
        r"(?!\s+(?:shaving|cooking|off\b|on\s+the|with\s+(?:the|your)\s+(?:new\s+)?(?:knife|razor|blade|iron|pan|kettle)))",
        r"\bself[-\s]?harm(?:ing|ed)?\b",
        r"\bbetter\s+off\s+(?:dead|without\s+me)\b",
        r"\bno\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|going\s+on|being\s+alive)\b",
        r"\b(?:took|swallowed|taken)\s+(?:a\s+(?:whole\s+)?bottle\s+of|all\s+(?:of\s+)?my|too\s+many|"
        r"\d+\s+of\s+my)\s+(?:\w+\s+)?(?:pills|tablets|meds|medication|sleeping\s+pills|painkillers|"
        r"antidepressants|paracetamol)\b",
        r"\b(?:i|i've|i\s+have|i'm\s+going\s+to|i'll)\s+(?:just\s+)?overdos(?:e|ed)\b",
        # An attempt told (C-SSRS's highest level, a crisis in the issue's tiers): "Ive attempted
        # Suicide before", "a suicide attempt I made on my 15th birthday", "I sat in kitchen with
        # a knife to my throat". On train rows it matched 12 of 37 C-SSRS attempt users (2 of
        # them flagged at no crisis before) and 18 r/SuicideWatch + r/depression posts, and no
        # RMHD control post, customer tweet, airline tweet or complaint.
        r"\b(?:i|i'?ve|ive|i\s+have|i\s+had|i'?d)\s+(?:(?!never\b|not\b)\w+\s+){0,2}?(?:attempted|"
        r"tried)\s+(?:suicide|to\s+(?:kill|hang|overdose|end|take)\s+(?:myself|my\s+(?:own\s+)?life))\b|"
        r"\bmy\s+(?:\w+\s+)?suicide\s+attempts?\b|\b(?:after|following|had|made)\s+a\s+(?:\w+\s+)?"
        r"suicide\s+attempt\b|\bsuicide\s+attempt\s+i\s+made\b|\bsurvived\s+(?:a|my|two|three|several)\s+"
        r"(?:suicide\s+)?attempts?\b|\b(?:a|the|my)\s+(?:gun|pistol|knife|blade)\s+(?:to|against)\s+"
        r"my\s+(?:own\s+)?(?:head|throat|temple|wrists?)\b",
        r"\b(?:suicide\s+note|my\s+last\s+goodbye|goodbye\s+(?:forever|world|everyone))\b",
        r"\b(?:going\s+to|gonna|about\s+to|want\s+to)\s+jump\s+(?:off|from)\b|"
        r"\bjump(?:ing)?\s+(?:off|from)\s+(?:a|the|this)\s+(?:bridge|roof|building|balcony|cliff)\b|"
        r"\b(?:in\s+front\s+of)\s+(?:a|the)\s+(?:train|bus|truck|lorry)\b",
        r"\bhang(?:ing)?\s+my\s*self\b",
        r"\b(?:want|wnt|wanna|need)\s+(?:it\s+all|everything)\s+(?:to|2)\s+(?:stop|end)\b",
        r"\b(?:got|get|getting|have|had|grabbed)\s+(?:the|my|a)\s+(?:blade|blades|razor|razors)\s+out\b",
        r"\benough\s+(?!(?:of\s+a\s+)?reasons?\b)(?:\w+\s+){0,2}to\s+(?:make\s+it\s+permanent|not\s+wake\s+up|end\s+(?:it|things|my\s+life)|"
        r"kill\s+(?:me|myself)|do\s+it\s+properly)\b",
        r"\b(?:standing|sitting|stood|sat)\s+on\s+(?:the|a|this)\s+(?:edge\s+of\s+the\s+)?(?:bridge|ledge|"
        r"roof|railing|cliff\s+edge|platform\s+edge)\b(?=[^\n]{0,80}\b(?:jump|fall|end|goodbye|let\s+go|"
        r"tell\s+someone)\b)|\bbefore\s+i\s+jump\b",
        r"\ba\s+burden\s+to\s+(?:everyone|everybody|my\s+family|them\s+all)\b",
        r"\buntil\s+(?:it|i)\s+bleeds?\b",
        r"\b(?:don'?t|do\s+not|can'?t|cannot|no\s+longer)\s+see\s+(?:the\s+|any\s+)?point\s+(?:in|of)\s+"
        r"(?:living|going\s+on|carrying\s+on|being\s+(?:alive|here)|life|anything\s+anymore)\b",
        r"\b(?:everyone|everybody|my\s+(?:family|kids|wife|husband|partner|parents))\s+(?:would|will|'d)\s+"
        r"be\s+(?:better\s+off|happier|fine)\s+(?:if\s+i\s+(?:was|were|wasn'?t|weren'?t)\s+"
        r"(?:gone|dead|not\s+here|around|here)|without\s+me)\b",
        r"\b(?:thinking|thought|think)\s+(?:about|of)\s+(?:ending\s+(?:it|things|everything|my\s+life)"
        r"(?!\s+with)|killing\s+myself|suicide|not\s+being\s+(?:alive|here|around))\b",
        r"\b(?:slit|cut|cutting|slash\w*)\s+(?:my\s+)?wrists?\b|\b(?:bought|got|tied|have)\s+(?:a\s+)?"
        r"(?:rope|noose)\b(?=[^.!?\n]{0,60}\b(?:myself|neck|end|tonight|hang)\b)|\bnoose\b",
        r"\b(?:stockpil\w+|sav(?:ed|ing)\s+up|hoard\w*|collecting)\s+(?:my\s+|all\s+(?:my\s+)?)?"
        r"(?:pills|tablets|meds|medication|painkillers|sleeping\s+pills)\b",
        r"\b(?:giving|gave|give)\s+away\s+(?:all\s+)?(?:my|of\s+my)\s+(?:things|stuff|belongings|"
        r"possessions)\b",
        r"\b(?:won'?t|will\s+not|not\s+going\s+to)\s+be\s+(?:around|here|alive)\s+(?:much\s+longer|"
        r"for\s+(?:much\s+)?longer|by\s+(?:then|tomorrow|next\s+week|the\s+time))\b"
        r"(?![^.!?\n]{0,40}\b(?:deliver\w*|parcel|package|order|collect\w*|neighbou?r|home|office)\b)",
        r"\b(?:want|wanna|going|planning)\s+to\s+disappear\s+(?:forever|for\s+good|permanently)\b|"
        r"\bdisappear\s+and\s+never\s+come\s+back\b",
        r"\b(?:written|wrote|writing|left)\s+(?:a\s+|my\s+)?(?:goodbye\s+)?(?:letters?|notes?)\s+"
        r"(?:to|for)\s+(?:my\s+)?(?:family|kids|children|wife|husband|partner|mum|mom|dad|parents)\b"
        r"(?=[^\n]{0,80}\b(?:goodbye|gone|sorry|last|anymore|tonight|end)\b)",
        r"\b(?:tired|sick)\s+of\s+(?:living|being\s+alive|life\s+itself|existing)\b",
        # Hopelessness in so many words (concern): "I have nothing to live for", "I just cant go
        # on living", "I'm slowly giving up on life".
        r"\b(?:i\s+have|i'?ve\s+got|there'?s)\s+nothing\s+(?:left\s+)?to\s+live\s+for\b",
        r"\bcan'?t\s+go\s+on\s+living\b",
        r"\bgiv(?:e|ing)\s+up\s+on\s+life\b(?!\s+(?:insurance|cover|policy|savings|hacks?))",
        r"\b(?:i\s+(?:wish|hope)\s+i\s+(?:could\s+)?(?:just\s+)?(?:not\s+wake\s+up|die\s+in\s+my\s+sleep|"
        r"disappear\s+forever|stop\s+existing))\b",
        r"\b(?:what'?s|whats|wats|what\s+is)\s+the\s+(?:point|use)\s+(?:of|in)\s+(?:living|"
        r"going\s+on|carrying\s+on|being\s+alive|staying\s+alive|life\s+anymore)\b",
        r"\b(?:feel\s+like|want\s+to|wanna|going\s+to|gonna|ready\s+to|plan\s+to|planning\s+to|"
        r"thinking\s+(?:of|about))\s+end(?:ing)?\s+(?:everything|things|it\s+all)\b(?!\s+(?:with|between))",
        r"\b(?:don'?t|do\s+not|won'?t|will\s+not)\s+(?:plan|intend|expect)\s+(?:on\s+|to\s+)?"
        r"(?:be(?:ing)?\s+)?(?:alive|still\s+alive)\b|\bwon'?t\s+be\s+alive\s+(?:by|for|to|when|after|"
        r"next|much)\b",
        r"\bcheck(?:ing)?\s+out\s+(?:for\s+good|permanently|of\s+(?:life|this\s+world))\b"
        r"(?!\s+(?:at|from|of\s+(?:the|my|our)\s+(?:hotel|room|flat|apartment)))",
        r"\b(?:no\s+(?:other\s+)?way\s+out|only\s+way\s+out)\b[^.!?\n]{0,30}\b(?:dying|death|die|dead|"
        r"suicide|ending\s+it|kill\s+myself)\b",
        r"\bi\s+have\s+a\s+plan\b[^.!?\n]{0,40}\b(?:picked|chosen|set)\s+(?:a|the)\s+(?:date|day|time)\b",
    ],
    "abuse": [
        r"\b(?:he|she|they|my\s+(?:\w+\s+)?(?:husband|wife|partner|boyfriend|girlfriend|dad|father|"
        r"mom|mother|mum|stepdad|stepfather|stepmom|ex|brother|sister|boss|uncle|teacher|coach|"
        r"caregiver|carer|roommate|parents))(?:'s|\s+has|\s+keeps|\s+always|\s+sometimes|\s+then|"
        r"\s+just|\s+often)?\s+(?:hits?|hitting|beats?|beating|beaten|chokes?|choked|choking|hurts?|"
        r"kicks?|kicked|slapped|slaps|punched|punches|threatens?|threatened|raped|rapes|strangled|"
        r"touches|touching|touched|burns?|burned|whips?|whipped|starves?|starved)\s+(?:me|us|my\s+"
        r"(?:kids|children|son|daughter|little\s+\w+))\b"
        # "beat me at chess", "hit me up", "kicked me out of the game" are not abuse
        # "kicked me out" is an eviction, not a blow (RMHD divorce posts, train rows).
        r"(?!\s+(?:at|in\s+(?:a|the|every)|to\s+(?:it|the)|by\s+(?:a|an|\d|one|two|three|far|miles)\b|"
        r"up\b|back\b|out\b(?!\s+of\s+nowhere)))",
        r"\b(?:said|says|told\s+me|threatened|threatening)\s+(?:that\s+)?(?:he|she|they)(?:'d|\s+would|"
        r"'ll|\s+will|\s+is\s+going\s+to|'s\s+going\s+to)\s+(?:kill|hurt|beat|stab|shoot|break)\s+"
        r"(?:me|my\s+(?:legs|arms|fingers|neck|kids|children|family|son|daughter))\b",
        r"\b(?:he|she|they)(?:'s|\s+is|\s+are|'re)\s+(?:going\s+to|gonna)\s+(?:kill|hurt|beat)\s+me\b",
        r"\b(?:scared|afraid|terrified)\s+(?:to\s+go\s+(?:back\s+)?home|of\s+my\s+(?:husband|wife|"
        r"partner|boyfriend|girlfriend|dad|father|mom|mother|stepdad|ex))\b",
        r"\bdomestic\s+(?:violence|abuse)\b|\babusive\s+(?:husband|wife|partner|boyfriend|girlfriend|"
        r"relationship|parent|dad|mom)\b",
        r"\b(?:i'?m|i\s+am|i'?ve\s+been|i\s+was|i\s+have\s+been)\s+(?:being\s+)?(?:abused|beaten|"
        r"assaulted|raped|molested|stalked|trafficked|groomed|sexually\s+assaulted)\b",
        r"\bthreat(?:en|ens|ened|ening)\s+to\s+(?:kill|hurt|harm|beat|stab|shoot)\s+(?:me|my\s+family)\b",
        r"\b(?:won'?t|doesn'?t|does\s+not|don'?t)\s+let\s+me\s+(?:leave\s+the\s+house|leave|eat|"
        r"see\s+my\s+(?:family|friends))\b",
        r"\bforc(?:es|ed|ing)\s+me\s+to\s+have\s+sex\b|\bforced\s+to\s+work\s+without\s+pay\b|"
        r"\btook\s+my\s+(?:passport|documents|papers)\b|\block(?:s|ed)?\s+me\s+(?:in|up)\s+(?:my|the|a|"
        r"his|her|their)\s+(?:room|cupboard|closet|basement|cellar|garage|shed|house)\b",
        r"\b(?:follow(?:s|ed|ing)?\s+me\s+home|knows?\s+where\s+i\s+live)\b",
        r"\bbruises\b" + _NEAR + r"\b(?:he|she|him|her|husband|boyfriend|partner|dad|mom)\b",
        r"\b(?:he|she|my\s+(?:\w+\s+)?(?:husband|wife|partner|boyfriend|girlfriend|dad|father|mom|"
        r"mother|mum|stepdad|ex|brother|son))\s+(?:\w+\s+)?(?:grabbed|shoved|pushed|threw|dragged|"
        r"pinned|locked|kicked|burned|bit|strangled)\s+me\s+(?:against|down|into|to\s+the|"
        r"across|on\s+the|in\s+(?:the|a|my)|(?<!kicked\sme\s)(?<!threw\sme\s)out\s+of\s+the\s+house|by\s+the\s+(?:hair|throat|neck))\b",
        r"\b(?:i|i'?ve|i\s+have|i\s+was|i\s+get|i\s+got)\s+(?:been\s+)?(?:hit|beaten|slapped|punched|"
        r"kicked|choked|strangled|burned)\s+(?:again\s+)?by\s+(?:him|her|my\s+(?:\w+\s+)?(?:husband|wife|"
        r"partner|boyfriend|girlfriend|dad|father|mom|mother|mum|stepdad|stepfather|ex|brother|"
        r"parents?|carer|caregiver))\b",
        r"\b(?:don'?t|do\s+not|never)\s+feel\s+safe\s+(?:at\s+home|in\s+my\s+(?:own\s+)?(?:home|house)|"
        r"(?:around|with)\s+(?:him|her|my\s+(?:husband|wife|partner|boyfriend|girlfriend|dad|father|"
        r"mom|mother|stepdad|ex)))\b|\bnot\s+safe\s+at\s+home\b",
        r"\b(?:scared|afraid|terrified|frightened)\s+(?:of\s+)?(?:what\s+)?(?:he|she)(?:'ll|\s+will|"
        r"\s+might|'d|\s+would)\s+do\s+(?:to\s+(?:me|us|the\s+kids)|when\s+(?:he|she)\s+(?:gets|comes)"
        r"\s+home)\b",
        r"\bblack\s+eye\b" + _NEAR + r"\b(?:he|she|him|her|husband|boyfriend|partner|dad|mom)\b",
    ],
    "harm_to_others": [
        r"\b(?:outside|waiting\s+(?:for|outside))\b" + _NEAR + r"\bwith\s+(?:a|my)\s+(?:gun|knife|"
        r"crowbar|bat|hammer|machete|axe)\b",
        r"\bshoot\s+up\s+(?:my|the|our|a|that|this)\s+(?:old\s+|former\s+|local\s+)?(?:school|office|"
        r"work|workplace|mall|church|mosque|synagogue|class|college|university|campus|store|shop|"
        r"factory|warehouse|gym|club)\b",
        r"\bbeat\s+(?:\w+\s+){1,3}to\s+death\b|\bslash\s+(?:his|her|their)\s+(?:throat|face)\b",
        r"\b(?:killing|kill|murder(?:ing)?)\s+my\s+(?:mother|mom|mum|father|dad|wife|husband|"
        r"partner|boss|brother|sister|family|kids?|baby)\b(?!\s+(?:when|if)\s+(?:she|he|they)\s+(?:sees?|finds?))",
        r"\b(?:i'?m\s+going\s+to|i'?ll|i\s+will|i'?m\s+gonna|gonna|i\s+want\s+to|i\s+wanna|"
        r"i'?m\s+about\s+to|i\s+plan\s+to|i'?m\s+planning\s+to)\s+(?:\w+\s+){0,2}(?:kill|murder|shoot|"
        r"stab|strangle|choke|poison|hurt|beat\s+up|attack)\s+" + _PERSON + r"\b",
        r"\b(?:break|smash)\s+(?:his|her|their)\s+(?:legs|arms|face|neck|jaw|skull|knees)\b|"
        r"\bput\s+(?:him|her|them)\s+in\s+(?:the\s+)?(?:hospital|ground|grave)\b",
        r"\b(?:set\s+fire\s+to|burn\s+down)\s+(?:the|their|his|her|my\s+\w+'s)\s+(?:\w+\s+)?(?:house|"
        r"home|apartment|flat|building|office|school|car)\b",
        r"\bbring(?:ing)?\s+(?:a|my|the|\w+'s)\s+(?:\w+'s\s+)?(?:gun|rifle|pistol|knife|machete)\s+"
        r"(?:to|into)\b",
        r"\b(?:shoot|bomb|blow)\s+up\s+(?:the|your|this)\s+(?:office|store|shop|school|building)\b",
        r"\burges?\s+to\s+(?:hurt|harm|kill|shake)\b",
        r"\bpoison\w*\b" + _NEAR + r"\b(?:his|her|their)\s+(?:dinner|food|drink|coffee|tea)\b",
        r"\b(?:i\s+have|i'?ve\s+got|i\s+bought|i\s+own)\s+(?:a|my)\s+(?:gun|rifle|pistol|knife|shotgun)\b"
        + _NEAR
        + r"\b(?:use\s+it|kill|hurt|shoot|stab|make\s+\w+\s+pay|come\s+(?:down|over|in))\b",
        r"\b(?:thinking|thoughts?|fantasi[sz]\w*|dream\w*)\s+(?:about|of)\s+(?:hurting|killing|stabbing|"
        r"shooting|strangling|poisoning|smothering|drowning|suffocating|shaking)\s+(?:"
        + _PERSON
        + r"|him|her|them|my\s+\w+)\b",
        r"\bi\s+know\s+where\s+(?:you|he|she|they|your\s+\w+)\s+lives?\b"
        + r"[^\n]{0,100}"  # the threat often comes in the next sentence
        + r"\b(?:hurt|kill|pay|sorry|visit|coming|come\s+for|see\s+what\s+happens|what\s+happens\s+to)\b",
        r"\b(?:i'?ll|i\s+will|i'?m\s+going\s+to|gonna)\s+(?:come\s+(?:down\s+)?there|find\s+(?:you|him|her|"
        r"them|your\s+\w+))\s+and\s+(?:hurt|kill|stab|shoot|beat|break)\b",
        r"\b(?:drive|driving|ram|ramming|plough|plow|crash)\s+(?:my|a|the|this|our)\s+(?:car|truck|"
        r"van|lorry|suv|bus)\s+(?:into|through)\s+(?:the\s+|a\s+|that\s+|those\s+)?(?:\w+\s+)?"
        r"(?:crowd|people|protest\w*|march|parade|market|pedestrians|them)\b",
        r"\b(?:afraid|scared|worried|terrified)\s+(?:that\s+)?i(?:'m|\s+am|'ll|\s+will|\s+might|"
        r"\s+could)\s+(?:going\s+to\s+|gonna\s+)?(?:hurt|shake|hit|smother)\s+(?:him|her|them|"
        r"the\s+baby|my\s+(?:baby|son|daughter|kid|child|children|kids))\b|"
        r"\bshake\s+(?:him|her|the\s+baby|my\s+baby)\s+(?:really\s+|so\s+|too\s+)?hard\b",
        # Wanting someone to bleed, or a weapon taken to their head ("make him bleed", "taking the
        # crowbar to his head"); "makes my ears bleed" is a figure of speech. No match in TWCS,
        # RMHD or airline tweets.
        r"\b(?:make|see|watch)\s+(?:sure\s+)?(?:him|her|them|he|she|they|that\s+\w+|my\s+(?:old\s+|"
        r"former\s+)?\w+)\s+(?<!ears\s)bleeds?\b",
        r"\b(?:take|taking|took)\s+(?:a|the|my)\s+(?:baseball\s+)?(?:bat|crowbar|hammer|knife|machete|"
        r"axe|golf\s+club)\s+to\s+(?:his|her|their|your|that\s+\w+'s)\s+(?:head|face|skull|knees|legs)\b",
        # A weapon and a score to settle in the same message.
        r"\b(?:ammunition|ammo|bullets|shotgun|rifle|handgun|pistol|gun)\b(?=[^\n]{0,120}\b(?:deal\s+with|"
        r"take\s+care\s+of|settle\s+(?:things|it|the\s+score)\s+with|get\s+rid\s+of|teach)\s+(?:\w+\s+)?"
        r"(?:\w+\s+)?(?:for\s+good|once\s+and\s+for\s+all|permanently|a\s+lesson)\b)",
    ],
}

# Figures of speech that contain crisis words. A rule match lying wholly inside one is dropped
# (medical emergencies are never dropped: "I almost had a heart attack" has no rule to match).
_IDIOMS = re.compile(
    r"\b(?:(?:is|are|was|it's|its|this|that|these|you're|you\s+are|they're)\s+(?:\w+\s+){0,3}"
    r"killing\s+(?:me|it|us)|dying\s+(?:to|for)|(?:could|would)\s+(?:kill|die)\s+for|to\s+die\s+for|"
    r"(?:killed|killing|kill)\s+(?:myself|me)\s+laughing|kill\s+me\s+(?:when|if)\s+(?:she|he|they)"
    r"\s+(?:sees?|finds?)|shoot\s+(?:me|us)\s+(?:an?\s+)?(?:email|message|text|line|dm|note)|"
    r"(?:studying|researching|research\s+on|essay\s+on|article\s+(?:on|about)|documentary\s+on|"
    r"class\s+on|course\s+on|project\s+on)\s+(?:\w+\s+){0,3}(?:domestic\s+(?:abuse|violence)|"
    r"suicide|self[- ]harm|overdoses?|abuse)|(?:years|months)\s+ago\b[^,;.!?\n]{0,40}|"
    r"(?:character|book|movie|film|episode|novel|series)\s+(?:\w+\s+){0,4}(?:kills?|dies|died|suicide)|"
    r"(?:i|i'm|im)\s+(?:\w+\s+){0,3}die\s+of\s+(?:embarrassment|shame|boredom|laughter|laughing|"
    r"cringe|envy|jealousy)|(?:will|'ll|would|'d|is\s+going\s+to|gonna)\s+have\s+my\s+(?:head|guts)|"
    # People who work with or have come through abuse, speaking about it, not in it now.
    r"(?:survivors?\s+of|support\w*|help\w*|work\s+with|volunteer\w*\s+(?:at|with|for))\s+"
    r"(?:\w+\s+){0,2}domestic\s+(?:abuse|violence)|domestic\s+(?:abuse|violence)\s+(?:survivors?|"
    r"shelters?|charit(?:y|ies)|awareness|helplines?|services?|refuges?)"
    r")\b",
    re.IGNORECASE,
)
# Someone telling us about a crisis that is over ("two years self-harm free", "that was years ago
# and everything's fine") is not in one now, unless they also say it is back.
_RECOVERED = re.compile(
    r"\b(?:(?:self[- ]harm|suicide|drug|alcohol)[- ]free|(?:\d+|one|two|three|four|five|six|ten)\s+"
    r"(?:years?|months?)\s+(?:sober|clean)|(?:doing|feeling)\s+(?:great|well|better|fine|good)\s+now|"
    r"(?:i'?m|i\s+am)\s+(?:fine|okay|ok|good|better|safe|doing\s+well)\s+now|"
    r"everything'?s\s+(?:fine|ok|okay|good)(?:\s+now)?|that\s+was\s+(?:ages|years|a\s+long\s+time)\s+ago|"
    r"used\s+to\s+(?:self[- ]harm|cut\s+myself|be\s+suicidal)\b[^\n]{0,120}\b(?:now|anymore|these\s+days))\b",
    re.IGNORECASE,
)
_STILL_NOW = re.compile(
    r"\b(?:again|tonight|right\s+now|relaps\w*|started\s+again|starting\s+again|can'?t\s+stop)\b",
    re.IGNORECASE,
)

# Slang and obfuscated wording (read on the normalised text, see ``normalise``): "kms",
# "unalive myself", "sewerslide", "self delete", "k1ll mys3lf", "k i l l myself".
_SLANG: dict[str, list[str]] = {
    "self_harm": [
        r"\bkms\b(?!\s*(?:lol|lmao|haha|😂|🤣))",
        r"\bunaliv(?:e|ing|ed)\s+(?:my\s*self|me)\b|\b(?:want|wanna|going|gonna|need|ready|try|trying|"
        r"tried|plan|planning)\s+(?:to\s+)?(?:be\s+)?unalive\b|\bunaliving\s+tonight\b",
        r"\bsew(?:er|a)\s*sl(?:i|y)de\b|\bsuey\s*side\b|\b(?:want|wanna|going|gonna|about|"
        r"thinking\s+(?:about|of)|ready|planning|should|might)\s+(?:to\s+)?(?:just\s+)?self[\s-]*"
        r"delet(?:e|ing)\b(?!\s+(?:the|my|this|that|these|those|a|all|your)\b)|"
        r"\b(?:commit|commiting|committing)\s+(?:die|toaster\s+bath|neck\s+rope)\b",
        r"\b(?:kil|kilk|kll|klil|kiii|kiil|kili)\s+my\s*self\b",
        r"\bs[\W_]?[uv][\W_]?[i1!*][\W_]?c[\W_]?[i1!*][\W_]?d(?:e|al)\b(?<!suicide)(?<!suicidal)|"
        r"\bs\*+[a-z]*ide\b",
        r"\b(?:i|i'?m|im)\s+(?:just\s+)?(?:want|wanna|going|gonna|need)\s+(?:to|2)\s+die\b"
        r"(?!\s+(?:of|from|laughing|if|when|before|without|waiting|on\s+hold|in\s+this\s+queue))|"
        r"\b(?:want|wanna)\s+(?:to|2)\s+die\s+(?:rn|fr|tbh|ngl|so\s+bad)\b",
        # "od'd on" / "oded on", not "odd on".
        r"\b(?:going\s+to|gonna|about\s+to|will|planning\s+to)\s+od\b|\bod(?:'d|ed)\s+on\b",
        r"\b(?:i'?ve|i\s+have|i'?m|i\s+am|i|been)\s+(?:been\s+)?(?:started\s+)?cutting\s+(?:myself\s+)?"
        r"again\b|"
        r"\brelapsed\b[^.!?\n]{0,30}\bcut\s+myself",
    ],
    "harm_to_others": [
        r"\bkys\b|\bkill\s+your\s*self\b(?!\s+(?:laughing|lol|lmao))",
        r"\b(?:i'?ll|i\s+will|i'?m\s+going\s+to|gonna|want\s+to|wanna)\s+unalive\s+"
        r"(?:you|him|her|them|my\s+\w+)\b",
    ],
}
for _kind, _patterns in _SLANG.items():
    _RULES[_kind] = _RULES[_kind] + _patterns

_COMPILED = {
    kind: [re.compile(p, re.IGNORECASE) for p in patterns] for kind, patterns in _RULES.items()
}

# Self-harm wording that tells of distress or passive wishes, not intent, a plan or an act:
# these flag at the "concern" tier ("I wish I was never born", "kms", "tired of living"); every
# other rule flags at the "crisis" tier. Words of time or means next to them raise them.
_CONCERN_WORDING = re.compile(
    r"^(?:kms|wish\s+i\s+(?:was|were)\s+(?:dead|never\s+born)|(?:tired|sick)\s+of\s+\w+(?:\s+\w+)?|"
    r"(?:life|living)\s+(?:isn'?t|is\s+not|ain'?t)\s+worth\s+\w+|"
    r"(?:what'?s|whats|wats|what\s+is)\s+the\s+(?:point|use).*|"
    r"(?:don'?t|do\s+not|can'?t|cannot|no\s+longer)\s+see\s+.*point.*|"
    r"no\s+(?:reason|point)\s+(?:to|in)\s+.*|a\s+burden\s+to\s+.*|suicid(?:e|al)|"
    r"(?:i\s+have|i'?ve\s+got|there'?s)\s+nothing\s+(?:left\s+)?to\s+live\s+for|"
    r"can'?t\s+go\s+on\s+living|giv(?:e|ing)\s+up\s+on\s+life|self[-\s]?harm(?:ing|ed)?|"
    # Passive ideation (C-SSRS's first level): a concern unless a time or a means is near.
    r"better\s+off\s+(?:dead|without\s+me))$",
    re.IGNORECASE,
)
_SUICIDAL_NOW = re.compile(
    r"\b(?:i'?m|i\s+am|i\s+feel|feeling|i'?ve\s+been|i\s+get|i\s+was|im|getting|felt)\s+"
    r"(?:\w+\s+){0,2}suicidal\b|\bsuicid\w*\s+(?:thoughts|plan|attempt|note)\b|\bcommit\s+suicide\b|"
    # The name of self-harm said of oneself: "I self harm", "I've started self-harming again".
    r"\b(?:i|i'?ve|i\s+have|i'?m|i\s+am|i\s+was|i'?ve\s+been|been|started|urges?\s+to|want\s+to|"
    r"wanna)\s+(?:\w+\s+){0,2}self[-\s]?harm",
    re.IGNORECASE,
)
# Words of a time or a means.
_TIME_OR_MEANS = r"tonight|today|right\s+now|rn|pills|rope|gun|bridge|goodbye|note|tomorrow"
_RAISES = re.compile(rf"\b(?:{_TIME_OR_MEANS}|plan\w*)\b", re.IGNORECASE)
# The same for the learned head's flag, without the bare "plan" ("my planning day", "what my plan
# is for retirement": RMHD control train posts), which it needs said as a plan to die.
_HEAD_RAISES = re.compile(
    rf"\b(?:{_TIME_OR_MEANS})\b|\b(?:have|got|made|making)\s+a\s+plan\b|"
    r"\bplan(?:ned|ning)?\s+(?:to|on)\s+(?:end|kill|die|do\s+it)\b",
    re.IGNORECASE,
)
_CONCERN_KINDS = {
    "harm_to_others": re.compile(r"^kys$", re.IGNORECASE),
    # A story that mentions an ambulance or 911 is not an emergency happening now by itself.
    "medical_emergency": re.compile(
        r"^call(?:ed)?\s+(?:an?\s+)?(?:ambulance|paramedics|911|999|112)$", re.I
    ),
    # The name of the harm, not an act told ("a lawyer who knows domestic violence cases"): on
    # RMHD control-subreddit train posts (divorce, legal advice) these named a topic.
    "abuse": re.compile(
        r"^(?:domestic\s+(?:violence|abuse)|abusive\s+(?:husband|wife|partner|boyfriend|"
        r"girlfriend|relationship|parent|dad|mom))$",
        re.I,
    ),
}


# Someone else as the subject of a self-harm phrase, a few words before it in the same sentence
# ("he was going to end it all", "someone threatened to jump off a cliff"; RMHD control train
# posts): a worry about another person, a concern unless a time or a means is near. No "I" in
# between ("he says I want to end it all" stays the speaker's).
_ANOTHER_SUBJECT = re.compile(
    r"\b(?:he|she|they|someone|somebody|my\s+(?:\w+\s+)?(?:ex|wife|husband|partner|boyfriend|"
    r"girlfriend|mother|mom|mum|father|dad|brother|sister|son|daughter|friend|kid|child))"
    r"(?:'s|\s+is|\s+was)?\s+(?:(?!i\b|i'|me\b|my\b)[\w']+\s+){0,4}$",
    re.IGNORECASE,
)


def _said_of_another(span: Span, text: str) -> bool:
    before = text[max(0, span.start - 60) : span.start]
    clause = re.split(r"[.!?\n]", before)[-1]
    return _ANOTHER_SUBJECT.search(clause) is not None


def rule_tier(kind: str, spans: list[Span], text: str) -> str:
    """ "concern" when every phrase found is distress or a passive wish, or said of someone else
    (and nothing in the message speaks of a time or a means), else "crisis"."""
    if kind == "self_harm":
        passive = all(
            _CONCERN_WORDING.match(s.text.strip()) or _said_of_another(s, text) for s in spans
        )
        if passive and any(s.text.strip().lower().startswith(("suicid", "self")) for s in spans):
            # The bare word: "I'm suicidal" or "I self harm" is a crisis, a post that mentions
            # suicide or self-harm is not.
            passive = _SUICIDAL_NOW.search(text) is None
    elif kind in _CONCERN_KINDS:
        passive = all(_CONCERN_KINDS[kind].match(s.text.strip()) for s in spans)
    else:
        return "crisis"
    return "concern" if passive and not _raised(spans, text) else "crisis"


# How far from a passive phrase a word of time or means still raises it. On RMHD train posts from
# the control subreddits, a word such as "today" or "plan" anywhere in a long post about a
# divorce or a lawsuit raised every mention of suicide or abuse to the crisis tier.
RAISE_WINDOW = 160


def _raised(spans: list[Span], text: str) -> bool:
    """A word of time or means near one of ``spans`` (the whole of a short message)."""
    return any(
        _RAISES.search(text, max(0, s.start - RAISE_WINDOW), s.end + RAISE_WINDOW) is not None
        for s in spans
    )


_LEET = str.maketrans({"1": "i", "3": "e", "0": "o", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "|": "l"})  # fmt: skip
_LEET_WORD = re.compile(
    r"[a-z]*[0-9@$!|][a-z0-9@$!|]*[a-z][a-z0-9@$!|]*|[a-z]+[0-9@$!|]+[a-z]*", re.I
)
_SPACED = re.compile(r"\b(?:[a-z][ .\-_*]){2,}[a-z]\b", re.IGNORECASE)


def normalise(text: str) -> tuple[str, list[int]]:
    """``text`` with leetspeak letters restored ("k1ll" -> "kill") and spaced-out words joined
    ("k i l l" -> "kill"), and for each character the offset it came from in ``text``."""
    if not _LEET_WORD.search(text) and not _SPACED.search(text):
        return text, list(range(len(text)))
    chars = list(text)
    for m in _LEET_WORD.finditer(text):
        word = m.group(0)
        if any(c.isalpha() for c in word):
            # Digits in a word with letters are letters ("k1ll"); a symbol only between two
            # word characters ("k!ll", not the "!" ending "die!"). "2" alone stays a word.
            for i in range(m.start(), m.end()):
                c = chars[i]
                inner = (
                    m.start() < i < m.end() - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
                )
                if c.isdigit() or inner:
                    chars[i] = c.translate(_LEET)
    out, index = [], []
    spaced = [(m.start(), m.end()) for m in _SPACED.finditer(text)]
    i = 0
    for start, end in spaced:
        while i < start:
            out.append(chars[i])
            index.append(i)
            i += 1
        for j in range(start, end):
            if chars[j].isalpha():
                out.append(chars[j])
                index.append(j)
        i = end
    while i < len(text):
        out.append(chars[i])
        index.append(i)
        i += 1
    return "".join(out), index


@dataclass(frozen=True)
class CrisisHead:
    """Logistic-regression head over the shared embedding (one-vs-rest, kinds + none)."""

    weights: np.ndarray  # (dim, len(CRISIS_KINDS) + 1), last column = none
    bias: np.ndarray
    threshold: float

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        logits = embeddings @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


def _idiom_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _IDIOMS.finditer(text)]


def rule_matches(text: str, idioms: list[tuple[int, int]] | None = None) -> dict[str, list[Span]]:
    """Crisis phrases in ``text`` by kind, with figures of speech (``idioms``, found here when not
    given) removed."""
    if idioms is None:
        idioms = _idiom_spans(text)
    recovered = _RECOVERED.search(text) is not None and _STILL_NOW.search(text) is None
    normal, index = normalise(text)
    found: dict[str, list[Span]] = {}
    for kind, patterns in _COMPILED.items():
        if recovered and kind in {"self_harm", "abuse"}:
            continue
        for pattern in patterns:
            for m in pattern.finditer(normal):
                if m.end() <= m.start():
                    continue
                start, end = index[m.start()], index[m.end() - 1] + 1
                inside = any(s <= start and end <= e for s, e in idioms)
                if inside and kind != "medical_emergency":
                    continue
                span = Span(start, end, text[start:end])
                if span not in found.get(kind, []):
                    found.setdefault(kind, []).append(span)
    return found


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
# Per message; beyond that the whole-message vector has to do (perception.max_sentences).
MAX_SENTENCES = _DEFAULTS.max_sentences
# Below this many words the whole-message vector is not diluted enough to need the sentences
# (and most messages are short: this keeps the encoder batch small).
MIN_WORDS_FOR_SENTENCES = _DEFAULTS.min_words_for_sentences
# A figure of speech with crisis words ("my boss will have my head") pulls the learned head
# towards danger: without a rule match, a message holding one must make the head this sure, and
# its sentence alone cannot.
IDIOM_MODEL_THRESHOLD = _DEFAULTS.idiom_model_threshold
# The learned head alone does not flag a message this short ("hi", "get me a manager"): too little
# to read. Explicit short statements ("I want to die") are the rules' job.
MIN_WORDS_FOR_MODEL = _DEFAULTS.min_words_for_model


def sentences(text: str, config: PerceptionConfig | None = None) -> list[Span]:
    """Sentences of three or more words of a long message (a crisis is often one sentence
    inside a complaint) and, in a message of ``sentence_always_words`` or more, the runs of up to
    ``sentence_window`` neighbouring ones (a crisis told over several short sentences)."""
    config = config or _DEFAULTS
    if len(text.split()) < config.min_words_for_sentences:
        return []
    spans = []
    for m in _SENTENCE.finditer(text):
        piece = m.group(0).strip()
        if len(piece.split()) >= 3:
            start = text.index(piece, m.start())
            spans.append(Span(start, start + len(piece), piece))
    if len(spans) < 2:
        return []
    if len(spans) > config.max_sentences:
        # Every sentence is read, however long the message: beyond max_sentences, neighbouring
        # sentences are read together, so the encoder still gets max_sentences rows.
        groups = np.array_split(np.arange(len(spans)), config.max_sentences)
        spans = [
            Span(spans[g[0]].start, spans[g[-1]].end, text[spans[g[0]].start : spans[g[-1]].end])
            for g in groups
        ]
    if len(text.split()) < config.sentence_always_words:
        # A short message's own vector already reads its few sentences together.
        return spans
    return spans + _windows(text, spans, config.sentence_window)


def _is_window(span: Span, parts: list[Span]) -> bool:
    """Whether ``span`` holds another of ``parts`` (a run of sentences, not one)."""
    return any(span.start <= p.start and p.end <= span.end and p != span for p in parts)


def _windows(text: str, spans: list[Span], size: int) -> list[Span]:
    """Runs of 2 to ``size`` neighbouring ``spans``, each as one span."""
    return [
        Span(spans[i].start, spans[i + k - 1].end, text[spans[i].start : spans[i + k - 1].end])
        for k in range(2, size + 1)
        for i in range(len(spans) - k + 1)
    ]


def scan(text: str) -> tuple[list[tuple[int, int]], dict[str, list[Span]]]:
    """The figures of speech in ``text`` and its crisis phrases by kind (figures removed)."""
    idioms = _idiom_spans(text)  # read by the rules and, without a rule match, by the head
    return idioms, rule_matches(text, idioms)


def _head_kind(probs: np.ndarray) -> str:
    """The crisis kind the head reads in one row of its probabilities (the last is "none")."""
    return CRISIS_KINDS[int(np.argmax(probs[:-1]))]


def _told_over_sentences(probs: np.ndarray, danger: float, config: PerceptionConfig) -> bool:
    """Whether a run of sentences reads as a threat, abuse or an emergency so surely that it
    needs no support from the risk head (which reads distress, not danger to others)."""
    return _head_kind(probs) != "self_harm" and danger >= config.window_danger


def detect_crisis(
    text: str,
    embeddings: np.ndarray | None,
    head: CrisisHead | None,
    parts: list[Span] | None = None,
    scanned: tuple[list[tuple[int, int]], dict[str, list[Span]]] | None = None,
    config: PerceptionConfig | None = None,
    *,
    risk: np.ndarray | None = None,
    risk_threshold: float | None = None,
) -> CrisisSignal | None:
    """The crisis signal for one message, or None.

    ``embeddings`` holds the message's vector first, then one per span in ``parts`` (its
    sentences, when it has several), so a crisis sentence inside a long message is not diluted.
    ``scanned`` is ``scan(text)`` when the caller already has it. ``config`` holds the
    thresholds (``perception.crisis_threshold`` replaces the head's trained one when set).

    ``risk`` (one probability per row of ``embeddings``, from the risk head trained on real
    posts) splits the signal in two tiers: a crisis-head flag with no phrase behind it needs
    ``risk >= perception.risk_veto`` and is a "concern" (the head was trained on written
    examples and reads posts about law, divorce or money as danger); the risk head alone raises
    a "concern" at ``risk_threshold`` on a message of ``concern_min_words`` words or more.
    Phrases flag at the tier ``rule_tier`` gives them.
    """
    config = config or _DEFAULTS
    idioms, rules = scanned if scanned is not None else scan(text)
    probs = None
    if head is not None and embeddings is not None:
        probs = head.probabilities(np.atleast_2d(embeddings))
    if rules:
        # With several kinds matched, an emergency happening now comes first ("call 999"), then
        # self-harm: they need the fastest, most specific response.
        priority = ("medical_emergency", "self_harm", "abuse", "harm_to_others")
        kind = next(k for k in priority if k in rules)
        floor = config.crisis_rule_confidence
        confidence = (
            floor if probs is None else max(floor, float(probs[:, CRISIS_KINDS.index(kind)].max()))
        )
        tier = rule_tier(kind, rules[kind], text)
        return CrisisSignal(kind, round(confidence, 4), tuple(rules[kind]), tier)  # type: ignore[arg-type]
    words = len(text.split())
    spans = [Span(0, len(text), text.strip()[:300])] + list(parts or [])
    if probs is not None and head is not None and words >= config.min_words_for_model:
        danger = 1.0 - probs[:, -1]
        threshold = head.threshold if config.crisis_threshold is None else config.crisis_threshold
        # Per row: the whole message and its sentences.
        limits = np.full(len(danger), threshold)
        if idioms:
            # The whole message holding a figure of speech must make the head this sure; a
            # sentence holding it gets no say of its own. The other sentences of a long message
            # keep the head's threshold ("years ago" early in a long post says nothing of a
            # crisis sentence at its end).
            limits[0] = max(threshold, config.idiom_model_threshold)
            for i, span in enumerate(spans[1 : len(danger)], start=1):
                if any(s < span.end and span.start < e for s, e in idioms):
                    danger[i] = 0.0
        if risk is not None:
            # A run of neighbouring sentences reads as danger to the head on many ordinary
            # posts (RMHD control train rows): it needs the risk head's support as well.
            for i, span in enumerate(spans[1 : len(danger)], start=1):
                if (
                    _is_window(span, spans[1:])
                    and float(risk[min(i, len(risk) - 1)]) < config.risk_veto
                    and not _told_over_sentences(probs[i], danger[i], config)
                ):
                    danger[i] = 0.0
        row = int(np.argmax(danger - limits))
        if danger[row] >= limits[row]:
            kind = _head_kind(probs[row])
            evidence = spans[row] if row < len(spans) else spans[0]
            if risk is None or words < config.risk_veto_min_words:
                return CrisisSignal(kind, round(float(danger[row]), 4), (evidence,))  # type: ignore[arg-type]
            # A sentence the head is sure of speaks for itself inside a long message about
            # something else (self-harm wording also needs the risk head's support there).
            sentence_alone = (
                row > 0
                and danger[row] >= config.sentence_danger
                and (
                    kind != "self_harm"
                    or float(risk[min(row, len(risk) - 1)]) >= config.risk_veto
                    or danger[row] >= config.sentence_danger_alone
                )
            )
            # The risk head reads distress, not abuse, emergencies or threats: only self-harm
            # needs its support.
            if kind != "self_harm" or float(risk[0]) >= config.risk_veto or sentence_alone:
                # With a time or a means in the words it flagged, the head is read as intent
                # or a plan ("the pills are saved up, tonight"); otherwise as a concern.
                planned = (
                    danger[row] >= config.sentence_danger
                    and _HEAD_RAISES.search(evidence.text) is not None
                    and float(risk[min(row, len(risk) - 1)]) >= config.risk_veto
                )
                return CrisisSignal(
                    kind,  # type: ignore[arg-type]
                    round(float(danger[row]), 4),
                    (evidence,),
                    "crisis" if planned else "concern",
                )
    if risk is not None and words >= config.concern_min_words:
        limit = risk_threshold if config.risk_threshold is None else config.risk_threshold
        if limit is not None and risk[0] >= limit:
            # Read on the whole message, as the risk head was trained; the evidence is the
            # sentence it reads as most at risk.
            row = int(np.argmax(risk))
            evidence = spans[row] if row < len(spans) else spans[0]
            return CrisisSignal("self_harm", round(float(risk[0]), 4), (evidence,), "concern")
    return None
