"""Per-run reports (Markdown and self-contained HTML) and their plots."""
