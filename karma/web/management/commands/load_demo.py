from django.conf import settings
from django.core.management.base import BaseCommand

from karma.web.demo import load_demo_courses, load_demo_people


class Command(BaseCommand):
    help = (
        "Load the demo cast (an admin, an instructor and learners) and the sample "
        "courses where missing. Existing accounts and courses are left unchanged, "
        "so it is safe to run again."
    )

    def handle(self, *args: object, **options: object) -> None:
        results = load_demo_people()
        created = sum(1 for _, new in results if new)
        self.stdout.write(
            f"Demo data: {created} accounts created, {len(results)} in all."
        )
        courses = load_demo_courses()
        built = sum(1 for _, new in courses if new)
        self.stdout.write(f"Sample courses: {built} created, {len(courses)} in all.")
        self.stdout.write("")
        self.stdout.write(f"Karma runs at {settings.SITE_URL}/ — sign in as:")
        for person, _ in results:
            self.stdout.write(
                f"  {person.role:<11} {person.email:<24} password: {person.password}"
            )
        self.stdout.write("")
        self.stdout.write(
            "Invitation emails are printed here and kept in var/mail/ "
            f"(admins read them at {settings.SITE_URL}/dev/mail/ under make run)."
        )
