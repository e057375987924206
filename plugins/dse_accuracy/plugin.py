"""Entry point of the accuracy plugin (hooks are added as the plugin grows)."""
