"""What one LA gets back from a check: standard.csv, findings.csv, summary.json, feedback.xlsx, a quality report.

``write_outputs(result, folder)`` writes them (:mod:`kit.outputs.writer`). Importing this package is
cheap: the workbook and report writers are imported when they are used.
"""

from kit.outputs.writer import standard_csv_frame, write_outputs

__all__ = ["standard_csv_frame", "write_outputs"]
