"""Course authoring: the Courses list, Create Course and the course editor.

For admins and the course's instructors (SPEC sections 1 and 4). Each view
loads the course through `get_course_for_manager_or_404`, and anything in it
through the course. Every form works without JavaScript; htmx and the
editor script (static/karma/courses/editor.js) only make it quicker.
"""

from karma.courses.views.authoring.courses import (
    course_create,
    course_delete,
    course_details,
    course_draft,
    course_instructors,
    course_list,
    course_publish,
    course_settings,
)
from karma.courses.views.authoring.outline import (
    course_editor,
    lesson_create,
    lesson_delete,
    lesson_edit,
    lesson_move,
    lesson_reorder,
    module_create,
    module_delete,
    module_edit,
    module_move,
    module_reorder,
)

__all__ = [
    "course_create",
    "course_delete",
    "course_details",
    "course_draft",
    "course_editor",
    "course_instructors",
    "course_list",
    "course_publish",
    "course_settings",
    "lesson_create",
    "lesson_delete",
    "lesson_edit",
    "lesson_move",
    "lesson_reorder",
    "module_create",
    "module_delete",
    "module_edit",
    "module_move",
    "module_reorder",
]
