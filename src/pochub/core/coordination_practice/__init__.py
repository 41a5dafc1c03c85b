"""Coordination in practice (DOMAIN.md section 9): forum meetings, their agenda and the action points they decide."""
