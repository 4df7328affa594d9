"""The BRM team: each BRM's competency profile, the practice's ratings derived from theirs, the
team's findings and a development plan (issue: "what do your BRMs look like?")."""
