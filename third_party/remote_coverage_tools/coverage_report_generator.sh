#!/bin/bash
# Coverage merging is not wired up offline; keep test runs green and say so.
echo "coverage_report_generator: coverage reports is not available in the offline build" >&2
exit 0
