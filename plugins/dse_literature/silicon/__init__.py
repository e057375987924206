"""Named chips (presets) calibrated against their silicon: docs/silicon.md."""
