"""The conversation brain, kind by kind: answers in words, side questions, follow-ups, short messages.

Phrasings here are our own (not from any held-out set); each test names the kind of miss it guards.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.directory.importer import import_partners
from bot.trainings.importer import import_trainings
from bot.models import Ticket
from tests.conftest import FIXTURES

PSC, MOU, ALIGN, PTSA = "personal_services_contract", "mou", "alignment_agreement", "ptsa_enrichment"


def tickets(h) -> list[Ticket]:  # type: ignore[no-untyped-def]
    with h.database.session() as s:
        return list(s.scalars(select(Ticket)))


# ---- 1. answers in words to the bot's own question; uncertainty never becomes a fact ----------

@pytest.mark.parametrize("answer", ["only a handful of Saturday mornings this spring",
                                    "a few evenings spread over three weeks", "just one weekend in March"])
def test_short_use_answered_in_words_is_a_permit(harness, answer: str) -> None:
    asked = harness.ask("a martial arts club wants to use our gym, what agreement is needed?")
    assert asked.data["asking"] == "lease"
    reply = harness.ask(answer)
    assert reply.intent == "agreement" and reply.data["agreement"] is None
    assert reply.data["outcome"] == "building_use_permit"


@pytest.mark.parametrize("answer", ["not sure who's paying yet", "we haven't figured out the funding",
                                    "maybe the school, maybe them, no idea"])
def test_not_sure_who_pays_stays_open_and_offers_the_department(harness, answer: str) -> None:
    harness.ask("which agreement do we need for a new partner?")
    reply = harness.ask(answer)
    assert reply.intent == "agreement" and reply.data["agreement"] is None
    assert reply.data["asking"] == "who_pays"
    assert reply.buttons[0].action == "consultation.start"


def test_unsure_in_the_first_message_is_not_a_payer(harness) -> None:
    reply = harness.ask("we're bringing in a coding club but not sure who pays them, which agreement?")
    assert reply.data["agreement"] is None and reply.data["asking"] == "who_pays"


# ---- 2. side questions keep the draft ------------------------------------------------------------

def test_side_question_at_the_school_step_resumes_the_consultation(harness) -> None:
    harness.ask("I'd like to talk to someone in the department")
    assert harness.ask("agreements").data["asking"] == "school"
    side = harness.ask("sorry, what's a PSC again?")
    assert side.intent == "agreement" and "Back to your consultation request: Which school" in side.text
    assert harness.ask("Leschi").data["asking"] == "description"


def test_a_question_after_an_opener_of_any_wording_is_a_side_question(harness) -> None:
    assert harness.ask("I'd like to request a consultation").data["asking"] == "topic"
    side = harness.ask("hold up -- can partners see attendance data for kids in their program?")
    assert side.intent == "data_sharing" and "Back to your consultation request: What is" in side.text, side.text


def test_side_questions_at_the_confirm_step_keep_the_draft(harness) -> None:
    confirm = harness.ask("I want a consultation about renewing the DSA for our reading partner at Lowell")
    assert confirm.data["asking"] == "confirm"
    side = harness.ask("my requests")
    assert side.intent == "ticket_status" and "Back to your consultation request: Shall I send" in side.text
    done = harness.ask("send request")
    assert done.data["ticket_id"] == "C-1001"


def test_my_requests_is_not_saved_as_a_description(harness) -> None:
    harness.ask("request a consult")
    harness.ask("data sharing")
    assert harness.ask("no particular school").data["asking"] == "description"
    side = harness.ask("show my requests")
    assert side.intent == "ticket_status"
    reply = harness.ask("A partner wants attendance data for the kids in their program")
    assert reply.data["asking"] == "confirm" and "attendance data" in reply.text


# ---- 3. a one-sentence request is confirmed; the same request twice is one ticket ----------------

def test_one_sentence_request_confirms_and_a_repeat_is_not_a_second_ticket(harness) -> None:
    text = "please set up a consultation about background checks for the PTA's chess coach at Bryant"
    first = harness.ask(text)
    assert first.data["asking"] == "confirm" and not tickets(harness)
    assert harness.ask("go ahead").data["ticket_id"] == "C-1001"
    harness.ask(text)
    again = harness.ask("yes")
    assert again.data["duplicate"] is True and "already" in again.text
    assert len(tickets(harness)) == 1


# ---- 4. district-wide questions in the department's own words ------------------------------------

def test_district_wide_questions(harness) -> None:
    spread = harness.ask("how are our partnerships spread out around the district?")
    assert spread.intent == "partners" and spread.data["distribution"]["kind"] == "by_region"
    kinds = harness.ask("which kinds of services do partners offer, with counts for each?")
    assert kinds.intent == "partners" and kinds.data["distribution"]["kind"] == "top_services"


def test_a_level_narrows_a_district_wide_list(harness) -> None:
    from bot.models import School

    reply = harness.ask("which middle schools have no mentoring partner?")
    assert reply.data["distribution"]["kind"] == "schools_without" and reply.data["level"] == "middle"
    names = [row["school"] for row in reply.data["distribution"]["rows"]]
    with harness.database.session() as s:
        types = {s.scalars(select(School.type).where(School.name == n)).one() for n in names}
    assert names and types == {"Middle School"}


# ---- 5. mixed cues ------------------------------------------------------------------------------

@pytest.mark.parametrize("text,intent", [
    ("what agreement for a tutoring partner at our school", "agreement"),
    ("partner trainings this week?", "trainings"),
    ("what CBOs are at leschi elem", "partners"),
    ("the list says a mentoring org is at Lowell but they stopped coming last spring", "report_outdated"),
])
def test_mixed_cues_go_to_the_right_place(harness, text: str, intent: str) -> None:
    assert harness.ask(text).intent == intent


# ---- 6. FAQ answers answer the question asked -----------------------------------------------------

@pytest.mark.parametrize("text,intent,must,must_not", [
    ("should we run WATCH checks on the tutors our partner sends?", "background_checks", "its own", None),
    ("our new mentor moved here from Oregon 8 months ago, which background check does she need?",
     "background_checks", "national", None),
    ("a dad wants to volunteer in his kid's class on his own, not through any group. what does he do?",
     "agreement", "volunteer process", "What it needs"),
    ("a nonprofit wants to list our school in a grant proposal, anything we need to do?", "agreement",
     "Intent to Apply for Grants", None),
    ("is there a template to sum up a partnership on one page?", "partnership_tools", "One-Pager", None),
    ("what's the most we can pay a vendor without an RFQ?", "agreement", "$9,999", "What it needs"),
])
def test_faq_answers_the_question_asked(harness, text: str, intent: str, must: str, must_not: str | None) -> None:
    reply = harness.ask(text)
    assert reply.intent == intent and must in reply.text, reply.text
    assert must_not is None or must_not not in reply.text
    assert reply.data.get("agreement") is None


# ---- 7. short messages ----------------------------------------------------------------------------

def test_thanks_and_hi_get_a_line_not_the_menu(harness) -> None:
    thanks = harness.ask("thanks so much!")
    assert thanks.intent == "help" and thanks.data["small_talk"] == "thanks" and not thanks.buttons
    hello = harness.ask("hey there")
    assert hello.intent == "help" and hello.data["small_talk"] == "greeting" and len(hello.text) < 150


def test_clear_starts_afresh(harness) -> None:
    harness.ask("which agreement applies?")
    reply = harness.ask("clear")
    assert reply.intent == "help" and reply.data["reset"] is True
    assert harness.ask("the partner pays for it themselves").data.get("asking") is None


@pytest.mark.parametrize("text,school", [("Garfield", "Garfield"), ("aki kurose?", "Aki Kurose"),
                                         ("roosevelt hi", "Roosevelt"), ("west seattle hi", "West Seattle High")])
def test_a_bare_school_name_lists_its_partners(harness, text: str, school: str) -> None:
    reply = harness.ask(text)
    assert reply.intent == "partners" and reply.data["school"] == school


# ---- 9. one message fills every slot it can -------------------------------------------------------

def test_one_message_fills_topic_school_and_description(harness) -> None:
    assert harness.ask("I need a consultation").data["asking"] == "topic"
    reply = harness.ask("it's about background checks at Ballard: the PTA's coding teacher hasn't been cleared")
    assert reply.data["asking"] == "confirm"
    assert reply.data["draft"] == {"topic": "background_checks", "school": "Ballard",
                                   "description": "it's about background checks at Ballard: the PTA's coding "
                                                  "teacher hasn't been cleared"}


# ---- 10. follow-ups keep their context ------------------------------------------------------------

def test_partner_lookup_follow_ups_change_one_filter(harness) -> None:
    assert harness.ask("who partners with Leschi?").data["school"] == "Leschi"
    other = harness.ask("and the one on Beacon Hill?")
    assert other.intent == "partners" and other.data["school"] == "Beacon Hill Int'l"
    arts = harness.ask("only the arts ones")
    assert arts.data["school"] == "Beacon Hill Int'l" and arts.data["service"] == "Arts"


def test_i_meant_the_other_level(harness) -> None:
    assert harness.ask("partners at West Seattle Elementary").data["school"] == "West Seattle Elementary"
    reply = harness.ask("oops, I meant the high school")
    assert reply.intent == "partners" and reply.data["school"] == "West Seattle High"
    assert harness.ask("partners at Madison", session="s-2").data["school"] == "Madison"
    same = harness.ask("I meant the middle school", session="s-2")  # Madison is the middle school: shown again
    assert same.intent == "partners" and same.data["school"] == "Madison" and "don't know" not in same.text


def test_just_the_high_schools_narrows_the_last_list(harness) -> None:
    harness.ask("which schools have no tutoring partner?")
    reply = harness.ask("just the high schools")
    assert reply.intent == "partners" and reply.data["level"] == "high"
    assert reply.data["service"] == "Tutoring and academic support"


def test_trainings_follow_up_changes_the_window(harness) -> None:
    harness.ask("upcoming RULER trainings")
    reply = harness.ask("any in the spring?")
    assert reply.intent == "trainings" and reply.data["window"] == "in the spring"
    assert reply.data["topic"] == "RULER"


# ---- 11. who pays, read rightly -------------------------------------------------------------------

@pytest.mark.parametrize("text,agreement", [
    ("a foundation pays the mentoring group directly; nothing runs through our accounts. which agreement?", MOU),
    ("the counseling agency is fully funded by a county grant, we pay nothing. agreement?", MOU),
    ("our booster club is covering the cost of the robotics coach, which agreement", PTSA),
])
def test_who_pays_read_rightly(harness, text: str, agreement: str) -> None:
    assert harness.ask(text).data["agreement"] == agreement


def test_parent_group_money_answers_the_ptsa_question(harness) -> None:
    harness.ask("what agreement for our new chess enrichment?")
    assert harness.ask("it's the parent group's money").data["agreement"] == PTSA


def test_leased_and_paid_is_unclear(harness) -> None:
    reply = harness.ask("a nonprofit leases a classroom from us and we're also paying them for tutoring, which agreement?")
    assert reply.data["agreement"] is None and reply.data["outcome"] == "unclear"


def test_a_lease_question_after_short_use_stays_a_permit(harness) -> None:
    harness.ask("a soccer club wants our field on two Saturdays in May, which agreement?")
    reply = harness.ask("do they need a lease then?")
    assert reply.intent == "agreement" and reply.data["agreement"] is None
    assert reply.data["outcome"] == "building_use_permit"


# ---- the form mechanism ---------------------------------------------------------------------------

@pytest.mark.parametrize("steps", [
    ["I need a consultation", "never mind"],
    ["I need a consultation", "agreements", "forget it, I'll email them"],
    ["I need a consultation about our MOU at Lowell with the tutoring nonprofit", "no, don't send it"],
])
def test_cancel_anywhere_sends_nothing(harness, steps: list[str]) -> None:
    for text in steps:
        reply = harness.ask(text)
    assert reply.intent == "consultation" and reply.data.get("cancelled") is True
    assert not tickets(harness)
    assert harness.ask("Garfield").data["school"] == "Garfield", "the form is closed"


def test_start_over_restarts_the_form(harness) -> None:
    harness.ask("I need a consultation")
    harness.ask("trainings")
    reply = harness.ask("start over")
    assert reply.data["asking"] == "topic" and reply.data["draft"] == {}


def test_an_unreadable_answer_is_asked_again(harness) -> None:
    harness.ask("which agreement applies?")
    reply = harness.ask("purple")
    assert reply.intent == "agreement" and reply.data["asking"] == "who_pays" and reply.text.startswith("Sorry")


# ---- set C kinds: hedges, corrections, explicit follow-ups and asides ---------------------------

@pytest.mark.parametrize("text", [
    "which agreement for a robotics coach? they may have foundation money, or we could end up paying from Title I",
    "new art partner, possibly funded by their own grant, which agreement applies",
    "what do we sign with a dance group? perhaps the building budget covers it, nobody has told me yet",
])
def test_who_pays_said_as_a_possibility_is_not_a_fact(harness, text: str) -> None:
    reply = harness.ask(text)
    assert reply.intent == "agreement" and reply.data["agreement"] is None
    assert reply.data["asking"] == "who_pays"


def test_a_request_preamble_does_not_hide_a_payer(harness) -> None:
    reply = harness.ask("could you tell me which agreement we need if we pay a poet $800 from our budget")
    assert reply.data["agreement"] == PSC


def test_one_person_not_with_any_organisation_is_a_volunteer(harness) -> None:
    reply = harness.ask("a retired neighbor wants to volunteer in our reading program on his own, not through any "
                        "organization. what does he need?")
    assert reply.intent == "agreement" and reply.data["agreement"] is None and "volunteer" in reply.text
    assert reply.data["outcome"] == "volunteer_process" and "volunteer process" in reply.text


def test_a_grant_naming_the_school_needs_the_intent_to_apply_form(harness) -> None:
    reply = harness.ask("our theater nonprofit is submitting a Seattle Foundation grant that lists Leschi as the "
                        "partner school. anything we need from the district?")
    assert reply.intent == "agreement" and "Intent to Apply" in reply.text


def test_counted_occasions_with_a_word_between_are_short_use(harness) -> None:
    reply = harness.ask("the scout troop wants our library for three movie nights next month, which agreement?")
    assert reply.data["agreement"] is None and reply.data["outcome"] == "building_use_permit"


def test_an_amount_after_a_decided_case_completes_it(harness) -> None:
    harness.ask("which agreement if we pay a drumming teacher from our building budget")
    reply = harness.ask("roughly $15,000 over the year")
    assert reply.intent == "agreement" and reply.data["agreement"] == PSC and reply.data["rfq_required"] is True


def test_the_template_for_that_one_is_the_decided_agreement(harness) -> None:
    harness.ask("the PTSA is coordinating and paying for a chess coach, what agreement?")
    reply = harness.ask("and where do I get the form for that one?")
    assert reply.intent == "agreement" and reply.data.get("about") == PTSA


def test_a_corrected_school_replaces_the_first(harness) -> None:
    reply = harness.ask("arts partners at Garfield, sorry, I meant Roosevelt")
    assert reply.data["school"] == "Roosevelt" and "Art" in reply.data["service"]
    kept = harness.ask("partners at Garfield, not Roosevelt")
    assert kept.data["school"] == "Garfield"


def test_a_longer_follow_up_that_says_so_keeps_the_filters(harness) -> None:
    harness.ask("tutoring partners at Lafayette")
    reply = harness.ask("what about the other elementary over in West Seattle, Alki")
    assert reply.intent == "partners" and reply.data["school"] == "Alki" and "Tutoring" in reply.data["service"]


def test_an_explicit_aside_in_a_report_is_answered_and_the_report_resumes(harness) -> None:
    asked = harness.ask("the partner list for Kimball is out of date")
    assert asked.intent == "report_outdated" and asked.data["asking"] == "details"
    side = harness.ask("hang on, quick q: can a partner get grades for the kids they mentor if we have a DSA?")
    assert side.intent == "data_sharing" and "Back to your report" in side.text
    done = harness.ask("the reading club listed there stopped coming in the fall")
    assert done.intent == "report_outdated" and done.data["ticket_id"]


def test_a_faq_follow_up_without_a_pronoun_is_read_against_the_topic(harness) -> None:
    harness.ask("our mentoring partner wants attendance data for their students, how does that work?")
    reply = harness.ask("do parents need to sign something first?")
    assert reply.intent == "data_sharing" and "consent" in reply.text


def test_a_background_follow_up_implies_the_question(harness) -> None:
    harness.ask("do parent volunteers need a background check?")
    reply = harness.ask("and the people who come in with the after-school partner?")
    assert reply.intent == "background_checks" and "partner organisation runs" in reply.text


def test_the_same_question_for_someone_else_stays_on_the_topic(harness) -> None:
    first = harness.ask("how often do partner staff background checks have to be renewed")
    assert first.intent == "background_checks" and "every year" in first.text
    assert not first.text.split("\n", 1)[1].startswith("No,"), "it asked how often, not whether the school runs it"
    reply = harness.ask("same rule for enrichment providers the PTSA contracts with?")
    assert reply.intent == "background_checks" and "PTA" in reply.text
    harness.ask("can a partner see student grades?", session="dsa")
    assert harness.ask("the same for attendance data?", session="dsa").intent == "data_sharing"


def test_an_opening_word_does_not_override_a_plain_question(harness) -> None:
    harness.ask("partners at Garfield")
    assert harness.ask("wait, do Garfield's tutoring partners need background checks?").intent == "background_checks"
    harness.ask("how often do partner staff background checks have to be renewed", session="b")
    assert harness.ask("same question but for trainings: any coming up in March?", session="b").intent == "trainings"
    paid = harness.ask("does a dance instructor paid for by the PTSA need a background check?", session="c")
    assert "can't run this check" in paid.text


def test_a_long_report_that_only_says_something_is_stale_asks_what_changed(harness) -> None:
    reply = harness.ask("Hi, I'm updating our family newsletter and noticed the district's partner listing for "
                        "Whittier looks stale, I'm not sure who I should tell about it?")
    assert reply.intent == "report_outdated" and reply.data["asking"] == "details" and not tickets(harness)


@pytest.mark.parametrize("text,intent", [("can you help me print this week's attendance sheets", "unknown"),
                                         ("can you help me", "help"),
                                         ("could you help me with something", "help"),
                                         ("can you help me pick an agreement for a tutoring partner", "agreement")])
def test_a_polite_request_is_read_by_what_it_asks(harness, text: str, intent: str) -> None:
    assert harness.ask(text).intent == intent


# ---- a lease and a payment in one message: two agreements, the department decides ---------------

@pytest.mark.parametrize("text", [
    "a nonprofit leases our annex for three years and we'd also pay them to run a summer camp, which agreement?",
    "the partner rents our portable long term and we'll also pay them for tutoring, what do we need?",
])
def test_a_lease_and_a_school_payment_in_one_sentence_is_never_one_agreement(harness, text: str) -> None:
    """'and we'd ...' starts a clause of its own: its payer is read, so the case is the unclear one
    (facts.md: a leased partner that also runs a paid program goes to the department)."""
    reply = harness.ask(text)
    assert reply.intent == "agreement" and reply.data["agreement"] is None
    assert reply.data["outcome"] == "unclear"


# ---- a known organisation named in a case is not an unknown name to report -----------------------

def test_a_known_organisation_in_a_described_case_gets_the_advisor(harness) -> None:
    with harness.database.session() as session:
        assert not import_partners(session, FIXTURES / "partners.csv").problems
    reply = harness.ask("Sound Mentors Collective runs a clinic at Lowell under a lease all year round. "
                        "what agreement should be on file")
    assert reply.intent == "agreement" and reply.data["agreement"] == ALIGN


# ---- a question the classifier places nowhere, right after a knowledge answer, is about it -------

def test_an_unplaced_question_after_a_knowledge_answer_gets_that_topics_overview(harness) -> None:
    first = harness.ask("can a partner get student level data")
    assert first.intent == "data_sharing"
    follow = harness.ask("what's the first step")
    assert follow.intent == "data_sharing" and follow.text != first.text
    assert "The steps are" in follow.text
    assert harness.ask("how do i book a field trip bus?").intent == "unknown"  # out of scope stays so


# ---- a question for the agreement that only points at the case states nothing ---------------------

@pytest.mark.parametrize("text", ["what agreement do we need for it?", "which contract do we sign with them"])
def test_a_bare_question_for_the_agreement_is_asked_who_pays(harness, text: str) -> None:
    reply = harness.ask(text)
    assert reply.intent == "agreement" and reply.data["agreement"] is None and reply.data["asking"] == "who_pays"


def test_a_payment_before_a_bare_question_for_the_agreement_decides(harness) -> None:
    reply = harness.ask("A family literacy group is running workshops for us this spring and we're paying them "
                        "out of our Title I money. what agreement do we need with them?")
    assert reply.data["agreement"] == PSC


# ---- more of the case, told at length without asking anything, continues it ------------------------

def test_a_long_statement_after_an_answer_tells_more_of_the_same_case(harness) -> None:
    first = harness.ask("a soccer club wants our field on saturdays for five weeks, do they need an alignment agreement?")
    assert first.data["outcome"] == "building_use_permit"
    more = harness.ask("there is no lease of any kind, they would only reserve the field for those saturdays")
    assert more.intent == "agreement" and more.data["agreement"] is None
    assert more.data["outcome"] == "building_use_permit"


# ---- a question pointing back at a training listing is about those sessions ------------------------

@pytest.mark.parametrize("question", ["where do I register for it?", "is that one in person?"])
def test_a_question_about_the_trainings_just_listed_lists_them_again(harness, question: str) -> None:
    with harness.database.session() as session:
        import_trainings(session, FIXTURES / "trainings.csv", harness.settings.tz, harness.now)
    listed = harness.ask("upcoming RULER trainings")
    assert listed.intent == "trainings" and listed.data["sessions"]
    again = harness.ask(question)
    assert again.intent == "trainings" and again.data["sessions"] == listed.data["sessions"]


# ---- a school's name written in full with a word the alias leaves out ------------------------------

def test_a_school_name_written_out_is_the_school_not_an_unknown_organisation(harness) -> None:
    reply = harness.ask("what orgs serve Chief Sealth High School")
    assert reply.intent == "partners" and reply.data["school"] == "Chief Sealth Int'l"


# ---- a new subject after "and" is read apart; a lease with a paid program goes to the department ---

def test_a_lease_with_a_program_the_ptsa_pays_for_is_for_the_department(harness) -> None:
    reply = harness.ask("the youth theater rents our annex on a three year lease and our PTSA also pays them "
                        "to run a spring musical workshop. which agreement applies?")
    assert reply.intent == "agreement" and reply.data["agreement"] is None
    assert reply.data["outcome"] == "unclear" and reply.data["candidates"] == [ALIGN, PTSA]
    assert "department" in reply.text.lower()


def test_an_individual_who_is_paid_by_the_school_gets_a_psc(harness) -> None:
    reply = harness.ask("she's an individual, not a company, and we pay her from our LAP money. agreement?")
    assert reply.data["agreement"] == PSC


# ---- a relative clause states; it does not ask -----------------------------------------------------

def test_a_person_described_by_a_relative_clause_gets_the_volunteer_process(harness) -> None:
    harness.ask("need to know the agreement for a new helper in our library")
    reply = harness.ask("it's a neighbour, a grandfather, who wants to read with kids on his own, no group behind him")
    assert reply.data["agreement"] is None and reply.data["outcome"] == "volunteer_process"


# ---- a plan that was, then what holds now ----------------------------------------------------------

def test_a_former_plan_is_replaced_by_what_holds_now(harness) -> None:
    reply = harness.ask("Initially we had budgeted to pay the chess club ourselves, but they found their own sponsor "
                        "who pays them directly. which agreement?")
    assert reply.data["agreement"] == MOU


# ---- documents asked for after a decided case ------------------------------------------------------

def test_the_documents_of_the_agreement_just_decided_are_listed(harness) -> None:
    first = harness.ask("we're paying a ceramics instructor $900 from the arts budget, which agreement?")
    assert first.data["agreement"] == PSC
    reply = harness.ask("what documents will he need to hand in?")
    assert reply.intent == "agreement" and "W-9" in reply.text


# ---- a school named after a knowledge answer asks about that school's partnerships -----------------

def test_a_school_named_after_a_knowledge_answer_is_a_lookup(harness) -> None:
    with harness.database.session() as session:
        assert not import_partners(session, FIXTURES / "partners.csv").problems
    assert harness.ask("do partners need a data sharing agreement?").intent == "data_sharing"
    reply = harness.ask("ok so which partners at Lowell need one?")
    assert reply.intent == "partners" and reply.data["school"] == "Lowell"


def test_a_schools_own_ptsa_named_in_full_is_the_payer(harness) -> None:
    reply = harness.ask("The Franklin High School PTA is paying for a robotics camp in the summer. agreement?")
    assert reply.data["agreement"] == PTSA


# ---- a clause stating a lease may state its payer in a part of it --------------------------------

def test_a_payer_said_in_a_part_of_a_lease_clause_sends_the_case_to_the_department(harness) -> None:
    reply = harness.ask("the daycare that leases the north wing for five years will also run an after school "
                        "program that the PTSA funds. which agreement")
    assert reply.data["agreement"] is None and reply.data["outcome"] == "unclear"


def test_no_lease_said_before_a_payment_is_no_lease(harness) -> None:
    reply = harness.ask("no lease, we pay the chess coach from ASB. agreement?")
    assert reply.data["agreement"] == PSC and "lease" not in reply.data["evidence"].get("space", "")


def test_a_capitalised_name_holding_a_fact_word_states_nothing(harness) -> None:
    reply = harness.ask("Lease Lane Florists sponsor our garden club and pay the garden nonprofit directly. agreement?")
    assert reply.data["agreement"] in (MOU, None) and reply.data.get("evidence", {}).get("space") is None



# ---- "we" said by a PTSA officer is the PTSA; a question borrows no predicate ------------------------

def test_we_said_by_a_ptsa_officer_is_the_ptsa(harness) -> None:
    reply = harness.ask("hi, Bryant PTA president here - we sold raffle tickets and we're paying a robotics coach "
                        "for an after school club. what agreement?")
    assert reply.data["agreement"] == PTSA
    school = harness.ask("PTA president here, but this one we pay from the school budget. what agreement?")
    assert school.data["agreement"] == PSC


def test_a_hedged_payer_before_a_question_is_not_read_as_us_paying(harness) -> None:
    reply = harness.ask("the county might pay for it, what agreement do we do")
    assert reply.data["agreement"] is None



def test_an_introduction_supplies_no_fact(harness) -> None:
    reply = harness.ask("Hi all, AP at Madison here. The district office pays a grief support group to run "
                        "sessions for our 7th graders. what agreement?")
    assert reply.data["agreement"] == PSC and "space" not in reply.data["evidence"]



def test_a_bare_request_for_the_agreement_type_supplies_no_fact(harness) -> None:
    reply = harness.ask("a local rotary club pays the tutoring nonprofit directly, we pay nothing. agreement type pls")
    assert reply.data["agreement"] == MOU and "space" not in reply.data["evidence"]



def test_free_to_the_ptsa_is_no_ptsa_payer(harness) -> None:
    first = harness.ask("the PTA pays for our new knitting club, which agreement?")
    assert first.data["agreement"] == PTSA
    reply = harness.ask("sorry, my mistake: the yarn shop runs it on its own dime, free to the PTA and to the school")
    assert reply.data["agreement"] in (MOU, None) and reply.data["agreement"] != PTSA


def test_an_aside_opened_with_wait_is_answered_without_its_question_mark(harness) -> None:
    # set BW (untouched on f4723b0): "wait whats an mou" was taken for the consultation's topic
    harness.ask("i need a consultation")
    side = harness.ask("wait whats an mou")
    assert side.intent == "agreement" and "Memorandum of Understanding" in side.text and "consultation" in side.text
    harness.ask("can someone from partnerships help me w/ a consult, we have a weird agreement situation at franklin",
                session="bg")
    checks = harness.ask("hold on do partners need background checks", session="bg")
    assert checks.intent == "background_checks" and "consultation" in checks.text, checks.text
