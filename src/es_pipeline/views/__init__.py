"""Tables and figures the executed notebooks show; no stage logic lives here."""
