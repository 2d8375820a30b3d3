"""Stage runners: the I/O edge around each pure stage function (read, compute, write, log).

Notebooks and the CLI call these and nothing else, so a month runs the same way in DVC,
in a notebook opened by hand and on the command line.
"""
