"""The ISO 18626 state machine: every (status, status) and (action, status) pair, allowed or refused."""

import itertools

import pytest

from khizana.ill.states import (
    ALLOWED,
    Action,
    Refusal,
    Service,
    Status,
    is_terminal,
    may_act,
    may_change,
    requester_needs_attention,
    supplier_needs_attention,
)

S = Status
EXPECTED_LOAN = {
    S.REQUEST_RECEIVED: {S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY, S.LOANED, S.UNFILLED, S.RETRY_POSSIBLE},
    S.EXPECT_TO_SUPPLY: {S.WILL_SUPPLY, S.LOANED, S.UNFILLED, S.RETRY_POSSIBLE},
    S.WILL_SUPPLY: {S.LOANED, S.UNFILLED},
    S.LOANED: {S.OVERDUE, S.RECALLED, S.LOAN_COMPLETED, S.COMPLETED_WITHOUT_RETURN},
    S.OVERDUE: {S.LOANED, S.RECALLED, S.LOAN_COMPLETED, S.COMPLETED_WITHOUT_RETURN},
    S.RECALLED: {S.OVERDUE, S.LOAN_COMPLETED, S.COMPLETED_WITHOUT_RETURN},
}
EXPECTED_COPY = {
    S.REQUEST_RECEIVED: {S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY, S.COPY_COMPLETED, S.UNFILLED, S.RETRY_POSSIBLE},
    S.EXPECT_TO_SUPPLY: {S.WILL_SUPPLY, S.COPY_COMPLETED, S.UNFILLED, S.RETRY_POSSIBLE},
    S.WILL_SUPPLY: {S.COPY_COMPLETED, S.UNFILLED},
}


@pytest.mark.parametrize(
    ("service", "expected"), [(Service.LOAN, EXPECTED_LOAN), (Service.COPY, EXPECTED_COPY)]
)
def test_every_supplier_transition(service, expected):
    for current, target in itertools.product(Status, Status):
        verdict = may_change(current, target, service)
        assert bool(verdict) == (target in expected.get(current, set())), (service, current, target, verdict)
        if not verdict:
            assert isinstance(verdict, Refusal) and verdict.text


def test_a_request_starts_received():
    assert may_change(None, S.REQUEST_RECEIVED, "Loan") is ALLOWED
    for target in set(Status) - {S.REQUEST_RECEIVED}:
        assert may_change(None, target, "Loan").code in {"not-received", "wrong-service"}


def test_closed_requests_stay_closed():
    for current in (S.UNFILLED, S.COPY_COMPLETED, S.LOAN_COMPLETED, S.CANCELLED, S.COMPLETED_WITHOUT_RETURN):
        assert is_terminal(current)
        service = "Copy" if current == S.COPY_COMPLETED else "Loan"
        assert may_change(current, S.WILL_SUPPLY, service).code == "closed"


def test_answers_to_cancel_and_renew():
    for current in (S.REQUEST_RECEIVED, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY):
        assert may_change(current, S.CANCELLED, "Loan", answering="Cancel")
        assert not may_change(current, S.CANCELLED, "Loan")  # never on the supplier's own initiative
    assert not may_change(S.LOANED, S.CANCELLED, "Loan", answering="Cancel")
    assert may_change(S.OVERDUE, S.LOANED, "Loan", answering="Renew")
    assert may_change(S.LOANED, S.LOANED, "Loan", answering="Renew")
    assert not may_change(S.LOANED, S.LOANED, "Loan")
    assert not may_change(S.RECALLED, S.LOANED, "Loan", answering="Renew")
    assert may_change(S.LOANED, S.LOANED, "Loan", answering="Dance").code == "unknown-action"


EXPECTED_ACTIONS = {
    Action.CANCEL: {S.REQUEST_RECEIVED, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY},
    Action.RECEIVED: {S.LOANED, S.OVERDUE, S.RECALLED, S.COPY_COMPLETED},
    Action.RENEW: {S.LOANED, S.OVERDUE},
    Action.SHIPPED_RETURN: {S.LOANED, S.OVERDUE, S.RECALLED},
    Action.STATUS_REQUEST: set(Status),
    Action.NOTIFICATION: set(Status),
}


def test_every_requester_action():
    for action, current in itertools.product(Action, Status):
        assert bool(may_act(action, current, "Loan")) == (current in EXPECTED_ACTIONS[action]), (
            action,
            current,
        )
    for action in Action:
        assert not may_act(action, None, "Loan")


def test_loan_actions_refused_for_copies():
    assert may_act("Renew", S.LOANED, "Copy").code == "wrong-service"
    assert may_act("ShippedReturn", S.LOANED, "Copy").code == "wrong-service"
    assert may_act("Received", S.COPY_COMPLETED, "Copy")


def test_unknown_values_are_refused_not_raised():
    assert may_act("ShippedForward", S.LOANED, "Loan").code == "unknown-action"
    assert may_act("Received", S.LOANED, "Fax").code == "unknown-service"
    assert may_act("Received", "Sleeping", "Loan").code == "not-received"
    assert may_change("Sleeping", S.LOANED, "Loan").code == "unknown-status"
    assert may_change(S.LOANED, "WeCouldLoan", "Loan").code == "unknown-status"
    assert may_change(S.LOANED, S.OVERDUE, "Fax").code == "unknown-service"
    assert may_change(S.REQUEST_RECEIVED, S.UNFILLED, "Loan", reason="Bored").code == "unknown-reason"
    assert may_change(S.REQUEST_RECEIVED, S.UNFILLED, "Loan", reason="NotOnShelf")


def test_attention():
    assert supplier_needs_attention(S.REQUEST_RECEIVED)
    assert not supplier_needs_attention(S.LOANED)
    assert supplier_needs_attention(S.LOANED, "ShippedReturn")
    assert requester_needs_attention(S.UNFILLED) and requester_needs_attention(S.LOANED)
    assert not requester_needs_attention(S.WILL_SUPPLY) and not requester_needs_attention(None)


def test_conditions_in_the_machine():
    from khizana.ill.states import ConditionState, may_answer_condition, may_set_condition

    assert may_set_condition(S.REQUEST_RECEIVED, "Loan", "LibraryUseOnly")
    assert may_set_condition(S.EXPECT_TO_SUPPLY, "Copy", "Fee")
    assert may_set_condition(S.WILL_SUPPLY, "Loan", "Fee").code == "not-allowed"
    assert may_set_condition(S.REQUEST_RECEIVED, "Copy", "NoReproduction").code == "wrong-service"
    assert may_set_condition(S.REQUEST_RECEIVED, "Loan", "Fee", "pending").code == "condition-pending"
    assert may_set_condition(S.REQUEST_RECEIVED, "Loan", "Beer").code == "unknown-condition"
    assert may_set_condition(S.EXPECT_TO_SUPPLY, "Loan", "Fee", "rejected")  # asked again, another one
    for target in (S.WILL_SUPPLY, S.LOANED):
        assert (
            may_change(S.EXPECT_TO_SUPPLY, target, "Loan", condition_pending=True).code == "condition-pending"
        )
        assert may_change(S.EXPECT_TO_SUPPLY, target, "Loan")
    assert may_change(S.EXPECT_TO_SUPPLY, S.COPY_COMPLETED, "Copy", condition_pending=True).code == (
        "condition-pending"
    )
    # refusing stays possible while a condition waits
    assert may_change(S.EXPECT_TO_SUPPLY, S.UNFILLED, "Loan", condition_pending=True, reason="InUse")
    assert may_answer_condition(S.EXPECT_TO_SUPPLY, ConditionState.PENDING)
    assert may_answer_condition(S.EXPECT_TO_SUPPLY, "accepted").code == "no-condition"
    assert may_answer_condition(S.UNFILLED, "pending").code == "not-allowed"
    # who must act: the requester while it waits, the supplier once answered
    assert requester_needs_attention(S.EXPECT_TO_SUPPLY, "pending")
    assert not requester_needs_attention(S.EXPECT_TO_SUPPLY, "accepted")
    assert not supplier_needs_attention(S.EXPECT_TO_SUPPLY, "", "pending")
    assert supplier_needs_attention(S.EXPECT_TO_SUPPLY, "", "accepted")
    assert supplier_needs_attention(S.EXPECT_TO_SUPPLY, "Cancel", "rejected")
