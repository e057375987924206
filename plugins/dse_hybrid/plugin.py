"""Entry point of the hybrid plugin (hooks are added as the plugin grows)."""
