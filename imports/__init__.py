"""Import: a company's people, projects, time entries and leave brought in from files (issue 18)."""
