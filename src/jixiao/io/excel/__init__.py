"""Excel workbooks: the printable score table and the entry workbook a clerk fills in.

Where things are (the commands are ``jixiao excel export | template | import``):

- ``score_table``: ``export_score_table`` writes a scored evaluation as the 附件《指标体系得分情况》
  table in one of the two published layouts (``SCORE_LAYOUTS``), ready to print on A4
  landscape, with a second sheet of audit findings.
- ``entry_template``: ``export_entry_workbook`` writes a 填报表 for a framework (sheets, locked
  and input columns, drop-down lists, instructions, 单位信息, the hidden ``_meta`` sheet);
  ``entry_layout`` holds the sheet names and columns it shares with the importer, and
  ``entry_rows`` which rows a framework gives and which inputs each takes.
- ``entry_import``: ``import_entry_workbook`` reads the filled workbook back into an
  ``Evaluation`` or a list of located errors (``填报!H12（实际值）``), never a partial result;
  ``reading`` reads one cell (numbers, text, 是/否, lists, pairs).
- ``evaluation_yaml``: ``evaluation_to_yaml`` writes the evaluation file ``jixiao score`` reads.
- ``cells``: fonts, fills, writing cells, row heights and print setup, shared by every workbook
  (also ``io.project_form_excel``, ``io.cycle_excel`` and ``io.bulk``).

Numbers. Cell values are written as numbers through openpyxl's public API, from the Decimal
itself. openpyxl stores the double nearest the decimal (its XML text may read
``0.07000000000000001``, which is the same double as 0.07), and any decimal of at most 15
significant digits — every score, weight and recorded value in practice — comes back exactly
through ``Decimal(repr(float))``, which is how the importer reads numeric cells. Scores are
shown with the framework's places (``0.00``), weights with the places they have. Input cells
of the entry workbook are formatted as text, so Excel keeps what the clerk typed (``99.81%``)
instead of converting it; text numbers are read exactly too.

Security. User text (criteria, evidence, names, findings) is never written as a live formula:
every text cell is stored as a string (and marked with a quote prefix when it starts with
``= + - @``), so ``=HYPERLINK(...)`` in a criteria text stays text. Reading, a formula cell is
an error to be corrected, never evaluated.
"""

from .cells import (BODY_FONT, BORDER, CENTER, FONT_NAME, FORMULA_PREFIXES, HEADER_FILL, HEADER_FONT, NEEDED_FILL,
                    READ_ONLY_FILL, THIN, TITLE_FONT, WRAP, WRAP_TOP, places_format, print_setup, put_number, put_text,
                    style)
from .entry_import import import_entry_workbook
from .entry_layout import (ALL_INPUTS, ENTRY_COLUMNS, ENTRY_SHEET, FIRST_DATA_ROW, HEADER_ROW, HELP_SHEET, LABELS,
                           META_FORMAT, META_FORMAT_VERSION, META_SHEET, PART_SEPARATOR, SCORING_INPUTS, UNIT_FIELDS,
                           UNIT_LEVELS, UNIT_SHEET, EntryColumn)
from .entry_rows import RULE_HELP, EntryRow, entry_rows
from .entry_template import export_entry_workbook
from .evaluation_yaml import evaluation_to_yaml, framework_data
from .reading import CellError, parse_number_text, read_number, read_text
from .score_table import SCORE_LAYOUTS, SEVERITY_NAMES, Layout, export_score_table

# The names io.cycle_excel imports from before the split (it styles its sheets like these).
_style = style
_print_setup = print_setup

__all__ = [
    "ALL_INPUTS", "BODY_FONT", "BORDER", "CENTER", "ENTRY_COLUMNS", "ENTRY_SHEET", "FIRST_DATA_ROW", "FONT_NAME",
    "FORMULA_PREFIXES", "HEADER_FILL", "HEADER_FONT", "HEADER_ROW", "HELP_SHEET", "LABELS", "META_FORMAT",
    "META_FORMAT_VERSION", "META_SHEET", "NEEDED_FILL", "PART_SEPARATOR", "READ_ONLY_FILL", "RULE_HELP",
    "SCORE_LAYOUTS", "SCORING_INPUTS", "SEVERITY_NAMES", "THIN", "TITLE_FONT", "UNIT_FIELDS", "UNIT_LEVELS",
    "UNIT_SHEET", "WRAP", "WRAP_TOP", "CellError", "EntryColumn", "EntryRow", "Layout", "entry_rows",
    "evaluation_to_yaml", "export_entry_workbook", "export_score_table", "framework_data", "import_entry_workbook",
    "parse_number_text", "places_format", "print_setup", "put_number", "put_text", "read_number", "read_text", "style",
]
