"""What readers and staff read instead of the ISO 18626 codes: one table of translated labels for every
status, requester action, reason code and condition (the codes stay in the data and on the wire)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .states import (
    REASONS_RETRY,
    REASONS_UNFILLED,
    Action,
    Condition,
    ConditionState,
    Refusal,
    Service,
    Status,
)

STATUS = {
    Status.REQUEST_RECEIVED: _("Request received by the lender"),
    Status.EXPECT_TO_SUPPLY: _("The lender expects to supply it"),
    Status.WILL_SUPPLY: _("The lender will supply it"),
    Status.LOANED: _("Lent"),
    Status.OVERDUE: _("Overdue"),
    Status.RECALLED: _("Recalled by the lender"),
    Status.RETRY_POSSIBLE: _("Not now: may be asked again"),
    Status.UNFILLED: _("Cannot be supplied"),
    Status.COPY_COMPLETED: _("Copy supplied"),
    Status.LOAN_COMPLETED: _("Loan completed (returned)"),
    Status.COMPLETED_WITHOUT_RETURN: _("Completed without return"),
    Status.CANCELLED: _("Cancelled"),
}
ACTION = {
    Action.RECEIVED: _("Received"),
    Action.CANCEL: pgettext_lazy("interlibrary action", "Cancel"),
    Action.RENEW: _("Renew"),
    Action.SHIPPED_RETURN: _("Sent back"),
    Action.STATUS_REQUEST: _("Asks for news"),
    Action.NOTIFICATION: _("Message"),
}
SERVICE = {Service.LOAN: _("Loan"), Service.COPY: _("Copy")}
REASON = {
    # reasonUnfilled
    "NotHeld": _("Not held"),
    "NotOnShelf": _("Not on the shelf"),
    "NotAvailableForILL": _("Not available for interlibrary loan"),
    "NonCirculating": _("Does not circulate"),
    "InUse": _("In use"),
    "OnOrder": _("On order"),
    "PolicyProblem": _("Against the lender's policy"),
    "PoorCondition": _("In poor condition"),
    "Lost": _("Lost"),
    "CopyrightLimit": _("Copyright limit"),
    # reasonRetry
    "OnLoan": _("On loan"),
    "AtBindery": _("At the bindery"),
    "NotFoundAsCited": _("Not found as cited"),
    "CostExceedsMaxCost": _("Costs more than the maximum"),
    "LoanCondition": _("Loan condition"),
    "MultiVolAvail": _("Several volumes available"),
    "Other": _("Other reason"),
}
CONDITION = {
    Condition.FEE: _("A fee"),
    Condition.LIBRARY_USE_ONLY: _("Library use only"),
    Condition.NO_REPRODUCTION: _("No reproduction"),
}
CONDITION_STATE = {
    ConditionState.PENDING: _("waits for an answer"),
    ConditionState.ACCEPTED: _("accepted"),
    ConditionState.REJECTED: _("rejected"),
}
assert set(REASONS_UNFILLED) | set(REASONS_RETRY) <= set(REASON)  # every code has its label

# Why the state machine says no (its Refusal codes), for people; the peers get the English text.
REFUSAL = {
    "unknown-status": _("this is not a status of interlibrary loan"),
    "unknown-service": _("this is neither a loan nor a copy"),
    "unknown-action": _("this is not an action of interlibrary loan"),
    "unknown-reason": _("this reason is not one of the list"),
    "unknown-condition": _("this is not a condition (a fee, library use only, no reproduction)"),
    "wrong-service": _("it does not apply to this kind of request (loan or copy)"),
    "not-received": _("the lending library has not received the request yet"),
    "closed": _("the request is closed"),
    "not-allowed": _("not at this stage of the request"),
    "condition-pending": _("the requesting library has not accepted the condition yet"),
    "no-condition": _("no condition waits for an answer"),
}

TABLES = (STATUS, ACTION, SERVICE, REASON, CONDITION, CONDITION_STATE)


def label(code: str | None) -> str:
    """The translated label of an ISO 18626 code (a dash for none; the code itself if it is unknown)."""
    if not code:
        return "—"
    for table in TABLES:
        if code in table:
            return str(table[code])
    return code


def refusal(verdict: Refusal) -> str:
    """Why the state machine refused, in the reader's language."""
    text = REFUSAL.get(verdict.code)
    return str(text) if text else verdict.text
