"""Joint protection teams and joint assessment missions (DOMAIN.md section 9)."""
