"""Enrollment services: one learner at a time (`enrollments`) and in bulk (`bulk`)."""
