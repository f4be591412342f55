"""The ISO 18626 state machine, written down in one place (no Django).

The supplying agency owns the status of a request (:class:`Status`); it changes it by a
``supplyingAgencyMessage``. The requesting agency never sets a status: it asks for an :class:`Action`
(``requestingAgencyMessage``). Both sides ask :func:`may_change` / :func:`may_act` before anything is sent
or applied, so a message from a peer that breaks the machine is refused like a click that does.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    REQUEST_RECEIVED = "RequestReceived"
    EXPECT_TO_SUPPLY = "ExpectToSupply"
    WILL_SUPPLY = "WillSupply"
    LOANED = "Loaned"
    OVERDUE = "Overdue"
    RECALLED = "Recalled"
    RETRY_POSSIBLE = "RetryPossible"
    UNFILLED = "Unfilled"
    COPY_COMPLETED = "CopyCompleted"
    LOAN_COMPLETED = "LoanCompleted"
    COMPLETED_WITHOUT_RETURN = "CompletedWithoutReturn"
    CANCELLED = "Cancelled"


class Action(StrEnum):
    RECEIVED = "Received"
    CANCEL = "Cancel"
    RENEW = "Renew"
    SHIPPED_RETURN = "ShippedReturn"
    STATUS_REQUEST = "StatusRequest"
    NOTIFICATION = "Notification"


class Service(StrEnum):
    LOAN = "Loan"
    COPY = "Copy"


class Condition(StrEnum):
    """What a supplier may ask before it supplies: a fee (with its amount and currency), or that the
    loan stays in the requesting library's reading room, or that nothing of it is reproduced (codes of
    the ISO 18626 loanCondition list, and the fee carried in ``messageInfo/offeredCosts``)."""

    FEE = "Fee"
    LIBRARY_USE_ONLY = "LibraryUseOnly"
    NO_REPRODUCTION = "NoReproduction"


class ConditionState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


S = Status

# The end of a request at this supplier (RetryPossible and Unfilled send the requester to the next
# lender of its rota, or back to the same one with a Retry request).
TERMINAL = frozenset(
    {
        S.UNFILLED,
        S.RETRY_POSSIBLE,
        S.COPY_COMPLETED,
        S.LOAN_COMPLETED,
        S.COMPLETED_WITHOUT_RETURN,
        S.CANCELLED,
    }
)
# Statuses that only a loan has, and the one only a copy has.
LOAN_ONLY = frozenset({S.LOANED, S.OVERDUE, S.RECALLED, S.LOAN_COMPLETED, S.COMPLETED_WITHOUT_RETURN})
COPY_ONLY = frozenset({S.COPY_COMPLETED})
# The item is at the requester's (or on its way there).
ON_LOAN = frozenset({S.LOANED, S.OVERDUE, S.RECALLED})

# Status changes the supplier may make (by its staff), from -> allowed targets.
SUPPLIER_TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.REQUEST_RECEIVED: frozenset(
        {S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY, S.LOANED, S.COPY_COMPLETED, S.UNFILLED, S.RETRY_POSSIBLE}
    ),
    S.EXPECT_TO_SUPPLY: frozenset({S.WILL_SUPPLY, S.LOANED, S.COPY_COMPLETED, S.UNFILLED, S.RETRY_POSSIBLE}),
    S.WILL_SUPPLY: frozenset({S.LOANED, S.COPY_COMPLETED, S.UNFILLED}),
    S.LOANED: frozenset({S.OVERDUE, S.RECALLED, S.LOAN_COMPLETED, S.COMPLETED_WITHOUT_RETURN}),
    S.OVERDUE: frozenset({S.LOANED, S.RECALLED, S.LOAN_COMPLETED, S.COMPLETED_WITHOUT_RETURN}),
    S.RECALLED: frozenset({S.OVERDUE, S.LOAN_COMPLETED, S.COMPLETED_WITHOUT_RETURN}),
    **{status: frozenset() for status in TERMINAL},
}
# Status changes that only answer a requester's action (never made on the supplier's own initiative):
# Cancel answered yes -> Cancelled; Renew answered yes -> Loaned with a new due date.
ANSWER_TRANSITIONS: dict[Action, dict[Status, frozenset[Status]]] = {
    Action.CANCEL: {
        S.REQUEST_RECEIVED: frozenset({S.CANCELLED}),
        S.EXPECT_TO_SUPPLY: frozenset({S.CANCELLED}),
        S.WILL_SUPPLY: frozenset({S.CANCELLED}),
    },
    Action.RENEW: {S.LOANED: frozenset({S.LOANED}), S.OVERDUE: frozenset({S.LOANED})},
}

# The actions the requester may ask for, by the supplier's current status.
REQUESTER_ACTIONS: dict[Action, frozenset[Status]] = {
    Action.CANCEL: frozenset({S.REQUEST_RECEIVED, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY}),
    Action.RECEIVED: frozenset({S.LOANED, S.OVERDUE, S.RECALLED, S.COPY_COMPLETED}),
    Action.RENEW: frozenset({S.LOANED, S.OVERDUE}),
    Action.SHIPPED_RETURN: frozenset({S.LOANED, S.OVERDUE, S.RECALLED}),
    Action.STATUS_REQUEST: frozenset(Status),
    Action.NOTIFICATION: frozenset(Status),
}
# Actions meaningful for one kind of service only.
LOAN_ACTIONS = frozenset({Action.RENEW, Action.SHIPPED_RETURN})

# Conditions: the supplier sets one while it has not decided (the request becomes ExpectToSupply); while
# the requester has not accepted it, the supplier may not supply. Rejecting one cancels the request at
# this lender (a Cancel the supplier answers), and the requester's rota goes on to the next lender.
CONDITION_FROM = frozenset({S.REQUEST_RECEIVED, S.EXPECT_TO_SUPPLY})
CONDITION_BLOCKS = frozenset({S.WILL_SUPPLY, S.LOANED, S.COPY_COMPLETED})
LOAN_CONDITIONS = frozenset({Condition.LIBRARY_USE_ONLY, Condition.NO_REPRODUCTION})

# What needs a person: at the supplier, a new request, a cancel or renew to answer, a returned item to
# check in; at the requester, an item arriving, a refusal to route on, an overdue or recalled loan, a copy
# to hand to the reader.
SUPPLIER_ATTENTION_STATUSES = frozenset({S.REQUEST_RECEIVED, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY})
SUPPLIER_ATTENTION_ACTIONS = frozenset(
    {Action.CANCEL, Action.RENEW, Action.SHIPPED_RETURN, Action.NOTIFICATION}
)
REQUESTER_ATTENTION_STATUSES = frozenset(
    {S.LOANED, S.OVERDUE, S.RECALLED, S.UNFILLED, S.RETRY_POSSIBLE, S.COPY_COMPLETED}
)

# Reason codes (the ISO 18626 code lists for reasonUnfilled and reasonRetry).
REASONS_UNFILLED = (
    "NotHeld",
    "NotOnShelf",
    "NotAvailableForILL",
    "NonCirculating",
    "InUse",
    "OnOrder",
    "PolicyProblem",
    "PoorCondition",
    "Lost",
    "CopyrightLimit",
    "Other",
)
REASONS_RETRY = (
    "OnLoan",
    "AtBindery",
    "NotFoundAsCited",
    "CostExceedsMaxCost",
    "LoanCondition",
    "MultiVolAvail",
    "Other",
)


@dataclass(frozen=True)
class Refusal:
    """Why a change or an action may not happen now (code for tests, text for people)."""

    code: str
    text: str

    def __bool__(self) -> bool:  # a refusal is falsy: ``if may_change(...)`` reads naturally
        return False


class Allowed:
    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "Allowed"


ALLOWED = Allowed()


def _status(value: str | Status | None) -> Status | None:
    if value is None or value == "":
        return None
    try:
        return Status(value)
    except ValueError:
        return None


def may_change(
    current: str | Status | None,
    target: str | Status,
    service: str | Service,
    *,
    answering: str | Action | None = None,
    reason: str = "",
    condition_pending: bool = False,
) -> Allowed | Refusal:
    """May the supplier move a request from ``current`` (None: not yet received) to ``target``?
    ``answering``: the requester's action this change answers (Cancel, Renew); ``condition_pending``: a
    condition of the supplier waits for the requester's answer."""
    target_status = _status(target)
    if target_status is None:
        return Refusal("unknown-status", f"{target!r} is not an ISO 18626 status")
    try:
        service = Service(service)
    except ValueError:
        return Refusal("unknown-service", f"{service!r} is not a service type (Loan or Copy)")
    if service == Service.COPY and target_status in LOAN_ONLY:
        return Refusal("wrong-service", f"{target_status} is for loans, this request is for a copy")
    if service == Service.LOAN and target_status in COPY_ONLY:
        return Refusal("wrong-service", f"{target_status} is for copies, this request is for a loan")
    if current is None:
        if target_status == S.REQUEST_RECEIVED:
            return ALLOWED
        return Refusal("not-received", f"a request starts at RequestReceived, not {target_status}")
    current_status = _status(current)
    if current_status is None:
        return Refusal("unknown-status", f"{current!r} is not an ISO 18626 status")
    if condition_pending and target_status in CONDITION_BLOCKS:
        return Refusal(
            "condition-pending",
            f"the requester has not accepted the condition: it cannot become {target_status}",
        )
    if target_status == S.UNFILLED and reason and reason not in REASONS_UNFILLED:
        return Refusal("unknown-reason", f"{reason!r} is not a reason for Unfilled")
    if answering:
        try:
            action = Action(answering)
        except ValueError:
            return Refusal("unknown-action", f"{answering!r} is not a requester action")
        if target_status in ANSWER_TRANSITIONS.get(action, {}).get(current_status, frozenset()):
            return ALLOWED
    if target_status in SUPPLIER_TRANSITIONS[current_status]:
        return ALLOWED
    if current_status in TERMINAL:
        return Refusal(
            "closed", f"the request is closed ({current_status}): it cannot become {target_status}"
        )
    return Refusal("not-allowed", f"{current_status} cannot become {target_status}")


def may_act(action: str | Action, current: str | Status | None, service: str | Service) -> Allowed | Refusal:
    """May the requester ask for ``action`` while the supplier's status is ``current``?"""
    try:
        action = Action(action)
    except ValueError:
        return Refusal("unknown-action", f"{action!r} is not a requester action")
    try:
        service = Service(service)
    except ValueError:
        return Refusal("unknown-service", f"{service!r} is not a service type (Loan or Copy)")
    current_status = _status(current)
    if current_status is None:
        return Refusal("not-received", "the supplier has not received the request yet")
    if service == Service.COPY and action in LOAN_ACTIONS:
        return Refusal("wrong-service", f"{action} is for loans, this request is for a copy")
    if current_status in REQUESTER_ACTIONS[action]:
        return ALLOWED
    return Refusal("not-allowed", f"{action} is not possible while the request is {current_status}")


def may_set_condition(
    current: str | Status | None,
    service: str | Service,
    condition: str | Condition,
    condition_state: str = "",
) -> Allowed | Refusal:
    """May the supplier ask ``condition`` of the requester now?"""
    try:
        condition = Condition(condition)
    except ValueError:
        return Refusal(
            "unknown-condition", f"{condition!r} is not a condition (Fee, LibraryUseOnly, NoReproduction)"
        )
    if service == Service.COPY and condition in LOAN_CONDITIONS:
        return Refusal("wrong-service", f"{condition} is a condition of loans, this request is for a copy")
    if condition_state == ConditionState.PENDING:
        return Refusal("condition-pending", "a condition already waits for the requester's answer")
    if _status(current) not in CONDITION_FROM:
        return Refusal("not-allowed", f"a condition can be set before the supplier decides, not at {current}")
    return ALLOWED


def may_answer_condition(current: str | Status | None, condition_state: str) -> Allowed | Refusal:
    """May the requester accept or reject the supplier's condition now?"""
    if condition_state != ConditionState.PENDING:
        return Refusal("no-condition", "no condition waits for an answer")
    if _status(current) not in CONDITION_FROM:
        return Refusal("not-allowed", f"the request is {current}: the condition no longer applies")
    return ALLOWED


def supplier_needs_attention(
    status: str | Status, pending_action: str | Action | None = None, condition_state: str = ""
) -> bool:
    """A request to decide on (not while its condition waits for the requester), or an action to answer."""
    return (_status(status) in SUPPLIER_ATTENTION_STATUSES and condition_state != ConditionState.PENDING) or (
        bool(pending_action) and pending_action in SUPPLIER_ATTENTION_ACTIONS
    )


def requester_needs_attention(status: str | Status | None, condition_state: str = "") -> bool:
    """An item arriving, a refusal, a loan to bring back, a copy, or a condition to answer."""
    return _status(status) in REQUESTER_ATTENTION_STATUSES or condition_state == ConditionState.PENDING


def is_terminal(status: str | Status | None) -> bool:
    return _status(status) in TERMINAL
