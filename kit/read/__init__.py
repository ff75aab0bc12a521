"""Any input file -> a raw table of text with provenance (CSV, Excel, encodings, delimiters).

The one place the kit opens the files it is given: LA returns (:func:`read_file`), reference
files such as SSDA903 extracts, the Ofsted register and the postcode lookup (:func:`read_table`),
and text files that are not tables, such as a mapping file (:func:`read_text`). Every cell is
text; nothing is guessed to be missing.
"""

from kit.read.excel import excel_text, open_for_editing
from kit.read.files import header_with, layout_match, read_file, read_table
from kit.read.table import HeaderRule, SourceTable, check_input, first_row_rule, row_numbers
from kit.read.text import TextFile, read_text, sniff_delimiter, sniff_encoding

__all__ = [
    "HeaderRule",
    "SourceTable",
    "TextFile",
    "check_input",
    "excel_text",
    "first_row_rule",
    "header_with",
    "layout_match",
    "open_for_editing",
    "read_file",
    "read_table",
    "read_text",
    "row_numbers",
    "sniff_delimiter",
    "sniff_encoding",
]
