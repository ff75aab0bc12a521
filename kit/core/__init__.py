"""The bottom layer: errors, paths, findings and the plain result types (no logic; imports nothing above)."""
