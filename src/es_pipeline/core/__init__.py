"""What every step shares: errors, logs, atomic files, table schemas, months, the parameter loader, the runner base."""
