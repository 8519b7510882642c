"""Reading and writing jixiao data: YAML, Excel workbooks, respondent sheets, published tables."""
