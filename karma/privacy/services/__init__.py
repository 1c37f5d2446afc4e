"""Data rights: exporting a person's data, erasing it, and retention.

Pages, the API, the command and the scheduled task call these.
"""

from karma.privacy.services.erasure import (
    ErasureError,
    ErasureResult,
    confirmation_problem,
    erase_learner,
    erasure_problem,
)
from karma.privacy.services.export import archive_file_name, export_learner_data
from karma.privacy.services.retention import purge_expired

__all__ = [
    "ErasureError",
    "ErasureResult",
    "archive_file_name",
    "confirmation_problem",
    "erase_learner",
    "erasure_problem",
    "export_learner_data",
    "purge_expired",
]
