"""The agreement advisor: every rule, every clarification path, and memory."""

from __future__ import annotations

import pytest

from handlers.agreement_rules import ALIGN, MOU, PSC, PTSA


def assert_agreement(harness, text: str, agreement: str | None) -> None:
    """The message alone is answered as an agreement question naming `agreement` (None: it asks)."""
    reply = harness.ask(text)
    assert reply.intent == "agreement" and reply.data["agreement"] == agreement, reply.text


RULES = [
    ("We are paying a dance instructor to teach PE units. Which agreement applies?", PSC, "school"),
    ("The district will pay a consultant to run teacher workshops", PSC, "school"),
    ("A local nonprofit will run a free homework club with their own funding. What agreement?", MOU, "partner"),
    ("An artist is not charging us for the mural project", MOU, "partner"),
    ("The YMCA brings its own grant money for an after school program", MOU, "partner"),
    ("An organization is leasing space in our building for several years. What agreement do they need?", ALIGN, "lease"),
    ("A clinic wants a long-term lease of two classrooms", ALIGN, "lease"),
    ("Our PTSA coordinates the after-school enrichment classes. Which agreement is that?", PTSA, "ptsa"),
    ("our PTA pays the chess coach", PTSA, "ptsa"),
    ("The parent group organizes a before-school robotics club", PTSA, "ptsa"),
]


@pytest.mark.parametrize("text,agreement,reason", RULES)
def test_each_rule_names_the_agreement_and_says_why(harness, text: str, agreement: str, reason: str) -> None:
    reply = harness.ask(text)
    assert reply.intent == "agreement"
    assert reply.data["agreement"] == agreement
    assert reply.data["reason"] == reason
    slot = "space" if reason == "lease" else "payer"
    said = reply.data["evidence"][slot]
    assert said and said in text and f"You said “{said}”" in reply.text  # the words the decision rests on
    assert any(b.action == "agreement.not_meant" and b.value == slot for b in reply.buttons)
    assert reply.data["needs"], "the answer lists what the agreement needs"
    assert any(b.action == "consultation.start" for b in reply.buttons)


def test_psc_lists_documents_and_conditional_rfq(harness) -> None:
    reply = harness.ask("We will pay a tutor from our school budget")
    assert reply.data["agreement"] == PSC
    for needed in ("W-9", "business license", "$1 million", "Bargaining Unit", "Independent Contractor"):
        assert needed in reply.text
    assert "more than $9,999" in reply.text
    assert reply.data["rfq_required"] is False


def test_psc_over_threshold_requires_rfq(harness) -> None:
    reply = harness.ask("We will pay a partner $12,000 this year from school funds. Which agreement?")
    assert reply.data["agreement"] == PSC
    assert reply.data["rfq_required"] is True
    assert "Request for Qualifications (RFQ)" in reply.text and "$12,000" in reply.text


def test_psc_under_threshold_does_not_demand_rfq(harness) -> None:
    reply = harness.ask("we'll pay a drummer $800 for a workshop series")
    assert reply.data["agreement"] == PSC and reply.data["rfq_required"] is False


def test_mou_mentions_the_template(harness) -> None:
    reply = harness.ask("The Boys and Girls Club will run a free program with its own funding")
    assert reply.data["agreement"] == MOU
    assert "MOU template" in reply.text


def test_short_room_use_is_a_building_use_permit_not_alignment(harness) -> None:
    reply = harness.ask("A group wants to rent our gym for a weekend tournament. Which agreement?")
    assert reply.intent == "agreement"
    assert reply.data["agreement"] is None
    assert reply.data["outcome"] == "building_use_permit"
    assert "building-use permit" in reply.text.lower() and "not an Alignment Agreement" in reply.text


def test_a_partners_agreement_with_short_room_use_also_names_the_permit(harness) -> None:
    reply = harness.ask("the partner pays for its own coaching program. they'll use our gym on tuesday evenings for "
                        "about 5 weeks. which agreement?")
    assert reply.data["agreement"] == MOU and reply.data["facts"]["lease"] == "short"
    assert "book it with a *Building-use permit (Building Rentals)*" in reply.text


def test_agreement_asked_in_a_clause_of_its_own_is_decided_not_explained(harness) -> None:
    reply = harness.ask("Northwind Counseling has a 5-year lease on the clinic rooms, they bill insurance and we "
                        "pay them nothing. agreement?")
    assert reply.data["agreement"] == ALIGN


def test_a_lease_stated_in_a_paperwork_question_stays_in_the_case(harness) -> None:
    """Set AB (untouched): the lease said with a question about paying was dropped, and a payment said next
    was decided alone as a PSC; the two mix forms, which the department decides."""
    harness.ask("the partner has a 5-year lease on our portable. what insurance do we need to pay them?")
    reply = harness.ask("oh and now the principal wants to pay them out of building funds for extra groups")
    assert reply.data["agreement"] is None and reply.data.get("outcome") == "unclear"


def test_lease_plus_paid_program_is_unclear_or_asked_never_one_agreement(harness) -> None:
    """A leased partner that the school also pays mixes forms: the department decides. Said in one relative
    clause ("a program ... that we pay for") the payment may not be read for sure: then it is asked."""
    reply = harness.ask("A leased partner also runs a program for students that we pay for. Which agreement?")
    assert reply.data["agreement"] is None
    if reply.data.get("outcome") == "unclear":
        assert set(reply.data["candidates"]) == {ALIGN, PSC} and reply.buttons[0].action == "consultation.start"
    else:
        assert reply.data["asking"] == "who_pays"
    clear = harness.ask("The partner leases our portable for three years. We also pay them to run a program for "
                        "our students.", session="clear")
    assert clear.data["agreement"] is None and clear.data["outcome"] == "unclear"


def test_missing_facts_ask_who_pays_with_buttons(harness) -> None:
    reply = harness.ask("which agreement applies?")
    assert reply.data == {"agreement": None, "asking": "who_pays", "facts": {}}
    assert [b.value for b in reply.buttons] == ["who_pays=school", "who_pays=partner", "who_pays=ptsa", "who_pays=space",
                                                "agreement"]
    assert reply.buttons[-1].action == "form.cancel"


@pytest.mark.parametrize("value,agreement", [("who_pays=school", PSC), ("who_pays=partner", MOU), ("who_pays=ptsa", PTSA)])
def test_who_pays_buttons_decide(harness, value: str, agreement: str) -> None:
    question = harness.ask("what agreement do we need?")
    button = next(b for b in question.buttons if b.value == value)
    assert harness.press(button).data["agreement"] == agreement


def test_space_path_asks_about_the_lease_then_decides(harness) -> None:
    question = harness.ask("which agreement applies?")
    lease_question = harness.press(question, label="It's about using space in our building")
    assert lease_question.data["asking"] == "lease"
    assert harness.press(lease_question, label="Long-term, through a lease").data["agreement"] == ALIGN
    again = harness.press(harness.ask("which agreement applies?", session="s-2"), session="s-2",
                          label="It's about using space in our building")
    permit = harness.press(again, session="s-2", label="Short or occasional use (under 12 weeks)")
    assert permit.data["outcome"] == "building_use_permit"


def test_conflicting_payer_and_ptsa_asks_who_manages(harness) -> None:
    reply = harness.ask("the school pays but the PTSA coordinates the program")
    assert reply.data["asking"] == "coordinator"
    assert harness.press(reply, label="The PTSA or parent group").data["agreement"] == PTSA


def test_typed_answer_continues_the_conversation(harness) -> None:
    assert harness.ask("which agreement applies?").data["asking"] == "who_pays"
    reply = harness.ask("the partner brings its own funding")
    assert reply.data["agreement"] == MOU


def test_typing_a_button_label_presses_it(harness) -> None:
    harness.ask("which agreement applies?")
    assert harness.ask("The school or district pays").data["agreement"] == PSC


def test_memory_is_per_user_and_channel(harness) -> None:
    harness.ask("which agreement applies?", user="U-A", session="room")
    other = harness.ask("2", user="U-B", session="room")  # B never saw A's numbered choices
    assert other.intent != "agreement" or other.data.get("agreement") is None
    harness.ask("which agreement applies?", user="U-B", session="elsewhere")
    mine = harness.ask("2", user="U-A", session="room")  # A's pending question is still A's
    assert mine.data["agreement"] == MOU


def test_a_side_question_is_answered_and_the_question_resumes(harness) -> None:
    harness.ask("which agreement applies?")
    reply = harness.ask("Do schools run background checks for partner staff?")
    assert reply.intent == "background_checks"
    assert "Back to your agreement question: Who pays for the partner's work?" in reply.text
    assert [b.value for b in reply.buttons][-5:-1] == ["who_pays=school", "who_pays=partner", "who_pays=ptsa",
                                                       "who_pays=space"]
    assert harness.ask("the partner brings its own funding").data["agreement"] == MOU


def test_difference_between_two_agreements(harness) -> None:
    reply = harness.ask("What's the difference between an MOU and a PSC?")
    assert reply.intent == "agreement" and reply.data["agreement"] is None
    assert set(reply.data["compare"]) == {MOU, PSC}
    assert "own funding" in reply.text and "pays" in reply.text
    assert set(harness.ask("MOU vs PSC", session="vs").data["compare"]) == {MOU, PSC}


@pytest.mark.parametrize("question", ["MOU or PSC for a mindfulness/yoga org", "PSC or MOU?", "do we need an MOU or PSC",
                                      "for a tutoring nonprofit, MOU or PSC?"])
def test_a_choice_between_two_shows_both_and_the_next_fact_decides(harness, question: str) -> None:
    choice = harness.ask(question)
    assert choice.data["agreement"] is None and set(choice.data["compare"]) == {MOU, PSC}
    assert harness.ask("no money changes hands").data["agreement"] == MOU


def test_after_a_definition_the_facts_said_next_decide(harness) -> None:
    assert harness.ask("what's a PSC?").data["about"] == PSC
    decided = harness.ask("no money changes hands")  # alone, this says nothing about agreements
    assert decided.intent == "agreement" and decided.data["agreement"] == MOU


def test_a_decided_case_outlives_a_question_about_its_documents(harness) -> None:
    assert harness.ask("which agreement if the partner brings its own funding for mentoring").data["agreement"] == MOU
    assert harness.ask("what documents does that one need?").data["about"] == MOU
    again = harness.ask("what if the partner leases a classroom for three years?")
    assert again.data["agreement"] == ALIGN and again.data["facts"]["payer"] == "partner"  # still known


def test_where_is_the_mou_template(harness) -> None:
    reply = harness.ask("where is the MOU template")
    assert reply.data == {"agreement": None, "about": MOU, "question": "template"}
    assert "partnerships@district.example" in reply.text


def test_what_documents_does_a_psc_need(harness) -> None:
    reply = harness.ask("What documents does a PSC need?")
    assert reply.data["agreement"] is None  # a question about a PSC is not a case the facts decide
    assert reply.data["about"] == PSC and reply.data["question"] == "documents"
    assert "W-9" in reply.text


def test_named_agreement_contradicted_by_facts(harness) -> None:
    reply = harness.ask("Can we use an MOU if we pay the tutor $500?")
    assert reply.data["agreement"] == PSC
    assert reply.text.startswith("Not an MOU")


def test_mou_template_link_comes_from_configuration(sqlite_url, notifier) -> None:
    from tests.conftest import FROZEN_NOW, Harness, make_settings

    h = Harness(make_settings(sqlite_url, LINK_MOU_TEMPLATE="https://intranet.example/mou"), notifier, FROZEN_NOW)
    try:
        assert "https://intranet.example/mou" in h.ask("where can I find the MOU template?").text
    finally:
        h.close()


@pytest.mark.parametrize("text,agreement", [
    ("The partner won't pay anything, we pay them $500 for tutoring", PSC),
    ("The school will hire a tutor for our free lunch students for $3000", PSC),
    ("A museum will run free field workshops at no cost to us", MOU),
    ("They bring their own funding, we won't pay anything", MOU),
    ("The Boys & Girls Club is running a drop-in program for our kids and it costs the school nothing", MOU),
    ("the PTSA isn't paying anything, the nonprofit covers it with its own grant", MOU),
    ("our PTA hires and pays the after school art and chess instructors", PTSA),
    ("we want a dance residency; if it costs anything the school will pay from our budget", PSC),
    ("which agreement: the PTSA isn't paying for the chess coach, the school is paying $900", PSC),
    ("the PTSA doesn't pay for it, the partner pays for everything", MOU),
    ("a tutoring nonprofit wants to work with Lowell and it won't cost anything", MOU),
])
def test_explicit_payment_statements_beat_loose_words(harness, text: str, agreement: str) -> None:
    assert harness.ask(text).data["agreement"] == agreement


@pytest.mark.parametrize("text,agreement", [
    ("A local company wants to donate $5,000 worth of robotics kits and volunteers", MOU),
    ("which agreement: the PTSA isn't hiring the coach themselves, but they are paying for it", PTSA),  # who is "they"?
    ("a chess coach, the PTSA doesn't just sponsor it they pay the full fee", PTSA),  # two clauses run together
    ("a grandmother in the neighborhood wants to read with first graders every Tuesday. she isn't part of any group.",
     None),  # the volunteer process
])
def test_what_the_clauses_leave_unsure_is_asked_never_guessed(harness, text: str, agreement: str | None) -> None:
    """Where the reading depends on what the clause reader cannot be sure of (a pronoun's antecedent, two
    clauses run together, a donation with volunteers), the answer is the right one or a question, never
    another agreement."""
    reply = harness.ask(text)
    assert reply.data["agreement"] in (agreement, None)
    assert reply.data["agreement"] == agreement or reply.data.get("asking") or reply.data.get("outcome")


def test_no_to_the_lease_question_means_short_use(harness) -> None:
    harness.press(harness.ask("which agreement applies?"), label="It's about using space in our building")
    reply = harness.ask("No, it is not long-term")
    assert reply.data["outcome"] == "building_use_permit"


def test_rfq_insurance_and_named_agreement_questions_are_answered_directly(harness) -> None:
    rfq = harness.ask("do I need an RFQ?")
    assert rfq.data == {"agreement": None, "about": PSC, "question": "rfq"} and "$9,999" in rfq.text
    insurance = harness.ask("do partners need insurance?")
    assert insurance.data["question"] == "insurance" and "$1 million" in insurance.text
    mou = harness.ask("MOU")
    assert mou.data["about"] == MOU and mou.data["agreement"] is None and mou.data["question"] == "definition"


def test_small_psc_says_no_rfq(harness) -> None:
    reply = harness.ask("we pay a tutor $8,500")
    assert "no Request for Qualifications (RFQ) is needed" in reply.text and reply.data["rfq_required"] is False


def test_unsure_answer_keeps_the_question_and_offers_the_department(harness) -> None:
    harness.ask("which agreement applies?")
    reply = harness.ask("I don't know")
    assert reply.data["asking"] == "who_pays"
    assert reply.data["agreement"] is None
    assert reply.buttons[0].action == "consultation.start" and len(reply.buttons) == 6


def test_articles_read_naturally(harness) -> None:
    assert "so it's an MOU." in harness.ask("a nonprofit runs a free program with its own funding").text
    assert "so it's an Alignment Agreement." in harness.ask("a clinic leases two classrooms for five years").text


def test_a_correction_replaces_the_fact_it_corrects(harness) -> None:
    assert harness.ask("Our PTSA is paying a local nonprofit to run reading buddies at lunch. What agreement is that?"
                       ).data["agreement"] == PTSA
    fixed = harness.ask("Correction: the nonprofit is covering it with its own grant, the PTSA isn't paying anything.")
    assert fixed.data["agreement"] == MOU and fixed.data["facts"]["payer"] == "partner"
    harness.ask("A nonprofit will lease our portable for several years for their youth program. Which agreement?",
                session="space")
    short = harness.ask("wait, I misread the email, they only want to use the portable for a few weeks this summer",
                        session="space")
    assert short.intent == "agreement" and short.data["outcome"] == "building_use_permit"


def test_a_question_that_names_two_agreements_is_not_always_a_choice(harness) -> None:
    for text in ("can I reuse last year's MOU or PSC template?", "how long does approval take for an MOU or PSC?",
                 "where's the template for an MOU or a PSC?"):
        assert "compare" not in harness.ask(text, session=text).data, text


def test_after_a_definition_another_question_is_read_on_its_own(harness) -> None:
    harness.ask("what's an MOU")
    lookup = harness.ask("partners at Garfield that are free to the school")
    assert lookup.intent == "partners" and lookup.data["school"] == "Garfield"
    harness.ask("what's a PSC?", session="psc")
    assert harness.ask("the training costs $50, can I get reimbursed?", session="psc").data.get("agreement") is None
    for facts, agreement, payer in (("it's a free mentoring program at Garfield", MOU, "partner"),
                                    ("ok and when the school pays?", PSC, "school")):
        harness.ask("what's an MOU?", session=facts)
        reply = harness.ask(facts, session=facts)  # about the case: decided, or its reading confirmed
        assert reply.data.get("agreement") == agreement or (
            reply.data.get("asking") == "confirm" and reply.data["facts"]["payer"] == payer), facts


@pytest.mark.parametrize("text,agreement", [
    # a correction that states nothing itself ("scratch that") corrects the clause after it
    ("we thought we'd be paying them but actually scratch that, the partner's covering it with their own grant. "
     "which agreement now", MOU),
    # two subjects of one predicate, hedged: each is read with it, so neither pays yet
    ("the PTSA and the school might split it, still being negotiated... which agreement do we use", None),
    ("Our PTSA and the school will split the cost. Which agreement?", None),
    # a few words after a question's head that state a fact surely are that fact; a name alone is not
    ("what paperwork do I need to pay a partner with school funds", PSC),
    ("which agreement for the PTSA?", None),
    # a question whose case is described in a relative part states that part
    ("can we do a PSC for a partner that brings their own funding? or is it something else", MOU),
])
def test_structure_decides_what_a_message_states(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_the_evidence_quotes_an_organisations_name_as_written(harness) -> None:
    reply = harness.ask("Lease Street Bakery pays the coach directly. Which agreement?")
    assert reply.data["agreement"] == MOU
    assert reply.data["evidence"]["payer"] == "Lease Street Bakery pays the coach directly"
    harness.ask("which agreement does a volunteer need?")
    reply = harness.ask("she's volunteering through Northstar Mentors Alliance, they run it for free with their own funding")
    assert reply.data["agreement"] == MOU  # volunteering through an organisation that funds it


def test_a_weak_reading_of_the_school_paying_does_not_outweigh_a_sure_third_party() -> None:
    from bot.understanding.facts import Fact
    from handlers.agreement_rules import school_settles

    grant = Fact("payer", "partner", "king county grant pays the partner directly", 0.99, 0)
    assert school_settles((grant, Fact("payer", "school", "and we just send kids", 0.6, 1))) is None
    paying = Fact("payer", "school", "and then we pay the theater group", 0.85, 1)
    assert school_settles((Fact("payer", "partner", "the foundation gives the grant to our school", 0.66, 0),
                           paying)) == paying
    share = Fact("payer", "school", "but we're chipping in $2,000 from our discretionary budget", 0.96, 1)
    assert school_settles((Fact("payer", "partner", "the foundation covers most of the cost", 0.97, 0), share)) == share


def test_a_share_the_school_pays_beside_a_third_party_is_a_psc(harness) -> None:
    reply = harness.ask("Salish Sea Science Foundation covers most of the cost thru their donors but we're chipping "
                        "in $2,000 from our discretionary budget. what agreement do we need?")
    assert reply.data["agreement"] == PSC


def test_a_follow_up_the_classifier_places_elsewhere_leaves_the_last_topic(harness) -> None:
    harness.ask("what's a DSA?")
    reply = harness.ask("ok and which agreement if the partner is free to us, they fund it themselves")
    assert reply.intent == "agreement" and reply.data["agreement"] == MOU
    harness.ask("which agreement if a business pays a partner directly for us")
    assert harness.ask("does that partner still need background checks for its staff?").intent == "background_checks"


@pytest.mark.parametrize("text", [
    "what agreement if the school and PTSA split it?",
    "not sure yet if PTA or LAP money will pay for it. which agreement applies",
    "idk who pays, the partner said they're 'working on funding'. which agreement?",  # unknown, stated weakly
])
def test_an_undecided_payer_is_asked_never_guessed(harness, text: str) -> None:
    reply = harness.ask(text)
    assert reply.intent == "agreement" and reply.data["agreement"] is None, reply.text


def test_a_later_amount_or_payment_is_added_to_the_case_it_asks_about(harness) -> None:
    assert harness.ask("we're paying Kindling Writers Workshop about $4k from building funds, agreement?"
                       ).data["agreement"] == PSC
    reply = harness.ask("actually it'll be more like 11 grand over the year, does that change anything")
    assert reply.data["agreement"] == PSC and "Request for Qualifications" in reply.text
    harness.ask("Westside Teen Clinic wants a second room at our school for the next 4 years under their lease. "
                "which agreement?", session="lease")
    mixed = harness.ask("we'd also be paying them from our sped budget for counseling groups, does that change it?",
                        session="lease")
    assert mixed.data["agreement"] is None and mixed.data.get("outcome") == "unclear", mixed.text


@pytest.mark.parametrize("text", [
    "the PTSA and a local business are sharing the cost of the chess coach. which agreement?",  # two kinds of payer
    "we're waiting to hear if the PTSA will cover the art teacher. which agreement?",  # a question inside the clause
    "it's grant funded. which agreement do we need for the tutoring partner?",  # whose grant?
])
def test_a_payer_not_settled_by_the_words_is_asked_with_those_words(harness, text: str) -> None:
    reply = harness.ask(text)
    assert reply.intent == "agreement" and reply.data["agreement"] is None and reply.data["asking"] == "who_pays"
    said = text.split(". which")[0]
    assert reply.text.startswith(f"You said “{said}”, which doesn't settle who pays"), reply.text
    unsure = harness.ask("not sure whether the school or the PTA will pay for it", session="unsure")
    assert unsure.text.startswith("No problem.") and unsure.data["asking"] == "who_pays"


def test_a_share_said_without_its_verb_is_read_as_a_clause_of_its_own(harness) -> None:
    reply = harness.ask("school is covering 25% and the partner's own grant the other 75%, what agreement")
    assert reply.data["agreement"] == PSC and reply.data["evidence"]["payer"] == "school is covering 25%"


def test_the_space_question_stays_asked_until_answered_where_a_lease_would_change_the_answer(harness) -> None:
    assert harness.ask("need an agreement for a partner that wants space in our building").data["asking"] == "lease"
    reply = harness.ask("they fund themselves")
    assert reply.data["agreement"] is None and reply.data["asking"] == "lease", reply.text
    assert harness.ask("it's a 3 year lease").data["agreement"] == ALIGN
    harness.ask("Evergreen Afterschool Fund wants to run a STEM club at our school. which agreement?", session="club")
    assert harness.ask("we'd pay them out of our discretionary funds", session="club").data["agreement"] == PSC


def test_follow_ups_about_a_decided_agreement_are_answered_from_its_rules_not_a_passage(
        sqlite_url: str, notifier) -> None:
    from tests.conftest import FROZEN_NOW, Harness, make_settings

    h = Harness(make_settings(sqlite_url), notifier, FROZEN_NOW, grounded=True)  # as `partnerbot` answers
    try:
        assert h.ask("agreement q: we have a partner we're paying, out of ASB").data["agreement"] == PSC
        for question in ("how much can we pay them before an RFQ is needed", "is that over the RFQ limit?"):
            reply = h.ask(question)
            assert "9,999" in reply.text and reply.data.get("grounded") is None, reply.text
        h.ask("Our sped department is going to pay an individual social skills coach (just her, she's "
              "self-employed). Which agreement?", session="individual")
        reply = h.ask("what does she need to send us?", session="individual")
        assert "resume" in reply.text.lower() and "W-9" in reply.text, reply.text
    finally:
        h.close()


def test_a_share_of_a_named_fee_is_asked_quoting_it(harness) -> None:
    reply = harness.ask("the PTSA will pay part of the ceramics teacher's fee. what agreement do we need")
    assert reply.data["agreement"] is None and reply.data["asking"] == "who_pays"
    assert reply.text.startswith("You said “the PTSA will pay part of the ceramics teacher's fee”")


def test_a_lease_is_decided_when_only_a_weak_not_known_reading_stood_beside_it(harness) -> None:
    assert harness.ask("contract question: an org wants space at Nova").data["asking"] == "lease"
    assert harness.ask("it's a 3 year lease").data["agreement"] == ALIGN


def test_a_stated_case_with_a_question_about_its_paperwork_is_decided_with_that_paperwork(harness) -> None:
    reply = harness.ask("hiring one individual artist (no company, just her) to teach printmaking; the school pays "
                        "her $1,200. agreement + what does she need to send?")
    assert reply.data["agreement"] == PSC and "resume" in reply.text.lower()


@pytest.mark.parametrize("text,agreement", [
    ("Our SpEd budget will pay an adaptive PE provider -- agreement?", PSC),  # "Our" opens the sentence, not a name
    ("Neighborhood Volunteer Corps, a registered nonprofit, will run free tutoring with its own funding. What "
     "agreement do they need?", MOU),  # the name is the subject across the apposition
])
def test_names_at_a_sentences_start_and_beside_an_apposition_are_read_with_their_verbs(
        harness, text: str, agreement: str) -> None:
    assert harness.ask(text).data["agreement"] == agreement


def test_more_said_of_the_provider_answers_the_same_case_again_but_more_work_is_not_decided(harness) -> None:
    harness.ask("the school's building budget pays the coach. agreement?")
    again = harness.ask("and the coach is just one person, not a company")
    assert again.data["agreement"] == PSC and "resume" in again.text.lower()
    harness.ask("we pay a tutor from building funds", session="camp")
    assert harness.ask("and the tutor also runs a summer camp", session="camp").data.get("agreement") is None


@pytest.mark.parametrize("text", [
    "The PTSA and the partner talked it over and they're covering it. Which agreement?",  # "they": both subjects
    "Talked with the PTSA and the dance company yesterday, they're paying. which agreement?",  # either party
    "what agreement do we need, the PTSA pays the coach... or wait is it the athletics dept",  # taken back, asked
])
def test_who_pays_is_asked_when_they_is_both_parties_or_the_payer_is_taken_back_as_a_question(
        harness, text: str) -> None:
    reply = harness.ask(text)
    assert reply.data["agreement"] is None and reply.data["asking"] == "who_pays", reply.text


@pytest.mark.parametrize("text,agreement", [
    ("The org pitched it to the PTSA but they said no, so the school is paying for it out of carryover. what "
     "agreement do we need", PSC),  # "they" is the PTSA, which said no
    ("PTSA voted not to fund swim lessons this year so admin is covering them out of the building budget. which "
     "agreement is that now", PSC),  # "so admin is covering": a clause of its own
    ("I thought admin was paying for the coding club but it turns out the PTSA is covering it. which agreement "
     "applies?", PTSA),  # what was thought is taken back
    ("school pays part of it for sure, not sure yet who covers the rest. agreement?", PSC),  # the rest is not known
])
def test_reversals_and_shares_whose_rest_is_unknown_are_decided_by_what_stands(harness, text: str, agreement: str) -> None:
    assert harness.ask(text).data["agreement"] == agreement


def test_a_parent_body_after_a_comma_opens_a_clause_of_its_own(harness) -> None:
    from bot.understanding.facts import clauses

    assert clauses("the athletics department budget pays him, PTSA isn't involved") == [
        "the athletics department budget pays him", "PTSA isn't involved"]


def test_a_question_for_the_agreement_reads_the_case_its_relative_part_describes(harness) -> None:
    """"a partner that'll be in our building": the part's subject is the partner, so it uses space; how long
    decides between an MOU and an Alignment Agreement, even once the partner is said to pay."""
    first = harness.ask("which agreement for a partner that'll be in our building?")
    assert first.data["agreement"] is None and first.data["asking"] == "lease", first.text
    paid = harness.ask("they bring their own money")
    assert paid.data["agreement"] is None and paid.data["asking"] == "lease", paid.text
    assert harness.ask("five years, under a lease").data["agreement"] == ALIGN


@pytest.mark.parametrize("text,agreement", [
    # money whose holder is not said may be the school's: asked; said anywhere in the message, it decides
    ("The foundation is covering the cost of the chess club. What agreement applies?", None),
    ("the foundation pays the muralist directly, we're just the site. which agreement", MOU),
    ("a grant covers it - the grant went to the theater company, not to us. which agreement", MOU),
    # paying only on a condition about money settles nothing; a condition about something else does not matter
    ("we would cover the drumming teacher but only if the city money doesn't come through. which agreement", None),
    ("we'll pay the dance teacher if the principal signs off. which agreement", PSC),
    # a payer covering a share leaves the rest open
    ("the PTA is paying for half. which agreement", None),
    ("which agreement for the chess instructor? half and half with the PTA", None),
    # a plan that was is replaced by what holds now
    ("Last year we paid the choir director, but this year no one knows who's paying. Which agreement?", None),
    ("the PTSA wanted to pay the tutor but the principal said no the school would pay from our budget. agreement?",
     PSC),
    # denying the building's money does not deny the district's, nor the other way round
    ("Our school isn't paying for this, the district's equity office is covering the facilitator. Which agreement?",
     PSC),
    ("the district isn't paying, our school is paying from the building budget. which agreement", PSC),
    # a name of school money negated after it is not the school paying
    ("Our LAP coordinator says LAP won't pay for it, so the partner is covering it with their own grant. Which "
     "agreement?", MOU),
    # a hedged payer is not a payer
    ("which agreement for the robotics coach? the PTSA is considering paying for it", None),
    # a PTSA and a partner both said to pay: asked, unless the partner reading names nobody paying
    ("Our PTSA pays the Friday cooking teacher, and Bright Path Tutors brings its own funding for reading help. "
     "Which agreement?", None),
    ("it's free to the school, the PTSA covers it. which agreement", PTSA),
    # an organisation's volunteer is the partner's
    ("he would volunteer with Coastal Code Collective, it's free for us. which agreement", MOU),
    # "which agreement covers them" only asks: its words state no payment beside the lease
    ("A daycare has a three-year lease on two rooms in our building. Which agreement covers them?", ALIGN),
    # a parent body and an organisation only listed say who is involved, not who pays
    ("We have two groups on this, our PTSA and Harbor Lights Family Center. Which agreement for the family nights?",
     None),
    # "they" in a case's first words, before anyone is named: confirmed, never decided
    ("They're covering everything. Which agreement do we need?", None),
])
def test_who_pays_is_read_with_its_structure(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_they_in_a_later_answer_is_read_against_the_parties_named_before(harness) -> None:
    """After a PTSA and an organisation, "they" may be either; after the PTSA alone, another payer is confirmed;
    "they invoice the school" names the payer apart from "they"."""
    harness.ask("Which agreement for the art nights? The PTSA has been meeting with the mural folks about costs.",
                session="two")
    two = harness.ask("they said they'd cover it", session="two")
    assert two.data["agreement"] is None and two.data["asking"] == "who_pays", two.text
    harness.ask("which agreement for the Friday ballet class", session="one")
    harness.ask("the PTSA is thinking about paying for it", session="one")
    one = harness.ask("board voted yes last night, they're paying", session="one")
    assert one.data["agreement"] is None and one.data["asking"] == "confirm", one.text
    harness.ask("Eastlake Family Circle wants to run parent workshops here. which agreement?", session="workshops")
    assert harness.ask("they said they have their own donors so it costs us nothing",
                       session="workshops").data["agreement"] == MOU  # "parent workshops" names no parent body
    harness.ask("Which agreement for the art nights? The PTSA has been meeting with the mural folks.", session="apart")
    assert harness.ask("they invoice the school every month", session="apart").data["agreement"] == PSC


def test_a_levy_named_as_the_answer_is_school_money(harness) -> None:
    harness.ask("what agreement do I need")
    assert harness.ask("levy").data["agreement"] == PSC


def test_a_ptsa_that_found_someone_has_not_said_it_pays(harness) -> None:
    reply = harness.ask("which agreement do we need for a drumming teacher the PTA found for us?")
    assert reply.data["agreement"] is None and reply.data["asking"] == "who_pays", reply.text


def test_a_probable_payer_is_not_a_payer(harness) -> None:
    harness.ask("which agreement for the hip hop class after school")
    reply = harness.ask("prob the pta? not sure tbh")
    assert reply.data["agreement"] is None, reply.text


def test_an_introduction_and_a_name_ending_a_sentence_state_nothing(harness) -> None:
    """"Office manager at Dunlap here, sorry ..." introduces the writer; a name's last word does not swallow the full
    stop that ends its sentence ("... Garden Corps. Green Lake asked ...")."""
    intro = harness.ask("Hi! Office manager at Dunlap here, sorry if this is the wrong place lol. A reading nonprofit "
                        "comes in twice a week and they don't charge us anything. What do we sign?", session="intro")
    assert intro.data["agreement"] == MOU, intro.text
    named = harness.ask("Hi, I'm the program director at Tilth Kids Garden Corps. Green Lake asked what agreement we "
                        "need with them.", session="name")
    assert named.data["agreement"] is None and named.data["asking"] == "who_pays", named.text


def test_answers_read_against_who_tells_the_case(harness) -> None:
    """A PTSA officer's "us" is the PTSA; "split with the PTSA" leaves the other share open; a donation whose holder
    is not said is not the partner paying; a provider in the building, for how long not said, is asked about."""
    harness.ask("I'm the PTSA president at Bryant. We want to bring in a chess class. Which agreement?", session="ptsa")
    assert harness.ask("us", session="ptsa").data["agreement"] == PTSA
    harness.ask("agreement for a drumming teacher?", session="split")
    assert harness.ask("split with the PTSA", session="split").data["agreement"] is None
    harness.ask("Which agreement do we need for a swim program?", session="gift")
    assert harness.ask("a donation", session="gift").data["agreement"] is None
    corporate = harness.ask("it's funded by a corporate donation. what do we sign?", session="corp")
    assert corporate.data["agreement"] is None
    provider = harness.ask("Early learning provider in our building, what agreement?", session="space")
    assert provider.data["agreement"] is None and provider.data["asking"] == "lease", provider.text


def test_a_payer_that_decided_to_pay_settles_a_split(harness) -> None:
    harness.ask("What agreement for Kinship Circle at Madison?")
    harness.ask("the school and the PTSA split it")
    assert harness.ask("update: the PTSA decided to cover all of it").data["agreement"] == PTSA


@pytest.mark.parametrize("text,agreement", [
    # "is that ..." asks: "that" after a verb is no relative part stating a case
    ("A nonprofit runs a free robotics club in our library every Monday all year with their own funding. Is that an "
     "alignment agreement since it's all year?", MOU),
    # a PTSA officer's "we" and "our enrichment budget" are the PTSA's
    ("Hi, PTSA treasurer at Bryant here. We voted to pay a Mandarin teacher for a before-school class, funded from our "
     "enrichment budget. What agreement do we need?", PTSA),
    # hoping, thinking and a hedge said aside leave the payer open
    ("We're hoping the PTA will fund yoga classes next term. Which agreement would apply?", None),
    ("The PTA, I think, but it might end up being LAP. Which agreement for the tutoring?", None),
    # half from each leaves the payer open (a school and PTSA split is asked)
    ("Half from our building budget and half from the PTA's fund, for a fiddle teacher. What agreement?", None),
    # a lease denied in so many words is not read from a program that runs all year
    ("Cedar Heritage Language School teaches in two of our classrooms every Saturday of the school year. It's free, "
     "they fund it themselves, and there's no lease. Which agreement?", MOU),
    # several programs paid differently: the one the question names decides
    ("Bright Code is paid out of our LAP money and Kestrel Theatre is funded by the PTSA. We also have Orca Swim "
     "starting in January, fully covered by a county grant the swim program itself receives. Which agreement should "
     "the swim program be on?", MOU),
    ("We have three things at Dunlap: food bags with Harvest Meals (free to us), a dance residency the PTSA is paying "
     "for, and math tutoring we pay for from Title I. Which agreement should the dance residency use?", PTSA),
])
def test_who_pays_for_the_case_asked(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_the_ptsa_saying_we_and_a_bare_donation(harness) -> None:
    harness.ask("Need an agreement for Tidewater Studio's mindfulness class.", session="we")
    assert harness.ask("we're the PTSA at Eckstein and we pay them", session="we").data["agreement"] == PTSA
    harness.ask("what agreement for a partner?", session="gift")
    assert harness.ask("donation", session="gift").data["agreement"] is None


@pytest.mark.parametrize("text,agreement", [
    # not settled yet: whoever was named, who pays is asked
    ("Pending the principal's approval, we'd use discretionary funds to pay the Spanish tutor. Which agreement?", None),
    ("the plan is to pay the coach from Title I, but it's not approved yet. which agreement", None),
    # a sponsor or donor whose holder is not said; said as someone's, it decides
    ("ok so which agreement is it when there's a business sponsor?", None),
    ("There's a donation covering the cost of the poetry workshops. What agreement applies here?", None),
    ("the chess club's sponsor pays the coach. which agreement", MOU),
    # "what about <the other program>" after one decided in the same message is asked, not given the first's answer
    ("Two questions really. The robotics guild we pay out of Title I, I know that's a PSC. But what about the PTSA's "
     "Saturday art class, which they organize and pay the teaching artist for?", None),
])
def test_what_is_not_settled_or_not_named_is_asked(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_no_lease_said_later_takes_back_a_lease_read_before(harness) -> None:
    harness.ask("We have a partner who'll be in our building all year. What agreement?")
    reply = harness.ask("they come every Tuesday for tutoring, no lease, and they're paid by their own donors")
    assert reply.data["agreement"] == MOU and "space" not in reply.data["facts"].get("evidence", {}), reply.text


@pytest.mark.parametrize("text,agreement", [
    # sets AQ and AR (untouched), by mechanism:
    # a parent group said not to be a PTSA, or a school with none, says what the group is, not who pays; the writer
    # speaking for parents makes "we" theirs
    ("Our parent group isn't an official PTSA, it's just a few of us families. We organize and pay for a chess coach "
     "after school. Which agreement?", PTSA),
    ("We don't have a PTSA, but our parent booster club raises money and pays the after-school drama teacher. Which "
     "agreement?", PTSA),
    # a denial denied
    ("we're not NOT paying them lol. title I is covering their invoice. which contract", PSC),
    ("It isn't true that the PTSA isn't paying. The PTSA board approved it and they pay the instructors directly. What "
     "agreement is this?", PTSA),
    # hedges in other words, and more ways of not settled yet
    ("Supposedly the PTSA will cover the drumming teacher. Which agreement?", None),
    ("the principal floated paying them from discretionary. which agreemnt", None),
    ("The PTSA will cover the drumming teacher but nothing's been voted on yet. Which agreement?", None),
    ("we'll pay them from discretionary but its not decided. which agreement", None),
    # a time that was, said alone, holds the plan after it; what follows holds now
    ("when we started, the parent group paid the spanish teacher. these days the teacher's nonprofit has its own grant "
     "and charges nobody. what agreement fits now?", MOU),
    # a correction: money withdrawn is no payer
    ("principal wanted to pay the coding vendor from school funds -- scratch that, our budget got frozen, so the PTSA "
     "is paying the vendor instead. agreement?", PTSA),
    # a lease that ended is no lease
    ("They leased the old portable from us for 3 years, but the lease ended in June. Now they just come in on "
     "Thursdays and the school pays them a stipend out of LAP. Which agreement now?", PSC),
    # several programs: a name after a comma opens a clause; the question names one, even before "which agreement",
    # and the use of space is narrowed to it too
    ("Three things going on: the PTSA pays the chess coach, Treehouse comes free with their own funding, and we pay "
     "the drumming residency out of Title I. What about Treehouse, which agreement?", MOU),
    ("Three things going on: the PTSA pays the chess coach, Treehouse comes free with their own funding, and we pay "
     "the drumming residency out of Title I. Which agreement do we need for the chess coach?", PTSA),
    ("Three things going on: the PTSA pays the chess coach, Treehouse comes free with their own funding, and we pay "
     "the drumming residency out of Title I. For the drumming one, which agreement?", PSC),
    ("we have a few partners. the clinic leases space year round, the art lady we pay hourly, and the reading buddies "
     "are volunteers through their nonprofit at no cost. what do I need for the art lady?", PSC),
    ("Our school pays for the math coach. Different question though: the Boys & Girls Club runs the after school "
     "program with their own funding. Which agreement for the Boys & Girls Club?", MOU),
    # a leased partner that wants the school to pay for a program mixes forms; a foundation of the school is no holder
    ("the health clinic leases space in our building and now also wants us to pay them for a classroom program. which "
     "agreement is it?", None),
    ("the school foundation pays for it. which agreement?", None),
    # a share of school money said surely settles it
    ("We're paying about half the cost and the partner's grant covers the rest. Which agreement?", PSC),
    # a weak denial is no hint of a payer beside a lease
    ("It's not just short-term use of a room: Bright Futures Preschool has a five-year lease in our north wing. "
     "Agreement?", ALIGN),
])
def test_held_out_kinds_of_sets_aq_and_ar(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_answers_that_name_two_payers_or_ask_about_something_else_are_not_a_payer(harness) -> None:
    harness.ask("which agreement", session="both")
    assert harness.ask("the school AND the PTSA", session="both").data["asking"] == "coordinator"
    harness.ask("which agreement", session="us")
    assert harness.ask("us and the PTSA", session="us").data["asking"] == "coordinator"
    harness.ask("Our PTSA wants to hire a tutor for after school math help, they'll pay her", session="tag")
    reply = harness.ask("who runs her background check, the school?", session="tag")
    assert reply.intent == "background_checks" and "agreement" not in (reply.data or {}), reply.text
    harness.ask("what's an alignment agreement?", session="and")
    reply = harness.ask("and who signs the PTSA letter of agreement", session="and")
    assert reply.data.get("asking") is None and "representative" in reply.text, reply.text


def test_a_reading_to_confirm_stays_to_confirm_until_answered_while_the_decision_rests_on_it() -> None:
    from handlers.agreement_rules import PAYER, SPACE, Facts, decide

    lease = Facts(lease="lease", space=True, weak=SPACE, evidence={SPACE: "a partner who'll be in our building all year"})
    free = Facts(payer="partner", evidence={PAYER: "free for us"})
    assert lease.merge(free).weak == SPACE and decide(lease.merge(free)).asking == "confirm"  # the lease still decides
    short = Facts(lease="short", space=True, weak=SPACE, evidence={SPACE: "twice a week during advisory"})
    paid = Facts(payer="school", evidence={PAYER: "it'd come out of our building budget"})
    assert short.merge(paid).weak is None and decide(short.merge(paid)).agreement == PSC  # short use decides nothing


@pytest.mark.parametrize("question, answer", [
    ("is a W-9 needed for an MOU partner?", "No: an IRS W-9 is not on the list for an MOU (it is for a PSC)."),
    ("does a PSC need a w9", "Yes: an IRS W-9 is on the list for a PSC."),
])
def test_a_document_asked_about_by_name_is_answered_yes_or_no(harness, question: str, answer: str) -> None:
    reply = harness.ask(question)
    assert reply.intent == "agreement" and reply.text.startswith(answer), reply.text


@pytest.mark.parametrize("text,agreement", [
    # sets AS and AT (untouched), by mechanism:
    # a vote said without its outcome is no denial; "they" after "the PTSA board" is the board
    ("PTSA board voted last night, they're paying the art teacher for the spring session. what agreement do we do",
     PTSA),
    # a school named as the subject of a denial denies the school's money (taught by example)
    ("The Garfield Jazz Foundation pays the band clinician directly; Garfield doesn't pay anything. Agreement type?",
     MOU),
    # "X, not Y": the denial after the comma is a clause of its own
    ("no wait, sorry, its the PTSA that pays, not the district. which agreement", PTSA),
    # "the principal said fine" consents to what follows; it denies nothing
    ("we've had a garden educator come in for years, always free, but this year the nonprofit lost its funding so the "
     "principal said fine, we'll pay them $3k from the building budget. what agreement do we need now", PSC),
    # two parties joined as the subject, each a noun phrase: "they" may be either
    ("the booster club and the theater company met and they decided they'd pay for it. which agreement", None),
    # the agent of a passive is who acts: "they" after "is run by our PTSA" is the PTSA
    ("Knight Moves Chess is run by our PTSA, they pay the coach. is that the right agreement type?", PTSA),
])
def test_held_out_kinds_of_sets_as_and_at(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


@pytest.mark.parametrize("question, expected", [
    ("the employee vs independent contractor checklist - which sections does the partner fill out vs us",
     "sections 1-3"),
    ("do we need a business license from the partner?", "Yes: a Washington State business license"),
    ("insurance requirements for partners we pay? how much coverage", "$1 million"),
])
def test_a_question_about_a_document_without_a_form_named_is_answered(harness, question: str, expected: str) -> None:
    reply = harness.ask(question)
    assert reply.intent == "agreement" and expected in reply.text and reply.data.get("asking") is None, reply.text


def test_parties_named_then_they_in_a_later_answer(harness) -> None:
    harness.ask("which agreement should we use for after-school dance?")
    assert harness.ask("the PTSA voted on it last week").data["asking"] == "who_pays"
    reply = harness.ask("yes they're paying the studio")  # "they" is the PTSA: the partner reading is confirmed
    assert reply.data["agreement"] is None and reply.data["asking"] == "confirm", reply.text


@pytest.mark.parametrize("text,agreement", [
    # sets AU and AV (untouched), by mechanism:
    # reported speech is read for what was said; two sources disagreeing are asked about
    ("The principal says the PTSA is paying for the theater residency, but the PTSA treasurer just told me the school "
     "is paying. Which agreement do we need?", None),
    # a report said to be wrong says nothing
    ("Someone told me the school isn't paying for the coach, but that's wrong — we are paying him. Which agreement?",
     PSC),
    # "they" after a PTSA and a club may be either
    ("Had a meeting with the PTSA and the soccer club yesterday and they're going to cover the cost. Which agreement do "
     "we need?", None),
    # a named parent group that is "not the PTSA" is the parent group
    ("It's not the PTSA exactly - it's our Black Family Alliance parent group. They coordinate the step team and pay "
     "the coach. Which agreement is that?", PTSA),
    # a time that was, said in more words
    ("Back when the program started, the PTSA paid for it. This year the nonprofit has its own grant and charges "
     "nobody. Which agreement now?", MOU),
    # "what's the agreement for <the case>": the case is read
    ("what's the agreement for an org leasing our basement for 4 years", ALIGN),
    # not knowing, said last, takes back what came before
    ("my AP says the org is free, but their director sent us an invoice last week?? so idk. which agreement", None),
])
def test_held_out_kinds_of_sets_au_and_av(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_the_school_year_and_money_for_a_year_say_nothing_of_a_payer_or_a_lease(harness) -> None:
    harness.ask("A nonprofit wants to use one of our classrooms for their program. what agreement?", session="lease")
    leased = harness.ask("it's for the whole school year and beyond, they'd sign a multi-year lease", session="lease")
    assert leased.data["agreement"] == ALIGN, leased.text
    harness.ask("I need to know the agreement type for our new partner", session="rfq")
    harness.ask("not sure yet", session="rfq")
    paid = harness.ask("the district's paying them - $14,000 for the year", session="rfq")
    assert paid.data["agreement"] == PSC and "RFQ" in paid.text, paid.text


def test_reports_that_disagree_are_asked_and_another_program_of_a_message_is_read_from_it(harness) -> None:
    # sets AW and AX (untouched): each named an agreement confidently
    reply = harness.ask("the AP told me the school is paying the counseling group, but the counseling group says their "
                        "grant covers it. which agreement??", session="reports")
    assert reply.data["agreement"] is None, reply.text
    first = harness.ask("Our PTSA pays a chess coach and the school pays a drumming teacher. Which agreement for the "
                        "drumming one?", session="two")
    assert first.data["agreement"] == PSC, first.text
    assert harness.ask("and for the chess one?", session="two").data["agreement"] == PTSA
    assert harness.ask("what about the drumming one?", session="two").data["agreement"] == PSC


def test_the_writer_is_not_an_officer_reported_and_a_partner_writing_pays_as_we(harness) -> None:
    # sets AY and AZ (untouched): each named an agreement confidently
    reported = harness.ask("The principal says we're paying the robotics coach, but the PTSA president says the PTSA is "
                           "paying him. which agreement?", session="officer")
    assert reported.data["agreement"] is None, reported.text
    partner = harness.ask("Hi, our org runs a food pantry and we cover every cost ourselves. We'd like to set up at "
                          "Dunlap on Fridays. Which partnership agreement is that?", session="org")
    assert partner.data["agreement"] == MOU, partner.text


def test_another_program_asked_about_while_who_pays_is_asked(harness) -> None:
    harness.ask("We have two new things this year: the PTSA pays a drumming teacher for after school, and Treehouse "
                "Readers tutors for free on their own grant. Which agreements do we need?")
    assert harness.ask("what about Treehouse Readers?").data["agreement"] == MOU
    assert harness.ask("and the drumming?").data["agreement"] == PTSA


@pytest.mark.parametrize("turns,agreement", [
    # sets BA and BB (untouched), by mechanism:
    # a report whose words are "they are" borrows the predicate before it; "it's the school" is what was said
    (["the principal says we're paying the coach but the PTSA president says they are. which agreement?"], None),
    (["the counselor said the PTSA is paying the art therapist, but the PTSA president says it's the school. which "
      "agreement do we need?"], None),
    # ", and a chess club that ..." is a program of its own; "and for <a name>?" asks about the named one
    (["two new things this year: a drumming residency our school pays for, and a chess club that the PTSA runs and "
      "pays for. for the drumming residency, which agreement?", "and the chess club?"], PTSA),
    (["Two programs: Bookworm Buddies tutors for free and a drumming teacher we pay. Which agreement for the drumming "
      "one?", "and for Bookworm Buddies?"], MOU),
    # "also" opens a second predicate: a leased partner that also wants to be paid mixes forms
    (["The leased partner in our building (3-year lease for the family center rooms) also wants us to pay them to run "
      "a summer program. Which agreement covers that?"], None),
])
def test_held_out_kinds_of_sets_ba_and_bb(harness, turns: list[str], agreement: str | None) -> None:
    for text in turns:
        reply = harness.ask(text)
    assert reply.intent == "agreement" and reply.data["agreement"] == agreement, reply.text


@pytest.mark.parametrize("turns,agreement", [
    # set BD (untouched): each named an agreement confidently
    # who sent a message on states no fact of the case
    (["Forwarded from our AP: 'Can you find out what agreement we need for the new Saturday science program? "
      "Thanks.'"], None),
    # ", and a ceramics teacher the PTSA pays" is a program of its own
    (["We have a garden nonprofit coming in that brings their own funding, and a ceramics teacher the PTSA pays. What "
      "about the ceramics teacher?"], PTSA),
])
def test_held_out_kinds_of_set_bd(harness, turns: list[str], agreement: str | None) -> None:
    for text in turns:
        reply = harness.ask(text)
    assert reply.intent == "agreement" and reply.data["agreement"] == agreement, reply.text


def test_a_partner_writing_in_the_first_person_and_programs_asked_about_one_by_one(harness) -> None:
    # sets BE and BF (untouched on d681880): confident mistakes
    reply = harness.ask("I run a small nonprofit and we cover every cost of our reading program at Rainier View. What "
                        "agreement do we need with the school?", session="writer")
    assert reply.data["agreement"] == MOU, reply.text
    harness.ask("We have two new partners at Aki Kurose: Hmong Youth Voices brings its own funding, and we're paying "
                "Peace Circle Restorative Partners from our SEL budget. Which agreements?", session="two")
    assert harness.ask("what about Peace Circle?", session="two").data["agreement"] == PSC
    assert harness.ask("and Hmong Youth Voices?", session="two").data["agreement"] == MOU
    harness.ask("Which agreements do we need at Pathfinder? The PTSA pays for a ceramics class, and a nature nonprofit "
                "runs a free garden program with its own money.", session="garden")
    assert harness.ask("for the garden one, which agreement?", session="garden").data["agreement"] == MOU


def test_setting_up_an_agreement_says_nothing_of_a_lease(harness) -> None:
    # set BH (untouched on 18946b7) read "next year's agreement" as a lease and named an Alignment Agreement
    reply = harness.ask("We're setting up next year's agreement for the Leschi Tides Swim Club. Which one do they need?")
    assert reply.data["agreement"] is None and reply.data["asking"] == "who_pays", reply.text


@pytest.mark.parametrize("text,agreement", [
    # sets BI and BJ (untouched on e79c2c3), by mechanism:
    # a report that only disowns what was said before leaves who pays open
    ("The principal says the PTSA will pay for the chess coach, but the PTSA treasurer says they never agreed to that. "
     "Which agreement?", None),
    # the writer speaks for the partner: a role in an organisation, or a named body that is none of the schools
    ("I coordinate a tiny nonprofit and we cover every cost of our garden program ourselves. what agreement do we need "
     "with the school?", MOU),
    ("Hi - I'm the coordinator at Greenway Outdoor School. We want to bring free outdoor science days to Cascadia and "
     "we cover every cost. What agreement do we need?", MOU),
    ("Hi, I'm the office manager at Cascadia. We cover every cost of the chess coach. What agreement do we need?", PSC),
    # a hedge, a time that was, and money still sought settle nothing
    ("I believe the parent group is paying for the art program?? which agreement", None),
    ("When we started, the parent group paid for the after-school soccer coach. Which agreement do we need now?", None),
    ("Originally the PTSA was going to pay, but now the school is. which agreement", PSC),
    ("the partner is applying for a grant to cover it but won't hear back till March. which agreement do we need?",
     None),
    # ", and for the garden club ..." tells another program
    ("For the drumming program the PTSA pays the instructor, and for the garden club the partner brings its own "
     "funding. For the drumming one, which agreement?", PTSA),
    # an aside that says what a parent body is leaves the clause around it as if unsaid
    ("the PTA (we're technically not a PTSA) pays an art teacher for friday enrichment. what agreement", PTSA),
    ("our PTA - we're not a PTSA, but same idea - is funding a spanish immersion club. which agreement", PTSA),
    # a party reported speaking of itself ("they're covering") pays as that party
    ("the PTSA president says they're covering the dance teacher for the after-school class. what agreement", PTSA),
    ("ok PTSA just confirmed they're paying her for the drumming class. which agreement", PTSA),
    # a question's when-part tells the case
    ("What's the right agreement when the PTSA pays an enrichment provider?", PTSA),
    # a statement with no question is still a case; ", and the school's paying now" is a clause of its own
    ("the PTSA treasurer says the PTSA pays the karate teacher, but our principal says that's wrong and the school "
     "pays", None),
    ("scratch that, the PTSA backed out and the school's paying now", PSC),
])
def test_held_out_kinds_of_sets_bi_and_bj(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_a_later_report_disputes_and_the_writers_own_word_decides(harness) -> None:
    first = harness.ask("the treasurer told me the school is paying the music teacher. which agreement")
    assert first.data["agreement"] == PSC, first.text
    disputed = harness.ask("hmm the PTSA president just told me the PTSA is paying her, not the school")
    assert disputed.data["agreement"] is None and disputed.data["asking"], disputed.text
    assert harness.ask("ok the PTSA president is right, the PTSA pays").data["agreement"] == PTSA
    harness.ask("the PTSA treasurer says the PTSA pays the karate teacher, but our principal says that's wrong and the "
                "school pays", session="karate")
    assert harness.ask("ok the principal is right, school pays", session="karate").data["agreement"] == PSC


def test_programs_named_alone_and_a_decided_case_told_more(harness) -> None:
    harness.ask("Two new things: Kids Code Lab will run a free coding club paid for by their tech sponsor, and we're "
                "hiring a steel drum teacher with school money. Which agreement for the coding club?", session="drum")
    assert harness.ask("and the steel drum one?", session="drum").data["agreement"] == PSC
    harness.ask("Three programs this spring. The PTSA is paying for a Lego robotics class and running it, and we pay a "
                "yoga instructor from the wellness budget. What about the yoga one?", session="three")
    assert harness.ask("the robotics class?", session="three").data["agreement"] == PTSA
    harness.ask("our parent group pays a coding teacher for after-school classes and organizes it. which agreement",
                session="parents")
    kept = harness.ask("the parent group isn't a PTSA btw, it's just parents", session="parents")
    assert kept.data["agreement"] == PTSA, kept.text
    harness.ask("we're paying a Zumba instructor from the PE budget. agreement?", session="one")
    person = harness.ask("she's just one person, not a company - anything different?", session="one")
    assert person.data["agreement"] == PSC and "resume" in person.text.lower(), person.text
    harness.ask("Is an MOU right for a nonprofit that runs a free reading program with their own money?", session="t")
    template = harness.ask("where do I get the template?", session="t")
    assert template.intent == "agreement" and "MOU template" in template.text, template.text


def test_a_departments_budget_is_school_money_and_a_consultation_asked_for_is_one(harness) -> None:
    harness.ask("AD here, which agreement for a basketball skills trainer?", session="ad")
    assert harness.ask("athletics budget", session="ad").data["agreement"] == PSC
    reply = harness.ask("Could I get a consultation? Our PTSA and the school keep going back and forth on who pays the "
                        "drumming teacher at Thurgood Marshall and I don't know which agreement to use",
                        session="consult")
    assert reply.intent == "consultation", reply.text


def test_a_copy_of_a_document_named_with_its_form_is_answered_yes_or_no(harness) -> None:
    # set BI (untouched on e79c2c3): "a copy of" was read as asking for the form's template
    reply = harness.ask("do we need a copy of the partner's WA business license for a personal services contract?")
    assert reply.text.startswith("Yes: a Washington State business license is on the list for a PSC."), reply.text


@pytest.mark.parametrize("text,agreement", [
    # sets BK and BL (untouched on 0aa0dca), by mechanism:
    # what others think is a report; reports that disagree are asked
    ("our AP thinks the partner has its own grant, the AD thinks we're paying them. what agreement is it", None),
    ("the partner says it's free but our office manager thinks we owe them $600. what agreement?", None),
    ("Our PTSA treasurer says we pay the chess coach, but the principal says the school covers it. Which is right for "
     "the agreement?", None),
    # a PTSA officer writing, in more words
    ("PTSA VP here. we're going to hire and pay a coding teacher for an after-school class at Eckstein. which "
     "agreement?", PTSA),
    ("I'm the treasurer of the Hazel Wolf PTSA. We coordinate and pay the spring enrichment vendors. what agreement "
     "do we need with them?", PTSA),
    ("I'm program manager at Thunderbird Native Youth Program and we cover every cost of the after-school mentoring. "
     "which agreement?", MOU),
    # a grant whose holder is not said, read as the school's, is no surer of its holder
    ("A grant will cover most of the cost of the tutoring program. which agreement?", None),
    # forwarding says who sent it on
    ("Forwarding from our principal: 'Can you check which agreement we need for the new chess folks?'", None),
    # "so it's a PTSA agreement?" names the form asked about, not who pays
    ("The PTSA recommended this tutoring company but the school is the one paying them. So it's a PTSA agreement?",
     PSC),
    # the program asked about told by its use of space, and "..., and separately the PTSA pays ..." another program
    ("Sunrise Coop leases our old preschool wing for 3 years, and separately the PTSA pays Kestrel Chess for an after "
     "school club. For Sunrise, which agreement?", ALIGN),
    # ", and a soccer nonprofit that's free to us" and "... plus a garden club ..." tell other programs
    ("Two new things at our school: a chess coach the PTSA pays, and a soccer nonprofit that's free to us. What "
     "agreements do we need?", None),
    ("Drumming residency (school-funded) plus a garden club run by a nonprofit with its own grant. Which agreement for "
     "each?", None),
    ("We have 3 programs starting: Little Sprouts Garden Club (PTSA pays), Metro Drum Circle (we pay them from the "
     "building budget), and a free college-visit program that a foundation runs with its own money. Which agreement "
     "for each?", None),
    # "they" after a passive is its one agent; "a group of 8th grade parents" is the parents
    ("Our robotics club is organized by the 6th grade parent group and they cover the coach's fee. which agreement do "
     "we use?", PTSA),
    ("the club is run by the PTSA and the Rotary, they pay the coach. which agreement", None),
    ("it's not technically a PTSA, just a group of 8th grade parents, but they set it up and pay the pottery "
     "instructor. what agreement?", PTSA),
])
def test_held_out_kinds_of_sets_bk_and_bl(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_several_programs_asked_one_by_one_and_a_parent_helping_in_class(harness) -> None:
    harness.ask("Sunrise Coop leases our old preschool wing for 3 years, and separately the PTSA pays Kestrel Chess "
                "for an after school club. For Sunrise, which agreement?", session="lease")
    assert harness.ask("and for Kestrel Chess?", session="lease").data["agreement"] == PTSA
    harness.ask("Drumming residency (school-funded) plus a garden club run by a nonprofit with its own grant. Which "
                "agreement for each?", session="each")
    assert harness.ask("what about the drumming one", session="each").data["agreement"] == PSC
    assert harness.ask("and the garden club?", session="each").data["agreement"] == MOU
    harness.ask("We have 3 programs starting: Little Sprouts Garden Club (PTSA pays), Metro Drum Circle (we pay them "
                "from the building budget). Which agreement for each?", session="list")
    assert harness.ask("what about the garden club?", session="list").data["agreement"] == PTSA
    harness.ask("Two new things at Washington: a drumming group the PTSA pays for after school, and a chess coach we "
                "pay out of discretionary funds. which agreements?", session="ok")
    assert harness.ask("ok and the drumming group?", session="ok").data["agreement"] == PTSA
    assert harness.ask("chess coach?", session="ok").data["agreement"] == PSC
    harness.ask("we pay a dance instructor $800 for a 4 week unit", session="paid")
    person = harness.ask("she's an individual, not a company - anything extra?", session="paid")
    assert person.data["agreement"] == PSC, person.text
    harness.ask("We're paying a partner $8k from building funds. which agreement?", session="rfq")
    more = harness.ask("oh wait, it's actually going to be $15,000 for the year", session="rfq")
    assert more.data["agreement"] == PSC and "RFQ" in more.text, more.text
    mom = harness.ask("I'm a mom at Bailey Gatzert and want to help in the classroom once a week. which agreement do I "
                      "need?", session="mom")
    assert mom.data["agreement"] is None and "volunteer" in mom.text.lower(), mom.text


def test_statements_and_document_questions_placed_unsurely_are_answered(harness) -> None:
    might = harness.ask("the PTSA might pay, we'll find out next month", session="m")
    assert might.intent == "agreement" and might.data["agreement"] is None, might.text
    share = harness.ask("The PTSA is picking up the bulk of the cost of the spring musical choreographer", session="a")
    assert share.intent == "agreement" and share.data["agreement"] is None, share.text
    license_ = harness.ask("does the partner have to give us their WA business license?", session="b")
    assert license_.intent == "agreement" and license_.text.startswith("Yes:"), license_.text
    who = harness.ask("who's at Dearborn Park? new principal trying to learn our partners 😅", session="c")
    assert who.intent == "partners" and who.data["school"] == "Dearborn Park Int'l", who.text


@pytest.mark.parametrize("text,agreement", [
    # sets BM and BN (untouched on 6a2213a), by mechanism:
    # two programs joined by "and" with no comma, each with its payer
    ("Our chess coach is paid by the PTSA and the drumming residency by our Title I funds. Which agreement for the "
     "drumming one?", PSC),
    ("two programs this year: a chess club our PTSA pays for and a drumming residency the school pays for. for the "
     "drumming one which agreement?", PSC),
    # "because" opens the reason, a clause of its own
    ("wait, it's free to us because the PTSA pays them. which agreement?", PTSA),
    # two kinds of payer as one subject are asked about; two parent bodies pay alike
    ("the PTSA and the Lions club are both chipping in to pay the instructor. agreement?", None),
    ("the PTSA and the boosters are both paying the coach. agreement?", PTSA),
    # a business's name holds no fact, whatever words it holds
    ("which agreement for Westside PTA Enrichment LLC?", None),
    # a report that disowns, said without an object
    ("I heard from another AP that the foundation is paying, but the foundation says they never agreed to. agreement?",
     None),
    # "thinks" is a report (not a typo of "thanks"), and "because ..." after it is the reason of that opinion
    ("our AP thinks the tutoring group needs an alignment agreement because they're here every day. they're free to "
     "us, funded by a foundation", MOU),
    # taught by example: a grant the partner has; one person doing it for free on her own
    ("the bookkeeper says the partner has a grant, but the partner says they'll invoice us. which agreement?", None),
])
def test_held_out_kinds_of_sets_bm_and_bn(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_a_business_named_like_a_form_and_a_person_on_her_own(harness) -> None:
    business = harness.ask("which agreement for Westside PTA Enrichment LLC?", session="llc")
    assert business.data["asking"] == "who_pays" and "Letter of Agreement" not in business.text, business.text
    harness.ask("which agreement for a reading tutor?", session="tutor")
    alone = harness.ask("she's doing it for free, on her own, not with an org", session="tutor")
    assert alone.data["agreement"] is None and "volunteer" in alone.text.lower(), alone.text


@pytest.mark.parametrize("text,agreement", [
    # sets BO and BP (untouched on 1d641ba), by mechanism:
    # "they do" after a verb with no auxiliary borrows that verb's predicate: reports that disagree are asked
    ("the AP says the school pays the tutor but the PTSA treasurer says they do. agreement?", None),
    ("the principal said the PTSA pays the theater company, the treasurer says the school does. which agreement",
     None),
    # the short clause's negation reaches what it borrows
    ("the university pays for the program, the school doesn't. which agreement?", MOU),
    # "... and a paid SAT prep company (school pays them)": another program, with its payer aside
    ("we have a free tutoring nonprofit and a paid SAT prep company (school pays them). which agreement for the SAT "
     "prep company?", PSC),
])
def test_held_out_kinds_of_sets_bo_and_bp(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_a_hedged_report_is_confirmed_and_a_program_named_bare(harness) -> None:
    harness.ask("which agreement for the art teacher?", session="hedge")
    hedged = harness.ask("our treasurer says the PTSA will probably pay", session="hedge")
    assert hedged.data["agreement"] is None and hedged.data["asking"] == "confirm", hedged.text
    amount = harness.ask("we're paying him out of the building budget, maybe 2k total. what contract do i need",
                         session="amount")
    assert amount.data["agreement"] == PSC, amount.text  # "maybe 2k" hedges the amount, not who pays
    harness.ask("We have two programs: the PTSA pays for chess club, and a nonprofit runs coding club free with its "
                "own money. Which agreement for the coding one?", session="bare")
    assert harness.ask("and for chess?", session="bare").data["agreement"] == PTSA


@pytest.mark.parametrize("text,agreement", [
    # sets BQ and BR (untouched on 1189d93), by mechanism:
    # a report's "we" after an addressee is the writer's side; "they" is the speaker's ("told me they expect us to pay")
    ("our principal said the partner is paying for it, but the org's director told me they expect us to pay them. "
     "which agreement?", None),
    ("the org's director told me we're covering it from Title I. which agreement?", PSC),
    # the PTSA's "we" naming school money: whose money is asked
    ("the PTSA treasurer says we're covering it from Title I. which agreement?", None),
    # a subject joined by "and" whose first noun has a modifier in -ing ("the coding nonprofit and the PTSA")
    ("the coding nonprofit and the PTSA want to run a camp, which agreement", None),
    # "a nonprofit called <name>" is one party: "they" is it
    ("new AP. a nonprofit called Northwind Arts Foundation wants to do free mural workshops, they said they fund it "
     "all themselves. which agreement", MOU),
    # "it's not X it's Y" without a comma is two clauses
    ("its not the PTSA paying for the coding club its our building budget. which agreement?", PSC),
    # the other side of the agreement ("with the school") is not who pays
    ("PTSA treasurer here :) we pay the after school ceramics and spanish teachers out of PTSA funds. what agreement do "
     "we use with the school for that", PTSA),
    # data where a value was missing: "mgr", "fam" (knowledge/abbreviations.yaml), a department's budget line
    # (funds.yaml), a program using the building says nothing of who pays (payer.yaml)
    ("office mgr at dunlap. the levy is paying for a drumming residency this spring which agreemnt do i start", PSC),
    ("fam engagement budget line pays a cultural liaison org to run our family nights. what form do we use", PSC),
    ("which agreement for a preschool using our building?", None),
])
def test_held_out_kinds_of_sets_bq_and_br(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_news_of_another_claim_disputes_a_report_and_a_retraction_decides(harness) -> None:
    harness.ask("our PTSA treasurer says the school's covering the drum teacher, which agreement?", session="news")
    news = harness.ask("ugh now the PTSA prez is telling me the PTSA pays her", session="news")
    assert news.data["agreement"] is None and news.data["asking"], news.text
    harness.ask("the AP says the school is paying her. which agreement?", session="retract")
    assert harness.ask("actually the principal says the PTSA pays her", session="retract").data["agreement"] == PTSA
    # in one message too: "now ..." after a report is another claim, not the writer's correction
    assert_agreement(harness, "the AP says the PTSA is paying the yoga teacher, but now the PTSA president says the "
                              "school is. which agreement?", None)


def test_a_lease_of_ones_own_home_is_not_the_departments(harness) -> None:
    reply = harness.ask("my landlord sent me a lease renewal, can you explain the early termination clause")
    assert reply.intent == "unknown" and not reply.data.get("agreement"), reply.text


@pytest.mark.parametrize("text,agreement", [
    # sets BS and BT (untouched on 1189d93 and f25f472), by mechanism:
    # quoted speech is reported speech: two quotes that disagree are asked
    ("per Jen (office mgr): 'school is paying the chess coach.' per Tom (PTSA treasurer): 'PTSA is paying the chess "
     "coach.' which agreement?", None),
    ('From the budget office: "Coding instructor will be paid from the CTE department budget, PO already cut." Which '
     'agreement is that?', PSC),
    # a report that only disowns what was reported takes it back, however the models read its words
    ("The PTSA president says they're paying the theater teacher, but the treasurer says they never agreed to that. "
     "which agreement?", None),
    # "Parent Teacher group" is a parent body: "they" after it is the agent
    ("The Little Engineers program is organised by our Parent Teacher group, and they pay the instructor. Which "
     "agreement?", PTSA),
    ("the Dads Club pays the chess coach. which agreement?", PTSA),
])
def test_held_out_kinds_of_sets_bs_and_bt(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_quoted_replies_dispute_and_the_partners_we_and_they_carry_across_turns(harness) -> None:
    harness.ask("our music partner -- which agreement? per the PTSA VP: 'we're covering them this year'", session="q")
    disputed = harness.ask("hmm, the PTSA president just replied-all: 'no, the school is covering them this year'",
                           session="q")
    assert disputed.data["agreement"] is None and disputed.data["asking"], disputed.text
    # the partner wrote the first turn: its "we" in the answer is the partner's
    harness.ask("I'm the coordinator at Greenway Outdoor School -- we'd like to run field science days with the 5th "
                "graders at Sanislo. Which agreement do we need?", session="partner")
    assert harness.ask("we cover every cost ourselves, the school pays nothing",
                       session="partner").data["agreement"] == MOU
    # "they also want us to pay them ..." is the leased partner of the case: a mix, for the department
    assert harness.ask("An after-school provider holds a long-term lease on our annex. What agreement?",
                       session="mix").data["agreement"] == ALIGN
    mixed = harness.ask("they also want the school to pay them to tutor during the day. which agreement then?",
                        session="mix")
    assert mixed.data["agreement"] is None and "department" in mixed.text, mixed.text
    budget = harness.ask('From the budget office: "Coding instructor will be paid from the CTE department budget." '
                         'Which agreement is that?', session="quoted")
    assert "“the budget office says Coding instructor" in budget.text, budget.text  # who said it, quoted plainly
    weekend = harness.ask("occasional gym use on weekends, alignment?")
    assert weekend.intent == "agreement" and weekend.data.get("agreement") != ALIGN, weekend.text


@pytest.mark.parametrize("text,agreement", [
    # sets BU and BV (untouched on 2ac87bc), by mechanism: several programs told, one asked about
    ("3 new things at Leschi: Little Sprouts garden club (PTSA pays), a drumming residency paid from our Title I "
     "funds, and a free reading program a nonprofit runs with their own grant. for the drumming one, which agreement?",
     PSC),  # ", and a ..." opens the next program
    ("chess club is paid by the PTSA and robotics is paid by the school. robotics, which one?", None),
    # a clause opening with a pronoun after the program asked about tells of it
    ("A nonprofit runs a food pantry here. They fund it themselves. We also pay a dance teacher from our budget. For "
     "the pantry, which agreement?", MOU),
    # "Treasurer of the Bryant PTSA here": an officer introducing herself; "we" is the PTSA
    ("Treasurer of the Bryant PTSA here. We voted last night to pay for the Thursday Lego engineering class out of "
     "our enrichment budget. Which agreement?", PTSA),
    # a provider "coming to our school" says nothing of who pays (set D's one confident mistake, from before)
    ("Which contract for a yoga instructor coming to our school", None),
    # data where a value was missing: a PE department's budget, a parent volunteering alone
    ("I'm the athletic coordinator. We want to bring in a climbing instructor for the 9th grade PE rotation; the PE "
     "department pays her out of its budget. Agreement?", PSC),
    ("A master gardener from the neighborhood would like to help us every week. She is not with any group, just "
     "herself. Does she need an agreement?", None),
])
def test_held_out_kinds_of_sets_bu_and_bv(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_the_program_asked_about_is_read_alone_and_the_provider_asked_again(harness) -> None:
    harness.ask("Two things at Highland Park: Sunrise Yoga is free, funded by their own donors, and the Saturday "
                "soccer coach is paid by the school from our levy money. For the soccer coach, which agreement?",
                session="two")
    # nothing said of who pays for the one asked about: asked, never another program's payer
    assert harness.ask("and Sunrise Yoga?", session="two").data.get("agreement") != PSC
    harness.ask("two partners starting: a soccer clinic the parent group pays for, and a counseling org with a 3 year "
                "lease on an office in our building. which agreements?", session="lease")
    assert harness.ask("the soccer one?", session="lease").data["agreement"] == PTSA
    harness.ask("We're paying a local muralist from school funds to paint a wall with the 5th graders. Which agreement?",
                session="one")
    person = harness.ask("is it different if she's just one person, not a company?", session="one")
    assert person.data["agreement"] == PSC and "resume" in person.text.lower(), person.text
    harness.ask("The school pays the Spanish teacher for the before-school class. Which agreement?", session="vote")
    voted = harness.ask("correction: the PTSA board voted last night to pay her instead, the school won't pay anything",
                        session="vote")
    assert voted.data["agreement"] == PTSA, voted.text
    # a question naming no program ("what agreement does she need?", "PSC right?") reads the whole message
    nurse = harness.ask("A retired nurse in the neighborhood wants to come in and read with kids on her own, she isn't "
                        "part of any organization. What agreement does she need?", session="nurse")
    assert nurse.data["agreement"] is None and "volunteer" in nurse.text.lower(), nurse.text
    assert harness.ask("Everything needs a PSC, I was told. The Audubon chapter is doing free bird walks with 2nd grade, "
                       "costs us nothing, their own volunteers and budget. PSC right?",
                       session="audubon").data["agreement"] == MOU


@pytest.mark.parametrize("text,agreement", [
    # sets BW and BX (untouched on f4723b0), by mechanism:
    # a list of programs each told with its payer: every item is a clause of its own, and the one asked about is
    # read alone (items in parentheses, joined by commas or "and" without a determiner; a question word shared by
    # two programs, "club", tells neither apart)
    ("we have a few things going: chess club paid by ptsa, drumming residency from our title I funds, and a free "
     "reading program a nonprofit runs. which agreement for the drumming one", PSC),
    ("garden club (ptsa pays), robotics (we pay from levy) and a dance thing nobody has sorted out yet. what do we "
     "need for the dance thing", None),
    ("We have three programs for spring: a garden club (PTSA pays), drumming (we pay it with LAP) and a new coding "
     "club. Which agreement for the coding club?", None),
    ("At Leschi we have the chess club that our PTSA pays, and the nature club which is free from a nonprofit. "
     "Which agreement for the nature club?", MOU),
    ("Chess club is paid by the PTSA, robotics is paid by the school with Title I, and a nonprofit runs a free "
     "reading program. For robotics which agreement?", PSC),
    # ... and parts of one clause are no list: "and pay the coach", "on her own", "maybe 2k total", "grant funded"
    ("the PTSA is coordinating and paying for a chess coach, what agreement?", PTSA),
    ("we're paying him out of the building budget, maybe 2k total. what contract do i need", PSC),
    ("The PTSA recommended them, but the PTSA isn't paying for it or running it. The org is totally free, grant "
     "funded. which agreement?", MOU),
    ("Dear partnerships team, our parent group raised funds at the spring auction and will be hiring a few enrichment "
     "vendors to teach after-school classes next year. The parents will handle scheduling and payment. Which "
     "agreement?", PTSA),
    # the writer's purpose ("so i can move on") states nothing: "move on" is no lease
    ("just tell me its an MOU so i can move on pls", None),
    # a partner's "we": what the models read as the school is the partner ("we cover every cost")
    ("Good morning. I am the director of Othello Hoops Academy. We would like to run a free basketball clinic at Aki "
     "Kurose; we cover every cost with our own fundraising. Which agreement should we sign with the school?", MOU),
    # "were covering" typed for "we're", opening the message, is no plan that was
    ("were covering 40% from building budget and a foundation is covering the rest, what agreement", PSC),
    # the partner said first is "they", though it was said without "the"
    ("nonprofit wants to run a free homework club, they have their own funding. what agreement", MOU),
    # "supposed to" says what someone expects, not what was agreed: confirmed before it decides
    ("the school is supposed to pay them from Title I. which agreement", None),
])
def test_held_out_kinds_of_sets_bw_and_bx(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_another_program_of_a_list_is_read_alone_a_turn_later(harness) -> None:
    harness.ask("we have a few things going: chess club paid by ptsa, drumming residency from our title I funds, and a "
                "free reading program a nonprofit runs. which agreement for the drumming one", session="list")
    assert harness.ask("and the reading one?", session="list").data["agreement"] == MOU
    assert harness.ask("and chess?", session="list").data["agreement"] == PTSA
    harness.ask("robotics club and chess club - chess is paid by the ptsa and robotics is paid by the school. which "
                "agreement for robotics", session="bare")
    assert harness.ask("and chess", session="bare").data["agreement"] == PTSA
    harness.ask('From the principal\'s email: "For spring we have Sunny Sprouts Garden Club (PTSA pays), Eastside Drum '
                'Circle (we pay from Title I), and Rainier Readers which is free from a nonprofit." Which agreement '
                'for Eastside Drum Circle?', session="email")
    assert harness.ask("And Rainier Readers?", session="email").data["agreement"] == MOU


def test_a_word_said_instead_of_another_corrects_the_case(harness) -> None:
    harness.ask("ptsa is paying the instructor", session="star")
    corrected = harness.ask("*school not ptsa", session="star")
    assert corrected.data["agreement"] == PSC and "school is paying the instructor" in corrected.text, corrected.text
    harness.ask("the PTSA pays the coach from its budget", session="the")
    assert harness.ask("the school, not the PTSA", session="the").data["agreement"] == PSC


def test_asking_about_the_rfq_with_the_agreement_decides_the_case(harness) -> None:
    reply = harness.ask("paying a dance org 12000 total from title 1 which agreement + do we need an rfq")
    assert reply.data["agreement"] == PSC and "Request for Qualifications" in reply.text, reply.text


@pytest.mark.parametrize("text,agreement", [
    # sets BY and BZ (untouched on 33ec3f2), by mechanism:
    # a program named after "and" with nothing said of it, beside one with its payer, is another item of a list
    ("We run two programs at Orca K-8: a circus class that the PTSA pays us for, and a homework club. Which agreement "
     "for the homework club?", None),
    ("We've got two new things this year: chess club is paid by the PTSA, and there's a robotics club that a local "
     "engineering firm wants to run. Which agreement for the robotics one?", None),
    # "isn't approved yet" leaves it unsettled, as "not approved yet" does
    ("The principal wants to pay us from LAP, but the budget isn't approved yet. What agreement would we sign?", None),
    # the writer speaks for the partner: "I'm the program director at a small nonprofit", "We're <a body's name>."
    ("Hi, I'm the program director at a small nonprofit. We'd like to offer free homework help at Northgate "
     "Elementary two afternoons a week, and we cover every cost ourselves. What agreement do we need with the school?",
     MOU),
    ("We're Delridge Youth Soccer Alliance. We pay our own coaches, the school doesn't pay anything. Agreement?", MOU),
    # the one partner before the verb is "they", however many words name it ("the nonprofit and the PTSA talked it
    # over and they're covering it" still asks)
    ("A free tutoring nonprofit wants to partner with us, they bring their own funding. which agreement?", MOU),
    ("the nonprofit and the PTSA talked it over and they're covering it. which agreement?", None),
    # "Chief Sealth wants to pay us": paid to the writers, by the school
    ("Hello, we're Duwamish Valley Youth Soccer. Chief Sealth wants to pay us about $8k to co-teach their PE soccer "
     "unit this spring. What agreement?", PSC),
    # parts of one clause are no programs: an amount, "total is ...", a denial after a comma
    ("We pay two separate invoices to the same drumming group, $6,000 in the fall and $6,000 in the spring, all "
     "school money. Which agreement?", PSC),
    ("The Duwamish Youth Fund pays Delridge Futbol Club directly for our after school soccer, school isn't paying a "
     "dime. What agreement?", MOU),
    # "X... sorry, I mean Y": the name said first is taken back
    ("The Garfield Booster Club... sorry, I mean the Garfield Alumni Foundation, wants to start a mentoring program "
     "with our juniors. which agreement?", None),
])
def test_held_out_kinds_of_sets_by_and_bz(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_who_pays_the_rest_keeps_the_schools_share_and_a_listed_program_comes_back(harness) -> None:
    share = harness.ask("The district's arts office is paying for part of the residency. Which agreement?",
                        session="rest")
    assert share.data["agreement"] == PSC, share.text  # the school's share decides, the rest unsaid
    rest = harness.ask("the artists' nonprofit covers the rest from their own fundraising", session="rest")
    assert rest.data["agreement"] == PSC, rest.text
    harness.ask("We've got two new things this year: chess club is paid by the PTSA, and there's a robotics club that "
                "a local engineering firm wants to run. Which agreement for the robotics one?", session="chess")
    harness.ask("the firm covers it, it's part of their community giving program, nothing from us", session="chess")
    assert harness.ask("and for the chess one?", session="chess").data["agreement"] == PTSA
    harness.ask("The Garfield Booster Club... sorry, I mean the Garfield Alumni Foundation, wants to start a mentoring "
                "program with our juniors. which agreement?", session="mean")
    own = harness.ask("they'd be running it themselves with their own money, it's their program", session="mean")
    assert own.data["agreement"] == MOU, own.text


@pytest.mark.parametrize("text,agreement", [
    # sets CA and CB (untouched on f467f31), by mechanism:
    # "For Sound Beats, which agreement?": a capitalised preposition opening a sentence is no part of the name
    ("Hillside Garden Club (PTSA pays), Sound Beats Drumming (we pay from Title I). For Sound Beats, which agreement?",
     PSC),
    # a role at a nonprofit named in more words ("the director of a small youth arts nonprofit")
    ("Hello! I'm the director of a small youth arts nonprofit and we'd love to run free drawing classes at Leschi. We "
     "cover every cost ourselves. What agreement do we need?", MOU),
    # said to be disputed ("Me and our AP disagree"): asked, however surely one side was read
    ("Me and our AP disagree. I think the PTSA pays the garden educator; she says it's our LAP money. Which "
     "agreement?", None),
])
def test_held_out_kinds_of_sets_ca_and_cb(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_news_reported_by_message_disputes_a_report(harness) -> None:
    harness.ask("our bookkeeper said the school is covering the drama coach. which agreement?", session="msg")
    news = harness.ask("hmm, now the PTSA co-president is messaging me that the PTSA pays her", session="msg")
    assert news.data["agreement"] is None, news.text


@pytest.mark.parametrize("text,agreement", [
    # sets CC and CD (untouched on 0f8a089), by mechanism:
    # two reports joined by "while" without a comma, or the second said short ("... says the PTSA does"): the short one
    # borrows the predicate of what the first report said, and the two are asked about
    ("our treasurer says the PTSA is paying the chess coach while the principal thinks the school is. which agreement",
     None),
    ("the AP is telling me the school pays the tutor and the PTSA president says the PTSA does. which agreement", None),
    # who pays said only of another program named with the one asked about
    ("drumming residency and a garden club this year, PTSA pays for the garden club. which agreement for the drumming?",
     None),
    ("Our drumming residency starts in March. The school pays for the drumming residency from LAP. which agreement for "
     "the drumming?", PSC),
    # "... at John Muir. which agreement do we need with the school": a question's head, not a relative clause
    ("I'm the program director at Tamarack Outdoor School, we cover every cost of our after school hikes at John Muir. "
     "which agreement do we need with the school", MOU),
    # set CD: "the lease with <name> ended" is no lease; a longer time that was still holds the plan after it
    ("The lease with Cheasty Family Learning Center ended in June. Since then they come twice a month to run a free "
     "family literacy night at Mercer, paid for by their own donors. Which agreement do we need now?", MOU),
    ("When we started the garden program three years ago, the parent group paid the garden educator. Which agreement "
     "should we have with her?", None),
])
def test_held_out_kinds_of_sets_cc_and_cd(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


@pytest.mark.parametrize("text,agreement", [
    # sets CC to CF, by mechanism:
    # money still to be won ("if we get it ..."): who pays is not settled
    ("grant staff q: we wrote a grant with a partner and if we get it the school would pay them. which agreement?",
     None),
    # reasoning from a name ("that means the foundation pays") is confirmed, never decided on
    ("the org is called Garfield Community Foundation, that means the foundation pays so MOU yes?", None),
    # a leased partner someone other than the partner pays: the department's to decide, so who pays is asked
    ("which agreement for a leased partner that also runs a paid program?", None),
    # the program asked about is told apart from every payer ("... The new soccer program starts in January")
    ("The PTSA pays the art teacher for the after-school art class. The new soccer program starts in January. Which "
     "agreement for soccer?", None),
    ("chess club is paid by the PTSA and we're also starting a new coding club. which agreement for the coding club?",
     None),
    # "the drumming one" is "Drum Circle": program words meet by their stems
    ("Little Sprouts Garden Club (PTSA pays), Metro Drum Circle (we pay from Title I). for the drumming one, which "
     "agreement?", PSC),
    # the question in a sentence of its own after a preamble the classifier cannot place
    ("Quick one before our leadership meeting: Jefferson Park Arts Studio will teach printmaking at Mercer this "
     "spring. Which agreement?", None),
])
def test_held_out_kinds_of_sets_ce_and_cf(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_a_case_told_over_turns_is_read_as_one_telling(harness) -> None:
    """Follow-ups about programs of one message, and a share completed a turn later (sets CC to CF)."""
    harness.ask("The school's Title I plan pays for two tutors from Beacon Hill Tutoring Cooperative, and the PTSA "
                "separately pays for an after-school art class. Which agreement for the art class?", session="tutors")
    tutors = harness.ask("And for the tutors?", session="tutors")  # "for the tutors" says what is asked, not who pays
    assert tutors.data["agreement"] == PSC, tutors.text
    harness.ask("Verde Garden Club (PTSA pays), Rainier Rhythm Drumline (we pay it from LAP), Puget Sound Literacy "
                "Project (free, their own grant). what about Rainier Rhythm Drumline", session="three")
    assert harness.ask("and Verde Garden Club?", session="three").data["agreement"] == PTSA
    third = harness.ask("what about Puget Sound Literacy Project?", session="three")  # the list, not the second question
    assert third.data["agreement"] == MOU, third.text
    harness.ask("ok two things. tutoring partner w/ their own grant, and PTSA paying the yoga teacher before school. "
                "tutoring first, which agreement", session="yoga")
    assert harness.ask("now the yoga one", session="yoga").data["agreement"] == PTSA
    harness.ask("Sprouts Garden Club (PTSA pays), Southend Drum Circle (we pay them from LAP). For the drumming one, "
                "which agreement?", session="same")
    assert harness.ask("same for the garden club?", session="same").data["agreement"] == PTSA
    harness.ask("PTSA pays half of the ceramics residency. which agreement", session="half")
    other_half = harness.ask("the school pays the other half from discretionary", session="half")
    assert other_half.data["agreement"] is None and other_half.data["asking"] == "coordinator", other_half.text
    harness.ask("we pay half of the cost of the drumming. which agreement", session="rest")
    rest = harness.ask("the PTSA covers the rest", session="rest")
    assert rest.data["agreement"] is None and rest.data["asking"] == "coordinator", rest.text


def test_asked_to_just_pick_one_the_bot_says_why_it_asks(harness) -> None:
    harness.ask("agreement for a mural artist?", session="pick")
    for text in ("just tell me which one", "just pick one", "dont ask me questions just say PSC"):
        reply = harness.ask(text, session="pick")
        assert reply.intent == "agreement" and reply.data["agreement"] is None, reply.text
        assert reply.text.startswith("I won't guess") and reply.data["asking"] == "who_pays", reply.text
    decided = harness.ask("fine. school pays her from building budget", session="pick")
    assert decided.data["agreement"] == PSC, decided.text


def test_a_leased_partner_paid_by_someone_else_is_asked_with_the_department_offered(harness) -> None:
    # set CC: decided as an Alignment Agreement; a lease with someone else paying mixes forms
    reply = harness.ask("which agreement for a leased partner that also runs a paid program?")
    assert reply.data["agreement"] is None and reply.data["asking"] == "who_pays", reply.text
    assert "decided with the department" in reply.text and reply.buttons[0].label == "Ask the department", reply.text
    paid = harness.press(reply, label="The school or district pays")
    assert paid.data["agreement"] is None and "needs the department" in paid.text, paid.text


def test_a_writer_who_runs_a_partners_program_speaks_for_it(harness) -> None:
    # set CE: "I run the after school program at <organisation>": the writer's "we" is the partner's
    harness.ask("I run the after school program at Jefferson Park Soccer League, what agreement do we need with "
                "Beacon Hill", session="league")
    own = harness.ask("we pay our coaches from our own registration fees and grants, the school pays nothing",
                      session="league")
    assert own.data["agreement"] == MOU, own.text
    school = harness.ask("I run the after school program at Garfield, we pay a coach from our budget. which agreement")
    assert school.data["agreement"] == PSC, school.text  # a school's own staff name their school
    # set CF: a body whose name holds a school's ("Alki") is not that school
    club = harness.ask("I'm the director of Alki Beach Volleyball Club. We'd like to run a free after-school clinic at "
                       "West Seattle High, paid entirely out of our club's own budget. What agreement do we need?")
    assert club.data["agreement"] == MOU, club.text
    harness.ask("Hello! I'm the office manager at Franklin. For the Franklin Stage Company partnership, which agreement "
                "is right?", session="franklin")  # the school's own staff, the sentence after it no part of its name
    drama = harness.ask("we pay them from our drama budget, about $3,200", session="franklin")
    assert drama.data["agreement"] == PSC, drama.text


@pytest.mark.parametrize("text,agreement", [
    # sets CG and CH (untouched on 8d5fb24), by mechanism:
    # a condition on money to come said in the clause before the payer's
    ("If we get the grant, the school would pay them. Which agreement?", None),
    # what was, with a time that is past, and nothing of now; beside what is now, what is decides
    ("The PTSA paid for the chess coach last spring. Which agreement?", None),
    ("The school paid the coach until October; since November the PTSA pays her. Which agreement?", PTSA),
    # a payer read off the name the message calls the organisation is confirmed
    ("Since the org is literally named Free Arts For Kids, it's free, so it's an MOU?", None),
    ("The org is called Garfield Community Foundation, so the foundation pays, right? Which agreement?", None),
    # the program asked about is told apart from a payer said of another program, whatever its words
    ("Our PTSA pays for the yoga instructor. The garden program starts in January. Which agreement for the garden "
     "program?", None),
    ("This is Priya, coordinator at Cascadia Forest School - we're a nature program, not the district's Cascadia "
     "Elementary. Our donors cover all costs. What agreement does Lawton need with us for the Friday forest walks?", MOU),
    # money given to the school, which then pays the partner: the school pays ("the school won't spend" is no gift)
    ("the city pays, through a grant they awarded to the school. which agreement", PSC),
    ("The Lakeside Rotary pays the mentoring org directly and the school won't spend a dime. What agreement do we "
     "need?", MOU),
    # a name that holds a word, or money held in a partner's name, is no reasoning from a name
    ("the org has PTSA in its name (Lakeview PTSA Partners Inc) but they bring their own funding and charge us "
     "nothing. so PTSA agreement right?", MOU),
    # what a partner is paid to do read apart from who pays it; a school department's budget is the school's money
    ("We'd pay a robotics company to run a club. what agreement?", PSC),
    ("the special ed budget pays for a sensory-gym company to come twice a week. agreement?", PSC),
    # what the partner pays for ("staff, buses, gear") names no other program
    ("I run a small nonprofit, Leschi Tide Pool Science, and we cover every cost ourselves: staff, buses, gear. Which "
     "agreement do we sign with Leschi?", MOU),
])
def test_held_out_kinds_of_sets_cg_and_ch(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_a_name_read_as_a_payer_and_the_writer_asking_to_be_paid(harness) -> None:
    harness.ask("Which agreement for Free Arts Collective at Sand Point?", session="name")
    named = harness.ask("it's free, right? it's in the name", session="name")
    assert named.data["agreement"] is None and named.data["asking"] == "confirm", named.text
    checked = harness.ask("no, I checked: the school pays them $3,000", session="name")
    assert checked.data["agreement"] == PSC, checked.text
    harness.ask("I'm the coordinator at Cascade Trails Outdoor School. We want to bring our nature program to MLK for "
                "free, we pay for everything. What agreement do we need?", session="paid")
    later = harness.ask("and what if later we want MLK to pay us for extra days?", session="paid")
    assert later.data["agreement"] == PSC, later.text


def test_to_before_a_pronoun_or_a_noun_is_no_purpose(harness) -> None:
    # a stored set (AC): "talked to them" read as "the PTSA talked", a payer, once a purpose was read apart
    harness.ask("we want to bring in Sound Strings Collective for a string ensemble at Whitman. what agreement?")
    talked = harness.ask("the PTSA talked to them last week")
    assert talked.data["agreement"] is None, talked.text
    donated = harness.ask("Our PTSA made a donation to the school and the school is going to pay the muralist out of "
                          "that account. Which agreement?", session="donated")
    assert donated.data["agreement"] == PSC, donated.text


@pytest.mark.parametrize("text,agreement", [
    # sets CI and CJ (untouched on 03d2f7e), by mechanism:
    ("We submitted a Neighborhood Matching Fund application to pay a muralist; decisions come out in April. Which "
     "agreement do we need?", None),  # a decision still to come
    ("Should the levy money come through, we'd pay the tutors from it. Which agreement should we plan for?", None),
    ("Two years ago our parent group covered the beekeeping instructor. What agreement do we need for her?", None),
    ("Up until Thanksgiving our building budget paid the reading tutor, but as of this month the nonprofit's own grant "
     "pays her. Which agreement?", MOU),
    ("The group's name is Zero Cost Theater Project so obviously it's free. Which agreement?", None),
    ("The group's name is Free Arts Seattle, so I'm assuming there's no cost to us. Which agreement?", None),
    # the program (or a name) a question asks about states nothing itself
    ("The PTSA covers the ukulele teacher. A climbing gym wants to run a bouldering club for 5th graders starting in "
     "March. Which agreement for the bouldering club?", None),
    ("What agreement do we need for Delridge Free Music Fund? They're starting guitar lessons at Sanislo in January.",
     None),
    ("It's the Greenlake Family Foundation running Saturday coding, so the foundation pays, which means an MOU?", None),
    ("It's Title I money, so the school pays. which agreement", PSC),
    # a claim said to be untrue; a school's share said as a fraction; who pays another program not known
    ("Our PTSA treasurer claimed they're covering the robotics coach, but that isn't true; the school pays him from the "
     "building budget. Which agreement?", PSC),
    ("The school covers about a third of the dance residency and the dance company's own grant covers the rest. Which "
     "agreement?", PSC),
    ("Two things: the PTSA pays for a chess coach, and for a new robotics club we're not sure yet who's paying. Which "
     "agreement for chess?", PTSA),
    # the writer speaking for a partner in more words, or with a name alone
    ("I direct a small youth rowing nonprofit and we pay our coaches ourselves; there's no cost to the school. We want "
     "to partner with Ballard. Which agreement?", MOU),
    ("I'm with Spokes & Sprockets, a little bike-repair nonprofit. We pay for everything on our end. We want to start "
     "at Denny; which agreement?", MOU),
])
def test_held_out_kinds_of_sets_ci_and_cj(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


@pytest.mark.parametrize("text,agreement", [
    # how a payment stands is read by the standing model (knowledge/facts/standing.yaml), in words no rule lists
    ("The boosters covered the coach back in 2023. Which agreement do we need?", None),  # only what was
    ("During the 2024-25 year the boosters footed the bill for the robotics coach. Which agreement?", None),  # a year
    ("In 2023 the boosters funded the rowing coach. Which agreement do we need?", None),  # a year, the hand rule
    ("The PTA covered the coach back in 2023; this year the school pays him from the building budget. Which "
     "agreement?", PSC),  # what was, beside what is
    ("We'd pay the tutors, assuming the board signs off in February. Which agreement?", None),  # a condition after
    ("If the levy money comes through, we'd pay the dance teacher. Which agreement?", None),  # a condition before
    ("If we end up winning the arts grant, the money comes to the school and we'd pay the muralist. Which agreement?",
     None),  # a condition two clauses before
    ("they're a nonprofit so I figure it's free. which agreement?", None),  # reasoned: confirmed
    ("The PTSA board voted yes and they're paying the pottery teacher. Which agreement?", PTSA),
    # a program the message tells nowhere, beside another one's payer ("club" names both)
    ("The PTSA funds the chess club at Loyal Heights. Which agreement for the new drama club?", None),
    # a lease said to have ended, wherever it was
    ("Our lease at Olympic Hills ended in August, and we still run a free reading club there with our own funding. "
     "Which agreement?", MOU),
    # a clause taking back what came before (the standing model's "withdrawn")
    ("Our PTA offered to cover the ballet teacher, but they backed out at Tuesday's meeting. Which agreement?", None),
    # the writer leads the partner, named right after the verb
    ("I coordinate the Duwamish Paddle Club, a small nonprofit. We cover all our costs ourselves. Which agreement do "
     "we need with Chief Sealth?", MOU),
])
def test_what_was_what_is_still_to_come_and_what_is_reasoned_decide_nothing(harness, text: str,
                                                                             agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_new_is_no_word_of_a_program(harness) -> None:
    harness.ask("the debate coach is paid by the PTSA and the new robotics club is paid by the school. which agreement "
                "for debate?")
    drama = harness.ask("same for the new drama club?")  # "new" is said of robotics, "drama" of none of them
    assert drama.data["agreement"] is None, drama.text


def test_what_is_left_said_of_the_rest_keeps_the_schools_share(harness) -> None:
    assert harness.ask("The school is paying most of the cost for the tap residency. What agreement?").data[
        "agreement"] == PSC
    rest = harness.ask("Whatever is left, the dance nonprofit itself absorbs.")
    assert rest.data["agreement"] == PSC, rest.text


def test_whose_word_it_is_said_before_it_makes_two_reports_that_disagree(harness) -> None:
    first = harness.ask("According to our AP, the school's covering the fencing coach. Which agreement?")
    assert first.data["agreement"] == PSC, first.text  # one report, not disputed, decides
    second = harness.ask("ok but the PTSA treasurer just messaged me that the PTSA covers him")
    assert second.data["agreement"] is None and second.data["asking"] != "confirm", second.text


def test_a_program_the_list_never_told_and_a_turn_to_the_next_one(harness) -> None:
    harness.ask("debate team coach is paid by the PTSA and the 3D-printing club is paid by the school. which agreement "
                "for debate?")
    assert harness.ask("now 3D printing").data["agreement"] == PSC
    drama = harness.ask("same for the new drama club?")  # "club" is the 3D-printing club's word, "drama" none of them
    assert drama.data["agreement"] is None, drama.text
    leased = harness.ask("The counseling clinic in our leased portable now wants us to pay them to run a grief group "
                         "too. Which agreement?", session="leased")
    assert leased.data["agreement"] is None and "decided with the department" in leased.text, leased.text


@pytest.mark.parametrize("text,agreement", [
    # money paid to the school's side is for space, which decides: short use needs no partnership agreement
    ("a rec league pays the school to use the field tues/thurs for 5 weeks this spring. psc?", None),
    ("a church group wants to pay us to use the gym on saturdays for about 6 weeks. do they need an agreement", None),
    ("Little Ferns Early Learning pays the district rent every month for the preschool classroom, under a lease that "
     "still has several years to run. Which agreement?", ALIGN),
    # "us" paid for a program is the partner writing; a body named after a school is no school
    ("Hello, we're Duwamish Valley Youth Soccer. Chief Sealth wants to pay us about $8k to co-teach their PE soccer "
     "unit this spring. What agreement?", PSC),
    ("Aki Kurose is paying the Cleveland High School robotics alumni group $900 from our discretionary funds to mentor "
     "7th graders. which agreement", PSC),
])
def test_who_is_paid_decides_whether_paying_is_for_space(harness, text: str, agreement: str | None) -> None:
    reply = harness.ask(text)
    assert reply.data["agreement"] == agreement, reply.text
    if agreement is None:
        assert "no partnership agreement is needed" in reply.text, reply.text


def test_staff_words_for_an_agreement_ask_for_one_program_and_chipping_in_is_a_share(harness) -> None:
    bike = harness.ask("pto covers the knitting teacher. a new bike repair club starts in feb. which agmt for the bike "
                       "club")
    assert bike.data["agreement"] is None, bike.text  # who pays was said of the knitting teacher only
    half = harness.ask("pto is chipping in half for the pottery artist. which agreement", session="half")
    assert half.data["agreement"] is None, half.text  # who pays the rest is not said


def test_what_was_heard_from_someone_is_a_report_another_report_disputes(harness) -> None:
    harness.ask("office mgr heard from the bookkeeper that the school's covering the dance teacher. which agmt")
    second = harness.ask("hmm now the ptsa co-chair just messaged me that the ptsa pays her")
    assert second.data["agreement"] is None and second.data["asking"] != "confirm", second.text


@pytest.mark.parametrize("text,agreement", [
    # a payer's clause that opens with a condition holds it until then; "if" puts a case forward
    ("Assuming the levy dollars arrive in the spring, Beacon Hill would pay Beacon Drumline Arts for a second "
     "semester of drumline. Which agreement would that be?", None),
    ("If the PTSA pays the coach, which agreement do we need?", PTSA),
    # a guess is confirmed; a season gone by is what was; a grant applied for is money to come
    ("Since Duwamish Waterways is a registered nonprofit, I'm guessing the Chief Sealth river field study doesn't "
     "cost the school anything. Which agreement does that point to?", None),
    ("In the 2024-25 season a Whitman sports boosters group paid our rowing coaches' stipends. Which agreement should "
     "we have?", None),
    ("Harbor Lights Coding Lab has applied to a state STEM innovation fund for a grant that would let us offer the "
     "coding club at Eckstein at no cost to the school. Which agreement should we plan around?", None),
    # "up to now" tells what was; the partner writing denies its own side ("we can't keep absorbing that")
    ("Up to now the PTSA paid the chess coach. Which agreement?", None),
    ("I run the after-school program at Southend Hoops Academy. Up to now our skills clinics at Rainier Beach were "
     "free, paid out of our own pocket, but our board says we can't keep absorbing that. From January on we want "
     "Rainier Beach to pay us a per-coach stipend. What agreement would that need?", PSC),
])
def test_held_out_kinds_of_set_cr(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_the_rest_of_a_share_paid_by_another_outside_payer_is_asked(harness) -> None:
    harness.ask("a foundation is paying part of the coding camp. which agreement")
    rest = harness.ask("the rest is the pto")
    assert rest.data["agreement"] is None and rest.data["asking"] == "who_pays", rest.text
    assert harness.ask("the pto manages the instructor and coordinates the whole thing").data["agreement"] == PTSA


@pytest.mark.parametrize("text,agreement", [
    # a question in a note's few words names the program asked about
    ("pto pays the zumba instructor and the robotics coach is on our building budget. agreement for zumba", PTSA),
    # "i coordinate <Name>" written in lower case is still the partner writing: its "we" is the partner
    ("i coordinate Delridge Youth Fencing and we pay for everything ourselves. which agreement with denny?", MOU),
    ("i'm the program lead at Delridge Youth Fencing and we pay for everything ourselves. which agreement?", MOU),
    # whoever says "the school pays nothing" is not the school: their "we" is the partner
    ("Lumen provides free group therapy to Garfield students: we pay our clinicians from our own grants and the school "
     "pays nothing. Which agreement?", MOU),
    ("the district doesn't pay, we cover it from our building budget. which agreement", PSC),
    # the partner asking the school to pay: the school pays
    ("i run the after school program at Lakeview Youth Boxing, we'd like mercer to cover our fee for the spring "
     "session. which agmt", PSC),
])
def test_held_out_kinds_of_set_cq(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_a_denial_of_the_school_speaks_for_its_own_message_only(harness) -> None:
    harness.ask("I need to figure out the agreement for a partner doing mental health groups at Ingraham.")
    assert harness.ask("they bill medicaid, no school money").data["agreement"] == MOU
    extra = harness.ask("and if we ended up adding $500 from our budget for extra sessions?")
    assert extra.data["agreement"] == PSC, extra.text  # "we" is still the school: the denial spoke for its message


@pytest.mark.parametrize("text,agreement", [
    # an emoji ends a sentence: the question after it states nothing, the report before it still disputes
    ("Dana says PTSA is covering the ukulele teacher, but Marcus in the office says it's coming out of the building "
     "budget \U0001f643 which agreement?", None),
    # a decision to come, said inside the payer's clause; money hoped for; a share in percent
    ("Discretionary would cover the chess coach once BLT approves it next month. agreement?", None),
    ("Hoping Aerotech Corp's grant pays the robotics mentors directly. agreement?", None),
    ("A tutoring nonprofit pays about 60 percent of it themselves. Which form?", None),
    # "promised to pay" is the speaker's own act, not a report of what someone said
    ("The PTA VP promised to pay the drama coach. What paperwork?", PTSA),
    # a grant "in their name" is whose it is, not a name reasoned from
    ("North End Homework Haven holds its own 21st Century grant (the grant is in their name, not ours) and runs "
     "homework help at no cost to the school. Which agreement?", MOU),
    # "mentioned to me that ..." reports what was said
    ("Lowell's PTSA treasurer mentioned to me that the school will be covering our ceramics teacher this term. Which "
     "agreement?", PSC),
    # a reporting verb with nothing said after it
    ("There's a grant involved, but whether it's our school's grant or the partner's, nobody has told me. Which "
     "agreement?", None),
])
def test_held_out_kinds_of_sets_cs_and_ct(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_a_name_said_to_hold_a_word_is_confirmed_and_the_rest_of_a_parent_share_asks_who_manages(harness) -> None:
    harness.ask("Which contract for Little Sparks Theater?")
    named = harness.ask("well the word Free is in their name, Little Sparks Free Theater")
    assert named.data["agreement"] is None and named.data["asking"] == "confirm", named.text
    harness.ask("PTSA's chipping in 50% for the pottery artist. which agreement?", session="share")
    rest = harness.ask("the other 50% is ours from building budget", session="share")
    assert rest.data["agreement"] is None and rest.data["asking"] == "coordinator", rest.text
    assert harness.ask("the PTSA hired the artist and manages her schedule", session="share").data["agreement"] == PTSA


@pytest.mark.parametrize("text,agreement", [
    # the cost split between the school and another payer: the school's share makes it a PSC, whoever the question
    # names; a PTSA's share with the rest unsaid is asked
    ("We pay about a third and a local nonprofit covers the rest. What kind of agreement is that for the nonprofit?",
     PSC),
    ("Our PTSA gives half of the money for the ceramics teacher. Which agreement do we use?", None),
    # a school of some kind, said in lower case, is an organisation paying for space, never the school's side
    ("A karate school will pay us to use the gym two evenings a week during the winter, about 8 weeks. Which "
     "agreement they sign?", None),
    ("which agreement for a tutor the school pays?", PSC),
    # what was, in staff's short words; a hedge said alone before the payer's clause
    ("school paid the tutor thru mid nov. which agmt now?", None),
    ("When the art program started, the PTSA paid the artist. What agreement should we be using?", None),
    ("In 2023 our wrestling clinic ran on booster money. What agreement for it now?", None),
    ("Little Scholars Foundation do the Saturday reading academy, I suppose because it is a foundation they pay for "
     "it? Which agreement?", None),
    # families paying the provider themselves: no school money, and a PTSA coordinating still makes it the PTSA's
    ("a teacher asked me what agreement we need if families pay the swim program directly and the school pays "
     "nothing", MOU),
    ("Our PTSA runs the sign-ups and coordinates the after-school Spanish class; families pay the provider directly. "
     "Which agreement is that?", PTSA),
])
def test_held_out_kinds_of_sets_cu_and_cv(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_paid_work_on_a_lease_and_money_proposed_are_asked_and_a_dropped_grant_is_not_to_come(harness) -> None:
    more = harness.ask("a group that leases our old portable now wants us to pay them to run an after school program "
                       "too. which agreement??")
    assert more.data["agreement"] is None and more.data["asking"] == "who_pays", more.text
    free = harness.ask("A nonprofit leases our east wing for five years and also runs a free homework club. which "
                       "agreement?", session="free")
    assert free.data["agreement"] == ALIGN, free.text
    proposal = harness.ask("We put in a proposal to the city arts office for money to bring in a theater company; "
                           "they announce awards in late spring. Which agreement will we need?", session="proposal")
    assert proposal.data["asking"] == "who_pays", proposal.text  # money still to come: asked, not confirmed
    harness.ask("applying for a grant to pay a chess coach, wont hear till march. which agmt", session="grant")
    dropped = harness.ask("ok forget the grant, the ptsa will just pay him and run it", session="grant")
    assert dropped.data["agreement"] == PTSA, dropped.text


def test_a_statement_going_on_from_the_case_is_read_after_its_words(harness) -> None:
    harness.ask("our parents group wants to hire an after school art teacher, which agreement")
    theirs = harness.ask("they'll pay her and handle signups")  # "they" is the case's parent group
    assert theirs.intent == "agreement" and theirs.data["agreement"] == PTSA, theirs.text
    harness.ask("The principal says the PTSA will pay for the drum teacher. Which agreement?", session="drum")
    disowned = harness.ask("hmm, the PTSA president just told me they never agreed to that", session="drum")
    assert disowned.intent == "agreement" and disowned.data["agreement"] is None, disowned.text
    assert disowned.data["asking"] == "who_pays", disowned.text


@pytest.mark.parametrize("text,agreement", [
    # an outside payer's share with the PTSA paying the rest: who manages it is asked, in one message too
    ("A foundation is paying part of the cost of the grief group and the PTSA is covering the rest. Which agreement "
     "would that be?", None),
    ("A foundation is paying part of the swim coach and the rest comes from the parent group. What agreement?", None),
    # the partner's organisation asking a school to pay it; a board disowning what it "signed up for"
    ("Our organization would like Mercer to pay us for weekly counseling groups. Which agreement do we need?", PSC),
    ("Our treasurer says the PTSA pays the choir director, but the PTSA board says they never signed up for that. "
     "Which agreement?", None),
    # reasoned from a name; hoped for; a fee for the building's use
    ("Garfield Jazz Foundation wants to coach our bands. The name says foundation so the foundation pays, yeah? Which "
     "agreement?", None),
    ("Fingers crossed the Skyforge Aviation employee giving fund pays our robotics mentors. Which agreement applies?",
     None),
    ("A counseling agency wants to rent our library for three of its own staff trainings on Saturdays in January, and "
     "they'd pay the building rental fee. Do they need a partnership agreement?", None),
    # who pays said of a provider ("our art therapist") is another program's, not the new one asked about
    ("The PTSA covers our art therapist. A new mindfulness program is starting after winter break. Which agreement "
     "for the mindfulness program?", None),
    ("The Garfield Jazz Alumni Fund pays the band clinician itself; no school money is involved. What kind of "
     "agreement should the clinician have?", MOU),  # "have" names no program
    # "they" after a program run through a PTSA is the PTSA, as after one run by it
    ("Young Coders Academy is run through our PTSA, they pay the instructors. which agreement is that", PTSA),
])
def test_held_out_kinds_of_sets_cw_and_cx(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_they_after_a_named_organisation_and_a_program_in_three_words_are_read_in_turn(harness) -> None:
    harness.ask("Which agreement if a parent wants to volunteer as the stage manager?")
    theirs = harness.ask("she's doing it as part of Stagelight Youth Theatre, they pay her")
    assert theirs.data["agreement"] == MOU, theirs.text  # "they pay her" is the theatre paying, not "we pay"
    harness.ask("Our PTSA pays the social skills coach and the school pays the reading specialist. Which agreement for "
                "the reading specialist?", session="two")
    coach = harness.ask("and the social skills coach?", session="two")
    assert coach.data["agreement"] == PTSA, coach.text
    harness.ask("Which agreement for a weekly counseling group?", session="rest")
    harness.ask("The counseling agency pays part of it.", session="rest")
    rest = harness.ask("and the rest comes from the PTSA", session="rest")
    assert rest.data["agreement"] is None and rest.data["asking"] == "who_pays", rest.text
    harness.ask("The school is paying the speech-language pathologist. Which agreement?", session="billed")
    billed = harness.ask("Sorry, correction: the agency bills insurance and we pay nothing.", session="billed")
    assert billed.data["agreement"] == MOU, billed.text  # billing insurance is the agency's own money
    harness.ask("The school is paying the counselor from LAP. Which agreement?", session="might")
    might = harness.ask("hmm, now I'm not sure. it might actually be the agency's own grant paying, I need to check",
                        session="might")
    assert might.data["agreement"] is None, might.text  # "it might | actually be ...": the hedge holds


@pytest.mark.parametrize("text,agreement", [
    # money applied for, in the simple past; reasoned from what the group is and asked back ("..., right?"); a year
    # gone by with any past verb; a time before a holiday
    ("Our PTSA applied for a grant to pay the art teacher; we'll know in February. Which agreement?", None),
    ("The group is Leschi Neighbors Foundation. It's a foundation, so they pay for it themselves. Which agreement "
     "for their tutoring?", None),
    ("Leschi Neighbors Foundation pays for the tutoring themselves, right? Which agreement?", None),
    ("Our school applied for and won a city arts grant, and we're paying the theater company out of it. Which "
     "agreement?", PSC),  # money won is in hand
    ("In 2024-25 the booster club handled the running club coach's pay. What agreement does the coach need this "
     "year?", None),
    ("Sound Community Bank started paying our homework help tutor directly this month; before Thanksgiving she came "
     "out of our building budget. Which agreement?", None),
])
def test_held_out_kinds_of_sets_cy_and_cz(harness, text: str, agreement: str | None) -> None:
    assert_agreement(harness, text, agreement)


def test_a_belief_is_confirmed_and_a_case_put_forward_anew_replaces_who_paid(harness) -> None:
    harness.ask("A nonprofit brings its own money to run a family literacy night here. Agreement?")
    belief = harness.ask("I thought anything with families went through the PTSA. Convince me.")
    assert belief.data["agreement"] is None, belief.text
    harness.ask("Which agreement for the after-school soccer program?", session="soccer")
    harness.ask("What if the school paid the coaches instead?", session="soccer")
    unpaid = harness.ask("And if the coaches were just parents volunteering on their own, no organization?",
                         session="soccer")
    assert unpaid.data["agreement"] is None and "volunteer" in unpaid.text, unpaid.text
    harness.ask("We're paying a dance instructor out of our budget. Which agreement?", session="paid")
    paid = harness.ask("what if she's an individual, not a company?", session="paid")
    assert paid.data["agreement"] == PSC, paid.text  # one person, still paid
    harness.ask("Which agreement if the PTSA pays?", session="rent")
    harness.ask("and if nobody at our end pays, the org does it with its own money?", session="rent")
    rents = harness.ask("and if the org just rents a room for one weekend?", session="rent")
    assert rents.data["agreement"] is None and "no partnership agreement" in rents.text, rents.text
