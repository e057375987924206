"""Entry point of the snn plugin (hooks are added as the plugin grows)."""
