"""Implementation support kit for England's children's social care data standards.

The kit maps local authorities' placement and person files to the national Placements Data
Standard and Person Standard, checks them, and builds a region's sufficiency picture. Importing
``kit`` is cheap: Great Expectations is only imported by the functions that check data.
"""

__version__ = "0.1.0"

from kit.core.errors import KitError  # noqa: E402

__all__ = ["KitError", "__version__"]
