"""The `brm` command: a thin click layer over brm_advisor.engine."""
