"""Forms of the quiz builder and the grading pages.

They check the shape of the input (numbers, lengths, which rows are
filled in); the quiz rules (how many options, one marked correct, distinct
answers) stay in the services, and the views put a refusal back on the
input it names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from karma.assessments.models import Assessment, Question, QuestionType
from karma.assessments.services.authoring import (
    ATTEMPT_LIMIT_RANGE,
    ITEM_MAX_LENGTH,
    ITEMS_RANGE,
    NOTE_MAX_LENGTH,
    PASSING_SCORE_RANGE,
    POINTS_RANGE,
    PROMPT_MAX_LENGTH,
    TIME_LIMIT_RANGE,
    AuthoringError,
    OptionInput,
    PairInput,
    QuestionInput,
)
from karma.courses.forms import CourseForm

# A new question shows this many blank option or pair rows; blank rows are
# ignored, so an author fills in as many as they need without JavaScript.
BLANK_ROWS = 6
MAX_ROWS = ITEMS_RANGE[1]


def _whole_number(label: str, bounds: tuple[int, int], **kwargs: Any):
    low, high = bounds
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


class QuizForm(CourseForm):
    """A form of these pages; puts an AuthoringError on its input."""

    def add_authoring_error(self, error: AuthoringError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


# --- Settings ----------------------------------------------------------------


class QuizSettingsForm(QuizForm):
    passing_score = _whole_number(
        "Passing score (%)",
        PASSING_SCORE_RANGE,
        help_text="The share of the points a learner needs to pass.",
    )
    time_limit_minutes = _whole_number(
        "Time limit (minutes)",
        TIME_LIMIT_RANGE,
        required=False,
        help_text="Leave empty for no limit. The clock starts when the learner"
        " starts an attempt, and the server enforces it.",
    )
    attempt_limit = _whole_number(
        "Attempts allowed",
        ATTEMPT_LIMIT_RANGE,
        required=False,
        help_text="Leave empty for unlimited attempts.",
    )
    randomize_questions = forms.BooleanField(
        label="Show the questions in a random order", required=False
    )
    show_results = forms.BooleanField(
        label="Show the score as soon as the learner submits", required=False
    )
    allow_review = forms.BooleanField(
        label="Let learners review their answers and the explanations",
        required=False,
    )
    require_passing = forms.BooleanField(
        label="The lesson counts as done only once passed",
        required=False,
        help_text="Otherwise submitting the quiz completes the lesson. Changing"
        " this recounts every learner's progress.",
    )

    SETTINGS = (
        "passing_score",
        "time_limit_minutes",
        "attempt_limit",
        "randomize_questions",
        "show_results",
        "allow_review",
        "require_passing",
    )

    @classmethod
    def initial_for(cls, assessment: Assessment) -> dict[str, Any]:
        return {name: getattr(assessment, name) for name in cls.SETTINGS}

    def settings(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.SETTINGS}


# --- Questions ---------------------------------------------------------------


class QuestionForm(QuizForm):
    """Add or edit one question of a fixed type.

    Options and pairs come as numbered rows (`option-0-text`, ...). Each
    row of an existing item carries its id, so the service edits that item
    in place; a row emptied by the author drops its item.
    """

    TRUE_FALSE_CHOICES = [("true", "True"), ("false", "False")]

    prompt = forms.CharField(
        label="Question",
        max_length=PROMPT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    points = _whole_number("Points", POINTS_RANGE, initial=1)
    correct_true = forms.TypedChoiceField(
        label="The right answer",
        choices=TRUE_FALSE_CHOICES,
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
        required=False,
    )
    grading_guidance = forms.CharField(
        label="Grading guidance (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What a good answer says. Graders see this; learners never do.",
    )
    explanation = forms.CharField(
        label="Explanation (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown with the results when the quiz allows review.",
    )

    def __init__(
        self,
        *args: Any,
        question_type: str,
        question: Question | None = None,
        **kwargs: Any,
    ) -> None:
        if question is not None:
            kwargs.setdefault("initial", self.initial_for(question))
        super().__init__(*args, **kwargs)
        self.question_type = question_type
        self.item_errors: list[str] = []
        self.rows = self._row_count(question)
        self._keep_fields_of_type()
        self._add_rows()

    # Building the fields.

    def _row_count(self, question: Question | None) -> int:
        if self.is_bound:
            try:
                posted = int(self.data.get("rows", BLANK_ROWS))
            except (TypeError, ValueError):
                posted = BLANK_ROWS
            return min(max(posted, BLANK_ROWS), MAX_ROWS)
        existing = len(self.initial.get("items", []))
        return min(max(BLANK_ROWS, existing + 2), MAX_ROWS)

    def _keep_fields_of_type(self) -> None:
        if self.question_type == QuestionType.TRUE_FALSE:
            self.fields["correct_true"].widget.attrs["class"] = "form-check-input"
            self.fields["correct_true"].required = True
            self.fields["correct_true"].error_messages["required"] = (
                "Choose the right answer."
            )
        else:
            del self.fields["correct_true"]
        if self.question_type != QuestionType.SHORT_ANSWER:
            del self.fields["grading_guidance"]

    def _add_rows(self) -> None:
        items = self.initial.get("items", [])
        for index in range(self.rows):
            item = items[index] if index < len(items) else {}
            if self.question_type == QuestionType.CHOICE:
                self._add_option_row(index, item)
            elif self.question_type == QuestionType.MATCHING:
                self._add_pair_row(index, item)

    def _add_option_row(self, index: int, item: dict[str, Any]) -> None:
        number = index + 1
        self.fields[f"option-{index}-text"] = _row_text(
            f"Option {number}", item.get("text", "")
        )
        self.fields[f"option-{index}-correct"] = forms.BooleanField(
            label=f"Option {number} is correct",
            required=False,
            initial=item.get("correct", False),
            widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        )
        self._add_id(f"option-{index}-id", item)

    def _add_pair_row(self, index: int, item: dict[str, Any]) -> None:
        number = index + 1
        self.fields[f"pair-{index}-prompt"] = _row_text(
            f"Prompt {number}", item.get("prompt", "")
        )
        self.fields[f"pair-{index}-answer"] = _row_text(
            f"Answer {number}", item.get("answer", "")
        )
        self._add_id(f"pair-{index}-id", item)

    def _add_id(self, name: str, item: dict[str, Any]) -> None:
        self.fields[name] = forms.CharField(
            required=False,
            max_length=32,
            initial=item.get("id", ""),
            widget=forms.HiddenInput,
        )

    # Reading the rows for the template and the service.

    def option_rows(self) -> list[tuple]:
        """(text, correct, id) bound fields of each option row."""
        return [
            tuple(self[f"option-{index}-{part}"] for part in ("text", "correct", "id"))
            for index in range(self.rows)
        ]

    def pair_rows(self) -> list[tuple]:
        """(prompt, answer, id) bound fields of each pair row."""
        return [
            tuple(self[f"pair-{index}-{part}"] for part in ("prompt", "answer", "id"))
            for index in range(self.rows)
        ]

    def question_input(self) -> QuestionInput:
        data = self.cleaned_data
        return QuestionInput(
            type=self.question_type,
            prompt=data["prompt"],
            points=data["points"],
            options=self._options(),
            pairs=self._pairs(),
            correct_true=data.get("correct_true"),
            grading_guidance=data.get("grading_guidance", ""),
            explanation=data.get("explanation", ""),
        )

    def _options(self) -> list[OptionInput]:
        if self.question_type != QuestionType.CHOICE:
            return []
        options = []
        for index in range(self.rows):
            text = self.cleaned_data[f"option-{index}-text"].strip()
            correct = self.cleaned_data[f"option-{index}-correct"]
            # A blank row is ignored unless marked correct: then the
            # service says the option needs its text.
            if text or correct:
                row_id = self.cleaned_data[f"option-{index}-id"]
                options.append(OptionInput(text, correct, row_id))
        return options

    def _pairs(self) -> list[PairInput]:
        if self.question_type != QuestionType.MATCHING:
            return []
        pairs = []
        for index in range(self.rows):
            prompt = self.cleaned_data[f"pair-{index}-prompt"].strip()
            answer = self.cleaned_data[f"pair-{index}-answer"].strip()
            if prompt or answer:
                row_id = self.cleaned_data[f"pair-{index}-id"]
                pairs.append(PairInput(prompt, answer, row_id))
        return pairs

    def add_authoring_error(self, error: AuthoringError) -> None:
        if error.field in ("options", "pairs"):
            self.item_errors.append(error.message)
            self.add_error(None, "The question was not saved; see below.")
            return
        super().add_authoring_error(error)

    @classmethod
    def initial_for(cls, question: Question) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "prompt": question.prompt,
            "points": question.points,
            "grading_guidance": question.grading_guidance,
            "explanation": question.explanation,
            "items": [],
        }
        if question.correct_true is not None:
            initial["correct_true"] = "true" if question.correct_true else "false"
        if question.type == QuestionType.CHOICE:
            initial["items"] = [
                {"text": c.text, "correct": c.is_correct, "id": c.public_id}
                for c in question.choices.all()
            ]
        elif question.type == QuestionType.MATCHING:
            initial["items"] = [
                {"prompt": p.prompt, "answer": p.answer, "id": p.public_id}
                for p in question.pairs.all()
            ]
        return initial


def _row_text(label: str, initial: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=ITEM_MAX_LENGTH,
        initial=initial,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


# --- Grading -----------------------------------------------------------------


class AnswerGradeForm(QuizForm):
    """Points and feedback for one answer on the grade page.

    Empty points leave the answer waiting. Changing a grade already given
    needs a reason, which the audit log keeps.
    """

    points = forms.DecimalField(
        label="Points",
        required=False,
        min_value=Decimal("0"),
        max_digits=8,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    feedback = forms.CharField(
        label="Feedback to the learner (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label="Reason for changing the grade",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text="Required when you change a grade already given; kept in the"
        " audit log.",
    )

    def __init__(self, *args: Any, answer: Any, **kwargs: Any) -> None:
        initial = {"feedback": answer.feedback}
        if not answer.needs_review:
            initial["points"] = answer.points_awarded
        super().__init__(*args, initial=initial, **kwargs)
        self.answer = answer
        # The grading service checks the upper bound; this only helps the
        # browser's number input.
        self.fields["points"].widget.attrs["max"] = answer.question.points
        self.fields["points"].label = f"Points (0 to {answer.question.points})"
        if answer.needs_review:
            del self.fields["reason"]

    def wants_change(self) -> bool:
        """True when the grader gave points that differ from what is stored."""
        points = self.cleaned_data.get("points")
        if points is None:
            return False
        if self.answer.needs_review:
            return True
        return points != self.answer.points_awarded or (
            self.cleaned_data["feedback"].strip() != self.answer.feedback
        )
