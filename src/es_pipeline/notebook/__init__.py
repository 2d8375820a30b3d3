"""Running a stage notebook through papermill, and how every notebook displays numbers."""
