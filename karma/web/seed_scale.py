"""A large, realistic Karma site for benchmarks: `karma seed-scale`.

It writes straight to the tables with bulk inserts (COPY on PostgreSQL,
executemany inside one transaction on SQLite) and hands out primary keys
itself, so a hundred thousand learners and half a million enrollments take
minutes, not hours. The figures it stores are the ones the progress service
would store: an enrollment's percent is its required lessons done over its
required lessons, a course finished is completed, a quiz lesson is complete
once an attempt was submitted.

Everyone who holds a password holds SEED_PASSWORD: hashing one password per
person would take longer than the rest of the seed together.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from karma.accounts.models import Role, User
from karma.assessments.models import (
    Answer,
    Assessment,
    Attempt,
    AttemptStatus,
    Choice,
    Question,
    QuestionType,
)
from karma.courses.models import (
    Course,
    CourseStatus,
    Lesson,
    LessonType,
    Module,
    Visibility,
)
from karma.enrollments.models import Enrollment, EnrollmentSource, EnrollmentStatus
from karma.learning.models import (
    Certificate,
    CompletionReason,
    LessonProgress,
    new_verification_code,
)
from karma.learning.services.progress import COMPLETION_RULE, percent
from karma.lib.public_ids import new_public_id
from karma.lib.text import fold_for_search

logger = logging.getLogger(__name__)

SEED_PASSWORD = "seed-scale-password"  # noqa: S105 - a made-up site's password
ADMIN_EMAIL = "admin@scale.example.org"
# Rows per bulk statement: large enough that round trips do not show.
FLUSH_EVERY = 20_000

# (first names, last names) per script; mixed freely within a script.
NAMES = {
    "latin": (
        [
            "José",
            "Zoë",
            "Łukasz",
            "Renée",
            "Søren",
            "Ágnes",
            "Çağla",
            "Joaquín",
            "Ines",
            "Mathis",
            "Maria",
            "Tomás",
            "Anaïs",
            "Jürgen",
            "Małgorzata",
            "Nguyễn",
            "Björn",
            "Ørjan",
            "Chloé",
            "Emma",
            "Oliver",
            "Amelia",
        ],
        [
            "Núñez",
            "Müller",
            "Dvořák",
            "Ødegård",
            "Kowalczyk",
            "Öztürk",
            "Lefèvre",
            "García",
            "Smith",
            "Brontë",
            "Đặng",
            "Şahin",
            "Wójcik",
            "Nowak",
            "Rossi",
            "Johansson",
            "Fernández",
            "O'Brien",
            "Martin",
            "Häkkinen",
        ],
    ),
    "cyrillic": (
        ["Анна", "Дмитрий", "Ёлка", "Олена", "Сергей", "Мария", "Богдан"],
        ["Иванова", "Петров", "Шевченко", "Смирнов", "Ковальчук", "Фёдоров"],
    ),
    "greek": (
        ["Αλέξανδρος", "Ελένη", "Γιώργος", "Σοφία"],
        ["Παπαδόπουλος", "Κωνσταντίνου", "Νικολάου"],
    ),
    "arabic": (["محمد", "فاطمة", "علي", "ليلى"], ["الحسن", "العلي", "منصور"]),
    "hebrew": (["דוד", "שרה", "נועה"], ["כהן", "לוי", "מזרחי"]),
    "devanagari": (["अर्जुन", "प्रिया", "राहुल"], ["शर्मा", "वर्मा", "पटेल"]),
    "han": (["伟", "芳", "秀英", "翔太"], ["王", "李", "张", "佐藤"]),
    "hangul": (["민준", "서연", "지우"], ["김", "이", "박"]),
    "thai": (["สมชาย", "สุดา"], ["ใจดี", "ศรีสุข"]),
}
# Share of learners per script, out of 100.
SCRIPT_WEIGHTS = {
    "latin": 55,
    "cyrillic": 10,
    "greek": 4,
    "arabic": 8,
    "hebrew": 3,
    "devanagari": 7,
    "han": 7,
    "hangul": 4,
    "thai": 2,
}
DOMAINS = ["example.org", "example.com", "example.net", "mail.example.org"]
TOPICS = [
    "Safety",
    "Data protection",
    "Excel",
    "Leadership",
    "Customer care",
    "First aid",
    "Python",
    "Négociation",
    "Gestión del tiempo",
    "Datenschutz",
    "Onboarding",
    "Accessibility",
    "Sales",
    "Ethics",
    "Statistics",
    "Écriture",
]
LEVELS = ["Introduction to", "Essentials of", "Advanced", "Practical", "Applied"]
CATEGORIES = ["Compliance", "Skills", "Technology", "Management", "Languages"]
LESSON_TYPES = [LessonType.TEXT, LessonType.TEXT, LessonType.VIDEO, LessonType.DOCUMENT]


@dataclass(frozen=True)
class ScalePlan:
    """What to build; the defaults are the site the benchmarks describe."""

    learners: int = 100_000
    courses: int = 1_000
    enrollments_per_learner: float = 5.0
    # The course whose Progress tab and export are measured.
    big_course_learners: int = 10_000
    # The learner whose profile is measured: 50 enrollments, 200 attempts.
    profile_enrollments: int = 50
    attempts_per_profile_course: int = 4
    seed: int = 7


@dataclass
class SeedSummary:
    counts: dict[str, int] = field(default_factory=dict)
    admin_email: str = ADMIN_EMAIL
    profile_learner_email: str = ""
    big_course_id: str = ""


@dataclass
class _Lesson:
    id: int
    type: str
    required: bool
    public_id: str = ""
    assessment_id: int | None = None
    # (question id, type, correct answer, wrong answer) as Answer.response.
    questions: list[tuple[int, str, dict, dict]] = field(default_factory=list)


@dataclass
class _Course:
    id: int
    public_id: str
    title: str
    certificate: bool
    lessons: list[_Lesson] = field(default_factory=list)

    @property
    def required_total(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.required)


class BulkWriter:
    """Buffer rows per table and write them in large bulk statements.

    Primary keys are handed out here, counting up from the table's current
    maximum, so rows can point at each other before anything is written.
    """

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self._buffers: dict[type[models.Model], list[tuple]] = {}
        self._columns: dict[type[models.Model], list[str]] = {}
        self._next_id: dict[type[models.Model], int] = {}
        self.counts: dict[str, int] = {}

    def next_id(self, model: type[models.Model]) -> int:
        if model not in self._next_id:
            top = model.objects.aggregate(top=models.Max("pk"))["top"] or 0
            self._next_id[model] = top + 1
        value = self._next_id[model]
        self._next_id[model] = value + 1
        return value

    def add(self, model: type[models.Model], row: dict[str, object]) -> None:
        """Queue one row, given as {field name: value}, including the pk."""
        if model not in self._columns:
            self._columns[model] = list(row)
            self._buffers[model] = []
        buffer = self._buffers[model]
        buffer.append(tuple(row.values()))
        if len(buffer) >= FLUSH_EVERY:
            self.flush(model)

    def flush(self, model: type[models.Model]) -> None:
        rows = self._buffers.get(model)
        if not rows:
            return
        fields = [model._meta.get_field(name) for name in self._columns[model]]
        columns = [f.column for f in fields]
        if self.vendor == "postgresql":
            self._copy(model._meta.db_table, columns, rows)
        else:
            dated = [
                i
                for i, f in enumerate(fields)
                if f.get_internal_type() == "DateTimeField"
            ]
            self._insert_many(model._meta.db_table, columns, _sqlite_rows(rows, dated))
        label = model._meta.label
        self.counts[label] = self.counts.get(label, 0) + len(rows)
        self._buffers[model] = []

    def flush_all(self) -> None:
        for model in list(self._buffers):
            self.flush(model)

    def finish(self) -> None:
        """Write what is left and move PostgreSQL's sequences past our keys."""
        self.flush_all()
        if self.vendor != "postgresql":
            return
        sql = connection.ops.sequence_reset_sql(no_style(), list(self._next_id))
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)

    def _copy(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        statement = f"COPY {table} ({names}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def _insert_many(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                # Table and column names come from the models, never input.
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                rows,
            )


def no_style():
    from django.core.management.color import no_style as plain

    return plain()


def _sqlite_rows(rows: list[tuple], dated: list[int]) -> list[tuple]:
    """Write datetimes as Django does on SQLite: naive UTC text.

    Every datetime here comes from timezone.now(), so it is in UTC already.
    """
    if not dated:
        return rows
    adapted = []
    for row in rows:
        values = list(row)
        for i in dated:
            if values[i] is not None:
                values[i] = str(values[i].replace(tzinfo=None))
        adapted.append(values)
    return adapted


def _json(value: object) -> str:
    return json.dumps(value)


# --- The seed ---------------------------------------------------------------


def seed_scale(
    *, plan: ScalePlan, progress: Callable[[str], None] | None = None
) -> SeedSummary:
    """Build the site `plan` describes in the current (empty) database."""
    say = progress or (lambda message: None)
    rng = random.Random(plan.seed)
    now = timezone.now()
    writer = BulkWriter()
    summary = SeedSummary()

    with transaction.atomic():
        password = make_password(SEED_PASSWORD)
        instructors = _seed_staff(writer, password, now, plan)
        learners = _seed_learners(writer, rng, password, now, plan)
        say(f"{len(learners)} learners")
        courses = _seed_courses(writer, rng, instructors, now, plan)
        say(f"{len(courses)} courses")
        _seed_enrollments(writer, rng, learners, courses, now, plan)
        writer.finish()
    # Fresh planner statistics, so the first queries on the site are
    # planned for its real size rather than for empty tables.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    summary.counts = writer.counts
    summary.profile_learner_email = learners[0][1]
    summary.big_course_id = courses[0].public_id
    logger.info("scale seed written", extra={"rows": sum(writer.counts.values())})
    return summary


def _user_row(
    writer: BulkWriter, *, first: str, last: str, email: str, role: str, **extra
) -> dict[str, object]:
    row = {
        "id": writer.next_id(User),
        "public_id": new_public_id("usr"),
        "email": email,
        "first_name": first,
        "last_name": last,
        "role": role,
        "search_text": fold_for_search(f"{first} {last} {email}"),
        "credentials_generation": 0,
    }
    row.update(extra)
    return row


def _seed_staff(
    writer: BulkWriter, password: str, now: datetime, plan: ScalePlan
) -> list[int]:
    """One admin and one instructor per twenty courses; returns instructor ids."""
    common = {
        "password": password,
        "is_active": True,
        "must_change_password": False,
        "created_at": now - timedelta(days=400),
        "activated_at": now - timedelta(days=400),
        "last_active_at": now,
    }
    admin = _user_row(
        writer, first="Ada", last="Admin", email=ADMIN_EMAIL, role=Role.ADMIN, **common
    )
    writer.add(User, admin)
    instructors = []
    for n in range(max(1, plan.courses // 20)):
        row = _user_row(
            writer,
            first="Iris",
            last=f"Instructor {n}",
            email=f"instructor{n}@scale.example.org",
            role=Role.INSTRUCTOR,
            **common,
        )
        writer.add(User, row)
        instructors.append(row["id"])
    return instructors


def _seed_learners(
    writer: BulkWriter, rng: random.Random, password: str, now: datetime, plan
) -> list[tuple[int, str, str, bool]]:
    """Learners in many scripts: (id, email, name, may enroll) for each."""
    scripts = list(SCRIPT_WEIGHTS)
    weights = list(SCRIPT_WEIGHTS.values())
    learners = []
    for n in range(plan.learners):
        firsts, lasts = NAMES[rng.choices(scripts, weights)[0]]
        first, last = rng.choice(firsts), rng.choice(lasts)
        email = f"{_mailbox(first, last)}.{n}@{DOMAINS[n % len(DOMAINS)]}"
        # The first learners are the ones benchmarks sign in as: keep them
        # active. Elsewhere 2% are invited and 1% deactivated.
        roll = rng.random() if n >= 100 else 1.0
        invited, deactivated = roll < 0.02, 0.02 <= roll < 0.03
        joined = now - timedelta(days=rng.randint(1, 720))
        row = _user_row(
            writer,
            first=first,
            last=last,
            email=email,
            role=Role.LEARNER,
            password="!" if invited else password,
            is_active=not deactivated,
            must_change_password=False,
            created_at=joined,
            activated_at=None if invited else joined,
            last_active_at=None
            if invited or rng.random() < 0.1
            else now - timedelta(minutes=rng.randint(5, 60 * 24 * 90)),
        )
        writer.add(User, row)
        learners.append((row["id"], email, f"{first} {last}", not invited))
    writer.flush(User)
    return learners


def _mailbox(first: str, last: str) -> str:
    """An ASCII mailbox from a name, or "learner" for non-Latin names."""
    letters = [
        "".join(ch for ch in fold_for_search(part) if ch.isascii() and ch.isalpha())
        for part in (first, last)
    ]
    return ".".join(part for part in letters if part) or "learner"


def _seed_courses(
    writer: BulkWriter,
    rng: random.Random,
    instructors: list[int],
    now: datetime,
    plan: ScalePlan,
) -> list[_Course]:
    """Published courses of 5-10 modules with a quiz half-way; the first
    course is the big one. Returns only the courses learners can be in."""
    courses = []
    for n in range(plan.courses):
        # The first courses stay published and public: benchmarks use them.
        roll = rng.random() if n >= plan.profile_enrollments + 1 else 1.0
        status = CourseStatus.DRAFT if roll < 0.03 else CourseStatus.PUBLISHED
        visibility = Visibility.ARCHIVED if 0.03 <= roll < 0.05 else Visibility.PUBLIC
        title = f"{rng.choice(LEVELS)} {rng.choice(TOPICS)} {n + 1}"
        course = _Course(
            id=writer.next_id(Course),
            public_id=new_public_id("crs"),
            title=title,
            certificate=n % 5 == 0,
        )
        writer.add(
            Course,
            {
                "id": course.id,
                "public_id": course.public_id,
                "title": title,
                "description": f"{title}: a course for the whole organisation.",
                "category": CATEGORIES[n % len(CATEGORIES)],
                "cover": "",
                "estimated_minutes": rng.randint(30, 600),
                "status": status,
                "visibility": visibility,
                "enrollment_type": "open",
                "require_passing_quizzes": False,
                "certificate_enabled": course.certificate,
                "owner_id": instructors[n % len(instructors)],
                "created_at": now - timedelta(days=500),
                "updated_at": now - timedelta(days=400),
                "published_at": None
                if status == CourseStatus.DRAFT
                else now - timedelta(days=400),
            },
        )
        _seed_modules(writer, rng, course, now)
        if status == CourseStatus.PUBLISHED:
            courses.append(course)
    writer.flush_all()
    return courses


def _seed_modules(
    writer: BulkWriter, rng: random.Random, course: _Course, now: datetime
) -> None:
    module_count = rng.randint(5, 10)
    quiz_module = module_count // 2
    for position in range(module_count):
        module_id = writer.next_id(Module)
        writer.add(
            Module,
            {
                "id": module_id,
                "public_id": new_public_id("mod"),
                "course_id": course.id,
                "name": f"Module {position + 1}",
                "description": "",
                "position": position,
            },
        )
        lesson_count = rng.randint(1, 3)
        for lesson_position in range(lesson_count):
            is_quiz = position == quiz_module and lesson_position == lesson_count - 1
            lesson = _Lesson(
                id=writer.next_id(Lesson),
                public_id=new_public_id("les"),
                type=LessonType.QUIZ if is_quiz else rng.choice(LESSON_TYPES),
                # One lesson in ten is optional; the quiz always counts.
                required=is_quiz or rng.random() >= 0.1,
            )
            writer.add(
                Lesson, _lesson_row(course, module_id, lesson, lesson_position, now)
            )
            if is_quiz:
                _seed_quiz(writer, lesson)
            course.lessons.append(lesson)


def _lesson_row(
    course: _Course, module_id: int, lesson: _Lesson, position: int, now: datetime
) -> dict[str, object]:
    return {
        "id": lesson.id,
        "public_id": lesson.public_id,
        "course_id": course.id,
        "module_id": module_id,
        "title": f"Lesson {position + 1} ({lesson.type})",
        "type": lesson.type,
        "body": "<p>Read this to the end.</p>" if lesson.type == "text" else "",
        "video_url": "https://video.example.org/v.mp4"
        if lesson.type == "video"
        else "",
        "file": "",
        "file_name": "",
        "estimated_minutes": 10,
        "required": lesson.required,
        "manual_completion": False,
        "position": position,
        "created_at": now - timedelta(days=450),
        "updated_at": now - timedelta(days=450),
    }


def _seed_quiz(writer: BulkWriter, lesson: _Lesson) -> None:
    """An assessment with two multiple-choice questions and a true/false."""
    lesson.assessment_id = writer.next_id(Assessment)
    writer.add(
        Assessment,
        {
            "id": lesson.assessment_id,
            "public_id": new_public_id("asmnt"),
            "lesson_id": lesson.id,
            "passing_score": 70,
            "time_limit_minutes": None,
            "attempt_limit": None,
            "randomize_questions": False,
            "show_results": True,
            "allow_review": True,
            "require_passing": False,
            "updated_at": timezone.now(),
        },
    )
    kinds = [QuestionType.CHOICE, QuestionType.TRUE_FALSE, QuestionType.CHOICE]
    for position, kind in enumerate(kinds):
        question_id = writer.next_id(Question)
        writer.add(
            Question,
            {
                "id": question_id,
                "public_id": new_public_id("qst"),
                "assessment_id": lesson.assessment_id,
                "type": kind,
                "prompt": f"Question {position + 1}",
                "points": 1,
                "position": position,
                "correct_true": True if kind == QuestionType.TRUE_FALSE else None,
                "grading_guidance": "",
                "explanation": "",
            },
        )
        if kind == QuestionType.TRUE_FALSE:
            answers = ({"value": True}, {"value": False})
        else:
            options = [new_public_id("opt") for _ in range(3)]
            answers = ({"choices": [options[0]]}, {"choices": [options[1]]})
            for position_, option in enumerate(options):
                writer.add(
                    Choice,
                    {
                        "id": writer.next_id(Choice),
                        "public_id": option,
                        "question_id": question_id,
                        "text": f"Option {position_ + 1}",
                        "is_correct": position_ == 0,
                        "position": position_,
                    },
                )
        lesson.questions.append((question_id, kind, *answers))


# --- Enrollments, progress and attempts -------------------------------------

REASONS = {
    LessonType.TEXT: CompletionReason.READ_TO_END,
    LessonType.DOCUMENT: CompletionReason.READ_TO_END,
    LessonType.VIDEO: CompletionReason.VIDEO_WATCHED,
    LessonType.QUIZ: CompletionReason.QUIZ_SUBMITTED,
}


def course_sizes(plan: ScalePlan, course_count: int, population: int) -> list[int]:
    """Learners per course: the big course first, the rest on a gentle
    long tail (a few courses with thousands, most with hundreds)."""
    big = min(plan.big_course_learners, population)
    remaining = max(0, int(plan.learners * plan.enrollments_per_learner) - big)
    weights = [1 / (rank**0.5) for rank in range(1, course_count)]
    scale = remaining / sum(weights) if weights else 0
    return [big] + [min(population, round(w * scale)) for w in weights]


def _seed_enrollments(
    writer: BulkWriter,
    rng: random.Random,
    learners: list[tuple[int, str, str, bool]],
    courses: list[_Course],
    now: datetime,
    plan: ScalePlan,
) -> None:
    """Put learners into courses; the first learner is in the first
    `profile_enrollments` courses with several attempts at each quiz."""
    profile, others = learners[0], [row for row in learners[1:] if row[3]]
    sizes = course_sizes(plan, len(courses), len(others))
    for index, (course, size) in enumerate(zip(courses, sizes, strict=True)):
        members = rng.sample(others, size)
        for learner in members:
            _seed_enrollment(writer, rng, course, learner, now, profile=False)
        if index < plan.profile_enrollments:
            _seed_enrollment(writer, rng, course, profile, now, profile=True, plan=plan)


def _seed_enrollment(
    writer: BulkWriter,
    rng: random.Random,
    course: _Course,
    learner: tuple[int, str, str, bool],
    now: datetime,
    *,
    profile: bool,
    plan: ScalePlan | None = None,
) -> None:
    lessons = course.lessons
    quiz_index = next(i for i, lesson in enumerate(lessons) if lesson.assessment_id)
    if profile:
        reached = rng.randint(quiz_index + 1, len(lessons))
    else:
        roll = rng.random()
        reached = (
            0
            if roll < 0.25
            else len(lessons)
            if roll < 0.4
            else rng.randint(1, len(lessons) - 1)
        )

    enrolled_at = now - timedelta(
        days=rng.randint(2, 365), minutes=rng.randint(0, 1440)
    )
    span = (now - enrolled_at) / (len(lessons) + 1)
    enrollment_id = writer.next_id(Enrollment)
    done_rows = []
    for position, lesson in enumerate(lessons[:reached]):
        completed_at = enrolled_at + span * (position + 1)
        passed = None
        if lesson.assessment_id:
            attempts = (
                plan.attempts_per_profile_course
                if profile
                else rng.choice([1, 1, 2, 3])
            )
            passed = _seed_attempts(
                writer, rng, lesson, enrollment_id, learner[0], attempts, completed_at
            )
        _progress_row(writer, rng, enrollment_id, lesson, completed_at, passed)
        done_rows.append((lesson, completed_at))
    opened = reached < len(lessons) and not lessons[reached].assessment_id
    if opened and rng.random() < 0.5:
        _progress_row(writer, rng, enrollment_id, lessons[reached], None, None)

    total = course.required_total
    done = sum(1 for lesson, _ in done_rows if lesson.required)
    finished = total > 0 and done >= total
    last_at = done_rows[-1][1] if done_rows else None
    dropped = not finished and not profile and rng.random() < 0.02
    status = (
        EnrollmentStatus.COMPLETED
        if finished
        else EnrollmentStatus.DROPPED
        if dropped
        else EnrollmentStatus.ACTIVE
    )
    writer.add(
        Enrollment,
        {
            "id": enrollment_id,
            "public_id": new_public_id("enr"),
            "learner_id": learner[0],
            "course_id": course.id,
            "status": status,
            "progress_percent": 100 if finished else percent(done, total),
            "required_done": done,
            "required_total": total,
            "enrolled_at": enrolled_at,
            "completed_at": last_at if finished else None,
            "completion_evidence": _json(
                _evidence(done_rows, total, last_at) if finished else {}
            ),
            "dropped_at": now - timedelta(days=1) if dropped else None,
            "last_active_at": last_at,
            "source": rng.choice(list(EnrollmentSource.values)),
            "enrolled_by_id": None,
            "bulk_job_id": None,
            "notified_at": enrolled_at,
        },
    )
    if finished and course.certificate:
        writer.add(
            Certificate,
            {
                "id": writer.next_id(Certificate),
                "public_id": new_public_id("crt"),
                "code": new_verification_code(),
                "learner_id": learner[0],
                "course_id": course.id,
                "enrollment_id": enrollment_id,
                "learner_name": learner[2],
                "course_title": course.title,
                "issued_at": last_at,
            },
        )


def _evidence(done_rows: list[tuple[_Lesson, datetime]], total: int, at) -> dict:
    """What the progress service keeps when it completes an enrollment."""
    return {
        "rule": COMPLETION_RULE,
        "required_lessons": total,
        "passing_required_for": 0,
        "completed_at": at.isoformat(),
        "lessons": [
            {
                "lesson": lesson.public_id,
                "reason": REASONS[lesson.type],
                "completed_at": when.isoformat(),
            }
            for lesson, when in done_rows
            if lesson.required
        ],
    }


def _progress_row(
    writer: BulkWriter,
    rng: random.Random,
    enrollment_id: int,
    lesson: _Lesson,
    completed_at: datetime | None,
    quiz_passed: bool | None,
) -> None:
    opened_at = (completed_at or timezone.now()) - timedelta(minutes=rng.randint(3, 40))
    writer.add(
        LessonProgress,
        {
            "id": writer.next_id(LessonProgress),
            "enrollment_id": enrollment_id,
            "lesson_id": lesson.id,
            "first_opened_at": opened_at,
            "last_opened_at": opened_at,
            "completed_at": completed_at,
            "completion_reason": REASONS[lesson.type] if completed_at else "",
            "completion_evidence": "{}",
            "quiz_passed": quiz_passed,
            "time_spent_seconds": rng.randint(60, 1800),
            "last_heartbeat_at": completed_at,
            "video_duration": 600.0 if lesson.type == LessonType.VIDEO else None,
            "video_watched": "[[0, 580]]"
            if lesson.type == LessonType.VIDEO and completed_at
            else "[]",
        },
    )


def _seed_attempts(
    writer: BulkWriter,
    rng: random.Random,
    lesson: _Lesson,
    enrollment_id: int,
    learner_id: int,
    count: int,
    submitted_by: datetime,
) -> bool:
    """Final attempts: all but the last fail; the last passes seven times in
    ten. Returns whether the learner's standing passes."""
    passed_any = False
    for number in range(1, count + 1):
        last = number == count
        correct = 3 if last and rng.random() < 0.7 else rng.randint(0, 2)
        passed = correct == 3
        passed_any = passed_any or passed
        submitted_at = submitted_by - timedelta(hours=2 * (count - number))
        attempt_id = writer.next_id(Attempt)
        writer.add(
            Attempt,
            {
                "id": attempt_id,
                "public_id": new_public_id("att"),
                "assessment_id": lesson.assessment_id,
                "enrollment_id": enrollment_id,
                "learner_id": learner_id,
                "number": number,
                "status": AttemptStatus.FINAL,
                "started_at": submitted_at - timedelta(minutes=9),
                "deadline_at": None,
                "submitted_at": submitted_at,
                "auto_submitted": False,
                "graded_at": submitted_at,
                "question_order": _json([]),
                "score_points": Decimal(correct),
                "max_points": Decimal(3),
                "score_percent": Decimal(correct * 100) / 3 // Decimal("0.01") / 100,
                "passed": passed,
            },
        )
        for position, (question_id, _kind, right, wrong) in enumerate(lesson.questions):
            is_right = position < correct
            writer.add(
                Answer,
                {
                    "id": writer.next_id(Answer),
                    "attempt_id": attempt_id,
                    "question_id": question_id,
                    "response": _json(right if is_right else wrong),
                    "saved_at": submitted_at,
                    "points_awarded": Decimal(1 if is_right else 0),
                    "needs_review": False,
                    "feedback": "",
                    "graded_by_id": None,
                    "graded_at": submitted_at,
                },
            )
    return passed_any
