"""Executors that spread `grade_batch` work beyond one machine. `graders.executors.ray`: Ray Core actors."""
