"""Models of the 项目支出绩效自评表 pages (imported by ``jixiao.web.models``)."""
