"""Self-contained HTML reports of runs (`gankit report RUN`) and of comparisons."""

from gankit.report.html import write_compare_report, write_run_report

__all__ = ["write_compare_report", "write_run_report"]
