"""``flask`` command groups, one module per area."""
