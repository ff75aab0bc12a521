"""Suggest how an LA's columns and values map to the standard, the mapping file, and the editor widget."""
