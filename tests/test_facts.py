"""Facts with evidence: the hand-written structure rules (clauses, negation scope, ellipsis, names),
how a slot is resolved over a message's clauses, and the trained reading end to end."""

from __future__ import annotations

import pytest

from bot.understanding.facts import (
    PROPER_NAME,
    ClauseReading,
    Fact,
    as_written,
    clauses,
    spoken_clauses,
    asks,
    is_correcting,
    marks,
    introduces,
    names_masked,
    only_asks_for_the_agreement,
    paid_to_the_school,
    relative,
    was_planned,
    with_ellipsis,
    without_openers,
)
from handlers.agreement_rules import PAYERS, in_context, resolve


@pytest.mark.parametrize("text,expected", [
    ("The PTSA isn't paying, the school is.", ["The PTSA isn't paying", "the school is"]),
    ("we pay $1.5k from Title I but actually the PTA covers it", ["we pay $1.5k from Title I",
                                                                   "but actually the PTA covers it"]),
    ("Rainier School of Music wants in / they charge 40 an hour", [f"{PROPER_NAME} wants in", "they charge 40 an hour"]),
    ("the PTSA, not the school, pays for it", ["the PTSA, not the school, pays for it"]),
    ("we pay them and they lease our portable", ["we pay them", "and they lease our portable"]),
    ("A tutoring group will work with our 3rd graders, paid by the school", ["A tutoring group will work with our 3rd "
                                                                             "graders", "paid by the school"]),
    ("yes", ["yes"]),
    ("they lease the gym and the PTA also wants to fund a class", ["they lease the gym",
                                                                    "and the PTA also wants to fund a class"]),
    ("we pay for tutoring and the arts program", ["we pay for tutoring and the arts program"]),
    ("they lease our gym and now the PTA wants to pay them", ["they lease our gym", "and now the PTA wants to pay them"]),
    ("they run garden lessons with our kids, no charge to us", ["they run garden lessons with our kids",
                                                                 "no charge to us"]),
    ("Can we use an MOU if we pay the tutor $500?", ["Can we use an MOU", "if we pay the tutor $500"]),
])
def test_a_message_splits_into_clauses_at_sentence_ends_contrasts_and_new_subjects(text: str, expected: list[str]) -> None:
    assert clauses(names_masked(text)) == expected


def test_a_capitalised_institution_name_is_one_word_that_states_nothing() -> None:
    assert names_masked("Rainier School of Music and the Highline District Youth Band") == \
        f"{PROPER_NAME} and the {PROPER_NAME}"
    assert names_masked("the school pays") == "the school pays"  # a common noun is not a name
    assert names_masked("the Franklin High School PTSA pays") == f"the {PROPER_NAME} PTSA pays"  # its PTSA pays
    assert names_masked("Lease Street Bakery sponsors them") == f"{PROPER_NAME} sponsors them"
    assert names_masked("we pay from Title I and our Family Engagement Fund") == \
        "we pay from Title I and our Family Engagement Fund"  # school money is a fact


def test_negation_and_hedges_reach_from_their_word_to_the_clause_end() -> None:
    assert marks("the ptsa isnt paying for it".split()) == ["", "", "", "not_", "not_", "not_"]
    assert marks("we pay them".split()) == ["", "", ""]
    assert marks("they might have a grant".split()) == ["", "", "may_", "may_", "may_"]
    assert marks("could you pay them".split()) == ["", "", "", ""]  # a request, not a hedge


def test_a_question_states_no_fact() -> None:
    assert asks("do they need a lease") and asks("Is the PTSA paying?")
    assert not asks("could be the PTA") and not asks("we pay them") and not asks("we're paying her")
    # asking for the agreement describes a case: its facts are stated, and the asking head says none
    assert not asks("which agreement applies for a new partner the school will pay")
    assert without_openers("which agreement do we need for a tutor the PTSA pays") == "a tutor the PTSA pays"
    question = ClauseReading("do they need a lease", 0, False, {"space": {"lease": 0.9, "none": 0.1}}, asks=True)
    assert question.fact("space") is None


def test_a_relative_clause_after_another_states_and_a_question_mark_makes_it_ask() -> None:
    text = "one person, a neighbour, who wants to help on his own"
    assert relative("who wants to help on his own", 2, text)
    assert not relative("who pays", 1, "we have a new partner, who pays?")
    assert not relative("who pays", 0, "who pays")


def test_a_clause_that_only_asks_for_the_agreement_states_nothing() -> None:
    assert only_asks_for_the_agreement("agreement type pls") and only_asks_for_the_agreement("which contract?")
    assert not only_asks_for_the_agreement("the PTA pays, which agreement")


def test_a_writers_introduction_states_nothing_but_a_clause_with_its_own_verb_does() -> None:
    assert introduces("Hi all, AP at Denny here") and introduces("this is Dana from the Garfield office")
    assert not introduces("the PTA is paying here") and not introduces("we pay them here")


def test_a_plan_that_was_is_replaced_by_the_clause_after_it() -> None:
    assert was_planned("we originally budgeted to pay them") and was_planned("at first the PTA was going to cover it")
    assert not was_planned("we pay them from the building budget")


def test_a_short_clause_ending_on_an_auxiliary_borrows_the_predicate_before_it() -> None:
    before = "the ptsa isnt paying for the coach".split()
    assert with_ellipsis("the school is".split(), before) == "the school is paying for the coach".split()
    assert with_ellipsis("the school pays".split(), before) == "the school pays".split()  # not elliptical
    assert with_ellipsis("which agreement do we do".split(), "the foundation may pay".split()) == \
        "which agreement do we do".split()  # a question borrows nothing


def test_no_before_a_noun_negates_it_and_set_apart_or_before_a_subject_only_opens() -> None:
    assert without_openers("no lease, we pay them") == "no lease, we pay them"
    assert without_openers("no, the PTA pays") == "the PTA pays" and without_openers("oh no wait, we pay") == "we pay"
    assert without_openers("actually no the school pays") == "the school pays"


def test_corrections_are_recognised_by_their_opening() -> None:
    assert is_correcting("actually the PTA covers it") and is_correcting("but now we pay") and is_correcting("no, we pay")
    assert not is_correcting("we pay them") and not is_correcting("no money from us at all")


def fact(value: str, clause: int, confidence: float = 0.9, correcting: bool = False) -> Fact:
    return Fact("payer", value, f"clause {clause}", confidence, clause, correcting)


def test_what_a_clause_denies_is_never_the_value_and_a_correction_replaces_what_came_before() -> None:
    assert resolve([fact("not_ptsa", 0), fact("school", 1)], PAYERS).value == "school"
    assert resolve([fact("ptsa", 0), fact("not_ptsa", 1)], PAYERS).value is None
    assert resolve([fact("school", 0), fact("ptsa", 1, correcting=True)], PAYERS).value == "ptsa"
    conflict = resolve([fact("school", 0), fact("partner", 1)], PAYERS)
    assert conflict.value is None and {f.value for f in conflict.conflict} == {"school", "partner"}
    assert resolve([fact("unknown", 0)], PAYERS).unknown


def test_a_clause_reading_below_the_floor_or_saying_nothing_is_no_fact() -> None:
    reading = ClauseReading("hello there", 0, False, {"payer": {"none": 0.6, "school": 0.4}})
    assert reading.fact("payer") is None
    assert ClauseReading("we pay", 0, False, {"payer": {"none": 0.1, "school": 0.9}}).fact("payer").value == "school"


def test_a_short_answer_is_read_in_the_context_of_the_question() -> None:
    assert in_context("who_pays", "us") == "it is paid by us"
    assert in_context("who_pays", "we do") == "we do pay for it"
    assert in_context("lease", "a few weeks") == "they will use the space a few weeks"


# -- the trained reading ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def read():  # type: ignore[no-untyped-def]
    from bot.understanding.classifier import _TrainingLookups
    from tests.conftest import brain

    _, classifier = brain()
    lookups = _TrainingLookups()
    return lambda text: classifier.understand(text, lookups)  # type: ignore[attr-defined]


@pytest.mark.parametrize("text,slot,value", [
    ("a local bank pays the coach directly", "payer", "partner"),
    ("we're paying her out of our building budget", "payer", "school"),
    ("the PTA is covering the instructor", "payer", "ptsa"),
    ("not sure who's paying yet", "payer", "unknown"),
    ("a retired engineer wants to volunteer in math class on his own", "payer", "volunteer"),
    ("they have a three year lease on our portable", "space", "lease"),
    ("Saturdays for six weeks in the gym", "space", "short"),
])
def test_the_models_read_what_a_clause_states(read, text: str, slot: str, value: str) -> None:  # type: ignore[no-untyped-def]
    facts = read(text).facts(slot)
    assert facts and facts[-1].value == value and facts[-1].words == text


@pytest.mark.parametrize("text,standing", [
    # how a statement stands is taught by example clauses (knowledge/facts/standing.yaml), none of these
    ("the boosters covered the coach back in 2023", "past"),
    ("assuming the board signs off in February", "to_come"),
    ("so I figure it's free", "inferred"),
    ("the boosters cover the coach", None),
    ("it's free", None),
    ("the PTSA board voted yes", None),
    # plain statements stay plain: weighed up all the way, the rare values drown them (see QUALIFIER_BALANCE)
    ("the foundation funds the whole thing", None),
    ("the booster club covers the coach this season", None),
])
def test_the_standing_model_reads_what_was_what_is_to_come_and_what_is_reasoned(
        read, text: str, standing: str | None) -> None:  # type: ignore[no-untyped-def]
    from bot.understanding.facts import STANDS

    clause, = read(text).clauses
    likeliest = max(clause.scores["standing"], key=clause.scores["standing"].__getitem__)
    assert likeliest == (standing or "none")
    assert standing is None or clause.scores["standing"][standing] >= STANDS


def test_a_qualifiers_examples_teach_no_other_slot_to_read_nothing() -> None:
    """"the PTSA paid last spring" says who paid: taught as standing=past, it must not teach the payer model that it
    says nothing (which made plain clauses lose their payer)."""
    from bot.understanding.classifier import shipped_facts
    from knowledge import fact_examples

    qualified = {text for value, texts in fact_examples()["standing"].items() if value != "none" for text in texts}
    assert qualified and not [e for e in shipped_facts() if e.slot != "standing" and e.text in qualified]


@pytest.mark.parametrize("text", ["Cleveland High School", "Rainier School of Music", "partners at Garfield",
                                  "hello there", "which agreement do we need?"])
def test_names_and_questions_state_no_payer(read, text: str) -> None:  # type: ignore[no-untyped-def]
    assert read(text).facts("payer") == []


def test_a_subject_joined_by_and_is_read_with_the_next_clauses_predicate_and_quoted_as_said() -> None:
    assert spoken_clauses("the PTSA and the school might split it") == [
        ("the PTSA might split it", "the PTSA and the school might split it"),
        ("and the school might split it", "and the school might split it")]
    assert spoken_clauses("Our PTSA and we are both paying")[0] == ("Our PTSA are both paying",
                                                                    "Our PTSA and we are both paying")
    assert clauses("the PTSA pays and the school provides the room") == \
        ["the PTSA pays and the school provides the room"]  # a clause with its own verb is not only a subject


def test_a_masked_name_is_quoted_as_the_message_wrote_it() -> None:
    text = "she's volunteering through Northstar Mentors Alliance, they run it"
    assert as_written(names_masked(text).split(",")[0], text) == "she's volunteering through Northstar Mentors Alliance"
    assert as_written("we pay them", text) == "we pay them"


def test_if_after_not_being_sure_is_what_is_not_known_not_a_case_put_forward() -> None:
    assert clauses("not sure yet if PTA or LAP money will pay for it") == \
        ["not sure yet if PTA or LAP money will pay for it"]
    assert clauses("we pay them if the grant falls through") == ["we pay them", "if the grant falls through"]


def test_two_subjects_of_one_predicate_that_read_differently_leave_the_payer_undecided() -> None:
    from bot.understanding.facts import one_predicate

    school = ClauseReading("if the school split it", 1, False, {"payer": {"unknown": 0.66, "school": 0.32}})
    ptsa = ClauseReading("and PTSA split it", 2, False, {"payer": {"ptsa": 0.78, "unknown": 0.14}})
    first, second = one_predicate(school, ptsa)
    assert first.fact("payer").value == second.fact("payer").value == "unknown"
    both = ClauseReading("and the parent group pay", 2, False, {"payer": {"ptsa": 0.9}})
    assert one_predicate(ptsa, both) == (ptsa, both)  # they pay alike


def test_a_name_is_read_with_its_verb_across_a_relative_clause() -> None:
    said = "Families First Fund, which is a local foundation, is paying the partner directly"
    assert spoken_clauses(said)[0] == ("Families First Fund is paying the partner directly", said)


def test_they_after_a_clause_naming_two_parties_is_unclear_unless_one_is_its_subject() -> None:
    from bot.understanding.facts import they_unclear, with_subject

    met = "i met with our ptsa president and the folks from propername yesterday".split()
    assert they_unclear("and they said they'd cover the cost", met)
    assert not they_unclear("they're paying them", "our ptsa loves propername".split())
    assert with_subject("they're paying them", "our ptsa loves propername".split()) == "ptsa are paying them"
    assert with_subject("they're paying", "we asked the ptsa".split()) == "ptsa are paying"
    assert with_subject("they're paying", "the school is hosting it".split()) == "they're paying"  # left alone


def test_a_name_ends_at_its_sentences_end() -> None:
    masked = names_masked("our PTSA and Beacon Bridges Family Center. Which agreement for the family nights?")
    assert masked.endswith("Which agreement for the family nights?") and PROPER_NAME in masked


def test_a_determiner_opening_a_sentence_is_not_part_of_a_name() -> None:
    assert names_masked("Our SpEd budget will pay them") == "Our SpEd budget will pay them"
    assert names_masked("The Lease Street Bakery pays them") == f"The {PROPER_NAME} pays them"
    said = names_masked("Neighborhood Volunteer Corps, a registered nonprofit, will run free tutoring")
    assert spoken_clauses(said)[0] == (f"{PROPER_NAME} will run free tutoring", said)  # the name, across the apposition


def test_and_before_a_masked_name_opens_a_clause_as_a_capitalised_name_does() -> None:
    said = names_masked("Our PTSA pays the cooking teacher, and Bright Path Tutors brings its own funding")
    assert clauses(said) == ["Our PTSA pays the cooking teacher", f"and {PROPER_NAME} brings its own funding"]


@pytest.mark.parametrize("text,body", [
    ("I coordinate the Lushootseed Language Circle, a little nonprofit.", "Lushootseed Language Circle"),
    ("Hi, I coordinate programs at Lake Union Sailing Society and we want to sail.", "Lake Union Sailing Society"),
    ("I manage the Title I budget here.", ""),  # school money is no body the writer is with
])
def test_the_body_a_writer_leads_is_the_one_they_write_from(text: str, body: str) -> None:
    from bot.understanding.facts import writes_from

    assert writes_from(text, lambda name: False) == body


@pytest.mark.parametrize("text,paid", [
    ("a rec league pays the school to use the field", "none"),  # a fee for space: who pays the partner is not said
    ("a church group wants to pay us to use the gym", "none"),
    ("we would pay the district facility rental fee", "none"),
    ("they pay rent to the district", "partner"),  # a tenant pays its own way
    ("the club pays the district rent for room 204", "partner"),
    ("the school plans to pay us 9000", None),  # "us" paid for a program is the partner writing
    ("a credit union pays us directly", None),
    ("<school> wants to pay us to use the gym", None),  # the school's side pays no one for its own space
    ("a foundation is paying the <school> robotics alumni group", None),  # a body named after a school
    ("they pay a facility fee for the gym", "none"),
    ("they do not pay the school anything", None),  # denied
])
def test_money_paid_to_the_school_is_for_space(text: str, paid: str | None) -> None:
    tokens = text.split()
    assert paid_to_the_school(tokens, marks(tokens)) == paid


def test_us_paid_for_space_said_in_the_clause_before_is_the_school() -> None:
    tokens = "theyd pay us".split()
    assert paid_to_the_school(tokens, marks(tokens), before="a dance studio wants to rent our gym".split()) == "none"
    assert paid_to_the_school(tokens, marks(tokens), before="a dance studio wants to teach".split()) is None
