"""The performance cycle: target tables, monitoring reports, problems, allocations and thresholds."""
