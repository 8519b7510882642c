"""The Django site: a thin layer over ``jixiao.core`` for multi-unit self-evaluation."""
