"""Engagements: an organization assessed unit by unit, by several respondents, with evidence
(reading, combining answers, rolling units up)."""
