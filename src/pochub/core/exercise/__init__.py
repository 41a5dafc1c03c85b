"""Training exercises on the mission's own engine: scenarios and injects, the exercise clock, scoring."""
