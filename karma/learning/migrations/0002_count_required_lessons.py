"""Give enrollments made before progress tracking their required-lesson count.

No lesson progress existed before this app, so every open enrollment has
done nothing yet: only the total needs filling in. Completed enrollments are
left as they are (completed stays completed).
"""

from django.db import migrations
from django.db.models import Count, Q


def count_required_lessons(apps, schema_editor):
    Course = apps.get_model("courses", "Course")
    Enrollment = apps.get_model("enrollments", "Enrollment")

    courses = Course.objects.annotate(
        required=Count("lessons", filter=Q(lessons__required=True))
    ).filter(required__gt=0)
    for course in courses.iterator():
        Enrollment.objects.filter(
            course_id=course.pk, status__in=["active", "dropped"], required_total=0
        ).update(required_total=course.required)


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0001_initial"),
        ("courses", "0001_initial"),
        ("enrollments", "0002_enrollment_completion_evidence_and_more"),
    ]

    operations = [
        migrations.RunPython(count_required_lessons, migrations.RunPython.noop),
    ]
