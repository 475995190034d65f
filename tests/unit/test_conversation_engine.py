"""The answer engine's rules (#8), on a small KB, with a bag-of-words embedder standing in for
the local model so the tests need no weights."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.fakes.dental_kb import dental_kb
from tests.fakes.words_embedder import WordsEmbedder
from voice_platform.conversation import engine
from voice_platform.conversation.engine import (
    MAX_WORDS,
    answer,
    asked_last,
    asked_terms,
    related,
    same_word,
    unsaid,
)
from voice_platform.conversation.retrieval import Retriever, split_chunk, words_of
from voice_platform.knowledge.chunks import Chunk
from voice_platform.knowledge.schemas import (
    FAQ,
    Booking,
    Categories,
    Emergencies,
    Fact,
    FAQs,
    KnowledgeBase,
    Locations,
    Payments,
    Policies,
    Policy,
    Price,
    Profile,
    Promotions,
    Service,
    Services,
    Team,
)
from voice_platform.providers.llm.sandbox import stem


@pytest.fixture
def kb() -> KnowledgeBase:
    return dental_kb()


@pytest.fixture
def retriever(kb: KnowledgeBase) -> Retriever:
    return Retriever(kb, WordsEmbedder())


CHICAGO = ZoneInfo("America/Chicago")


def test_asking_for_a_person_is_a_handoff(kb: KnowledgeBase, retriever: Retriever) -> None:
    for asked in ("Can I talk to the manager?", "I want a real person please", "Put me through"):
        assert answer(asked, kb, retriever).action == "handoff", asked


def test_asking_to_leave_a_message(kb: KnowledgeBase, retriever: Retriever) -> None:
    turn = answer("Could I leave a message for Dr. Smith?", kb, retriever)
    assert turn.action == "message"


def test_nothing_relevant_is_unknown_and_invents_nothing(
    kb: KnowledgeBase, retriever: Retriever
) -> None:
    turn = answer("Do you do Botox injections?", kb, retriever)
    assert turn.action == "unknown"
    assert "message" in turn.text
    assert not re.search(r"\d", turn.text)  # no price, time or number it was not given
    assert turn.facts == []


def test_an_answer_quotes_the_retrieved_facts(kb: KnowledgeBase, retriever: Retriever) -> None:
    turn = answer("How much is teeth whitening?", kb, retriever)
    assert turn.action == "answer"
    assert "$349" in turn.text
    assert any("whitening" in chunk.text for chunk in turn.facts)
    turn = answer("How much do late cancellations cost?", kb, retriever)
    assert turn.action == "answer"
    assert "$50" in turn.text
    # trimmed to the sentence that answers, quoted from the retrieved fact
    assert turn.text in turn.facts[0].text
    assert len(turn.text.split()) <= MAX_WORDS


def test_open_now_uses_the_weekly_hours_in_the_time_zone(
    kb: KnowledgeBase, retriever: Retriever
) -> None:
    tuesday_ten = datetime(2026, 12, 1, 10, 0, tzinfo=CHICAGO)
    turn = answer("Are you open right now?", kb, retriever, now=tuesday_ten)
    assert turn.action == "answer"
    assert turn.text.startswith("Yes")
    assert "5:00 PM" in turn.text
    # 23:30 UTC on Tuesday is 17:30 in Chicago: closed.
    late = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert "closed" in answer("are you open now?", kb, retriever, now=late).text


def test_a_named_day_and_a_holiday(kb: KnowledgeBase, retriever: Retriever) -> None:
    now = datetime(2026, 12, 1, 10, 0, tzinfo=CHICAGO)
    assert "closed" in answer("Are you open on Sunday?", kb, retriever, now=now).text
    friday = answer("What time do you close on Fridays?", kb, retriever, now=now).text
    assert "1:00 PM" in friday
    christmas = answer("Are you open on Christmas?", kb, retriever, now=now)
    assert christmas.action == "answer"
    assert "closed" in christmas.text
    assert (
        "closed"
        in answer(
            "are you open today?", kb, retriever, now=datetime(2026, 12, 25, 10, 0, tzinfo=CHICAGO)
        ).text
    )


def test_an_emergency_follows_the_emergency_facts(kb: KnowledgeBase, retriever: Retriever) -> None:
    turn = answer("My son's tooth got knocked out, it's an emergency!", kb, retriever)
    assert turn.action == "answer"
    assert "milk" in turn.text


# --- passages: the sentence that answers, and knowing when not to answer -------------------


@pytest.fixture
def shop() -> KnowledgeBase:
    """A plumber whose facts say several things each, as crawled pages do."""
    return KnowledgeBase(
        business_name="Test Plumbing",
        categories=Categories(
            services=Services(
                services=[
                    Service(name="Tank water heater installation", price=Price(amount=1650)),
                    Service(name="Drain cleaning", description="Kitchen and bath clogs cleared."),
                ]
            ),
            policies=Policies(
                policies=[
                    Policy(
                        title="Warranty",
                        text="Every repair is guaranteed for one year. Dr. Pipe Smith signs "
                        "each warranty card. Water heaters carry a 6-year tank warranty.",
                    ),
                    Policy(
                        title="Appointments",
                        text="What to Bring: A photo ID; Your model number; Photos of the leak",
                    ),
                ]
            ),
            faqs=FAQs(
                faqs=[
                    FAQ(
                        question="Do you take walk-ins?",
                        answer="Yes. Walk-ins are welcome Tuesday through Friday, 10 AM to 4 PM.",
                    )
                ]
            ),
            profile=Profile(
                facts=[
                    Fact(text="“They fixed my sewer line in an hour and charged $20.” — Sam K."),
                    Fact(text="Sewer Lines: We replace sewer lines. Learn more →"),
                ]
            ),
        ),
    )


@pytest.fixture
def shop_retriever(shop: KnowledgeBase) -> Retriever:
    return Retriever(shop, WordsEmbedder())


def test_a_fact_is_cut_into_passages_with_their_headings() -> None:
    chunk = Chunk(
        "policies",
        "p",
        "Office: Dr. Ruiz sees kids. Parking is free.; Late Arrivals: Call us.; "
        "Do you have Wi-Fi?: Yes, it is free.",
        None,
    )
    passages = split_chunk(chunk)
    assert [p.text for p in passages] == [
        "Dr. Ruiz sees kids.",  # not cut after "Dr."
        "Parking is free.",
        "Call us.",
        "Yes, it is free.",
    ]
    assert [p.heading for p in passages] == ["Office", "Office", "Late Arrivals", ""]
    assert passages[3].asks == "Do you have Wi-Fi?"
    assert passages[3].indexed == "Do you have Wi-Fi?: Yes, it is free."
    faq = split_chunk(Chunk("faqs", "f", "Q: Is it BYOB? A: No. We have a full bar.", None))
    assert [(p.asks, p.text) for p in faq] == [
        ("Is it BYOB?", "No."),
        ("Is it BYOB?", "We have a full bar."),
    ]


def test_the_sentence_that_covers_the_question_is_said_not_the_whole_fact(
    shop: KnowledgeBase, shop_retriever: Retriever
) -> None:
    turn = answer("How long is the tank warranty on water heaters?", shop, shop_retriever)
    assert turn.action == "answer"
    assert "6-year" in turn.text
    assert "one year" not in turn.text  # the other sentence of the same fact is not said
    assert turn.facts
    assert turn.facts[0].category == "policies"


def test_a_list_is_said_whole_when_it_is_what_is_asked(
    shop: KnowledgeBase, shop_retriever: Retriever
) -> None:
    turn = answer("What should I bring?", shop, shop_retriever)
    assert turn.action == "answer"
    for item in ("photo ID", "model number", "Photos of the leak"):
        assert item in turn.text


def test_a_faq_answer_is_said_whole(shop: KnowledgeBase, shop_retriever: Retriever) -> None:
    turn = answer("Can I just walk in?", shop, shop_retriever)
    assert turn.action == "answer"
    assert turn.text.startswith("Yes.")
    assert "4 PM" in turn.text


def test_reviews_and_link_text_are_never_said(
    shop: KnowledgeBase, shop_retriever: Retriever
) -> None:
    turn = answer("How much does a sewer line cost?", shop, shop_retriever)
    # the only price near "sewer line" is a customer's word in a review: not the business's
    assert turn.action == "unknown"
    assert "$20" not in turn.text
    said = answer("Do you replace sewer lines?", shop, shop_retriever)
    assert said.action == "answer"
    assert "Learn more" not in said.text
    assert "“" not in said.text


def test_a_price_question_needs_a_price(shop: KnowledgeBase, shop_retriever: Retriever) -> None:
    assert answer("How much is drain cleaning?", shop, shop_retriever).action == "unknown"
    turn = answer("How much is a tank water heater installation?", shop, shop_retriever)
    assert turn.action == "answer"
    assert "$1,650" in turn.text


def test_a_which_question_needs_the_thing_it_names(
    shop: KnowledgeBase, shop_retriever: Retriever
) -> None:
    assert answer("What brand of water heaters do you install?", shop, shop_retriever).action == (
        "unknown"
    )


def test_a_word_the_business_never_uses_is_declined(
    shop: KnowledgeBase, shop_retriever: Retriever
) -> None:
    # "solar" is in no fact: the water heater facts do not answer it
    assert answer("Do you install solar water heaters?", shop, shop_retriever).action == "unknown"
    assert answer("Do you install water heaters?", shop, shop_retriever).action == "answer"
    # who the caller speaks for is not the point of the question
    turn = answer("My daughter wants to know: do you take walk-ins?", shop, shop_retriever)
    assert turn.action == "answer"


def test_whether_someone_is_free_is_for_the_calendar(
    shop: KnowledgeBase, shop_retriever: Retriever
) -> None:
    turn = answer("Is Dr. Smith working next Thursday afternoon?", shop, shop_retriever)
    assert turn.action == "unknown"
    assert "message" in turn.text


def test_word_endings_count_as_the_same_word() -> None:
    assert same_word("dentist", "dentistry")
    assert same_word("parti", "party")
    assert same_word("refer", "referr")
    assert not same_word("card", "care")
    assert not same_word("fee", "feel")
    # the same start, then another word: not the same word
    assert not same_word("breakfast", "bread")
    assert same_word("refer", "referring")


# --- who works there, the area served, and questions said the caller's way ------------------


@pytest.fixture
def office() -> KnowledgeBase:
    """A practice whose team, area and FAQs are only in its facts, as crawled pages give them."""
    return KnowledgeBase(
        business_name="Test Smiles",
        categories=Categories(
            profile=Profile(name="Test Smiles"),
            team=Team(
                facts=[
                    Fact(text="Dr. Ana Ruiz, DDS Founder: Dr. Ruiz opened the practice in 2009."),
                    Fact(
                        text="Kim Park, RDH Dental Hygienist: Kim has cleaned teeth for 12 years."
                    ),
                    Fact(text="Our Story: We started with two chairs."),
                ]
            ),
            services=Services(
                facts=[Fact(text="Exams: Dr. Ruiz or Dr. Lee does a full exam at every visit.")]
            ),
            locations=Locations(
                service_area=["Dublin", "Powell"],
                facts=[
                    Fact(
                        text="Service Area: We serve Dublin; Powell; Addresses outside our area "
                        "pay a $39 trip charge."
                    )
                ],
            ),
            policies=Policies(
                policies=[
                    Policy(title="Large Groups", text="An 18% gratuity is added for parties of 8.")
                ]
            ),
            faqs=FAQs(
                faqs=[
                    FAQ(
                        question="Do you offer financing?",
                        answer="Yes, through HomeRun Financial on approved credit.",
                    )
                ]
            ),
            promotions=Promotions(facts=[Fact(text="Now Hiring: Delivery drivers, $15 an hour.")]),
        ),
    )


@pytest.fixture
def office_retriever(office: KnowledgeBase) -> Retriever:
    return Retriever(office, WordsEmbedder())


def test_who_are_the_role_names_the_people_of_that_role(
    office: KnowledgeBase, office_retriever: Retriever
) -> None:
    turn = answer("Who are the dentists at your office?", office, office_retriever)
    assert turn.action == "answer"
    assert "Dr. Ana Ruiz" in turn.text
    assert "Dr. Lee" in turn.text
    assert "Kim" not in turn.text
    assert "Our Story" not in turn.text  # a heading of common words is no one's name
    hygienists = answer("who are your hygienists?", office, office_retriever)
    assert "Kim Park" in hygienists.text
    assert "Ruiz" not in hygienists.text


def test_a_who_question_is_answered_only_by_someone_named(
    office: KnowledgeBase, office_retriever: Retriever
) -> None:
    # a job posting says "Delivery drivers" but names no one
    turn = answer("Who are your delivery drivers?", office, office_retriever)
    assert turn.action == "unknown"
    assert "$15" not in turn.text


def test_a_place_is_checked_against_the_area_served(
    office: KnowledgeBase, office_retriever: Retriever
) -> None:
    turn = answer("Would you come out to Powell?", office, office_retriever)
    assert turn.action == "answer"
    assert turn.text.startswith("Yes")
    assert "Powell" in turn.text
    away = answer("I'm out in Marion, would you come out that far?", office, office_retriever)
    assert away.action == "answer"
    assert not away.text.startswith("Yes")
    assert "Dublin" in away.text
    assert "Powell" in away.text
    assert "$39" in away.text  # what the site says of places outside them


def test_a_part_of_the_question_matches_the_sites_own_question(
    office: KnowledgeBase, office_retriever: Retriever
) -> None:
    asked = "Our old furnace died last night and money is tight this month, do you offer financing?"
    turn = answer(asked, office, office_retriever)
    assert turn.action == "answer"
    assert "HomeRun" in turn.text
    # the part "do you offer financing?" is as close to the site's question as can be
    [faq] = [h for h in office_retriever.find_passages(asked) if h.passage.asks]
    assert faq.similarity > 0.9


def test_a_word_the_business_says_another_way_is_understood(
    office: KnowledgeBase, office_retriever: Retriever
) -> None:
    assert stem("gratuity") in related(stem("tip"))
    turn = answer("Is a tip added for groups?", office, office_retriever)
    assert turn.action == "answer"
    assert "18%" in turn.text


def test_numbers_ages_and_light_verbs_are_not_the_point_of_a_question() -> None:
    terms = asked_terms("does my 13 year old get braces from you guys?")
    assert "13" not in terms
    assert "year" not in terms
    assert "old" not in terms
    assert stem("braces") in terms
    assert "much" not in asked_terms("how much do you charge?")


def test_the_question_asked_after_the_setting_stands_alone() -> None:
    asked = "We have 40 people coming for lunch, how far ahead should we order?"
    assert asked_last(asked) == "how far ahead should we order?"
    # a part that leans on what came before ("it") does not
    assert asked_last("I didn't like my haircut, will you redo it?") == ""
    assert asked_last("how far ahead should we order?") == ""


class CountingEmbedder(WordsEmbedder):
    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        return super().embed(texts)


def test_a_turn_embeds_its_searches_in_one_batch(office: KnowledgeBase) -> None:
    embedder = CountingEmbedder()
    retriever = Retriever(office, embedder)
    embedder.calls = 0
    answer("We have a party of 8, is a tip added for groups?", office, retriever)
    assert embedder.calls == 1


def test_a_yes_or_no_question_needs_the_thing_it_asks_about() -> None:
    kb = KnowledgeBase(
        business_name="Test Plumbing",
        categories=Categories(
            services=Services(
                facts=[
                    Fact(text="Sump Pumps: We install sump pumps and battery backups."),
                    Fact(text="Gas Lines: New gas lines for ranges and generators."),
                ]
            )
        ),
    )
    retriever = Retriever(kb, WordsEmbedder())
    # the backups fact shares two of its three words, but says nothing of generators
    assert answer("Do you install backup generators?", kb, retriever).action == "unknown"
    turn = answer("Do you install battery backups?", kb, retriever)
    assert turn.action == "answer"
    assert "battery backups" in turn.text


def test_the_sites_question_counts_the_words_the_caller_did_not_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kb = KnowledgeBase(
        business_name="Test Dental",
        categories=Categories(
            booking=Booking(
                facts=[
                    Fact(text="What to Bring: A photo ID; Your insurance card; Your medications."),
                ]
            ),
            faqs=FAQs(
                faqs=[
                    FAQ(
                        question="Can I bring my kids to my appointment?",
                        answer="Of course. Our play corner has books and puzzles.",
                    )
                ]
            ),
        ),
    )
    retriever = Retriever(kb, WordsEmbedder())
    asked = "what do I need to bring to my first appointment?"
    # "kids" is the point of the site's question, and the caller did not say it
    assert unsaid("Can I bring my kids to my appointment?", asked, retriever) > 0.2
    assert unsaid("What should I bring to my appointment?", asked, retriever) == 0

    def covers(weight: float) -> dict[str, tuple[float, float]]:
        monkeypatch.setattr(engine, "UNSAID_WEIGHT", weight)
        found = engine.scored(asked, engine.candidates(asked, retriever), retriever)
        return {s.passage.text: (s.cover, s.topic) for s in found}

    counted, uncounted = covers(1.0), covers(0.0)
    faq = "Of course."
    assert counted[faq][0] < 0.8 * uncounted[faq][0]
    assert counted[faq][1] < 0.8 * uncounted[faq][1]
    # a heading the caller said all of ("What to Bring") loses nothing
    assert counted["A photo ID"] == uncounted["A photo ID"]
    # nor does the site's question when the caller asks it
    monkeypatch.setattr(engine, "UNSAID_WEIGHT", 1.0)
    assert "puzzles" in answer("can I bring my kids to my appointment?", kb, retriever).text


def test_paying_over_time_is_financing() -> None:
    financing = {stem("financing")}
    assert financing <= set(words_of("Do you have payment plans?"))
    assert financing <= set(words_of("can I pay it off over time"))
    assert financing <= set(words_of("can I pay in monthly installments"))
    assert stem("financing") in related(stem("installments"))
    assert stem("plan") not in set(words_of("Do you have a payment plan?"))
    kb = KnowledgeBase(
        business_name="Test Dental",
        categories=Categories(
            payments=Payments(
                facts=[
                    Fact(text="Other Plans: you pay your portion and your plan pays the rest."),
                    Fact(text="CareCredit: A credit card with promotional financing options."),
                ]
            ),
        ),
    )
    retriever = Retriever(kb, WordsEmbedder())
    turn = answer("Do you have payment plans?", kb, retriever)
    assert turn.action == "answer"
    assert turn.text.startswith("CareCredit")  # not the sentence about insurance plans
    turn = answer("Can I pay over time?", kb, retriever)
    assert turn.action == "answer"
    assert "CareCredit" in turn.text
    assert "portion" not in turn.text


def test_a_day_and_a_time_get_the_hours_and_the_note_about_closing(
    kb: KnowledgeBase,
) -> None:
    kb.categories.hours.facts = [
        Fact(text="We run on time, and we'll tell you if we're not."),
        Fact(
            text="When to find us: We're open Monday through Friday. The kitchen takes last "
            "orders 30 minutes before closing.; Holidays: we're closed on Christmas Day."
        ),
    ]
    retriever = Retriever(kb, WordsEmbedder())
    turn = answer("can I still come in and order food at like 4:45 on a wednesday?", kb, retriever)
    assert turn.action == "answer"
    assert "On Wednesdays we're open 9:00 AM to 5:00 PM" in turn.text
    assert "last orders 30 minutes before closing" in turn.text
    assert "run on time" not in turn.text
    assert "Christmas" not in turn.text
    said = answer("what time do you close on thursday?", kb, retriever).text
    assert "last orders" in said
    # a day the business is closed needs no note, nor does a question about no day or time
    assert "last orders" not in answer("are you open on sunday?", kb, retriever).text
    assert "last orders" not in answer("what are your hours?", kb, retriever).text


def test_a_link_or_an_invitation_to_read_on_is_not_said() -> None:
    kb = KnowledgeBase(
        business_name="Test Dental",
        categories=Categories(
            payments=Payments(
                facts=[
                    Fact(
                        text="Payment: Payment is due at the time of service. Insurance & "
                        "financing details. Find out what to expect at your first visit."
                    ),
                ]
            ),
        ),
    )
    texts = [p.text for p in split_chunk(Retriever(kb, None).chunks[0])]
    sayable = [
        t
        for t, p in zip(texts, split_chunk(Retriever(kb, None).chunks[0]), strict=True)
        if engine.sayable(p)
    ]
    assert sayable == ["Payment is due at the time of service."]


def test_byob_is_bringing_your_own_bottle() -> None:
    assert {stem("bring"), stem("own"), stem("bottle")} <= set(words_of("Is it BYOB?"))
    kb = KnowledgeBase(
        business_name="Test Pizza",
        categories=Categories(
            faqs=FAQs(faqs=[FAQ(question="Is it BYOB?", answer="No, we have a full bar.")])
        ),
    )
    turn = answer("can we bring our own bottle of wine?", kb, Retriever(kb, WordsEmbedder()))
    assert turn.action == "answer"
    assert "full bar" in turn.text


def test_a_sentence_with_no_subject_is_said_with_the_one_before() -> None:
    kb = KnowledgeBase(
        business_name="Test Salon",
        categories=Categories(
            policies=Policies(
                policies=[
                    Policy(
                        title="Accessibility",
                        text="Getting in: the rear entrance is step-free.; Quiet hours: "
                        "Tuesdays from 10 AM to noon, we turn the music off. Great for "
                        "autistic clients and anyone who wants some quiet.",
                    )
                ]
            )
        ),
    )
    retriever = Retriever(kb, WordsEmbedder())
    turn = answer("anything for autistic clients who want quiet?", kb, retriever)
    assert turn.action == "answer"
    assert turn.text.startswith("Quiet hours: Tuesdays from 10 AM")
    assert "autistic" in turn.text
    assert "rear entrance" not in turn.text


def test_the_rules_for_a_party_as_large_as_the_callers_are_said() -> None:
    assert engine.meets_rule(10, "Parties of 10 or more need a credit card.")
    assert engine.meets_rule(10, "For 7 or more, please call us.")
    assert not engine.meets_rule(10, "For events over 50 guests, talk to our events manager.")
    assert not engine.meets_rule(20, "If you arrive more than 15 minutes late, we reschedule.")
    assert engine.headcount("a table for 10 people on Saturday?") == 10
    kb = KnowledgeBase(
        business_name="Test Pizza",
        categories=Categories(
            booking=Booking(
                facts=[
                    Fact(
                        text="Reservation Policies: Online reservations are available for "
                        "parties of up to 6. For 7 or more, please call us. Parties of 10 or "
                        "more need a credit card to hold the reservation. We can split checks."
                    )
                ]
            )
        ),
    )
    retriever = Retriever(kb, WordsEmbedder())
    turn = answer("can I book online reservations for 10 people?", kb, retriever)
    assert turn.action == "answer"
    assert "call us" in turn.text
    assert "credit card" in turn.text
    assert "split checks" not in turn.text


def test_an_automatic_tip_is_one_added_to_the_bill() -> None:
    assert stem("add") in set(words_of("is there an automatic tip for big groups?"))
    assert stem("automatic") in set(words_of("do you have automatic doors?"))
    kb = KnowledgeBase(
        business_name="Test Pizza",
        categories=Categories(
            policies=Policies(
                policies=[
                    Policy(
                        title="Reservation Policies",
                        text="Online reservations are available for parties of up to 6. An "
                        "18% gratuity is added for parties of 8 or more.",
                    )
                ]
            )
        ),
    )
    turn = answer("is there an automatic gratuity for parties?", kb, Retriever(kb, WordsEmbedder()))
    assert turn.action == "answer"
    assert "18%" in turn.text


def test_the_words_that_make_a_question_urgent_are_not_strange_to_it(
    kb: KnowledgeBase, retriever: Retriever
) -> None:
    assert stem("kill") not in engine.unheld("my tooth is killing me", retriever)
    assert stem("kill") in engine.unheld("do you kill nerves", retriever)


def test_an_urgent_problem_when_the_office_is_shut_is_told_what_to_do_after_hours() -> None:
    kb = KnowledgeBase(
        business_name="Test Dental",
        categories=Categories(
            emergencies=Emergencies(
                facts=[
                    Fact(
                        text="Severe toothache: Rinse with warm salt water and take a pain "
                        "reliever.; Lost filling: Keep the filling and bring it with you."
                    ),
                    Fact(text="After Hours & Weekends: Call our main number and press 2."),
                ]
            ),
        ),
    )
    retriever = Retriever(kb, WordsEmbedder())
    said = answer("I've got a severe toothache tonight", kb, retriever).text
    assert "salt water" in said
    assert "press 2" in said
    said = answer("I have a severe toothache, what do I do?", kb, retriever).text
    assert "salt water" in said
    assert "press 2" not in said  # no time said: the office may well be open
    assert engine.off_hours("my tooth hurts and it's the weekend", kb)
    assert not engine.off_hours("my tooth hurts, it's sunday", kb)  # no weekly hours to tell


def test_wi_fi_is_wifi_and_while_is_no_subject() -> None:
    assert stem("wifi") in set(words_of("Is there Wi-Fi?"))
    assert stem("email") in set(words_of("Send us an e-mail"))
    assert {stem("same"), stem("day")} <= set(words_of("same-day crowns"))
    assert {stem("call")} <= set(words_of("the on-call dentist"))
    assert stem("while") not in asked_terms("is there wifi while I wait?")
    kb = KnowledgeBase(
        business_name="Test Salon",
        categories=Categories(
            faqs=FAQs(faqs=[FAQ(question="Is there Wi-Fi?", answer="Free Wi-Fi while you wait.")])
        ),
    )
    turn = answer("is there wifi while I wait?", kb, Retriever(kb, WordsEmbedder()))
    assert turn.action == "answer"
    assert "Free Wi-Fi" in turn.text
