"""The pure logic of needs surveys (no Django): which questions a member is shown given their earlier
answers, the checking of a submitted form, and the counting of answers (each question by itself and
broken down by another question or by profile).

A response is a mapping from a question's key to its answer: one option key (single choice, scale), a
list of them (multiple choice) or a text. Options are keys too (a choice's id, "1"…"5" on a scale)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

Answer = str | list[str]
Answers = Mapping[str, Answer]

SINGLE, MULTIPLE, SCALE, TEXT = "single", "multiple", "scale", "text"
SCALE_OPTIONS = ("1", "2", "3", "4", "5")
NO_ANSWER = ""  # the group of responses without an answer to the question they are broken down by
MAX_TEXT = 4000


@dataclass(frozen=True)
class Spec:
    """A question as the checks need it: its ``options`` (empty for free text) and its condition (shown
    only when the answer to ``condition_key`` holds one of ``condition_values``)."""

    key: str
    kind: str
    options: tuple[str, ...] = ()
    required: bool = False
    condition_key: str | None = None
    condition_values: tuple[str, ...] = field(default=())


def values_of(answer: Answer | None) -> list[str]:
    """An answer's options as a list (none when unanswered)."""
    if answer is None:
        return []
    if isinstance(answer, str):
        return [answer] if answer else []
    return [value for value in answer if value]


def is_shown(spec: Spec, answers: Answers) -> bool:
    if spec.condition_key is None:
        return True
    return any(value in spec.condition_values for value in values_of(answers.get(spec.condition_key)))


def clean(
    specs: Sequence[Spec], submitted: Mapping[str, Sequence[str]]
) -> tuple[dict[str, Answer], list[tuple[str, str]]]:
    """The answers to keep from a submitted form (``submitted``: the values sent for each question key),
    in question order: a question not shown (its condition unmet by the answers kept before it) keeps no
    answer. Problems come as (question key, "required" | "one-only" | "unknown-option" | "too-long")."""
    answers: dict[str, Answer] = {}
    problems: list[tuple[str, str]] = []
    for spec in specs:
        if not is_shown(spec, answers):
            continue
        sent = [value.strip() for value in submitted.get(spec.key, ()) if value and value.strip()]
        if not sent:
            if spec.required:
                problems.append((spec.key, "required"))
            continue
        if spec.kind == TEXT:
            text = "\n".join(sent)
            if len(text) > MAX_TEXT:
                problems.append((spec.key, "too-long"))
            else:
                answers[spec.key] = text
            continue
        if any(value not in spec.options for value in sent):
            problems.append((spec.key, "unknown-option"))
        elif spec.kind == MULTIPLE:
            answers[spec.key] = [option for option in spec.options if option in sent]
        elif len(set(sent)) > 1:
            problems.append((spec.key, "one-only"))
        else:
            answers[spec.key] = sent[0]
    return answers, problems


def counts(responses: Iterable[Answers], key: str, options: Sequence[str]) -> dict[str, int]:
    """How many responses chose each option of question ``key`` (a multiple choice counts each)."""
    found = dict.fromkeys(options, 0)
    for answers in responses:
        for value in values_of(answers.get(key)):
            if value in found:
                found[value] += 1
    return found


def answered(responses: Iterable[Answers], key: str) -> int:
    return sum(1 for answers in responses if values_of(answers.get(key)))


def mean(responses: Iterable[Answers], key: str) -> float | None:
    """The mean of a scale's answers; None when nobody answered."""
    marks = [int(value) for answers in responses for value in values_of(answers.get(key)) if value.isdigit()]
    return sum(marks) / len(marks) if marks else None


def crosstab(
    responses: Iterable[Answers], key: str, options: Sequence[str], by_key: str, by_options: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Question ``key`` broken down by question ``by_key``: for each option of ``by_key`` (and
    :data:`NO_ANSWER` for the responses without one), how many chose each option of ``key``. A response
    with several options on either side counts in each pair."""
    table = {group: dict.fromkeys(options, 0) for group in (*by_options, NO_ANSWER)}
    for answers in responses:
        groups = [group for group in values_of(answers.get(by_key)) if group in table] or [NO_ANSWER]
        chosen = [value for value in values_of(answers.get(key)) if value in options]
        for group in groups:
            for value in chosen:
                table[group][value] += 1
    if not any(table[NO_ANSWER].values()):
        del table[NO_ANSWER]
    return table


def choice_lines(text: str) -> list[tuple[str, str, str]]:
    """The choices written one a line as "French | Arabic | English" (the Arabic and English optional)."""
    choices = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        parts += [""] * (3 - len(parts))
        choices.append((parts[0], parts[1], parts[2]))
    return choices


def spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (a text starting with = + - @ gets a quote)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
