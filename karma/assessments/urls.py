app_name = "assessments"

# Each view module adds its own routes below; keep them grouped by module.
urlpatterns: list = [
    # Taking a quiz (views/attempts.py).
    # Building a quiz in the course editor (views/builder.py).
    # The grading queue (views/grading.py).
]
