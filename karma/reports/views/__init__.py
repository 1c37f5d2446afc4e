"""The report pages.

- course: the course's Progress tab, one learner's detail, and the
  course's exports (for the course's staff and admins);
- exports: the page and download of an export prepared in the background;
- teaching: the teaching dashboard (instructors and admins);
- platform: the platform-wide reports (admins).
"""
