"""JSON Schemas shipped with brm-advisor (package data)."""
