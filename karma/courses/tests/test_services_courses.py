"""Course authoring services: courses, prerequisites, order, sanitising."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from karma.accounts.tests.factories import InstructorFactory, LearnerFactory
from karma.courses import services
from karma.courses.exceptions import CourseError
from karma.courses.models import Course, CourseStatus, Lesson, LessonType, Module
from karma.courses.services import CourseDetails, LessonInput
from karma.courses.tests.factories import CourseFactory, LessonFactory
from karma.courses.tests.sample_files import mp4, pdf, png


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def course(instructor):
    return CourseFactory(owner=instructor, title="Safety at work")


def _module_names(course: Course) -> list[str]:
    return list(course.modules.order_by("position").values_list("name", flat=True))


def _lesson_titles(module: Module) -> list[str]:
    return list(module.lessons.order_by("position").values_list("title", flat=True))


def _positions(queryset) -> list[int]:
    return sorted(queryset.values_list("position", flat=True))


def _modules(course: Course, *names: str) -> list[Module]:
    return [services.add_module(course=course, name=name) for name in names]


def _lessons(module: Module, *titles: str) -> list[Lesson]:
    return [
        services.add_lesson(module=module, data=LessonInput(title=title, type="text"))
        for title in titles
    ]


# --- Creating and updating ---------------------------------------------------


def test_creates_a_draft_course_owned_by_its_creator(instructor):
    details = CourseDetails(
        title="  First   aid ",
        description=" Basics. ",
        category=" Health ",
        estimated_minutes="90",
    )

    course = services.create_course(owner=instructor, details=details)

    course.refresh_from_db()
    assert course.owner == instructor
    assert course.status == CourseStatus.DRAFT
    assert (course.title, course.description, course.category) == (
        "First aid",
        "Basics.",
        "Health",
    )
    assert course.estimated_minutes == 90


def test_refuses_a_learner_as_course_owner(db):
    with pytest.raises(CourseError):
        services.create_course(owner=LearnerFactory(), details=CourseDetails("X"))

    assert not Course.objects.exists()


@pytest.mark.parametrize(
    ("details", "field"),
    [
        (CourseDetails(title="   "), "title"),
        (CourseDetails(title="x" * 201), "title"),
        (CourseDetails(title="Ok", category="c" * 101), "category"),
        (CourseDetails(title="Ok", estimated_minutes="soon"), "estimated_minutes"),
        (CourseDetails(title="Ok", estimated_minutes=0), "estimated_minutes"),
    ],
)
def test_refuses_bad_course_details_on_their_field(instructor, details, field):
    with pytest.raises(CourseError) as refused:
        services.create_course(owner=instructor, details=details)

    assert refused.value.field == field
    assert not Course.objects.exists()


def test_updates_details_and_replaces_the_cover(course, media):
    services.update_course(course=course, details=CourseDetails("Old"), cover=png())
    first_cover = course.cover.name

    services.update_course(
        course=course, details=CourseDetails("New title"), cover=png("b.png")
    )

    course.refresh_from_db()
    assert course.title == "New title"
    assert course.cover.name != first_cover
    assert not (media / first_cover).exists()
    assert (media / course.cover.name).exists()


def test_keeps_the_cover_when_none_is_sent(course):
    services.update_course(course=course, details=CourseDetails("A"), cover=png())
    cover = course.cover.name

    services.update_course(course=course, details=CourseDetails("B"))

    course.refresh_from_db()
    assert course.cover.name == cover


# --- Prerequisites -----------------------------------------------------------


def _require(course: Course, *prerequisites: Course) -> None:
    services.update_settings(
        course=course,
        enrollment_type="open",
        visibility="public",
        prerequisites=list(prerequisites),
        require_passing_quizzes=False,
        certificate_enabled=False,
    )


def test_saves_settings(course):
    other = CourseFactory(title="Basics")

    services.update_settings(
        course=course,
        enrollment_type="invite_only",
        visibility="hidden",
        prerequisites=[other],
        require_passing_quizzes=True,
        certificate_enabled=True,
    )

    course.refresh_from_db()
    assert course.enrollment_type == "invite_only"
    assert course.visibility == "hidden"
    assert list(course.prerequisites.all()) == [other]
    assert course.require_passing_quizzes and course.certificate_enabled


@pytest.mark.parametrize("field", ["enrollment_type", "visibility"])
def test_refuses_an_unknown_setting(course, field):
    values = {"enrollment_type": "open", "visibility": "public", field: "sometimes"}

    with pytest.raises(CourseError) as refused:
        services.update_settings(
            course=course,
            prerequisites=[],
            require_passing_quizzes=False,
            certificate_enabled=False,
            **values,
        )

    assert refused.value.field == field


def test_refuses_a_course_as_its_own_prerequisite(course):
    with pytest.raises(CourseError) as refused:
        _require(course, course)

    assert refused.value.field == "prerequisites"
    assert not course.prerequisites.exists()


def test_refuses_a_direct_cycle_naming_it(db):
    first = CourseFactory(title="First")
    second = CourseFactory(title="Second")
    _require(first, second)

    with pytest.raises(CourseError) as refused:
        _require(second, first)

    assert refused.value.field == "prerequisites"
    assert "Second → First → Second" in refused.value.message
    assert not second.prerequisites.exists()


def test_refuses_a_long_cycle_with_the_names_in_order(db):
    a, b, c = (CourseFactory(title=name) for name in ("Alpha", "Beta", "Gamma"))
    _require(a, b)
    _require(b, c)

    with pytest.raises(CourseError) as refused:
        _require(c, a)

    assert "Gamma → Alpha → Beta → Gamma" in refused.value.message
    assert not c.prerequisites.exists()


def test_accepts_chains_and_shared_prerequisites(db):
    a, b, c, d = (CourseFactory(title=name) for name in "ABCD")
    _require(a, b, c)
    _require(b, c)
    _require(c, d)

    _require(d)

    assert set(a.prerequisites.all()) == {b, c}
    assert list(c.prerequisites.all()) == [d]


def test_keeps_the_old_prerequisites_when_a_cycle_is_refused(db):
    a, b, c = (CourseFactory(title=name) for name in "ABC")
    _require(a, b)
    _require(b, c)

    with pytest.raises(CourseError):
        _require(b, a)

    assert list(b.prerequisites.all()) == [c]


# --- Publishing and deleting -------------------------------------------------


def test_refuses_to_publish_a_course_without_lessons(course):
    _modules(course, "Empty")

    with pytest.raises(CourseError, match="module with a lesson"):
        services.publish_course(course=course)

    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT


def test_publishes_and_takes_back_to_draft(course):
    (module,) = _modules(course, "One")
    _lessons(module, "Read me")

    services.publish_course(course=course)
    assert Course.objects.get(pk=course.pk).status == CourseStatus.PUBLISHED

    services.save_as_draft(course=course)
    assert Course.objects.get(pk=course.pk).status == CourseStatus.DRAFT


def test_deletes_a_course_with_its_content_and_files(
    course, media, django_capture_on_commit_callbacks
):
    (module,) = _modules(course, "One")
    lesson = services.add_lesson(
        module=module, data=LessonInput(title="Notes", type="document", file=pdf())
    )
    stored = media / lesson.file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_course(course=course)

    assert not Course.objects.filter(pk=course.pk).exists()
    assert not Lesson.objects.filter(pk=lesson.pk).exists()
    assert not stored.exists()


# --- Instructors -------------------------------------------------------------


def test_adds_and_removes_an_instructor(course, admin):
    colleague = InstructorFactory()

    services.add_instructor(course=course, instructor=colleague, added_by=admin)
    assert course.instructor_links.filter(instructor=colleague).exists()

    services.remove_instructor(course=course, instructor=colleague)
    assert not course.instructor_links.exists()


def test_refuses_a_learner_or_the_owner_as_added_instructor(course, admin, learner):
    for person in (learner, course.owner):
        with pytest.raises(CourseError) as refused:
            services.add_instructor(course=course, instructor=person, added_by=admin)
        assert refused.value.field == "instructor"

    assert not course.instructor_links.exists()


# --- Order of modules and lessons --------------------------------------------


def test_reorders_modules_by_a_permutation(course):
    a, b, c = _modules(course, "A", "B", "C")

    services.reorder_modules(
        course=course, module_ids=[c.public_id, a.public_id, b.public_id]
    )

    assert _module_names(course) == ["C", "A", "B"]
    assert _positions(course.modules) == [0, 1, 2]


def test_refuses_module_ids_of_another_course_and_changes_nothing(course):
    a, b = _modules(course, "A", "B")
    (foreign,) = _modules(CourseFactory(), "Foreign")

    with pytest.raises(CourseError):
        services.reorder_modules(
            course=course, module_ids=[b.public_id, foreign.public_id, a.public_id]
        )

    assert _module_names(course) == ["A", "B"]
    assert Module.objects.get(pk=foreign.pk).course_id != course.pk


def test_refuses_an_order_naming_a_module_twice(course):
    a, b = _modules(course, "A", "B")

    with pytest.raises(CourseError):
        services.reorder_modules(
            course=course, module_ids=[b.public_id, b.public_id, a.public_id]
        )

    assert _module_names(course) == ["A", "B"]


def test_keeps_modules_missing_from_the_order_at_the_end(course):
    a, b, c, d = _modules(course, "A", "B", "C", "D")

    services.reorder_modules(course=course, module_ids=[d.public_id, b.public_id])

    assert _module_names(course) == ["D", "B", "A", "C"]
    assert _positions(course.modules) == [0, 1, 2, 3]


def test_reorders_lessons_within_a_module(course):
    (module,) = _modules(course, "M")
    a, b, c = _lessons(module, "a", "b", "c")

    services.reorder_lessons(
        module=module, lesson_ids=[b.public_id, c.public_id, a.public_id]
    )

    assert _lesson_titles(module) == ["b", "c", "a"]


def test_moves_a_lesson_between_modules_and_renumbers_both(course):
    first, second = _modules(course, "First", "Second")
    a, b, c = _lessons(first, "a", "b", "c")
    x, y = _lessons(second, "x", "y")

    services.reorder_lessons(
        module=second, lesson_ids=[x.public_id, b.public_id, y.public_id]
    )

    assert _lesson_titles(first) == ["a", "c"]
    assert _lesson_titles(second) == ["x", "b", "y"]
    assert _positions(first.lessons) == [0, 1]
    assert _positions(second.lessons) == [0, 1, 2]
    moved = Lesson.objects.get(pk=b.pk)
    assert (moved.module_id, moved.course_id) == (second.pk, course.pk)


def test_refuses_a_lesson_of_another_course_and_changes_nothing(course):
    (module,) = _modules(course, "M")
    a, b = _lessons(module, "a", "b")
    foreign = LessonFactory(title="foreign")

    with pytest.raises(CourseError):
        services.reorder_lessons(
            module=module, lesson_ids=[b.public_id, foreign.public_id, a.public_id]
        )

    assert _lesson_titles(module) == ["a", "b"]
    assert Lesson.objects.get(pk=foreign.pk).module_id == foreign.module_id


def test_moves_a_module_down_and_up(course):
    a, b, c = _modules(course, "A", "B", "C")

    assert services.move_module(module=a, offset=1)
    assert _module_names(course) == ["B", "A", "C"]

    assert services.move_module(module=Module.objects.get(pk=c.pk), offset=-1)
    assert _module_names(course) == ["B", "C", "A"]


def test_moving_the_first_up_or_the_last_down_changes_nothing(course):
    first, last = _modules(course, "First", "Last")
    a, b = _lessons(first, "a", "b")

    assert not services.move_lesson(lesson=a, offset=-1)
    assert not services.move_lesson(lesson=b, offset=1)
    assert not services.move_module(module=first, offset=-1)
    assert not services.move_module(module=last, offset=1)

    assert _lesson_titles(first) == ["a", "b"]
    assert _module_names(course) == ["First", "Last"]


def test_moves_a_lesson_within_its_module(course):
    (module,) = _modules(course, "M")
    a, b, c = _lessons(module, "a", "b", "c")

    assert services.move_lesson(lesson=c, offset=-1)

    assert _lesson_titles(module) == ["a", "c", "b"]


def test_deleting_renumbers_modules_and_lessons(course):
    a, b, c = _modules(course, "A", "B", "C")
    x, y, z = _lessons(a, "x", "y", "z")

    services.delete_module(module=b)
    services.delete_lesson(lesson=x)

    assert _module_names(course) == ["A", "C"]
    assert _positions(course.modules) == [0, 1]
    assert _lesson_titles(a) == ["y", "z"]
    assert _positions(a.lessons) == [0, 1]


def test_appends_new_modules_and_lessons_at_the_end(course):
    a, b = _modules(course, "A", "B")
    services.delete_module(module=a)

    (c,) = _modules(course, "C")

    assert _module_names(course) == ["B", "C"]
    assert c.position == 1


# --- Two editors at once -----------------------------------------------------


def _run_together(*jobs) -> list[BaseException]:
    """Run each job in its own thread and transaction, started together."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                job()
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_reorders_leave_one_consistent_order(instructor):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite's in-memory test database is shared between threads in "
            "shared-cache mode, where a second writer fails at once with "
            "'table is locked' instead of waiting; run on PostgreSQL"
        )
    course = CourseFactory(owner=instructor)
    modules = _modules(course, *"ABCDEF")
    (target,) = _modules(course, "Target")
    lessons = _lessons(modules[0], *"uvwxyz")
    ids = [module.public_id for module in modules]
    lesson_ids = [lesson.public_id for lesson in lessons]

    for _ in range(8):
        errors = _run_together(
            lambda: services.reorder_modules(course=course, module_ids=ids[::-1]),
            lambda: services.reorder_modules(course=course, module_ids=ids[1:]),
            lambda: services.reorder_lessons(module=target, lesson_ids=lesson_ids[:3]),
            lambda: services.reorder_lessons(
                module=modules[0], lesson_ids=lesson_ids[::-1]
            ),
        )

        assert errors == []
        assert _positions(course.modules) == list(range(7))
        for module in course.modules.all():
            count = module.lessons.count()
            assert _positions(module.lessons) == list(range(count))
        assert Lesson.objects.filter(course=course).count() == 6


# --- Lessons and what they may contain ---------------------------------------


@pytest.mark.parametrize(
    ("hostile", "gone"),
    [
        ("<p>Hi</p><script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<a href="javascript:alert(1)">click</a>', "javascript:"),
        ('<p style="position:fixed">cover</p>', "style"),
        ('<iframe src="https://example.com"></iframe>', "<iframe"),
        ('<p onclick="steal()">Tap</p>', "onclick"),
    ],
)
def test_strips_what_could_run_from_text_lessons(course, hostile, gone):
    (module,) = _modules(course, "M")

    lesson = services.add_lesson(
        module=module, data=LessonInput(title="T", type="text", body=hostile)
    )

    assert gone not in Lesson.objects.get(pk=lesson.pk).body.lower()


def test_keeps_ordinary_formatting_in_text_lessons(course):
    (module,) = _modules(course, "M")
    body = (
        '<h2>Why</h2><p>Read <a href="https://example.com/a">this</a>.</p>'
        "<ul><li>one</li></ul>"
    )

    lesson = services.add_lesson(
        module=module, data=LessonInput(title="T", type="text", body=body)
    )

    assert "<h2>Why</h2>" in lesson.body
    assert 'href="https://example.com/a"' in lesson.body
    assert "<li>one</li>" in lesson.body


def test_adds_video_lessons_by_upload_or_link(course, media):
    (module,) = _modules(course, "M")

    uploaded = services.add_lesson(
        module=module, data=LessonInput(title="Talk", type="video", file=mp4())
    )
    linked = services.add_lesson(
        module=module,
        data=LessonInput(
            title="Clip", type="video", video_url="https://video.example/v/1"
        ),
    )

    assert uploaded.file.name.endswith(".mp4")
    assert uploaded.file_name == "talk.mp4"
    assert (media / uploaded.file.name).exists()
    assert linked.video_url == "https://video.example/v/1"
    assert not linked.file


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (LessonInput(title="V", type="video"), "file"),
        (LessonInput(title="D", type="document"), "file"),
        (LessonInput(title="V", type="video", video_url="javascript:x"), "video_url"),
        (LessonInput(title="V", type="video", video_url="ftp://x/y"), "video_url"),
        (LessonInput(title="X", type="podcast"), "type"),
        (LessonInput(title="", type="quiz"), "title"),
    ],
)
def test_refuses_an_incomplete_lesson_on_its_field(course, data, field):
    (module,) = _modules(course, "M")

    with pytest.raises(CourseError) as refused:
        services.add_lesson(module=module, data=data)

    assert refused.value.field == field
    assert not module.lessons.exists()


def test_refuses_both_a_video_upload_and_a_link(course):
    (module,) = _modules(course, "M")
    data = LessonInput(
        title="V", type="video", file=mp4(), video_url="https://video.example/1"
    )

    with pytest.raises(CourseError):
        services.add_lesson(module=module, data=data)


def test_replacing_a_video_file_by_a_link_deletes_the_file(course, media):
    (module,) = _modules(course, "M")
    lesson = services.add_lesson(
        module=module, data=LessonInput(title="Talk", type="video", file=mp4())
    )
    stored = media / lesson.file.name

    services.update_lesson(
        lesson=lesson,
        data=LessonInput(title="Talk", type="video", video_url="https://v.example/1"),
    )

    assert not stored.exists()
    assert Lesson.objects.get(pk=lesson.pk).video_url == "https://v.example/1"


def test_editing_a_document_lesson_keeps_its_file_without_a_new_upload(course):
    (module,) = _modules(course, "M")
    lesson = services.add_lesson(
        module=module, data=LessonInput(title="Notes", type="document", file=pdf())
    )
    name = lesson.file.name

    services.update_lesson(
        lesson=lesson,
        data=LessonInput(title="Renamed", type="document", required=False),
    )

    lesson.refresh_from_db()
    assert (lesson.title, lesson.file.name, lesson.required) == ("Renamed", name, False)


def test_refuses_to_change_a_lessons_type(course):
    (module,) = _modules(course, "M")
    (lesson,) = _lessons(module, "a")

    with pytest.raises(CourseError) as refused:
        services.update_lesson(lesson=lesson, data=LessonInput(title="a", type="quiz"))

    assert refused.value.field == "type"
    assert Lesson.objects.get(pk=lesson.pk).type == LessonType.TEXT


def test_new_lessons_default_to_required(course):
    (module,) = _modules(course, "M")

    lesson = services.add_lesson(module=module, data=LessonInput("Quiz", "quiz"))

    assert lesson.required is True
    assert lesson.manual_completion is False


@pytest.mark.django_db(transaction=True)
def test_two_editors_cannot_close_a_prerequisite_cycle_together(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers; see the reorder test above")

    for round_number in range(8):
        first = CourseFactory(title=f"First {round_number}")
        second = CourseFactory(title=f"Second {round_number}")

        errors = _run_together(
            lambda first=first, second=second: _require(first, second),
            lambda first=first, second=second: _require(second, first),
        )

        assert [type(error) for error in errors] == [CourseError]
        edges = first.prerequisites.count() + second.prerequisites.count()
        assert edges == 1


def test_new_course_takes_the_existing_spelling_of_its_category(db, instructor):
    from karma.courses.services import CourseDetails, create_course

    first = create_course(
        owner=instructor, details=CourseDetails(title="One", category="Compliance")
    )
    second = create_course(
        owner=instructor, details=CourseDetails(title="Two", category="COMPLIANCE")
    )

    assert (first.category, second.category) == ("Compliance", "Compliance")
