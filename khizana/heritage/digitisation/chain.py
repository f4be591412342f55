"""The digitisation chain of one selected item (no Django import): its steps in order, and the one table
of the moves allowed between them. Forward moves go one step at a time; a move back (quality check
refused: scan again) needs a reason."""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    """Marks an English template for translation (makemessages finds it); the Django side translates."""
    return message


SELECTED = "selected"
PREPARED = "prepared"
SCANNED = "scanned"
QUALITY_CHECKED = "quality_checked"
OCR = "ocr"
PUBLISHED = "published"

STEPS = (SELECTED, PREPARED, SCANNED, QUALITY_CHECKED, OCR, PUBLISHED)

FORWARD = "forward"
BACK = "back"

# (from, to) -> kind. The only place that says which moves exist.
TRANSITIONS: dict[tuple[str, str], str] = {
    (SELECTED, PREPARED): FORWARD,
    (PREPARED, SCANNED): FORWARD,
    (SCANNED, QUALITY_CHECKED): FORWARD,
    (QUALITY_CHECKED, OCR): FORWARD,
    (OCR, PUBLISHED): FORWARD,
    (PREPARED, SELECTED): BACK,  # preparation undone (the volume is not available)
    (SCANNED, PREPARED): BACK,  # quality check refused: scan again
    (QUALITY_CHECKED, SCANNED): BACK,  # check again
    (OCR, QUALITY_CHECKED): BACK,  # OCR to be done again
}


class MoveError(ValueError):
    """A move the table does not allow, or a move back without a reason; ``template`` and ``params``
    are English (marked for translation by the caller's catalogue)."""

    def __init__(self, template: str, **params: str) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params)


def check_move(current: str, target: str, reason: str = "") -> str:
    """The kind of the move from ``current`` to ``target`` (FORWARD or BACK); raises :class:`MoveError`."""
    if target not in STEPS:
        raise MoveError(gettext_noop("unknown step %(step)s"), step=target)
    kind = TRANSITIONS.get((current, target))
    if kind is None:
        raise MoveError(
            gettext_noop("an item at step %(current)s cannot go to %(target)s"),
            current=current,
            target=target,
        )
    if kind == BACK and not reason.strip():
        raise MoveError(
            gettext_noop("going back from %(current)s to %(target)s needs a reason"),
            current=current,
            target=target,
        )
    return kind


def next_step(current: str) -> str | None:
    return next(
        (to for (start, to), kind in TRANSITIONS.items() if start == current and kind == FORWARD), None
    )


def back_steps(current: str) -> list[str]:
    return [to for (start, to), kind in TRANSITIONS.items() if start == current and kind == BACK]
