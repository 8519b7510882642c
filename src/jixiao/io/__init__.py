"""Reading and writing jixiao data: YAML frameworks and evaluations (Excel and Word later)."""
