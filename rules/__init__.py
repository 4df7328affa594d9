"""The knowledge shipped with brm-advisor: rule packs, one folder each (YAML data only)."""
