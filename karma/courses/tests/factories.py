"""Factories for courses; tests build course structures through these."""

from __future__ import annotations

import factory

from karma.accounts.tests.factories import InstructorFactory
from karma.courses.models import (
    Course,
    CourseStatus,
    Lesson,
    LessonType,
    Module,
    Visibility,
)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"Course {n}")
    description = "A course made for a test."
    category = "Safety"
    owner = factory.SubFactory(InstructorFactory)
    status = CourseStatus.DRAFT
    visibility = Visibility.PUBLIC


class PublishedCourseFactory(CourseFactory):
    status = CourseStatus.PUBLISHED


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    name = factory.Sequence(lambda n: f"Module {n}")
    position = factory.Sequence(lambda n: n)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    course = factory.SelfAttribute("module.course")
    title = factory.Sequence(lambda n: f"Lesson {n}")
    type = LessonType.TEXT
    body = "<p>Read this.</p>"
    position = factory.Sequence(lambda n: n)
