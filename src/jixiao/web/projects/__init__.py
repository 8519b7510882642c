"""项目支出绩效自评表: the project forms' records, pages, permissions and demo data."""
