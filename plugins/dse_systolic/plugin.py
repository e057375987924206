"""Entry point of the systolic plugin (hooks are added as the plugin grows)."""
