"""Portfolio scans: a whole register (CSV/XLSX) evaluated row by row. Pure: no database, no Flask."""
