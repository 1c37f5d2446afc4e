import time

from django.core.management.base import BaseCommand, CommandError

from karma.accounts.models import User
from karma.web.seed_scale import SEED_PASSWORD, ScalePlan, seed_scale


class Command(BaseCommand):
    help = (
        "Build a large, realistic site for benchmarks in an empty database: "
        "learners named in many scripts, courses of 5-10 modules with a quiz, "
        "about five enrollments per learner with stored progress, attempts and "
        "certificates. Everyone shares one password. Refuses a database that "
        "already has users unless --flush empties it first."
    )

    def add_arguments(self, parser) -> None:
        defaults = ScalePlan()
        parser.add_argument("--learners", type=int, default=defaults.learners)
        parser.add_argument("--courses", type=int, default=defaults.courses)
        parser.add_argument(
            "--enrollments-per-learner",
            type=float,
            default=defaults.enrollments_per_learner,
        )
        parser.add_argument(
            "--big-course-learners", type=int, default=defaults.big_course_learners
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Delete every row of the database first.",
        )

    def handle(self, *args: object, **options) -> None:
        if options["learners"] < 2 or options["courses"] < 1:
            raise CommandError("Ask for at least 2 learners and 1 course.")
        if options["flush"]:
            from django.core.management import call_command

            call_command("flush", interactive=False, verbosity=0)
        elif User.objects.exists():
            raise CommandError("The database already has users; pass --flush.")

        plan = ScalePlan(
            learners=options["learners"],
            courses=options["courses"],
            enrollments_per_learner=options["enrollments_per_learner"],
            big_course_learners=options["big_course_learners"],
            seed=options["seed"],
        )
        started = time.perf_counter()
        summary = seed_scale(plan=plan, progress=self._say)
        elapsed = time.perf_counter() - started

        counts = ", ".join(
            f"{count} {label.split('.')[-1]}" for label, count in summary.counts.items()
        )
        self.stdout.write(f"Seeded in {elapsed:.0f} s: {counts}.")
        self.stdout.write(
            f"Sign in as {summary.admin_email} (or any learner), password "
            f"{SEED_PASSWORD}; the profile learner is "
            f"{summary.profile_learner_email}."
        )

    def _say(self, message: str) -> None:
        self.stdout.write(f"  … {message}")
