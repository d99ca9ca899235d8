"""The record tables of the forløp data model and their columns.

:data:`TABLES` maps each table name to a :class:`TableSchema`; :data:`REFERENCES`
lists the columns that must point at rows of another table. Both are read by
:class:`effekt.data.RecordStore` when it validates the tables.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "BIRTH_YEAR_RANGE",
    "DATE_RANGE",
    "MAX_ABS_VALUE",
    "REFERENCES",
    "ROW_NUMBER",
    "SECTORS",
    "TABLES",
    "Column",
    "ColumnKind",
    "Reference",
    "TableSchema",
]

#: What a column may hold. ``"id"``: integer or string identifiers; ``"integer"``;
#: ``"number"``: integer or floating point, finite and at most :data:`MAX_ABS_VALUE` in
#: absolute value; ``"date"``: date or timestamp (timestamps are read as their date, a
#: timestamp with a time zone as the date of its wall-clock time in that zone);
#: ``"string"``; ``"any"``: not checked.
ColumnKind = Literal["id", "integer", "number", "date", "string", "any"]

#: Plausible dates (inclusive). Dates outside are reported as errors: they are usually
#: placeholders such as 1900-01-01 or 9999-12-31, or typing errors.
DATE_RANGE: tuple[_dt.date, _dt.date] = (_dt.date(1901, 1, 1), _dt.date(2099, 12, 31))

#: Plausible birth years (inclusive).
BIRTH_YEAR_RANGE: tuple[int, int] = (1900, 2099)

#: The largest absolute value a ``"number"`` column may hold (NOK amounts, units, outcome
#: values): a million million, more than a municipality's budget for decades. Larger values
#: are placeholders or typing errors, and sums of them can overflow to ``inf``.
MAX_ABS_VALUE: float = 1e12

#: The column that numbers the rows of a table from 1 in the order of its frame or file
#: (the header line of a CSV file not counted). Validation messages name rows by it; the
#: name is reserved and is never part of :meth:`RecordStore.table
#: <effekt.data.RecordStore.table>`.
ROW_NUMBER = "_effekt_row"


@dataclass(frozen=True)
class Column:
    """A column of a record table.

    Parameters
    ----------
    name : str
        Column name (English snake_case).
    kind : ColumnKind
        What the column may hold.
    required : bool
        Whether the column must be present.
    nullable : bool
        Whether the column may hold missing values.
    non_negative : bool
        Whether negative values are an error (costs, units).
    """

    name: str
    kind: ColumnKind
    required: bool = True
    nullable: bool = False
    non_negative: bool = False


@dataclass(frozen=True)
class TableSchema:
    """A record table: its columns, its key and whether it must be present.

    Parameters
    ----------
    name : str
        Table name.
    columns : tuple of Column
        The columns the table knows. Other columns are kept (for ``persons`` they are the
        baseline covariates).
    key : tuple of str
        Columns that identify a row; two rows with the same key are an error.
    example_key : tuple of str
        Columns that identify example rows in the ``keys`` of a validation problem (never
        in the message, which names rows by number).
    required : bool
        Whether every record store must have this table.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    example_key: tuple[str, ...]
    required: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the known columns, in order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """Return the known column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


@dataclass(frozen=True)
class Reference:
    """Non-missing values of ``table.column`` must occur in ``to_table.to_column``."""

    table: str
    column: str
    to_table: str
    to_column: str


#: The municipal sectors of ``measures.sector`` used by the synthetic municipality and as
#: the default sector keys of budgets (docs/design.md). Real data may use other codes: the
#: panel and trajectories take whatever sectors ``measures`` holds.
SECTORS: tuple[str, ...] = (
    "oppvekst_barnehage",
    "oppvekst_skole",
    "helse_sosial",
    "pleie_omsorg",
    "nav",
    "barnevern",
)

TABLES: dict[str, TableSchema] = {
    "persons": TableSchema(
        "persons",
        (
            Column("person_id", "id"),
            Column("family_id", "id"),
            Column("birth_year", "integer"),
            Column("sex", "any", nullable=True),
            Column("district", "any", nullable=True),
            Column("provider_id", "id", required=False, nullable=True),
            Column("move_in_date", "date", required=False, nullable=True),
            Column("move_out_date", "date", required=False, nullable=True),
        ),
        key=("person_id",),
        example_key=("person_id",),
        required=True,
    ),
    "measures": TableSchema(
        "measures",
        (
            Column("measure_id", "id"),
            Column("name", "any", nullable=True),
            Column("sector", "string"),
            Column("unit", "string", nullable=True),
            Column("unit_cost_nok", "number", nullable=True, non_negative=True),
            Column("target_group", "string", nullable=True),
        ),
        key=("measure_id",),
        example_key=("measure_id",),
        required=True,
    ),
    "service_events": TableSchema(
        "service_events",
        (
            Column("person_id", "id"),
            Column("measure_id", "id"),
            Column("start_date", "date"),
            Column("end_date", "date"),
            Column("units", "number", nullable=True, non_negative=True),
            Column("cost_nok", "number", non_negative=True),
            Column("provider_id", "id", nullable=True),
        ),
        key=("person_id", "measure_id", "provider_id", "start_date", "end_date"),
        example_key=("person_id", "measure_id", "start_date"),
        required=True,
    ),
    "outcomes": TableSchema(
        "outcomes",
        (
            Column("person_id", "id"),
            Column("date", "date"),
            Column("outcome", "string"),
            Column("value", "number"),
        ),
        key=("person_id", "date", "outcome"),
        example_key=("person_id", "date", "outcome"),
    ),
    "exposures": TableSchema(
        "exposures",
        (
            Column("person_id", "id", nullable=True),
            Column("family_id", "id", nullable=True),
            Column("provider_id", "id", nullable=True),
            Column("pilot", "string"),
            Column("start_date", "date"),
        ),
        key=("pilot", "person_id", "family_id", "provider_id"),
        example_key=("pilot", "person_id", "family_id", "provider_id"),
    ),
    "providers": TableSchema(
        "providers",
        (
            Column("provider_id", "id"),
            Column("provider_type", "string", nullable=True),
            Column("district", "any", nullable=True),
            Column("name", "any", nullable=True),
        ),
        key=("provider_id",),
        example_key=("provider_id",),
    ),
}

REFERENCES: tuple[Reference, ...] = (
    Reference("service_events", "person_id", "persons", "person_id"),
    Reference("service_events", "measure_id", "measures", "measure_id"),
    Reference("service_events", "provider_id", "providers", "provider_id"),
    Reference("outcomes", "person_id", "persons", "person_id"),
    Reference("exposures", "person_id", "persons", "person_id"),
    Reference("exposures", "family_id", "persons", "family_id"),
    Reference("exposures", "provider_id", "providers", "provider_id"),
    Reference("persons", "provider_id", "providers", "provider_id"),
)
