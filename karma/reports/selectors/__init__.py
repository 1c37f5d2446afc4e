"""Reading reports, scoped to what the viewer may see.

- risk: the at-risk rules, as a table;
- course: one course's figures, learner × module matrix and learner detail;
- assessments: per-quiz results;
- dashboard: the teaching dashboard over the courses someone runs;
- platform: the admins' platform-wide figures.
"""
