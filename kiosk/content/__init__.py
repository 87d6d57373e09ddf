"""Reading the content folder: lessons, courses, quizzes. Knows nothing of Flask or the database."""
