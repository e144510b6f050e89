"""Issue 13: an outlet's own marks are not evidence of one story.

Every page of one outlet carries the same site name in its title, credits under its
photos, a dateline tag, share widgets and "stay with us" lines. Read as names and
sentences, they made two reports of different shootings by one station look like one
story (on GVA dev, most different-incident pairs joined by one outlet).
"""

from __future__ import annotations

from samestory import api
from samestory.features import text_features
from samestory.models import Article

# Two reports of unrelated incidents by one (made-up) station, laid out as local news
# pages are: site name in the title, dateline tag, photo credits, widgets, a byline.
BOILERPLATE = (
    "Copy Link Copy\n"
    "Twitter\n"
    "Pinterest\n"
    "Stay Up To Date, Follow WKRX On Twitter\n"
    "Join The Conversation On The WKRX Facebook Page\n"
    "Stay with WKRX Action News 7 and WKRX.com for updates on this developing story.\n"
    "By Breaking News Staff\n"
)
FIRST = Article(
    id="wkrx-1",
    title="Teen wounded in drive-by shooting on Elmwood Avenue - WKRX Action News 7 - Dayton, Ohio",
    text=(
        "DAYTON, Ohio (WKRX) - A 16-year-old boy was wounded early Saturday when someone "
        "in a passing car fired at a group standing outside a corner store on Elmwood "
        "Avenue, police said.\n"
        "The teen was taken to Miami Valley Hospital with a gunshot wound to the leg and "
        "is expected to survive. (Source: WKRX Action News 7)\n"
        "Officers found more than a dozen shell casings in the street. Investigators "
        "believe the shooting was gang related. View Full Caption WKRX/Dana Pruitt\n" + BOILERPLATE
    ),
)
SECOND = Article(
    id="wkrx-2",
    title="Woman charged after husband shot during argument - WKRX Action News 7 - Dayton, Ohio",
    text=(
        "KETTERING, Ohio (WKRX) - A Kettering woman was charged with felonious assault "
        "Tuesday after her husband was shot during an argument at their home on Wilmington "
        "Pike, according to court records.\n"
        "Prosecutors say Renee Calloway, 44, fired a handgun once after the couple argued "
        "over money. Her husband, 47, was treated at Kettering Medical Center and "
        "released. Credit: WKRX\n"
        "Calloway is being held in the Montgomery County Jail on a $50,000 bond. "
        "View Full Caption WKRX/Dana Pruitt\n" + BOILERPLATE
    ),
)
OUTLET_NAMES = {"wkrx", "action", "news", "twitter", "facebook", "pinterest", "copy", "dana"}


def test_an_outlets_marks_give_its_articles_no_names():
    for article in (FIRST, SECOND):
        names = text_features(article).entities
        assert not names & OUTLET_NAMES
    # The story's own names are still read.
    assert {"elmwood", "miami", "valley"} <= text_features(FIRST).entities
    assert {"kettering", "renee", "calloway", "montgomery"} <= text_features(SECOND).entities


def test_two_unrelated_reports_of_one_outlet_are_not_one_story():
    relation = api.compare(FIRST, SECOND)
    assert relation.kind is None
    assert not set(relation.evidence.shared_entities) & OUTLET_NAMES
    assert relation.evidence.scores["similarity"] < 0.4
