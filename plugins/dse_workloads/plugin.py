"""Entry point of the workloads plugin (hooks are added as the plugin grows)."""
