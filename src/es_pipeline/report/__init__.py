"""The cross-month report (SPEC 8) and the site: index page, pipeline graph, plot pages."""
