"""Converters by field type: each mapped cell read as its type or code once, with a finding when it cannot be."""
