"""Local perspectives: what communities themselves say (perception surveys, profiles, engagements), as figures an
analyst can defend: weighted shares with intervals, and no figure that could point at a few respondents."""
