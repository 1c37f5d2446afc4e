"""Who may read the audit log. The rule itself lives with the accounts rules."""

from __future__ import annotations

from karma.accounts.permissions import can_read_audit_log

__all__ = ["can_read_audit_log"]
