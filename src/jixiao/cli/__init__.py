"""The command line, one module per concern:

- ``evaluation``: ``jixiao score`` / ``check`` (a file, a folder — ``batch`` — or the site),
  ``frameworks``, ``compare``, ``examples``
- ``audit``: ``jixiao audit`` (published reports; the work is ``jixiao.io.published_audit``)
- ``excel``, ``project``, ``cycle``, ``report`` / ``template``: the sub-command groups
- ``site``: ``jixiao demo``, ``backup``, ``restore``, ``manage``
- ``common``: the error console, ``fail`` and the wrapping ``Table``; ``root``: the ``app``
"""

from jixiao.cli.root import app
from jixiao.cli import evaluation, site  # noqa: F401  (their commands register on app)
from jixiao.cli.audit import audit_cmd
from jixiao.cli.cycle import cycle_app
from jixiao.cli.excel import excel_app
from jixiao.cli.project import project_app
from jixiao.cli.report import report_app, template_app

app.add_typer(excel_app, name="excel", help="Excel：填报表模板、导入填报表、导出评分表")
app.command("audit", short_help="核查公开的得分表：按评分标准重算，列出不一致及其可信度")(audit_cmd)
app.add_typer(cycle_app, name="cycle", help="全过程绩效管理：目标、监控、整改、因素法分配")
app.add_typer(project_app, name="project", help="项目支出绩效自评表：新建、计分、导出、导入（全国/云南/湖北样式）")
app.add_typer(report_app)
app.add_typer(template_app, name="template", help="Word模板：检查、列出字段、复制内置模板")


def main() -> None:  # console-script entry point
    app()
