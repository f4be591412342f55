"""The pure logic of surveys: conditions, checking a submitted form, counting and breaking down."""

from khizana.programmes.surveys import tally
from khizana.programmes.surveys.tally import Spec

ROLE = Spec("1", tally.SINGLE, ("10", "11", "12"), required=True)
TOOLS = Spec("2", tally.MULTIPLE, ("20", "21", "22"))
WHY_NOT = Spec("3", tally.TEXT, condition_key="2", condition_values=("22",))
SATISFIED = Spec("4", tally.SCALE, tally.SCALE_OPTIONS, condition_key="1", condition_values=("10", "11"))
SPECS = [ROLE, TOOLS, WHY_NOT, SATISFIED]


def test_conditional_questions_keep_an_answer_only_when_the_earlier_answer_matches():
    answers, problems = tally.clean(SPECS, {"1": ["12"], "2": ["20", "22"], "3": ["No time"], "4": ["5"]})
    assert problems == []
    assert answers == {"1": "12", "2": ["20", "22"], "3": "No time"}  # 4 asks roles 10 and 11 only
    answers, _ = tally.clean(SPECS, {"1": ["10"], "2": ["21"], "3": ["ignored"], "4": ["4"]})
    assert answers == {"1": "10", "2": ["21"], "4": "4"}


def test_a_condition_on_a_hidden_question_hides_its_dependants_too():
    nested = Spec("5", tally.TEXT, condition_key="4", condition_values=("1",))
    answers, _ = tally.clean([*SPECS, nested], {"1": ["12"], "4": ["1"], "5": ["why"]})
    assert answers == {"1": "12"}


def test_problems_name_the_question_and_what_is_wrong():
    _, problems = tally.clean(SPECS, {"2": ["20", "99"]})
    assert problems == [("1", "required"), ("2", "unknown-option")]
    _, problems = tally.clean(SPECS, {"1": ["10", "11"], "4": ["6"]})
    assert problems == [("1", "one-only")]  # no role kept: question 4 is not shown
    _, problems = tally.clean(SPECS, {"1": ["10"], "4": ["6"]})
    assert problems == [("4", "unknown-option")]
    _, problems = tally.clean(SPECS, {"1": ["10"], "2": ["22"], "3": ["x" * (tally.MAX_TEXT + 1)]})
    assert problems == [("3", "too-long")]


def test_multiple_choices_keep_the_options_order_and_no_duplicates():
    answers, _ = tally.clean(SPECS, {"1": ["11"], "2": ["22", "20", "22"]})
    assert answers["2"] == ["20", "22"]


RESPONSES = [
    {"1": "10", "2": ["20", "21"], "4": "5", "category": ["researcher"]},
    {"1": "10", "2": ["20"], "4": "3", "category": ["teacher"]},
    {"1": "11", "2": ["21"], "4": "4", "category": ["researcher"]},
    {"1": "12", "category": [""]},
]


def test_counts_and_means():
    assert tally.counts(RESPONSES, "2", ("20", "21", "22")) == {"20": 2, "21": 2, "22": 0}
    assert tally.answered(RESPONSES, "2") == 3
    assert tally.mean(RESPONSES, "4") == 4.0
    assert tally.mean([], "4") is None


def test_crosstab_by_another_question_and_by_profile():
    by_role = tally.crosstab(RESPONSES, "2", ("20", "21", "22"), "1", ("10", "11", "12"))
    assert by_role == {
        "10": {"20": 2, "21": 1, "22": 0},
        "11": {"20": 0, "21": 1, "22": 0},
        "12": {"20": 0, "21": 0, "22": 0},
    }
    by_profile = tally.crosstab(RESPONSES, "1", ("10", "11", "12"), "category", ("researcher", "teacher"))
    assert by_profile == {
        "researcher": {"10": 1, "11": 1, "12": 0},
        "teacher": {"10": 1, "11": 0, "12": 0},
        tally.NO_ANSWER: {"10": 0, "11": 0, "12": 1},
    }
    # the tools broken down by the tools: a response with two tools counts in each pair
    assert tally.crosstab(RESPONSES, "2", ("20", "21"), "2", ("20", "21"))["20"] == {"20": 2, "21": 1}


def test_choice_lines_and_spreadsheet_cells():
    assert tally.choice_lines("Oui | نعم | Yes\n\nNon\n") == [("Oui", "نعم", "Yes"), ("Non", "", "")]
    assert tally.spreadsheet_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert tally.spreadsheet_safe("-") == "'-"
    assert tally.spreadsheet_safe("ok") == "ok"
